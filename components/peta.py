"""The Peta map: choropleth (or point fallback) of one indicator, cached per view."""

from __future__ import annotations

from datetime import date

import folium
import geopandas as gpd
import polars as pl
import streamlit as st

from components import data, maps
from components.i18n import period_label, t
from geo import boundaries
from phdt.indicators import INDICATORS


def layer_for(level: str) -> tuple[gpd.GeoDataFrame, bool]:
    """Polygons of `level` when boundary files are available, else centre points (False)."""
    layer = data.boundary_layer(level)
    if isinstance(layer, boundaries.BoundaryLayer):
        return layer.gdf, True
    wilayah = data.dataset().wilayah
    points = boundaries.kecamatan_points(wilayah) if level == "kecamatan" else boundaries.centroid_points(wilayah)
    return points, False


def puskesmas_points() -> pl.DataFrame:
    return data.dataset().fasilitas.filter(pl.col("tipe") == "puskesmas").select(
        pl.col("nama"), "lat", "lon"
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def district_map(slug: str, period: date, level: str, lang: str, version: str) -> folium.Map:
    """The map for one indicator, period, level and language; `lang` and `version` key the cache."""
    indicator = INDICATORS[slug]
    summary = data.units(slug, period, level, version)
    layer, polygons = layer_for(level)
    m = maps.base_map()
    name = indicator.label(lang)
    if polygons:
        maps.choropleth_layer(layer, summary, name).add_to(m)
        if level == "desa":
            kecamatan, has_kecamatan = layer_for("kecamatan")
            if has_kecamatan:
                maps.outline_layer(kecamatan, weight=1.5).add_to(m)
    else:
        maps.point_layer(layer, summary, name).add_to(m)
    maps.puskesmas_layer(puskesmas_points()).add_to(m)
    source = t("synthetic_badge") if data.dataset().synthetic else str(data.dataset().manifest.get("source", ""))
    title = t("legend_title", indicator=name, period=period_label(period))
    maps.Legend(maps.legend_html(title, maps.legend_entries(indicator, period.month), source, True)).add_to(m)
    m.fit_bounds(maps.bounds_of(layer))
    return m


def selection_outline(code: str) -> folium.FeatureGroup | None:
    """Thick outline of the selected kecamatan, added without re-mounting the map."""
    layer, polygons = layer_for("kecamatan")
    group = folium.FeatureGroup(name="selection")
    if code and polygons:
        maps.outline_layer(layer[layer["kode"] == code], weight=4, colour="#000000").add_to(group)
    return group


def on_map_click() -> None:
    """Map click -> kecamatan filter (runs before the script, so it may set the sidebar widget)."""
    feature = (st.session_state.get("peta_map") or {}).get("last_active_drawing")
    if feature and "kode" in feature.get("properties", {}):
        st.session_state["kecamatan"] = feature["properties"]["kode"][:8]
