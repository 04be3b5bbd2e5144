"""A briefing pack as PPTX (to edit) and PDF (to print or send), from one neutral model.

The app describes the pack as a :class:`Deck` of :class:`Slide` s holding text, a PNG and a table
already formatted; this module only lays them out. Both renderers share the layout decisions (where
the image and the text go, which table rows are shown, column widths), so both files show the same
content in the same order. Both are deterministic and dated by the data date, not by the clock: the
same data gives the same bytes, so a pack can be rebuilt and compared.
"""

from __future__ import annotations

import functools
import io
import math
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepInFrame, Paragraph, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

AUTHOR = "PHDT"
MAX_ROWS = 12  # table rows shown on a slide; the rest are counted in a last row
MORE_ROWS = "… {n} more"
IMAGE_SHARE = 0.6  # of the content width, when an image shares the slide with text
GAP = 0.02  # of the content width, between image and text
COVER_TOP = 0.35  # of the page height: where the title of a slide without content starts
GREY = "595959"
HEADER_FILL = "E8EEF4"
BULLET = "•"

# PPTX: PowerPoint's own 16:9 size (13.333 × 7.5 in) and the title-only layout of the default template.
SLIDE_W, SLIDE_H = Emu(12_192_000), Emu(6_858_000)
TITLE_ONLY = 5
MARGIN = Inches(0.5)
CONTENT_TOP, CONTENT_BOTTOM = Inches(1.9), SLIDE_H - Inches(0.8)
TITLE_PT, SUBTITLE_PT, BULLET_PT, TABLE_PT, FOOTER_PT = 32, 18, 18, 12, 10

# PDF: A4 landscape, in points.
PAGE = landscape(A4)
PDF_MARGIN = 36
NUMBER_WIDTH = 60
NOTE_MAX = 90  # a longer note is shrunk, not allowed to push the content off the page
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# Helvetica only knows cp1252: the few symbols of the pack it lacks, spelt out.
HELVETICA_SPELLING = str.maketrans({"≥": ">=", "≤": "<=", "−": "-", "→": "->"})


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # already formatted text

    def __post_init__(self) -> None:
        """A ragged row is a bug of the caller: say so here rather than deep inside a renderer."""
        if any(len(row) != len(self.columns) for row in self.rows):
            raise ValueError(f"every row needs {len(self.columns)} cells, one per column")


@dataclass(frozen=True)
class Slide:
    title: str
    subtitle: str = ""  # one line under the title
    bullets: tuple[str, ...] = ()  # plain sentences
    image: bytes | None = None  # a PNG (a chart or a map rendered elsewhere)
    table: Table | None = None
    note: str = ""  # speaker notes (PPTX notes page; PDF: small text at the bottom)


@dataclass(frozen=True)
class Deck:
    title: str  # e.g. "Briefing Bupati — Kabupaten Purbalingga"
    footer: str  # printed on every slide: data source, "Data sintetis" when applicable, boundary attribution
    date: str  # the data date (ISO), also the file's created/modified time: the same data gives the same file
    slides: tuple[Slide, ...]


# --------------------------------------------------------------------------------------------
# Layout shared by both renderers
# --------------------------------------------------------------------------------------------

Box = tuple[float, float, float, float]  # x, y from the top, width, height: fractions of the content area


def _boxes(slide: Slide) -> tuple[Box | None, Box | None]:
    """Where the image and the text (bullets, then table) go: image left and text right when a slide
    has both, otherwise the one present takes the whole area."""
    has_text = bool(slide.bullets) or slide.table is not None
    if slide.image is not None and has_text:
        return (0.0, 0.0, IMAGE_SHARE, 1.0), (IMAGE_SHARE + GAP, 0.0, 1 - IMAGE_SHARE - GAP, 1.0)
    whole = (0.0, 0.0, 1.0, 1.0)
    return (whole if slide.image is not None else None), (whole if has_text else None)


def _is_cover(slide: Slide) -> bool:
    return slide.image is None and not slide.bullets and slide.table is None


def _shown_rows(table: Table) -> list[tuple[str, ...]]:
    """At most MAX_ROWS rows, then one row counting the rest, so a table never runs off the slide."""
    if len(table.rows) <= MAX_ROWS:
        return list(table.rows)
    more = (MORE_ROWS.format(n=len(table.rows) - MAX_ROWS),) + ("",) * (len(table.columns) - 1)
    return [*table.rows[:MAX_ROWS], more]


def _column_shares(table: Table) -> list[float]:
    """Column widths in proportion to their longest text, within 4 to 40 characters so that a long
    column wraps instead of squeezing the others."""
    rows = [table.columns, *_shown_rows(table)]
    lengths = [min(40, max(4, *(len(row[c]) for row in rows))) for c in range(len(table.columns))]
    return [n / sum(lengths) for n in lengths]


def _fit(image: bytes, width: float, height: float) -> tuple[float, float]:
    """The image's size within width × height, aspect ratio kept."""
    with Image.open(io.BytesIO(image)) as picture:
        w, h = picture.size
    scale = min(width / w, height / h)
    return w * scale, h * scale


def _stamp(deck: Deck) -> datetime:
    """The data date at 00:00 UTC (naive: both libraries read naive as UTC)."""
    return datetime.combine(date.fromisoformat(deck.date), time())


def _area(box: Box, left: float, top: float, width: float, height: float) -> tuple[float, float, float, float]:
    """A box of the content area in the renderer's units: left, top, width, height."""
    x, y, w, h = box
    return left + x * width, top + y * height, w * width, h * height


# --------------------------------------------------------------------------------------------
# PPTX
# --------------------------------------------------------------------------------------------


def _write(frame, lines, size: int, *, bold: bool = False, colour: str = "", align=None,
           bullets: bool = False) -> None:
    """One paragraph per line, every run sized explicitly (no theme defaults, same look everywhere)."""
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        if colour:
            run.font.color.rgb = RGBColor.from_string(colour)
        if align is not None:
            paragraph.alignment = align
        if bullets:
            _bullet(paragraph)


def _bullet(paragraph) -> None:
    """A hanging bullet, as PowerPoint writes it, so the text stays editable as a list."""
    paragraph.space_after = Pt(6)
    ppr = paragraph._p.get_or_add_pPr()
    ppr.set("marL", str(Pt(BULLET_PT)))
    ppr.set("indent", str(-Pt(BULLET_PT)))
    ppr.append(ppr.makeelement(qn("a:buChar"), {"char": BULLET}))


def _textbox(shapes, left, top, width, height, lines, size: int, **style):
    box = shapes.add_textbox(Emu(int(left)), Emu(int(top)), Emu(int(width)), Emu(int(height)))
    _write(box.text_frame, lines, size, **style)
    return box


def _bullets_height(bullets: tuple[str, ...], width: float) -> float:
    """An estimate (PowerPoint lays text out only when it opens the file): half an em per character."""
    per_line = max(1, int(width / Pt(BULLET_PT * 0.5)))
    lines = sum(math.ceil(max(1, len(text)) / per_line) for text in bullets)
    return lines * Pt(BULLET_PT * 1.2) + len(bullets) * Pt(6) + Inches(0.2)


def _pptx_table(shapes, table: Table, left, top, width, height) -> None:
    rows = [table.columns, *_shown_rows(table)]
    row_height = Pt(TABLE_PT * 2)
    frame = shapes.add_table(len(rows), len(table.columns), Emu(int(left)), Emu(int(top)), Emu(int(width)),
                             Emu(int(min(height, row_height * len(rows)))))
    grid = frame.table
    for column, share in zip(grid.columns, _column_shares(table), strict=True):
        column.width = Emu(int(width * share))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = grid.cell(r, c)
            cell.margin_top = cell.margin_bottom = Pt(2)
            _write(cell.text_frame, [value], TABLE_PT, bold=r == 0)


def _pptx_text(shapes, slide: Slide, left, top, width, height) -> None:
    """Bullets first, the table in the room left below them."""
    used = 0
    if slide.bullets:
        used = height if slide.table is None else min(_bullets_height(slide.bullets, width), height / 2)
        box = _textbox(shapes, left, top, width, used, slide.bullets, BULLET_PT, bullets=True)
        box.text_frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE
    if slide.table is not None:
        _pptx_table(shapes, slide.table, left, top + used, width, height - used)


def _pptx_picture(shapes, slide: Slide, left, top, width, height) -> None:
    """Fitted, centred across its box, top-aligned; described by the slide title for screen readers."""
    w, h = _fit(slide.image, width, height)
    picture = shapes.add_picture(io.BytesIO(slide.image), Emu(int(left + (width - w) / 2)), Emu(int(top)),
                                 Emu(int(w)), Emu(int(h)))
    picture._element.nvPicPr.cNvPr.set("descr", slide.title)


def _pptx_slide(page, slide: Slide, footer: str, number: str) -> None:
    shapes = page.shapes
    width = SLIDE_W - 2 * MARGIN
    top = SLIDE_H * COVER_TOP if _is_cover(slide) else Inches(0.3)
    title = shapes.title
    title.left, title.top, title.width, title.height = MARGIN, Emu(int(top)), width, Inches(1.0)
    _write(title.text_frame, [slide.title], TITLE_PT, bold=True, align=PP_ALIGN.LEFT)
    if slide.subtitle:
        _textbox(shapes, MARGIN, top + Inches(1.0), width, Inches(0.5), [slide.subtitle], SUBTITLE_PT, colour=GREY)
    image_box, text_box = _boxes(slide)
    content = (MARGIN, CONTENT_TOP, width, CONTENT_BOTTOM - CONTENT_TOP)
    if image_box is not None:
        _pptx_picture(shapes, slide, *_area(image_box, *content))
    if text_box is not None:
        _pptx_text(shapes, slide, *_area(text_box, *content))
    bottom = SLIDE_H - Inches(0.65)
    _textbox(shapes, MARGIN, bottom, width - Inches(1.3), Inches(0.5), [footer], FOOTER_PT, colour=GREY)
    _textbox(shapes, SLIDE_W - MARGIN - Inches(1.2), bottom, Inches(1.2), Inches(0.5), [number], FOOTER_PT,
             colour=GREY, align=PP_ALIGN.RIGHT)
    if slide.note:
        page.notes_slide.notes_text_frame.text = slide.note


def _widen_template(prs) -> None:
    """The default template is 4:3: stretch its placeholders so that slides added later in PowerPoint
    fit the 16:9 page too (layouts first: until then they may inherit the master's geometry)."""
    factor = SLIDE_W / prs.slide_width
    for shape in [*(ph for layout in prs.slide_layouts for ph in layout.placeholders), *prs.slide_master.placeholders]:
        shape.left, shape.width = Emu(int(shape.left * factor)), Emu(int(shape.width * factor))
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H


def _rezip(data: bytes, when: datetime) -> bytes:
    """python-pptx stamps every zip member with the clock: stamp them with the data date instead."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            stamped = zipfile.ZipInfo(member.filename, when.timetuple()[:6])
            target.writestr(stamped, source.read(member), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def to_pptx(deck: Deck) -> bytes:
    """The pack as editable 16:9 slides; the same deck always gives the same bytes."""
    prs = Presentation()
    _widen_template(prs)
    for n, slide in enumerate(deck.slides, start=1):
        _pptx_slide(prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY]), slide, deck.footer,
                    f"{n} / {len(deck.slides)}")
    props = prs.core_properties
    props.title, props.author, props.last_modified_by, props.comments = deck.title, AUTHOR, AUTHOR, ""
    props.created = props.modified = props.last_printed = _stamp(deck)
    props.revision = 1
    out = io.BytesIO()
    prs.save(out)
    return _rezip(out.getvalue(), _stamp(deck))


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


@functools.cache
def _font() -> str:
    """DejaVu Sans when installed (it has every character of the pack: "–", "≥", "…", "²"), else
    Helvetica. Either family has "-Bold" and "-Oblique" faces under the same names."""
    try:
        for face in ("", "-Bold", "-Oblique"):
            pdfmetrics.registerFont(TTFont(f"DejaVuSans{face}", str(DEJAVU / f"DejaVuSans{face}.ttf")))
    except (OSError, TTFError):
        return "Helvetica"
    return "DejaVuSans"


def _markup(text: str) -> str:
    """User text as Paragraph markup: printed literally, in characters the font can show."""
    if _font() == "Helvetica":
        text = text.translate(HELVETICA_SPELLING).encode("cp1252", "replace").decode("cp1252")
    return escape(text)


@functools.cache
def _styles(font: str) -> dict[str, ParagraphStyle]:
    grey = colors.HexColor(f"#{GREY}")
    return {
        "title": ParagraphStyle("title", fontName=f"{font}-Bold", fontSize=26, leading=31),
        "subtitle": ParagraphStyle("subtitle", fontName=font, fontSize=14, leading=18, textColor=grey, spaceBefore=4),
        "bullet": ParagraphStyle("bullet", fontName=font, fontSize=16, leading=20, leftIndent=18, spaceAfter=6,
                                 bulletFontName=font, bulletFontSize=16),
        "head": ParagraphStyle("head", fontName=f"{font}-Bold", fontSize=11, leading=13),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=11, leading=13),
        "footer": ParagraphStyle("footer", fontName=font, fontSize=9, leading=11, textColor=grey),
        "number": ParagraphStyle("number", fontName=font, fontSize=9, leading=11, textColor=grey, alignment=TA_RIGHT),
        "note": ParagraphStyle("note", fontName=f"{font}-Oblique", fontSize=9, leading=11, textColor=grey),
    }


def _draw(canvas: Canvas, flowables: list, x: float, y: float, width: float, height: float, *,
          from_top: bool = True) -> float:
    """Draw the flowables, shrunk if they need more than width × height, hanging from y (or standing
    on it); return the height they took."""
    box = KeepInFrame(width, height, flowables, mode="shrink")
    used = box.wrapOn(canvas, width, height)[1]
    box.drawOn(canvas, x, y - used if from_top else y)
    return used


def _paragraph(text: str, style: str, **extra) -> Paragraph:
    return Paragraph(_markup(text), _styles(_font())[style], **extra)


def _pdf_table(table: Table, width: float) -> PdfTable:
    rows = [[_paragraph(v, "head") for v in table.columns],
            *[[_paragraph(v, "cell") for v in row] for row in _shown_rows(table)]]
    grid = PdfTable(rows, colWidths=[width * share for share in _column_shares(table)])
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor(f"#{GREY}")),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(f"#{HEADER_FILL}")),
                              ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return grid


def _pdf_text(slide: Slide, width: float) -> list:
    flowables: list = [_paragraph(text, "bullet", bulletText=BULLET) for text in slide.bullets]
    if slide.table is not None:
        flowables += [Spacer(0, 8), _pdf_table(slide.table, width)]
    return flowables


def _pdf_page(canvas: Canvas, slide: Slide, footer: str, number: str) -> None:
    """One slide on one page: content that would not fit is shrunk, never carried over."""
    page_w, page_h = PAGE
    left, width = PDF_MARGIN, page_w - 2 * PDF_MARGIN
    used = _draw(canvas, [_paragraph(footer, "footer")], left, PDF_MARGIN, width - NUMBER_WIDTH, 3 * PDF_MARGIN,
                 from_top=False)
    _draw(canvas, [_paragraph(number, "number")], left + width - NUMBER_WIDTH, PDF_MARGIN, NUMBER_WIDTH, PDF_MARGIN,
          from_top=False)
    bottom = PDF_MARGIN + used + 8
    if slide.note:
        bottom += _draw(canvas, [_paragraph(slide.note, "note")], left, bottom, width, NOTE_MAX, from_top=False) + 8
    top = page_h * (1 - COVER_TOP) if _is_cover(slide) else page_h - PDF_MARGIN
    header = [_paragraph(slide.title, "title")] + ([_paragraph(slide.subtitle, "subtitle")] if slide.subtitle else [])
    top -= _draw(canvas, header, left, top, width, (top - bottom) / 2) + 14
    image_box, text_box = _boxes(slide)
    content = (left, 0.0, width, top - bottom)  # y measured down from `top`
    if image_box is not None:
        x, y, w, h = _area(image_box, *content)
        pw, ph = _fit(slide.image, w, h)
        canvas.drawImage(ImageReader(io.BytesIO(slide.image)), x + (w - pw) / 2, top - y - ph, pw, ph)
    if text_box is not None:
        x, y, w, h = _area(text_box, *content)
        _draw(canvas, _pdf_text(slide, w), x, top - y, w, h)


def to_pdf(deck: Deck) -> bytes:
    """The pack as A4 landscape pages, one per slide; the same deck always gives the same bytes."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=PAGE, invariant=1)
    canvas.setTitle(deck.title)
    canvas.setAuthor(AUTHOR)
    canvas.setCreator(AUTHOR)
    stamp = _stamp(deck).strftime("D:%Y%m%d%H%M%S+00'00'")
    canvas.setDateFormatter(lambda *_: stamp)
    for n, slide in enumerate(deck.slides, start=1):
        _pdf_page(canvas, slide, deck.footer, f"{n} / {len(deck.slides)}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()
