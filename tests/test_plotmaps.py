"""The plotly twin map: fit of the view and one stepped colour scale for the legend classes."""

from __future__ import annotations

import math

import pytest

from components.plotmaps import ZOOM_MARGIN, choropleth_figure, fit


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
