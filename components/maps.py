"""Folium map builders that work offline.

Leaflet is served by Streamlit's static serving from ``static/vendor/leaflet``, copied at start
from the ``XStatic-Leaflet`` package; folium's other CDN assets (jQuery, Bootstrap, Font Awesome)
are dropped, and the legend is plain HTML in a Leaflet control (a branca colormap would pull d3
from a CDN). Every string that reaches HTML is escaped.
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import polars as pl
import shapely
from branca.element import MacroElement
from jinja2 import Template

from components.assets import LEAFLET_URL
from components.colours import FILL
from components.compact import CompactPolygons
from components.compare import class_label
from components.i18n import number, percent, t
from phdt.classify import Scheme, assign, change_class, change_colours, colours, edges
from phdt.indicators import Colour, Direction, Indicator
from phdt.metrics import Comparison

MAP_HEIGHT = 560


def base_map() -> folium.Map:
    m = folium.Map(tiles=None, prefer_canvas=True, control_scale=True, zoom_snap=0.25)
    m.default_js = [("leaflet", f"{LEAFLET_URL}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{LEAFLET_URL}/leaflet.css")]
    return m


class Legend(MacroElement):
    """A Leaflet control holding pre-escaped legend HTML."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var legend_{{ this.get_name() }} = L.control({position: "topright"});
        legend_{{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "phdt-legend");
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        legend_{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, legend_html: str):
        super().__init__()
        self._name = "Legend"
        self.html = legend_html


LegendEntry = tuple[str, str, str]  # fill, label, class key (read by the browser test)


def target_legend(indicator: Indicator, month: int) -> list[LegendEntry]:
    """Colour classes of the registry rule, thresholds for this month."""
    expected = indicator.expected(month)
    if indicator.direction is Direction.HIGHER:
        low = indicator.colour_rule.yellow_ratio * expected
        bands = [(Colour.GREEN, t("legend_green", expected=percent(expected))),
                 (Colour.YELLOW, t("legend_yellow", low=percent(low), expected=percent(expected))),
                 (Colour.RED, t("legend_red", low=percent(low)))]
    else:
        high = indicator.colour_rule.red_multiple * expected
        bands = [(Colour.GREEN, t("legend_green_lower", expected=percent(expected))),
                 (Colour.YELLOW, t("legend_yellow_lower", expected=percent(expected), high=percent(high))),
                 (Colour.RED, t("legend_red_lower", high=percent(high)))]
    return [(FILL[colour], label, colour.value) for colour, label in bands] + _special_classes()


def _special_classes() -> list[LegendEntry]:
    """Data-quality flag and no-data: the same classes in every scheme."""
    return [(FILL[Colour.FLAG], t("legend_flag"), Colour.FLAG.value),
            (FILL[Colour.NO_DATA], t("legend_no_data"), Colour.NO_DATA.value)]


def classify(summary: pl.DataFrame, indicator: Indicator, month: int,
             scheme: Scheme) -> tuple[pl.DataFrame, list[LegendEntry]]:
    """Add a `fill` column to `summary` for `scheme`, with the legend that explains it."""
    if scheme is Scheme.TARGET:
        fills = [FILL[Colour(c)] for c in summary["colour"]]
        return summary.with_columns(fill=pl.Series(fills, dtype=pl.String)), target_legend(indicator, month)
    regular = pl.col("has_data") & ~pl.col("flagged")
    class_edges = edges(summary.filter(regular)["value"].to_list(), scheme)
    palette = colours(len(class_edges) - 1, indicator.direction)
    fills = [
        palette[assign(value, class_edges)] if ok and not flag else FILL[Colour(colour)]
        for value, ok, flag, colour in zip(summary["value"], summary["has_data"], summary["flagged"],
                                           summary["colour"], strict=True)
    ]
    ranges = [(palette[i], f"{percent(lo)} – {percent(hi)}", f"class-{i}")
              for i, (lo, hi) in enumerate(zip(class_edges, class_edges[1:]))]
    return summary.with_columns(fill=pl.Series(fills, dtype=pl.String)), ranges + _special_classes()


def classify_change(changes: pl.DataFrame, compared: Comparison) -> tuple[pl.DataFrame, list[LegendEntry]]:
    """Add a `fill` column to metrics.change output: diverging classes of the point change, red
    for a change in the wrong direction; no change computable -> the flag or no-data class. The
    legend says what the points are (coverage, or closer to the target to date: `compared`)."""
    palette = change_colours(compared.better)
    fills = [
        palette[change_class(delta)] if delta is not None else FILL[Colour.FLAG if flag else Colour.NO_DATA]
        for delta, flag in zip(changes["delta"], changes["flagged"], strict=True)
    ]
    entries = [(palette[k], class_label(compared, k), f"change-{k}") for k in range(len(palette))]
    return changes.with_columns(fill=pl.Series(fills, dtype=pl.String)), entries + _special_classes()


def legend_html(title: str, entries: list[LegendEntry], source: str, facility_types: tuple[str, ...],
                bubbles: list[tuple[float, str]] = (), lines: list[tuple[str, str]] = ()) -> str:
    """The map legend: bubble sizes, colour classes, facility icons and outline styles
    (`lines`: colour, label), then the data source."""
    rows = "".join(
        f'<div class="phdt-legend-row phdt-legend-bubble"><i style="width:{2 * r}px;height:{2 * r}px;'
        f'border:1px solid #333;border-radius:50%;display:inline-block"></i>{html.escape(label)}</div>'
        for r, label in bubbles
    )
    rows += "".join(
        f'<div class="phdt-legend-row" data-colour="{key}" data-fill="{fill}"><span style="background:{fill}"></span>'
        f"{html.escape(label)}</div>"
        for fill, label, key in entries
    )
    rows += "".join(
        f'<div class="phdt-legend-row phdt-legend-facility">{_icon_html(tipe)}'
        f'{html.escape(t(f"facility_{tipe}"))}</div>'
        for tipe in facility_types
    )
    rows += "".join(
        f'<div class="phdt-legend-row phdt-legend-line"><i style="width:18px;border-top:2px dashed {colour};'
        f'display:inline-block"></i>{html.escape(label)}</div>'
        for colour, label in lines
    )
    return (
        '<div style="background:rgba(255,255,255,.93);padding:8px 10px;border-radius:6px;font:12px/1.4 sans-serif;'
        'box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:260px">'
        f"<strong>{html.escape(title)}</strong>{rows}"
        f'<div style="margin-top:4px;color:#555">{html.escape(t("legend_source", source=source))}</div></div>'
        "<style>.phdt-legend-row{display:flex;align-items:center;gap:6px;margin-top:3px}"
        ".phdt-legend-row span{display:inline-block;width:14px;height:14px;border:1px solid #666;flex:none}"
        ".phdt-legend-facility div{flex:none;margin:0 2px}"
        ".phdt-map-label{font:600 11px sans-serif;color:#222;text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 2px #fff}"
        "</style>"
    )


def feature_properties(summary: pl.DataFrame) -> dict[str, dict[str, str]]:
    """Tooltip-ready, escaped properties per unit code (`summary` has a `fill` from classify)."""
    return {
        row["kode"]: {
            "kode": html.escape(row["kode"]),
            "nama": html.escape(str(row["nama"])),
            "colour": row["colour"],
            "fill": row["fill"],
            "capaian": percent(row["value"]) if row["has_data"] else t("legend_no_data"),
            "pembilang": number(row["numerator"] or 0),
            "sasaran": number(row["denominator"] or 0),
            "kesenjangan": number(row["gap"] or 0),
            "gap": int(row["gap"] or 0),
        }
        for row in summary.iter_rows(named=True)
    }


def _tooltip() -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(
        fields=["nama", "capaian", "pembilang", "sasaran", "kesenjangan"],
        aliases=["", t("tooltip_value"), t("tooltip_numerator"), t("tooltip_denominator"), t("tooltip_gap")],
        sticky=True,
    )


class BoundedGeoJson(folium.GeoJson):
    """GeoJson whose bounds are given, not recomputed: folium (and st_folium, on every run) walks
    every coordinate in Python to find them, which dominated the desa map's rerun time."""

    def __init__(self, data: dict, bounds: list[list[float]], **kwargs):
        super().__init__(data, **kwargs)
        self._bounds = bounds

    def _get_self_bounds(self) -> list[list[float]]:
        return self._bounds


def geometries(layer: gpd.GeoDataFrame) -> list[dict]:
    """GeoJSON geometry dicts of a layer, serialised by GEOS (fast) rather than shapely's Python path."""
    return [json.loads(text) for text in shapely.to_geojson(layer.geometry.values)]


def unit_properties(codes: list[str], names: list[str], summary: pl.DataFrame) -> list[dict]:
    """Escaped tooltip properties of each unit, in layer order; units missing from `summary`
    are shown as having no data."""
    props = feature_properties(summary)
    missing = {"colour": Colour.NO_DATA.value, "fill": FILL[Colour.NO_DATA], "capaian": t("legend_no_data"),
               "pembilang": "–", "sasaran": "–", "kesenjangan": "–", "gap": 0}
    return [props.get(code, {"kode": html.escape(code), "nama": html.escape(str(nama)), **missing})
            for code, nama in zip(codes, names, strict=True)]


def point_features(points: list[dict], properties: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": point, "properties": props}
        for point, props in zip(points, properties, strict=True)
    ]}


TOOLTIP_FIELDS = ("capaian", "pembilang", "sasaran", "kesenjangan")


def choropleth_layer(encoded: tuple[int, list], keep: list[int], properties: list[dict]) -> CompactPolygons:
    """Units `keep` (indices into the layer) filled by class, with the value tooltip."""
    scale, geometry = encoded
    rows = [properties[i] for i in keep]
    palette = sorted({row["fill"] for row in rows})
    columns = {key: [row[key] for row in rows] for key in ("kode", "nama", "colour", *TOOLTIP_FIELDS)}
    columns["fill"] = [palette.index(row["fill"]) for row in rows]
    aliases = [html.escape(t(key)) for key in ("tooltip_value", "tooltip_numerator", "tooltip_denominator",
                                                  "tooltip_gap")]
    return CompactPolygons(
        [geometry[i] for i in keep], scale, columns, palette=palette, tooltip=list(zip(TOOLTIP_FIELDS, aliases)),
        style={"fillOpacity": 0.8, "color": "#ffffff", "weight": 1}, highlight={"weight": 3, "color": "#222222"},
    )


def outline_polygons(encoded: tuple[int, list], keep: list[int], weight: float, colour: str) -> CompactPolygons:
    """Boundaries without fill, as context (kecamatan lines over desa, desa under bubbles)."""
    scale, geometry = encoded
    return CompactPolygons([geometry[i] for i in keep], scale, {}, interactive=False,
                           style={"fill": False, "color": colour, "weight": weight})


def bubble_layer(features: dict, bounds: list[list[float]], name: str, max_gap: int) -> folium.GeoJson:
    """Circles at each unit's point with area proportional to its gap in people (radius ~ sqrt)."""
    def style(feature: dict) -> dict:
        radius = bubble_radius(feature["properties"]["gap"], max_gap)
        return {"radius": radius, "fill": True, "fillColor": feature["properties"]["fill"], "fillOpacity": 0.75,
                "color": "#333333", "weight": 1 if radius else 0}

    return BoundedGeoJson(features, bounds, name=name, marker=folium.CircleMarker(), style_function=style,
                          tooltip=_tooltip())


def bubble_radius(gap: int, max_gap: int, largest_px: float = 28.0) -> float:
    """Pixel radius so that circle *area* is proportional to the gap; 0 people -> no circle."""
    return 0.0 if gap <= 0 or max_gap <= 0 else round(largest_px * (gap / max_gap) ** 0.5, 2)


def bubble_legend(max_gap: int, unit: str) -> list[tuple[float, str]]:
    """Reference circles (radius px, label) for the largest gap and a quarter of it."""
    return [(bubble_radius(g, max_gap), f"{number(g)} {unit}") for g in (max_gap, max(1, max_gap // 4)) if max_gap > 0]


def point_layer(points: gpd.GeoDataFrame, summary: pl.DataFrame, name: str) -> folium.FeatureGroup:
    """Fallback without boundaries: one circle per unit at its centre point."""
    props = feature_properties(summary)
    group = folium.FeatureGroup(name=name)
    for code, geometry in zip(points["kode"], points.geometry, strict=True):
        p = props.get(code)
        if p is None:
            continue
        tooltip = f"<b>{p['nama']}</b><br>{html.escape(t('tooltip_value'))}: {p['capaian']}"
        folium.CircleMarker(
            [geometry.y, geometry.x], radius=7, color="#333333", weight=1, fill=True,
            fill_color=p["fill"], fill_opacity=0.9, tooltip=tooltip,
        ).add_to(group)
    return group


def outline_layer(features: dict, bounds: list[list[float]], weight: float = 2.0,
                  colour: str = "#333333") -> folium.GeoJson:
    """Boundaries without fill as plain GeoJSON: the selection, added without re-mounting the map."""
    return BoundedGeoJson(
        features, bounds, style_function=lambda _: {"fill": False, "color": colour, "weight": weight},
        interactive=False,
    )


class Labels(MacroElement):
    """Names written on the map, one per point: context when there are no tiles. Each is a
    zero-size marker whose text is centred by an inline transform, so its place never depends on
    when a stylesheet arrives (a measured tooltip would be misplaced if leaflet.css came late).
    `points` carries already-escaped `nama` properties: the text is HTML."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.geoJson({{ this.points|tojson }}, {
            pointToLayer: function (feature, latlng) {
                return L.marker(latlng, {interactive: false, keyboard: false, icon: L.divIcon({
                    className: "", iconSize: [0, 0],
                    html: '<span class="phdt-map-label" style="position:absolute;transform:translate(-50%,-50%);' +
                          'white-space:nowrap">' + feature.properties.nama + '</span>'})});
            }
        }).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, points: dict):
        super().__init__()
        self._name = "Labels"
        self.points = points


CATCHMENT_LINE = "#0b3d91"


def catchment_layer(features: dict, bounds: list[list[float]], name: str) -> folium.GeoJson:
    """Puskesmas wilayah kerja as dashed outlines; hovering names the puskesmas."""
    return BoundedGeoJson(
        features, bounds, name=name,
        style_function=lambda _: {"fill": False, "color": CATCHMENT_LINE, "weight": 2.5, "dashArray": "6 4"},
        tooltip=folium.GeoJsonTooltip(fields=["puskesmas"], labels=False),
    )


# Marker per facility type: one DivIcon each, so type is readable without colour alone.
FACILITY_ICONS = {
    "puskesmas": ("#0b3d91", 14, "+"),
    "pustu": ("#3f7fd4", 11, "p"),
    "posyandu": ("#c2185b", 8, ""),
    "posbindu": ("#2e7d32", 8, ""),
}


def _icon_html(tipe: str) -> str:
    colour, size, letter = FACILITY_ICONS[tipe]
    radius = "2px" if letter else "50%"
    return (f'<div style="width:{size}px;height:{size}px;background:{colour};color:#fff;border:1px solid #fff;'
            f'border-radius:{radius};font:bold {size - 2}px/{size - 2}px sans-serif;text-align:center">{letter}</div>')


def facility_layer(facilities: pl.DataFrame, tipe: str, bounds: list[list[float]]) -> folium.GeoJson:
    """All facilities of one type as one GeoJSON layer (one template, not three elements per marker).
    `facilities` carries escaped-ready text columns nama, puskesmas and `area` (its desa's value)."""
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
         "properties": {"kode": html.escape(row["kode_desa"]),  # a click selects the facility's kecamatan
                        "nama": html.escape(row["nama"]), "tipe": html.escape(t(f"facility_{tipe}")),
                        "puskesmas": html.escape(row["puskesmas"]), "area": html.escape(row["area"])}}
        for row in facilities.iter_rows(named=True)
    ]
    size = FACILITY_ICONS[tipe][1]
    return BoundedGeoJson(
        {"type": "FeatureCollection", "features": features}, bounds, name=t(f"facility_{tipe}"),
        marker=folium.Marker(icon=folium.DivIcon(html=_icon_html(tipe), icon_size=(size, size),
                                                 icon_anchor=(size // 2, size // 2))),
        tooltip=folium.GeoJsonTooltip(fields=["nama", "tipe", "puskesmas", "area"],
                                      aliases=["", t("facility_type"), t("col_puskesmas"), t("facility_area")]),
    )


def bounds_of(gdf: gpd.GeoDataFrame) -> list[list[float]]:
    minx, miny, maxx, maxy = gdf.total_bounds
    return [[miny, minx], [maxy, maxx]]
