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

from components import data, maps, state
from components.i18n import period_label, t
from geo import boundaries
from phdt.classify import Scheme
from phdt.indicators import INDICATORS


def layer_for(level: str) -> tuple[gpd.GeoDataFrame, bool]:
    """Polygons of `level` when boundary files are available, else centre points (False)."""
    layer = data.boundary_layer(level)
    if isinstance(layer, boundaries.BoundaryLayer):
        return layer.gdf, True
    wilayah = data.dataset().wilayah
    points = boundaries.kecamatan_points(wilayah) if level == "kecamatan" else boundaries.centroid_points(wilayah)
    return points, False


@st.cache_resource(show_spinner=False)
def _shapes(level: str) -> tuple[list[str], list[str], list[dict], list[list[float]]]:
    """Codes, names, GeoJSON geometries and bounds of a polygon layer, computed once per process.
    Read-only: every map copies what it needs into fresh dicts."""
    layer, _ = layer_for(level)
    return layer["kode"].tolist(), layer["nama"].tolist(), maps.geometries(layer), maps.bounds_of(layer)


@st.cache_resource(show_spinner=False)
def _points(level: str) -> list[dict]:
    """A point inside each unit (polygons) or the unit's centre point, as GeoJSON, for bubbles."""
    layer, polygons = layer_for(level)
    points = layer.geometry.representative_point() if polygons else layer.geometry
    return [{"type": "Point", "coordinates": [round(p.x, 5), round(p.y, 5)]} for p in points]


@st.cache_data(max_entries=128, show_spinner=False)
def classified(slug: str, period: date, level: str, scheme: str, lang: str, version: str):
    """Units with their map fill, and the legend entries (`lang` keys the cache: labels are translated)."""
    summary = data.units(slug, period, level, version)
    return maps.classify(summary, INDICATORS[slug], period.month, Scheme(scheme))


@st.cache_data(max_entries=128, show_spinner=False)
def _choropleth_features(slug: str, period: date, level: str, scheme: str, lang: str, version: str,
                         bubbles: bool = False) -> dict:
    """Unit polygons (or, for bubbles, unit points) carrying fill, gap and tooltip properties."""
    codes, names, shapes, _ = _shapes(level)
    summary, _ = classified(slug, period, level, scheme, lang, version)
    return maps.choropleth_features(codes, names, _points(level) if bubbles else shapes, summary)


def _outline_features(level: str, code: str = "") -> dict:
    codes, _, shapes, _ = _shapes(level)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kode": c}, "geometry": g}
        for c, g in zip(codes, shapes, strict=True) if not code or c == code
    ]}


@st.cache_data(max_entries=64, show_spinner=False)
def facilities(tipe: str, slug: str, period: date, level: str, lang: str, version: str) -> pl.DataFrame:
    """Facilities of one type with the indicator value of the map unit (desa or kecamatan) they stand
    in, for tooltips; reuses the summary the map already computed."""
    units = data.units(slug, period, level, version).select(
        pl.col("kode").alias("unit"),
        area=pl.format("{}: {}", pl.col("nama"), pl.col("value").round(1).cast(pl.String).fill_null("–")) + " %",
    )
    width = 8 if level == "kecamatan" else 13  # length of a kecamatan / desa code
    rows = data.dataset().fasilitas.filter(pl.col("tipe") == tipe).with_columns(
        pl.col("kode_desa", "puskesmas").cast(pl.String)
    ).with_columns(unit=pl.col("kode_desa").str.slice(0, width))
    return rows.join(units, on="unit", how="left").with_columns(pl.col("area").fill_null("–"))


def district_map(slug: str, period: date, level: str, scheme: str, lang: str,
                 facility_types: tuple[str, ...], bubbles: bool = False) -> folium.Map:
    """A fresh map for one indicator, period, level, classification, language and facility layers;
    `bubbles` shows circles sized by the gap in people over plain outlines instead of a choropleth."""
    indicator, version = INDICATORS[slug], data.dataset().version
    layer, polygons = layer_for(level)
    bounds = _shapes(level)[3] if polygons else maps.bounds_of(layer)
    summary, legend = classified(slug, period, level, scheme, lang, version)
    name = indicator.label(lang)
    m = maps.base_map()
    bubble_sizes = []
    if bubbles and polygons:
        max_gap = int(summary["gap"].max() or 0)
        maps.outline_layer(_outline_features(level), bounds, weight=0.8, colour="#888888").add_to(m)
        features = _choropleth_features(slug, period, level, scheme, lang, version, bubbles=True)
        maps.bubble_layer(features, bounds, name, max_gap).add_to(m)
        bubble_sizes = maps.bubble_legend(max_gap, t(f"unit_{indicator.denominator}"))
    elif polygons:
        maps.choropleth_layer(_choropleth_features(slug, period, level, scheme, lang, version), bounds, name).add_to(m)
        if level == "desa" and layer_for("kecamatan")[1]:
            maps.outline_layer(_outline_features("kecamatan"), bounds, weight=1.5).add_to(m)
    else:
        maps.point_layer(layer, summary, name).add_to(m)
    for tipe in facility_types:
        maps.facility_layer(facilities(tipe, slug, period, level, lang, version), tipe, bounds).add_to(m)
    source = t("synthetic_badge") if data.dataset().synthetic else str(data.dataset().manifest.get("source", ""))
    title = t("legend_title", indicator=name, period=period_label(period))
    maps.Legend(maps.legend_html(title, legend, source, facility_types, bubble_sizes)).add_to(m)
    m.fit_bounds(bounds)
    return m


@st.cache_data(max_entries=8, show_spinner=False)
def access_beyond(lang: str, version: str) -> pl.DataFrame:
    """Desa beyond the distance standards (5 km puskesmas/pustu, 2 km posyandu), most people first,
    ready to show (`lang` keys the cache: the headers are translated)."""
    from geo import coverage

    layer = data.boundary_layer("desa")
    polygons = layer.gdf if hasattr(layer, "gdf") else None
    dataset = data.dataset()
    penduduk = coverage.penduduk_from_sasaran(dataset.sasaran)
    far = coverage.beyond(coverage.analyse(polygons, dataset.wilayah, dataset.fasilitas, penduduk))
    return far.join(data.desa_index(version).rename({"kode": "kode_desa"}), on="kode_desa", how="left").select(
        pl.col("nama_desa").alias(t("col_desa")), pl.col("nama_kecamatan").alias(t("col_kecamatan")),
        pl.col("penduduk").alias(t("col_people")),
        pl.col("jarak_puskesmas_pustu_km").round(1).alias(t("col_distance_pustu")),
        pl.col("puskesmas_pustu_terdekat").alias(t("col_nearest_pustu")),
        pl.col("jarak_posyandu_km").round(1).alias(t("col_distance_posyandu")),
    )


def selection_outline(kecamatan: str, desa: str) -> folium.FeatureGroup:
    """Thick outlines of the selected kecamatan and desa, added without re-mounting the map."""
    group = folium.FeatureGroup(name="selection")
    for level, code, colour in (("kecamatan", kecamatan, "#000000"), ("desa", desa, "#00bfff")):
        if code and layer_for(level)[1]:
            maps.outline_layer(_outline_features(level, code), _shapes(level)[3], weight=4, colour=colour).add_to(group)
    return group


def on_map_click() -> None:
    """Map click -> kecamatan filter (runs before the script, so it may set the sidebar widget)."""
    feature = (st.session_state.get("peta_map") or {}).get("last_active_drawing")
    if feature and "kode" in feature.get("properties", {}):
        state.select_kecamatan(feature["properties"]["kode"][:8])
