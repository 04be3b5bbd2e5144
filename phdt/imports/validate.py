"""Validation of an uploaded month before anything touches the dataset.

Input: the upload as a polars frame whose columns already carry canonical field names, values
still raw (text or numbers as read), plus ``_row`` (the row number in the source sheet), and the
family (:data:`FAMILIES`). Output: one report (:data:`REPORT`) listing, per row and column, what is
wrong, the value seen and how to fix it, in the `language` given to :func:`validate` (the reader's;
default Bahasa Indonesia), its texts the ``val_*`` keys of ``locales/<language>/domain.toml``; and
the typed rows without errors. The report holds rendered texts: a page that changes language
validates again to show it in the new one.
Errors block the import; warnings need an explicit confirmation from the data officer.

Every rule of ../shared/domain/DATA_SOURCES.md §3 that can be checked on one upload is here
(:data:`RULES`); the cascade and coverage checks reuse the rule ids and the carry-over slack of
the review meeting's :mod:`phdt.quality`, as warnings, so a value that passes here is not flagged
there the next day. Each rule is one function returning its report rows; all are vectorised,
except parsing, which calls the scalar parsers of :mod:`phdt.imports.parse` once per distinct
value.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date

import polars as pl
import polars.selectors as cs

from phdt import quality
from phdt.exports import csv_bytes, xlsx_bytes
from phdt.imports.match import code_expr, key_expr, match_desa, name_expr
from phdt.imports.normalise import AGGREGATE, FAMILIES, PROGRAMME, SERVICE_DATE, complete_long
from phdt.imports.normalise import SASARAN_FAMILY as SASARAN
from phdt.imports.parse import parse_date, parse_number, parse_period, sasaran_group
from phdt.indicators import INDICATORS, REGISTRY, Kind
from phdt.privacy import masked
from phdt.sasaran import largest_remainder
from phdt.schema import ANTIGENS, LINE_LISTS, SASARAN_GROUPS, SOURCES, conform
from phdt.texts import DEFAULT_LANGUAGE, UserError, render, text, texts
from phdt.schema import SASARAN as SASARAN_SCHEMA

REPORT = pl.Schema({
    "row": pl.Int64,  # row number in the source sheet; 0 = the whole file
    "column": pl.String,  # canonical field name
    "rule": pl.String,  # key of RULES
    "severity": pl.String,  # "error" blocks the import, "warning" needs a confirmation
    "value": pl.String,  # the value as seen in the file
    "message": pl.String,  # what is wrong (in the validation's language)
    "fix": pl.String,  # how to fix it (in the validation's language)
})
LANGUAGE: ContextVar[str] = ContextVar("validation_language", default=DEFAULT_LANGUAGE)  # set by validate()


def _t(key: str, **values: object) -> str:
    """The text `key` in the validation's language."""
    return text(LANGUAGE.get(), key, **values)


def _f(key: str, **values: object) -> str:
    """A ``pl.format`` template in the validation's language: named placeholders filled, ``{}`` kept."""
    template = texts(LANGUAGE.get())[key]
    return template.format(*["{}"] * template.count("{}"), **values)


def _speaking(function: Callable) -> Callable:
    """`function` takes ``language=`` and writes its report texts in it."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, language: str | None = None, **kwargs):
        if language is None:
            return function(*args, **kwargs)
        token = LANGUAGE.set(language)
        try:
            return function(*args, **kwargs)
        finally:
            LANGUAGE.reset(token)
    return wrapper
CLEAN_AGGREGATE = pl.Schema({
    "_row": pl.Int64, "period": pl.Date, "kode_desa": pl.String, "indicator_code": pl.String,
    "numerator_month": pl.Int32, "numerator_cum": pl.Int32, "denominator": pl.Int32,
})
CLEAN_SASARAN = pl.Schema({"_row": pl.Int64, **SASARAN_SCHEMA})


@dataclass(frozen=True)
class Rule:
    severity: str
    title: str  # Bahasa, for legends and summaries


RULES: dict[str, Rule] = {
    "no_rows": Rule("error", "Berkas tanpa baris data"),
    "missing_column": Rule("error", "Kolom wajib tidak ada"),
    "missing_value": Rule("error", "Nilai wajib kosong"),
    "invalid_number": Rule("error", "Angka tidak terbaca"),
    "invalid_date": Rule("error", "Tanggal tidak terbaca"),
    "invalid_period": Rule("error", "Periode tidak terbaca"),
    "invalid_value": Rule("error", "Nilai tidak dikenal"),
    "derived_indicator": Rule("error", "Indikator turunan tidak diimpor"),
    "unknown_code": Rule("error", "Kode wilayah tidak dikenal"),
    "other_kabupaten": Rule("error", "Kode desa kabupaten/kota lain"),
    "unknown_kecamatan": Rule("error", "Kecamatan tidak dikenal"),
    "ambiguous_name": Rule("error", "Nama desa ganda"),
    "unmatched_name": Rule("error", "Nama desa tidak ditemukan"),
    "wilayah_mismatch": Rule("warning", "Kode dan nama wilayah tidak cocok"),
    "outside_area": Rule("error", "Desa di luar wilayah kerja puskesmas"),
    "total_mismatch": Rule("warning", "Baris jumlah tidak sama dengan jumlah desa"),
    "duplicate_conflict": Rule("error", "Baris ganda dengan nilai berbeda"),
    "duplicate_row": Rule("warning", "Baris ganda (salinan tidak dipakai)"),
    "split_mismatch": Rule("warning", "Total tidak sama dengan jumlah L + P"),
    "duplicate_event": Rule("warning", "Layanan yang sama tercatat dua kali"),
    "negative_value": Rule("error", "Nilai negatif"),
    "out_of_range": Rule("warning", "Nilai tidak wajar"),
    "future_period": Rule("error", "Periode di masa depan"),
    "future_date": Rule("error", "Tanggal di masa depan"),
    "date_order": Rule("error", "Urutan tanggal tidak mungkin"),
    "cumulative_decrease": Rule("error", "Kumulatif turun dalam berkas"),
    "cumulative_below_loaded": Rule("warning", "Kumulatif lebih kecil dari bulan lalu yang sudah dimuat"),
    "period_loaded": Rule("warning", "Periode sudah ada: akan menggantikan"),
    "partial_year": Rule("warning", "Daftar tidak mulai Januari"),
    "antigen_not_tracked": Rule("warning", "Antigen tidak dipakai dasbor"),
    "nik_format": Rule("warning", "Format NIK tidak valid"),
    "nik_missing": Rule("warning", "NIK kosong"),
    "nik_numeric": Rule("warning", "NIK tersimpan sebagai angka Excel (bisa dibulatkan)"),
    "nik_merged": Rule("warning", "NIK sama untuk orang berbeda"),
    "id_fallback": Rule("warning", "Anak tanpa ID: dihitung dengan pengenal pengganti"),
    "rounded": Rule("warning", "Angka berdesimal dibulatkan (total tetap)"),
    "sasaran_loaded": Rule("warning", "Sasaran tahun ini sudah ada: akan menggantikan"),
    "metode_missing": Rule("warning", "Metode estimasi sasaran tidak disebutkan"),
    "coverage_over_100": Rule("warning", quality.RULES["coverage_over_100"].description_id),
    **{rule: Rule("warning", quality.RULES[rule].description_id) for rule in quality.CONSISTENCY},
}


@dataclass(frozen=True)
class Field:
    kind: str  # text | code | nik | int | float | date | period | bool | indicator | pemeriksa | sex | antigen | source
    column: bool = False  # the column must be in the file
    value: bool = False  # every row needs a value


WILAYAH_FIELDS = {"kode_desa": Field("code"), "nama_desa": Field("text"), "kecamatan": Field("text"),
                  "puskesmas": Field("text")}
FIELDS: dict[str, dict[str, Field]] = {
    AGGREGATE: {
        **WILAYAH_FIELDS, "period": Field("period", True, True), "indicator_code": Field("indicator", True, True),
        "numerator_month": Field("int"), "numerator_cum": Field("int"),
        "denominator": Field("float"),  # projections have decimals ("60,49"): rounded by largest remainder
        "sex": Field("text"), "tahun": Field("text"),  # L/P rows are summed; a month-only Bulan takes the Tahun
    },
    "anc_kunjungan": {
        **WILAYAH_FIELDS, "id_kehamilan": Field("text", True, True), "nik_ibu": Field("nik"), "nama_ibu": Field("text"),
        "hpht": Field("date"), "tgl_kunjungan": Field("date", True, True), "kunjungan_ke": Field("int", True, True),
        "usia_kehamilan_minggu": Field("int", True, True), "pemeriksa": Field("pemeriksa", True, True),
        "usg": Field("bool"), "lila_cm": Field("float"), "hb_g_dl": Field("float"), "td_sistolik": Field("int"),
        "td_diastolik": Field("int"), "sumber": Field("source"),
    },
    "imunisasi_dosis": {
        **WILAYAH_FIELDS, "id_anak": Field("text"), "nik_ibu": Field("nik"), "nama_anak": Field("text"),
        "jenis_kelamin": Field("sex"), "tgl_lahir": Field("date", True, True), "antigen": Field("antigen", True, True),
        "tgl_imunisasi": Field("date", True, True), "sumber": Field("source"),
    },
    SASARAN: {
        **WILAYAH_FIELDS, "tahun": Field("int", True, True), "kelompok": Field("kelompok", True, True),
        "jumlah": Field("float", True, True), "metode": Field("text"),
    },
    "ptm_skrining": {
        **WILAYAH_FIELDS, "nik": Field("nik", True), "nama": Field("text"), "jenis_kelamin": Field("sex"),
        "tgl_lahir": Field("date", True, True), "tgl_skrining": Field("date", True, True),
        "td_sistolik": Field("int"), "td_diastolik": Field("int"), "gula_darah_mg_dl": Field("int"),
        "imt": Field("float"), "hipertensi": Field("bool", True), "dm": Field("bool", True), "sumber": Field("source"),
    },
}
ONE_OF: dict[str, list[tuple[str, ...]]] = {
    AGGREGATE: [("kode_desa", "nama_desa"), ("numerator_month", "numerator_cum")],
    **{family: [("kode_desa", "nama_desa")] for family in (*LINE_LISTS, SASARAN)},
}
YEARS = (2000, 2100)  # plausible sasaran years
METODE_UNKNOWN = "tidak disebutkan"
INT_MAX = {"Int8": 127, "Int16": 32_767, "Int32": 2_147_483_647}
# Plausible ranges of line-list measurements (outside: a warning, probably a typing slip).
RANGES = {
    "kunjungan_ke": (1, 20), "usia_kehamilan_minggu": (1, 45), "lila_cm": (10, 50), "hb_g_dl": (3, 20),
    "td_sistolik": (50, 300), "td_diastolik": (30, 200), "gula_darah_mg_dl": (20, 1000), "imt": (10, 80),
}
# (later date, earlier date it cannot precede)
DATE_ORDER = {"anc_kunjungan": [("tgl_kunjungan", "hpht")], "imunisasi_dosis": [("tgl_imunisasi", "tgl_lahir")],
              "ptm_skrining": [("tgl_skrining", "tgl_lahir")]}
# Same person, same service: a re-entered record.
EVENT_KEYS = {"anc_kunjungan": ("id_kehamilan", "tgl_kunjungan"), "imunisasi_dosis": ("id_anak", "antigen"),
              "ptm_skrining": ("nik", "tgl_skrining")}
NIK_COLUMNS = ("nik", "nik_ibu")
PLACEHOLDER_NIKS = [digit * 16 for digit in "0123456789"]
# Identifier columns Excel may turn into numbers, and what tells two people apart under one id.
ID_PERSON = {"nik": ("nama", "tgl_lahir"), "nik_ibu": ("nama_ibu",), "id_anak": ("nama_anak", "tgl_lahir"),
             "id_kehamilan": ("nama_ibu", "hpht")}
NUMERIC = "_num_"  # + column: the source cell was a number (see phdt.imports.pipeline.raw_frame)
SCIENTIFIC = r"^\d(?:[.,]\d+)?[eE]\+?\d+$"  # 3.30301E+15: Excel's display of a long number
PROVINCES = frozenset([*range(11, 20), 21, *range(31, 37), 51, 52, 53, *range(61, 66), *range(71, 77), 81, 82,
                       *range(91, 97)])  # Dukcapil province codes (Papua's new provinces 93-96 included)
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")
BLANKS = ("", "-", "–", "—")  # as phdt.imports.parse: the dash Excel users write for empty


@dataclass(frozen=True)
class Validation:
    report: pl.DataFrame  # REPORT, sorted by row
    clean: pl.DataFrame  # typed rows without errors (CLEAN_AGGREGATE, or `_row` + the line-list schema)
    family: str = ""
    dropped: tuple[int, ...] = field(default=())  # rows left out without an error (duplicate copies, ...)

    @property
    def errors(self) -> int:
        return int((self.report["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.report["severity"] == "warning").sum())

    @property
    def ok(self) -> bool:
        """No error: the import may go ahead once the warnings are confirmed."""
        return self.errors == 0


# --------------------------------------------------------------------------------------------
# Report rows
# --------------------------------------------------------------------------------------------


def _x(value: str | pl.Expr) -> pl.Expr:
    return pl.lit(value, pl.String) if isinstance(value, str) else value.cast(pl.String)


def _issues(df: pl.DataFrame, when: pl.Expr, rule: str, column: str | pl.Expr, value: str | pl.Expr,
            message: str | pl.Expr, fix: str | pl.Expr) -> pl.DataFrame:
    """Report rows for the rows of `df` where `when` holds."""
    return df.filter(when).select(
        row=pl.col("_row").cast(pl.Int64), column=_x(column), rule=pl.lit(rule),
        severity=pl.lit(RULES[rule].severity), value=_x(value), message=_x(message), fix=_x(fix),
    )


def _empty() -> pl.DataFrame:
    return REPORT.to_frame()


def _raw(column: str) -> pl.Expr:
    return pl.col(f"_raw_{column}")


def _month_name(expr: pl.Expr) -> pl.Expr:
    return pl.format("{} {}", expr.dt.month().cast(pl.Int64).replace_strict(
        dict(enumerate(texts(LANGUAGE.get())["months"], start=1)), return_dtype=pl.String), expr.dt.year())


# --------------------------------------------------------------------------------------------
# Values: one converter per kind (scalar, called once per distinct value), raising ValueError
# --------------------------------------------------------------------------------------------


def _k(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[^a-z0-9]", "", str(value).lower())


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    key = _k(value)
    if key in {"ya", "y", "iya", "yes", "true", "1", "v", "ada", "benar", "positif", "pos"}:
        return True
    if key in {"tidak", "t", "tdk", "tak", "no", "n", "false", "0", "bukan", "negatif", "neg"}:
        return False
    raise UserError("val_not_bool", value=value)


def _pemeriksa(value: object) -> str:
    key = _k(value)
    if key.startswith("dr") or "dokter" in key or "spog" in key:
        return "dokter"
    if "bidan" in key or key.startswith("bd"):
        return "bidan"
    raise UserError("val_not_pemeriksa", value=value)


def _sex(value: object) -> str:
    key = _k(value)
    if key in {"l", "lk", "laki", "lakilaki", "pria", "m", "male"}:
        return "L"
    if key in {"p", "pr", "perempuan", "wanita", "w", "f", "female"}:
        return "P"
    raise UserError("val_not_sex", value=value)


UNTRACKED_ANTIGEN = re.compile(r"^((dpt|dpthbhib|dpthb|dtp|penta|pentavalen)4|(mr|campak|campakrubela)2|ipv2|pcv\d|"
                               r"(rv|rota|rotavirus)\d|td\d*|dt\d*|je\d*|hpv\d*|ibl|idl)$")


def _antigen(value: object) -> str:
    """A tracked antigen (phdt.schema.ANTIGENS), or another known antigen prefixed "lain:".
    Apps add notes in brackets: "Campak Rubela (MR)", "HB0 (<24 Jam)", "DPT-HB-Hib (1)"; the name
    is tried as written, then without the bracket, then as the bracket alone."""
    text = str(value)
    outside, inside = re.sub(r"\(.*?\)", " ", text), " ".join(re.findall(r"\((.*?)\)", text))
    for candidate in dict.fromkeys((text, outside, inside)):
        try:
            return _antigen_name(candidate)
        except ValueError:
            continue
    raise UserError("val_not_antigen", value=value)


def _antigen_name(value: object) -> str:
    key = _k(value)
    if key.startswith(("hb0", "hbo", "hepb0", "hepatitisb0", "hepatitisbo")):
        return "hb0"
    if key == "bcg":
        return "bcg"
    if m := re.fullmatch(r"(b?opv|polio|poliotetes)([1-4])", key):
        return f"polio{m[2]}"
    if m := re.fullmatch(r"(dpt|dpthbhib|dpthb|dtp|penta|pentavalen)([1-3])", key):
        return f"dpt{m[2]}"
    if key in {"ipv", "ipv1"}:
        return "ipv1"
    if key in {"mr", "mr1", "campak", "campak1", "campakrubela", "campakrubela1"}:
        return "mr1"
    if UNTRACKED_ANTIGEN.fullmatch(key):
        return f"lain:{key}"
    raise UserError("val_not_antigen", value=value)


SOURCE_ALIASES = {s.replace("_", ""): s for s in SOURCES} | {"ekohortkia": "ekohort", "simpus": "epuskesmas",
                                                             "pwskiaexcel": "pws_kia"}


def _source(value: object) -> str:
    key = _k(value)
    if key in SOURCE_ALIASES:
        return SOURCE_ALIASES[key]
    raise UserError("val_not_source", value=value)


def _indicator_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for ind in REGISTRY:
        for name in (ind.slug, ind.slug.split("_", 1)[1], ind.label_id):
            aliases.setdefault(_k(name), ind.slug)
    return aliases | {"k1": "anc_k1", "mr": "imm_mr1", "penta1": "imm_dpt1", "penta3": "imm_dpt3",
                      "pentavalen1": "imm_dpt1", "pentavalen3": "imm_dpt3"}


INDICATOR_ALIASES = _indicator_aliases()


def _indicator(value: object) -> str:
    key = _k(value)
    if key in INDICATOR_ALIASES:
        return INDICATOR_ALIASES[key]
    raise UserError("val_not_indicator", value=value)


def _nik(value: object) -> str:
    """NIK as a digit string: Excel numbers, spaces, dots and a leading apostrophe removed. The
    format itself is checked by :func:`nik_format` (a warning, never a parse error)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"[\s.'\-]", "", str(value)) or None


CONVERTERS: dict[str, tuple[Callable[[object], object], pl.DataType, str]] = {
    # kind: (converter, dtype, rule for a failure)
    "int": (parse_number, pl.Float64, "invalid_number"),
    "float": (parse_number, pl.Float64, "invalid_number"),
    "date": (parse_date, pl.Date, "invalid_date"),
    "period": (parse_period, pl.Date, "invalid_period"),
    "bool": (_bool, pl.Boolean, "invalid_value"),
    "pemeriksa": (_pemeriksa, pl.String, "invalid_value"),
    "sex": (_sex, pl.String, "invalid_value"),
    "antigen": (_antigen, pl.String, "invalid_value"),
    "source": (_source, pl.String, "invalid_value"),
    "indicator": (_indicator, pl.String, "invalid_value"),
    "kelompok": (sasaran_group, pl.String, "invalid_value"),
    "nik": (_nik, pl.String, "invalid_value"),
}
KIND_DTYPE = {"int": pl.Int64, "float": pl.Float64, "date": pl.Date, "period": pl.Date, "bool": pl.Boolean}
FIXES = ("invalid_number", "invalid_date", "invalid_period")  # texts val_fix_<rule>
VALUE_FIXES = ("int", "bool", "pemeriksa", "sex", "antigen", "source", "kelompok", "indicator")  # val_fix_<kind>,
# by field kind, before FIXES: a count refuses "12,5"
CHOICES = {"antigen": ANTIGENS, "source": SOURCES, "kelompok": SASARAN_GROUPS}  # {choices} of a fix


def _convert(series: pl.Series, kind: str) -> tuple[pl.Series, pl.Series]:
    """(typed values, error message or null) for one raw column; blanks become null, no error.
    The scalar converter runs once per distinct value, then the result is joined back."""
    fn, dtype, _ = CONVERTERS[kind]
    no_errors = pl.repeat(None, len(series), dtype=pl.String, eager=True).alias(series.name)
    if kind in ("int", "float") and series.dtype.is_numeric():
        return series.cast(pl.Float64).fill_nan(None), no_errors
    if kind in ("date", "period") and series.dtype in (pl.Date, pl.Datetime):
        typed = series.cast(pl.Date)
        return (typed.dt.truncate("1mo") if kind == "period" else typed), no_errors
    if kind == "bool" and series.dtype == pl.Boolean:
        return series, no_errors
    if kind == "nik" and series.dtype == pl.String:  # :func:`_nik` on every row at once (ids are mostly distinct)
        digits = series.str.strip_chars().str.replace_all(r"[\s.'\-]", "")
        keep = ~series.str.strip_chars().is_in(BLANKS) & (digits != "")
        return digits.zip_with(keep.fill_null(False), pl.Series([None], dtype=pl.String)), no_errors
    uniques = series.unique(maintain_order=True)
    values: list[object] = []
    errors: list[str | None] = []
    for value in uniques.to_list():
        blank = value is None or (isinstance(value, str) and value.strip() in BLANKS) or (
            isinstance(value, float) and math.isnan(value))
        if blank:
            values.append(None)
            errors.append(None)
            continue
        try:
            values.append(fn(value.strip() if isinstance(value, str) else value))
            errors.append(None)
        except (ValueError, TypeError, OverflowError) as exc:
            values.append(None)
            errors.append(render(exc, LANGUAGE.get()).rstrip(".") or _t("val_unreadable"))
    typed = series.replace_strict(uniques, pl.Series(values, dtype=dtype, strict=False), default=None,
                                  return_dtype=dtype)
    typed = typed.fill_nan(None) if dtype == pl.Float64 else typed
    if all(e is None for e in errors):
        return typed, no_errors
    return typed, series.replace_strict(uniques, pl.Series(errors, dtype=pl.String), default=None,
                                        return_dtype=pl.String)


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def missing_columns(frame: pl.DataFrame, family: str, has_sasaran: bool = False) -> pl.DataFrame:
    """Required columns (and one-of groups) absent from the file, or no row at all: nothing else
    can be checked."""
    cols = set(frame.columns)
    rows: list[tuple[str, str, str]] = []
    for name, spec in FIELDS[family].items():
        if spec.column and name not in cols:
            rows.append((name, _t("val_missing_column", name=name), _t("val_missing_column_fix", name=name)))
    for group in ONE_OF[family]:
        if not cols & set(group):
            names = _t("val_or").join(f"'{g}'" for g in group)
            rows.append((group[0], _t("val_missing_one_of", names=names), _t("val_missing_one_of_fix", names=names)))
    if family == AGGREGATE and "denominator" not in cols and not has_sasaran:
        rows.append(("denominator", _t("val_no_denominator_column"), _t("val_no_denominator_column_fix")))
    report = [(0, c, "missing_column", "error", "", m, f) for c, m, f in rows]
    if frame.height == 0:
        report.append((0, "", "no_rows", "error", "", _t("val_no_rows"), _t("val_no_rows_fix")))
    return pl.DataFrame(report, schema=REPORT, orient="row")


def type_errors(typed: pl.DataFrame, fields: dict[str, Field]) -> pl.DataFrame:
    """Values that do not parse (numbers, dates, periods, vocabularies) and non-whole counts."""
    parts = []
    for name, spec in fields.items():
        if f"_err_{name}" not in typed.columns:
            continue
        rule = CONVERTERS[spec.kind][2]
        key = (f"val_fix_{spec.kind}" if spec.kind in VALUE_FIXES else f"val_fix_{rule}" if rule in FIXES
               else "val_fix_invalid_value")
        fix = _t(key, **({"choices": ", ".join(CHOICES[spec.kind])} if spec.kind in CHOICES else {}))
        parts.append(_issues(typed, pl.col(f"_err_{name}").is_not_null(), rule, name, _raw(name),
                             pl.format(_f("val_type_error"), pl.lit(name), pl.col(f"_err_{name}")), fix))
    return pl.concat([_empty(), *parts])


def missing_values(typed: pl.DataFrame, fields: dict[str, Field], family: str) -> pl.DataFrame:
    """Required cells left empty (blank, or a dash); a value that does not parse is reported by
    type_errors instead."""
    def empty(name: str) -> pl.Expr:
        if name not in typed.columns:
            return pl.lit(True)
        err = pl.col(f"_err_{name}").is_null() if f"_err_{name}" in typed.columns else pl.lit(True)
        return pl.col(name).is_null() & err

    parts = [
        _issues(typed, empty(name), "missing_value", name, _raw(name), pl.format(_f("val_empty"), pl.lit(name)),
                _t("val_empty_fix", name=name))
        for name, spec in fields.items() if spec.value and name in typed.columns
    ]
    if family == AGGREGATE:
        parts.append(_issues(typed, empty("numerator_month") & empty("numerator_cum"), "missing_value",
                             "numerator_month", "", _t("val_no_numerator"), _t("val_no_numerator_fix")))
    return pl.concat([_empty(), *parts])


def wilayah_issues(matched: pl.DataFrame, wilayah: pl.DataFrame) -> pl.DataFrame:
    """Unknown codes, unknown kecamatan, ambiguous and unmatched names (errors, with the
    candidates in the fix text), and codes whose name or kecamatan in the row disagrees (warning)."""
    matched = matched.select(cs.by_name("_row", "kode_desa", "nama_desa", "kecamatan", "kode_desa_matched", "kode_kecamatan_matched",
                                        "match_note", "match_suggestions", require_all=False) | cs.starts_with("_raw_"))
    note = pl.col("match_note")
    suggestions = pl.col("match_suggestions").list.join("; ")
    code_value, name_value, kec_value = _raw("kode_desa"), _raw("nama_desa"), _raw("kecamatan")

    def with_hint(text: str) -> pl.Expr:
        return pl.when(pl.col("match_suggestions").list.len() > 0).then(
            pl.format(text.replace("{", "{{").replace("}", "}}") + _f("val_hint"), suggestions)
        ).otherwise(pl.lit(text))

    parts = [
        _issues(matched, note == "kode_tidak_dikenal", "unknown_code", "kode_desa", code_value,
                pl.format(_f("val_unknown_code"), code_value), with_hint(_t("val_unknown_code_fix"))),
        _issues(matched, note == "kabupaten_lain", "other_kabupaten", "kode_desa", code_value,
                pl.format(_f("val_other_kabupaten"),
                          code_value, pl.col("kode_desa_matched").fill_null(code_expr(pl.col("kode_desa")))
                          .str.slice(0, 5)),
                _t("val_other_kabupaten_fix")),
        _issues(matched, note == "kecamatan_tidak_dikenal", "unknown_kecamatan", "kecamatan", kec_value,
                pl.format(_f("val_unknown_kecamatan"), kec_value), with_hint(_t("val_unknown_kecamatan_fix"))),
        _issues(matched, note == "nama_ganda", "ambiguous_name", "nama_desa", name_value,
                pl.format(_f("val_ambiguous_name"), name_value), pl.format(_f("val_ambiguous_name_fix"), suggestions)),
        _issues(matched, note == "nama_tidak_dikenal", "unmatched_name", "nama_desa", name_value,
                pl.format(_f("val_unmatched_name"), name_value,
                          pl.when(pl.col("kode_kecamatan_matched").is_not_null())
                          .then(pl.format(" (kecamatan {})", kec_value)).otherwise(pl.lit(""))),
                with_hint(_t("val_unmatched_name_fix"))),
        _issues(matched, note == "kosong", "missing_value", "kode_desa", "", _t("val_no_desa"), _t("val_no_desa_fix")),
    ]
    reg = wilayah.select(kode_desa_matched=pl.col("kode_desa").cast(pl.String), _reg_nama="nama_desa",
                         _reg_kec=pl.col("kode_kecamatan").cast(pl.String), _reg_kec_nama="nama_kecamatan")
    by_code = matched.select("_row", "nama_desa", "kode_desa_matched", "kode_kecamatan_matched", "match_note",
                             _raw("nama_desa"), _raw("kecamatan")).filter(note == "kode").join(
        reg, on="kode_desa_matched", how="left")
    name_differs = (key_expr(pl.col("nama_desa")) != key_expr(pl.col("_reg_nama"))).fill_null(False)
    parts.append(_issues(by_code, name_differs, "wilayah_mismatch", "nama_desa", name_value,
                         pl.format(_f("val_name_mismatch"), "kode_desa_matched", "_reg_nama", name_value),
                         _t("val_name_mismatch_fix")))
    kec_differs = (pl.col("kode_kecamatan_matched") != pl.col("_reg_kec")).fill_null(False)
    parts.append(_issues(by_code, kec_differs, "wilayah_mismatch", "kecamatan", kec_value,
                         pl.format(_f("val_kecamatan_mismatch"), "kode_desa_matched", "_reg_kec_nama", kec_value),
                         _t("val_kecamatan_mismatch_fix")))
    return pl.concat([_empty(), *parts])


def derived_indicators(typed: pl.DataFrame) -> pl.DataFrame:
    """Zero-dose, drop-out and UCI are computed from their base indicators, never imported."""
    derived = {ind.slug: ind for ind in REGISTRY if ind.kind is not Kind.EVENT}
    bases = pl.col("indicator_code").replace_strict(
        {s: ", ".join(INDICATORS[b].label(LANGUAGE.get()) for b in ind.base) for s, ind in derived.items()}, default="",
        return_dtype=pl.String)
    return _issues(typed, pl.col("indicator_code").is_in(list(derived)), "derived_indicator", "indicator_code",
                   _raw("indicator_code"),
                   pl.format(_f("val_derived"), "indicator_code", bases), _t("val_derived_fix"))


def negative_values(typed: pl.DataFrame, fields: dict[str, Field]) -> pl.DataFrame:
    """Counts and measurements below zero."""
    parts = [
        _issues(typed, pl.col(name) < 0, "negative_value", name, _raw(name),
                pl.format(_f("val_negative"), pl.lit(name)), _t("val_negative_fix"))
        for name, spec in fields.items() if spec.kind in ("int", "float") and name in typed.columns
    ]
    return pl.concat([_empty(), *parts])


def out_of_range(typed: pl.DataFrame) -> pl.DataFrame:
    """Line-list measurements outside a plausible range (warning: perhaps a typing slip)."""
    parts = [
        _issues(typed, (pl.col(name) >= 0) & ~pl.col(name).is_between(lo, hi), "out_of_range", name, _raw(name),
                pl.format(_f("val_out_of_range"), pl.lit(name), _raw(name), pl.lit(lo), pl.lit(hi)),
                _t("val_out_of_range_fix"))
        for name, (lo, hi) in RANGES.items() if name in typed.columns
    ]
    return pl.concat([_empty(), *parts])


def future_periods(typed: pl.DataFrame, today: date) -> pl.DataFrame:
    """An aggregate for a month that has not started yet."""
    month = today.replace(day=1)
    return _issues(typed, pl.col("period") > month, "future_period", "period", _raw("period"),
                   pl.format(_f("val_future_period"), _month_name(pl.col("period")), pl.lit(today.isoformat())),
                   _t("val_future_period_fix"))


def future_dates(typed: pl.DataFrame, fields: dict[str, Field], today: date) -> pl.DataFrame:
    """Service or birth dates after today."""
    parts = [
        _issues(typed, pl.col(name) > today, "future_date", name, _raw(name),
                pl.format(_f("val_future_date"), pl.lit(name), pl.col(name), pl.lit(today.isoformat())),
                _t("val_future_date_fix"))
        for name, spec in fields.items() if spec.kind == "date" and name in typed.columns
    ]
    return pl.concat([_empty(), *parts])


def date_order(typed: pl.DataFrame, family: str) -> pl.DataFrame:
    """A service dated before the birth (or the last menstrual period) it follows."""
    parts = [
        _issues(typed, pl.col(later) < pl.col(earlier), "date_order", later, _raw(later),
                pl.format(_f("val_date_order"), pl.lit(later), pl.col(later), pl.lit(earlier), pl.col(earlier)),
                pl.lit(_t("val_date_order_fix", later=later, earlier=earlier)))
        for later, earlier in DATE_ORDER.get(family, []) if {later, earlier} <= set(typed.columns)
    ]
    return pl.concat([_empty(), *parts])


AGGREGATE_KEY = ["kode_desa_matched", "period", "indicator_code"]
TOTAL_SPLIT = ("t", "total", "jumlah", "lp", "l+p", "semua")  # a sex column's total rows


def split_rows(typed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Rows of one desa, month and indicator that differ by the sex (or another split) column are
    parts of one count: summed into the first part row, never treated as conflicting duplicates
    (that halved L/P recaps). A total row (T, L+P) wins over its parts; when they disagree, a
    warning names both numbers. A sasaran repeated on every part row is the desa's, taken once;
    different ones (sasaran L, sasaran P) are summed. Returns (typed, report rows, part rows to drop)."""
    split = pl.col("sex").str.to_lowercase().str.replace_all(r"\s", "")
    keyed = pl.all_horizontal(pl.col(k).is_not_null() for k in AGGREGATE_KEY)
    t = typed.with_columns(_part=keyed & pl.col("sex").is_not_null() & ~split.is_in(TOTAL_SPLIT)).with_columns(
        _has_total=(keyed & ~pl.col("_part")).any().over(AGGREGATE_KEY))
    values = ("numerator_month", "numerator_cum", "denominator")
    sums = t.filter(pl.col("_part")).group_by(AGGREGATE_KEY).agg(
        _first=pl.col("_row").min(), _parts=pl.col("_row").sort().cast(pl.String).str.join(" + "),
        **{f"_sum_{v}": pl.when(pl.col(v).null_count() > 0).then(None)
           .when((v == "denominator") & (pl.col(v).n_unique() == 1)).then(pl.col(v).first())
           .otherwise(pl.col(v).sum()) for v in values})
    t = t.join(sums, on=AGGREGATE_KEY, how="left", maintain_order="left")
    drop = t.filter(pl.col("_part") & (pl.col("_has_total") | (pl.col("_row") != pl.col("_first")))).select("_row")
    mismatch = ~pl.col("_part") & pl.col("_first").is_not_null() & pl.any_horizontal(
        (pl.col(v) != pl.col(f"_sum_{v}")).fill_null(False) for v in values[:2])
    report = _issues(t, mismatch, "split_mismatch", "numerator_month", _raw("numerator_month"),
                     pl.format(_f("val_split_mismatch"),
                               *[pl.col(c).cast(pl.Int64).cast(pl.String).fill_null("–") for c in (
                                   "numerator_month", "numerator_cum")], "_parts",
                               *[pl.col(c).cast(pl.Int64).cast(pl.String).fill_null("–") for c in (
                                   "_sum_numerator_month", "_sum_numerator_cum")]),
                     _t("val_split_mismatch_fix"))
    summed = pl.col("_part") & ~pl.col("_has_total")
    out = t.with_columns(**{v: pl.when(summed).then(pl.col(f"_sum_{v}")).otherwise(pl.col(v)) for v in values})
    return out.drop("_part", "_has_total", "_first", "_parts", *[f"_sum_{v}" for v in values]), report, drop


def month_and_year(frame: pl.DataFrame) -> pl.DataFrame:
    """A month-only Bulan column ("Januari", "1", "Jan") joined with the Tahun column."""
    if not {"period", "tahun"} <= set(frame.columns):
        return frame
    month, year = pl.col("period").cast(pl.String).str.strip_chars(), pl.col("tahun").cast(pl.String).str.strip_chars()
    return frame.with_columns(period=pl.when(month.str.contains(r"\d{4}") | year.is_null()).then(month)
                              .when(month.str.contains(r"^\d{1,2}$")).then(pl.format("{}-{}", year, month))
                              .otherwise(pl.format("{} {}", month, year)))
SASARAN_KEY = ["kode_desa_matched", "tahun", "kelompok"]


def duplicate_aggregates(typed: pl.DataFrame, key: list[str] = AGGREGATE_KEY,
                         values: tuple[str, ...] = ("numerator_month", "numerator_cum", "denominator"),
                         ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Same desa, period and indicator (or desa, year and sasaran group) twice: identical copies
    are a warning and only the first is used; copies with different values are errors on every
    copy (which one is right is unknowable). Returns (report rows, rows to drop)."""
    values = [c for c in values if c in typed.columns]
    d = typed.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key)).with_columns(
        _n=pl.len().over(key), _first=pl.col("_row").min().over(key),
        _rows=pl.col("_row").cast(pl.String).str.join(", ").over(key),
        _variants=pl.struct(values).n_unique().over(key) if values else pl.lit(1),
    ).filter(pl.col("_n") > 1)
    if key == SASARAN_KEY:
        where, column = pl.format(_f("val_where_sasaran"), "kode_desa_matched", "tahun", "kelompok"), "kelompok"
        fix = _t("val_split_fix_sasaran")
    else:
        where = pl.format(_f("val_where_count"), "kode_desa_matched", _month_name(pl.col("period")),
                          "indicator_code")
        column, fix = "indicator_code", _t("val_split_fix_count")
    conflict = _issues(d, pl.col("_variants") > 1, "duplicate_conflict", column, _raw(column),
                       pl.format(_f("val_duplicate_conflict"), "_rows", where), fix)
    copies = d.filter((pl.col("_variants") == 1) & (pl.col("_row") != pl.col("_first")))
    copy = _issues(copies, pl.lit(True), "duplicate_row", column, _raw(column),
                   pl.format(_f("val_duplicate_copy"), "_first", where, "_first"), _t("val_duplicate_copy_fix"))
    return pl.concat([conflict, copy]), copies.select("_row")


def _repeated(cols: list[str]) -> pl.Expr:
    """Rows whose values in `cols` may occur twice: one 64-bit hash per row instead of the rows
    themselves (a collision only adds a candidate; the caller compares the values)."""
    return pl.struct(cols).hash().is_duplicated()


def duplicate_line_rows(typed: pl.DataFrame, family: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Identical line-list rows (a re-entered record): warning, later copies dropped. Same person
    and service with different details: warning, kept (the aggregation counts a person once)."""
    cols = [c for c in LINE_LISTS[family] if c in typed.columns and c != "kode_desa"] + ["kode_desa_matched"]
    twins = typed.filter(_repeated(cols))  # few rows: the windows below stay small
    d = twins.with_columns(_first=pl.col("_row").min().over(cols), _n=pl.len().over(cols))
    copies = d.filter((pl.col("_n") > 1) & (pl.col("_row") != pl.col("_first")))
    report = [_issues(copies, pl.lit(True), "duplicate_row", cols[0], _raw(cols[0]),
                      pl.format(_f("val_duplicate_line"), "_first", "_first"), _t("val_duplicate_line_fix"))]
    key = [k for k in EVENT_KEYS[family] if k in typed.columns]
    if len(key) == len(EVENT_KEYS[family]):
        keyed = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
        e = typed.filter(keyed & _repeated(key)).join(copies.select("_row"), on="_row", how="anti").with_columns(
            _k_first=pl.col("_row").min().over(key), _k_n=pl.len().over(key))
        report.append(_issues(e, (pl.col("_k_n") > 1) & (pl.col("_row") != pl.col("_k_first")), "duplicate_event",
                              key[0], _raw(key[0]), pl.format(_f(f"val_duplicate_event_{family}"), "_k_first"),
                              _t("val_duplicate_event_fix")))
    return pl.concat([_empty(), *report]), copies.select("_row")


def untracked_antigens(typed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Antigens the dashboard does not count (PCV, RV, boosters): one warning per antigen, rows
    left out."""
    other = typed.filter(pl.col("antigen").str.starts_with("lain:"))
    first = other.with_columns(_n=pl.len().over("antigen")).filter(
        pl.col("_row") == pl.col("_row").min().over("antigen"))
    report = _issues(first, pl.lit(True), "antigen_not_tracked", "antigen", _raw("antigen"),
                     pl.format(_f("val_untracked_antigen"), _raw("antigen"), "_n"),
                     _t("val_untracked_antigen_fix", choices=", ".join(ANTIGENS)))
    return report, other.select("_row")


FALLBACK_SOURCES = ("ibu", "nama", "baris")  # prefixes of history.FALLBACK_ID; texts val_fallback_<prefix>


def _row_digest(values: str) -> str:
    return hashlib.sha256(values.encode()).hexdigest()[:16]


def fallback_ids(typed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Doses without the child's id (a newborn has no NIK yet) are counted under an id built from
    the row, the same on every import of the same file so a month imported again is not counted
    twice: ``ibu:<nik_ibu>:<tgl_lahir>``, else ``nama:<nama_anak>:<tgl_lahir>:<kode_desa>``, else
    ``baris:<digest of the row's values>``; twins of one mother keep their names apart.
    :func:`phdt.imports.history.link_children` later links the child by the mother's NIK and birth
    date. One warning for antigens other than HB0 (given at birth, before any NIK)."""
    missing = pl.col("id_anak").is_null()
    born, name = pl.col("tgl_lahir").dt.strftime("%Y-%m-%d"), name_expr(pl.col("nama_anak"))
    twins = pl.when(missing).then(name).drop_nulls().n_unique().over("nik_ibu", "tgl_lahir") > 1
    values = pl.concat_str([pl.col(c).fill_null("") for c in sorted(typed.columns) if c.startswith("_raw_")],
                           separator="\x1f")
    fallback = (
        pl.when(pl.col("nik_ibu").is_not_null() & born.is_not_null())
        .then(pl.format("ibu:{}:{}", "nik_ibu", born) + pl.when(twins).then(pl.format(":{}", name)).otherwise(pl.lit("")))
        .when(name.is_not_null() & born.is_not_null()).then(pl.format("nama:{}:{}:{}", name, born, "kode_desa_matched"))
        .when(born.is_not_null()).then(pl.lit("baris:") + values.map_elements(_row_digest, return_dtype=pl.String))
    )
    out = typed.with_columns(id_anak=pl.coalesce("id_anak", fallback), _fallback=missing)
    later = out.filter(pl.col("_fallback") & pl.col("id_anak").is_not_null() & (pl.col("antigen") != "hb0"))
    out = out.drop("_fallback")
    if later.height == 0:
        return out, _empty()
    kinds = later.group_by(_kind=pl.col("id_anak").str.extract(r"^(\w+):")).len()
    how = ", ".join(_t("val_fallback_part", n=n, source=_t(f"val_fallback_{k}"))
                    for k, n in kinds.sort("_kind").iter_rows())
    return out, pl.DataFrame([(int(later["_row"].min()), "id_anak", "id_fallback", RULES["id_fallback"].severity, "",
                               _t("val_id_fallback", n=later.height, how=how), _t("val_id_fallback_fix"))],
                             schema=REPORT, orient="row")


def nik_format(typed: pl.DataFrame, family: str) -> pl.DataFrame:
    """NIK checks (warning): 16 digits, a Dukcapil province code, a plausible birth day (01–31,
    41–71 for women) and month, not a placeholder. A missing NIK is flagged where it is the
    person key (PTM screening)."""
    parts = []
    for name in NIK_COLUMNS:
        if name not in typed.columns:
            continue
        s = pl.col(name)
        day = s.str.slice(6, 2).cast(pl.Int32, strict=False)
        month = s.str.slice(8, 2).cast(pl.Int32, strict=False)
        problem = (
            pl.when(~s.str.contains(r"^\d+$")).then(pl.lit(_t("val_nik_digits")))
            .when(s.str.len_chars() != 16).then(pl.format(_f("val_nik_length"), s.str.len_chars()))
            .when(s.str.split("").list.n_unique() == 1).then(pl.lit(_t("val_nik_placeholder")))
            .when(~s.str.slice(0, 2).cast(pl.Int32, strict=False).is_in(sorted(PROVINCES)))
            .then(pl.format(_f("val_nik_province"), s.str.slice(0, 2)))
            .when(~(day.is_between(1, 31) | day.is_between(41, 71)))
            .then(pl.format(_f("val_nik_day"), s.str.slice(6, 2)))
            .when(~month.is_between(1, 12))
            .then(pl.format(_f("val_nik_month"), s.str.slice(8, 2)))
            .when(s.str.slice(12, 4) == "0000").then(pl.lit(_t("val_nik_serial")))
            .otherwise(None)
        )
        well_formed = (s.str.contains(r"^\d{16}$") & (s.str.slice(12, 4) != "0000") & ~s.is_in(PLACEHOLDER_NIKS)
                       & s.str.slice(0, 2).cast(pl.Int32, strict=False).is_in(sorted(PROVINCES))
                       & (day.is_between(1, 31) | day.is_between(41, 71)) & month.is_between(1, 12))
        suspect = typed.select("_row", name, _raw(name)).filter(s.is_not_null() & ~well_formed)  # messages for these only
        t = suspect.with_columns(_nik_problem=problem)
        parts.append(_issues(t, pl.col("_nik_problem").is_not_null(), "nik_format", name,
                             _raw(name), pl.format("{}.", "_nik_problem"), _t("val_nik_format_fix")))
        if family == "ptm_skrining" and name == "nik":
            parts.append(_issues(typed, s.is_null(), "nik_missing", name, _raw(name),
                                 _t("val_nik_missing"), _t("val_nik_missing_fix")))
    return pl.concat([_empty(), *parts])


def numeric_origin(frame: pl.DataFrame) -> pl.DataFrame:
    """Flag id cells of a column read as numbers (a frame not built by raw_frame)."""
    return frame.with_columns(pl.col(c).is_not_null().alias(NUMERIC + c) for c in ID_PERSON
                              if c in frame.columns and NUMERIC + c not in frame.columns and frame[c].dtype.is_numeric())


def _rows_text(rows: list[int]) -> str:
    return ", ".join(map(str, rows[:-1])) + _t("val_and") + str(rows[-1])


def nik_numeric(typed: pl.DataFrame, family: str) -> pl.DataFrame:
    """NIK-like ids that were Excel numbers (the cell, scientific notation, or a 16-digit value
    ending in 0 in a mostly numeric column): Excel keeps 15 significant digits, so the 16th may
    have become 0 and two people may share one id. One warning per column, and one per id whose
    rows differ in name or birth date (perhaps two people merged)."""
    parts = []
    for column, person in ID_PERSON.items():
        if column not in FIELDS[family] or column not in typed.columns:
            continue
        raw = _raw(column).str.strip_chars().str.replace(r"\.0+$", "")
        scientific = raw.str.contains(SCIENTIFIC)
        numeric = (pl.col(NUMERIC + column) if NUMERIC + column in typed.columns else pl.lit(False)) | scientific
        mostly = numeric.filter(raw.is_not_null()).mean() > 0.5
        suspect = (raw.str.contains(r"^\d{15,}$") | scientific) & (
            numeric | (mostly & raw.str.contains(r"^\d{15}0$"))).fill_null(False)
        hit = typed.filter(suspect)
        if hit.height == 0:
            continue
        first = hit.row(0, named=True)
        parts.append(pl.DataFrame([(first["_row"], column, "nik_numeric", RULES["nik_numeric"].severity,
                                    first[f"_raw_{column}"],
                                    _t("val_nik_numeric", n=hit.height, column=column, row=first["_row"]),
                                    _t("val_nik_numeric_fix", column=column))],
                                  schema=REPORT, orient="row"))
        parts.append(_merged(typed.join(hit.select(column).unique(), on=column, how="semi"), column,
                             [c for c in person if c in FIELDS[family]]))
    return pl.concat([_empty(), *parts])


def _merged(shared: pl.DataFrame, column: str, person: list[str]) -> pl.DataFrame:
    """Rows sharing one rounded id whose name or birth date differ."""
    if not person:  # a mother's NIK in a child's dose: siblings share it rightly
        return _empty()
    who = pl.struct(*[name_expr(pl.col(c)) if shared.schema[c] == pl.String else pl.col(c) for c in person])
    groups = (shared.group_by(column).agg(pl.col("_row").sort(), _people=who.n_unique())
              .filter(pl.col("_people") > 1).sort(pl.col("_row").list.first()))
    return pl.DataFrame([(rows[0], column, "nik_merged", RULES["nik_merged"].severity, value,
                          _t("val_nik_merged", rows=_rows_text(rows), column=column, value=value,
                             person="/".join(person)),
                          _t("val_nik_merged_fix", column=column))
                         for value, rows, _ in groups.iter_rows()], schema=REPORT, orient="row")


def cumulative_decreases(typed: pl.DataFrame) -> pl.DataFrame:
    """A cumulative (January to month) lower than an earlier month's of the same year in the file."""
    key = ["kode_desa_matched", "indicator_code", "_tahun"]
    c = (
        typed.filter(pl.col("numerator_cum").is_not_null() & pl.all_horizontal(
            pl.col(k).is_not_null() for k in ["kode_desa_matched", "indicator_code", "period"]))
        .with_columns(_tahun=pl.col("period").dt.year()).sort(*key, "period")
        .with_columns(_prev=pl.col("numerator_cum").shift(1).over(key), _prev_row=pl.col("_row").shift(1).over(key),
                      _prev_period=pl.col("period").shift(1).over(key))
    )
    return _issues(c, pl.col("numerator_cum") < pl.col("_prev"), "cumulative_decrease", "numerator_cum",
                   _raw("numerator_cum"),
                   pl.format(_f("val_cumulative_decrease"), "numerator_cum", _month_name(pl.col("period")), "_prev",
                             _month_name(pl.col("_prev_period")), "_prev_row"),
                   _t("val_cumulative_decrease_fix"))


def cumulative_below_loaded(typed: pl.DataFrame, current: pl.DataFrame | None) -> pl.DataFrame:
    """A cumulative lower than the loaded dataset's cumulative of the month before (same year),
    when the file does not bring that month itself: one of the two is wrong (warning: the file
    may be the correction)."""
    if current is None or "numerator_cum" not in typed.columns:
        return _empty()
    loaded = current.select(
        kode_desa_matched=pl.col("kode_desa").cast(pl.String), indicator_code=pl.col("indicator_code").cast(pl.String),
        _prev_period="period", _loaded="numerator_cum",
    ).filter(pl.col("_loaded").is_not_null())
    in_file = typed.select("kode_desa_matched", "indicator_code", _prev_period="period")
    c = (
        typed.filter(pl.col("numerator_cum").is_not_null() & (pl.col("period").dt.month() > 1))
        .with_columns(_prev_period=pl.col("period").dt.offset_by("-1mo"))
        .join(in_file, on=["kode_desa_matched", "indicator_code", "_prev_period"], how="anti")
        .join(loaded, on=["kode_desa_matched", "indicator_code", "_prev_period"], how="inner")
    )
    return _issues(c, pl.col("numerator_cum") < pl.col("_loaded"), "cumulative_below_loaded", "numerator_cum",
                   _raw("numerator_cum"),
                   pl.format(_f("val_cumulative_below_loaded"), "numerator_cum", _month_name(pl.col("period")),
                             _month_name(pl.col("_prev_period")), "_loaded"),
                   _t("val_cumulative_below_loaded_fix"))


def periods_loaded(typed: pl.DataFrame, family: str, current: pl.DataFrame | None) -> pl.DataFrame:
    """Months the loaded dataset already holds for the file's desa and indicators: one warning per
    month, at its first row. The caller asks whether to replace or keep them."""
    if current is None or typed.height == 0:
        return _empty()
    loaded = current.filter(pl.col("numerator_month").is_not_null()).select(
        pl.col("period"), kode_desa_matched=pl.col("kode_desa").cast(pl.String),
        indicator_code=pl.col("indicator_code").cast(pl.String))
    if family == AGGREGATE:
        rows = typed.select("_row", "period", "kode_desa_matched", "indicator_code")
        on = ["period", "kode_desa_matched", "indicator_code"]
    else:
        slugs = [ind.slug for ind in REGISTRY if ind.programme is PROGRAMME[family]]
        loaded = loaded.filter(pl.col("indicator_code").is_in(slugs)).select("period", "kode_desa_matched").unique()
        rows = typed.select("_row", "kode_desa_matched", period=pl.col(SERVICE_DATE[family]).dt.truncate("1mo"))
        on = ["period", "kode_desa_matched"]
    hit = (
        rows.join(loaded, on=on, how="semi")
        .group_by("period").agg(pl.col("_row").min(), _n=pl.len()).sort("_row")
    )
    return _issues(hit, pl.lit(True), "period_loaded", "period", pl.col("period").dt.strftime("%Y-%m"),
                   pl.format(_f("val_period_loaded" if family == AGGREGATE else "val_period_loaded_services"),
                             _month_name(pl.col("period")), "_n"),
                   _t("val_period_loaded_fix"))


def partial_year(typed: pl.DataFrame, family: str, history_from: date | None = None) -> pl.DataFrame:
    """A line list whose year starts after January, in the file and in the stored history
    (`history_from`: its earliest service date): cumulatives (and K4/K6, which need earlier visits)
    count only what is held."""
    when = SERVICE_DATE[family]
    t = typed.filter(pl.col(when).is_not_null())
    if t.height == 0:
        return _empty()
    first, last = t[when].min(), t[when].max()
    start = min(first, history_from) if history_from else first
    if start.year < last.year or start.month == 1:
        return _empty()
    row = t.filter(pl.col(when) == first).head(1)
    month = f"{texts(LANGUAGE.get())['months'][start.month - 1]} {start.year}"
    return _issues(row, pl.lit(True), "partial_year", when, _raw(when),
                   _t("val_partial_year" if start == first else "val_partial_year_stored", month=month,
                      year=last.year),
                   _t("val_partial_year_fix", year=start.year))


def coverage_over_100(completed: pl.DataFrame) -> pl.DataFrame:
    """Cumulative numerator above the denominator (quality rule ``coverage_over_100``)."""
    events = [ind.slug for ind in REGISTRY if ind.kind is Kind.EVENT]
    c = completed.filter(pl.col("indicator_code").is_in(events) & (pl.col("denominator") > 0))
    return _issues(c, pl.col("numerator_cum") > pl.col("denominator"), "coverage_over_100", "numerator_cum",
                   pl.col("numerator_cum"),
                   pl.format(_f("val_coverage_over_100"), "numerator_cum", "denominator",
                             (100 * pl.col("numerator_cum") / pl.col("denominator")).round(1)),
                   _t("val_coverage_over_100_fix"))


def cascade(completed: pl.DataFrame, slack: float | None = None) -> pl.DataFrame:
    """K1 ≥ K4 ≥ K6, K1 ≥ K1 murni, DPT1 ≥ DPT3, DPT1 ≥ MR1 on cumulatives (quality rule ids, as
    warnings), with the review meeting's carry-over slack of the annual sasaran."""
    slack = quality.Params().consistency_slack if slack is None else slack
    c = completed.select("_row", "period", "kode_desa_matched", "indicator_code", "numerator_cum", "denominator")
    parts = []
    for rule, (earlier, later, carry_over) in quality.CONSISTENCY.items():
        a = c.filter(pl.col("indicator_code") == earlier).select(
            "period", "kode_desa_matched", _a="numerator_cum", _den="denominator", _a_row="_row")
        b = c.filter(pl.col("indicator_code") == later)
        j = b.join(a, on=["period", "kode_desa_matched"]).with_columns(
            _allowed=(slack * pl.col("_den").fill_null(0)).floor().cast(pl.Int64) if carry_over else pl.lit(0))
        la, lb = INDICATORS[earlier].label(LANGUAGE.get()), INDICATORS[later].label(LANGUAGE.get())
        parts.append(_issues(
            j, (pl.col("numerator_cum") - pl.col("_a")) > pl.col("_allowed"), rule, "numerator_cum",
            pl.col("numerator_cum"),
            pl.format(_f("val_cascade", later=lb, earlier=la), "numerator_cum", "_a",
                      "_a_row", pl.when(pl.col("_allowed") > 0).then(
                          pl.format(_f("val_cascade_slack"), "_allowed")).otherwise(pl.lit(""))),
            _t("val_cascade_fix", later=lb, earlier=la)))
    return pl.concat([_empty(), *parts])


def rounded(typed: pl.DataFrame, column: str, over: list[str], skip: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`column` as whole numbers by largest remainder per `over` group (rows in `skip` left out),
    so the file's total per group stays the rounded true total; one warning when a value had
    decimals. Returns (typed with `column` as Int64, report rows)."""
    skipped = pl.col("_row").is_in(skip["_row"].cast(pl.Int64).to_list())
    value = pl.when(~skipped).then(pl.col(column))
    out = typed.with_columns(_orig=value, **{column: largest_remainder(value, over)})
    decimal = out.filter(pl.col("_orig").is_not_null() & (pl.col("_orig") != pl.col("_orig").round()))
    if decimal.height == 0:
        return out.drop("_orig"), _empty()
    example = decimal.head(1).row(0, named=True)
    group = out.filter(pl.all_horizontal(pl.col(c).eq_missing(example[c]) for c in over))
    true_total, total = group["_orig"].sum(), group[column].sum()
    where = ", ".join(f"{c.removesuffix('_matched')} {example[c]}" for c in over)
    report = pl.DataFrame([(0, column, "rounded", RULES["rounded"].severity, "",
                            _t("val_rounded", n=decimal.height, column=column, row=example["_row"],
                               value=example[f"_raw_{column}"], over=", ".join(c.removesuffix("_matched") for c in over),
                               where=where, true_total=_decimal(true_total), total=total),
                            _t("val_rounded_fix"))],
                          schema=REPORT, orient="row")
    return out.drop("_orig"), report


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def sasaran_long(frame: pl.DataFrame, year: int | None = None) -> pl.DataFrame:
    """A wide sasaran sheet (one column per group) as long rows, one per desa and group
    (``kelompok``, ``jumlah``), keeping the sheet row; `year`, chosen by the user, fills a missing
    Tahun column."""
    if year is not None and "tahun" not in frame.columns:
        frame = frame.with_columns(tahun=pl.lit(str(year)))
    groups = [g for g in SASARAN_GROUPS if g in frame.columns]
    if not groups:
        return frame
    index = [c for c in frame.columns if c not in (*groups, "kelompok", "jumlah")]
    wide = frame.select(*index, *[pl.col(g).cast(pl.String) for g in groups])
    return wide.unpivot(on=groups, index=index, variable_name="kelompok", value_name="jumlah").sort(
        "_row", maintain_order=True)


def implausible_years(typed: pl.DataFrame, today: date) -> pl.DataFrame:
    """A sasaran year that is not a year (2025, not 25 or 20255), or more than a year ahead."""
    last = today.year + 1
    return _issues(typed, ~pl.col("tahun").is_between(YEARS[0], last), "invalid_value", "tahun", _raw("tahun"),
                   pl.format(_f("val_year", first=YEARS[0], last=last), _raw("tahun")), _t("val_year_fix"))


def sasaran_loaded(typed: pl.DataFrame, sasaran: pl.DataFrame | None) -> pl.DataFrame:
    """Years whose sasaran the dataset already holds for the file's desa: replaced on commit."""
    if sasaran is None:
        return _empty()
    have = sasaran.select(kode_desa_matched=pl.col("kode_desa").cast(pl.String),
                          tahun=pl.col("tahun").cast(pl.Int64)).unique()
    hit = (typed.filter(pl.col("tahun").is_not_null()).join(have, on=["kode_desa_matched", "tahun"], how="semi")
           .group_by("tahun").agg(pl.col("_row").min(), _n=pl.col("kode_desa_matched").n_unique()).sort("_row"))
    return _issues(hit, pl.lit(True), "sasaran_loaded", "tahun", pl.col("tahun"),
                   pl.format(_f("val_sasaran_loaded"), "tahun", "_n", "tahun"), _t("val_sasaran_loaded_fix"))


def metode_missing(typed: pl.DataFrame) -> pl.DataFrame:
    """Rows without an estimation method: the sasaran is used, recorded as "tidak disebutkan"."""
    empty = typed.filter(pl.col("metode").is_null())
    if empty.height == 0:
        return _empty()
    return pl.DataFrame([(int(empty["_row"].min()), "metode", "metode_missing", RULES["metode_missing"].severity, "",
                          _t("val_metode_missing", n=empty["_row"].n_unique(), unknown=METODE_UNKNOWN),
                          _t("val_metode_missing_fix"))], schema=REPORT, orient="row")


# --------------------------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------------------------


def _typed(frame: pl.DataFrame, fields: dict[str, Field], family: str) -> pl.DataFrame:
    """Every known column parsed to its type (counts as Int64), with ``_raw_<col>`` (text as
    seen) and ``_err_<col>`` (why it did not parse) beside it; absent optional columns as nulls."""
    schema = LINE_LISTS.get(family, pl.Schema())
    out = frame.with_columns(pl.col(c).cast(pl.String).alias(f"_raw_{c}") for c in fields if c in frame.columns)
    for name, spec in fields.items():
        if name not in frame.columns:
            continue
        if spec.kind in ("text", "code"):
            s = pl.col(name).cast(pl.String).str.strip_chars()
            out = out.with_columns(pl.when(s.is_in(BLANKS)).then(None).otherwise(s).alias(name))
            continue
        typed, err = _convert(frame[name], spec.kind)
        if spec.kind == "int":  # counts: whole numbers that fit the schema's integer type
            limit = INT_MAX.get(str(schema.get(name, pl.Int32())), INT_MAX["Int32"])
            err = pl.select(
                pl.when(typed.is_not_null() & (typed != typed.round())).then(pl.lit(_t("val_not_whole")))
                .when(typed.is_not_null() & (typed.abs() > limit))
                .then(pl.format(_f("val_too_large"), typed.cast(pl.Int64, strict=False), pl.lit(limit)))
                .otherwise(err)
            ).to_series()
            typed = pl.select(pl.when(err.is_null()).then(typed.round().cast(pl.Int64, strict=False))).to_series()
        out = out.with_columns(typed.alias(name), err.alias(f"_err_{name}"))
    absent = [name for name in fields if name not in frame.columns]  # optional columns: present, empty
    return out.with_columns(
        *[pl.lit(None, KIND_DTYPE.get(fields[name].kind, pl.String)).alias(name) for name in absent],
        *[pl.lit(None, pl.String).alias(f"_raw_{name}") for name in absent],
        *[pl.lit(None, pl.String).alias(f"_err_{name}") for name in absent if fields[name].kind in CONVERTERS],
    )


def _clean(typed: pl.DataFrame, family: str, bad: pl.DataFrame) -> pl.DataFrame:
    """The typed rows without an error, in the family's schema (narrowed before filtering: only
    the kept columns are copied)."""
    schema = {AGGREGATE: CLEAN_AGGREGATE, SASARAN: CLEAN_SASARAN}.get(family) or pl.Schema(
        {"_row": pl.Int64, **LINE_LISTS[family]})
    keep = (typed.with_columns(kode_desa=pl.col("kode_desa_matched")).select(*schema)
            .filter(~pl.col("_row").is_in(bad["_row"].implode())))
    if family == SASARAN:
        keep = keep.with_columns(pl.col("metode").fill_null(METODE_UNKNOWN))
    return keep.select([pl.col(c).cast(t) for c, t in schema.items()])


@_speaking
def validate(
    frame: pl.DataFrame, family: str, wilayah: pl.DataFrame, *, today: date,
    current_monthly: pl.DataFrame | None = None, sasaran: pl.DataFrame | None = None, year: int | None = None,
    history_from: date | None = None,
) -> Validation:
    """Check an upload of `family` against every rule; see the module docstring.

    `current_monthly` is the loaded INDIKATOR_BULANAN (periods already loaded, last month's
    cumulative); `sasaran` (SASARAN schema) fills aggregate denominators the file leaves empty
    and tells which sasaran years a sasaran upload replaces; `year` is a sasaran file's year when
    it has no Tahun column; `history_from` is the earliest service date of the stored line list of
    `family` (None: nothing stored). ``language=`` (default Bahasa Indonesia) is the language of
    the report's messages and fixes.
    """
    if family not in FAMILIES:
        raise ValueError(f"jenis data tidak dikenal: {family!r} (pilihan: {', '.join(FAMILIES)})")
    fields = FIELDS[family]
    if "_row" not in frame.columns:
        frame = frame.with_row_index("_row", offset=2)  # header on sheet row 1
    frame = frame.with_columns(pl.col("_row").cast(pl.Int64))
    if family == SASARAN:
        frame = sasaran_long(frame, year)
    if family == AGGREGATE:
        frame = month_and_year(frame)
    frame = numeric_origin(frame)
    schema_issues = missing_columns(frame, family, has_sasaran=sasaran is not None)
    empty_clean = {AGGREGATE: CLEAN_AGGREGATE, SASARAN: CLEAN_SASARAN}.get(family)
    empty_clean = empty_clean.to_frame() if empty_clean is not None else pl.concat(
        [pl.DataFrame(schema={"_row": pl.Int64}), LINE_LISTS[family].to_frame()], how="horizontal")
    if schema_issues.height:
        return Validation(schema_issues, empty_clean, family)

    typed = match_desa(_typed(frame, fields, family), wilayah)
    parts = [type_errors(typed, fields), missing_values(typed, fields, family), wilayah_issues(typed, wilayah),
             negative_values(typed, fields), future_dates(typed, fields, today)]
    drops: list[pl.DataFrame] = []
    if family == AGGREGATE:
        parts += [derived_indicators(typed), future_periods(typed, today)]
        typed, split_report, split_drop = split_rows(typed)
        typed = typed.join(split_drop, on="_row", how="anti")
        dup_report, dup_rows = duplicate_aggregates(typed)
        typed, round_report = rounded(typed, "denominator", ["period", "indicator_code"], dup_rows)
        parts += [split_report, dup_report, round_report]
        drops += [split_drop, dup_rows]
        unique = typed.join(dup_rows, on="_row", how="anti").filter(
            pl.len().over("kode_desa_matched", "period", "indicator_code") == 1)
        parts += [cumulative_decreases(unique), cumulative_below_loaded(unique, current_monthly),
                  periods_loaded(unique, family, current_monthly)]
        keyed = unique.filter(pl.all_horizontal(pl.col(k).is_not_null()
                                                for k in ("kode_desa_matched", "period", "indicator_code")))
        completed = complete_long(keyed.with_columns(kode_desa=pl.col("kode_desa_matched")), sasaran=sasaran,
                                  current_monthly=current_monthly).with_columns(kode_desa_matched=pl.col("kode_desa"))
        parts += [coverage_over_100(completed), cascade(completed)]
        no_den = completed.filter(pl.col("denominator").is_null() & pl.col("_err_denominator").is_null()
                                  & pl.col("indicator_code").is_in([i.slug for i in REGISTRY if i.kind is Kind.EVENT]))
        parts.append(_issues(no_den, pl.lit(True), "missing_value", "denominator", "",
                             _t("val_no_denominator"), _t("val_no_denominator_fix")))
    elif family == SASARAN:
        dup_report, dup_rows = duplicate_aggregates(typed, SASARAN_KEY, ("jumlah", "metode"))
        typed, round_report = rounded(typed, "jumlah", ["tahun", "kelompok"], dup_rows)
        parts += [dup_report, round_report, implausible_years(typed, today), sasaran_loaded(typed, sasaran),
                  metode_missing(typed)]
        drops.append(dup_rows)
    else:
        if family == "imunisasi_dosis":
            typed, id_report = fallback_ids(typed)
            parts.append(id_report)
        parts += [out_of_range(typed), date_order(typed, family), nik_format(typed, family), nik_numeric(typed, family),
                  periods_loaded(typed, family, current_monthly), partial_year(typed, family, history_from)]
        dup_report, dup_rows = duplicate_line_rows(typed, family)
        parts.append(dup_report)
        drops.append(dup_rows)
        if family == "imunisasi_dosis":
            other_report, other_rows = untracked_antigens(typed)
            parts.append(other_report)
            drops.append(other_rows)
    report = pl.concat(parts).sort("row", maintain_order=True).with_columns(masked(pl.col("value", "message", "fix")))
    bad = pl.concat([report.filter(pl.col("severity") == "error").select(_row="row"),
                     *[d.select(pl.col("_row").cast(pl.Int64)) for d in drops]]).unique()
    dropped = tuple(sorted(pl.concat([d.select(pl.col("_row").cast(pl.Int64)) for d in drops])["_row"].to_list()))
    return Validation(report, _clean(typed, family, bad), family, dropped)


@_speaking
def total_mismatches(checks: pl.DataFrame) -> pl.DataFrame:
    """JUMLAH/TOTAL rows of a sheet whose count differs from the sum of its desa rows; `checks`
    has ``_row``, ``indicator_code``, ``column``, ``total`` and ``sum`` (phdt.imports.layout)."""
    if checks.is_empty():
        return _empty()
    total, summed = _count_text(pl.col("total")), _count_text(pl.col("sum"))
    return _issues(checks, pl.col("total") != pl.col("sum"), "total_mismatch", pl.col("column"), total,
                   pl.format(_f("val_total_mismatch"), "indicator_code", "column", total, summed),
                   _t("val_total_mismatch_fix"))


def _count_text(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == expr.round()).then(expr.cast(pl.Int64).cast(pl.String)).otherwise(expr.cast(pl.String))


@_speaking
def outside_area(report: pl.DataFrame, wilayah: pl.DataFrame, puskesmas: str) -> pl.DataFrame:
    """`report` of an upload matched within one puskesmas's wilayah kerja, with each unknown desa
    name or code that belongs to another puskesmas reported as such (rule outside_area)."""
    others = wilayah.filter(pl.col("puskesmas").cast(pl.String) != puskesmas)
    where = pl.col("puskesmas").cast(pl.String).unique().sort().str.join(", ")
    lookup = pl.concat([others.group_by(_key=key_expr(pl.col("nama_desa"))).agg(_where=where),
                        others.group_by(_key=pl.col("kode_desa").cast(pl.String)).agg(_where=where)])
    value = pl.col("value")
    keyed = report.with_columns(_key=pl.when(pl.col("rule") == "unmatched_name").then(key_expr(value))
                                .when(pl.col("rule") == "unknown_code").then(code_expr(value)))
    hit = pl.col("_where").is_not_null()
    return keyed.join(lookup, on="_key", how="left", maintain_order="left").with_columns(
        rule=pl.when(hit).then(pl.lit("outside_area")).otherwise("rule"),
        message=pl.when(hit).then(pl.format(_f("val_outside_area"), value, pl.lit(puskesmas), "_where"))
        .otherwise("message"),
        fix=pl.when(hit).then(pl.format(_f("val_outside_area_fix"), "_where"))
        .otherwise("fix"),
    ).select(*REPORT)


# --------------------------------------------------------------------------------------------
# Downloadable report
# --------------------------------------------------------------------------------------------


def _display(report: pl.DataFrame, language: str) -> pl.DataFrame:
    """The report as the data officer reads it: headers and severities in `language`, the file row as "(berkas)"."""
    return report.select(*REPORT).with_columns(
        pl.col("severity").replace({"error": text(language, "dq_error"), "warning": text(language, "dq_warning")}),
        pl.col("row").cast(pl.String).replace({"0": text(language, "val_whole_file")}),
    ).rename({c: text(language, f"report_{c}") for c in REPORT})


def report_bytes(report: pl.DataFrame, fmt: str = "csv", language: str = DEFAULT_LANGUAGE) -> bytes:
    """The report as a download, ``csv`` or ``xlsx``, safe against formulas (:mod:`phdt.exports`)."""
    if fmt == "csv":
        return csv_bytes(_display(report, language))
    if fmt == "xlsx":
        return xlsx_bytes(_display(report, language), text(language, "val_report_sheet"))
    raise ValueError(f"format laporan tidak dikenal: {fmt!r} (pilihan: csv, xlsx)")  # a programming error, not shown
