"""Dojo: puskesmas compared fairly (funnel plot, league table, scorecard, equity), and the session in
which presenting puskesmas are critiqued by their peers. Each section is a URL (``dojo``, ``sesi``)."""

from __future__ import annotations

import streamlit as st

from components import data, dojo, layout, state
from components.i18n import lang, period_label, t
from phdt.indicators import INDICATORS
from phdt.metrics import parse_period

period = parse_period(st.session_state["periode"])
indicator = INDICATORS[st.session_state["indikator"]]

st.title(t("dojo_title"))
area, whole = state.scope(), data.area("", "", data.version_id())
if not area.is_kabupaten:  # a fair comparison needs every puskesmas: the area is not applied, and we say so
    st.info(t("scope_dojo_whole", kabupaten=whole.label(lang()), area=area.label(lang())), icon=":material/info:")
sections = {s: t(f"dojo_section_{s}") for s in state.DOJO_SECTIONS}
st.segmented_control(t("section"), state.DOJO_SECTIONS, format_func=sections.__getitem__, key="dojo")
section = st.session_state["dojo"] or state.DOJO_SECTIONS[0]

if section in ("sesi", "ringkasan"):
    session = dojo.current_session()
    if session is None:
        dojo.session_list(period)
    elif section == "sesi":
        shown = dojo.session_header(session)
        dojo.session_panels(session, shown)
        dojo.critique_tabs(session)
    else:
        dojo.session_summary(session)
else:
    scope_line = t("dojo_scope", indicator=indicator.label(lang()), period=period_label(period))
    st.caption(f"{whole.label(lang())} · {scope_line}")
    if section == "funnel":
        dojo.funnel_section(indicator, period, data.comparison_period(period))
    elif section == "peringkat":
        dojo.league_section(indicator, period, layout.comparison_picker(period, indicator))
    elif section == "rapor":
        dojo.scorecard_section(period, layout.comparison_picker(period))
    else:
        dojo.equity_section(indicator, period)
