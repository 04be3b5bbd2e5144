"""Classification breaks and fills, worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from phdt.classify import DIVERGING, PALETTE, Scheme, assign, change_class, change_colours, colours, edges
from phdt.indicators import INDICATORS, Direction

VALUES = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0]


def test_equal_intervals():
    # min 10, max 100, 5 classes of width 18.
    assert edges(VALUES, Scheme.EQUAL) == [10, 28, 46, 64, 82, 100]


def test_quantiles():
    # numpy's linear quantiles of 10..100 at 0, .2, .4, .6, .8, 1: 10, 28, 46, 64, 82, 100.
    assert edges(VALUES, Scheme.QUANTILE) == [10, 28, 46, 64, 82, 100]
    skewed = [1, 1, 1, 1, 2, 3, 50]
    # positions p x 6 = 0, 1.2, 2.4, 3.6, 4.8, 6 -> 1, 1, 1, 1 + 0.6 x 1, 2 + 0.8 x 1, 50; the tied 1s merge.
    assert edges(skewed, Scheme.QUANTILE) == pytest.approx([1, 1.6, 2.8, 50])


def test_ties_collapse_and_missing_values_are_ignored():
    assert edges([5.0, 5.0, None], Scheme.EQUAL) == [5.0]
    assert edges([], Scheme.QUANTILE) == []
    with pytest.raises(ValueError):
        edges(VALUES, Scheme.TARGET)


def test_assign_is_left_closed_and_last_class_closed():
    e = [10, 28, 46, 64, 82, 100]
    assert [assign(v, e) for v in (10, 27.9, 28, 64, 99, 100)] == [0, 0, 1, 3, 4, 4]


def test_colours_run_bad_to_good_in_the_indicator_direction():
    assert colours(5, Direction.HIGHER) == list(PALETTE)
    assert colours(5, Direction.LOWER) == list(PALETTE[::-1])
    assert colours(3, Direction.HIGHER) == [PALETTE[0], PALETTE[2], PALETTE[4]]


def test_map_classes_keep_no_data_and_flag(monkeypatch):
    from components import maps

    monkeypatch.setattr(maps, "t", lambda key, **kw: key)
    summary = pl.DataFrame({
        "kode": list("abcde"), "value": [10.0, 55.0, 100.0, 300.0, None],
        "has_data": [True, True, True, True, False], "flagged": [False, False, False, True, False],
        "colour": ["red", "red", "green", "flag", "no_data"],
    })
    classed, legend = maps.classify(summary, INDICATORS["anc_k6"], 12, Scheme.EQUAL)
    # edges over the regular units only (10, 55, 100): 10, 28, 46, 64, 82, 100.
    assert classed["fill"].to_list() == [PALETTE[0], PALETTE[2], PALETTE[4], "#7b3294", "#bdbdbd"]
    assert [key for _, _, key in legend] == [f"class-{i}" for i in range(5)] + ["flag", "no_data"]
    target, target_legend = maps.classify(summary, INDICATORS["anc_k6"], 12, Scheme.TARGET)
    assert target["fill"].to_list()[2] == "#1a9850" and len(target_legend) == 5


def test_bubble_area_is_proportional_to_the_gap():
    from components.maps import bubble_radius

    assert bubble_radius(100, 100) == 28.0
    assert bubble_radius(25, 100) == 14.0  # a quarter of the people, a quarter of the area
    assert bubble_radius(0, 100) == 0.0 and bubble_radius(5, 0) == 0.0


@pytest.mark.parametrize(("delta", "expected"), [
    (-25.0, 0), (-10.0, 0), (-9.9, 1), (-5.0, 1), (-4.9, 2), (-1.01, 2), (-1.0, 3), (0.0, 3), (1.0, 3),
    (1.01, 4), (4.9, 4), (5.0, 5), (9.9, 5), (10.0, 6), (40.0, 6),
])
def test_change_classes_are_symmetric_points(delta, expected):
    assert change_class(delta) == expected


def test_change_colours_red_means_worse_in_either_direction():
    assert change_colours(Direction.HIGHER)[0] == DIVERGING[0] == "#b2182b"  # K6 fell 10+ points: red
    assert change_colours(Direction.LOWER)[0] == DIVERGING[-1]  # zero-dose fell 10+ points: blue
