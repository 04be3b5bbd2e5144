"""What the bupati's office asks in ten minutes: for each programme's headline indicator, where the
district stands against the target to date, whether that is better or worse than a quarter ago,
and how many people in how many desa are behind. Pure functions on polars.

Cumulative (PWS) values restart every January, so a quarter-on-quarter change of the value itself
would mostly show the calendar. The change is measured instead on the distance to the linear
target: "12 points behind the target to date, 3 points closer than in September".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from phdt import metrics
from phdt.indicators import Direction, Indicator

QUARTER_MONTHS = 3


def quarter_before(period: date, periods: list[date]) -> date | None:
    """The month three months before `period`, when it is loaded."""
    month = period.month - QUARTER_MONTHS
    earlier = date(period.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return earlier if earlier in periods else None


@dataclass(frozen=True)
class Headline:
    slug: str
    period: date
    value: float | None  # district capaian, percent
    expected: float  # the target to date (linear for cumulative indicators)
    behind: float | None  # points short of the target to date in the indicator's direction (< 0: ahead)
    earlier: date | None  # a quarter before
    earlier_behind: float | None
    people: int  # people behind: metrics.people_behind, the sum of every desa's gap
    desa: int  # desa with anyone behind
    compared: metrics.Comparison | None = None  # how the quarter is compared (metrics.comparison)
    earlier_value: float | None = None

    @property
    def change(self) -> float | None:
        """The change since a quarter ago as `compared` measures it: for a cumulative indicator,
        points closer to the target to date (negative: further away)."""
        if self.compared is None:
            return None
        return self.compared.delta(self.value, self.earlier_value)


def _behind(value: float | None, expected: float, indicator: Indicator) -> float | None:
    if value is None:
        return None
    return expected - value if indicator.direction is Direction.HIGHER else value - expected  # metrics.behind


def _district(monthly: pl.DataFrame, wilayah: pl.DataFrame, indicator: Indicator, period: date) -> tuple:
    row = metrics.summarise(monthly, wilayah, indicator, period, "kabupaten").row(0, named=True)
    value = row["value"] if row["has_data"] else None
    return value, row["expected"]


def headline(monthly: pl.DataFrame, wilayah: pl.DataFrame, indicator: Indicator, period: date,
             earlier: date | None) -> Headline:
    value, expected = _district(monthly, wilayah, indicator, period)
    desa = metrics.summarise(monthly, wilayah, indicator, period, "desa")
    earlier_behind = earlier_value = None
    if earlier is not None:
        earlier_value, earlier_expected = _district(monthly, wilayah, indicator, earlier)
        earlier_behind = _behind(earlier_value, earlier_expected, indicator)
    return Headline(
        slug=indicator.slug, period=period, value=value, expected=expected,
        behind=_behind(value, expected, indicator), earlier=earlier, earlier_behind=earlier_behind,
        people=metrics.people_behind(desa), desa=desa.filter(pl.col("gap") > 0).height,
        compared=None if earlier is None else metrics.comparison(indicator, period, earlier),
        earlier_value=earlier_value,
    )


def top_gaps(desa_units: pl.DataFrame, n: int = 5) -> pl.DataFrame:
    """The `n` desa with the most people behind (metrics.summarise rows at desa level)."""
    return desa_units.filter(pl.col("gap") > 0).sort(["gap", "kode"], descending=[True, False]).head(n)
