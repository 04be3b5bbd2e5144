"""The Peta map: choropleth (or point fallback) of one indicator.

st_folium mutates the folium objects it renders, so a Map is never shared between sessions:
it is assembled on every run from cached, plain-data parts (GeoJSON dicts, legend HTML).
"""

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


@st.cache_data(max_entries=128, show_spinner=False)
def _choropleth_features(slug: str, period: date, level: str, lang: str, version: str) -> dict:
    """Per-view GeoJSON (`lang` keys the cache: tooltips are translated)."""
    layer, _ = layer_for(level)
    return maps.choropleth_features(layer, data.units(slug, period, level, version))


@st.cache_data(max_entries=8, show_spinner=False)
def _outline_features(level: str, code: str = "") -> dict:
    layer, _ = layer_for(level)
    return layer[layer["kode"] == code].__geo_interface__ if code else layer[["kode", "geometry"]].__geo_interface__


def puskesmas_points() -> pl.DataFrame:
    return data.dataset().fasilitas.filter(pl.col("tipe") == "puskesmas").select("nama", "lat", "lon")


def district_map(slug: str, period: date, level: str, lang: str) -> folium.Map:
    """A fresh map for one indicator, period, level and language."""
    indicator, version = INDICATORS[slug], data.dataset().version
    layer, polygons = layer_for(level)
    name = indicator.label(lang)
    m = maps.base_map()
    if polygons:
        maps.choropleth_layer(_choropleth_features(slug, period, level, lang, version), name).add_to(m)
        if level == "desa" and layer_for("kecamatan")[1]:
            maps.outline_layer(_outline_features("kecamatan"), weight=1.5).add_to(m)
    else:
        maps.point_layer(layer, data.units(slug, period, level, version), name).add_to(m)
    maps.puskesmas_layer(puskesmas_points()).add_to(m)
    source = t("synthetic_badge") if data.dataset().synthetic else str(data.dataset().manifest.get("source", ""))
    title = t("legend_title", indicator=name, period=period_label(period))
    maps.Legend(maps.legend_html(title, maps.legend_entries(indicator, period.month), source, True)).add_to(m)
    m.fit_bounds(maps.bounds_of(layer))
    return m


def selection_outline(code: str) -> folium.FeatureGroup:
    """Thick outline of the selected kecamatan, added without re-mounting the map."""
    group = folium.FeatureGroup(name="selection")
    if code and layer_for("kecamatan")[1]:
        maps.outline_layer(_outline_features("kecamatan", code), weight=4, colour="#000000").add_to(group)
    return group


def on_map_click() -> None:
    """Map click -> kecamatan filter (runs before the script, so it may set the sidebar widget)."""
    feature = (st.session_state.get("peta_map") or {}).get("last_active_drawing")
    if feature and "kode" in feature.get("properties", {}):
        st.session_state["kecamatan"] = feature["properties"]["kode"][:8]
