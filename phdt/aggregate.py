"""Line lists -> the canonical monthly aggregate (``indikator_bulanan``).

The demo data and real uploads go through this same code. Each person is counted once, in the
month they first reach the qualifying event (PWS KIA convention); cumulative numerators restart
every January. Derived indicators (zero-dose, drop-out, UCI) are computed from the cumulative
counts of their base indicators, so every indicator stays a ratio of sums.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from phdt.config import Settings, settings as default_settings
from phdt.indicators import REGISTRY, Kind, Programme
from phdt.schema import INDIKATOR_BULANAN, conform

TM1_MAX_WEEKS, TM2_MAX_WEEKS = 12, 27
ANTIGEN_INDICATORS = {
    "hb0": "imm_hb0", "bcg": "imm_bcg", "dpt1": "imm_dpt1", "dpt3": "imm_dpt3", "polio4": "imm_polio4", "mr1": "imm_mr1",
}
EVENT = ["kode_desa", "indicator_code", "tgl"]


def _running(flag: pl.Expr) -> pl.Expr:
    """Running count of `flag` within each pregnancy, on rows sorted by pregnancy.

    Offsetting one global cumulative sum at each pregnancy's first row avoids a hash-grouped
    window per column, which dominated the cost at province scale.
    """
    total = flag.cast(pl.Int32).cum_sum()
    return total - pl.when(pl.col("first_row")).then(total - flag.cast(pl.Int32)).forward_fill()


def anc_events(visits: pl.LazyFrame) -> pl.LazyFrame:
    """K1, K1 murni, K4, K6 and USG TM1 events, one per pregnancy, from ANC visit rows."""
    ga = pl.col("usia_kehamilan_minggu")
    trimester = pl.when(ga <= TM1_MAX_WEEKS).then(1).when(ga <= TM2_MAX_WEEKS).then(2).otherwise(3)
    v = (
        visits.sort("id_kehamilan", "tgl_kunjungan", "kunjungan_ke")
        .with_columns(
            tm=trimester, dokter=pl.col("pemeriksa") == "dokter",
            first_row=pl.col("id_kehamilan").ne_missing(pl.col("id_kehamilan").shift(1)),
        )
        .with_columns(
            n=_running(pl.col("id_kehamilan").is_not_null()), tm1=_running(pl.col("tm") == 1), tm2=_running(pl.col("tm") == 2),
            tm3=_running(pl.col("tm") == 3), n_dokter=_running(pl.col("dokter")),
        )
    )
    first_visit = pl.col("kunjungan_ke") == 1
    conditions = {
        "anc_k1": first_visit,
        "anc_k1_murni": first_visit & (pl.col("tm") == 1),
        "anc_k4": (pl.col("n") >= 4) & (pl.col("tm1") >= 1) & (pl.col("tm2") >= 1) & (pl.col("tm3") >= 2),
        "anc_k6": (pl.col("n") >= 6) & (pl.col("tm1") >= 2) & (pl.col("tm2") >= 1) & (pl.col("tm3") >= 3)
        & (pl.col("n_dokter") >= 2),
        "anc_usg_tm1": pl.col("dokter") & pl.col("usg") & (pl.col("tm") == 1),
    }
    # A condition counts once per pregnancy, at the first row where it holds.
    flagged = v.with_columns([(c & (_running(c) == 1)).alias(s) for s, c in conditions.items()])
    return _long_events(flagged, list(conditions), "tgl_kunjungan")


def immunization_events(doses: pl.LazyFrame, idl_components: tuple[str, ...]) -> pl.LazyFrame:
    """First dose per child and antigen, plus IDL: every component given before 12 months of age."""
    first = doses.group_by("id_anak", "antigen").agg(
        pl.col("tgl_imunisasi").min().alias("tgl"), pl.col("kode_desa").sort_by("tgl_imunisasi").first(),
        pl.col("tgl_lahir").first(),
    )
    antigens = (
        first.filter(pl.col("antigen").cast(pl.String).is_in(list(ANTIGEN_INDICATORS)))
        .with_columns(pl.col("antigen").cast(pl.String).replace_strict(ANTIGEN_INDICATORS).alias("indicator_code"))
        .select(EVENT)
    )
    idl = (
        first.filter(pl.col("antigen").cast(pl.String).is_in(list(idl_components)))
        .filter(pl.col("tgl") < pl.col("tgl_lahir").dt.offset_by("1y"))
        .group_by("id_anak")
        .agg(pl.len().alias("n"), pl.col("tgl").max(), pl.col("kode_desa").sort_by("tgl").last())
        .filter(pl.col("n") == len(idl_components))
        .select("kode_desa", pl.lit("imm_idl").alias("indicator_code"), "tgl")
    )
    return pl.concat([antigens, idl])


def ptm_events(screenings: pl.LazyFrame) -> pl.LazyFrame:
    """First screening of a 15-59 year old, and first service of a known hypertensive/diabetic
    (aged 15+), per person and calendar year."""
    age = (pl.col("tgl_skrining") - pl.col("tgl_lahir")).dt.total_days() / 365.25
    rows = screenings.with_columns(age=age, tahun=pl.col("tgl_skrining").dt.year())
    conditions = {
        "ptm_usia_produktif": (pl.col("age") >= 15) & (pl.col("age") < 60),
        "ptm_hipertensi": pl.col("hipertensi") & (pl.col("age") >= 15),
        "ptm_dm": pl.col("dm") & (pl.col("age") >= 15),
    }
    parts = [
        rows.filter(cond).group_by("nik", "tahun").agg(
            pl.col("tgl_skrining").min().alias("tgl"), pl.col("kode_desa").sort_by("tgl_skrining").first()
        ).select("kode_desa", pl.lit(slug).alias("indicator_code"), "tgl")
        for slug, cond in conditions.items()
    ]
    return pl.concat(parts)


def _long_events(flagged: pl.LazyFrame, slugs: list[str], date_col: str) -> pl.LazyFrame:
    return (
        flagged.select("kode_desa", pl.col(date_col).alias("tgl"), *slugs)
        .unpivot(index=["kode_desa", "tgl"], on=slugs, variable_name="indicator_code", value_name="hit")
        .filter("hit")
        .select(EVENT)
    )


def _period_grid(wilayah: pl.DataFrame, periods: pl.Series, slugs: list[str]) -> pl.LazyFrame:
    return (
        wilayah.lazy().select("kode_desa", "puskesmas")
        .join(pl.LazyFrame({"period": periods}), how="cross")
        .join(pl.LazyFrame({"indicator_code": slugs}), how="cross")
    )


def monthly_indicators(
    tables: dict[str, pl.DataFrame], wilayah: pl.DataFrame, settings: Settings | None = None,
    source_system: str = "demo", programme: Programme | None = None,
) -> pl.DataFrame:
    """All registry indicators per desa and month, in the INDIKATOR_BULANAN schema.

    `tables` holds the line lists, ``sasaran`` and optionally ``laporan``; a desa-month with no
    report receipt and no events gets a null monthly numerator (missing, not zero). With
    `programme`, only that programme's event indicators (an import recomputes one programme; its
    derived indicators follow from them).
    """
    cfg = settings or default_settings()
    events = pl.concat([
        anc_events(tables["anc_kunjungan"].lazy()),
        immunization_events(tables["imunisasi_dosis"].lazy(), cfg.idl_components),
        ptm_events(tables["ptm_skrining"].lazy()),
    ]).with_columns(pl.col("tgl").dt.truncate("1mo").alias("period"))
    counts = (  # the streaming engine runs the three line lists in bounded memory, and faster at scale
        events.group_by("kode_desa", "indicator_code", "period").agg(pl.len().cast(pl.Int32).alias("n"))
        .with_columns(pl.col("kode_desa").cast(pl.String))  # cast after grouping: far fewer rows
        .collect(engine="streaming")
    )
    periods = pl.date_range(_first_period(counts, tables["sasaran"]), _last_period(counts, tables.get("laporan")),
                            "1mo", eager=True)
    event_slugs = [ind.slug for ind in REGISTRY if ind.kind is Kind.EVENT and programme in (None, ind.programme)]
    w = wilayah.with_columns(pl.col("kode_desa", "puskesmas").cast(pl.String))
    base = (
        _period_grid(w, periods, event_slugs)
        .join(counts.lazy(), on=["kode_desa", "indicator_code", "period"], how="left")
        .join(_reports(tables.get("laporan"), w, periods), on=["kode_desa", "period"], how="left")
        .with_columns(
            numerator_month=pl.when(pl.col("n").is_null() & ~pl.col("reported")).then(None)
            .otherwise(pl.col("n").fill_null(0)),
            tahun=pl.col("period").dt.year(), bulan=pl.col("period").dt.month(),
        )
        .with_columns(
            numerator_cum=pl.col("numerator_month").fill_null(0).cum_sum()
            .over("kode_desa", "indicator_code", "tahun", order_by="period")
        )
        .join(_denominators(tables["sasaran"]), on=["tahun", "kode_desa", "indicator_code"], how="left")
        .collect()
    )
    return conform(
        pl.concat([base, _derived(base, cfg)] if programme is None else [base], how="diagonal_relaxed")
        .with_columns(source_system=pl.lit(source_system)),
        INDIKATOR_BULANAN,
    ).sort("indicator_code", "kode_desa", "period")


def _first_period(counts: pl.DataFrame, sasaran: pl.DataFrame) -> date:
    """January of the first sasaran year (earlier events are history, e.g. visits of pregnancies
    running on 1 January), or of the first event when no sasaran is loaded yet."""
    year = sasaran["tahun"].min() if sasaran.height else counts["period"].min().year
    return date(int(year), 1, 1)


def _last_period(counts: pl.DataFrame, laporan: pl.DataFrame | None):
    """The latest month with any event or any report receipt."""
    last = counts["period"].max()
    if laporan is not None and laporan.height:
        last = max(last, laporan["period"].max())
    return last


def _reports(laporan: pl.DataFrame | None, wilayah: pl.DataFrame, periods: pl.Series) -> pl.LazyFrame:
    """Per desa-month: was a report received? Without a receipt table every month counts as reported."""
    grid = wilayah.lazy().select("kode_desa").join(pl.LazyFrame({"period": periods}), how="cross")
    if laporan is None:
        return grid.with_columns(reported=pl.lit(True))
    received = laporan.lazy().select(pl.col("kode_desa").cast(pl.String), "period", reported=pl.lit(True)).unique()
    return grid.join(received, on=["kode_desa", "period"], how="left").with_columns(pl.col("reported").fill_null(False))


def _denominators(sasaran: pl.DataFrame) -> pl.LazyFrame:
    by_group = {ind.slug: ind.denominator for ind in REGISTRY if ind.kind is Kind.EVENT}
    groups = pl.LazyFrame({"indicator_code": list(by_group), "kelompok": list(by_group.values())})
    return (
        sasaran.lazy()
        .select("tahun", pl.col("kode_desa").cast(pl.String), pl.col("kelompok").cast(pl.String), "jumlah")
        .join(groups, on="kelompok")
        .select(pl.col("tahun").cast(pl.Int32), "kode_desa", "indicator_code", pl.col("jumlah").alias("denominator"))
    )


def _derived(base: pl.DataFrame, cfg: Settings) -> pl.DataFrame:
    """Zero-dose, drop-out and UCI rows from the cumulative counts of their base indicators."""
    wide = base.pivot(
        on="indicator_code", index=["kode_desa", "puskesmas", "period", "bulan"],
        values=["numerator_cum", "denominator"],
    )
    cum = lambda slug: pl.col(f"numerator_cum_{slug}")  # noqa: E731
    bayi = pl.col("denominator_imm_dpt1")
    expected_bayi = (bayi * pl.col("bulan") / 12).round()
    frames = []
    for ind in REGISTRY:
        if ind.kind is Kind.SHORTFALL:
            num, den = (expected_bayi - cum(ind.base[0])).clip(lower_bound=0), expected_bayi
        elif ind.kind is Kind.DROPOUT:
            num, den = cum(ind.base[0]) - cum(ind.base[1]), cum(ind.base[0])
        elif ind.kind is Kind.DESA_SHARE:
            on_track = cum(ind.base[0]) >= cfg.uci_threshold * bayi * pl.col("bulan") / 12
            num, den = (on_track & (bayi > 0)).cast(pl.Int32), pl.lit(1)
        else:
            continue
        frames.append(wide.select(
            "kode_desa", "puskesmas", "period", pl.lit(ind.slug).alias("indicator_code"),
            pl.lit(None, pl.Int32).alias("numerator_month"), num.alias("numerator_cum"), den.alias("denominator"),
        ))
    return pl.concat(frames, how="vertical_relaxed")

