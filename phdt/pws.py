"""PWS (Pemantauan Wilayah Setempat) per desa: cumulative coverage against the linear target and
the classic desa status a bidan koordinator tabulates every month (INDICATORS.md §5.1).

Status table (Pedoman PWS KIA; wording unverified):

============  ============================  =======================
status        cumulative vs linear target   trend vs previous month
============  ============================  =======================
baik          ≥ target                      rising (or steady)
kurang        ≥ target                      falling
cukup         < target                      rising (or steady)
jelek         < target                      falling
============  ============================  =======================

The trend compares *monthly* figures: a cumulative count never falls, so comparing cumulative
coverage would make kurang and jelek impossible. For a cumulative indicator the trend is this
month's coverage (numerator_month / sasaran) against last month's; for a point-in-time indicator
(zero-dose, drop-out, UCI) it is the value itself against last month's. January has no previous
month of the same year (counts restart and the sasaran changes), so it is compared with the pace
of the linear line, ``indicator.expected(1)`` (target / 12); so is a month whose previous report is
missing. Lower-is-better indicators are mirrored: at or below target meets it, falling is better.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from phdt.indicators import Direction, Indicator, Kind
from phdt.metrics import gap_people, previous_month, with_wilayah

STATUSES = ("baik", "cukup", "kurang", "jelek")
_SERIES = (
    "kode_desa", "nama_desa", "puskesmas", "period", "month", "numerator_month", "numerator_cum", "denominator",
    "coverage_month", "coverage_cum", "target_linear",
)


def series(
    monthly: pl.DataFrame, wilayah: pl.DataFrame, indicator: Indicator, year: int, puskesmas: str | None = None
) -> pl.DataFrame:
    """Per desa and month of `year`: counts, coverage and the linear target, for PWS small multiples.

    ``coverage_cum`` is null when the desa's report for the month is missing or its sasaran is 0:
    the carried-forward cumulative count would otherwise read as a month with no service.
    ``coverage_month`` is the figure the status trend compares (see the module docstring).
    """
    rows = with_wilayah(
        monthly.filter((pl.col("indicator_code") == indicator.slug) & (pl.col("period").dt.year() == year)), wilayah
    )
    if puskesmas is not None:
        rows = rows.filter(pl.col("puskesmas") == puskesmas)
    if indicator.kind is Kind.EVENT:
        reported = pl.col("numerator_month").is_not_null()
    else:  # derived rows never carry a monthly numerator: use the desa's event reports
        rows = rows.join(_reports(monthly, year), on=["kode_desa", "period"], how="left")
        reported = pl.col("reported").fill_null(False)
    ok = reported & (pl.col("denominator") > 0)
    pct = lambda num: pl.when(ok).then(100.0 * num / pl.col("denominator"))
    targets = pl.DataFrame(
        {"month": list(range(1, 13)), "target_linear": [float(indicator.expected(m)) for m in range(1, 13)]},
        schema={"month": pl.Int8, "target_linear": pl.Float64},
    )
    return (
        rows.with_columns(
            month=pl.col("period").dt.month().cast(pl.Int8),
            coverage_cum=pct(pl.col("numerator_cum")),
            coverage_month=pct(pl.col("numerator_month" if indicator.cumulative else "numerator_cum")),
        )
        .join(targets, on="month", how="left")
        .select(_SERIES)
        .sort("kode_desa", "period")
    )


def _reports(monthly: pl.DataFrame, year: int) -> pl.DataFrame:
    """Per desa-month of `year`: did any event indicator get a monthly numerator (report arrived)?"""
    return (
        monthly.filter(pl.col("period").dt.year() == year)
        .group_by(pl.col("kode_desa").cast(pl.String), "period")
        .agg(reported=pl.col("numerator_month").is_not_null().any())
    )


def status(
    coverage: float | None, target: float, current: float | None, previous: float | None, direction: Direction | str
) -> str | None:
    """PWS desa status from the cumulative `coverage` vs `target` and the trend `current` vs `previous`.

    A steady month counts as rising (the Pedoman's "meningkat atau tetap"), both above and below
    target. None when any figure is missing: no report, no status.
    """
    if coverage is None or current is None or previous is None:
        return None
    if direction == Direction.LOWER:
        meets, improving = coverage <= target, current <= previous
    else:
        meets, improving = coverage >= target, current >= previous
    if meets:
        return "baik" if improving else "kurang"
    return "cukup" if improving else "jelek"


def desa_status(
    monthly: pl.DataFrame, wilayah: pl.DataFrame, indicator: Indicator, period: date, puskesmas: str | None = None
) -> pl.DataFrame:
    """One row per desa for `period`: the bidan koordinator's month-on-month PWS table.

    ``previous`` is the figure the trend was compared with: last month's ``coverage_month``, or the
    linear pace ``indicator.expected(1)`` in January or after a missing report. ``gap_people`` is
    ``metrics.gap_people``: the people short of the linear target to date (or, lower is better,
    the people in the bad state), the same figure as on the map and the gap pages. Sorted like the PWS bar chart:
    highest cumulative coverage first, missing reports last.
    """
    rows = series(monthly, wilayah, indicator, period.year, puskesmas)
    before = rows.filter(pl.col("period") == previous_month(period)).select(
        "kode_desa", pl.col("coverage_month").alias("previous")
    )
    now = (
        rows.filter(pl.col("period") == period)
        .join(before, on="kode_desa", how="left")
        .with_columns(pl.col("previous").fill_null(float(indicator.expected(1))))
    )
    statuses = [
        status(cov, target, cur, prev, indicator.direction)
        for cov, target, cur, prev in zip(
            now["coverage_cum"], now["target_linear"], now["coverage_month"], now["previous"], strict=True
        )
    ]
    return (
        now.with_columns(numerator=pl.col("numerator_cum"))
        .with_columns(status=pl.Series(statuses, dtype=pl.String),
                      # metrics.known_gap: no gap where the report is missing (coverage_cum is null then)
                      gap_people=pl.when(pl.col("coverage_cum").is_not_null()).then(gap_people(indicator, period.month)))
        .select(
            "kode_desa", "nama_desa", "puskesmas", "numerator_month", "numerator_cum", "denominator", "coverage_month",
            "coverage_cum", "target_linear", "previous", "status", "gap_people",
        )
        .sort(["coverage_cum", "kode_desa"], descending=[True, False], nulls_last=True)
    )


def status_counts(desa: pl.DataFrame) -> dict[str, int]:
    """Desa per PWS status in a desa_status table (desa without a status are not counted)."""
    counts = dict(desa.group_by("status").len().drop_nulls().iter_rows())
    return {status: counts.get(status, 0) for status in STATUSES}
