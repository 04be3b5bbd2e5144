"""Wilayah matching for uploaded rows: Kemendagri code first, then (kecamatan, name).

Exports write the same desa many ways: ``33.03.08.2013``, ``3303082013``, ``3303082013.0`` (a code
read as an Excel number), "Ds. Serayu Larangan", "SERAYULARANGAN". Codes and names are reduced
to one form before joining to the registry. Eight desa names occur in two kecamatan: such a
name is resolved only by the row's kecamatan column, never guessed. A name that is not in the
registry gets fuzzy suggestions, but is never accepted automatically: a wrong desa is worse than
a rejected row.

:func:`match_desa` adds to the frame

======================= ====================================================================
kode_desa_matched       dotted Kemendagri desa code, or null when the row could not be matched
kode_kecamatan_matched  dotted kecamatan code from the row's ``kecamatan`` column (code or name)
match_note              how (or why not): one of :data:`NOTES`
match_suggestions       list of "Nama (Kec. X, kode)" candidates for unmatched/ambiguous rows
======================= ====================================================================
"""

from __future__ import annotations

import difflib
import math

import polars as pl

NOTES = {
    "kode": "cocok berdasarkan kode desa",
    "nama": "cocok berdasarkan nama desa (nama unik di kabupaten)",
    "nama_kecamatan": "cocok berdasarkan nama desa dan kecamatan",
    "kosong": "kode dan nama desa kosong",
    "kode_tidak_dikenal": "kode desa tidak ada di daftar wilayah",
    "kabupaten_lain": "kode desa milik kabupaten/kota lain",
    "kecamatan_tidak_dikenal": "kecamatan tidak ada di daftar wilayah",
    "nama_ganda": "nama desa ada di lebih dari satu kecamatan",
    "nama_tidak_dikenal": "nama desa tidak ditemukan",
}
MATCHED = ("kode", "nama", "nama_kecamatan")
PREFIXES = r"^((ds|desa|kel|kelurahan|kec|kecamatan)\s+)+"
MAX_SUGGESTIONS = 3
SUGGEST_CUTOFF = 0.6


# --------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------


def code_expr(expr: pl.Expr) -> pl.Expr:
    """Dotted Kemendagri code (desa ``33.03.08.2013``, kecamatan ``33.03.08``, kabupaten ``33.03``)
    from any spelling: dots, spaces or dashes, an Excel number (``3303082013.0``, ``3.303082013E+09``)
    or a leading apostrophe (Excel's text marker). Anything else becomes null."""
    s = expr.cast(pl.String).str.strip_chars().str.strip_chars_start("'")
    scientific = s.str.contains(r"^\d\.\d+[eE]\+?\d+$")
    s = (
        pl.when(scientific).then(s.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(s.str.replace(r"^(\d+)\.0+$", "$1"))
    )
    digits = s.str.replace_all(r"[\s.\-]", "")
    return (
        pl.when(digits.str.contains(r"^\d{10}$")).then(digits.str.replace(r"^(\d\d)(\d\d)(\d\d)(\d{4})$", "$1.$2.$3.$4"))
        .when(digits.str.contains(r"^\d{6}$")).then(digits.str.replace(r"^(\d\d)(\d\d)(\d\d)$", "$1.$2.$3"))
        .when(digits.str.contains(r"^\d{4}$")).then(digits.str.replace(r"^(\d\d)(\d\d)$", "$1.$2"))
        .otherwise(None)
    )


def normalise_code(value: object) -> str | None:
    """One code in dotted form (see :func:`code_expr`), or None when it is not a code."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if math.isnan(value) or not value.is_integer():  # a fraction is not a code
            return None
        value = int(value)
    return pl.select(code_expr(pl.lit(str(value), pl.String))).item()


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def name_expr(expr: pl.Expr) -> pl.Expr:
    """Lowercase, punctuation to spaces, "Ds."/"Desa"/"Kel."/"Kelurahan"/"Kec." prefixes dropped,
    spaces collapsed; empty becomes null."""
    s = (
        expr.cast(pl.String).str.to_lowercase()
        .str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars()
        .str.replace(PREFIXES, "")
        .str.replace_all(r"\s+", " ").str.strip_chars()
    )
    return pl.when(s.str.len_chars() > 0).then(s).otherwise(None)


def key_expr(expr: pl.Expr) -> pl.Expr:
    """The join key: the normalised name without spaces ("Serayu Larangan" = "Serayularangan";
    the registry has no two desa that differ only by spacing)."""
    return name_expr(expr).str.replace_all(" ", "")


def normalise_name(text: object) -> str | None:
    """One name normalised as in :func:`name_expr`."""
    if text is None:
        return None
    return pl.select(name_expr(pl.lit(str(text), pl.String))).item()


def _key(text: object) -> str | None:
    name = normalise_name(text)
    return None if name is None else name.replace(" ", "")


# --------------------------------------------------------------------------------------------
# Registry lookups
# --------------------------------------------------------------------------------------------


def _registry(wilayah: pl.DataFrame) -> pl.DataFrame:
    return wilayah.select(
        pl.col("kode_desa").cast(pl.String), pl.col("kode_kecamatan").cast(pl.String), "nama_desa", "nama_kecamatan",
    ).with_columns(key=key_expr(pl.col("nama_desa")), kec_key=key_expr(pl.col("nama_kecamatan")))


def _resolve_kecamatan(value: object, reg: pl.DataFrame) -> str | None:
    code = normalise_code(value)
    kec = reg.select("kode_kecamatan", "kec_key").unique()
    if code is not None and code in kec["kode_kecamatan"].to_list():
        return code
    hit = kec.filter(pl.col("kec_key") == _key(value))
    return hit["kode_kecamatan"].item() if hit.height == 1 else None


def _display(rows: pl.DataFrame) -> list[str]:
    return [f"{r['nama_desa']} (Kec. {r['nama_kecamatan']}, {r['kode_desa']})" for r in rows.iter_rows(named=True)]


def _close(key: str | None, candidates: pl.DataFrame) -> pl.DataFrame:
    """Registry rows whose key is closest to `key` (difflib ratio ≥ cutoff), best first."""
    if not key or candidates.height == 0:
        return candidates.head(0)
    keys = candidates["key"].unique().to_list()
    best = difflib.get_close_matches(key, keys, n=MAX_SUGGESTIONS, cutoff=SUGGEST_CUTOFF)
    order = pl.DataFrame({"key": best, "_rank": list(range(len(best)))}, schema={"key": pl.String, "_rank": pl.Int64})
    return candidates.join(order, on="key").sort("_rank", "kode_desa").drop("_rank")


def suggest(name: object, wilayah: pl.DataFrame, kecamatan: object = None) -> list[str]:
    """Up to three registry desa names close to `name`, within `kecamatan` (name or code) when it
    is known. Suggestions only: the caller shows them, never applies them."""
    reg = _registry(wilayah)
    kec = _resolve_kecamatan(kecamatan, reg) if kecamatan is not None else None
    candidates = reg.filter(pl.col("kode_kecamatan") == kec) if kec is not None else reg
    return list(dict.fromkeys(_close(_key(name), candidates)["nama_desa"].to_list()))


# --------------------------------------------------------------------------------------------
# Matching a frame
# --------------------------------------------------------------------------------------------


def _null(dtype: pl.DataType = pl.String) -> pl.Expr:
    return pl.lit(None, dtype)


def match_desa(frame: pl.DataFrame, wilayah: pl.DataFrame) -> pl.DataFrame:
    """`frame` with the matching columns of the module docstring added (rows keep their order).

    Uses the optional columns ``kode_desa``, ``nama_desa`` and ``kecamatan`` (name or code). A code
    that is present but unknown is reported as such even when the name would match: a wrong code
    signals a shifted or mistyped row, so the name is offered as a suggestion only. Each distinct
    place is matched once (a line list of a million rows names a few hundred).
    """
    place = [c for c in ("kode_desa", "nama_desa", "kecamatan") if c in frame.columns]
    added = ["kode_desa_matched", "kode_kecamatan_matched", "match_note", "match_suggestions"]
    if not place:
        return _match_places(frame, wilayah)
    keys = frame.select(place)
    places = _match_places(keys.unique(maintain_order=True), wilayah).with_row_index("_pid")
    ids = keys.join(places.select(*place, "_pid"), on=place, how="left", nulls_equal=True, maintain_order="left")
    return frame.drop(added, strict=False).hstack(places.select(added)[ids["_pid"]])  # the frame is not copied


def _match_places(frame: pl.DataFrame, wilayah: pl.DataFrame) -> pl.DataFrame:
    reg = _registry(wilayah)
    cols = set(frame.columns)

    def raw(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.String).str.strip_chars() if c in cols else _null()

    f = frame.with_row_index("_m_idx").with_columns(
        _m_code_raw=raw("kode_desa"), _m_code=code_expr(pl.col("kode_desa")) if "kode_desa" in cols else _null(),
        _m_key=key_expr(pl.col("nama_desa")) if "nama_desa" in cols else _null(),
        _m_kec_raw=raw("kecamatan"),
        _m_kec_code=code_expr(pl.col("kecamatan")) if "kecamatan" in cols else _null(),
        _m_kec_key=key_expr(pl.col("kecamatan")) if "kecamatan" in cols else _null(),
    ).with_columns(pl.when(pl.col(c).str.len_chars() > 0).then(c).otherwise(None).alias(c)
                   for c in ("_m_code_raw", "_m_kec_raw"))

    # Every lookup is unique on its join key, so no row is ever duplicated; a kecamatan name shared
    # by two kecamatan (possible in a province-wide registry) resolves to nothing, never to one.
    kec = reg.select("kode_kecamatan", "kec_key").unique()
    by_code = kec.select(_m_kec_code="kode_kecamatan", _k1="kode_kecamatan")
    by_name = kec.group_by("kec_key").agg(_k2=pl.col("kode_kecamatan").first(), _kn=pl.len()).filter(
        pl.col("_kn") == 1).select(_m_kec_key="kec_key", _k2="_k2")
    codes = reg.select(_m_code="kode_desa", _c=pl.lit(True)).unique()
    name_counts = reg.group_by("key").agg(_n=pl.len(), _only=pl.col("kode_desa").first()).rename({"key": "_m_key"})
    in_kec = reg.group_by("key", "kode_kecamatan").agg(_kc=pl.col("kode_desa").first(), _kcn=pl.len()).select(
        _m_key="key", kode_kecamatan_matched="kode_kecamatan", _kc="_kc", _kcn="_kcn")

    f = (
        f.join(by_code, on="_m_kec_code", how="left").join(by_name, on="_m_kec_key", how="left")
        .with_columns(kode_kecamatan_matched=pl.coalesce("_k1", "_k2"))
        .join(codes, on="_m_code", how="left")
        .join(name_counts, on="_m_key", how="left")
        .join(in_kec, on=["_m_key", "kode_kecamatan_matched"], how="left")
        .sort("_m_idx")
    )
    code_given, kec_given = pl.col("_m_code_raw").is_not_null(), pl.col("_m_kec_raw").is_not_null()
    kabupaten = reg["kode_desa"].str.slice(0, 5).unique().to_list()
    elsewhere = pl.col("_m_code").is_not_null() & ~pl.col("_m_code").str.slice(0, 5).is_in(kabupaten)
    kec_known = pl.col("kode_kecamatan_matched").is_not_null()
    note = (
        pl.when(code_given & pl.col("_c").is_not_null()).then(pl.lit("kode"))
        .when(code_given & elsewhere).then(pl.lit("kabupaten_lain"))  # no local desa to suggest
        .when(code_given).then(pl.lit("kode_tidak_dikenal"))
        .when(pl.col("_m_key").is_null()).then(pl.lit("kosong"))
        .when(kec_given & ~kec_known).then(pl.lit("kecamatan_tidak_dikenal"))
        .when(kec_known & (pl.col("_kcn") > 1)).then(pl.lit("nama_ganda"))
        .when(kec_known & pl.col("_kc").is_not_null()).then(pl.lit("nama_kecamatan"))
        .when(kec_known).then(pl.lit("nama_tidak_dikenal"))
        .when(pl.col("_n") == 1).then(pl.lit("nama"))
        .when(pl.col("_n") > 1).then(pl.lit("nama_ganda"))
        .otherwise(pl.lit("nama_tidak_dikenal"))
    )
    f = f.with_columns(match_note=note).with_columns(
        kode_desa_matched=pl.when(pl.col("match_note") == "kode").then("_m_code")
        .when(pl.col("match_note") == "nama_kecamatan").then("_kc")
        .when(pl.col("match_note") == "nama").then("_only")
        .otherwise(None)
    )
    keys = ["match_note", "_m_key", "_m_kec_key", "kode_kecamatan_matched"]
    f = f.join(_suggestions(f, reg, keys), on=keys, how="left", nulls_equal=True).sort("_m_idx")
    return f.with_columns(pl.col("match_suggestions").fill_null(pl.lit([], pl.List(pl.String)))).select(
        *frame.columns, "kode_desa_matched", "kode_kecamatan_matched", "match_note", "match_suggestions")


def _suggestions(f: pl.DataFrame, reg: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Candidates per distinct problem (few: a loop over them is fine): the desa sharing an
    ambiguous name, fuzzy matches for an unknown name or kecamatan, and the name's desa for an
    unknown code."""
    todo = f.filter(pl.col("match_note").is_in(
        ["nama_ganda", "nama_tidak_dikenal", "kode_tidak_dikenal", "kecamatan_tidak_dikenal"])).select(keys).unique()
    kecamatan = reg.select("kode_kecamatan", "nama_kecamatan", "kec_key").unique()
    out: list[list[str]] = []
    for note, key, kec_key, kec in todo.iter_rows():
        if note == "kecamatan_tidak_dikenal":
            best = difflib.get_close_matches(kec_key or "", kecamatan["kec_key"].to_list(), n=MAX_SUGGESTIONS,
                                             cutoff=SUGGEST_CUTOFF)
            named = {k: (n, c) for c, n, k in kecamatan.iter_rows()}
            out.append([f"Kec. {named[k][0]} ({named[k][1]})" for k in best])
            continue
        if note == "nama_ganda" or note == "kode_tidak_dikenal":
            rows = reg.filter(pl.col("key").eq_missing(key)) if key is not None else reg.head(0)
            if kec is not None and note == "kode_tidak_dikenal":
                rows = rows.filter(pl.col("kode_kecamatan") == kec)
        else:
            rows = _close(key, reg.filter(pl.col("kode_kecamatan") == kec) if kec is not None else reg)
        out.append(_display(rows.sort("kode_desa") if note != "nama_tidak_dikenal" else rows))
    return todo.with_columns(match_suggestions=pl.Series(out, dtype=pl.List(pl.String)))
