"""Ringkasan: programme headlines, the trend of the chosen indicator, and the largest gaps in people."""

from __future__ import annotations

import streamlit as st

from components import cards, charts, compare, data, state, tables
from components.i18n import lang, month_name, period_label, t
from phdt.gaps import holders, pareto
from phdt.indicators import INDICATORS, Programme, headline
from phdt.metrics import parse_period, people_behind

period = parse_period(st.session_state["periode"])
indicator = INDICATORS[st.session_state["indikator"]]
area = state.scope()  # cards, trend and gaps: one area, named in every headline
version = data.dataset().version

st.title(t("ringkasan_title", period=period_label(period)))
st.caption(t("ringkasan_caption", month=month_name(period.month)))

st.subheader(t("scope_cards_title", area=area.label(lang())))
for column, programme in zip(st.columns(3), Programme, strict=True):
    with column:
        cards.headline_card(headline(programme), period, area)

trend = data.trend(indicator.slug, area.level, None if area.is_kabupaten else area.code, version)
st.plotly_chart(charts.trend_figure(trend, period, t("trend_title", indicator=indicator.label(lang()),
                                                     area=area.label(lang()))), key="trend_chart")

desa = area.units(data.units(indicator.slug, period, "desa", version), "desa")
st.subheader(t("scope_gaps_title", indicator=indicator.label(lang()), period=period_label(period),
               area=area.label(lang())))
ranked = pareto(desa)
if ranked.is_empty():
    st.info(t("gaps_none"))
else:
    st.markdown(t("gaps_sentence", gap_total=tables.fmt_int(people_behind(desa)), unit=compare.gap_unit(indicator),
                  n_units=ranked.height, pareto=holders(ranked)))
    tables.units_table(ranked.head(10), "desa", "gaps_table", indicator.slug, period)
cards.indicator_details(indicator)
