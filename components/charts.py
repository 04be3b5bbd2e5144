"""Plotly figure builders; pages and (later) exports use the same functions."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from components.colours import TARGET_LINE, VALUE_LINE
from components.i18n import lang, month_name, t


def trend_figure(trend: pl.DataFrame, title: str) -> go.Figure:
    """Cumulative coverage by month against the linear PWS target line."""
    x = [f"{month_name(p.month)[:3]} {p.year}" for p in trend["period"]]
    fig = go.Figure()
    fig.add_scatter(x=x, y=trend["expected"], name=t("trend_target"), mode="lines",
                    line={"color": TARGET_LINE, "dash": "dash", "width": 1.5})
    fig.add_scatter(x=x, y=trend["value"], name=t("trend_value"), mode="lines+markers",
                    line={"color": VALUE_LINE, "width": 2.5}, marker={"size": 5},
                    hovertemplate="%{x}: %{y:.1f} %<extra></extra>")
    fig.update_layout(
        title=title, height=360, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis_title=t("month_axis"), yaxis_title=t("percent_axis"), separators=",." if lang() == "id" else ".,",
        legend={"orientation": "h", "y": -0.25}, hovermode="x unified",
    )
    return fig
