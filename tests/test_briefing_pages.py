"""The bupati's executive view, the theater (script editor and player) and the briefing pack: page
values against phdt computed independently; the PPTX and PDF opened and read back."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from phdt import actions, briefing, metrics, theater
from phdt import dataset as ds
from phdt.indicators import INDICATORS, Programme, headline
from phdt.texts import texts
from tests.helpers import account, open_page, shown as number_shown, shown_table, user

DECEMBER, SEPTEMBER = date(2025, 12, 1), date(2025, 9, 1)


@pytest.fixture(scope="module")
def data() -> ds.Dataset:
    return ds.load()


@pytest.fixture(scope="module")
def headlines(data) -> list[briefing.Headline]:
    return [briefing.headline(data.monthly, data.wilayah, headline(p), DECEMBER, SEPTEMBER) for p in Programme]


@pytest.fixture
def bare_language():
    """Set the language for component code called outside an app run, and put it back after:
    later AppTests format widget labels through the same bare-mode session state."""
    import streamlit as st

    def use(language: str) -> None:
        st.session_state["bahasa"] = language

    yield use
    st.session_state.pop("bahasa", None)


def id_number(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def test_executive_headlines_and_sentences(store, headlines):
    at = open_page("bupati_page", periode="2025-12")
    assert [m.value for m in at.metric] == [f"{id_number(h.value, 1)} %" for h in headlines]
    k6 = headlines[0]
    # Cakupan K6 x %, y poin di bawah target s.d. Desember 2025; z poin lebih jauh dari/dekat ke target s.d. bulan
    # ini dibanding September 2025: the sentence and the metric say the same thing in the same words.
    sentence = next(m.value for m in at.markdown if m.value.startswith("Cakupan K6"))
    assert f"{id_number(k6.behind, 1)} poin di bawah target s.d. Desember 2025" in sentence
    closer = "lebih dekat ke" if k6.change >= 0 else "lebih jauh dari"  # distance to the target, labelled so
    assert f"{id_number(abs(k6.change), 1)} poin {closer} target s.d. bulan ini dibanding September 2025" in sentence
    assert f"{id_number(k6.people)} ibu hamil di {k6.desa} desa" in sentence
    assert at.metric[0].delta == f"{id_number(abs(k6.change), 1)} poin {closer} target s.d. bulan ini dibanding September 2025"


def test_executive_top_desa_and_the_actions_addressing_them(store, data, headlines):
    focus = max(headlines, key=lambda h: h.people)
    desa = metrics.summarise(data.monthly, data.wilayah, INDICATORS[focus.slug], DECEMBER, "desa")
    top = briefing.top_gaps(desa, 5)
    first = data.wilayah.filter(pl.col("kode_desa").cast(pl.String) == top["kode"][0]).row(0, named=True)
    store.add({"puskesmas": str(first["puskesmas"]), "period": DECEMBER, "masalah": "Cakupan rendah",
               "rtl": "Skrining keliling =1+1", "penanggung_jawab": "Pemegang program", "tenggat": date(2026, 1, 31),
               "status": "berjalan", "kode_desa": top["kode"][0]}, user())
    at = open_page("bupati_page", periode="2025-12")
    tables = [shown_table(df) for df in at.dataframe]
    gap_column = f"Kesenjangan ({texts('id')[f'unit_{INDICATORS[focus.slug].denominator}']})"  # says what it counts
    shown = next(t for t in tables if gap_column in t.columns)
    assert shown["Desa/Kelurahan"].tolist() == top["nama"].to_list()
    assert shown[gap_column].tolist() == [number_shown(g) for g in top["gap"]]
    action = next(t for t in tables if "Rencana tindak lanjut" in t.columns)
    assert action["Rencana tindak lanjut"].tolist() == ["Skrining keliling =1+1"]  # shown as text


def text_of(pptx: bytes) -> list[str]:
    return ["\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
            + "\n".join(cell.text for shape in slide.shapes if shape.has_table
                        for row in shape.table.rows for cell in row.cells)
            for slide in Presentation(io.BytesIO(pptx)).slides]


def test_standard_pack_slides_numbers_and_determinism(store, headlines):
    at = open_page("bupati_page", periode="2025-12")
    at.button(key="pack_build").click().run()
    assert not at.exception and not at.error
    from components import pack  # built in the page's run; read back from the same cache

    request = at.session_state["pack_request"]  # as the page asked for it
    pptx, pdf, slides = pack.pack(*request)
    assert slides == 10
    deck = Presentation(io.BytesIO(pptx))
    texts = text_of(pptx)
    assert texts[0].startswith("Briefing Bupati — Kabupaten Purbalingga")
    assert "Periode Desember 2025 · data s.d. 2025-12-31" in texts[0]
    for h in headlines:  # the headline table: people behind per programme, as computed by phdt
        assert id_number(h.people) in texts[1]
    focus = max(headlines, key=lambda h: h.people)
    assert f"Peta kesenjangan terbesar: {INDICATORS[focus.slug].label('id')}" in texts[2]
    for text in texts:  # every slide: source, synthetic data, boundary attribution
        assert "DATA SINTETIS" in text and "Badan Informasi Geospasial" in text
    pictures = [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == 13]
    assert len(pictures) == 5  # the focus map, three trends, the PWS status map
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 10
    assert id_number(headlines[0].people) in pages[1] and "Tiga program" in pages[1]
    # Built again from scratch: the same text and numbers.
    pack.pack.clear()
    at.button(key="pack_build").click().run()
    again_pptx, again_pdf, _ = pack.pack(*request)
    assert text_of(again_pptx) == texts
    assert [page.extract_text() for page in PdfReader(io.BytesIO(again_pdf)).pages] == pages


def test_pack_without_chromium_fails_clearly_and_offers_no_file(store, monkeypatch):
    def no_browser(*args, **kwargs):
        raise RuntimeError("Chrome not found")

    monkeypatch.setattr("plotly.io.to_image", no_browser)
    at = open_page("bupati_page", periode="2025-12", bahasa="en")
    at.button(key="pack_build").click().run()
    assert any("Chromium is not available" in e.value for e in at.error)
    assert not [b for b in at.get("download_button") if str(b.key).startswith("pack_")]  # no PPTX or PDF


def test_a_slide_image_is_not_blank(store, bare_language):
    from components import briefing as screen
    from components import charts, data

    bare_language("id")
    figure = charts.trend_figure(data.trend("anc_k6", "kabupaten", None, data.dataset().version), DECEMBER, "K6")
    image = Image.open(io.BytesIO(screen.png(figure))).convert("RGB")
    assert image.size == (screen.EXPORT_WIDTH * screen.EXPORT_SCALE, screen.EXPORT_HEIGHT * screen.EXPORT_SCALE)
    pixels = list(image.get_flattened_data())
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 40)
    assert len(set(pixels)) > 100 and coloured > 2000  # lines and markers in colour, not an empty frame


def test_theater_links_are_checked(store, bare_language):
    from components import theater as screen

    bare_language("en")
    assert screen.check_link("/peta?indikator=anc_k6&periode=2025-12&tingkat=desa") is None
    assert screen.check_link("/dojo?dojo=funnel") is None
    assert "starting with" in screen.check_link("https://example.org/peta")
    assert "starting with" in screen.check_link("//evil.example/peta")
    assert "cannot be shown" in screen.check_link("/data")
    assert "unknown or set by the player" in screen.check_link("/peta?versi=20250101T000000Z-00000000")
    assert "not valid" in screen.check_link("/peta?indikator=<script>")


def test_theater_player_steps_and_freezes_the_data(store):
    views = [theater.View("/bupati?periode=2025-12", "Satu", "Catatan satu"),
             theater.View("/peta?indikator=anc_k6&periode=2025-12", "Dua"),
             theater.View("/dojo?dojo=funnel&periode=2025-12", "Tiga")]
    script_id = theater.save(store, "Naskah uji", views, user(), lambda link: None)
    at = open_page("teater_page", periode="2025-12")
    at.selectbox(key="script_pick").set_value(script_id).run()
    at.button(key="script_play").click().run()
    assert not at.exception
    assert at.session_state["langkah"] == "1" and at.session_state["naskah"] == str(script_id)
    from phdt import versions

    assert at.session_state["versi"] == versions.current_id()  # frozen for the whole show
    title = next(m.value for m in at.markdown if m.value.startswith("<div class='phdt-theater-title'>"))
    assert "Satu" in title and "1 / 3" in title
    at.button(key="theater_next").click().run()
    at.button(key="theater_next").click().run()
    assert "3 / 3" in next(m.value for m in at.markdown if m.value.startswith("<div class='phdt-theater-title'>"))
    assert at.button(key="theater_next").disabled
    at.button(key="theater_exit").click().run()
    assert at.title[0].value == "Teater: naskah tampilan untuk layar besar"


def test_theater_title_and_note_are_escaped(store):
    views = [theater.View("/bupati", "<img src=x onerror=alert(1)>", "**tebal** <b>x</b>")]
    script_id = theater.save(store, "Aman", views, user(), lambda link: None)
    at = open_page("teater_page", periode="2025-12", naskah=str(script_id), langkah="1")
    title = next(m.value for m in at.markdown if m.value.startswith("<div class='phdt-theater-title'>"))
    assert "&lt;img src=x onerror=alert&#40;1&#41;&gt;" in title and "<img" not in title
    assert any("\\*\\*tebal\\*\\*" in c.value for c in at.caption)


def test_theater_new_script_from_the_standard_views(store):
    at = open_page("teater_page", periode="2025-12")
    assert not [w for w in at.text_input if "who" in str(w.key)]  # no typed author: the signed-in account is
    next(t for t in at.text_input if t.label == "Nama naskah").input("Rapat <Desember>")
    next(b for b in at.button if b.label == "Simpan naskah").click().run()
    assert not at.exception and not at.error
    (script,) = theater.scripts(store)
    assert script.name == "Rapat <Desember>" and len(script.views) == 4
    assert script.updated_by == account("staf").author
    assert script.views[0].link == "/bupati?periode=2025-12" and script.views[0].title == "Ringkasan Bupati"
    assert at.selectbox(key="script_pick").value == script.id  # the saved script stays chosen
    assert any(s.value == "Naskah tersimpan." for s in at.success)


def test_theater_refuses_a_foreign_link(store, bare_language):
    from components import theater as screen

    bare_language("id")
    script_id = theater.save(store, "Lama", [theater.View("/bupati", "Satu")], user(), screen.check_link)
    bad = [theater.View("https://contoh.example/peta", "Luar")]
    with pytest.raises(actions.ValidationError, match="Tampilan 1: tautan harus berupa alamat di aplikasi ini"):
        theater.save(store, "Lama", bad, user(), screen.check_link, script_id, 1)
    assert theater.get(store, script_id).views[0].link == "/bupati"  # nothing changed


def test_script_pack_has_a_slide_per_view_with_its_note(store):
    views = [theater.View("/dojo?dojo=funnel&indikator=imm_idl&periode=2025-12", "IDL antar puskesmas",
                          "Tunjuk dua titik merah."),
             theater.View("/puskesmas?puskesmas=Rembang&bagian=pws&periode=2025-12", "PWS Rembang")]
    script_id = theater.save(store, "Naskah paket", views, user(), lambda link: None)
    at = open_page("teater_page", periode="2025-12")
    at.selectbox(key="script_pick").set_value(script_id).run()
    at.button(key="pack_build").click().run()
    assert not at.exception and not at.error
    from components import pack

    pptx, pdf, slides = pack.pack(*at.session_state["pack_request"])
    deck = Presentation(io.BytesIO(pptx))
    assert slides == 3 and len(deck.slides) == 3
    texts = text_of(pptx)
    assert texts[0].startswith("Naskah paket")
    assert texts[1].startswith("IDL antar puskesmas") and "IDL · Desember 2025 · Kabupaten Purbalingga" in texts[1]
    assert "Puskesmas Rembang" in texts[2]
    assert deck.slides[1].notes_slide.notes_text_frame.text == "Tunjuk dua titik merah."
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3


def test_auto_advance_is_passed_to_the_player(store):
    views = [theater.View("/bupati", "Satu"), theater.View("/dojo", "Dua")]
    script_id = theater.save(store, "Otomatis", views, user(), lambda link: None)
    at = open_page("teater_page", periode="2025-12", naskah=str(script_id), langkah="1", otomatis="20")
    script = next(f.proto.srcdoc for f in at.get("iframe") if "phdtTheater" in f.proto.srcdoc)
    assert "const step = 1, total = 2, auto = 20;" in script


def test_every_table_shown_has_its_excel_download(store):
    at = open_page("puskesmas_page", periode="2025-12", puskesmas="Rembang", bagian="kualitas")
    tables = len(at.dataframe)
    downloads = [b for b in at.get("download_button") if str(b.key).endswith("_xlsx")]
    assert tables >= 2 and len(downloads) == tables
