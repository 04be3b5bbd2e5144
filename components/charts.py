"""Plotly figure builders; pages and (later) exports use the same functions."""

from __future__ import annotations

import textwrap
from datetime import date

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from components import labels
from components.colours import (
    DROPOUT_CATEGORY_COLOURS,
    GAP_BAR,
    LAST_YEAR_LINE,
    PWS_STATUS,
    TARGET_LINE,
    VALUE_LINE,
)
from components.i18n import lang, month_name, number, people, percent, t
from phdt import formats

LABEL_CHAR_PX = 7  # width of a character of an 11-12 px label, for margins computed from their labels


def _finish(fig: go.Figure, **layout) -> go.Figure:
    """What every figure shares: numbers written in the session's language (plotly's separators for
    its ticks; hover and labels are pre-formatted by phdt.formats), and axes whose margins grow to
    fit their tick labels and titles (a figure's fixed margins cut rotated desa names at 1366 px)."""
    fig.update_layout(separators=_separators(), **layout)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _lines(title: str, width: int = 18) -> str:
    """An axis title on short lines: a vertical title longer than its plot's height is cut (the
    Pareto's plot is short under its rotated desa names)."""
    return "<br>".join(textwrap.wrap(title, width)) or title


def _right_label(fig: go.Figure, y: float, text: str) -> int:
    """A horizontal line's label just outside the plot area, at the line's height on the right, where
    it overprints no bar or point; returns the right margin it needs (annotations do not push margins)."""
    fig.add_annotation(xref="paper", x=1, xanchor="left", xshift=4, yref="y", y=y, yanchor="middle", text=text,
                       showarrow=False, align="left", font={"size": 11, "color": TARGET_LINE})
    return 14 + LABEL_CHAR_PX * max(len(line) for line in text.split("<br>"))


def trend_figure(trend: pl.DataFrame, period: date, title: str) -> go.Figure:
    """PWS view: this year's cumulative coverage up to `period` against the linear target line,
    with last year's curve for comparison (cumulative counts restart every January)."""
    months = [month_name(m)[:3] for m in range(1, 13)]
    year = trend.filter(pl.col("period").dt.year() == period.year)
    this_year = year.filter(pl.col("period") <= period)
    last_year = trend.filter(pl.col("period").dt.year() == period.year - 1)
    fig = go.Figure()
    fig.add_scatter(x=months, y=year["expected"] if year.height == 12 else [None] * 12, name=t("trend_target"),
                    mode="lines", line={"color": TARGET_LINE, "dash": "dash", "width": 1.5})
    if last_year.height:
        fig.add_scatter(x=months[: last_year.height], y=last_year["value"], name=str(period.year - 1),
                        mode="lines", line={"color": LAST_YEAR_LINE, "width": 1.5},
                        hovertext=[percent(v) for v in last_year["value"]],
                        hovertemplate="%{x} " + str(period.year - 1) + ": %{hovertext}<extra></extra>")
    fig.add_scatter(x=months[: this_year.height], y=this_year["value"], name=f"{t('trend_value')} {period.year}",
                    mode="lines+markers", line={"color": VALUE_LINE, "width": 3}, marker={"size": 6},
                    hovertext=[percent(v) for v in this_year["value"]],
                    hovertemplate="%{x} " + str(period.year) + ": %{hovertext}<extra></extra>")
    return _finish(
        fig, title=title, height=360, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis_title=t("month_axis"), yaxis_title=t("percent_axis"),
        legend={"orientation": "h", "y": -0.25}, hovermode="x unified",
    )


def pareto_figure(ranked: pl.DataFrame, unit: str, top: int = 30) -> go.Figure:
    """Gap in people per unit, largest first, with the running share of the total gap."""
    shown = ranked.head(top)
    fig = go.Figure()
    # Codes on the axis, names as tick labels: eight desa names occur twice, and plotly would merge their bars.
    fig.add_bar(x=shown["kode"], y=shown["gap"], name=t("gap_people_axis", unit=unit), marker_color=GAP_BAR,
                hovertext=[f"{name}: {people(gap)} {unit}" for name, gap in zip(shown["nama"], shown["gap"], strict=True)],
                hovertemplate="%{hovertext}<extra></extra>")
    fig.add_scatter(x=shown["kode"], y=100 * shown["cum_share"], name=t("cum_share_axis"), yaxis="y2",
                    mode="lines+markers", line={"color": TARGET_LINE},
                    hovertext=[formats.percent(100 * v, lang(), 0) for v in shown["cum_share"]],
                    hovertemplate="%{hovertext}<extra></extra>")
    return _finish(
        fig, height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        yaxis={"title": _lines(t("gap_people_axis", unit=unit)), "tickformat": ",d"},  # 1.200, not 1.2k
        yaxis2={"title": _lines(t("cum_share_axis")), "overlaying": "y", "side": "right", "range": [0, 100], "dtick": 25},
        legend={"orientation": "h", "y": -0.35},
        xaxis={"tickangle": -45, "tickvals": shown["kode"].to_list(), "ticktext": shown["nama"].to_list()},
    )


def cascade_figure(steps: pl.DataFrame, labels: list[str], unit: str) -> go.Figure:
    """K1 -> K4 -> K6: people reached at each step, with those lost since the step before."""
    fig = go.Figure()
    fig.add_bar(x=labels, y=steps["numerator"], marker_color=VALUE_LINE, name=t("reached"),
                text=[percent(v) for v in steps["value"]], textposition="outside",
                hovertext=[f"{label}: {people(v)}" for label, v in zip(labels, steps["numerator"], strict=True)],
                hovertemplate="%{hovertext}<extra></extra>")
    fig.add_bar(x=labels, y=steps["lost"].fill_null(0), marker_color=GAP_BAR, name=t("lost", unit=unit),
                hovertext=[f"{t('lost', unit=unit)}: {people(v)}" for v in steps["lost"].fill_null(0)],
                hovertemplate="%{hovertext}<extra></extra>")
    return _finish(fig, barmode="stack", height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                   yaxis={"tickformat": ",d"}, legend={"orientation": "h", "y": -0.2})  # 10.000 people, not 10k


def dropout_figure(categories: pl.DataFrame) -> go.Figure:
    """WHO RED 2x2: DPT1 coverage (access) against DPT1-DPT3 drop-out (utilisation), one point per unit."""
    fig = go.Figure()
    for category, colour in DROPOUT_CATEGORY_COLOURS.items():
        part = categories.filter(pl.col("category") == category)
        fig.add_scatter(x=part["dpt1"], y=part["dropout"], mode="markers", name=t(f"dropout_category_{category}"),
                        marker={"color": colour, "size": 8},
                        hovertext=[f"{name}: DPT1 {percent(x)}, DO {percent(y)}"
                                   for name, x, y in zip(part["nama"], part["dpt1"], part["dropout"], strict=True)],
                        hovertemplate="%{hovertext}<extra></extra>")
    if categories.height:
        fig.add_vline(x=categories["access_pace"][0], line_dash="dash", line_color=TARGET_LINE)
    fig.add_hline(y=10, line_dash="dash", line_color=TARGET_LINE)
    return _finish(fig, height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                   xaxis_title=t("dpt1_axis"), yaxis_title=t("dropout_axis"), legend={"orientation": "h", "y": -0.3})


def pws_bar_figure(status: pl.DataFrame, title: str) -> go.Figure:
    """The classic PWS chart: desa by cumulative coverage, coloured by status, with the linear target."""
    shown = status.drop_nulls("coverage_cum")
    fig = go.Figure()
    fig.add_bar(x=shown["kode_desa"], y=shown["coverage_cum"], customdata=shown["nama_desa"],
                marker_color=[PWS_STATUS.get(s, "#bdbdbd") for s in shown["status"]],
                text=[t(f"pws_{s}") if s else "" for s in shown["status"]], textposition="outside",
                textfont={"size": 10}, cliponaxis=False,
                hovertext=[f"{name}: {percent(v)}" for name, v in zip(shown["nama_desa"], shown["coverage_cum"], strict=True)],
                hovertemplate="%{hovertext}<extra></extra>", name=t("trend_value"))
    right, top = 10, 0.0
    if shown.height:
        target = shown["target_linear"][0]
        fig.add_hline(y=target, line_dash="dash", line_color=TARGET_LINE)
        right = _right_label(fig, target, f"{t('trend_target')}<br>{percent(target)}")
        top = target
    top = max([top, *shown["coverage_cum"].to_list()])
    return _finish(fig, title=title, height=380, margin={"l": 10, "r": right, "t": 50, "b": 10}, showlegend=False,
                   yaxis={"title": t("percent_axis"), "range": [0, 1.12 * top or 1]},  # room for the status labels
                   xaxis={"tickangle": -45, "tickvals": shown["kode_desa"].to_list(),
                          "ticktext": shown["nama_desa"].to_list()})


def pws_small_multiples(series: pl.DataFrame, columns: int = 4) -> go.Figure:
    """One small chart per desa: cumulative coverage by month against the linear target line."""
    desa = series.select("kode_desa", "nama_desa").unique(maintain_order=True)
    rows = max(1, -(-desa.height // columns))
    plot_height = 170 * rows + 10
    # Rows apart by their titles' height (about 36 px), so each small chart keeps its height.
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=desa["nama_desa"].to_list(), vertical_spacing=min(0.3, 36 / plot_height))
    for i, (code, name) in enumerate(desa.iter_rows()):
        part = series.filter(pl.col("kode_desa") == code)
        position = {"row": i // columns + 1, "col": i % columns + 1}
        fig.add_scatter(x=part["month"], y=part["target_linear"], mode="lines", showlegend=i == 0,
                        name=t("trend_target"), line={"color": TARGET_LINE, "dash": "dash", "width": 1}, **position)
        fig.add_scatter(x=part["month"], y=part["coverage_cum"], mode="lines+markers", showlegend=i == 0,
                        name=t("trend_value"), line={"color": VALUE_LINE, "width": 2}, marker={"size": 4},
                        hovertext=[f"{name} {month_name(m)}: {percent(v)}" for m, v in
                                   zip(part["month"], part["coverage_cum"], strict=True)],
                        hovertemplate="%{hovertext}<extra></extra>", **position)
    fig.update_annotations(font_size=11)
    fig.update_xaxes(dtick=1)
    # The legend above the first row's titles (about 20 px high), not over them.
    return _finish(fig, height=plot_height + 80, margin={"l": 10, "r": 10, "t": 70, "b": 10},
                   legend={"orientation": "h", "yanchor": "bottom", "y": 1.0 + 22 / plot_height, "x": 0})


def _separators() -> str:
    return formats.plotly_separators(lang())


FUNNEL_POSITION = {  # position against the control limits, in the indicator's direction
    "better_998": "#006837", "better_95": "#66bd63", "within": "#4575b4", "worse_95": "#fc8d59", "worse_998": "#d73027",
}


FUNNEL_LABEL_ALL = 25  # up to this many puskesmas every point is named; above it, outliers and presenters
FUNNEL_PLOT_WIDTH = 760  # px: the funnel's width on a 1366 px screen, the narrowest it is shown; wider only spreads points
MARKER_RADIUS = 6


def funnel_figure(funnel, highlight: tuple[str, ...] = (), height: int = 460) -> go.Figure:
    """Capaian against sasaran (dojo.Funnel): the district value, 95 % and 99.8 % limits, one point
    per puskesmas coloured by its position. Points are named on the chart (all of them for a
    kabupaten's puskesmas, else those outside the 95 % limits), presenting puskesmas (`highlight`)
    in bold, each name placed where it overprints no other name or point (``place_labels``).
    Points carry the puskesmas name as customdata, so a click can open its profile."""
    curve, points = funnel.curve, funnel.points
    language = lang()
    fig = go.Figure()
    for low, high, name, dash in (("low998", "high998", t("funnel_998"), "dot"), ("low95", "high95", t("funnel_95"), "dash")):
        for column, show in ((low, True), (high, False)):
            fig.add_scatter(x=curve["denominator"], y=curve[column], mode="lines", name=name, showlegend=show,
                            legendgroup=name, hoverinfo="skip", line={"color": TARGET_LINE, "dash": dash, "width": 1})
    fig.add_hline(y=funnel.centre, line_color=TARGET_LINE, line_width=1.5)
    right = _right_label(fig, funnel.centre, t("funnel_centre", value=number(funnel.centre, 1)).replace(" ", "<br>", 1))

    def hover(part: pl.DataFrame) -> list[str]:
        return [f"{kode}: {formats.percent(v, language)} (n = {formats.people(n, language)})"
                for kode, v, n in part.select("kode", "value", "denominator").iter_rows()]

    for position, colour in FUNNEL_POSITION.items():
        part = points.filter((pl.col("position") == position) & pl.col("reason").is_null())
        fig.add_scatter(x=part["denominator"], y=part["value"], mode="markers", name=t(f"funnel_{position}"),
                        customdata=part["kode"], marker={"color": colour, "size": 2 * MARKER_RADIUS, "line": {"width": 1, "color": "white"}},
                        hovertext=hover(part), hovertemplate="%{hovertext}<extra></extra>")
    unranked = points.filter((pl.col("reason") == "quality") & pl.col("value").is_not_null())  # drawn, not judged
    if unranked.height:
        fig.add_scatter(x=unranked["denominator"], y=unranked["value"], mode="markers", name=t("funnel_unranked"),
                        customdata=unranked["kode"], marker={"color": "#969696", "size": 2 * MARKER_RADIUS, "symbol": "circle-open",
                                                              "line": {"width": 2}},
                        hovertext=hover(unranked), hovertemplate="%{hovertext}<extra></extra>")
    drawn = points.filter(pl.col("value").is_not_null() & (pl.col("position").is_not_null() | (pl.col("reason") == "quality")))
    xs = [*curve["denominator"].to_list(), *drawn["denominator"].to_list()]
    ys = [v for column in ("low998", "high998") for v in curve[column].to_list()] + drawn["value"].to_list()
    x_range, y_range = _padded(xs, 0.05), _padded(ys, 0.08)
    outside = pl.col("position").is_in(["better_998", "better_95", "worse_95", "worse_998"])
    named = drawn.with_columns(bold=pl.col("kode").is_in(list(highlight)))
    if drawn.height > FUNNEL_LABEL_ALL:
        named = named.filter(outside | pl.col("bold"))
    # Presenters first, then the farthest outside, so they get the nearest places.
    named = named.with_columns(order=pl.when(pl.col("bold")).then(0).when(pl.col("position").is_in(["better_998", "worse_998"]))
                               .then(1).when(outside).then(2).otherwise(3)).sort("order", "kode")
    width, plot_height = FUNNEL_PLOT_WIDTH - right, height - 150  # px, without margins, axis titles and legend

    def px(x: float, y: float) -> tuple[float, float]:
        return ((x - x_range[0]) / (x_range[1] - x_range[0]) * width,
                (y_range[1] - y) / (y_range[1] - y_range[0]) * plot_height)

    placed = labels.place(
        [px(x, y) for x, y in drawn.select("denominator", "value").iter_rows()],
        [(*px(x, y), kode, bold) for x, y, kode, bold in named.select("denominator", "value", "kode", "bold").iter_rows()],
        (width, plot_height), MARKER_RADIUS + 1)
    for (x, y, kode, bold), spot in zip(named.select("denominator", "value", "kode", "bold").iter_rows(), placed, strict=True):
        labels.annotate(fig, x, y, kode, spot, bold=bold, standoff=MARKER_RADIUS)
    return _finish(fig, height=height, margin={"l": 10, "r": right, "t": 30, "b": 10},
                   xaxis={"title": t("funnel_x"), "range": x_range}, yaxis={"title": t("percent_axis"), "range": y_range},
                   legend={"orientation": "h", "y": -0.2}, clickmode="event+select")


def _padded(values: list[float], share: float) -> list[float]:
    values = [v for v in values if v is not None and v == v]
    if not values:
        return [0, 1]
    low, high = min(values), max(values)
    pad = share * (high - low or abs(high) or 1)
    return [low - pad, high + pad]


