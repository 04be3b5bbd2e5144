"""Peta: the chosen indicator by kecamatan or desa. A click drills down (kecamatan -> its desa ->
the desa card); the split view compares two periods with a change map."""

from __future__ import annotations

import polars as pl
import streamlit as st
from streamlit_folium import st_folium

from components import compare, data, layout, maps, peta, state, tables
from components.desa_card import desa_card
from components.i18n import lang, number, period_label, t
from geo.coverage import DEFAULT_MAX_KM
from phdt import metrics
from phdt.classify import Scheme
from phdt.indicators import INDICATORS
from phdt.metrics import parse_period
from phdt.schema import FACILITY_TYPES

period = parse_period(st.session_state["periode"])
indicator = INDICATORS[st.session_state["indikator"]]
area = state.scope()
kecamatan, desa = ("" if area.is_kabupaten else min(area.kecamatan)), (area.code if area.level == "desa" else "")
version = data.dataset().version
mapped = data.area(kecamatan, "", version)  # a chosen desa opens its card on its kecamatan's map

st.title(t("scope_peta_title", indicator=indicator.label(lang()), period=period_label(period),
           area=mapped.label(lang())))
layout.breadcrumb()
level_column, scheme_column, view_column = st.columns([2, 3, 3])
with level_column:
    level_labels = {level: t(f"level_{level}") for level in state.MAP_LEVELS}
    st.segmented_control(t("map_level"), state.MAP_LEVELS, format_func=level_labels.__getitem__, key="tingkat",
                         disabled=bool(kecamatan))  # drilled down: always the kecamatan's desa
with scheme_column:
    scheme_labels = {scheme.value: t(f"scheme_{scheme.value}") for scheme in Scheme}
    st.segmented_control(t("map_scheme"), list(scheme_labels), format_func=scheme_labels.__getitem__,
                         key="klasifikasi", help=t("map_scheme_help"))
with view_column:
    view_labels = dict(zip(state.MAP_VIEWS, (t("view_choropleth"), t("view_bubbles"), t("view_compare")), strict=True))
    st.segmented_control(t("map_view"), state.MAP_VIEWS, format_func=view_labels.__getitem__, key="tampilan")
level = "desa" if kecamatan else st.session_state["tingkat"] or state.MAP_LEVELS[0]
scheme = st.session_state["klasifikasi"] or Scheme.TARGET.value
view = st.session_state["tampilan"] or state.MAP_VIEWS[0]

_, polygons = peta.layer_for(level)
if not polygons:
    st.info(t("no_boundaries"), icon=":material/map:")

if view == "banding":
    earlier = layout.comparison_picker(period, indicator)
    compared = metrics.comparison(indicator, period, earlier)
    if compared is not None:  # what the change map and table measure, said before them
        st.markdown(compare.note(compared))
    now_column, earlier_column = st.columns(2)
    for column, shown in ((now_column, period), (earlier_column, earlier)):
        with column:
            st.plotly_chart(peta.twin_figure(indicator.slug, shown, level, scheme, lang(), version, kecamatan),
                            key=f"twin_{shown:%Y%m}", config={"displaylogo": False})
    change_column, table_column = st.columns(2)
    if compared is not None:
        with change_column:
            st.plotly_chart(peta.change_figure(indicator.slug, period, earlier, level, lang(), version, kecamatan),
                            key="change_map", config={"displaylogo": False})
        with table_column:
            changes = metrics.change(data.units(indicator.slug, period, level, version),
                                     data.units(indicator.slug, earlier, level, version), compared)
            tables.change_table(mapped.units(changes, level), compared,
                                period_label(earlier), period_label(period), key="change_table")
        st.caption(t("compare_caption"))
else:
    facility_labels = {tipe: t(f"facility_{tipe}") for tipe in FACILITY_TYPES}
    layer_column, catchment_column = st.columns([3, 1], vertical_alignment="bottom")
    with layer_column:
        # A province has hundreds of puskesmas: their icons would hide the map, so none by default.
        default_types = ["puskesmas"] if len(data.kecamatan_names()) <= peta.MAX_LABELS else []
        facility_types = tuple(st.multiselect(t("facility_layers"), FACILITY_TYPES, default=default_types,
                                              format_func=facility_labels.__getitem__, key="facility_layers"))
    with catchment_column:
        catchments = st.toggle(t("catchment_layer"), key="catchments", disabled=not polygons)
    st_folium(
        peta.district_map(indicator.slug, period, level, scheme, lang(), facility_types,
                          bubbles=view == "gelembung", kecamatan=kecamatan, catchments=catchments),
        key="peta_map", height=maps.MAP_HEIGHT, use_container_width=True, returned_objects=["last_active_drawing"],
        on_change=peta.on_map_click,
        feature_group_to_add=peta.selection_outline(kecamatan, desa),
    )
    if polygons and not desa:
        st.caption(t("map_click_hint"))

if desa:
    desa_card(desa, period, indicator)

units = mapped.units(data.units(indicator.slug, period, level, version), level)
missing = units.filter(~pl.col("has_data")).height
if missing and level == "desa":
    st.caption(t("data_missing_notice", n=missing))
st.subheader(t("scope_units_table", level=t(f"level_{level}"), area=mapped.label(lang())))
tables.units_table(units, level, "peta_table", indicator.slug, period)

far = peta.access_beyond(lang(), version)
limits = {"pustu": number(DEFAULT_MAX_KM["pustu"]), "posyandu": number(DEFAULT_MAX_KM["posyandu"])}
with st.expander(t("access_title", **limits)):
    if far.is_empty():
        st.info(t("access_none"))
    else:
        st.markdown(t("access_summary", n=far.height, people=number(far[t("col_people")].sum())))
        tables.show(far, key="access_table")
    st.caption(t("access_caption"))
