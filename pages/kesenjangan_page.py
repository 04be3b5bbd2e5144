"""Kesenjangan: where the people we are missing are, ranked, with the programme's own view
(ANC cascade, WHO drop-out categories, PTM people not served)."""

from __future__ import annotations

import polars as pl
import streamlit as st
from streamlit_folium import st_folium

from components import cards, charts, compare, data, maps, peta, state, tables
from components.i18n import lang, number, period_label, t
from phdt import gaps
from phdt.classify import Scheme
from phdt.indicators import INDICATORS, Programme, by_programme
from phdt.metrics import parse_period, people_behind

GAP_LEVELS = ("desa", "puskesmas", "kecamatan")
FINER = {"kabupaten": GAP_LEVELS, "kecamatan": ("desa", "puskesmas"), "desa": ("desa",)}  # levels inside an area

period = parse_period(st.session_state["periode"])
indicator = INDICATORS[st.session_state["indikator"]]
version = data.dataset().version
unit = compare.gap_unit(indicator)  # what a gap counts: people of the sasaran, drop-out children, desa
area = state.scope()  # every figure below is of this area's desa, and says so
named = area.label(lang())
drilled = "" if area.is_kabupaten else min(area.kecamatan)  # the map zooms to the area's kecamatan

st.title(t("scope_gap_title", indicator=indicator.label(lang()), period=period_label(period), area=named))
levels = FINER[area.level]
if st.session_state.get("gap_level") not in (None, *levels):
    st.session_state["gap_level"] = levels[0]  # a level coarser than the area has nothing to rank
level_labels = {level: t(f"level_{level}") for level in levels}
level = st.segmented_control(t("gap_level"), levels, format_func=level_labels.__getitem__, key="gap_level",
                             default=levels[0]) or levels[0]

ranked = gaps.pareto(area.units(data.units(indicator.slug, period, level, version), level))
behind = people_behind(area.units(data.units(indicator.slug, period, "desa", version), "desa"))  # the one figure
if ranked.is_empty():
    st.info(t("gaps_none"))
else:
    st.markdown(t("gap_sentence", total=number(behind), unit=unit, n=ranked.height,
                  level=level_labels[level].lower(), half=gaps.holders(ranked)))
    st.plotly_chart(charts.pareto_figure(ranked, unit), key="pareto_chart")
    # The same gaps on the map (puskesmas have no polygons of their own: their desa are drawn).
    map_level = "kecamatan" if level == "kecamatan" else "desa"
    st_folium(peta.district_map(indicator.slug, period, map_level, Scheme.TARGET.value, lang(), (), bubbles=True,
                                kecamatan=drilled),
              key="gap_map", height=maps.MAP_HEIGHT, use_container_width=True, returned_objects=[])
    tables.units_table(ranked, level, "gap_table", indicator.slug, period)

st.subheader(t(f"scope_programme_view_{indicator.programme.value}", area=named))
monthly = area.filter(data.dataset().monthly)  # the area's desa rows: its "kabupaten" total is the area's
if indicator.programme is Programme.ANC:
    steps = gaps.cascade(monthly, data.dataset().wilayah, period)
    st.plotly_chart(charts.cascade_figure(steps, [INDICATORS[s].label(lang()) for s in gaps.CASCADE],
                                          t("unit_ibu_hamil")), key="cascade_chart")
    # Three different figures, each named for what it is: only "behind" is the people not yet served.
    st.caption(t("compare_cascade_caption", k1=number(steps["numerator"][0]), k6=number(steps["numerator"][-1]),
                 lost=number(steps["numerator"][0] - steps["numerator"][-1]),
                 behind=number(people_behind(area.units(data.units("anc_k6", period, "desa", version), "desa"))),
                 not_reached=number(steps["denominator"][-1] - steps["numerator"][-1])))
elif indicator.programme is Programme.IMUNISASI:
    categories = area.units(gaps.dropout_categories(monthly, data.dataset().wilayah, period, "desa"), "desa")
    st.plotly_chart(charts.dropout_figure(categories), key="dropout_chart")
    counts = categories.group_by("category").len().sort("category")
    st.caption(" · ".join(f"{t(f'dropout_category_{c}')}: {n}" for c, n in counts.iter_rows()))
else:
    rows = []
    for ptm in by_programme(Programme.PTM):
        kab = area.row(data.units(ptm.slug, period, area.level, version))
        rows.append({t("indicator"): ptm.label(lang()), t("col_value"): round(kab["value"] or 0, 1),
                     t("col_gap"): people_behind(area.units(data.units(ptm.slug, period, "desa", version), "desa")),
                     t("compare_col_gap_unit"): compare.gap_unit(ptm), t("col_denominator"): kab["denominator"]})
    tables.show(pl.DataFrame(rows), key="ptm_table")
cards.indicator_details(indicator)
