"""Names written beside points or on areas so that no name overprints another name or a point.

A greedy placement in pixels (the funnel's puskesmas, the PWS map's desa): each label, in the
caller's order of importance, takes the first free place among a few beside its point, else one
further out with a leader line. Pixels are those of the narrowest plot the figure is shown in; a
wider plot only moves points further apart horizontally.
"""

from __future__ import annotations

import plotly.graph_objects as go

Box = tuple[float, float, float, float]  # left, top, right, bottom in px (y down)
Spot = tuple[float, float, bool]  # dx, dy in px from the point (y down), with a leader line
CHAR_PX = 6.2  # an 11 px label's average character width
HALO = "0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff"  # dark text on a white halo, as the folium maps' labels


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def size(text: str, bold: bool = False) -> tuple[float, float]:
    return len(text) * CHAR_PX * (1.25 if bold else 1) + 4, (17 if bold else 15)


def place(points: list[tuple[float, float]], labels: list[tuple[float, float, str, bool]], plot: tuple[float, float],
          radius: float = 0, centred: bool = False) -> list[Spot | None]:
    """A place for each label (px x, px y, text, bold), in the order given: beside its point (a
    marker of `radius` px; every point in `points` is kept clear), or, when `centred`, on the point
    itself first (a name on its area), then nudged; else further out with a leader line; None when
    nothing is free inside the plot of `plot` (width, height) px."""
    width, height = plot
    r = radius
    taken: list[Box] = [(x - r, y - r, x + r, y + r) for x, y in points] if r else []
    result: list[Spot | None] = []
    for cx, cy, text, bold in labels:
        w, h = size(text, bold)
        beside = [(r + 2 + w / 2, 0), (-(r + 2 + w / 2), 0), (0, -(r + h / 2)), (0, r + h / 2),
                  (r + w / 2, -(r + h / 2)), (-(r + w / 2), -(r + h / 2)), (r + w / 2, r + h / 2),
                  (-(r + w / 2), r + h / 2)]
        if centred:
            beside = [(0, 0), (0, -h * 0.6), (0, h * 0.6), (w * 0.3, 0), (-w * 0.3, 0)]
        far = [(sx * (w / 2 + 26 * k), sy * (h / 2 + 22 * k)) for k in (1, 2) for sx, sy in
               ((0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1), (1, 0), (-1, 0))]
        spot = None
        for (dx, dy), leader in [*((o, False) for o in beside), *((o, True) for o in far)]:
            box = (cx + dx - w / 2, cy + dy - h / 2, cx + dx + w / 2, cy + dy + h / 2)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(overlaps(box, other) for other in taken):
                spot = (dx, dy, leader)
                taken.append(box)
                break
        result.append(spot)
    return result


def annotate(fig: go.Figure, x: float, y: float, text: str, spot: Spot | None, bold: bool = False,
             standoff: float = 0, size_px: int = 11) -> None:
    """Write `text` (already escaped) for the point (x, y) at its `spot` (nothing when None); the
    annotation is named "label <text>" so tests and readers can find it."""
    if spot is None:
        return
    dx, dy, leader = spot
    font = {"size": size_px + 2 if bold else size_px, "color": "#111", "shadow": HALO}
    shown = f"<b>{text}</b>" if bold else text
    if leader:
        fig.add_annotation(x=x, y=y, text=shown, ax=dx, ay=dy, showarrow=True, arrowhead=0, arrowwidth=0.8,
                           arrowcolor="#555", standoff=standoff, font=font, name=f"label {text}")
    else:
        fig.add_annotation(x=x, y=y, text=shown, xshift=dx, yshift=-dy, showarrow=False, font=font,
                           name=f"label {text}")
