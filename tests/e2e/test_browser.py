"""Each page in a real browser: renders without exception, map polygons drawn, click selects,
deep links open the right view, and no request leaves 127.0.0.1."""

from __future__ import annotations

import re

import pytest
import shapely
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from geo import boundaries
from phdt.config import settings
from tests.e2e.conftest import screenshot, wait_for_app

# The map on screen: while st_folium re-mounts a changed map, the outgoing iframe lingers with width -1.
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]:not([width="-1"])'
# Runs inside the map iframe: the Leaflet map and the choropleth layer (features carry a colour class).
FIND_LAYER = """
() => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const layers = Object.values(map._layers).filter(l => l.feature && l.feature.properties.colour !== undefined);
  return {map, layers};
}
"""


def map_frame(page):
    """The Frame inside the st_folium iframe, once Leaflet has mounted."""
    frame = page.locator(MAP_FRAME).element_handle(timeout=30_000).content_frame()
    frame.wait_for_selector(".leaflet-container", timeout=30_000)
    return frame


def in_map(page, ready: str, result: str, attempts: int = 3):
    """Wait for the JS condition `ready` in the map, then evaluate `result` there; if a re-mount
    replaces the iframe meanwhile ("Frame was detached"), start again on the new one."""
    for attempt in range(attempts):
        try:
            frame = map_frame(page)
            frame.wait_for_function(ready, timeout=30_000)
            return frame.evaluate(result)
        except PlaywrightError as exc:
            if "detached" not in str(exc) or attempt == attempts - 1:
                raise


def drawn_features(page) -> list[dict]:
    return in_map(page, f"({FIND_LAYER})().layers.length > 0",
                  f"() => ({FIND_LAYER})().layers.map(l => l.feature.properties)")


def assert_clean(page, requests_seen) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert requests_seen.external == [], f"requests left the machine: {requests_seen.external}"
    assert requests_seen.failed == [], f"failed requests: {requests_seen.failed}"


@pytest.mark.parametrize(("lang", "title"), [("id", "Ringkasan"), ("en", "Summary")])
def test_ringkasan_renders_both_languages(page, app_url, requests_seen, lang, title):
    page.goto(f"{app_url}/?bahasa={lang}")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=re.compile(f"^{title} "))).to_be_visible()
    expect(page.get_by_test_id("synthetic-badge")).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(3)
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    screenshot(page, f"ringkasan-{lang}")
    assert_clean(page, requests_seen)


def test_peta_draws_18_kecamatan_with_legend(page, app_url, requests_seen):
    page.goto(f"{app_url}/peta?indikator=anc_k6&periode=2025-12")
    wait_for_app(page)
    features = drawn_features(page)
    assert len(features) == 18
    assert {f["kode"] for f in features} == {f"33.03.{i:02d}" for i in range(1, 19)}
    legend = page.frame_locator(MAP_FRAME).locator(".phdt-legend")
    expect(legend).to_contain_text("K6")
    expect(legend).to_contain_text("Tidak ada data")
    screenshot(page, "peta-kecamatan")
    assert_clean(page, requests_seen)
    # A second session gets the same map too (regression: a shared, mutated folium object came back empty).
    other = page.context.browser.new_context(storage_state=page.context.storage_state())  # signed in too
    second = other.new_page()
    second.goto(f"{app_url}/peta?indikator=anc_k6&periode=2025-12")
    wait_for_app(second)
    assert len(drawn_features(second)) == 18
    other.close()


def test_peta_desa_level(page, app_url, requests_seen):
    page.goto(f"{app_url}/peta?indikator=imm_idl&periode=2025-12&tingkat=desa")
    wait_for_app(page)
    features = drawn_features(page)
    assert len(features) == 239
    screenshot(page, "peta-desa")
    assert_clean(page, requests_seen)


def click_inside(page, geometry) -> None:
    """Click the map at the centre of the polygon's largest inscribed circle: far from any border,
    so a pixel off still lands inside. The map is brought into view first: Streamlit scrolls an
    inner container, and a click that scrolls it mid-way lands on stale coordinates."""
    target = shapely.Point(shapely.maximum_inscribed_circle(geometry).coords[0])
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    frame = map_frame(page)
    point = frame.evaluate(
        f"([lat, lon]) => {{ const p = ({FIND_LAYER})().map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }}",
        [target.y, target.x],
    )
    page.frame_locator(MAP_FRAME).locator(".leaflet-container").click(position={"x": point[0], "y": point[1]})


def wait_for_codes(page, codes: set[str], timeout_s: float = 30) -> None:
    """Wait until the map draws exactly the units `codes` (a rerun replaces the map's layers)."""
    drawn: set[str] = set()
    for _ in range(int(timeout_s * 2)):
        try:
            drawn = {f["kode"] for f in drawn_features(page)}
        except Exception:  # the iframe is being replaced
            drawn = set()
        if drawn == codes:
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"map shows {len(drawn)} units, expected {len(codes)}")


def test_drill_down_kecamatan_desa_and_back(page, app_url, requests_seen):
    kecamatan = boundaries.load_layer("kecamatan", None, settings()).gdf.set_index("kode").geometry
    desa = boundaries.load_layer("desa", None, settings()).gdf.set_index("kode").geometry
    own = {code for code in desa.index if code.startswith("33.03.10.")}
    page.goto(f"{app_url}/peta?indikator=anc_k6&periode=2025-12")
    wait_for_app(page)
    wait_for_codes(page, set(kecamatan.index))
    click_inside(page, kecamatan["33.03.10"])  # Karangreja
    expect(page.get_by_role("button", name="Kec. Karangreja")).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(r"kecamatan=33\.03\.10"))
    wait_for_codes(page, own)  # zoomed to its desa only
    screenshot(page, "peta-drilled")
    code = sorted(own)[0]
    click_inside(page, desa[code])
    expect(page.locator(".st-key-desa_card")).to_be_visible(timeout=15_000)
    expect(page).to_have_url(re.compile(rf"desa={re.escape(code)}"))
    screenshot(page, "peta-desa-card")
    page.get_by_role("button", name="Kabupaten Purbalingga").click()
    wait_for_codes(page, set(kecamatan.index))
    expect(page.locator(".st-key-desa_card")).to_have_count(0)
    assert "kecamatan=" not in page.url and "desa=" not in page.url
    assert_clean(page, requests_seen)


def test_split_view_draws_two_periods_and_the_change(page, app_url, requests_seen):
    page.goto(f"{app_url}/peta?indikator=anc_k6&periode=2025-12&tingkat=desa&tampilan=banding")
    wait_for_app(page)
    plots = page.locator(".js-plotly-plot")
    expect(plots).to_have_count(3, timeout=30_000)
    for i in range(3):
        plots.nth(i).scroll_into_view_if_needed()
        expect(plots.nth(i).locator("canvas").first).to_be_visible(timeout=30_000)  # MapLibre drew
    expect(plots.nth(1)).to_contain_text("Desember 2024")
    expect(plots.nth(2)).to_contain_text("naik ≥ 10 poin")  # the change legend
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()  # the largest changes
    screenshot(page, "peta-split")
    assert_clean(page, requests_seen)


def test_deep_link_opens_the_view(page, app_url, requests_seen):
    page.goto(f"{app_url}/peta?indikator=imm_idl&kecamatan=33.03.17&periode=2025-06&bahasa=en")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Map of Full basic immunization (IDL) in Kec. Karangjambu — June 2025")).to_be_visible()
    expect(page.get_by_role("button", name="Kec. Karangjambu")).to_be_visible()
    assert_clean(page, requests_seen)


def test_invalid_link_falls_back_with_notice(page, app_url, requests_seen):
    page.goto(f"{app_url}/?indikator=bogus&periode=1999-01")
    wait_for_app(page)
    expect(page.get_by_test_id("stAlert").filter(has_text="indikator=bogus")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^Ringkasan Desember 2025"))).to_be_visible()
    assert_clean(page, requests_seen)


def test_desa_deep_link_shows_its_trend(page, app_url, requests_seen):
    page.goto(f"{app_url}/?indikator=imm_idl&desa=33.03.17.2003&periode=2025-06&bahasa=en")
    wait_for_app(page)
    expect(page.locator(".js-plotly-plot").get_by_text(
        "Full basic immunization (IDL) trend — Karangjambu village, Kec. Karangjambu")).to_be_visible()
    screenshot(page, "ringkasan-desa")
    assert_clean(page, requests_seen)


@pytest.mark.parametrize("scheme", ["target", "kuantil", "interval"])
def test_legend_matches_the_colours_drawn(page, app_url, requests_seen, scheme):
    page.goto(f"{app_url}/peta?indikator=ptm_hipertensi&periode=2025-12&tingkat=desa&klasifikasi={scheme}")
    wait_for_app(page)
    drawn = {f["fill"] for f in drawn_features(page)}
    legend = page.frame_locator(MAP_FRAME).locator(".phdt-legend-row[data-fill]")
    legend_fills = {legend.nth(i).get_attribute("data-fill") for i in range(legend.count())}
    assert drawn <= legend_fills, drawn - legend_fills
    if scheme != "target":
        assert len(drawn) >= 4  # quantiles/intervals spread the desa over several classes
    screenshot(page, f"peta-{scheme}")
    assert_clean(page, requests_seen)


@pytest.mark.parametrize("indicator", ["anc_k6", "imm_dpt3", "ptm_hipertensi"])
def test_kesenjangan_renders_each_programme_view(page, app_url, requests_seen, indicator):
    page.goto(f"{app_url}/kesenjangan?indikator={indicator}&periode=2025-12")
    wait_for_app(page)
    expect(page.get_by_role("heading", name=re.compile("^Kesenjangan "))).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    assert len(drawn_features(page)) == 239  # the gap map: one bubble per desa
    screenshot(page, f"kesenjangan-{indicator}")
    assert_clean(page, requests_seen)


def test_toggle_facility_layer(page, app_url, requests_seen):
    page.goto(f"{app_url}/peta?indikator=anc_k6&periode=2025-12&tingkat=desa")
    wait_for_app(page)
    drawn_features(page)
    legend = page.frame_locator(MAP_FRAME).locator(".phdt-legend")
    expect(legend).not_to_contain_text("Pustu (demo)")
    page.get_by_test_id("stMultiSelect").click()
    page.get_by_role("option", name="Pustu (demo)").click()
    page.keyboard.press("Escape")
    wait_for_app(page)
    expect(page.locator(MAP_FRAME)).to_have_count(1, timeout=15_000)  # the re-mounted map replaced the old one
    expect(page.frame_locator(MAP_FRAME).locator(".phdt-legend")).to_contain_text("Pustu (demo)", timeout=15_000)
    screenshot(page, "peta-pustu")
    assert_clean(page, requests_seen)


def test_gap_bubbles_are_drawn_by_size(page, app_url, requests_seen):
    page.goto(f"{app_url}/peta?indikator=imm_zero_dose&periode=2025-12&tingkat=desa")
    wait_for_app(page)
    drawn_features(page)
    page.get_by_text("Gelembung (kesenjangan)").click()
    wait_for_app(page)
    expect(page.locator(MAP_FRAME)).to_have_count(1, timeout=15_000)
    radii = in_map(page, f"({FIND_LAYER})().layers.some(l => l instanceof L.CircleMarker)",
                   f"() => ({FIND_LAYER})().layers.filter(l => l instanceof L.CircleMarker).map(l => l.getRadius())")
    assert len(radii) == 239 and max(radii) == 28
    expect(page.frame_locator(MAP_FRAME).locator(".phdt-legend-bubble").first).to_be_visible()
    screenshot(page, "peta-bubbles")
    assert_clean(page, requests_seen)


def test_review_meeting_flow(page, app_url, server_dir, staf_user, requests_seen):
    """Open a puskesmas, read its PWS, add a follow-up action, reload, and find it again."""
    page.goto(f"{app_url}/puskesmas?puskesmas=Kemangkon&periode=2024-09&indikator=imm_idl&bagian=pws")
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Puskesmas Kemangkon — September 2024")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Dari 19 desa:"))).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=30_000)  # bar chart, status map, multiples
    screenshot(page, "rapat-pws")
    page.get_by_test_id("stButtonGroup").get_by_text("Rencana tindak lanjut").click()
    wait_for_app(page)
    page.get_by_text("Tambah rencana tindak lanjut").click()
    page.get_by_role("spinbutton", name="day, Tenggat").click()
    page.keyboard.type("31102024")  # day, month, year segments; the next fields close its calendar
    page.get_by_label("Masalah").fill("IDL di bawah target linear di 5 desa")
    page.get_by_label("Rencana tindak lanjut", exact=True).fill("Sweeping imunisasi bersama kader posyandu")
    page.get_by_label("Penanggung jawab").fill("Koordinator imunisasi")
    expect(page.get_by_label("Nama pengisi")).to_have_count(0)  # no typed author: the signed-in account is
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_text("Tersimpan.")).to_be_visible(timeout=15_000)
    from phdt import actions

    stored = actions.Store(server_dir / "actions.sqlite").for_month("Kemangkon", "2024-09")
    assert [a.created_by for a in stored if a.masalah.startswith("IDL di bawah")] == [staf_user.author]
    page.reload()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"bagian=rtl"))
    expect(page.get_by_text(re.compile(r"^1 rencana tindak lanjut untuk September 2024"))).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()  # the stored action, listed
    expect(page.get_by_test_id("stSelectbox").first).to_be_visible()
    screenshot(page, "rapat-rtl")
    assert_clean(page, requests_seen)


def test_import_a_month_and_see_it_on_the_map(page, app_url, requests_seen, tmp_path):
    """Upload -> validation report -> confirm -> the new month is on the map. Runs last: it changes
    the (private) dataset of this server."""
    upload = tmp_path / "k6-januari.csv"
    upload.write_text("Kode Desa;Desa;Bulan;Indikator;Jumlah bln ini;Sasaran\n"
                      "3303012001;Kedungbenda;2026-01;anc_k6;9;81\n", encoding="utf-8")
    page.goto(f"{app_url}/data")
    wait_for_app(page)  # signed in as staf, who may import
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    expect(page.get_by_text(re.compile(r"1 baris valid"))).to_be_visible(timeout=30_000)
    screenshot(page, "data-report")
    page.get_by_role("button", name="Impor sebagai versi baru").click()
    expect(page.get_by_text(re.compile(r"aktif \(bulan 2026-01\)"))).to_be_visible(timeout=30_000)
    page.goto(f"{app_url}/peta?indikator=anc_k6&periode=2026-01&tingkat=desa")
    wait_for_app(page)
    features = {f["kode"]: f for f in drawn_features(page)}
    assert features["33.03.01.2001"]["pembilang"] == "9"  # the imported desa-month
    assert features["33.03.01.2002"]["colour"] == "no_data"  # not in the file: no report, not zero
    screenshot(page, "data-imported-map")
    assert_clean(page, requests_seen)


def choose(page, label: str, options: list[str]) -> None:
    """Pick options in a Streamlit multiselect by typing them."""
    box = page.get_by_test_id("stMultiSelect").filter(has_text=label).locator("input")
    for option in options:
        box.click()
        box.fill(option)
        page.keyboard.press("Enter")


def test_dojo_session_end_to_end(page, app_url, staf_user, requests_seen):
    """Start a session with two presenters, see their panels side by side, record a suggestion,
    turn it into a follow-up action, and find both in the printable summary."""
    page.goto(f"{app_url}/dojo?dojo=sesi&periode=2025-12&indikator=anc_k6")
    wait_for_app(page)
    choose(page, "Puskesmas yang presentasi", ["Rembang", "Bukateja"])
    page.get_by_label("Judul sesi").fill("Dojo KIA Desember")  # also closes the open multiselect
    page.get_by_role("button", name="Mulai sesi").click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"sesi=\d+"))
    expect(page.get_by_role("heading", name=re.compile(r"Dojo KIA Desember"))).to_be_visible()
    for index, name in enumerate(["Rembang", "Bukateja"]):
        expect(page.locator(f".st-key-panel_{index}").get_by_role("heading", name=name)).to_be_visible()
    expect(page.locator(".js-plotly-plot")).to_have_count(3, timeout=30_000)  # shared funnel + two trends
    screenshot(page, "dojo-sesi")

    page.get_by_role("tab", name="Rembang").click()
    form = page.get_by_test_id("stForm").filter(has_text="Catatan untuk Rembang")
    form.get_by_text("Saran", exact=True).click()
    form.get_by_label("Catatan", exact=True).fill("Kunjungan rumah ibu hamil yang belum K6 bersama kader")
    form.get_by_role("button", name="Simpan catatan").click()
    expect(page.get_by_text("Catatan tersimpan.")).to_be_visible(timeout=15_000)

    page.get_by_text(re.compile(r"Jadikan saran sebagai RTL")).click()
    action = page.get_by_test_id("stForm").filter(has_text="Buat RTL")
    action.get_by_label("Masalah").fill("K6 di bawah target linear")
    action.get_by_label("Penanggung jawab").fill("Bidan koordinator")
    action.get_by_role("button", name="Buat RTL").click()
    expect(page.get_by_text(re.compile(r"RTL #\d+ dibuat untuk Rembang"))).to_be_visible(timeout=15_000)

    page.get_by_test_id("stButtonGroup").get_by_text("Ringkasan sesi").click()
    wait_for_app(page)
    summary = page.locator(".st-key-dojo_summary")
    written = re.compile(rf"^Kunjungan rumah ibu hamil yang belum K6 bersama kader — Dinkes, {re.escape(staf_user.author)}")
    expect(summary.get_by_text(written)).to_be_visible()
    expect(summary.get_by_text(re.compile(r"RTL #\d+: Kunjungan rumah"))).to_be_visible()
    screenshot(page, "dojo-ringkasan")
    assert_clean(page, requests_seen)


def test_funnel_point_opens_the_puskesmas_profile(page, app_url, requests_seen):
    page.goto(f"{app_url}/dojo?dojo=funnel&periode=2025-12&indikator=anc_k6")
    wait_for_app(page)
    points = page.locator(".js-plotly-plot .scatterlayer .trace .points path")
    expect(points.first).to_be_visible(timeout=30_000)
    screenshot(page, "dojo-funnel")
    points.first.click(force=True)
    expect(page.get_by_role("heading", name=re.compile(r"^Puskesmas .+ — Desember 2025$"))).to_be_visible(
        timeout=30_000)
    expect(page).to_have_url(re.compile(r"/puskesmas"))
    assert_clean(page, requests_seen)


def test_executive_view_fits_one_full_hd_screen(page, app_url, requests_seen):
    """The bupati's screen: three headlines, the map of the biggest gap, top desa, actions; no scrolling."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_url}/bupati?periode=2025-12")
    wait_for_app(page)
    for programme in ("anc", "imunisasi", "ptm"):
        expect(page.locator(f".st-key-headline_{programme}").get_by_test_id("stMetric")).to_be_visible()
    expect(page.locator(".js-plotly-plot .choroplethmap, .js-plotly-plot canvas").first).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"^5 desa dengan orang terbanyak"))).to_be_visible()
    scroll, height = page.evaluate("() => { const m = document.querySelector('[data-testid=stMain]');"
                                   " return [m.scrollHeight, m.clientHeight]; }")
    assert scroll <= height, f"the executive view scrolls: {scroll} px content in a {height} px window"
    screenshot(page, "bupati")
    assert_clean(page, requests_seen)


def keys_ready(page, step: int) -> None:
    """The player's key handler for this step is installed (it is replaced at every step)."""
    page.wait_for_function(f"() => window.phdtTheater && window.phdtTheater.step === {step}", timeout=30_000)


def test_theater_plays_a_three_view_script_with_the_keyboard(page, app_url, server_dir, staf_user, requests_seen):
    from phdt import actions, theater

    store = actions.Store(server_dir / "actions.sqlite")
    views = [theater.View("/bupati?periode=2025-12", "Satu: ringkasan", "Buka dengan tiga program."),
             theater.View("/peta?indikator=anc_k6&periode=2025-12", "Dua: peta K6"),
             theater.View("/dojo?dojo=funnel&indikator=imm_idl&periode=2025-12", "Tiga: IDL antar puskesmas")]
    script_id = theater.save(store, "Uji keyboard", views, staf_user, lambda link: None)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{app_url}/teater?periode=2025-12")
    wait_for_app(page)
    page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name="Uji keyboard (3)").click()
    page.get_by_role("button", name="Putar").click()
    title = page.locator(".phdt-theater-title")
    expect(title).to_contain_text("Satu: ringkasan")
    expect(title).to_contain_text("1 / 3")
    expect(page.get_by_test_id("theater-banner")).to_contain_text(re.compile(r"Data dibekukan s.d. \d{4}-\d{2}-\d{2} · K6 · "))
    frame = page.locator("iframe[src*='layar=teater']")
    expect(frame).to_have_attribute("src", re.compile(r"^/bupati\?.*versi=\d{8}T\d{6}Z-[0-9a-f]{8}"))
    keys_ready(page, 1)
    page.keyboard.press("ArrowRight")
    expect(title).to_contain_text("Dua: peta K6")
    expect(frame).to_have_attribute("src", re.compile(r"^/peta\?"))
    keys_ready(page, 2)
    page.keyboard.press("PageDown")
    expect(title).to_contain_text("Tiga: IDL antar puskesmas")
    expect(title).to_contain_text("3 / 3")
    # Keys pressed inside the view reach the player too.
    keys_ready(page, 3)
    page.frame_locator("iframe[src*='layar=teater']").locator("body").press("ArrowLeft")
    expect(title).to_contain_text("Dua: peta K6")
    expect(page).to_have_url(re.compile(rf"naskah={script_id}&langkah=2"))
    view = page.frame_locator("iframe[src*='layar=teater']")
    expect(view.get_by_role("heading", name="Peta K6 di Kabupaten Purbalingga — Desember 2025")).to_be_visible(timeout=30_000)
    expect(view.locator("iframe[title='streamlit_folium.st_folium']")).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)  # let Leaflet draw before the picture
    screenshot(page, "teater")
    keys_ready(page, 2)
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name=re.compile("^Teater"))).to_be_visible()
    assert_clean(page, requests_seen)
