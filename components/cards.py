"""Headline cards and traceable indicator details."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from components import compare, data
from components.i18n import lang, metric, number, percent, period_label, signed, t
from phdt import formats
from phdt.indicators import Direction, Indicator
from phdt.metrics import people_behind, previous_month
from phdt.scope import Scope


def area_row(indicator: Indicator, period: date, area: Scope) -> dict | None:
    """The area's own summary row (its Σ numerator / Σ denominator and its desa's gaps)."""
    return area.row(data.units(indicator.slug, period, area.level, data.dataset().version))


def headline_card(indicator: Indicator, period: date, area: Scope) -> None:
    """Capaian of the area vs the target to date, change vs the same month last year, this month's
    change, and the people behind."""
    now = area_row(indicator, period, area)
    with st.container(border=True, key=f"card_{indicator.slug}"):
        if now is None or now["value"] is None:
            st.metric(indicator.label(lang()), t("legend_no_data"))
            return
        last_year = _value_at(indicator, area, date(period.year - 1, period.month, 1))
        # Cumulative values restart in January: compared with the same month of last year only.
        change = None if last_year is None else formats.change(now["value"] - last_year, indicator.direction)
        metric(indicator.label(lang()), percent(now["value"]), change,
               None if change is None else t("format_value_vs", delta=change.text(lang()),
                                             period=period_label(date(period.year - 1, period.month, 1))),
               help=indicator.definition(lang()))
        st.caption(f"{t('card_target', expected=percent(now['expected']))} · {_month_change(indicator, area, period, now)}")
        unit = compare.gap_unit(indicator)
        key = "card_behind" if indicator.direction is Direction.HIGHER else "card_lower_people"
        desa = area.units(data.units(indicator.slug, period, "desa", data.dataset().version), "desa")
        st.markdown(f"**{t(key, gap=number(people_behind(desa)), unit=unit)}**")


def _value_at(indicator: Indicator, area: Scope, period: date) -> float | None:
    row = area_row(indicator, period, area) if period in data.dataset().periods else None
    return None if row is None else row["value"]


def _month_change(indicator: Indicator, area: Scope, period: date, now: dict) -> str:
    """Cumulative indicators: this month's increment against the monthly share of the target
    (PWS); point-in-time ones: the change since last month."""
    if indicator.cumulative:
        before = 0.0 if period.month == 1 else _value_at(indicator, area, previous_month(period)) or 0.0
        return t("card_month_increment", delta=signed(now["value"] - before), needed=number(indicator.target / 12, 1))
    before = _value_at(indicator, area, previous_month(period))
    return t("card_delta_month", delta="–" if before is None else signed(now["value"] - before))


def indicator_details(indicator: Indicator) -> None:
    """Definition, numerator, denominator, target and its source: every number is traceable."""
    with st.expander(f"{t('definition')}: {indicator.label(lang())}"):
        st.markdown(
            f"{indicator.definition(lang())}\n\n"
            f"- **{t('numerator_label')}**: {indicator.numerator_text(lang())}\n"
            f"- **{t('denominator_label')}**: {t('unit_' + indicator.denominator)} "
            f"({_method(indicator)})\n"
            f"- **{t('target_label')}**: {number(indicator.target, 0)} % — {indicator.target_source}"
        )


def _method(indicator: Indicator) -> str:
    sasaran = data.dataset().sasaran
    methods = sasaran.filter(pl.col("kelompok") == indicator.denominator)["metode"].unique().to_list()
    return "; ".join(methods) if methods else indicator.denominator
