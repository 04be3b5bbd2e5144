"""Peta: choropleth of the chosen indicator by kecamatan or desa; a click selects a kecamatan."""

from __future__ import annotations

import polars as pl
import streamlit as st
from streamlit_folium import st_folium

from components import data, maps, peta, state, tables
from components.i18n import lang, number, period_label, t
from geo.coverage import DEFAULT_MAX_KM
from phdt.classify import Scheme
from phdt.indicators import INDICATORS
from phdt.metrics import parse_period
from phdt.schema import FACILITY_TYPES

period = parse_period(st.session_state["periode"])
indicator = INDICATORS[st.session_state["indikator"]]
kecamatan = st.session_state["kecamatan"]
version = data.dataset().version

st.title(t("peta_title", indicator=indicator.label(lang()), period=period_label(period)))
level_column, scheme_column = st.columns(2)
with level_column:
    level_labels = {level: t(f"level_{level}") for level in state.MAP_LEVELS}
    st.segmented_control(t("map_level"), state.MAP_LEVELS, format_func=level_labels.__getitem__, key="tingkat")
with scheme_column:
    scheme_labels = {scheme.value: t(f"scheme_{scheme.value}") for scheme in Scheme}
    st.segmented_control(t("map_scheme"), list(scheme_labels), format_func=scheme_labels.__getitem__,
                         key="klasifikasi", help=t("map_scheme_help"))
view_labels = {"warna": t("view_choropleth"), "gelembung": t("view_bubbles")}
view = st.segmented_control(t("map_view"), list(view_labels), format_func=view_labels.__getitem__, key="tampilan",
                            default="warna")
facility_labels = {tipe: t(f"facility_{tipe}") for tipe in FACILITY_TYPES}
facility_types = tuple(st.multiselect(t("facility_layers"), FACILITY_TYPES, default=["puskesmas"],
                                      format_func=facility_labels.__getitem__, key="facility_layers"))
level = st.session_state["tingkat"] or state.MAP_LEVELS[0]
scheme = st.session_state["klasifikasi"] or Scheme.TARGET.value

_, polygons = peta.layer_for(level)
if not polygons:
    st.info(t("no_boundaries"), icon=":material/map:")

st_folium(
    peta.district_map(indicator.slug, period, level, scheme, lang(), facility_types,
                      bubbles=view == "gelembung"),
    key="peta_map", height=maps.MAP_HEIGHT, use_container_width=True, returned_objects=["last_active_drawing"],
    on_change=peta.on_map_click,
    feature_group_to_add=peta.selection_outline(kecamatan, st.session_state["desa"]),
)

units = data.units(indicator.slug, period, level, version)
missing = units.filter(~pl.col("has_data")).height
if missing and level == "desa":
    st.caption(t("data_missing_notice", n=missing))
if kecamatan:
    st.markdown(f"**{t('selected_kecamatan', name=data.kecamatan_names()[kecamatan])}**")
    st.button(t("clear_selection"), on_click=state.select_kecamatan, args=("",))
    units = units.filter(pl.col("kode").str.starts_with(kecamatan)) if level == "desa" else units
elif polygons:
    st.caption(t("map_click_hint"))
st.subheader(t("units_table", level=t(f"level_{level}")))
tables.units_table(units, level, key="peta_table")

far = peta.access_beyond(lang(), version)
limits = {"pustu": number(DEFAULT_MAX_KM["pustu"]), "posyandu": number(DEFAULT_MAX_KM["posyandu"])}
with st.expander(t("access_title", **limits)):
    if far.is_empty():
        st.info(t("access_none"))
    else:
        st.markdown(t("access_summary", n=far.height, people=number(far[t("col_people")].sum())))
        st.dataframe(far, hide_index=True, key="access_table")
    st.caption(t("access_caption"))
