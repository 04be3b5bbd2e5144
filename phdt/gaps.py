"""Where the people we are missing are: Pareto of gaps, the ANC cascade and WHO drop-out categories.

Pure functions over ``indikator_bulanan`` and the unit summaries of ``phdt.metrics``.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from phdt.indicators import INDICATORS
from phdt.metrics import summarise

CASCADE = ("anc_k1", "anc_k4", "anc_k6")
ACCESS_GOOD = 80.0  # DPT1 coverage, % of the annual target pace (WHO RED "access")
DROPOUT_PROBLEM = 10.0  # DPT1-DPT3 drop-out above this is a utilisation problem (WHO)


def pareto(units: pl.DataFrame) -> pl.DataFrame:
    """Units with a gap, largest first, with the running share of the total gap."""
    ranked = units.filter(pl.col("has_data") & (pl.col("gap") > 0)).sort(["gap", "kode"], descending=[True, False])
    return ranked.with_columns(
        rank=pl.int_range(1, pl.len() + 1),
        cum_share=pl.col("gap").cum_sum() / pl.col("gap").sum(),
    )


def holders(ranked: pl.DataFrame, share: float = 0.5) -> int:
    """How many units of a `pareto` ranking, largest first, hold `share` of the total gap."""
    return int((ranked["cum_share"] < share).sum()) + 1 if ranked.height else 0


def cascade(monthly: pl.DataFrame, wilayah: pl.DataFrame, period: date, level: str = "kabupaten",
            code: str | None = None) -> pl.DataFrame:
    """K1 -> K4 -> K6 for one unit: mothers reached at each step and lost since the previous one."""
    rows = []
    for slug in CASCADE:
        units = summarise(monthly, wilayah, INDICATORS[slug], period, level)
        unit = units.filter(pl.col("kode") == code) if code else units
        rows.append({"indicator_code": slug, "numerator": int(unit["numerator"].sum()),
                     "denominator": int(unit["denominator"].sum())})
    out = pl.DataFrame(rows)
    return out.with_columns(
        value=100 * pl.col("numerator") / pl.col("denominator"),
        lost=(pl.col("numerator").shift(1) - pl.col("numerator")).clip(lower_bound=0),
    )


def dropout_categories(monthly: pl.DataFrame, wilayah: pl.DataFrame, period: date, level: str) -> pl.DataFrame:
    """WHO RED categories per unit: access (DPT1 on pace for 80 %) x utilisation (drop-out <= 10 %).

    1 = both good, 2 = access good but drop-out high, 3 = drop-out low but access poor, 4 = both poor.
    """
    dpt1 = summarise(monthly, wilayah, INDICATORS["imm_dpt1"], period, level)
    dropout = summarise(monthly, wilayah, INDICATORS["imm_do_dpt1_dpt3"], period, level)
    pace = ACCESS_GOOD * period.month / 12
    joined = dpt1.select("kode", "nama", pl.col("value").alias("dpt1"), pl.col("numerator").alias("dpt1_n")).join(
        dropout.select("kode", pl.col("value").alias("dropout"), pl.col("numerator").alias("dropout_n")), on="kode"
    ).filter(pl.col("dpt1").is_not_null() & pl.col("dropout").is_not_null())
    access_good = pl.col("dpt1") >= pace
    utilisation_good = pl.col("dropout") <= DROPOUT_PROBLEM
    category = (
        pl.when(access_good & utilisation_good).then(1)
        .when(access_good).then(2)
        .when(utilisation_good).then(3)
        .otherwise(4)
    )
    return joined.with_columns(category=category, access_pace=pl.lit(pace))
