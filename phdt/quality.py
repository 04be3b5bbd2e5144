"""Data-quality checks on the monthly tables: which cells look wrong, and a 0–100 score.

Pure polars, no Streamlit. Every rule returns the flagged cells in one long shape (:data:`FLAGS`):

=============== ==========================================================================
rule            rule id, a key of :data:`RULES` (e.g. ``"completeness"``, ``"k4_gt_k1"``)
severity        ``"error"`` (impossible data), ``"warning"`` (suspicious data) or ``"info"`` (to review,
                not a data error: not scored, not marked on the numbers)
period          first day of the month (annual sasaran rules: 1 January of the year)
kode_desa       Kemendagri desa code
indicator_code  registry slug the flag is about, or null (report- and sasaran-level rules)
value           what was seen, as text
expected        the bound it broke / what it should be, as text
=============== ==========================================================================

Rules (../shared/domain/DATA_SOURCES.md §3; thresholds in :class:`Params`)

completeness
    every desa sends one report a month: a desa-month without a ``laporan`` receipt is an error.
timeliness
    a report received after the ``deadline_day`` (10th) of the following month is a warning.
outlier
    robust z of ``numerator_month`` against the desa's own history of that indicator:
    ``z = (x − median) / (1.4826 × MAD)``, flagged when ``|z| > 3.5``. Two refinements keep it
    honest on small counts: (1) the scale is never below ``√max(typical, 1)``, the natural
    month-to-month variation of a count (Poisson), which also handles MAD = 0 (more than half the
    months equal); (2) with ``seasonal`` on and enough desa, the desa's series is first divided by
    the district's month pattern (median over desa of count / desa median), so the January peak
    of once-a-year counts and the Ramadan dip are not flagged in every desa. A desa-indicator
    needs ``min_history`` reported months (6). The history is the whole series, so a month is
    judged against months before and after it (retrospective review).
consistency (errors)
    cumulative counts of the same cohort must not grow along the care cascade:
    K1 ≥ K4 ≥ K6, K1 ≥ K1 murni, DPT-HB-Hib1 ≥ DPT-HB-Hib3, DPT-HB-Hib1 ≥ MR1. Mothers and
    infants who started last year legitimately let the later step run ahead early in the year,
    so the later step may exceed the earlier one by ``consistency_slack`` (25 %, three months'
    worth) of the annual sasaran; K1 murni is a subset of K1 in the same month and gets no slack.
coverage_denominator (info) and coverage_over_100 (warning): two classes of ``numerator_cum > denominator``
    The sasaran is an estimate: the people actually in a desa's cohort are, at best, a Poisson
    count around it, so a small desa passes 100 % by chance alone (the map still colours it).
    Above 100 % but at most the Poisson upper ``coverage_level`` (99.9 %) point of
    ``(1 + coverage_tolerance) × denominator`` is a *denominator to review* (info, not scored);
    beyond that point chance does not explain it and the count or the sasaran is wrong: a data
    error (warning). The Poisson quantile is the Cornish-Fisher expansion
    ``μ + z√μ + (z² − 1)/6``, rounded (the exact quantile for μ ≥ 2, one too high at μ = 1).
sasaran_vs_penduduk / sasaran_vs_last_year (annual warnings)
    a sasaran group further than ``sasaran_tolerance`` (50 %) from the PWS proxy formula applied
    to the desa's penduduk (:func:`phdt.sasaran.formulas`, e.g. ibu hamil ≈ 1,10 × CBR ×
    penduduk), or changing by more than ``sasaran_max_change`` (30 %) from the year before.
    Differences of one person (rounding of tiny groups) are never flagged.

Score (:func:`scores`)
    **the percentage of this month's checks that passed, an error counting twice**:
    ``100 × (1 − Σ weight of failed checks / Σ weight of checks)`` with weight 2 for an error
    rule, 1 for a warning rule and 0 for an info rule (a finding to review, not a failure). A desa-month with neither a report nor data (``numerator_month``
    null, as the aggregate leaves it) has only the failed completeness check, so it scores 0. A
    puskesmas scores the mean of its desa. The annual sasaran rules are listed as flags but not
    scored per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import NamedTuple

import polars as pl

from phdt.config import Settings
from phdt.config import settings as default_settings
from phdt.indicators import INDICATORS, REGISTRY, Kind
from phdt.sasaran import formulas

FLAGS = pl.Schema({
    "rule": pl.String, "severity": pl.String, "period": pl.Date, "kode_desa": pl.String,
    "indicator_code": pl.String, "value": pl.String, "expected": pl.String,
})
EXPECTED_CELLS = pl.Schema({
    "period": pl.Date, "kode_desa": pl.String, "puskesmas": pl.String, "rule": pl.String, "severity": pl.String,
    "n_checks": pl.UInt32,
})
WEIGHTS = {"error": 2, "warning": 1, "info": 0}
SEVERITIES = ("error", "warning", "info")  # data errors, suspicious data, to review (not a data error)
MAD_TO_SD = 1.4826  # MAD of a normal distribution × 1.4826 = its standard deviation


@dataclass(frozen=True)
class Rule:
    severity: str
    monthly: bool  # False: an annual check, listed but not part of the monthly score
    description_id: str
    description_en: str


RULES: dict[str, Rule] = {
    "completeness": Rule("error", True, "Laporan bulanan desa tidak diterima.", "The desa's monthly report is missing."),
    "timeliness": Rule("warning", True, "Laporan diterima setelah batas tanggal bulan berikutnya.",
                       "The report arrived after the deadline in the following month."),
    "outlier": Rule("warning", True, "Jumlah bulan ini jauh dari biasanya di desa ini.",
                    "This month's count is far from the desa's usual month."),
    "k4_gt_k1": Rule("error", True, "K4 kumulatif melebihi K1 kumulatif.", "Cumulative K4 exceeds cumulative K1."),
    "k6_gt_k4": Rule("error", True, "K6 kumulatif melebihi K4 kumulatif.", "Cumulative K6 exceeds cumulative K4."),
    "k1_murni_gt_k1": Rule("error", True, "K1 murni melebihi K1.", "Early K1 exceeds K1."),
    "dpt3_gt_dpt1": Rule("error", True, "DPT-HB-Hib3 melebihi DPT-HB-Hib1 (drop-out negatif).",
                         "DTP3 exceeds DTP1 (negative drop-out)."),
    "mr1_gt_dpt1": Rule("error", True, "MR1 melebihi DPT-HB-Hib1 (drop-out negatif).",
                        "MR1 exceeds DTP1 (negative drop-out)."),
    "coverage_over_100": Rule("warning", True,
                              "Cakupan kumulatif di atas 100 %, melampaui batas kebetulan (Poisson 99,9 %) untuk "
                              "sasaran ini: jumlah atau sasarannya salah.",
                              "Cumulative coverage above 100 %, beyond what chance allows for this target "
                              "population (Poisson 99.9 %): the count or the sasaran is wrong."),
    "coverage_denominator": Rule("info", True,
                                 "Cakupan kumulatif di atas 100 %, masih dalam batas kebetulan untuk sasaran ini: "
                                 "tinjau sasarannya.",
                                 "Cumulative coverage above 100 %, within what chance allows for this target "
                                 "population: review the sasaran."),
    "sasaran_vs_penduduk": Rule("warning", False, "Sasaran jauh dari perkiraan berdasarkan jumlah penduduk.",
                                "The target population is far from the estimate from the population."),
    "sasaran_vs_last_year": Rule("warning", False, "Sasaran berubah tajam dari tahun sebelumnya.",
                                 "The target population changed sharply from the previous year."),
}

# rule id -> (earlier step, later step, later step may run ahead by the carry-over slack)
CONSISTENCY: dict[str, tuple[str, str, bool]] = {
    "k4_gt_k1": ("anc_k1", "anc_k4", True),
    "k6_gt_k4": ("anc_k4", "anc_k6", True),
    "k1_murni_gt_k1": ("anc_k1", "anc_k1_murni", False),
    "dpt3_gt_dpt1": ("imm_dpt1", "imm_dpt3", True),
    "mr1_gt_dpt1": ("imm_dpt1", "imm_mr1", True),
}
EVENT_SLUGS = tuple(ind.slug for ind in REGISTRY if ind.kind is Kind.EVENT)


@dataclass(frozen=True)
class Params:
    """Thresholds of the rules; defaults are explained in the module docstring."""

    deadline_day: int = 10
    outlier_threshold: float = 3.5
    min_history: int = 6
    seasonal: bool = True
    min_desa_for_season: int = 10
    consistency_slack: float = 0.25
    coverage_tolerance: float = 0.0
    coverage_level: float = 0.999
    sasaran_tolerance: float = 0.5
    sasaran_max_change: float = 0.30

    def __post_init__(self) -> None:
        if not 1 <= self.deadline_day <= 28:
            raise ValueError(f"deadline_day must be 1..28, got {self.deadline_day}")
        if self.outlier_threshold <= 0 or self.min_history < 2:
            raise ValueError("outlier_threshold must be positive and min_history at least 2")
        if not 0.5 <= self.coverage_level < 1:
            raise ValueError(f"coverage_level must be in [0.5, 1), got {self.coverage_level}")
        for name in ("consistency_slack", "coverage_tolerance", "sasaran_tolerance", "sasaran_max_change"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, got {getattr(self, name)}")


class Evaluation(NamedTuple):
    flags: pl.DataFrame  # FLAGS: failed checks only
    expected_cells: pl.DataFrame  # EXPECTED_CELLS: how many checks each monthly rule ran per desa-month


class Scores(NamedTuple):
    desa: pl.DataFrame
    puskesmas: pl.DataFrame


# --------------------------------------------------------------------------------------------
# Checks: every checked cell with `failed`, `value` and `expected` (lazy; public rules filter)
# --------------------------------------------------------------------------------------------


def _txt(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String)


def _months(monthly: pl.DataFrame, slugs) -> pl.LazyFrame:
    """Reported cells (``numerator_month`` not null) of the given indicators, codes as text."""
    return monthly.lazy().select(
        "period", pl.col("kode_desa").cast(pl.String), pl.col("indicator_code").cast(pl.String),
        "numerator_month", "numerator_cum", "denominator",
    ).filter(pl.col("indicator_code").is_in(list(slugs)) & pl.col("numerator_month").is_not_null())


def _completeness_checks(laporan: pl.DataFrame, wilayah: pl.DataFrame, periods) -> pl.LazyFrame:
    grid = wilayah.lazy().select(pl.col("kode_desa").cast(pl.String)).unique().join(
        pl.LazyFrame({"period": pl.Series(list(periods), dtype=pl.Date)}), how="cross")
    received = laporan.lazy().select("period", pl.col("kode_desa").cast(pl.String), got=pl.lit(True)).unique()
    return grid.join(received, on=["period", "kode_desa"], how="left").select(
        "period", "kode_desa", pl.lit(None, pl.String).alias("indicator_code"),
        failed=pl.col("got").is_null(),
        value=pl.when(pl.col("got")).then(pl.lit("1 laporan")).otherwise(pl.lit("0 laporan")),
        expected=pl.lit("1 laporan"),
    )


def _timeliness_checks(laporan: pl.DataFrame, p: Params) -> pl.LazyFrame:
    first = laporan.lazy().group_by("period", pl.col("kode_desa").cast(pl.String)).agg(pl.col("tgl_diterima").min())
    deadline = pl.col("period").dt.offset_by("1mo").dt.offset_by(f"{p.deadline_day - 1}d")
    return first.with_columns(deadline=deadline).select(
        "period", "kode_desa", pl.lit(None, pl.String).alias("indicator_code"),
        failed=pl.col("tgl_diterima") > pl.col("deadline"),
        value=_txt(pl.col("tgl_diterima")), expected=pl.format("≤ {}", "deadline"),
    )


def _outlier_checks(monthly: pl.DataFrame, p: Params) -> pl.LazyFrame:
    series = ["kode_desa", "indicator_code"]
    x = pl.col("numerator_month").cast(pl.Float64)
    cells = _months(monthly, EVENT_SLUGS).with_columns(
        x=x, n_hist=pl.len().over(series), raw_median=x.median().over(series),
    )
    if p.seasonal:
        # District month pattern per indicator: median over desa of count / desa median.
        season = (
            cells.filter(pl.col("raw_median") > 0)
            .group_by("indicator_code", "period")
            .agg((pl.col("x") / pl.col("raw_median")).median().alias("f"), pl.len().alias("n_desa"))
            .with_columns(f=pl.when((pl.col("n_desa") >= p.min_desa_for_season) & (pl.col("f") > 0))
                          .then("f").otherwise(1.0))
            .select("indicator_code", "period", "f")
        )
        cells = cells.join(season, on=["indicator_code", "period"], how="left").with_columns(pl.col("f").fill_null(1.0))
    else:
        cells = cells.with_columns(f=pl.lit(1.0))
    adjusted = pl.col("x") / pl.col("f")
    t = p.outlier_threshold
    return (
        cells.filter(pl.col("n_hist") >= p.min_history)
        .with_columns(median=adjusted.median().over(series))
        .with_columns(mad=(adjusted - pl.col("median")).abs().median().over(series))
        .with_columns(typical=pl.col("median") * pl.col("f"))
        .with_columns(scale=pl.max_horizontal(
            MAD_TO_SD * pl.col("mad") * pl.col("f"), pl.col("typical").clip(lower_bound=1).sqrt()))
        .with_columns(z=(pl.col("x") - pl.col("typical")) / pl.col("scale"))
        .select(
            "period", "kode_desa", "indicator_code",
            failed=pl.col("z").abs() > t,
            value=_txt(pl.col("numerator_month")),
            expected=pl.format(
                "{}–{} (≈{})",
                (pl.col("typical") - t * pl.col("scale")).clip(lower_bound=0).ceil().cast(pl.Int64),
                (pl.col("typical") + t * pl.col("scale")).floor().cast(pl.Int64),
                pl.col("typical").round(1),
            ),
        )
    )


def _consistency_checks(monthly: pl.DataFrame, rule: str, p: Params) -> pl.LazyFrame:
    earlier, later, carry_over = CONSISTENCY[rule]
    cells = _months(monthly, (earlier, later))
    a = cells.filter(pl.col("indicator_code") == earlier).select(
        "period", "kode_desa", a="numerator_cum", den="denominator")
    b = cells.filter(pl.col("indicator_code") == later).select("period", "kode_desa", b="numerator_cum")
    slack = p.consistency_slack if carry_over else 0.0
    allowed = (slack * pl.col("den").fill_null(0)).floor().cast(pl.Int64)
    la, lb = INDICATORS[earlier].label_id, INDICATORS[later].label_id
    return a.join(b, on=["period", "kode_desa"]).with_columns(allowed=allowed).select(
        "period", "kode_desa", pl.lit(later).alias("indicator_code"),
        failed=(pl.col("b") - pl.col("a")) > pl.col("allowed"),
        value=pl.format(f"{lb} {{}}; {la} {{}}", "b", "a"),
        expected=pl.format(f"{lb} ≤ {la} + {{}}", "allowed"),
    )


def poisson_upper(mean: pl.Expr, level: float) -> pl.Expr:
    """The Poisson `level` quantile of a count with `mean` (Cornish-Fisher, rounded): the most
    people a cohort estimated at `mean` holds, but for chance 1 − `level`."""
    z = NormalDist().inv_cdf(level)
    return (mean + z * mean.sqrt() + (z * z - 1) / 6).round(0).cast(pl.Int64)


def _coverage_checks(monthly: pl.DataFrame, p: Params, beyond_chance: bool) -> pl.LazyFrame:
    """Cells above 100 %: ``beyond_chance`` checks beyond the Poisson limit (a data error), else
    above 100 % but within it (a denominator to review). Each cell is checked by both rules and fails
    at most one of them."""
    limit = poisson_upper((1 + p.coverage_tolerance) * pl.col("denominator").cast(pl.Float64), p.coverage_level)
    pct = (100 * pl.col("numerator_cum") / pl.col("denominator")).round(1)
    over = pl.col("numerator_cum") > pl.col("denominator")
    beyond = pl.col("numerator_cum") > pl.col("limit")
    level = f"{100 * p.coverage_level:g}"
    return _months(monthly, EVENT_SLUGS).filter(pl.col("denominator") > 0).with_columns(limit=limit).select(
        "period", "kode_desa", "indicator_code",
        failed=beyond if beyond_chance else over & ~beyond,
        value=pl.format("{}/{} ({} %)", "numerator_cum", "denominator", pct),
        expected=(pl.format(f"≤ {{}} (Poisson {level} %)", "limit") if beyond_chance
                  else pl.format("≤ {} (100 %)", "denominator")),
    )


def _sasaran_long(sasaran: pl.DataFrame) -> pl.LazyFrame:
    return sasaran.lazy().select(
        pl.col("tahun").cast(pl.Int32), pl.col("kode_desa").cast(pl.String), pl.col("kelompok").cast(pl.String),
        "jumlah",
    )


def _band(expected: pl.Expr, tolerance: float) -> tuple[pl.Expr, pl.Expr]:
    """Allowed [lo, hi] around `expected`: ± tolerance, never narrower than ± 1 person."""
    slack = pl.max_horizontal(tolerance * expected, pl.lit(1.0))
    return expected - slack, expected + slack


def _sasaran_penduduk_checks(sasaran: pl.DataFrame, p: Params, cfg: Settings) -> pl.LazyFrame:
    rules = formulas(cfg)
    long = _sasaran_long(sasaran)
    estimates = (
        long.filter(pl.col("kelompok") == "penduduk").select("tahun", "kode_desa", penduduk="jumlah")
        .with_columns([expr.alias(group) for group, (expr, _) in rules.items()])
        .unpivot(index=["tahun", "kode_desa", "penduduk"], on=list(rules), variable_name="kelompok",
                 value_name="estimate")
    )
    lo, hi = _band(pl.col("estimate"), p.sasaran_tolerance)
    return long.join(estimates, on=["tahun", "kode_desa", "kelompok"]).select(
        pl.date(pl.col("tahun"), 1, 1).alias("period"), "kode_desa", pl.lit(None, pl.String).alias("indicator_code"),
        failed=(pl.col("jumlah") < lo) | (pl.col("jumlah") > hi),
        value=pl.format("{} {}", "kelompok", "jumlah"),
        expected=pl.format("{} ≈ {} ({}–{}, penduduk {})", "kelompok", pl.col("estimate").round(0).cast(pl.Int64),
                           lo.clip(lower_bound=0).ceil().cast(pl.Int64), hi.floor().cast(pl.Int64), "penduduk"),
    )


def _sasaran_year_checks(sasaran: pl.DataFrame, p: Params) -> pl.LazyFrame:
    long = _sasaran_long(sasaran)
    before = long.select((pl.col("tahun") + 1).alias("tahun"), "kode_desa", "kelompok", prev="jumlah")
    lo, hi = _band(pl.col("prev").cast(pl.Float64), p.sasaran_max_change)
    return long.join(before, on=["tahun", "kode_desa", "kelompok"]).select(
        pl.date(pl.col("tahun"), 1, 1).alias("period"), "kode_desa", pl.lit(None, pl.String).alias("indicator_code"),
        failed=(pl.col("jumlah") < lo) | (pl.col("jumlah") > hi),
        value=pl.format("{} {}: {}", "kelompok", "tahun", "jumlah"),
        expected=pl.format("{} {}–{} ({} {})", "kelompok", lo.clip(lower_bound=0).ceil().cast(pl.Int64),
                           hi.floor().cast(pl.Int64), pl.col("tahun") - 1, "prev"),
    )


def _flags(rule: str, checks: pl.LazyFrame) -> pl.LazyFrame:
    return checks.filter("failed").select(
        pl.lit(rule).alias("rule"), pl.lit(RULES[rule].severity).alias("severity"),
        pl.col("period").cast(pl.Date), pl.col("kode_desa").cast(pl.String), pl.col("indicator_code").cast(pl.String),
        pl.col("value").cast(pl.String), pl.col("expected").cast(pl.String),
    )


def _collect(rule: str, checks: pl.LazyFrame) -> pl.DataFrame:
    return _flags(rule, checks).collect()


# --------------------------------------------------------------------------------------------
# Public rules: each returns its flagged cells in the FLAGS shape
# --------------------------------------------------------------------------------------------


def completeness(laporan: pl.DataFrame, wilayah: pl.DataFrame, periods) -> pl.DataFrame:
    """Desa-months of `periods` (first days of months) without a report receipt in `laporan`."""
    return _collect("completeness", _completeness_checks(laporan, wilayah, periods))


def timeliness(laporan: pl.DataFrame, deadline_day: int = 10) -> pl.DataFrame:
    """Reports received after `deadline_day` of the month following their period."""
    return _collect("timeliness", _timeliness_checks(laporan, Params(deadline_day=deadline_day)))


def outliers(monthly: pl.DataFrame, threshold: float = 3.5, min_history: int = 6, seasonal: bool = True,
             min_desa_for_season: int = 10) -> pl.DataFrame:
    """Monthly numerators far from the desa's own history of that indicator (robust MAD z-score)."""
    p = Params(outlier_threshold=threshold, min_history=min_history, seasonal=seasonal,
               min_desa_for_season=min_desa_for_season)
    return _collect("outlier", _outlier_checks(monthly, p))


def consistency(monthly: pl.DataFrame, slack: float = 0.25) -> pl.DataFrame:
    """Cascade violations (K4 > K1, K6 > K4, K1 murni > K1, DPT3 > DPT1, MR1 > DPT1) on cumulative
    counts; `slack` is the share of the annual sasaran the later step may run ahead (carry-over)."""
    p = Params(consistency_slack=slack)
    return pl.concat([_collect(rule, _consistency_checks(monthly, rule, p)) for rule in CONSISTENCY])


def coverage_over_100(monthly: pl.DataFrame, tolerance: float = 0.0, level: float = 0.999) -> pl.DataFrame:
    """Event indicators whose cumulative numerator exceeds the Poisson `level` point of
    (1 + tolerance) × the denominator: beyond chance, a data error."""
    p = Params(coverage_tolerance=tolerance, coverage_level=level)
    return _collect("coverage_over_100", _coverage_checks(monthly, p, beyond_chance=True))


def coverage_denominator(monthly: pl.DataFrame, tolerance: float = 0.0, level: float = 0.999) -> pl.DataFrame:
    """Event indicators above 100 % of the denominator but within chance (see coverage_over_100):
    a sasaran to review, not a data error."""
    p = Params(coverage_tolerance=tolerance, coverage_level=level)
    return _collect("coverage_denominator", _coverage_checks(monthly, p, beyond_chance=False))


def sasaran_vs_penduduk(
    sasaran: pl.DataFrame, tolerance: float = 0.5, settings: Settings | None = None
) -> pl.DataFrame:
    """Sasaran groups further than `tolerance` from the proxy formula on the desa's penduduk."""
    p = Params(sasaran_tolerance=tolerance)
    return _collect("sasaran_vs_penduduk", _sasaran_penduduk_checks(sasaran, p, settings or default_settings()))


def sasaran_vs_last_year(sasaran: pl.DataFrame, max_change: float = 0.30) -> pl.DataFrame:
    """Sasaran groups (penduduk included) changing by more than `max_change` from the year before."""
    return _collect("sasaran_vs_last_year", _sasaran_year_checks(sasaran, Params(sasaran_max_change=max_change)))


# --------------------------------------------------------------------------------------------
# All rules, and the score
# --------------------------------------------------------------------------------------------


def _all_checks(monthly, laporan, sasaran, wilayah, periods, p: Params, cfg: Settings) -> dict[str, pl.LazyFrame]:
    checks = {
        "completeness": _completeness_checks(laporan, wilayah, periods),
        "timeliness": _timeliness_checks(laporan, p),
        "outlier": _outlier_checks(monthly, p),
        **{rule: _consistency_checks(monthly, rule, p) for rule in CONSISTENCY},
        "coverage_over_100": _coverage_checks(monthly, p, beyond_chance=True),
        "coverage_denominator": _coverage_checks(monthly, p, beyond_chance=False),
        "sasaran_vs_penduduk": _sasaran_penduduk_checks(sasaran, p, cfg),
        "sasaran_vs_last_year": _sasaran_year_checks(sasaran, p),
    }
    assert set(checks) == set(RULES)
    return checks


def evaluate(
    monthly: pl.DataFrame, laporan: pl.DataFrame, sasaran: pl.DataFrame, wilayah: pl.DataFrame,
    start: date | None = None, end: date | None = None, params: Params | None = None,
    settings: Settings | None = None,
) -> Evaluation:
    """Every rule over the tables: the flags and, per desa-month and monthly rule, how many checks ran.

    `start`/`end` (first days of months, inclusive) limit the reported months; outlier statistics
    still use each desa's whole history. Annual sasaran flags are kept for the years the range
    touches. The months checked for completeness are the months of `monthly`.
    """
    p, cfg = params or Params(), settings or default_settings()
    in_range = pl.lit(True)
    if start is not None:
        in_range &= pl.col("period") >= pl.lit(start.replace(day=1))
    if end is not None:
        in_range &= pl.col("period") <= pl.lit(end.replace(day=1))
    annual = pl.lit(True)
    if start is not None:
        annual &= pl.col("period").dt.year() >= start.year
    if end is not None:
        annual &= pl.col("period").dt.year() <= end.year
    periods = monthly.lazy().select(pl.col("period").unique().sort()).filter(in_range).collect()["period"]
    checks = _all_checks(monthly, laporan, sasaran, wilayah, periods, p, cfg)
    puskesmas = wilayah.lazy().select(pl.col("kode_desa").cast(pl.String), pl.col("puskesmas").cast(pl.String)).unique(
        subset="kode_desa")
    flag_frames, cell_frames = [], []
    for rule, lf in checks.items():
        keep = in_range if RULES[rule].monthly else annual
        lf = lf.filter(keep)
        flag_frames.append(_flags(rule, lf))
        if RULES[rule].monthly:
            cell_frames.append(
                lf.group_by("period", "kode_desa").agg(pl.len().cast(pl.UInt32).alias("n_checks"))
                .join(puskesmas, on="kode_desa", how="left")
                .select("period", "kode_desa", "puskesmas", pl.lit(rule).alias("rule"),
                        pl.lit(RULES[rule].severity).alias("severity"), "n_checks")
            )
    frames = pl.collect_all(flag_frames + cell_frames)
    flags = pl.concat(frames[: len(flag_frames)]).sort("period", "kode_desa", "rule", "indicator_code",
                                                        nulls_last=True)
    cells = pl.concat(frames[len(flag_frames):]).sort("period", "kode_desa", "rule")
    return Evaluation(flags.match_to_schema(FLAGS), cells.match_to_schema(EXPECTED_CELLS))


def check_all(
    monthly: pl.DataFrame, laporan: pl.DataFrame, sasaran: pl.DataFrame, wilayah: pl.DataFrame,
    start: date | None = None, end: date | None = None, params: Params | None = None,
    settings: Settings | None = None,
) -> pl.DataFrame:
    """The flags of every rule in one FLAGS frame (see :func:`evaluate`)."""
    return evaluate(monthly, laporan, sasaran, wilayah, start, end, params, settings).flags


def scores(flags: pl.DataFrame, expected_cells: pl.DataFrame) -> Scores:
    """Data-quality score 0–100 per desa-month and per puskesmas-month.

    Desa: ``100 × (1 − Σ weight × failed / Σ weight × checks)`` over the monthly rules of
    `expected_cells` (weight 2 for error rules, 1 for warning rules) — the percentage of checks
    passed, an error counting twice. Puskesmas: the mean of its desa's scores, so every desa
    counts the same whatever its size. Flags of rules or cells not in `expected_cells` (e.g. the
    annual sasaran rules) are ignored.
    """
    failed = flags.group_by("period", pl.col("kode_desa").cast(pl.String), "rule").agg(
        pl.len().cast(pl.UInt32).alias("n_failed"))
    w = pl.col("severity").replace_strict(WEIGHTS, return_dtype=pl.Int64)
    cells = (
        expected_cells.with_columns(pl.col("kode_desa").cast(pl.String))
        .join(failed, on=["period", "kode_desa", "rule"], how="left")
        .with_columns(n_failed=pl.min_horizontal(pl.col("n_failed").fill_null(0), pl.col("n_checks")))
    )
    desa = (
        cells.group_by("period", "kode_desa", "puskesmas")
        .agg(
            checks=pl.col("n_checks").filter(pl.col("severity") != "info").sum().cast(pl.Int64),
            errors=pl.col("n_failed").filter(pl.col("severity") == "error").sum().cast(pl.Int64),
            warnings=pl.col("n_failed").filter(pl.col("severity") == "warning").sum().cast(pl.Int64),
            weight=(w * pl.col("n_checks")).sum(), weight_failed=(w * pl.col("n_failed")).sum(),
        )
        .with_columns(score=100 * (1 - pl.col("weight_failed") / pl.col("weight")))
        .drop("weight", "weight_failed")
        .sort("period", "kode_desa")
    )
    pkm = (
        desa.group_by("period", "puskesmas")
        .agg(desa=pl.len().cast(pl.Int64), checks=pl.col("checks").sum(), errors=pl.col("errors").sum(),
             warnings=pl.col("warnings").sum(), score=pl.col("score").mean())
        .sort("period", "puskesmas")
    )
    return Scores(desa, pkm)


def unit_scores(desa_scores: pl.DataFrame, wilayah: pl.DataFrame, level: str) -> pl.DataFrame:
    """kode, score of desa or kecamatan from one month's desa scores (:func:`scores`): a kecamatan, like a
    puskesmas, scores the mean of its desa."""
    if level == "desa":
        return desa_scores.select(pl.col("kode_desa").cast(pl.String).alias("kode"), "score")
    if level != "kecamatan":
        raise ValueError(f"level must be desa or kecamatan, got {level!r}")
    kecamatan = wilayah.select(pl.col("kode_desa").cast(pl.String), pl.col("kode_kecamatan").cast(pl.String))
    return (desa_scores.with_columns(pl.col("kode_desa").cast(pl.String)).join(kecamatan, on="kode_desa")
            .group_by("kode_kecamatan").agg(pl.col("score").mean()).rename({"kode_kecamatan": "kode"}).sort("kode"))
