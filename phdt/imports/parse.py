"""Cell parsers and header recognition for uploaded tables (pure functions, no I/O but profiles).

The parsers accept what Indonesian exports contain (``1.234,5``, ``14/03/2025``, ``Maret 2025``,
Excel serials) and raise ``ValueError`` with a Bahasa Indonesia message on anything else: the
validation report shows that message next to the row, column and value. Nothing is guessed when
two readings are plausible and would differ (``03/14/2025``, two-digit birth years).

Headers: :func:`flatten_header` turns the one to four header rows of a sheet into one label per
column (``"K1 | bln ini"``); :func:`recognise` maps labels to canonical fields of a family
(:data:`FAMILIES`); :func:`wide_groups` finds the per-indicator columns of a wide PWS sheet.
A column mapping the user completes is saved as a named profile and wins next month.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher
from pathlib import Path

from phdt.dataset import write_atomic
from phdt.indicators import INDICATORS
from phdt.schema import LINE_LISTS
from phdt.texts import UserError

BLANKS = ("", "-", "–", "—")
FUZZY = 0.85  # difflib ratio for a header to match a synonym it does not equal
EXCEL_EPOCH = date(1899, 12, 30)
MAX_SERIAL = 2_958_465  # 9999-12-31
PROFILE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 _-]{0,62}[A-Za-z0-9_-])?")

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "pebruari": 2, "feb": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "mrt": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "agst": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}


# --- values -----------------------------------------------------------------------------------

def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in BLANKS)


def parse_number(value: object) -> float | None:
    """A count or measurement; None for blank cells and the dash Excel users write for zero-or-empty.

    Separators: with both ``.`` and ``,`` the last one is the decimal separator (``1.234,5``,
    ``1,234.5``); a single ``,`` is decimal (``12,5``); ``.`` is a thousands separator when every
    group after it has exactly three digits and the first does not start with 0 (``1.234``,
    ``1.234.567``), otherwise decimal (``12.5``, ``0.500``). A trailing ``%`` is dropped: ``85%``
    is 85.0, the way the sheet shows it.
    """
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = _float(value)
    elif isinstance(value, str):
        number = _number_text(value)
    else:
        number = math.nan
    if not math.isfinite(number):
        raise UserError("parse_number", value=_shown(value))
    return number


def _float(value: float) -> float:
    try:
        return float(value)
    except OverflowError:  # an int beyond float range
        return math.inf


def _number_text(text: str) -> float:
    body = "".join(text.replace("−", "-").split()).removesuffix("%")
    sign = "-" if body.startswith("-") else ""
    body = body[1:] if body[:1] in "+-" else body
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
    elif commas:
        decimal = "," if commas == 1 else ""
    elif dots == 1 and not re.fullmatch(r"[1-9][0-9]{0,2}\.[0-9]{3}", body):
        decimal = "."
    else:
        decimal = ""
    thousands = {".": ",", ",": "."}.get(decimal, "," if commas else ".")
    integer, fraction = body.rsplit(decimal, 1) if decimal else (body, "0")
    grouped = rf"[0-9]{{1,3}}(?:{re.escape(thousands)}[0-9]{{3}})+"
    if not (re.fullmatch(r"[0-9]+", fraction) and re.fullmatch(rf"[0-9]+|{grouped}", integer)):
        return math.nan
    return float(f"{sign}{integer.replace(thousands, '')}.{fraction}")


def parse_date(value: object) -> date | None:
    """A calendar date: date/datetime cells, Excel serials (1900 system), or day-first text.

    Text: ``2025-03-14``, ``2025/03/14``, ``14/03/2025``, ``14-03-2025``, ``14.03.2025``,
    ``14 Maret 2025``, ``14-Mar-2025``, ``March 14, 2025``, ``20250314``, a serial written as
    text (``45730``), each optionally followed by a ``hh:mm[:ss]`` time. Two-digit years are
    refused (a birth year ``58`` could be 1958 or 2058).
    """
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value)
    if isinstance(value, str):
        return _date_text(value)
    raise _bad_date(value)


def _bad_date(value: object) -> UserError:
    return UserError("parse_date", value=_shown(value))


def _serial(value: float) -> date:
    """Excel's 1900 date system; serial 60 (the 29 February 1900 Excel invents) reads as 28 February,
    as openpyxl reads it."""
    number = _float(value)
    if not (math.isfinite(number) and 1 <= number < MAX_SERIAL + 1):
        raise UserError("parse_serial", value=_shown(value))
    days = int(number)
    return EXCEL_EPOCH + timedelta(days=days + (1 if days < 60 else 0))


_TIME = re.compile(r"[ t][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:z|[+-][0-9]{2}:?[0-9]{2})?$", re.ASCII)
_YMD = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})", re.ASCII)
_DMY = re.compile(r"([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})", re.ASCII)
_D_NAME_Y = re.compile(r"([0-9]{1,2})[ \-/.]*([a-z]+)\.?[ \-/.,]*([0-9]{4})", re.ASCII)
_NAME_D_Y = re.compile(r"([a-z]+)\.? *([0-9]{1,2}),? *([0-9]{4})", re.ASCII)
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)
_SERIAL = re.compile(r"[0-9]{5}(?:\.[0-9]+)?", re.ASCII)
_SHORT_YEAR = re.compile(r"[0-9]{1,2}[-/. ]+(?:[0-9]{1,2}|[a-z]+)[-/. ]+[0-9]{2}", re.ASCII)


def _date_text(text: str) -> date:
    clean = _TIME.sub("", " ".join(text.lower().split()))
    if _SERIAL.fullmatch(clean):
        return _serial(float(clean))
    for pattern, order in ((_YMD, "ymd"), (_COMPACT, "ymd"), (_DMY, "dmy"), (_D_NAME_Y, "dny"), (_NAME_D_Y, "ndy")):
        if match := pattern.fullmatch(clean):
            parts = dict(zip(order, match.groups(), strict=True))
            month = MONTHS.get(parts["n"]) if "n" in parts else int(parts["m"])
            if month is None:
                break
            return _calendar(text, int(parts["y"]), month, int(parts["d"]))
    if _SHORT_YEAR.fullmatch(clean):
        raise UserError("parse_two_digit_year", value=_shown(text))
    raise _bad_date(text)


def _calendar(text: object, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        key = "parse_no_such_date_dmy" if month > 12 >= day else "parse_no_such_date"
        raise UserError(key, value=_shown(text)) from None


def parse_period(value: object) -> date | None:
    """The first day of a reporting month.

    ``2025-03``, ``2025/3``, ``03/2025``, ``202503``, ``Maret 2025``, ``Mar-25`` (two-digit years
    are 20xx here: periods are recent), ``2025 Maret``, any date :func:`parse_date` reads, or a
    number: six digits are YYYYMM, five are an Excel serial; a bare month number (3) is refused
    because its year is unknown.
    """
    if _blank(value):
        return None
    if isinstance(value, date):
        return parse_date(value).replace(day=1)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _period_number(value)
    if isinstance(value, str):
        return _period_text(value)
    raise _bad_period(value)


def _bad_period(value: object) -> UserError:
    return UserError("parse_period", value=_shown(value))


def _period_number(value: float) -> date:
    number = _float(value)
    if 100_000 <= number <= 999_999 and number.is_integer():
        return _month(value, int(number) // 100, int(number) % 100)
    if 10_000 <= number <= MAX_SERIAL:
        return _serial(number).replace(day=1)
    raise _bad_period(value)


_Y_M = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})", re.ASCII)
_M_Y = re.compile(r"([0-9]{1,2})[-/.]([0-9]{4})", re.ASCII)
_YM = re.compile(r"([0-9]{4})([0-9]{2})", re.ASCII)
_NAME_Y = re.compile(r"([a-z]+)\.?[ \-/'.,]*([0-9]{4}|[0-9]{2})", re.ASCII)
_Y_NAME = re.compile(r"([0-9]{4})[ \-/]*([a-z]+)", re.ASCII)


def _period_text(text: str) -> date:
    clean = " ".join(text.lower().split())
    for pattern, order in ((_Y_M, "ym"), (_M_Y, "my"), (_YM, "ym"), (_NAME_Y, "ny"), (_Y_NAME, "yn")):
        if match := pattern.fullmatch(clean):
            parts = dict(zip(order, match.groups(), strict=True))
            month = MONTHS.get(parts["n"]) if "n" in parts else int(parts["m"])
            if month is None:
                break
            year = int(parts["y"])
            return _month(text, year + 2000 if len(parts["y"]) == 2 else year, month)
    try:
        return _date_text(text).replace(day=1)
    except ValueError:
        raise _bad_period(text) from None


def _month(text: object, year: int, month: int) -> date:
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        raise UserError("parse_period_range", value=_shown(text))
    return date(year, month, 1)


# --- headers ----------------------------------------------------------------------------------

def normalise_header(text: object) -> str:
    """Comparable header text: ``"K1 (s.d. Bln ini)"`` → ``"k1 sd bulan ini"``.

    ``/``, ``+``, ``%``, ``<`` and in-word dashes carry meaning (``L/P``, ``L+P``, ``% K1``,
    ``DPT-HB-Hib1``) and stay; ``|`` separates flattened header rows.
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).lower().replace("–", "-").replace("—", "-")
    s = re.sub(r"\bs\s*[./]\s*d\b\.?|\bsampai dengan\b", " sd ", s)
    s = re.sub(r"[.:;,()\[\]{}\"'`*#?!_=]", " ", s)
    s = re.sub(r"(?<!\w)-|-(?!\w)", " ", s)
    s = re.sub(r"\bbln\b", "bulan", s)
    s = re.sub(r"\s*\|\s*", " | ", s)
    return " ".join(s.split()).strip(" |")


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _filled(row: list[object]) -> int:
    return sum(1 for value in row if cell_text(value))


_DESA_CODE = re.compile(r"[0-9]{2}\.?[0-9]{2}\.?[0-9]{2}\.?[0-9]{4}", re.ASCII)


def _data_like(value: object) -> bool:
    """A number, a date or a desa code: what data rows hold and header rows do not."""
    if isinstance(value, bool) or _blank(value):
        return False
    if isinstance(value, (int, float, date)):
        return True
    text = str(value).strip()
    if _DESA_CODE.fullmatch(text):
        return True
    for parser in (parse_number, parse_date):
        try:
            parser(text)
        except ValueError:
            continue
        return parser is parse_number or not re.search(r"[a-zA-Z]", text)
    return False


def _looks_like_data(row: list[object]) -> bool:
    filled = _filled(row)
    hits = sum(1 for value in row if _data_like(value))
    return filled > 0 and 2 * hits >= filled


def numbering_row(row: list[object]) -> bool:
    """The "1 | 2 | 3 | …" row many templates put under the header."""
    try:
        numbers = [parse_number(value) for value in row if cell_text(value)]
    except ValueError:
        return False
    if len(numbers) < 3 or None in numbers or not numbers[0].is_integer():
        return False
    return numbers == [numbers[0] + i for i in range(len(numbers))]


_LABEL = re.compile(r"[^:]{2,40}:")  # "Bidan Koordinator : Siti", "Bulan :"


def title_row(row: list[object]) -> bool:
    """A line of the title block above the header: one distinct text (a merged title repeats its
    text over the merge), or only "label : value" lines ("Puskesmas : Kemangkon", or "Puskesmas",
    ":", "Kemangkon" in three cells)."""
    texts = {cell_text(value) for value in row if cell_text(value)}
    return len(texts) <= 1 or ":" in texts or all(_LABEL.match(text) for text in texts)


def header_start(rows: list[list[object]]) -> int:
    """The first row under the title block: where the header starts."""
    start = 0
    while start < len(rows) and title_row(rows[start]):
        start += 1
    return start


def flatten_header(rows: list[list[object]], max_header_rows: int = 4) -> tuple[list[str], int]:
    """One label per column and the index of the first data row.

    Leading empty rows and title rows (:func:`title_row`) are skipped. Header rows are the
    following rows, up to `max_header_rows`, that do not look like data (numbers, dates, desa
    codes); when no data row follows them the header is one row (a table of text only). A
    numbering row (1, 2, 3, …) under the header is skipped. In an upper header row a blank cell
    whose own and left neighbours' sub-headers are filled belongs to the group on its left (a
    merged cell exported without its merge): ``K1`` over ``bln ini`` and ``s.d. bln ini`` gives
    ``K1 | bln ini`` and ``K1 | s.d. bln ini``. Labels keep the sheet's text; compare them with
    :func:`normalise_header`.
    """
    start = header_start(rows)
    if start == len(rows):
        return [], len(rows)
    end = start
    while end < len(rows) and end - start < max_header_rows and _filled(rows[end]) and not _looks_like_data(rows[end]):
        end += 1
    end = max(end, start + 1)
    first = _skip_fillers(rows, end)
    if end - start > 1 and not (first < len(rows) and _looks_like_data(rows[first])):
        end = start + 1
        first = _skip_fillers(rows, end)
    return _join(rows[start:end]), first


def _skip_fillers(rows: list[list[object]], index: int) -> int:
    while index < len(rows) and (not _filled(rows[index]) or numbering_row(rows[index])):
        index += 1
    return index


def _join(header_rows: list[list[object]]) -> list[str]:
    width = max(len(row) for row in header_rows)
    grid = [[cell_text(value) for value in row] + [""] * (width - len(row)) for row in header_rows]
    for r in range(len(grid) - 2, -1, -1):
        row, below = grid[r], grid[r + 1]
        for c in range(1, width):
            if not row[c] and row[c - 1] and below[c] and below[c - 1]:
                row[c] = row[c - 1]
    labels = []
    for c in range(width):
        parts: list[str] = []
        for row in grid:
            if row[c] and (not parts or parts[-1] != row[c]):
                parts.append(row[c])
        labels.append(" | ".join(parts))
    return labels


# --- families and column recognition ----------------------------------------------------------

_PLACE = {
    "kode_desa": ("kode desa", "kode wilayah", "kd desa", "kode kelurahan", "kode desa/kelurahan", "kode kemendagri",
                  "kode desa/kel", "kd wilayah", "id desa"),
    "nama_desa": ("desa", "kelurahan", "desa/kelurahan", "nama desa", "desa/kel", "nama desa/kelurahan",
                  "kelurahan/desa", "nama kelurahan", "desa kelurahan"),
    "kecamatan": ("kecamatan", "kec", "nama kecamatan"),
}
_SUMBER = ("sumber", "sumber data", "aplikasi")
_PERSON = {
    "jenis_kelamin": ("jenis kelamin", "jk", "l/p", "kelamin", "sex"),
    "td_sistolik": ("td sistolik", "sistolik", "tekanan darah sistolik", "sistole", "td sistole", "sbp"),
    "td_diastolik": ("td diastolik", "diastolik", "tekanan darah diastolik", "diastole", "td diastole", "dbp"),
}

_ANC = {
    "id_kehamilan": ("id kehamilan", "no register kohort", "no register", "no reg", "no kohort", "nomor register",
                     "id ibu hamil", "no reg kohort"),
    "nik_ibu": ("nik ibu", "nik", "nik bumil", "no nik", "nik ibu hamil"),
    "nama_ibu": ("nama ibu", "nama", "nama bumil", "nama ibu hamil"),
    "hpht": ("hpht", "tgl hpht", "tanggal hpht", "hari pertama haid terakhir"),
    "tgl_kunjungan": ("tgl kunjungan", "tanggal kunjungan", "tgl periksa", "tanggal periksa", "tgl pemeriksaan",
                      "tanggal pemeriksaan", "tgl anc", "tanggal", "tgl"),
    "kunjungan_ke": ("kunjungan ke", "kunjungan", "kontak ke", "anc ke", "k ke", "kunjungan k"),
    "usia_kehamilan_minggu": ("usia kehamilan mgg", "usia kehamilan minggu", "usia kehamilan", "uk", "uk mgg",
                              "uk minggu", "umur kehamilan", "umur kehamilan minggu"),
    "pemeriksa": ("pemeriksa", "tenaga pemeriksa", "nakes", "nakes pemeriksa", "diperiksa oleh"),
    "usg": ("usg", "pemeriksaan usg", "usg dokter", "usg ya/tidak"),
    "lila_cm": ("lila", "lila cm", "lingkar lengan atas"),
    "hb_g_dl": ("hb", "hb g/dl", "hemoglobin", "kadar hb"),
    "td_sistolik": _PERSON["td_sistolik"],
    "td_diastolik": _PERSON["td_diastolik"],
}
_IMUNISASI = {
    "id_anak": ("id anak", "nik anak", "nik bayi", "id bayi", "nik", "no register anak", "no register", "no reg"),
    "nik_ibu": ("nik ibu", "nik orang tua", "nik ortu"),
    "nama_anak": ("nama anak", "nama bayi", "nama balita", "nama"),
    "jenis_kelamin": _PERSON["jenis_kelamin"],
    "tgl_lahir": ("tgl lahir", "tanggal lahir", "tgl lahir anak", "tanggal lahir anak", "tgl lahir bayi"),
    "antigen": ("antigen", "jenis imunisasi", "imunisasi", "vaksin", "jenis vaksin", "jenis antigen"),
    "tgl_imunisasi": ("tgl imunisasi", "tanggal imunisasi", "tgl pemberian", "tanggal pemberian", "tgl vaksinasi",
                      "tanggal vaksinasi", "tanggal", "tgl"),
}
_PTM = {
    "nik": ("nik", "no nik", "nik peserta", "nik pasien"),
    "nama": ("nama", "nama peserta", "nama pasien", "nama lengkap"),
    "jenis_kelamin": _PERSON["jenis_kelamin"],
    "tgl_lahir": ("tgl lahir", "tanggal lahir"),
    "tgl_skrining": ("tgl skrining", "tanggal skrining", "tgl pemeriksaan", "tanggal pemeriksaan", "tgl periksa",
                     "tanggal periksa", "tanggal", "tgl"),
    "td_sistolik": _PERSON["td_sistolik"],
    "td_diastolik": _PERSON["td_diastolik"],
    "gula_darah_mg_dl": ("gula darah", "gds", "gdp", "gula darah sewaktu", "gula darah puasa", "gula darah mg/dl",
                         "kadar gula darah", "gd"),
    "imt": ("imt", "bmi", "indeks massa tubuh"),
    "hipertensi": ("hipertensi", "ht", "diagnosis hipertensi", "status hipertensi"),
    "dm": ("dm", "diabetes", "diabetes melitus", "diagnosis dm", "status dm"),
}


# Sasaran groups (phdt.schema.SASARAN_GROUPS): a wide sheet's column headers and a long sheet's
# "kelompok" values, as Dinkes and Pusdatin tables spell them ("Sasaran Bumil", "Estimasi HT").
SASARAN_GROUPS = {
    "penduduk": ("jumlah penduduk", "penduduk", "total penduduk"),
    "ibu_hamil": ("bumil", "ibu hamil"),
    "ibu_bersalin": ("bulin", "ibu bersalin", "bersalin", "ibu nifas", "bufas"),
    "lahir_hidup": ("lahir hidup", "bayi lahir hidup", "bbl"),
    "bayi": ("bayi", "surviving infant", "si", "bayi si"),
    "baduta": ("baduta", "anak baduta"),
    "usia_produktif": ("usia produktif 15-59", "usia produktif", "penduduk 15-59", "usia 15-59"),
    "hipertensi": ("penderita hipertensi", "estimasi ht", "hipertensi", "penderita ht", "ht"),
    "dm": ("penderita dm", "estimasi dm", "dm", "diabetes", "penderita diabetes"),
}
_SASARAN_WIDE = {group: tuple(dict.fromkeys(
    [*synonyms, *(f"{prefix} {s}" for prefix in ("sasaran", "estimasi", "proyeksi", "jumlah") for s in synonyms)]))
    for group, synonyms in SASARAN_GROUPS.items()}


def sasaran_group(value: object) -> str:
    """The SASARAN group a "kelompok" cell names ("Sasaran Bumil" -> "ibu_hamil")."""
    key = normalise_header(value).replace("_", " ")
    for group, synonyms in _SASARAN_WIDE.items():
        if key in (group.replace("_", " "), *synonyms):
            return group
    raise UserError("parse_group", value=_shown(value), choices=", ".join(SASARAN_GROUPS))


def _line_list(family: str, fields: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """The schema's columns (so a new column fails here, not in production) plus desa name and kecamatan."""
    known = {**_PLACE, "sumber": _SUMBER, **fields}
    return {column: known[column] for column in LINE_LISTS[family]} | {
        "nama_desa": _PLACE["nama_desa"], "kecamatan": _PLACE["kecamatan"]}


FAMILIES: dict[str, dict[str, tuple[str, ...]]] = {
    "aggregate_long": {
        **_PLACE,
        "puskesmas": ("puskesmas", "pkm", "nama puskesmas", "faskes", "nama pkm"),
        "period": ("bulan", "periode", "period", "bulan laporan", "periode laporan", "bulan/tahun"),
        "tahun": ("tahun", "thn", "tahun laporan"),  # with a month-only "bulan": the caller joins them
        "indicator_code": ("indikator", "kode indikator", "indicator", "indicator code", "jenis indikator"),
        "sex": ("jenis kelamin", "jk", "l/p", "sex"),
        "numerator_month": ("bulan ini", "jumlah", "jumlah bulan ini", "capaian bulan ini", "numerator month",
                            "numerator bulan ini", "hasil bulan ini"),
        "numerator_cum": ("sd bulan ini", "kumulatif", "sd bulan", "jumlah kumulatif", "capaian kumulatif",
                          "kumulatif sd bulan ini", "numerator cum", "akumulasi"),
        "denominator": ("sasaran", "sasaran bumil", "sasaran bayi", "sasaran ibu hamil", "sasaran tahunan",
                        "denominator", "jumlah sasaran"),
    },
    "anc_kunjungan": _line_list("anc_kunjungan", _ANC),
    "imunisasi_dosis": _line_list("imunisasi_dosis", _IMUNISASI),
    "ptm_skrining": _line_list("ptm_skrining", _PTM),
    "sasaran": {  # long (kelompok, jumlah) or wide (one column per group), per desa and year
        **_PLACE,
        "tahun": ("tahun", "thn", "tahun sasaran"),
        "metode": ("metode", "metode estimasi", "sumber", "sumber data", "keterangan", "cara estimasi"),
        "kelompok": ("kelompok", "kelompok sasaran", "jenis sasaran", "sasaran"),
        "jumlah": ("jumlah", "jumlah sasaran", "nilai", "angka"),
        **_SASARAN_WIDE,
    },
}


def recognise(headers: list[str], family: str, profile: dict[str, str] | None = None) -> dict[int, str]:
    """Column index → canonical field of `family`.

    A saved profile (normalised header → field; ``""`` marks a column to ignore) wins, then a
    synonym, then a header within difflib ratio FUZZY of a synonym. Each field goes to one column
    only: the better match, then the leftmost.
    """
    if family not in FAMILIES:
        raise UserError("parse_family", value=_shown(family), choices=", ".join(FAMILIES))
    fields = FAMILIES[family]
    saved = {normalise_header(key): field for key, field in (profile or {}).items()}
    candidates: list[tuple[float, int, str]] = []
    for column, header in enumerate(headers):
        key = normalise_header(header)
        if not key:
            continue
        if key in saved and (not saved[key] or saved[key] in fields):
            if saved[key]:
                candidates.append((2.0, column, saved[key]))
            continue
        score, field = _best_match(key, fields)
        if field:
            candidates.append((score, column, field))
    mapping: dict[int, str] = {}
    for _, column, field in sorted(candidates, key=lambda c: (-c[0], c[1])):
        if column not in mapping and field not in mapping.values():
            mapping[column] = field
    return dict(sorted(mapping.items()))


def _best_match(key: str, fields: dict[str, tuple[str, ...]]) -> tuple[float, str]:
    flat = key.replace(" | ", " ")
    best = (0.0, "")
    for field, synonyms in fields.items():
        for synonym in synonyms:
            score = 1.0 if synonym in (key, flat) else SequenceMatcher(None, flat, synonym).ratio()
            if score > best[0]:
                best = (score, field)
    return best if best[0] >= FUZZY else (0.0, "")


def unmapped(headers: list[str], mapping: dict[int, str]) -> list[str]:
    """Non-empty headers no field was found for: the columns the user is asked to map."""
    return [str(header) for column, header in enumerate(headers) if column not in mapping and normalise_header(header)]


# --- wide PWS layout --------------------------------------------------------------------------

# First match wins: "k1 murni" before "k1". Derived indicators (zero-dose, drop-out, UCI) are
# computed, never read from a sheet.
_WIDE = (
    ("anc_k1_murni", r"\bk1 murni\b"),
    ("anc_k1", r"\bk1\b"),
    ("anc_k4", r"\bk4\b"),
    ("anc_k6", r"\bk6\b"),
    ("anc_usg_tm1", r"\busg\b"),
    ("imm_hb0", r"\bhb ?0\b"),
    ("imm_bcg", r"\bbcg\b"),
    ("imm_dpt1", r"\b(?:dpt(?:[ -]?hb)?(?:[ -]?hib)?|penta(?:valen)?)[ -]?1\b"),
    ("imm_dpt3", r"\b(?:dpt(?:[ -]?hb)?(?:[ -]?hib)?|penta(?:valen)?)[ -]?3\b"),
    ("imm_polio4", r"\b(?:polio|opv|bopv)[ -]?4\b"),
    ("imm_mr1", r"\b(?:mr|campak rubela|campak)[ -]?1\b"),
    ("imm_idl", r"\bidl\b|\bimunisasi dasar lengkap\b"),
    ("ptm_usia_produktif", r"\bskrining\b|\busia produktif\b|\b15-59\b"),
    ("ptm_hipertensi", r"\bhipertensi\b|\bht\b"),
    ("ptm_dm", r"\bdm\b|\bdiabetes\b"),
)
_SASARAN = r"\b(?:sasaran|estimasi|proyeksi)\b|\bpenduduk\b.*(?:\b15-59\b|\busia produktif\b)"  # not any "penduduk"
_GROUPS = (  # sasaran group of a denominator column (phdt.schema.SASARAN_GROUPS)
    ("ibu_hamil", r"\bbumil\b|\bibu hamil\b"),
    ("lahir_hidup", r"\blahir hidup\b|\bbayi baru lahir\b|\bbbl\b"),
    ("bayi", r"\bbayi\b|\bsi\b|\bsurviving infant\b"),
    ("usia_produktif", r"\busia produktif\b|\b15-59\b"),
    ("hipertensi", r"\bhipertensi\b|\bht\b"),
    ("dm", r"\bdm\b|\bdiabetes\b"),
)
_PREVIOUS = r"\blalu\b"  # "s.d. bulan lalu": last month's cumulative
_CUM = r"\b(?:sd|kumulatif|kum|akumulasi|sampai)\b"
_MONTH = r"\bbulan\b"
_MALE, _FEMALE = {"l", "laki-laki", "laki"}, {"p", "perempuan"}


def wide_groups(headers: list[str]) -> dict[str, dict[str, list[int]]]:
    """Per indicator slug, the columns of a wide PWS sheet holding its counts, by kind.

    Kinds: ``month`` (bulan ini), ``cum`` (s.d. bulan ini / kumulatif), ``prev`` (s.d. bulan lalu),
    ``value`` (none of these said: the user must tell which), ``denominator`` (a sasaran column of
    the indicator's group, or a sasaran of no stated group). ``"_sasaran": {"value": […]}`` is the
    sheet's sasaran (the one of no stated group, else the leftmost group). Percent columns are left
    out: they are derived.

    Each list is summed by the caller: L+P/total columns when there are some, else the L and P
    columns together (one without the other is left out rather than undercounted). Several
    totals of one kind are all listed, e.g. ``HB0 <24 jam`` and ``HB0 1-7 hari``.
    """
    columns: dict[tuple[str, str], dict[str, list[int]]] = {}
    for index, header in enumerate(headers):
        key = normalise_header(header)
        if not key or "%" in key or re.search(r"\bpersen\b", key):
            continue
        words = set(key.rpartition(" | ")[2].split())  # the lowest header row: "Penduduk (L,P) | L" is L
        sex = "L" if words & _MALE else "P" if words & _FEMALE else "T"
        for target, kind in _classify(key):
            columns.setdefault((target, kind), {"T": [], "L": [], "P": []})[sex].append(index)
    chosen = {target_kind: split["T"] or (split["L"] + split["P"] if split["L"] and split["P"] else [])
              for target_kind, split in columns.items()}
    return _assemble({key: cols for key, cols in chosen.items() if cols})


def _classify(key: str) -> list[tuple[str, str]]:
    """(indicator slug or "_sasaran:<group>", kind) pairs a header counts towards."""
    if re.search(_SASARAN, key):
        group = next((name for name, pattern in _GROUPS if re.search(pattern, key)), "")
        return [(f"_sasaran:{group}", "value")]
    slug = next((slug for slug, pattern in _WIDE if re.search(pattern, key)), None)
    if slug is None:
        return []
    kinds = (("prev", _PREVIOUS), ("cum", _CUM), ("month", _MONTH))
    kind = next((kind for kind, pattern in kinds if re.search(pattern, key)), "value")
    return [(slug, kind)]


def _assemble(chosen: dict[tuple[str, str], list[int]]) -> dict[str, dict[str, list[int]]]:
    sasaran = {target.partition(":")[2]: cols for (target, _), cols in chosen.items() if target.startswith("_sasaran")}
    result: dict[str, dict[str, list[int]]] = {}
    for (target, kind), cols in sorted(chosen.items(), key=lambda item: item[1][0]):
        if not target.startswith("_sasaran"):
            result.setdefault(target, {})[kind] = cols
    for slug, kinds in result.items():
        if denominator := sasaran.get(INDICATORS[slug].denominator) or sasaran.get(""):
            kinds["denominator"] = denominator
    if sasaran:
        result["_sasaran"] = {"value": sasaran.get("") or min(sasaran.values(), key=lambda cols: cols[0])}
    return result


# --- mapping profiles -------------------------------------------------------------------------

def _profile_path(folder: Path, name: str) -> Path:
    if not isinstance(name, str) or not PROFILE_NAME.fullmatch(name):
        raise UserError("parse_profile_name", value=_shown(name))
    return Path(folder) / f"{name}.json"


def save_profile(folder: Path, name: str, mapping: dict[str, str]) -> Path:
    """Save a header → field mapping under `name`; keys are normalised so next month's spelling matches."""
    path = _profile_path(folder, name)
    clean = {normalise_header(header): str(field) for header, field in mapping.items() if normalise_header(header)}
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(clean, ensure_ascii=False, indent=1, sort_keys=True)
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def load_profile(folder: Path, name: str) -> dict[str, str]:
    path = _profile_path(folder, name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("parse_profile_missing", name=name) from None
    except (OSError, ValueError):
        raise UserError("parse_profile_broken", name=name) from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise UserError("parse_profile_broken", name=name)
    return data


def list_profiles(folder: Path) -> list[str]:
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(path.stem for path in folder.glob("*.json") if PROFILE_NAME.fullmatch(path.stem))
