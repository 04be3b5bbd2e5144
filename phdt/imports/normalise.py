"""Validated aggregate rows -> the canonical monthly aggregate (``phdt.schema.INDIKATOR_BULANAN``).

Long aggregates map row to row; whatever the file left empty is derived the way the PWS does:
the cumulative is January-to-month, the month is the difference of consecutive cumulatives, the
denominator is the annual sasaran of the indicator's group (``Indicator.denominator``). Months
before the file's first month come from the currently loaded dataset when it is given, so a
March-only upload still gets a correct January-to-March cumulative.

Line lists are aggregated together with their stored history (:mod:`phdt.imports.history`), by
the code that builds the demo. The output is the INDIKATOR_BULANAN schema and nothing else: NIK
and names (``phdt.schema.PERSONAL_COLUMNS``) cannot reach it.
"""

from __future__ import annotations


import polars as pl

from phdt.aggregate import _derived
from phdt.config import Settings
from phdt.config import settings as default_settings
from phdt.indicators import INDICATORS, REGISTRY, Kind, Programme
from phdt.schema import INDIKATOR_BULANAN, LINE_LISTS, SASARAN, SOURCES, conform

AGGREGATE = "aggregate_long"
SASARAN_FAMILY = "sasaran"  # annual denominators per desa, year and target group
FAMILIES = (AGGREGATE, *LINE_LISTS, SASARAN_FAMILY)
PROGRAMME = {"anc_kunjungan": Programme.ANC, "imunisasi_dosis": Programme.IMUNISASI, "ptm_skrining": Programme.PTM}
SERVICE_DATE = {"anc_kunjungan": "tgl_kunjungan", "imunisasi_dosis": "tgl_imunisasi", "ptm_skrining": "tgl_skrining"}
EVENT_SLUGS = tuple(ind.slug for ind in REGISTRY if ind.kind is Kind.EVENT)
SOURCE_SYSTEM = {AGGREGATE: "pws_kia", "anc_kunjungan": "ekohort", "imunisasi_dosis": "asik", "ptm_skrining": "asik"}
KEY = ["kode_desa", "indicator_code"]


def sasaran_denominators(sasaran: pl.DataFrame) -> pl.DataFrame:
    """Annual denominator per year, desa and event indicator, from a SASARAN frame."""
    groups = pl.DataFrame({
        "indicator_code": list(EVENT_SLUGS), "kelompok": [INDICATORS[s].denominator for s in EVENT_SLUGS],
    })
    return (
        sasaran.select(pl.col("tahun").cast(pl.Int32), pl.col("kode_desa").cast(pl.String),
                       pl.col("kelompok").cast(pl.String), pl.col("jumlah").cast(pl.Int64))
        .join(groups, on="kelompok")
        .group_by("tahun", "kode_desa", "indicator_code").agg(denominator=pl.col("jumlah").first())
    )


def complete_long(
    rows: pl.DataFrame, *, sasaran: pl.DataFrame | None = None, current_monthly: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`rows` (unique per desa, period and indicator) with empty numerators and denominators derived.

    Needs ``kode_desa``, ``period``, ``indicator_code`` and ``numerator_month``/``numerator_cum``/
    ``denominator`` (null where absent); returns them as Int64, in the same row order, plus
    ``cum_given`` (the cumulative came from the file). A month without a cumulative adds to the
    last known cumulative of its year (file or loaded dataset); a month count is the cumulative
    minus the previous month's, or the cumulative itself in January.
    """
    r = rows.with_row_index("_c_idx").with_columns(
        pl.col("numerator_month", "numerator_cum", "denominator").cast(pl.Int64),
        pl.col("kode_desa", "indicator_code").cast(pl.String),
        _tahun=pl.col("period").dt.year().cast(pl.Int32),
    )
    if sasaran is not None:
        den = sasaran_denominators(sasaran).rename({"tahun": "_tahun", "denominator": "_den"})
        r = r.join(den, on=["_tahun", *KEY], how="left", maintain_order="left").with_columns(
            denominator=pl.coalesce("denominator", "_den")).drop("_den")
    series = r.select(*KEY, "period", "_tahun", "numerator_month", "numerator_cum", "_c_idx")
    if current_monthly is not None and current_monthly.height:
        loaded = (
            current_monthly.lazy()
            .select(pl.col("kode_desa", "indicator_code").cast(pl.String), "period",
                    pl.col("numerator_month", "numerator_cum").cast(pl.Int64))
            .with_columns(_tahun=pl.col("period").dt.year().cast(pl.Int32))
            .join(series.lazy().select(*KEY, "_tahun").unique(), on=[*KEY, "_tahun"], how="semi")
            .join(series.lazy().select(*KEY, "period").unique(), on=[*KEY, "period"], how="anti")
            .filter(pl.col("period") < series["period"].max())
            .collect()
        )
        series = pl.concat([series, loaded], how="diagonal_relaxed")
    group = [*KEY, "_tahun"]
    cum = pl.col("numerator_cum")
    filled = (
        series.sort(*group, "period")
        .with_columns(_prev_period=pl.col("period").shift(1).over(group), _prev_cum=cum.shift(1).over(group))
        .with_columns(_month=pl.coalesce(
            "numerator_month",
            pl.when(pl.col("period").dt.month() == 1).then(cum),
            pl.when(pl.col("_prev_period") == pl.col("period").dt.offset_by("-1mo")).then(cum - pl.col("_prev_cum")),
        ))
        .with_columns(_s=pl.col("_month").fill_null(0).cum_sum().over(group))
        .with_columns(_base=pl.when(cum.is_not_null()).then(cum - pl.col("_s")).forward_fill().over(group))
        .with_columns(_cum=pl.coalesce(cum, pl.col("_base") + pl.col("_s"), pl.col("_s")))
        .filter(pl.col("_c_idx").is_not_null())
        .select("_c_idx", "_month", "_cum")
    )
    return (
        r.join(filled, on="_c_idx", how="left").sort("_c_idx")
        .with_columns(cum_given=pl.col("numerator_cum").is_not_null(), numerator_month=pl.col("_month"),
                      numerator_cum=pl.col("_cum"))
        .drop("_c_idx", "_tahun", "_month", "_cum")
    )


def to_monthly(
    clean: pl.DataFrame, family: str, wilayah: pl.DataFrame, settings: Settings | None = None,
    source_system: str = "manual", *, sasaran: pl.DataFrame | None = None,
    current_monthly: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The validated rows (``Validation.clean``) as INDIKATOR_BULANAN rows, sorted like the demo.

    `sasaran` (SASARAN schema) supplies missing aggregate denominators and the line lists'
    denominators; `current_monthly` (the loaded INDIKATOR_BULANAN) supplies the months before an
    aggregate file's first month for its cumulatives.
    """
    if family not in FAMILIES:
        raise ValueError(f"jenis data tidak dikenal: {family!r} (pilihan: {', '.join(FAMILIES)})")
    if source_system not in SOURCES:
        raise ValueError(f"sumber data tidak dikenal: {source_system!r} (pilihan: {', '.join(SOURCES)})")
    cfg = settings or default_settings()
    if clean.height == 0:
        return INDIKATOR_BULANAN.to_frame()
    if family == SASARAN_FAMILY:
        return redenominated(current_monthly, with_sasaran(sasaran, clean), clean, cfg)
    if family != AGGREGATE:
        raise ValueError("line lists are aggregated with their history: phdt.imports.history")
    out = _aggregate_rows(clean, wilayah, cfg, sasaran, current_monthly)
    return conform(out.with_columns(source_system=pl.lit(source_system)), INDIKATOR_BULANAN).sort(
        "indicator_code", "kode_desa", "period")


def with_sasaran(current: pl.DataFrame | None, imported: pl.DataFrame) -> pl.DataFrame:
    """The SASARAN table with the import's (year, desa, group) rows replacing the loaded ones;
    groups the file does not bring are kept."""
    new = conform(imported, SASARAN)
    if current is None:
        return new.sort("tahun", "kode_desa", "kelompok")
    key = ["tahun", "kode_desa", "kelompok"]
    kept = conform(current, SASARAN).join(new.select(key), on=key, how="anti")
    return pl.concat([kept, new]).sort(pl.col("tahun"), pl.col("kode_desa").cast(pl.String), pl.col("kelompok"))


def redenominated(monthly: pl.DataFrame | None, sasaran: pl.DataFrame, imported: pl.DataFrame,
                  cfg: Settings) -> pl.DataFrame:
    """The loaded monthly rows of the imported sasaran's years and desa, with denominators from
    `sasaran`: event indicators take their group's sasaran, zero-dose, drop-out and UCI are
    recomputed (:func:`derived_rows`). A month loaded before its year's sasaran thus gets its
    coverage as soon as the sasaran arrives."""
    if monthly is None or monthly.height == 0:
        return INDIKATOR_BULANAN.to_frame()
    cells = imported.select(pl.col("tahun").cast(pl.Int32), pl.col("kode_desa").cast(pl.String)).unique()
    rows = (
        monthly.with_columns(pl.col("kode_desa", "indicator_code", "puskesmas").cast(pl.String),
                             tahun=pl.col("period").dt.year().cast(pl.Int32))
        .join(cells, on=["tahun", "kode_desa"], how="semi")
    )
    den = sasaran_denominators(sasaran)
    events = (
        rows.filter(pl.col("indicator_code").is_in(EVENT_SLUGS))
        .join(den, on=["tahun", *KEY], how="left", suffix="_new")
        .with_columns(denominator=pl.col("denominator_new")).drop("denominator_new", "tahun")
    )
    source = rows.select("kode_desa", "period", "source_system").unique(["kode_desa", "period"])
    derived = derived_rows(events.drop("source_system"), cfg).join(source, on=["kode_desa", "period"], how="left")
    out = pl.concat([events, derived.with_columns(pl.col("source_system").fill_null("manual"))],
                    how="diagonal_relaxed")
    return conform(out, INDIKATOR_BULANAN).sort("indicator_code", "kode_desa", "period")


def _puskesmas(wilayah: pl.DataFrame) -> pl.DataFrame:
    return wilayah.select(pl.col("kode_desa").cast(pl.String), pl.col("puskesmas").cast(pl.String))


def _aggregate_rows(clean: pl.DataFrame, wilayah: pl.DataFrame, cfg: Settings, sasaran: pl.DataFrame | None,
                    current_monthly: pl.DataFrame | None) -> pl.DataFrame:
    rows = complete_long(clean.select("kode_desa", "period", "indicator_code", "numerator_month", "numerator_cum",
                                      "denominator"), sasaran=sasaran, current_monthly=current_monthly)
    base = rows.join(_puskesmas(wilayah), on="kode_desa", how="left").select(
        "period", "kode_desa", "puskesmas", "indicator_code", "numerator_month", "numerator_cum", "denominator")
    return pl.concat([base, derived_rows(base, cfg)], how="diagonal_relaxed")


def derived_rows(base: pl.DataFrame, cfg: Settings) -> pl.DataFrame:
    """Zero-dose, drop-out and UCI from the uploaded base indicators, with the demo's code
    (:func:`phdt.aggregate._derived`); a derived value whose inputs the file lacks is left out."""
    bases = {b for ind in REGISTRY if ind.kind is not Kind.EVENT for b in ind.base}
    if not bases & set(base["indicator_code"].cast(pl.String).unique().to_list()):
        return base.head(0)
    cells = base.select("kode_desa", "puskesmas", "period").unique()
    grid = (
        cells.join(pl.DataFrame({"indicator_code": list(EVENT_SLUGS)}), how="cross")
        .join(base.select("kode_desa", "period", "indicator_code", "numerator_cum", "denominator"),
              on=["kode_desa", "period", "indicator_code"], how="left")
        .with_columns(bulan=pl.col("period").dt.month())
    )
    derived = _derived(grid, cfg)
    return derived.filter(pl.col("numerator_cum").is_not_null() & pl.col("denominator").is_not_null())
