"""Briefing headlines on the hand-built fixture (two desa of 12 ibu hamil each; numbers by hand)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt import metrics
from phdt.aggregate import monthly_indicators
from phdt.briefing import headline, quarter_before, top_gaps
from phdt.indicators import INDICATORS
from tests import fixtures as fx
from tests.fixtures import DESA_A, DESA_B

JUNE, MARCH = date(2025, 6, 1), date(2025, 3, 1)


@pytest.fixture(scope="module")
def monthly() -> pl.DataFrame:
    return monthly_indicators(fx.hand_tables(), fx.wilayah())


def test_quarter_before_crosses_the_year_and_needs_loaded_data():
    loaded = [date(2024, 11, 1), MARCH, JUNE]
    assert quarter_before(JUNE, loaded) == MARCH
    assert quarter_before(date(2025, 2, 1), loaded) == date(2024, 11, 1)
    assert quarter_before(MARCH, loaded) is None  # December 2024 is not loaded


def test_k1_headline_by_hand(monthly):
    h = headline(monthly, fx.wilayah(), INDICATORS["anc_k1"], JUNE, MARCH)
    # June: K1 2 of 24 = 8.33 %; target to date 100 x 6/12 = 50 -> 41.67 points behind.
    # March: still 2 of 24 = 8.33 % against 25 -> 16.67 behind; so 25 points further away than a quarter ago.
    assert h.value == pytest.approx(100 * 2 / 24) and h.expected == 50
    assert h.behind == pytest.approx(50 - 100 * 2 / 24)
    assert h.earlier_behind == pytest.approx(25 - 100 * 2 / 24)
    assert h.change == pytest.approx(-25)
    # People behind: desa A 12 x 0.5 - 2 = 4, desa B 6 - 0 = 6; both desa.
    assert (h.people, h.desa) == (10, 2)
    assert headline(monthly, fx.wilayah(), INDICATORS["anc_k1"], JUNE, None).change is None


def test_lower_is_better_headline_counts_the_children(monthly):
    h = headline(monthly, fx.wilayah(), INDICATORS["imm_zero_dose"], date(2025, 12, 1), None)
    units = metrics.summarise(monthly, fx.wilayah(), INDICATORS["imm_zero_dose"], date(2025, 12, 1), "kabupaten")
    value = units["value"][0]
    assert h.behind == pytest.approx(value - 5)  # above the 5 % target is behind
    a = metrics.summarise(monthly, fx.wilayah(), INDICATORS["imm_zero_dose"], date(2025, 12, 1), "desa")
    assert h.people == a["gap"].sum() and h.people >= 10  # desa A alone has 10 zero-dose children


def test_top_gaps_orders_by_people_and_drops_none(monthly):
    desa = metrics.summarise(monthly, fx.wilayah(), INDICATORS["anc_k1"], JUNE, "desa")
    assert top_gaps(desa)["kode"].to_list() == [DESA_B, DESA_A]  # 6 then 4 people
    assert top_gaps(desa, n=1)["gap"].to_list() == [6]
    assert top_gaps(desa.with_columns(gap=pl.lit(0))).is_empty()
