"""A compact polygon layer for Leaflet: quantised, delta-encoded rings and columnar properties,
decoded into GeoJSON by a few lines of our own JavaScript in the map.

Plain GeoJSON spends most of a map's payload on decimal coordinates and repeated property names
(a Jawa Tengah desa map would be ~20 MB); integer deltas and one array per property make it about
a third of that, which is what keeps the province desa map under its 3 MB budget. Decoded
features carry the same properties as GeoJSON would, so clicks (st_folium returns the clicked
feature) and tests read them the same way.
"""

from __future__ import annotations

import json
import math

from branca.element import MacroElement
from jinja2 import Template
from markupsafe import Markup

METRES_PER_DEGREE = 111_320.0


def quantum(tolerance_m: float) -> int:
    """Coordinate scale (units per degree) whose step is at most a third of the simplification
    tolerance, so quantising adds no visible error to what simplification already removed."""
    return 10 ** math.ceil(math.log10(3 * METRES_PER_DEGREE / tolerance_m))


def encode(geometry: dict, scale: int) -> list[list[list[int]]]:
    """Polygon/MultiPolygon -> polygons -> rings -> [x0, y0, dx1, dy1, ...] in 1/scale degrees; the
    closing vertex is dropped (the decoder closes each ring)."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [[_ring(ring, scale) for ring in polygon] for polygon in polygons]


def _ring(ring: list[list[float]], scale: int) -> list[int]:
    flat, last_x, last_y = [], 0, 0
    for lon, lat in ring[:-1]:
        x, y = round(lon * scale), round(lat * scale)
        flat += [x - last_x, y - last_y]
        last_x, last_y = x, y
    return flat


def decode(polygons: list[list[list[int]]], scale: int) -> dict:
    """The inverse of :func:`encode` (the JavaScript decoder does the same), for tests."""
    def ring(flat: list[int]) -> list[list[float]]:
        x = y = 0
        points = []
        for dx, dy in zip(flat[::2], flat[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append([x / scale, y / scale])
        return points + points[:1]

    return {"type": "MultiPolygon", "coordinates": [[ring(r) for r in polygon] for polygon in polygons]}


class CompactPolygons(MacroElement):
    """Polygons with columnar properties. `columns` maps a property to one value per polygon;
    a `fill` column holds indices into `palette`. `tooltip` lists (property, escaped label) rows
    under the escaped `nama`; `style` and `highlight` are Leaflet path options."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.payload }};
            function ring(flat) {
                var points = [], x = 0, y = 0;
                for (var i = 0; i < flat.length; i += 2) {
                    x += flat[i]; y += flat[i + 1];
                    points.push([x / data.scale, y / data.scale]);
                }
                points.push(points[0]);
                return points;
            }
            var features = data.geometry.map(function (polygons, i) {
                var properties = {};
                Object.keys(data.columns).forEach(function (k) { properties[k] = data.columns[k][i]; });
                if (properties.fill !== undefined) { properties.fill = data.palette[properties.fill]; }
                return {type: "Feature", properties: properties, geometry: {
                    type: "MultiPolygon", coordinates: polygons.map(function (p) { return p.map(ring); })}};
            });
            var layer = L.geoJson({type: "FeatureCollection", features: features}, {
                interactive: data.interactive,
                style: function (f) {
                    return Object.assign({}, data.style, f.properties.fill ? {fillColor: f.properties.fill} : {});
                },
                onEachFeature: function (f, l) {
                    if (data.tooltip.length) {
                        var rows = data.tooltip.map(function (r) {
                            return "<tr><th>" + r[1] + "</th><td>" + f.properties[r[0]] + "</td></tr>";
                        }).join("");
                        l.bindTooltip("<b>" + f.properties.nama + "</b><table>" + rows + "</table>", {sticky: true});
                    }
                    if (data.highlight) {
                        l.on({mouseover: function (e) { e.target.setStyle(data.highlight); },
                              mouseout: function (e) { layer.resetStyle(e.target); }});
                    }
                }
            });
            layer.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, geometry: list, scale: int, columns: dict[str, list], *, palette: list[str] = (),
                 tooltip: list[tuple[str, str]] = (), style: dict, highlight: dict | None = None,
                 interactive: bool = True):
        super().__init__()
        self._name = "CompactPolygons"
        self.payload = script_json({"geometry": geometry, "scale": scale, "columns": columns,
                                    "palette": list(palette), "tooltip": [list(row) for row in tooltip],
                                    "style": style, "highlight": highlight, "interactive": interactive})


def script_json(value: object) -> Markup:
    """JSON without the spaces jinja's ``tojson`` puts after every comma (a tenth of a big map),
    with ``<``, ``>`` and ``&`` escaped the same way, so no text can close the script element."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
