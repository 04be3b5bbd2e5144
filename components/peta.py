"""The Peta map: choropleth (or point fallback) of one indicator.

st_folium mutates the folium objects it renders, so a Map is never shared between sessions:
it is assembled on every run from cached, plain-data parts (GeoJSON dicts, legend HTML).
"""

from __future__ import annotations

import html
from datetime import date

import folium
import geopandas as gpd
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from components import compact, compare, data, maps, plotmaps, state
from components.i18n import lang, percent, period_label, signed, t
from geo import boundaries
from phdt import formats, metrics
from phdt.classify import Scheme
from phdt.indicators import INDICATORS

KECAMATAN_CODE_LENGTH, DESA_CODE_LENGTH = 8, 13  # 33.03.08, 33.03.08.2013
MAX_LABELS = 60  # kecamatan of a kabupaten, desa of a kecamatan; a province map would be unreadable


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
def unit_bounds(level: str) -> dict[str, list[list[float]]]:
    """Leaflet bounds of every polygon, to zoom to a kecamatan (or desa) on drill-down."""
    layer, _ = layer_for(level)
    return {code: [[b[1], b[0]], [b[3], b[2]]] for code, b in zip(layer["kode"], layer.geometry.bounds.to_numpy())}


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


@st.cache_resource(show_spinner=False)
def _encoded(level: str) -> tuple[int, list]:
    """The polygons in the compact encoding (scale, geometry), computed once per process."""
    layer, _ = layer_for(level)
    scale = compact.quantum(boundaries.effective_tolerance(boundaries.TOLERANCE_M[level], layer))
    return scale, [compact.encode(shape, scale) for shape in _shapes(level)[2]]


@st.cache_data(max_entries=128, show_spinner=False)
def _properties(slug: str, period: date, level: str, scheme: str, lang: str, version: str) -> list[dict]:
    """Each unit's fill and tooltip properties, in layer order."""
    codes, names, _, _ = _shapes(level)
    summary, _ = classified(slug, period, level, scheme, lang, version)
    return maps.unit_properties(codes, names, summary)


def _indices(level: str, prefix: str = "") -> list[int]:
    """Positions in the layer of the units whose code starts with `prefix` (all for '')."""
    return [i for i, code in enumerate(_shapes(level)[0]) if code.startswith(prefix)]


@st.cache_resource(show_spinner=False)
def _labels(level: str) -> dict:
    """Unit names at a point inside each unit, for the label layer."""
    codes, names, _, _ = _shapes(level)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kode": code, "nama": html.escape(str(name))}, "geometry": point}
        for code, name, point in zip(codes, names, _points(level), strict=True)
    ]}


@st.cache_resource(show_spinner=False)
def _catchments() -> dict:
    """Puskesmas wilayah kerja outlines (union of their desa), as GeoJSON."""
    from geo import coverage

    outlines = coverage.catchments(layer_for("desa")[0], data.dataset().wilayah)
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"puskesmas": html.escape(name)}, "geometry": geometry}
        for name, geometry in zip(outlines["puskesmas"], maps.geometries(outlines), strict=True)
    ]}


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
    width = KECAMATAN_CODE_LENGTH if level == "kecamatan" else DESA_CODE_LENGTH
    rows = data.dataset().fasilitas.filter(pl.col("tipe") == tipe).with_columns(
        pl.col("kode_desa", "puskesmas").cast(pl.String)
    ).with_columns(unit=pl.col("kode_desa").str.slice(0, width))
    return rows.join(units, on="unit", how="left").with_columns(pl.col("area").fill_null("–"))


def _within(features: dict, prefix: str) -> dict:
    """The features whose code starts with `prefix` (the desa of one kecamatan); all for ''."""
    if not prefix:
        return features
    return {"type": "FeatureCollection",
            "features": [f for f in features["features"] if f["properties"]["kode"].startswith(prefix)]}


def district_map(slug: str, period: date, level: str, scheme: str, lang: str, facility_types: tuple[str, ...],
                 bubbles: bool = False, kecamatan: str = "", catchments: bool = False) -> folium.Map:
    """A fresh map for one indicator, period, level, classification, language and facility layers;
    `bubbles` shows circles sized by the gap in people over plain outlines instead of a choropleth.
    With a `kecamatan` the map is drilled down: its desa only, zoomed to it, the other kecamatan as
    outlines for context (classes stay those of the whole district, so colours compare)."""
    indicator, version = INDICATORS[slug], data.dataset().version
    layer, polygons = layer_for(level)
    bounds = _shapes(level)[3] if polygons else maps.bounds_of(layer)
    summary, legend = classified(slug, period, level, scheme, lang, version)
    name = indicator.label(lang)
    drilled = kecamatan if polygons and level == "desa" else ""
    m = maps.base_map()
    bubble_sizes = []
    if bubbles and polygons:
        max_gap = int(summary["gap"].max() or 0)
        maps.outline_polygons(_encoded(level), _indices(level, drilled), weight=0.8, colour="#888888").add_to(m)
        points = maps.point_features(_points(level), _properties(slug, period, level, scheme, lang, version))
        maps.bubble_layer(_within(points, drilled), bounds, name, max_gap).add_to(m)
        bubble_sizes = maps.bubble_legend(max_gap, compare.gap_unit(indicator))
    elif polygons:
        properties = _properties(slug, period, level, scheme, lang, version)
        maps.choropleth_layer(_encoded(level), _indices(level, drilled), properties).add_to(m)
    if polygons and level == "desa" and layer_for("kecamatan")[1]:
        maps.outline_polygons(_encoded("kecamatan"), _indices("kecamatan"), weight=1.5, colour="#333333").add_to(m)
    elif not polygons:
        maps.point_layer(layer, summary, name).add_to(m)
    lines = []
    if catchments and polygons and layer_for("desa")[1]:
        maps.catchment_layer(_catchments(), bounds, t("catchment_layer")).add_to(m)
        lines.append((maps.CATCHMENT_LINE, t("catchment_layer")))
    for tipe in facility_types:
        maps.facility_layer(facilities(tipe, slug, period, level, lang, version), tipe, bounds).add_to(m)
    source = t("synthetic_badge") if data.dataset().synthetic else str(data.dataset().manifest.get("source", ""))
    title = t("legend_title", indicator=name, period=period_label(period))
    maps.Legend(maps.legend_html(title, legend, source, facility_types, bubble_sizes, lines)).add_to(m)
    if drilled:  # keep the kecamatan clear of the legend (top right)
        m.fit_bounds(unit_bounds("kecamatan")[drilled], padding_bottom_right=(270, 10))
    else:
        m.fit_bounds(bounds)
    # Names as context, where they stay readable.
    labels = _within(_labels("desa"), drilled) if drilled else _labels("kecamatan")
    if polygons and len(labels["features"]) <= MAX_LABELS:
        maps.Labels(labels).add_to(m)
    return m


@st.cache_data(max_entries=32, show_spinner=False)
def twin_figure(slug: str, period: date, level: str, scheme: str, lang: str, version: str,
                kecamatan: str = "") -> go.Figure:
    """The plotly twin of the folium choropleth: same classes, fills and legend."""
    summary, legend = classified(slug, period, level, scheme, lang, version)
    hover = [f"{html.escape(str(n))}: {percent(v) if ok else t('legend_no_data')}"
             for n, v, ok in summary.select("nama", "value", "has_data").iter_rows()]
    return _twin(summary.with_columns(hover=pl.Series(hover, dtype=pl.String)), legend, level, kecamatan,
                 period_label(period))


@st.cache_data(max_entries=32, show_spinner=False)
def change_figure(slug: str, period: date, earlier: date, level: str, lang: str, version: str,
                  kecamatan: str = "") -> go.Figure:
    """Change map between `earlier` and `period`, diverging classes, measured as
    metrics.comparison says (coverage points, or points closer to the target to date) and titled so."""
    compared = metrics.comparison(INDICATORS[slug], period, earlier)
    changes = metrics.change(data.units(slug, period, level, version), data.units(slug, earlier, level, version),
                             compared)
    filled, legend = maps.classify_change(changes, compared)
    distance = compared.basis is metrics.Basis.DISTANCE
    expected, earlier_expected = (percent(compared.indicator.expected(p.month)) for p in (period, earlier))
    hover = [
        (t("compare_hover_distance", name=html.escape(str(n)), before=percent(before), now=percent(now),
           expected=expected, earlier_expected=earlier_expected) if distance
         else f"{html.escape(str(n))}: {percent(before)} → {percent(now)}")
        + ("" if delta is None else
           f" ({t('compare_distance_points' if distance else 'change_points', delta=signed(delta))})")
        for n, before, now, delta in filled.select("nama", "earlier_value", "value", "delta").iter_rows()
    ]
    return _twin(filled.with_columns(hover=pl.Series(hover, dtype=pl.String)), legend, level, kecamatan,
                 compare.title(compared))


def _twin(units: pl.DataFrame, legend: list, level: str, kecamatan: str, title: str) -> go.Figure:
    layer, polygons = layer_for(level)
    drilled = kecamatan if polygons and level == "desa" else ""
    outlines = _within(_outline_features(level), drilled) if polygons else {"type": "FeatureCollection", "features": []}
    shown = units.filter(pl.col("kode").str.starts_with(drilled))
    bounds = unit_bounds("kecamatan").get(drilled) or (_shapes(level)[3] if polygons else maps.bounds_of(layer))
    return plotmaps.choropleth_figure(outlines, shown["kode"].to_list(), shown["fill"].to_list(),
                                      shown["hover"].to_list(), legend, title, bounds)


def area_figure(codes: list[str], fills: list[str], hover: list[str], legend: list, title: str) -> go.Figure:
    """A plotly map of a few desa (e.g. one puskesmas's wilayah kerja) with given fills, zoomed to them.
    Up to MAX_LABELS desa, their names are written on the map as on the folium maps
    (plotmaps.outline_figure); more would be unreadable, and are drawn as the MapLibre twin."""
    boxes = [unit_bounds("desa")[code] for code in codes]
    bounds = [[min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)],
              [max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)]]
    if len(codes) <= MAX_LABELS:
        all_codes, names, geometries, _ = _shapes("desa")
        index = {code: i for i, code in enumerate(all_codes)}
        points = _points("desa")
        labels = [(*points[index[code]]["coordinates"], html.escape(str(names[index[code]]))) for code in codes]
        figure = plotmaps.outline_figure([geometries[index[code]] for code in codes], fills, hover, legend, labels,
                                         title, bounds)
    else:
        wanted = set(codes)
        outlines = {"type": "FeatureCollection",
                    "features": [f for f in _outline_features("desa")["features"] if f["properties"]["kode"] in wanted]}
        figure = plotmaps.choropleth_figure(outlines, codes, fills, hover, legend, title, bounds)
    return figure.update_layout(separators=formats.plotly_separators(lang()))


@st.cache_data(max_entries=4, show_spinner=False)
def nearest_facilities(version: str) -> pl.DataFrame:
    """Nearest facility of each type for every desa (geo.coverage: from the desa's population point
    when boundaries are loaded, else its registry centre), distances in km."""
    from geo import coverage

    layer = data.boundary_layer("desa")
    polygons = layer.gdf if hasattr(layer, "gdf") else None
    dataset = data.dataset()
    return coverage.nearest_facilities(coverage.desa_points(polygons, dataset.wilayah), dataset.fasilitas)


@st.cache_data(max_entries=8, show_spinner=False)
def access_beyond(lang: str, version: str) -> pl.DataFrame:
    """Desa beyond the distance standards (5 km puskesmas/pustu, 2 km posyandu), most people first,
    ready to show (`lang` keys the cache: the headers are translated)."""
    from geo import coverage

    penduduk = coverage.penduduk_from_sasaran(data.dataset().sasaran)
    far = coverage.beyond(coverage.access(nearest_facilities(version), penduduk))
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
    """Map click -> drill down: a kecamatan opens its desa, a desa (or a facility in it) its card.
    Runs before the script, so it may set the sidebar widgets."""
    feature = (st.session_state.get("peta_map") or {}).get("last_active_drawing")
    code = (feature or {}).get("properties", {}).get("kode", "")
    if len(code) == DESA_CODE_LENGTH:
        state.open_area(desa=code)
    elif code:
        state.open_area(code[:KECAMATAN_CODE_LENGTH])
