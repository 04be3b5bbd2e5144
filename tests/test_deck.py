"""Briefing pack: one deck model rendered as PPTX and PDF with the same content, deterministically."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Pt
from pypdf import PdfReader

from phdt import deck as pack
from phdt.deck import Deck, Slide, Table, to_pdf, to_pptx

FOOTER = "Sumber: ASIK & e-Kohort · Data sintetis · Batas desa: BIG"
HOSTILE = "<b>&</b>"
TITLES = ("Briefing Bupati — Kabupaten Purbalingga", "Peta cakupan K4", "Imunisasi ≥ 95 %", "Capaian per puskesmas")


def png(width: int = 400, height: int = 250) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def briefing() -> Deck:
    table = Table(("Puskesmas", "Capaian (%)", "Sasaran"),
                  tuple((f"PKM {i:02d} – Kutasari", f"{50 + i},5", str(1000 + i)) for i in range(20)))
    return Deck(TITLES[0], FOOTER, "2025-12-31", (
        Slide(TITLES[0], subtitle="Data s.d. 31 Desember 2025"),
        Slide(TITLES[1], image=png(), note="Sebut tiga desa terendah dulu."),
        Slide(TITLES[2], subtitle="Desember 2025", image=png(300, 300),
              bullets=("Cakupan naik 5 pp…", f"Teks {HOSTILE} tercetak apa adanya", "Luas wilayah 777 km²")),
        Slide(TITLES[3], table=table, note="Angka bulan berjalan."),
    ))


@pytest.fixture(scope="module")
def pptx(briefing):
    return Presentation(io.BytesIO(to_pptx(briefing)))


@pytest.fixture(scope="module")
def pdf(briefing):
    return PdfReader(io.BytesIO(to_pdf(briefing)))


def texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_pptx_is_16_9_with_a_title_per_slide(pptx):
    assert (pptx.slide_width, pptx.slide_height) == (12_192_000, 6_858_000)
    assert [s.shapes.title.text for s in pptx.slides] == list(TITLES)
    assert all(run.font.size >= Pt(28) for s in pptx.slides for run in s.shapes.title.text_frame.paragraphs[0].runs)


def test_pptx_footer_and_numbers_on_every_slide(pptx):
    for n, slide in enumerate(pptx.slides, start=1):
        assert FOOTER in texts(slide) and f"{n} / 4" in texts(slide)


def test_pptx_notes(pptx):
    notes = [s.notes_slide.notes_text_frame.text if s.has_notes_slide else "" for s in pptx.slides]
    assert notes == ["", "Sebut tiga desa terendah dulu.", "", "Angka bulan berjalan."]


def test_pptx_image_fitted_and_beside_bullets(pptx):
    alone = [s for s in pptx.slides[1].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(alone) == 1 and abs(alone[0].width / alone[0].height - 400 / 250) < 0.01
    shapes = pptx.slides[2].shapes
    picture = next(s for s in shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
    bullets = next(s for s in shapes if s.has_text_frame and "Cakupan naik 5 pp…" in s.text_frame.text)
    assert picture.width == picture.height and picture.left + picture.width < bullets.left
    assert bullets.text_frame.text.split("\n") == ["Cakupan naik 5 pp…", f"Teks {HOSTILE} tercetak apa adanya",
                                                   "Luas wilayah 777 km²"]
    assert all(run.font.size >= Pt(16) for p in bullets.text_frame.paragraphs for run in p.runs)


def test_pptx_table_cut_at_twelve_rows(pptx):
    table = next(s for s in pptx.slides[3].shapes if s.has_table).table
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells[0] == ["Puskesmas", "Capaian (%)", "Sasaran"]
    assert cells[1] == ["PKM 00 – Kutasari", "50,5", "1000"] and cells[12] == ["PKM 11 – Kutasari", "61,5", "1011"]
    assert cells[13] == ["… 8 more", "", ""] and len(cells) == 14
    assert all(run.font.bold for run in table.cell(0, 0).text_frame.paragraphs[0].runs)
    assert all(run.font.size >= Pt(11) for row in table.rows for cell in row.cells
               for p in cell.text_frame.paragraphs for run in p.runs)


def test_pptx_content_stays_on_the_slide(pptx):
    for slide in pptx.slides:
        for shape in slide.shapes:
            assert 0 <= shape.left and shape.left + shape.width <= pptx.slide_width
            assert 0 <= shape.top and shape.top + shape.height <= pptx.slide_height


def test_pptx_dated_by_the_data(pptx):
    props = pptx.core_properties
    assert (props.title, props.author, props.revision) == (TITLES[0], "PHDT", 1)
    assert props.created.isoformat() == props.modified.isoformat() == "2025-12-31T00:00:00"


def test_pdf_one_page_per_slide_with_title_footer_number(pdf):
    pages = [" ".join(page.extract_text().split()) for page in pdf.pages]
    assert len(pages) == 4
    for n, (text, title) in enumerate(zip(pages, TITLES, strict=True), start=1):
        assert title in text and FOOTER in text and f"{n} / 4" in text
    assert pdf.metadata.title == TITLES[0] and pdf.metadata["/CreationDate"].startswith("D:20251231000000")


def test_pdf_content(pdf):
    slide2, slide3, table = (" ".join(pdf.pages[i].extract_text().split()) for i in (1, 2, 3))
    assert "Sebut tiga desa terendah dulu." in slide2
    assert f"Teks {HOSTILE} tercetak apa adanya" in slide3 and "777 km²" in slide3 and "pp…" in slide3
    assert "PKM 11 – Kutasari 61,5 1011" in table and "… 8 more" in table and "1012" not in table
    assert [len(page.images) for page in pdf.pages] == [0, 1, 1, 0]


def test_same_deck_same_bytes(briefing):
    first = to_pptx(briefing)
    assert to_pptx(briefing) == first and to_pdf(briefing) == to_pdf(briefing)
    assert {info.date_time for info in zipfile.ZipFile(io.BytesIO(first)).infolist()} == {(2025, 12, 31, 0, 0, 0)}


def test_pdf_without_dejavu_spells_out_missing_symbols(briefing, monkeypatch):
    monkeypatch.setattr(pack, "_font", lambda: "Helvetica")
    text = " ".join(PdfReader(io.BytesIO(to_pdf(briefing))).pages[2].extract_text().split())
    assert "Imunisasi >= 95 %" in text and f"Teks {HOSTILE}" in text


def test_ragged_table_rejected():
    with pytest.raises(ValueError, match="2 cells"):
        Table(("a", "b"), (("1", "2"), ("3",)))


def test_long_note_stays_on_its_page():
    note = "Catatan panjang. " * 200
    data = to_pdf(Deck("T", FOOTER, "2025-01-01", (Slide("Satu", bullets=("a",), note=note),)))
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
