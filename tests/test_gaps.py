"""Pareto, ANC cascade and drop-out categories on hand-built figures."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt.aggregate import monthly_indicators
from phdt.gaps import cascade, dropout_categories, holders, pareto
from tests import fixtures as fx
from tests.fixtures import DESA_A, DESA_B


def test_pareto_running_share():
    units = pl.DataFrame({"kode": list("abcde"), "gap": [10, 50, 0, 40, 5], "has_data": [True] * 4 + [False]})
    ranked = pareto(units)
    assert ranked["kode"].to_list() == ["b", "d", "a"]  # zero gap and no-data dropped
    assert ranked["cum_share"].to_list() == pytest.approx([0.5, 0.9, 1.0])
    assert ranked["rank"].to_list() == [1, 2, 3]
    assert holders(ranked) == 1  # b alone holds 50 of 100
    assert holders(ranked, 0.9) == 2
    assert holders(pareto(units.head(0))) == 0


@pytest.fixture(scope="module")
def monthly() -> pl.DataFrame:
    return monthly_indicators(fx.hand_tables(), fx.wilayah())


def test_anc_cascade_for_a_desa(monthly):
    # Desa A by December: K1 2 (P1, P2), K4 2 (P1, P3), K6 1 (P1); sasaran 12.
    steps = cascade(monthly, fx.wilayah(), date(2025, 12, 1), "desa", DESA_A)
    assert steps["numerator"].to_list() == [2, 2, 1]
    assert steps["lost"].to_list() == [None, 0, 1]
    assert steps["value"].to_list() == pytest.approx([100 * 2 / 12, 100 * 2 / 12, 100 / 12])


def test_dropout_categories(monthly):
    # December, desa A: DPT1 2 of 12 = 16.7 % < 80 % pace -> poor access; DO (2 - 1)/2 = 50 % -> category 4.
    cats = dropout_categories(monthly, fx.wilayah(), date(2025, 12, 1), "desa")
    a = cats.filter(pl.col("kode") == DESA_A).row(0, named=True)
    assert a["category"] == 4 and a["dropout"] == pytest.approx(50) and a["access_pace"] == 80
    assert DESA_B not in cats["kode"].to_list()  # no DPT1 at all: drop-out undefined, not categorised


def _immunization_month(dpt1: dict[str, tuple[int, int]], dropout: dict[str, tuple[int, int]]) -> pl.DataFrame:
    """A December indikator_bulanan with given (numerator, denominator) per desa."""
    rows = [(date(2025, 12, 1), desa, "Kemangkon", slug, None, num, den, "demo")
            for slug, values in (("imm_dpt1", dpt1), ("imm_do_dpt1_dpt3", dropout))
            for desa, (num, den) in values.items()]
    return pl.DataFrame(rows, orient="row", schema=["period", "kode_desa", "puskesmas", "indicator_code",
                                                    "numerator_month", "numerator_cum", "denominator",
                                                    "source_system"])


def test_dropout_category_boundaries():
    # A: DPT1 100 %, DO 1/10 = 10 % (limit included) -> 1; B: DPT1 80 % (limit included), DO 2/8 = 25 % -> 2.
    monthly = _immunization_month({DESA_A: (10, 10), DESA_B: (8, 10)}, {DESA_A: (1, 10), DESA_B: (2, 8)})
    cats = dropout_categories(monthly, fx.wilayah(), date(2025, 12, 1), "desa").sort("kode")
    assert cats["category"].to_list() == [1, 2]
    # A: DPT1 50 %, DO 0 % -> 3 (access problem); B: DPT1 79 %, DO 30 % -> 4.
    monthly = _immunization_month({DESA_A: (5, 10), DESA_B: (79, 100)}, {DESA_A: (0, 5), DESA_B: (24, 79)})
    assert dropout_categories(monthly, fx.wilayah(), date(2025, 12, 1), "desa").sort("kode")["category"].to_list() == [3, 4]


def test_pareto_chart_keeps_desa_with_the_same_name_apart():
    from components.charts import pareto_figure

    ranked = pareto(pl.DataFrame({"kode": ["33.03.02.2010", "33.03.11.2006"], "nama": ["Karanggedang"] * 2,
                                  "gap": [30, 20], "has_data": [True, True]}))
    bars = pareto_figure(ranked, "ibu hamil").data[0]
    assert list(bars.x) == ["33.03.02.2010", "33.03.11.2006"] and list(bars.y) == [30, 20]
