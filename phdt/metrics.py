"""Capaian, colour class and gap in people per wilayah unit, from ``indikator_bulanan``.

Every value is ``100 × Σ numerator_cum / Σ denominator`` over the desa of a unit, so desa,
puskesmas, kecamatan and kabupaten figures always add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import polars as pl

from phdt.indicators import Direction, Indicator, Kind

LEVELS = ("kabupaten", "kecamatan", "puskesmas", "desa")
_KEYS = {
    "kabupaten": ("kode_kabupaten", "nama_kabupaten"),
    "kecamatan": ("kode_kecamatan", "nama_kecamatan"),
    "puskesmas": ("puskesmas", "puskesmas"),
    "desa": ("kode_desa", "nama_desa"),
}


def parse_period(text: str) -> date:
    """'2025-09' -> date(2025, 9, 1); raises ValueError on anything else."""
    year, month = text.split("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(f"period must look like 2025-09, got {text!r}")
    return date(int(year), int(month), 1)


def previous_month(period: date) -> date:
    return date(period.year - 1, 12, 1) if period.month == 1 else date(period.year, period.month - 1, 1)


def with_wilayah(monthly: pl.DataFrame, wilayah: pl.DataFrame) -> pl.DataFrame:
    units = wilayah.select(
        pl.col("kode_desa").cast(pl.String), "nama_desa", pl.col("kode_kecamatan").cast(pl.String), "nama_kecamatan",
        pl.col("kode_kecamatan").cast(pl.String).str.slice(0, 5).alias("kode_kabupaten"),
    ).with_columns(nama_kabupaten=pl.lit("Kabupaten"))
    return monthly.with_columns(pl.col("kode_desa", "puskesmas").cast(pl.String)).join(units, on="kode_desa")


def summarise(
    monthly: pl.DataFrame, wilayah: pl.DataFrame, indicator: Indicator, period: date, level: str
) -> pl.DataFrame:
    """One row per unit of `level`: numerator, denominator, value %, expected %, colour, gap, flags.

    The gap of a unit is the sum of its desa gaps: a desa above target does not hide the people
    missed in its neighbour. ``reported`` is the share of the unit's desa whose monthly report
    arrived; a unit where none did has no data for the month.
    """
    key, name = _KEYS[level]
    rows = (
        with_wilayah(
            monthly.filter((pl.col("indicator_code") == indicator.slug) & (pl.col("period") == period)), wilayah
        )
        .join(_reported(monthly, period), on="kode_desa", how="left")
        .rename({"numerator_cum": "numerator"})
        .with_columns(gap=known_gap(indicator, period.month))
    )
    grouped = rows.group_by(key).agg(
        pl.col(name).first().alias("nama"),
        pl.col("numerator").sum(),
        pl.col("denominator").sum(),
        pl.col("gap").sum(),
        pl.col("reported").mean(),
    ).rename({key: "kode"})
    return _score(grouped, indicator, period.month).sort("kode")


def _reported(monthly: pl.DataFrame, period: date) -> pl.DataFrame:
    """Per desa: 1.0 if any event indicator has a monthly numerator for `period`, else 0.0."""
    return (
        monthly.filter(pl.col("period") == period)
        .group_by(pl.col("kode_desa").cast(pl.String))
        .agg(pl.col("numerator_month").is_not_null().any().cast(pl.Float64).alias("reported"))
    )


def _score(units: pl.DataFrame, indicator: Indicator, month: int) -> pl.DataFrame:
    expected = indicator.expected(month)
    value = pl.when(pl.col("denominator") > 0).then(100 * pl.col("numerator") / pl.col("denominator"))
    if indicator.kind is Kind.EVENT:
        flagged = pl.col("numerator") > pl.col("denominator")
    elif indicator.kind is Kind.DROPOUT:
        flagged = pl.col("numerator") < 0
    else:
        flagged = pl.lit(False)
    scored = units.with_columns(
        value=value, expected=pl.lit(expected), flagged=flagged.fill_null(False),
        has_data=(pl.col("reported") > 0) & (pl.col("denominator") > 0),
    )
    colours = [
        indicator.colour(v if ok else None, month, flag).value
        for v, ok, flag in zip(scored["value"], scored["has_data"], scored["flagged"], strict=True)
    ]
    return scored.with_columns(colour=pl.Series(colours, dtype=pl.String))


def known_gap(indicator: Indicator, month: int) -> pl.Expr:
    """`gap_people` where the desa's report for the month arrived (``reported``) and it has a
    sasaran; null otherwise: a carried-forward count of a missing report is not a known gap."""
    return pl.when((pl.col("reported") > 0) & (pl.col("denominator") > 0)).then(gap_people(indicator, month))


def people_behind(units: pl.DataFrame) -> int:
    """THE "people not yet served" of an area, the one figure every page shows under that name: Σ over
    the area's desa of :func:`gap_people` (each desa's people short of the target to date, or in the
    bad state when lower is better), desa without a report not counted. `units`: summarise rows of
    the area at any level (the area's own row, or its desa, puskesmas, kecamatan): a unit's gap is
    already the sum of its desa's, so any level gives the same total. Counts desa for Desa UCI (the
    indicator's ``denominator`` says the unit)."""
    return int(units["gap"].fill_null(0).clip(lower_bound=0).sum())


def gap_people(indicator: Indicator, month: int) -> pl.Expr:
    """People behind in one desa: short of the linear target to date (higher is better), or the
    people in the bad state (lower is better, e.g. zero-dose children). Desa counts for UCI."""
    if indicator.direction is Direction.LOWER:
        return pl.col("numerator").clip(lower_bound=0).cast(pl.Int64)
    target_people = pl.col("denominator") * indicator.expected(month) / 100
    return (target_people - pl.col("numerator")).clip(lower_bound=0).round().cast(pl.Int64)


def trend(
    monthly: pl.DataFrame, wilayah: pl.DataFrame, indicator: Indicator, level: str = "kabupaten",
    code: str | None = None,
) -> pl.DataFrame:
    """Monthly value and linear target of one unit (default: the whole kabupaten)."""
    key, _ = _KEYS[level]
    rows = with_wilayah(monthly.filter(pl.col("indicator_code") == indicator.slug), wilayah)
    if code is not None:
        rows = rows.filter(pl.col(key) == code)
    out = rows.group_by("period").agg(pl.col("numerator_cum").sum(), pl.col("denominator").sum()).sort("period")
    return out.with_columns(
        value=pl.when(pl.col("denominator") > 0).then(100 * pl.col("numerator_cum") / pl.col("denominator")),
        expected=_expected(indicator),
    )


def _expected(indicator: Indicator) -> pl.Expr:
    """Indicator.expected as an expression over the period column."""
    if indicator.cumulative:
        return indicator.target * pl.col("period").dt.month().cast(pl.Float64) / 12
    return pl.lit(float(indicator.target))


class Basis(StrEnum):
    """What a change between two periods of one indicator measures."""

    COVERAGE = "coverage"  # capaian now − capaian then (percentage points)
    DISTANCE = "distance"  # points closer to the target to date than then (gap to the linear target)


@dataclass(frozen=True)
class Comparison:
    """How two periods of one indicator are compared: the one rule every change on every page reads.

    A cumulative (PWS) value restarts every January and grows month by month towards the annual
    target, so its coverage in December is not comparable with its coverage in June: the difference
    would mostly show the calendar. Coverage is compared only with the same month (of another year),
    or for point-in-time indicators; any other pair of months of a cumulative indicator is compared
    on the distance to the linear target (``behind``), and says so (``label_key``). ``better`` is the
    direction in which a positive delta is good: the indicator's own for coverage, HIGHER for "closer".
    """

    indicator: Indicator
    period: date
    earlier: date
    basis: Basis

    @property
    def better(self) -> Direction:
        return self.indicator.direction if self.basis is Basis.COVERAGE else Direction.HIGHER

    @property
    def label_key(self) -> str:
        """Text key naming what is compared (locales ``compare_basis_coverage`` / ``_distance``)."""
        return f"compare_basis_{self.basis.value}"

    def delta(self, value: float | None, earlier_value: float | None) -> float | None:
        """The change from `earlier_value` (capaian in `earlier`) to `value` (capaian in `period`)."""
        if value is None or earlier_value is None or value != value or earlier_value != earlier_value:
            return None
        if self.basis is Basis.COVERAGE:
            return value - earlier_value
        return behind(self.indicator, earlier_value, self.earlier.month) - behind(self.indicator, value, self.period.month)

    def delta_expr(self, value: pl.Expr, earlier_value: pl.Expr) -> pl.Expr:
        if self.basis is Basis.COVERAGE:
            return value - earlier_value
        sign = 1.0 if self.indicator.direction is Direction.HIGHER else -1.0
        return sign * ((value - self.indicator.expected(self.period.month))
                       - (earlier_value - self.indicator.expected(self.earlier.month)))


def behind(indicator: Indicator, value: float, month: int) -> float:
    """Points short of the target to date in the indicator's direction (negative: ahead of it)."""
    expected = indicator.expected(month)
    return expected - value if indicator.direction is Direction.HIGHER else value - expected


def comparison(indicator: Indicator, period: date, earlier: date) -> Comparison | None:
    """How `period` is compared with `earlier` on `indicator` (see :class:`Comparison`); None for
    the same period (nothing to compare)."""
    if earlier == period:
        return None
    same_month = earlier.month == period.month
    basis = Basis.COVERAGE if same_month or not indicator.cumulative else Basis.DISTANCE
    return Comparison(indicator, period, earlier, basis)


def change(current: pl.DataFrame, earlier: pl.DataFrame, compared: Comparison) -> pl.DataFrame:
    """Change per unit between two summaries of the same level (kode, nama, value, earlier_value,
    delta), measured as `compared` says (coverage points, or points closer to the target to date).
    No delta where either period lacks data or is flagged: a change computed from a missing report
    or an impossible value would mislead."""
    usable = pl.col("has_data") & ~pl.col("flagged")
    before = earlier.select("kode", earlier_value=pl.when(usable).then(pl.col("value")))
    return (
        current.select("kode", "nama", "flagged", value=pl.when(usable).then(pl.col("value")))
        .join(before, on="kode", how="left")
        .with_columns(delta=compared.delta_expr(pl.col("value"), pl.col("earlier_value")))
    )
