"""Plotly figure builders; pages and (later) exports use the same functions."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import polars as pl

from components.colours import LAST_YEAR_LINE, TARGET_LINE, VALUE_LINE
from components.i18n import lang, month_name, t


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
        xaxis_title=t("month_axis"), yaxis_title=t("percent_axis"), separators=",." if lang() == "id" else ".,",
        legend={"orientation": "h", "y": -0.25}, hovermode="x unified",
    )
    return fig
