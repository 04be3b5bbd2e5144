"""The desa card opened by a click on the map: every indicator, the chosen one's trend, and the
nearest facility of each type."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from components import charts, data, peta, tables
from components.i18n import lang, t
from phdt.indicators import Indicator
from phdt.quality import RULES


def desa_card(code: str, period: date, indicator: Indicator) -> None:
    version = data.dataset().version
    info = data.desa_index(version).filter(pl.col("kode") == code).row(0, named=True)
    with st.container(border=True, key="desa_card"):
        st.subheader(t("desa_card_title", name=info["nama_desa"]))
        st.caption(t("desa_card_caption", kecamatan=info["nama_kecamatan"], puskesmas=info["puskesmas"], code=code))
        flags = data.quality(version)[0].filter((pl.col("kode_desa") == code) & (pl.col("period") == period)
                                                 & (pl.col("severity") != "info"))
        if flags.height:  # numbers from flagged data carry a warning wherever they are shown
            rules = {rule: (r.description_id if lang() == "id" else r.description_en) for rule, r in RULES.items()}
            st.warning(t("dq_desa_flagged", n=flags.height) + " " + " ".join(sorted({rules[r] for r in flags["rule"]})),
                       icon=":material/warning:")
        left, right = st.columns([3, 2])
        with left:
            tables.indicator_table(data.unit_indicators("desa", code, period, version), key="desa_indicators")
        with right:
            trend = data.trend(indicator.slug, "desa", code, version)
            st.plotly_chart(charts.trend_figure(trend, period, indicator.label(lang())), key="desa_trend")
        st.markdown(f"**{t('nearest_title')}**")
        tables.show(_nearest(code), key="desa_nearest")


def _nearest(code: str) -> pl.DataFrame:
    nearest = peta.nearest_facilities(data.dataset().version).filter(pl.col("kode_desa") == code)
    types = {tipe: t(f"facility_{tipe}") for tipe in nearest["tipe"].cast(pl.String).to_list()}
    return nearest.select(
        pl.col("tipe").cast(pl.String).replace_strict(types).alias(t("facility_type")),
        pl.col("nama_fasilitas").alias(t("col_facility")),
        pl.col("jarak_km").round(1).alias(t("col_distance_km")),
    )
