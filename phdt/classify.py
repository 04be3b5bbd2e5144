"""Map classification: the registry's target bands (default), quantiles or equal intervals.

Target bands answer "who meets the programme target"; when nearly every unit is red against a
100 % SPM target they hide the differences a meeting wants to discuss, which quantiles and equal
intervals show. Units without data and flagged units keep their own classes in every scheme.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np

from phdt.indicators import Direction

CLASSES = 5
# Worst to best (ColorBrewer RdYlGn, 5 classes); reversed for lower-is-better indicators.
PALETTE = ("#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850")


class Scheme(StrEnum):
    TARGET = "target"
    QUANTILE = "kuantil"
    EQUAL = "interval"


def edges(values: Sequence[float], scheme: Scheme, classes: int = CLASSES) -> list[float]:
    """Class edges from the lowest to the highest value; equal edges (ties) are merged, so a
    narrow spread yields fewer classes rather than empty ones."""
    data = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if data.size == 0:
        return []
    if scheme is Scheme.QUANTILE:
        raw = np.quantile(data, np.linspace(0, 1, classes + 1))
    elif scheme is Scheme.EQUAL:
        raw = np.linspace(data.min(), data.max(), classes + 1)
    else:
        raise ValueError(f"{scheme} has no computed edges: it uses the registry's colour rule")
    return sorted({round(float(e), 6) for e in raw})


def assign(value: float, class_edges: list[float]) -> int:
    """Index of the class holding `value`: [e0, e1), [e1, e2), ..., [e_{n-1}, e_n] (last closed)."""
    inner = class_edges[1:-1]
    return int(np.searchsorted(inner, value, side="right"))


def colours(n_classes: int, direction: Direction) -> list[str]:
    """Fill per class index, spread over the palette, bad to good in the indicator's direction."""
    if n_classes <= 0:
        return []
    picks = np.linspace(0, len(PALETTE) - 1, n_classes).round().astype(int) if n_classes > 1 else [len(PALETTE) // 2]
    fills = [PALETTE[i] for i in picks]
    return fills if direction is Direction.HIGHER else fills[::-1]


# Change maps: fixed, symmetric percentage-point classes, so two change maps read the same way.
CHANGE_EDGES = (-10.0, -5.0, -1.0, 1.0, 5.0, 10.0)
STABLE_CLASS = 3
# Worse to better (ColorBrewer RdBu, 7 classes): red is a change in the wrong direction.
DIVERGING = ("#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac")


def change_class(delta: float) -> int:
    """Class of a change in points, from 0 (fell 10 or more) to 6 (rose 10 or more); a change
    within ±1 point is class 3, "stable". A change of exactly 5 or 10 points, either way, goes
    to the larger class."""
    if abs(delta) <= CHANGE_EDGES[STABLE_CLASS]:
        return STABLE_CLASS
    return int(np.searchsorted(CHANGE_EDGES, delta, side="left" if delta < 0 else "right"))


def change_colours(direction: Direction) -> tuple[str, ...]:
    """Fill per change class: a fall is an improvement for a lower-is-better indicator."""
    return DIVERGING if direction is Direction.HIGHER else DIVERGING[::-1]
