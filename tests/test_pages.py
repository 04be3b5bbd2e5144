"""AppTest of every page, in both languages and from deep links; shown values are checked against
the aggregates computed independently from the dataset."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from phdt import dataset as ds
from phdt import metrics
from phdt.config import ROOT
from phdt.gaps import pareto
from phdt.indicators import INDICATORS, Programme, headline
from tests.helpers import shown, shown_table, signed_in

LATEST = date(2025, 12, 1)


@pytest.fixture(scope="module")
def data() -> ds.Dataset:
    return ds.load()


def run(page: str | None = None, session: dict | None = None, **params: str) -> AppTest:
    """The app (or `page`) from a link with `params`, signed in as a staf account."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    signed_in(at)
    for key, value in params.items():
        at.query_params[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def kab_percent(data, slug: str, period: date, lang: str = "id") -> str:
    value = metrics.summarise(data.monthly, data.wilayah, INDICATORS[slug], period, "kabupaten")["value"].item()
    text = f"{value:,.1f}"
    return (text.replace(",", "_").replace(".", ",").replace("_", ".") if lang == "id" else text) + " %"


def test_ringkasan_default_shows_headlines_from_the_aggregates(data):
    at = run()
    assert at.title[0].value == "Ringkasan Desember 2025"
    shown = {m.label: m.value for m in at.metric}
    for programme in Programme:
        ind = headline(programme)
        assert shown[ind.label_id] == kab_percent(data, ind.slug, LATEST)
    assert any("DATA SINTETIS" in md.value for md in at.markdown)


def test_ringkasan_english(data):
    at = run(bahasa="en")
    assert at.title[0].value == "Summary December 2025"
    labels = [m.label for m in at.metric]
    assert labels == [headline(p).label_en for p in Programme]
    assert at.metric[0].value == kab_percent(data, headline(Programme.ANC).slug, LATEST, "en")


def test_top_gaps_table_matches_metrics(data):
    at = run(indikator="anc_k6", periode="2025-09", kecamatan="33.03.10")
    assert at.session_state["kecamatan"] == "33.03.10"
    units = metrics.summarise(data.monthly, data.wilayah, INDICATORS["anc_k6"], date(2025, 9, 1), "desa")
    expected = pareto(units.filter(pl.col("kode").str.starts_with("33.03.10"))).head(10)
    table = shown_table(at.dataframe[0])
    assert list(table["Desa/Kelurahan"]) == expected["nama"].to_list()
    assert list(table["Kesenjangan (ibu hamil)"]) == [shown(g) for g in expected["gap"]]  # says what it counts
    assert all(k == "Karangreja" for k in table["Kecamatan"])


def test_desa_deep_link_sets_its_kecamatan_and_trend(data):
    at = run(indikator="imm_idl", desa="33.03.17.2003", periode="2025-06")  # Karangjambu, Kec. Karangjambu
    assert at.session_state["kecamatan"] == "33.03.17"
    assert at.selectbox(key="desa").value == "33.03.17.2003"
    assert at.query_params["desa"] in ("33.03.17.2003", ["33.03.17.2003"])


def test_changing_kecamatan_clears_a_desa_elsewhere():
    at = run(desa="33.03.17.2003")
    at.selectbox(key="kecamatan").set_value("33.03.10").run()
    assert at.session_state["desa"] == ""
    assert "desa" not in at.query_params


def test_invalid_parameters_fall_back_with_notice():
    at = run(indikator="bogus", periode="1999-01", kecamatan="99.99")
    warnings = " ".join(w.value for w in at.warning)
    assert "indikator=bogus" in warnings and "periode=1999-01" in warnings and "kecamatan=99.99" in warnings
    assert at.session_state["indikator"] == "anc_k6"
    assert at.session_state["periode"] == "2025-12"


def test_hostile_parameter_is_quoted_not_rendered():
    at = run(indikator="x` ![img](http://198.51.100.7/p.png) `" + "y" * 60)
    warning = at.warning[0].value
    assert warning.count("`") == 2  # the value cannot close its code span early
    assert "![img](http://198.51.100.7/p.png)" in warning.split("`")[1] and "…" in warning


def test_programme_switch_moves_to_its_headline_indicator():
    at = run()
    at.selectbox(key="program").set_value("imunisasi").run()
    assert at.session_state["indikator"] == "imm_idl"
    assert at.query_params["indikator"] == ["imm_idl"] or at.query_params["indikator"] == "imm_idl"


@pytest.mark.parametrize(("lang", "level", "rows", "title"), [
    ("id", "kecamatan", 18, "Peta K6 di Kabupaten Purbalingga — Desember 2025"),
    ("en", "desa", 239, "Map of ANC 6 visits (K6) in Purbalingga District — December 2025"),
])
def test_peta_page(data, lang, level, rows, title):
    at = run("pages/peta_page.py", bahasa=lang, tingkat=level)
    assert at.title[0].value == title
    table = shown_table(at.dataframe[0])
    assert len(table) == rows
    units = metrics.summarise(data.monthly, data.wilayah, INDICATORS["anc_k6"], LATEST, level)
    gap_column = "Kesenjangan (ibu hamil)" if lang == "id" else "Gap (pregnant women)"
    assert sorted(table[gap_column]) == sorted(shown(g, 0, lang) for g in units["gap"])
    statuses = {"id": {"Hijau", "Kuning", "Merah", "Cek data", "Tidak ada data"},
                "en": {"Green", "Yellow", "Red", "Check data", "No data"}}[lang]
    assert set(table["Status"]) <= statuses
    maps = [c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium"]
    assert len(maps) == 1


def folium_payload(at: AppTest) -> str:
    return next(c for c in at.get("component_instance")
                if c.proto.component_name == "streamlit_folium.st_folium").proto.json_args


def test_peta_drilled_kecamatan_shows_its_desa_with_a_way_back(data):
    at = run("pages/peta_page.py", kecamatan="33.03.17", session={"facility_layers": []})
    crumbs = [b.label for b in at.button if b.key and b.key.startswith("crumb_")]
    assert crumbs == ["Kabupaten Purbalingga", "Kec. Karangjambu"]
    own = data.wilayah.filter(pl.col("kode_kecamatan") == "33.03.17")["kode_desa"].cast(pl.String).to_list()
    payload = folium_payload(at)
    drawn = {code for code in data.wilayah["kode_desa"].cast(pl.String) if f'\\"{code}\\"' in payload}
    assert drawn == set(own)  # only the kecamatan's desa are drawn (and labelled)
    assert len(shown_table(at.dataframe[0])) == len(own)
    at.button(key="crumb_0").click().run()
    assert at.session_state["kecamatan"] == "" and at.session_state["desa"] == ""
    assert "kecamatan" not in at.query_params


def test_desa_card_warns_about_flagged_data():
    at = run("pages/peta_page.py", desa="33.03.01.2010", periode="2024-09")  # Pegandekan: report missing
    assert any("Laporan bulanan desa tidak diterima." in w.value for w in at.warning)


def test_peta_desa_card_from_a_deep_link(data):
    at = run("pages/peta_page.py", desa="33.03.17.2001", periode="2025-06")
    assert at.session_state["kecamatan"] == "33.03.17"
    name = data.wilayah.filter(pl.col("kode_desa") == "33.03.17.2001")["nama_desa"].item()
    assert any(h.value == f"Desa {name}" for h in at.subheader)
    card = next(shown_table(df) for df in at.dataframe if "Indikator" in df.value.columns)
    assert len(card) == len(INDICATORS)
    k6 = metrics.summarise(data.monthly, data.wilayah, INDICATORS["anc_k6"], date(2025, 6, 1), "desa")
    row = k6.filter(pl.col("kode") == "33.03.17.2001").row(0, named=True)
    row_shown = card[card["Indikator"] == INDICATORS["anc_k6"].label("id")].iloc[0]
    assert row_shown["Capaian (%)"] == shown(row["value"], 1)
    assert row_shown["Kesenjangan"] == shown(row["gap"])
    assert row_shown["Satuan kesenjangan"] == "ibu hamil"
    uci = card[card["Indikator"] == INDICATORS["imm_uci"].label("id")].iloc[0]
    assert uci["Satuan kesenjangan"] == "desa"  # Desa UCI counts desa, never people
    nearest = next(shown_table(df) for df in at.dataframe if "Jarak (km)" in df.value.columns)
    assert len(nearest) == 4 and all(float(d.replace(".", "").replace(",", ".")) >= 0 for d in nearest["Jarak (km)"])  # one per facility type
    crumbs = [b.label for b in at.button if b.key and b.key.startswith("crumb_")]
    assert crumbs == ["Kabupaten Purbalingga", "Kec. Karangjambu", name]
    at.button(key="crumb_1").click().run()
    assert at.session_state["kecamatan"] == "33.03.17" and at.session_state["desa"] == ""


@pytest.mark.parametrize(("code", "kecamatan", "desa"), [
    ("33.03.10.2003", "33.03.10", "33.03.10.2003"),  # a desa (or a facility in it) opens its card
    ("33.03.10", "33.03.10", ""),  # a kecamatan drills down to its desa
])
def test_map_click_callback_drills_down(code, kecamatan, desa):
    def script(code: str):
        import streamlit as st

        from components.peta import on_map_click

        st.session_state.setdefault("desa", "")
        st.session_state["peta_map"] = {"last_active_drawing": {"properties": {"kode": code}}}
        on_map_click()

    at = AppTest.from_function(script, args=(code,))
    at.run()
    assert (at.session_state["kecamatan"], at.session_state["desa"]) == (kecamatan, desa)


def plotly_figures(at: AppTest) -> list[dict]:
    import json

    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_peta_split_view_and_change_map(data):
    at = run("pages/peta_page.py", tampilan="banding", tingkat="desa", periode="2025-09")
    figures = plotly_figures(at)
    assert len(figures) == 3  # this period, the comparison period, the change map
    now, before, change = (f["data"][0] for f in figures)
    assert len(now["locations"]) == len(before["locations"]) == len(change["locations"]) == 239
    assert figures[1]["layout"]["title"]["text"] == "September 2024"
    assert figures[2]["layout"]["map"]["style"] == "white-bg"
    k6 = INDICATORS["anc_k6"]
    then = metrics.summarise(data.monthly, data.wilayah, k6, date(2024, 9, 1), "desa")
    current = metrics.summarise(data.monthly, data.wilayah, k6, date(2025, 9, 1), "desa")
    code = "33.03.08.2013"
    delta = (current.filter(pl.col("kode") == code)["value"].item()
             - then.filter(pl.col("kode") == code)["value"].item())
    hover = change["customdata"][change["locations"].index(code)]
    assert f"{'+' if delta >= 0 else '−'}{abs(delta):.1f} poin".replace(".", ",") in hover
    assert at.query_params["tampilan"] == "banding"


def test_peta_catchment_outlines(data):
    at = run("pages/peta_page.py", session={"catchments": True})
    payload = folium_payload(at)
    puskesmas = data.wilayah["puskesmas"].cast(pl.String).unique().to_list()
    assert all(f'\\"puskesmas\\": \\"{name}\\"' in payload for name in puskesmas)
    assert "Batas wilayah kerja puskesmas" in payload  # legend line


@pytest.fixture
def without_boundaries(monkeypatch):
    """The app as on a machine with no boundary files: no PHDT_GEO_DIR."""
    import streamlit as st

    from phdt import config

    def reset():
        config.settings.cache_clear()
        st.cache_resource.clear()
        st.cache_data.clear()

    monkeypatch.delenv("PHDT_GEO_DIR", raising=False)
    reset()
    yield
    monkeypatch.undo()
    reset()


def test_peta_without_boundaries_falls_back_to_points(without_boundaries):
    at = run("pages/peta_page.py", tingkat="desa")
    assert any("Batas wilayah belum tersedia" in info.value for info in at.info)
    maps = [c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium"]
    assert len(maps) == 1
    payload = maps[0].proto.json_args
    assert payload.count("circle_marker_") >= 239  # one point per desa
    assert len(shown_table(at.dataframe[0])) == 239


def test_peta_classification_from_the_url():
    at = run("pages/peta_page.py", klasifikasi="kuantil", indikator="ptm_hipertensi")
    assert at.session_state["klasifikasi"] == "kuantil"
    payload = next(c for c in at.get("component_instance")
                   if c.proto.component_name == "streamlit_folium.st_folium").proto.json_args
    assert "class-4" in payload and "Cek data" in payload  # five quantile classes plus the special ones


@pytest.mark.parametrize(("lang", "level"), [("id", "desa"), ("en", "puskesmas")])
def test_kesenjangan_ranks_gaps_from_the_aggregates(data, lang, level):
    at = run("pages/kesenjangan_page.py", bahasa=lang, indikator="anc_k6", periode="2025-09",
             session={"gap_level": level})
    units = metrics.summarise(data.monthly, data.wilayah, INDICATORS["anc_k6"], date(2025, 9, 1), level)
    ranked = pareto(units)
    table = shown_table(at.dataframe[0])
    gap_column = "Kesenjangan (ibu hamil)" if lang == "id" else "Gap (pregnant women)"
    assert list(table[gap_column]) == [shown(g, 0, lang) for g in ranked["gap"]]
    total = f"{ranked['gap'].sum():,}".replace(",", "." if lang == "id" else ",")
    assert any(total in md.value for md in at.markdown)
    assert at.title[0].value.endswith("September 2025")


def test_kesenjangan_programme_views(data):
    at = run("pages/kesenjangan_page.py", indikator="ptm_dm")
    ptm = shown_table(at.dataframe[1])
    kab = metrics.summarise(data.monthly, data.wilayah, INDICATORS["ptm_dm"], LATEST, "kabupaten").row(0, named=True)
    assert list(ptm["Kesenjangan"])[2] == shown(kab["gap"])
    assert list(ptm["Satuan kesenjangan"])[2] == "penderita DM"
    at = run("pages/kesenjangan_page.py", indikator="anc_k1")
    k1 = metrics.summarise(data.monthly, data.wilayah, INDICATORS["anc_k1"], LATEST, "kabupaten")["numerator"].item()
    assert any(f"{k1:,}".replace(",", ".") in c.value for c in at.caption)


def test_peta_facility_layers_and_access_table(data):
    at = run("pages/peta_page.py", session={"facility_layers": ["puskesmas", "posyandu"]})
    payload = next(c for c in at.get("component_instance")
                   if c.proto.component_name == "streamlit_folium.st_folium").proto.json_args
    posyandu = data.fasilitas.filter(pl.col("tipe") == "posyandu").height
    assert payload.count("Posyandu (demo)") == posyandu + 1  # one tooltip per posyandu, one legend row
    assert "Pustu (demo)" not in payload
    from geo import boundaries, coverage
    from phdt.config import settings

    desa = boundaries.load_layer("desa", None, settings())
    far = coverage.beyond(coverage.analyse(desa.gdf, data.wilayah, data.fasilitas,
                                           coverage.penduduk_from_sasaran(data.sasaran)))
    assert far.height > 0
    access = next(shown_table(df) for df in at.dataframe if "Penduduk" in df.value.columns)
    assert list(access["Penduduk"]) == [shown(p) for p in far["penduduk"]]


def test_peta_gap_bubbles(data):
    at = run("pages/peta_page.py", indikator="imm_zero_dose", tingkat="desa", session={"tampilan": "gelembung"})
    payload = next(c for c in at.get("component_instance")
                   if c.proto.component_name == "streamlit_folium.st_folium").proto.json_args
    units = metrics.summarise(data.monthly, data.wilayah, INDICATORS["imm_zero_dose"], LATEST, "desa")
    assert "L.CircleMarker" in payload and 'radius\\": 28.0' in payload  # the largest gap, the largest circle
    assert f"{units['gap'].max()} bayi" in payload  # legend reference circle (unit of the sasaran bayi)


def test_tables_mark_units_with_flagged_data():
    # September 2024: Pegandekan's report is missing (its kecamatan, Kemangkon, is marked too).
    at = run("pages/peta_page.py", periode="2024-09", tingkat="desa")
    names = list(shown_table(at.dataframe[0])["Desa/Kelurahan"])
    assert "⚠ Pegandekan" in names and "Pegandekan" not in names
    at = run("pages/peta_page.py", periode="2024-09")
    assert "⚠ Kemangkon" in list(shown_table(at.dataframe[0])["Wilayah"])
