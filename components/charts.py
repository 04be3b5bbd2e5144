"""Plotly figure builders; pages and (later) exports use the same functions."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from components.colours import (
    DROPOUT_CATEGORY_COLOURS,
    GAP_BAR,
    LAST_YEAR_LINE,
    PWS_STATUS,
    TARGET_LINE,
    VALUE_LINE,
)
from components.i18n import lang, month_name, number, t


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
                        hovertemplate="%{x} " + str(period.year - 1) + ": %{y:.1f} %<extra></extra>")
    fig.add_scatter(x=months[: this_year.height], y=this_year["value"], name=f"{t('trend_value')} {period.year}",
                    mode="lines+markers", line={"color": VALUE_LINE, "width": 3}, marker={"size": 6},
                    hovertemplate="%{x} " + str(period.year) + ": %{y:.1f} %<extra></extra>")
    fig.update_layout(
        title=title, height=360, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis_title=t("month_axis"), yaxis_title=t("percent_axis"), separators=_separators(),
        legend={"orientation": "h", "y": -0.25}, hovermode="x unified",
    )
    return fig


def pareto_figure(ranked: pl.DataFrame, unit: str, top: int = 30) -> go.Figure:
    """Gap in people per unit, largest first, with the running share of the total gap."""
    shown = ranked.head(top)
    fig = go.Figure()
    # Codes on the axis, names as tick labels: eight desa names occur twice, and plotly would merge their bars.
    fig.add_bar(x=shown["kode"], y=shown["gap"], name=t("gap_people_axis", unit=unit), marker_color=GAP_BAR,
                customdata=shown["nama"], hovertemplate="%{customdata}: %{y:,} " + unit + "<extra></extra>")
    fig.add_scatter(x=shown["kode"], y=100 * shown["cum_share"], name=t("cum_share_axis"), yaxis="y2",
                    mode="lines+markers", line={"color": TARGET_LINE}, hovertemplate="%{y:.0f} %<extra></extra>")
    fig.update_layout(
        height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10}, separators=_separators(),
        yaxis={"title": t("gap_people_axis", unit=unit)},
        yaxis2={"title": t("cum_share_axis"), "overlaying": "y", "side": "right", "range": [0, 100], "dtick": 25},
        legend={"orientation": "h", "y": -0.35},
        xaxis={"tickangle": -45, "tickvals": shown["kode"].to_list(), "ticktext": shown["nama"].to_list()},
    )
    return fig


def cascade_figure(steps: pl.DataFrame, labels: list[str], unit: str) -> go.Figure:
    """K1 -> K4 -> K6: people reached at each step, with those lost since the step before."""
    fig = go.Figure()
    fig.add_bar(x=labels, y=steps["numerator"], marker_color=VALUE_LINE, name=t("reached"),
                text=[f"{v:.1f} %" for v in steps["value"]], textposition="outside")
    fig.add_bar(x=labels, y=steps["lost"].fill_null(0), marker_color=GAP_BAR, name=t("lost", unit=unit))
    fig.update_layout(barmode="stack", height=340, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      separators=_separators(), legend={"orientation": "h", "y": -0.2})
    return fig


def dropout_figure(categories: pl.DataFrame) -> go.Figure:
    """WHO RED 2x2: DPT1 coverage (access) against DPT1-DPT3 drop-out (utilisation), one point per unit."""
    fig = go.Figure()
    for category, colour in DROPOUT_CATEGORY_COLOURS.items():
        part = categories.filter(pl.col("category") == category)
        fig.add_scatter(x=part["dpt1"], y=part["dropout"], mode="markers", name=t(f"dropout_category_{category}"),
                        marker={"color": colour, "size": 8}, text=part["nama"],
                        hovertemplate="%{text}: DPT1 %{x:.1f} %, DO %{y:.1f} %<extra></extra>")
    if categories.height:
        fig.add_vline(x=categories["access_pace"][0], line_dash="dash", line_color=TARGET_LINE)
    fig.add_hline(y=10, line_dash="dash", line_color=TARGET_LINE)
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10}, separators=_separators(),
                      xaxis_title=t("dpt1_axis"), yaxis_title=t("dropout_axis"), legend={"orientation": "h", "y": -0.3})
    return fig


def pws_bar_figure(status: pl.DataFrame, title: str) -> go.Figure:
    """The classic PWS chart: desa by cumulative coverage, coloured by status, with the linear target."""
    shown = status.drop_nulls("coverage_cum")
    fig = go.Figure()
    fig.add_bar(x=shown["kode_desa"], y=shown["coverage_cum"], customdata=shown["nama_desa"],
                marker_color=[PWS_STATUS.get(s, "#bdbdbd") for s in shown["status"]],
                text=[t(f"pws_{s}") if s else "" for s in shown["status"]], textposition="outside",
                textfont={"size": 10}, cliponaxis=False,
                hovertemplate="%{customdata}: %{y:.1f} %<extra></extra>", name=t("trend_value"))
    if shown.height:
        fig.add_hline(y=shown["target_linear"][0], line_dash="dash", line_color=TARGET_LINE,
                      annotation_text=t("trend_target"), annotation_position="top left")
    fig.update_layout(title=title, height=380, margin={"l": 10, "r": 10, "t": 50, "b": 10}, showlegend=False,
                      separators=_separators(), yaxis_title=t("percent_axis"),
                      xaxis={"tickangle": -45, "tickvals": shown["kode_desa"].to_list(),
                             "ticktext": shown["nama_desa"].to_list()})
    return fig


def pws_small_multiples(series: pl.DataFrame, columns: int = 4) -> go.Figure:
    """One small chart per desa: cumulative coverage by month against the linear target line."""
    desa = series.select("kode_desa", "nama_desa").unique(maintain_order=True)
    rows = max(1, -(-desa.height // columns))
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=desa["nama_desa"].to_list(), vertical_spacing=0.3 / rows + 0.04)
    for i, code in enumerate(desa["kode_desa"]):
        part = series.filter(pl.col("kode_desa") == code)
        position = {"row": i // columns + 1, "col": i % columns + 1}
        fig.add_scatter(x=part["month"], y=part["target_linear"], mode="lines", showlegend=i == 0,
                        name=t("trend_target"), line={"color": TARGET_LINE, "dash": "dash", "width": 1}, **position)
        fig.add_scatter(x=part["month"], y=part["coverage_cum"], mode="lines+markers", showlegend=i == 0,
                        name=t("trend_value"), line={"color": VALUE_LINE, "width": 2}, marker={"size": 4},
                        hovertemplate="%{x}: %{y:.1f} %<extra></extra>", **position)
    fig.update_layout(height=170 * rows + 60, margin={"l": 10, "r": 10, "t": 40, "b": 10}, separators=_separators(),
                      legend={"orientation": "h", "y": 1.0 + 12 / (170 * rows), "x": 0})
    fig.update_annotations(font_size=11)
    fig.update_xaxes(dtick=1)
    return fig


def _separators() -> str:
    return ",." if lang() == "id" else ".,"


FUNNEL_POSITION = {  # position against the control limits, in the indicator's direction
    "better_998": "#006837", "better_95": "#66bd63", "within": "#4575b4", "worse_95": "#fc8d59", "worse_998": "#d73027",
}


def funnel_figure(funnel, highlight: tuple[str, ...] = (), height: int = 460) -> go.Figure:
    """Capaian against sasaran (dojo.Funnel): the district value, 95 % and 99.8 % limits, one point
    per puskesmas coloured by its position; presenting puskesmas (`highlight`) are labelled.
    Points carry the puskesmas name as customdata, so a click can open its profile."""
    curve, points = funnel.curve, funnel.points
    fig = go.Figure()
    for low, high, name, dash in (("low998", "high998", t("funnel_998"), "dot"), ("low95", "high95", t("funnel_95"), "dash")):
        for column, show in ((low, True), (high, False)):
            fig.add_scatter(x=curve["denominator"], y=curve[column], mode="lines", name=name, showlegend=show,
                            legendgroup=name, hoverinfo="skip", line={"color": TARGET_LINE, "dash": dash, "width": 1})
    fig.add_hline(y=funnel.centre, line_color=TARGET_LINE, line_width=1.5,
                  annotation_text=t("funnel_centre", value=number(funnel.centre, 1)), annotation_position="top left")
    for position, colour in FUNNEL_POSITION.items():
        part = points.filter((pl.col("position") == position) & pl.col("reason").is_null())
        fig.add_scatter(x=part["denominator"], y=part["value"], mode="markers", name=t(f"funnel_{position}"),
                        customdata=part["kode"], marker={"color": colour, "size": 11, "line": {"width": 1, "color": "white"}},
                        hovertemplate="%{customdata}: %{y:.1f} % (n = %{x:,})<extra></extra>")
    unranked = points.filter((pl.col("reason") == "quality") & pl.col("value").is_not_null())  # drawn, not judged
    if unranked.height:
        fig.add_scatter(x=unranked["denominator"], y=unranked["value"], mode="markers", name=t("funnel_unranked"),
                        customdata=unranked["kode"], marker={"color": "#969696", "size": 11, "symbol": "circle-open",
                                                              "line": {"width": 2}},
                        hovertemplate="%{customdata}: %{y:.1f} % (n = %{x:,})<extra></extra>")
    shown = points.filter(pl.col("kode").is_in(list(highlight))
                          & (pl.col("position").is_not_null() | (pl.col("reason") == "quality")))
    if shown.height:
        fig.add_scatter(x=shown["denominator"], y=shown["value"], mode="text", text=shown["kode"], showlegend=False,
                        textposition="top center", textfont={"size": 13, "color": "#111"}, hoverinfo="skip")
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10}, separators=_separators(),
                      xaxis_title=t("funnel_x"), yaxis_title=t("percent_axis"), legend={"orientation": "h", "y": -0.2},
                      clickmode="event+select")
    return fig
