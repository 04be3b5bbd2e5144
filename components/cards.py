"""Headline cards and traceable indicator details."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from components import data
from components.i18n import lang, number, percent, period_label, t
from phdt.indicators import Direction, Indicator
from phdt.metrics import previous_month


def kabupaten_row(indicator: Indicator, period: date) -> dict | None:
    frame = data.units(indicator.slug, period, "kabupaten", data.dataset().version)
    return frame.row(0, named=True) if frame.height else None


def headline_card(indicator: Indicator, period: date) -> None:
    """Capaian vs the target to date, change vs last month (vs last year in January), people behind."""
    now = kabupaten_row(indicator, period)
    compare_to = date(period.year - 1, 1, 1) if period.month == 1 else previous_month(period)
    before = kabupaten_row(indicator, compare_to) if compare_to in data.dataset().periods else None
    with st.container(border=True, key=f"card_{indicator.slug}"):
        if now is None or now["value"] is None:
            st.metric(indicator.label(lang()), t("legend_no_data"))
            return
        delta = None if before is None or before["value"] is None else now["value"] - before["value"]
        delta_text = None
        if delta is not None:
            key = "card_delta_year" if period.month == 1 else "card_delta_month"
            delta_text = t(key, delta=f"{'+' if delta >= 0 else ''}{number(delta, 1)}", period=period_label(compare_to))
        st.metric(
            indicator.label(lang()), percent(now["value"]), delta_text,
            delta_color="normal" if indicator.direction is Direction.HIGHER else "inverse",
            help=indicator.definition(lang()),
        )
        st.caption(t("card_target", expected=percent(now["expected"])))
        unit = t(f"unit_{indicator.denominator}")
        key = "card_behind" if indicator.direction is Direction.HIGHER else "card_lower_people"
        st.markdown(f"**{t(key, gap=number(now['gap']), unit=unit)}**")


def indicator_details(indicator: Indicator, units: pl.DataFrame | None = None) -> None:
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
