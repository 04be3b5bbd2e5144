"""Unit tables (desa, kecamatan) with localised headers and status labels."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components import data
from components.i18n import number, t
from phdt.indicators import Colour


def fmt_int(value: int | float) -> str:
    return number(value or 0)


def units_table(units: pl.DataFrame, level: str, key: str) -> None:
    """Rows of `units` (from metrics.summarise) as a readable table; desa rows gain kecamatan and puskesmas."""
    frame = units
    columns = {"nama": t("col_desa") if level == "desa" else t("col_unit")}
    if level == "desa":
        frame = frame.join(data.desa_index(data.dataset().version).drop("nama_desa"), on="kode", how="left")
        columns |= {"nama_kecamatan": t("col_kecamatan"), "puskesmas": t("col_puskesmas")}
    columns |= {
        "numerator": t("col_numerator"), "denominator": t("col_denominator"), "value": t("col_value"),
        "expected": t("col_expected"), "gap": t("col_gap"), "status": t("col_status"),
    }
    status = {colour.value: t(f"colour_{colour.value}") for colour in Colour}
    shown = frame.with_columns(
        pl.col("colour").replace_strict(status).alias("status"),
        pl.col("value").round(1), pl.col("expected").round(1),
    ).select(list(columns)).rename(columns)
    st.dataframe(shown, hide_index=True, key=key, column_config={
        t("col_value"): st.column_config.NumberColumn(format="%.1f"),
        t("col_expected"): st.column_config.NumberColumn(format="%.1f"),
    })
