"""Tables as shown: localised headers and status labels, and every table with its Excel download."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import polars as pl
import streamlit as st

from components import data
from components.compare import change_column, gap_column, gap_unit
from components.i18n import lang, number, percent, t
from phdt import actions, exports, formats
from phdt.indicators import INDICATORS, Colour, Direction, Indicator
from phdt.metrics import Comparison

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def show(frame: pl.DataFrame, key: str, file_name: str | None = None, **dataframe_options) -> None:
    """A table and, under it, its Excel file, built only when the button is clicked (every cell
    written as text or number, never as a formula). The file is named after the key by default.
    The table shows its numbers in the session's language (``as_shown``); the Excel file keeps them
    as numbers, which the spreadsheet shows in its reader's own format."""
    st.dataframe(as_shown(frame), key=key, hide_index=True, **dataframe_options)
    download(frame, key, file_name)


def as_shown(frame: pl.DataFrame, decimals: int = 1) -> Styler:
    """The table with every number shown in the session's language (phdt.formats.cell: floats with
    `decimals`, integers with thousands separators; '–' for none), as display values over the
    numbers themselves, so a click on a column header still sorts by value. (st.dataframe alone
    writes a polars float as "77.6" whatever the language; its number formats follow the
    browser's locale, not the session's.)"""
    language = lang()  # decimals by the column's type: an integer column with gaps is float in pandas
    shown = {name: partial(formats.cell, language=language, decimals=decimals if dtype.is_float() else 0)
             for name, dtype in frame.schema.items() if dtype.is_numeric()}
    return frame.to_pandas().style.format(shown, na_rep=formats.DASH)


def download(frame: pl.DataFrame, key: str, file_name: str | None = None) -> None:
    name = file_name or key.replace("_", "-")
    st.download_button(t("export_xlsx"), lambda: exports.xlsx_bytes(frame), file_name=f"{name}.xlsx",
                       mime=XLSX_MIME, on_click="ignore", key=f"{key}_xlsx", icon=":material/download:",
                       type="tertiary")


def top_gaps(top: pl.DataFrame, indicator: Indicator) -> pl.DataFrame:
    """Desa with the most people behind (components.briefing.Summary.top) on `indicator`."""
    return top.select(
        pl.col("nama").alias(t("col_desa")), pl.col("nama_kecamatan").alias(t("col_kecamatan")),
        pl.col("puskesmas").alias(t("col_puskesmas")),
        pl.Series(t("col_value"), [percent(v) for v in top["value"]], dtype=pl.String),  # in this thread's language
        pl.col("gap").alias(gap_column(indicator)),
    )


def actions_brief(rows: tuple[actions.Action, ...]) -> pl.DataFrame:
    """Open actions in short: who does what by when (user text shown as text, never rendered)."""
    return pl.DataFrame([{
        t("col_puskesmas"): a.puskesmas, t("rtl_rtl"): a.rtl, t("rtl_pj"): a.penanggung_jawab,
        t("rtl_tenggat"): f"{a.tenggat:%d/%m/%Y}", t("rtl_status"): t(f"rtl_status_{a.status}"),
    } for a in rows])


def fmt_int(value: int | float) -> str:
    return number(value or 0)


def units_table(units: pl.DataFrame, level: str, key: str, slug: str, period: date) -> None:
    """Rows of `units` (from metrics.summarise of indicator `slug` in `period`) as a readable table;
    desa rows gain kecamatan and puskesmas; units with flagged data this month are marked ⚠."""
    flagged = data.flagged_units(slug, period, level, data.dataset().version)
    frame = units.with_columns(
        pl.when(pl.col("kode").is_in(list(flagged))).then(pl.lit("⚠ ") + pl.col("nama")).otherwise(pl.col("nama"))
        .alias("nama")
    )
    columns = {"nama": t("col_desa") if level == "desa" else t("col_unit")}
    if level == "desa":
        frame = frame.join(data.desa_index(data.dataset().version).drop("nama_desa"), on="kode", how="left")
        columns |= {"nama_kecamatan": t("col_kecamatan"), "puskesmas": t("col_puskesmas")}
    columns |= {
        "numerator": t("col_numerator"), "denominator": t("col_denominator"), "value": t("col_value"),
        "expected": t("col_expected"), "gap": gap_column(INDICATORS[slug]), "status": t("col_status"),
    }
    status = {colour.value: t(f"colour_{colour.value}") for colour in Colour}
    shown = frame.with_columns(
        pl.col("colour").replace_strict(status).alias("status"),
        pl.col("value").round(1), pl.col("expected").round(1),
    ).select(list(columns)).rename(columns)
    show(shown, key)
    if flagged & set(units["kode"].to_list()):
        st.caption(t("dq_marked"))


def change_table(changes: pl.DataFrame, compared: Comparison, earlier: str, now: str, key: str) -> None:
    """Units by their change (metrics.change, measured as `compared` says and headed so), the
    largest change for the worse first."""
    worse_first = compared.better is Direction.LOWER  # a rise is worse when lower is better
    shown = changes.drop_nulls("delta").sort("delta", descending=worse_first).select(
        pl.col("nama").alias(t("col_unit")), pl.col("earlier_value").round(1).alias(earlier),
        pl.col("value").round(1).alias(now), pl.col("delta").map_elements(partial(formats.signed, language=lang()), return_dtype=pl.String)
        .alias(change_column(compared)),
    )
    show(shown, key, height=420)


def indicator_table(rows: pl.DataFrame, key: str) -> None:
    """One unit's indicators (from data.unit_indicators): capaian, target to date, status, gap, and
    what each gap counts (people of its sasaran, drop-out children, desa)."""
    status = {colour.value: t(f"colour_{colour.value}") for colour in Colour}
    shown = rows.select(
        pl.col("slug").replace_strict({s: i.label(lang()) for s, i in INDICATORS.items()}).alias(t("indicator")),
        pl.col("value").round(1).alias(t("col_value")),
        pl.col("expected").round(1).alias(t("col_expected")),
        pl.col("colour").replace_strict(status).alias(t("col_status")),
        pl.col("numerator").alias(t("col_numerator")),
        pl.col("denominator").alias(t("col_denominator")),
        pl.col("gap").alias(t("col_gap")),
        pl.col("slug").replace_strict({s: gap_unit(i) for s, i in INDICATORS.items()}).alias(t("compare_col_gap_unit")),
    )
    show(shown, key, height="content")
