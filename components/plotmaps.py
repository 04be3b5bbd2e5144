"""Plotly ``choropleth_map`` twins of the folium maps: MapLibre with the ``white-bg`` style needs no
tiles, so they work offline; used for small multiples (split view), the change map and exports.
They take the same layer and the same fills and legend entries as the folium map."""

from __future__ import annotations

import math
import textwrap

import plotly.graph_objects as go

from components import labels as names
from components.maps import LegendEntry

TILE_PX = 512  # MapLibre: the world is 512 px wide at zoom 0
ZOOM_MARGIN = 0.3  # zoom levels given up so the area does not touch the frame
MAP_SHARE = 0.6  # of the figure width; the colour bar with its class labels takes the rest
LABEL_CHARS = 22  # legend labels wrap at this width, so they fit beside the map


def fit(bounds: list[list[float]], width_px: int, height_px: int) -> tuple[dict, float]:
    """Centre and zoom that fit Leaflet-style bounds [[south, west], [north, east]] in a viewport
    (Web Mercator: latitude spans stretch by 1/cos(latitude))."""
    (south, west), (north, east) = bounds
    centre = {"lat": (south + north) / 2, "lon": (west + east) / 2}
    lon_span = max(east - west, 1e-6)
    lat_span = max(north - south, 1e-6) / math.cos(math.radians(centre["lat"]))
    zoom = min(math.log2(width_px * 360 / (TILE_PX * lon_span)), math.log2(height_px * 360 / (TILE_PX * lat_span)))
    return centre, round(zoom - ZOOM_MARGIN, 2)


def wrapped(label: str, width: int = LABEL_CHARS) -> str:
    """A legend label on lines of about `width` characters: plotly widens its margin to fit the
    longest label, which would narrow the map below the width its zoom was fitted to."""
    return "<br>".join(textwrap.wrap(label, width)) or label


def choropleth_figure(outlines: dict, codes: list[str], fills: list[str], hover: list[str],
                      legend: list[LegendEntry], title: str, bounds: list[list[float]],
                      height: int = 420, width_px: int = 440) -> go.Figure:
    """One trace, one copy of the geometry: each unit's class is its fill's position in `legend`,
    drawn with a stepped colour scale whose colour bar is the legend. `width_px` is the expected
    figure width (a page column), from which the zoom that fits `bounds` is computed."""
    fill_index = {fill: i for i, (fill, _, _) in enumerate(legend)}
    n = len(legend)
    scale = [[stop, fill] for i, (fill, _, _) in enumerate(legend) for stop in (i / n, (i + 1) / n)]
    centre, zoom = fit(bounds, int(width_px * MAP_SHARE), height - 40)
    fig = go.Figure(go.Choroplethmap(
        geojson=outlines, featureidkey="properties.kode", locations=codes,
        z=[fill_index[f] + 0.5 for f in fills], zmin=0, zmax=n, colorscale=scale,
        marker={"line": {"color": "#ffffff", "width": 0.6}, "opacity": 0.9},
        customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorbar={"tickvals": [i + 0.5 for i in range(n)], "ticktext": [wrapped(label) for _, label, _ in legend],
                  "x": MAP_SHARE + 0.02, "xanchor": "left", "thickness": 14, "len": 0.9, "outlinewidth": 0,
                  "tickfont": {"size": 11}},
    ))
    fig.update_layout(
        title={"text": title, "font": {"size": 15}}, height=height, margin={"l": 0, "r": 0, "t": 40, "b": 0},
        map={"style": "white-bg", "center": centre, "zoom": zoom, "domain": {"x": [0, MAP_SHARE], "y": [0, 1]}},
        meta={"bounds": bounds},  # for_export refits the zoom to an image's size
    )
    return fig


EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6_378_137


def metres_per_pixel(lat: float, zoom: float) -> float:
    """Web Mercator ground resolution at a latitude and MapLibre zoom (512 px tiles)."""
    return EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (TILE_PX * 2**zoom)


def scale_length_m(mpp: float, map_width_px: float, share: float = 0.2) -> float:
    """A round length (1, 2 or 5 × 10^k m) of at most `share` of the map's width."""
    target = share * map_width_px * mpp
    exponent = 10 ** math.floor(math.log10(target))
    return max(step * exponent for step in (1, 2, 5) if step * exponent <= target)


def for_export(fig: go.Figure, width: int, height: int, north: str) -> go.Figure:
    """The map at an image's size: zoom refitted to its bounds, a north arrow and a scale bar (a
    printed map has no zoom buttons or hover to give direction and distance)."""
    fig = go.Figure(fig)
    centre, zoom = fit(fig.layout.meta["bounds"], int(width * MAP_SHARE), height - 40)
    metres = scale_length_m(metres_per_pixel(centre["lat"], zoom), width * MAP_SHARE)
    bar = metres / metres_per_pixel(centre["lat"], zoom) / width  # in paper (figure-width) units
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    fig.update_layout(width=width, height=height, map={"center": centre, "zoom": zoom})
    fig.add_shape(type="line", xref="paper", yref="paper", x0=0.02, x1=0.02 + bar, y0=0.04, y1=0.04,
                  line={"color": "#222", "width": 3})
    fig.add_annotation(xref="paper", yref="paper", x=0.02 + bar / 2, y=0.05, text=label, showarrow=False,
                       yanchor="bottom", font={"size": 13, "color": "#222"})
    fig.add_annotation(xref="paper", yref="paper", x=MAP_SHARE - 0.03, y=0.9, text=f"▲<br><b>{north}</b>",
                       showarrow=False, font={"size": 16, "color": "#222"})
    return fig


AREA_MIN_WIDTH = 330  # px: the PWS map's column on a 1366 px screen, the narrowest it is shown
LEGEND_PX = 60  # a horizontal legend of up to six entries under the map


def _rings(geometry: dict) -> list[list[list[float]]]:
    """The outer rings of a Polygon or MultiPolygon (holes are filled by the unit drawn inside them)."""
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def outline_figure(geometries: list[dict], fills: list[str], hover: list[str], legend: list[LegendEntry],
                   labels: list[tuple[float, float, str]], title: str, bounds: list[list[float]],
                   height: int = 420) -> go.Figure:
    """A few units (one puskesmas's desa) drawn as plain filled outlines with their names written on
    them, dark on a white halo as on the folium maps, none over another (components.labels). MapLibre can write text only with glyphs fetched
    from a font server, which an offline Dinkes does not reach, and names laid over its canvas would
    drift from their units when it is panned; as SVG shapes and text they pan and zoom together, and
    export as they are. Longitude and latitude keep their true ratio (1/cos(latitude)). `labels` are
    (lon, lat, name) with names already escaped; `legend` entries become legend items."""
    (south, west), (north, east) = bounds
    fig = go.Figure()
    order = sorted(range(len(geometries)), key=lambda i: -_extent(geometries[i]))  # enclosed units on top
    for i in order:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in _rings(geometries[i]):
            xs += [p[0] for p in ring] + [None]
            ys += [p[1] for p in ring] + [None]
        fig.add_scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=fills[i], line={"color": "#ffffff", "width": 0.8},
                        hoveron="fills", name=hover[i], hoverinfo="name", hoverlabel={"namelength": -1}, showlegend=False)
    for fill, label, _ in legend:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=label, showlegend=True, hoverinfo="skip",
                        marker={"symbol": "square", "size": 13, "color": fill})
    pad_x, pad_y = 0.03 * (east - west), 0.03 * (north - south)
    ratio = 1 / math.cos(math.radians((south + north) / 2))
    x_range, y_range = [west - pad_x, east + pad_x], [south - pad_y, north + pad_y]
    plot = (AREA_MIN_WIDTH, height - 40 - LEGEND_PX)
    scale = min(plot[0] / (x_range[1] - x_range[0]), plot[1] / ((y_range[1] - y_range[0]) * ratio))  # px per degree
    centre = ((x_range[0] + x_range[1]) / 2, (y_range[0] + y_range[1]) / 2)

    def px(x: float, y: float) -> tuple[float, float]:
        return plot[0] / 2 + (x - centre[0]) * scale, plot[1] / 2 - (y - centre[1]) * scale * ratio

    spots = names.place([], [(*px(x, y), name, False) for x, y, name in labels], plot, centred=True)
    for (x, y, name), spot in zip(labels, spots, strict=True):
        names.annotate(fig, x, y, name, spot)
    fig.update_layout(
        title={"text": title, "font": {"size": 15}}, height=height, margin={"l": 0, "r": 0, "t": 40, "b": 0},
        plot_bgcolor="#ffffff", hovermode="closest", dragmode="pan",
        legend={"orientation": "h", "yanchor": "top", "y": 0, "x": 0, "font": {"size": 11}},
        xaxis={"visible": False, "range": x_range},
        yaxis={"visible": False, "range": y_range, "scaleanchor": "x", "scaleratio": ratio},
        meta={"bounds": bounds},
    )
    return fig


def _extent(geometry: dict) -> float:
    points = [p for ring in _rings(geometry) for p in ring]
    if not points:
        return 0.0
    return (max(p[0] for p in points) - min(p[0] for p in points)) * (max(p[1] for p in points) - min(p[1] for p in points))
