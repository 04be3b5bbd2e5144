"""Plotly ``choropleth_map`` twins of the folium maps: MapLibre with the ``white-bg`` style needs no
tiles, so they work offline; used for small multiples (split view), the change map and exports.
They take the same layer and the same fills and legend entries as the folium map."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from components.maps import LegendEntry

TILE_PX = 512  # MapLibre: the world is 512 px wide at zoom 0
ZOOM_MARGIN = 0.3  # zoom levels given up so the area does not touch the frame
MAP_SHARE = 0.6  # of the figure width; the colour bar with its class labels takes the rest


def fit(bounds: list[list[float]], width_px: int, height_px: int) -> tuple[dict, float]:
    """Centre and zoom that fit Leaflet-style bounds [[south, west], [north, east]] in a viewport
    (Web Mercator: latitude spans stretch by 1/cos(latitude))."""
    (south, west), (north, east) = bounds
    centre = {"lat": (south + north) / 2, "lon": (west + east) / 2}
    lon_span = max(east - west, 1e-6)
    lat_span = max(north - south, 1e-6) / math.cos(math.radians(centre["lat"]))
    zoom = min(math.log2(width_px * 360 / (TILE_PX * lon_span)), math.log2(height_px * 360 / (TILE_PX * lat_span)))
    return centre, round(zoom - ZOOM_MARGIN, 2)


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
        colorbar={"tickvals": [i + 0.5 for i in range(n)], "ticktext": [label for _, label, _ in legend],
                  "x": MAP_SHARE + 0.02, "xanchor": "left", "thickness": 14, "len": 0.9, "outlinewidth": 0,
                  "tickfont": {"size": 11}},
    ))
    fig.update_layout(
        title={"text": title, "font": {"size": 15}}, height=height, margin={"l": 0, "r": 0, "t": 40, "b": 0},
        map={"style": "white-bg", "center": centre, "zoom": zoom, "domain": {"x": [0, MAP_SHARE], "y": [0, 1]}},
    )
    return fig
