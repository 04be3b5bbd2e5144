"""What a comparison of two periods measures, and what a gap counts, in the reader's words: the
labels of phdt.metrics.comparison and phdt.metrics.people_behind, read by every page that shows
a change or a gap."""

from __future__ import annotations

from datetime import date

from components.i18n import lang, percent, period_label, t
from phdt.indicators import Indicator, Kind
from phdt.metrics import Basis, Comparison, comparison


def gap_unit(indicator: Indicator) -> str:
    """What a gap of `indicator` counts: its sasaran's people, drop-out children, or desa (UCI)."""
    return t("compare_unit_dropout") if indicator.kind is Kind.DROPOUT else t(f"unit_{indicator.denominator}")


def gap_column(indicator: Indicator) -> str:
    """'Kesenjangan (ibu hamil)', 'Kesenjangan (desa)': a gap column says what it counts."""
    return t("compare_col_gap", unit=gap_unit(indicator))


def basis(compared: Comparison) -> str:
    return t(compared.label_key)


def title(compared: Comparison) -> str:
    return t(f"compare_title_{compared.basis.value}", earlier=period_label(compared.earlier),
             period=period_label(compared.period))


def change_column(compared: Comparison) -> str:
    return t(f"compare_col_change_{compared.basis.value}")


def class_label(compared: Comparison, k: int) -> str:
    """Legend text of change class `k` (phdt.classify.change_class)."""
    return t(f"change_class_{k}") if compared.basis is Basis.COVERAGE else t(f"compare_distance_class_{k}")


def note(compared: Comparison) -> str:
    """One sentence saying what is compared; for a cumulative indicator across months, why not coverage."""
    if compared.basis is Basis.COVERAGE:
        return t("compare_note_coverage", basis=basis(compared))
    indicator = compared.indicator
    return t("compare_note_distance", indicator=indicator.label(lang()),
             period=period_label(compared.period), earlier=period_label(compared.earlier), basis=basis(compared),
             expected=percent(indicator.expected(compared.period.month)),
             earlier_expected=percent(indicator.expected(compared.earlier.month)))


def option_label(indicator: Indicator, period: date, candidate: date) -> str:
    """A comparison period as offered: a month that would be compared on distance to target says so."""
    compared = comparison(indicator, period, candidate)
    if compared is None or compared.basis is Basis.COVERAGE:
        return period_label(candidate)
    return t("compare_option_distance", period=period_label(candidate))
