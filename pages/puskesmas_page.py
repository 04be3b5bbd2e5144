"""Rapat puskesmas: one puskesmas's monthly review meeting, section by section (each a URL)."""

from __future__ import annotations

import streamlit as st

from components import data, review, state
from components.i18n import lang, period_label, t
from phdt.indicators import INDICATORS
from phdt.metrics import parse_period

period = parse_period(st.session_state["periode"])
indicator = INDICATORS[st.session_state["indikator"]]
puskesmas = st.session_state["puskesmas"]

st.title(t("puskesmas_title", name=puskesmas, period=period_label(period)))
choice, section_column = st.columns([1, 2])
with choice:
    st.selectbox(t("col_puskesmas"), data.puskesmas_names(), key="puskesmas")
with section_column:
    sections = {s: t(f"section_{s}") for s in state.REVIEW_SECTIONS}
    st.segmented_control(t("section"), state.REVIEW_SECTIONS, format_func=sections.__getitem__, key="bagian")
section = st.session_state["bagian"] or state.REVIEW_SECTIONS[0]

if section == "profil":
    review.profile(puskesmas, period)
elif section == "pws":
    st.caption(t("pws_indicator_hint", indicator=indicator.label(lang())))
    review.pws_section(puskesmas, period, indicator)
elif section == "kualitas":
    review.quality_section(puskesmas, period)
else:
    review.actions_section(puskesmas, period)
