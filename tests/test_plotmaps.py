"""The plotly twin map: fit of the view and one stepped colour scale for the legend classes."""

from __future__ import annotations

import math

import pytest

from components.plotmaps import (
    ZOOM_MARGIN,
    choropleth_figure,
    fit,
    for_export,
    metres_per_pixel,
    scale_length_m,
    wrapped,
)


def test_fit_zoom_by_hand():
    # 1° x 1° around the equator in a 512 x 512 view, 512 px tiles: 2^z = 512 * 360 / (512 * 1) = 360
    # -> z = log2(360) = 8.49, minus the margin.
    centre, zoom = fit([[-0.5, 110.0], [0.5, 111.0]], 512, 512)
    assert centre == {"lat": 0.0, "lon": 110.5}
    assert zoom == pytest.approx(round(math.log2(360) - ZOOM_MARGIN, 2))
    # A tall area is limited by its height (latitude stretched by 1/cos(lat) away from the equator).
    _, tall = fit([[-8.0, 109.0], [-6.0, 109.5]], 512, 512)
    assert tall == pytest.approx(round(math.log2(512 * 360 / (512 * 2 / math.cos(math.radians(-7)))) - ZOOM_MARGIN, 2))


def test_one_trace_with_a_stepped_scale_per_legend_class():
    outlines = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kode": k}, "geometry": {"type": "Point", "coordinates": [110, -7]}}
        for k in ("a", "b", "c")]}
    legend = [("#d73027", "Merah", "red"), ("#1a9850", "Hijau", "green"), ("#bdbdbd", "Tidak ada data", "no_data")]
    fig = choropleth_figure(outlines, ["a", "b", "c"], ["#1a9850", "#d73027", "#bdbdbd"], ["A", "B", "C"],
                            legend, "Judul", [[-7.5, 109.0], [-7.0, 109.5]])
    assert len(fig.data) == 1
    trace = fig.data[0]
    assert list(trace.z) == [1.5, 0.5, 2.5] and (trace.zmin, trace.zmax) == (0, 3)
    assert [tuple(stop) for stop in trace.colorscale] == [
        (0.0, "#d73027"), (1 / 3, "#d73027"), (1 / 3, "#1a9850"), (2 / 3, "#1a9850"), (2 / 3, "#bdbdbd"), (1.0, "#bdbdbd")]
    assert list(trace.colorbar.ticktext) == ["Merah", "Hijau", "Tidak ada data"]
    assert fig.layout.map.style == "white-bg" and tuple(fig.layout.map.domain.x) == (0, 0.6)


def test_ground_resolution_and_scale_bar_by_hand():
    # Zoom 0 at the equator: the 512 px world is 40,075,017 m wide -> 78,271.5 m per pixel; each zoom halves it.
    assert metres_per_pixel(0, 0) == pytest.approx(40_075_016.69 / 512, rel=1e-6)
    assert metres_per_pixel(-7.4, 10) == pytest.approx(40_075_016.69 * math.cos(math.radians(7.4)) / (512 * 1024))
    # 77.6 m/px over 720 px: 20 % is 11.2 km -> the round length below it is 10 km; 3.4 km -> 2 km.
    assert scale_length_m(77.6, 720) == 10_000
    assert scale_length_m(23.6, 720) == 2_000


def test_export_refits_the_map_and_adds_north_and_scale():
    outlines = {"type": "FeatureCollection", "features": []}
    legend = [("#1a9850", "Hijau", "green")]
    fig = choropleth_figure(outlines, [], [], [], legend, "Judul", [[-7.5, 109.0], [-7.0, 109.5]])
    out = for_export(fig, 1200, 640, "U")
    centre, zoom = fit([[-7.5, 109.0], [-7.0, 109.5]], 720, 600)
    assert out.layout.map.zoom == zoom and (out.layout.width, out.layout.height) == (1200, 640)
    texts = [a.text for a in out.layout.annotations]
    assert "▲<br><b>U</b>" in texts
    metres = scale_length_m(metres_per_pixel(centre["lat"], zoom), 720)
    assert f"{metres / 1000:g} km" in texts
    bar = out.layout.shapes[0]
    assert (bar.x1 - bar.x0) * 1200 * metres_per_pixel(centre["lat"], zoom) == pytest.approx(metres)
    assert fig.layout.map.zoom != zoom  # the page's figure is left as it was


def test_long_legend_labels_wrap_so_the_map_keeps_its_width():
    label = "Check data: numerator > target population / impossible value"
    assert wrapped(label) == "Check data: numerator<br>> target population /<br>impossible value"
    assert wrapped("No data") == "No data"
    fig = choropleth_figure({"type": "FeatureCollection", "features": []}, [], [], [],
                            [("#7b3294", label, "flag")], "Judul", [[-7.5, 109.0], [-7.0, 109.5]])
    assert list(fig.data[0].colorbar.ticktext) == [wrapped(label)]
