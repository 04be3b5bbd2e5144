"""Rapat puskesmas: one puskesmas's monthly review meeting, section by section (each a URL)."""

from __future__ import annotations

import streamlit as st

from components import data, review, state
from components.i18n import lang, period_label, t
from phdt.indicators import INDICATORS
from phdt.metrics import parse_period

period = parse_period(st.session_state["periode"])
indicator = INDICATORS[st.session_state["indikator"]]
area = state.scope()
offered = sorted(area.puskesmas)  # a puskesmas serves desa of one kecamatan: the chooser follows the area
moved_from = None
if st.session_state["puskesmas"] not in offered:
    moved_from, st.session_state["puskesmas"] = st.session_state["puskesmas"], offered[0]
puskesmas = st.session_state["puskesmas"]
serves = state.puskesmas_scope(puskesmas)

st.title(t("puskesmas_title", name=puskesmas, period=period_label(period)))
st.caption(t("scope_puskesmas_serves", puskesmas=serves.label(lang()), n=len(serves.desa), kecamatan=serves.parent))
if moved_from and moved_from != data.puskesmas_names()[0]:  # one the user chose, not the default
    st.info(t("scope_puskesmas_moved", old=moved_from, area=area.label(lang()), new=puskesmas), icon=":material/info:")
if area.level == "desa":
    st.info(t("scope_puskesmas_whole", puskesmas=serves.label(lang()), area=area.label(lang())), icon=":material/info:")
choice, section_column = st.columns([1, 2])
with choice:
    label = t("col_puskesmas") if area.is_kabupaten else t("scope_puskesmas_choice", area=area.label(lang()))
    st.selectbox(label, offered, key="puskesmas")
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
