"""Unit summaries, colours and gaps on the hand-built fixture (numbers worked out by hand)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt.aggregate import monthly_indicators
from phdt.indicators import INDICATORS, Colour
from phdt.metrics import (Basis, change, comparison, parse_period, people_behind, previous_month, summarise,
                          trend)
from tests import fixtures as fx
from tests.fixtures import DESA_A, DESA_B


@pytest.fixture(scope="module")
def monthly() -> pl.DataFrame:
    return monthly_indicators(fx.hand_tables(), fx.wilayah())


def row(frame: pl.DataFrame, code: str) -> dict:
    return frame.filter(pl.col("kode") == code).row(0, named=True)


def test_desa_summary_k1_in_june(monthly):
    units = summarise(monthly, fx.wilayah(), INDICATORS["anc_k1"], date(2025, 6, 1), "desa")
    a = row(units, DESA_A)
    # 2 of 12 ibu hamil by June = 16.67 %; linear target 100 x 6/12 = 50 %; 0.8 x 50 = 40 > 16.67 -> red.
    assert (a["numerator"], a["denominator"]) == (2, 12)
    assert a["value"] == pytest.approx(100 * 2 / 12)
    assert a["expected"] == 50
    assert a["colour"] == Colour.RED
    assert a["gap"] == 4  # 12 x 0.5 - 2
    assert a["has_data"]


def test_kecamatan_is_ratio_of_sums(monthly):
    units = summarise(monthly, fx.wilayah(), INDICATORS["anc_k1"], date(2025, 6, 1), "kecamatan")
    k = row(units, "33.03.01")
    assert (k["numerator"], k["denominator"]) == (2, 24)
    assert k["gap"] == 10  # 24 x 0.5 - 2
    assert k["nama"] == "Kemangkon"
    kab = summarise(monthly, fx.wilayah(), INDICATORS["anc_k1"], date(2025, 6, 1), "kabupaten")
    assert kab.height == 1 and kab["numerator"].item() == 2


def test_missing_report_has_no_data_colour(monthly):
    units = summarise(monthly, fx.wilayah(), INDICATORS["anc_k1"], date(2025, 12, 1), "desa")
    b = row(units, DESA_B)
    assert not b["has_data"]
    assert b["colour"] == Colour.NO_DATA
    assert row(units, DESA_A)["colour"] == Colour.RED


def test_lower_is_better_gap_counts_people(monthly):
    units = summarise(monthly, fx.wilayah(), INDICATORS["imm_zero_dose"], date(2025, 12, 1), "desa")
    a = row(units, DESA_A)
    # 10 of 12 expected infants without DPT1: 83.3 % > 2 x 5 % -> red; the gap is the 10 children.
    assert (a["numerator"], a["gap"], a["colour"]) == (10, 10, Colour.RED)


def test_coverage_over_100_is_flagged():
    tables = fx.hand_tables()
    tables["sasaran"] = fx.sasaran(ibu_hamil=1)
    monthly = monthly_indicators(tables, fx.wilayah())
    a = row(summarise(monthly, fx.wilayah(), INDICATORS["anc_k1"], date(2025, 3, 1), "desa"), DESA_A)
    assert a["flagged"] and a["colour"] == Colour.FLAG and a["value"] == 200


def test_trend_has_value_and_linear_target(monthly):
    series = trend(monthly, fx.wilayah(), INDICATORS["anc_k1"], "desa", DESA_A)
    assert series.height == 12
    assert series.filter(pl.col("period") == date(2025, 3, 1))["expected"].item() == 25
    assert series.filter(pl.col("period") == date(2025, 2, 1))["value"].item() == pytest.approx(100 * 2 / 12)


def test_period_helpers():
    assert parse_period("2025-09") == date(2025, 9, 1)
    assert previous_month(date(2025, 1, 1)) == date(2024, 12, 1)
    with pytest.raises(ValueError):
        parse_period("Sept 2025")


def test_a_desa_above_target_does_not_hide_its_neighbours_gap():
    june = date(2025, 6, 1)
    monthly = pl.DataFrame({
        "period": [june, june], "kode_desa": [DESA_A, DESA_B], "puskesmas": ["Kemangkon"] * 2,
        "indicator_code": ["anc_k1"] * 2, "numerator_month": [1, 0], "numerator_cum": [10, 0],
        "denominator": [10, 10], "source_system": ["demo"] * 2,
    })
    kecamatan = summarise(monthly, fx.wilayah(), INDICATORS["anc_k1"], june, "kecamatan").row(0, named=True)
    # Desa A is at 100 % (gap 0), desa B at 0 % of a 50 % target to date (gap 5): 5 people, not 10 - 10 = 0.
    assert (kecamatan["numerator"], kecamatan["denominator"], kecamatan["gap"]) == (10, 20, 5)


def test_change_in_points_needs_data_in_both_periods():
    def summary(values, has_data, flagged):
        return pl.DataFrame({"kode": ["a", "b", "c", "d"], "nama": ["A", "B", "C", "D"], "value": values,
                             "has_data": has_data, "flagged": flagged})

    now = summary([60.0, 50.0, 120.0, 40.0], [True, True, True, False], [False, False, True, False])
    before = summary([55.5, 62.0, 90.0, 30.0], [True, True, True, True], [False, False, False, False])
    out = change(now, before, comparison(INDICATORS["anc_k6"], date(2025, 12, 1), date(2024, 12, 1)))
    # a: 60 - 55.5 = +4.5; b: 50 - 62 = -12; c flagged now -> none; d no report now -> none.
    assert out["delta"].to_list() == [4.5, -12.0, None, None]
    assert out["flagged"].to_list() == [False, False, True, False]


K6 = INDICATORS["anc_k6"]
DEC, JUNE, LAST_DEC = date(2025, 12, 1), date(2025, 6, 1), date(2024, 12, 1)


def test_a_cumulative_indicator_is_compared_on_coverage_only_with_the_same_month():
    same = comparison(K6, DEC, LAST_DEC)
    assert same.basis is Basis.COVERAGE and same.label_key == "compare_basis_coverage"
    assert same.delta(74.0, 70.6) == pytest.approx(3.4)
    # June vs December of one year: the cumulative value grew with the calendar; compared on the
    # distance to the linear target (K6 100 %: 50 % by June, 100 % by December).
    across = comparison(K6, DEC, JUNE)
    assert across.basis is Basis.DISTANCE and across.label_key == "compare_basis_distance"
    # June 45 % is 5 points behind 50 %; December 74 % is 26 points behind 100 %: 21 points further.
    assert across.delta(74.0, 45.0) == pytest.approx(-21.0)
    assert across.better.value == "higher"
    assert comparison(K6, DEC, DEC) is None


def test_a_point_in_time_indicator_compares_coverage_across_months():
    zero_dose = INDICATORS["imm_zero_dose"]  # not cumulative, lower is better
    compared = comparison(zero_dose, DEC, JUNE)
    assert compared.basis is Basis.COVERAGE and compared.better is zero_dose.direction
    assert compared.delta(4.0, 6.5) == pytest.approx(-2.5)


def test_change_across_months_of_a_cumulative_indicator_is_distance_to_target():
    def summary(values):
        return pl.DataFrame({"kode": ["a", "b"], "nama": ["A", "B"], "value": values,
                             "has_data": [True, True], "flagged": [False, False]})

    # The split view's June-for-December trap: every unit "rose ≥ 10 points" in coverage.
    out = change(summary([80.0, 95.0]), summary([45.0, 50.0]), comparison(K6, DEC, JUNE))
    # a: behind 5 then, 20 now -> 15 points further (−15); b: 0 then, 5 now -> −5.
    assert out["delta"].to_list() == pytest.approx([-15.0, -5.0])
    same_month = change(summary([80.0, 95.0]), summary([70.0, 90.0]), comparison(K6, DEC, LAST_DEC))
    assert same_month["delta"].to_list() == pytest.approx([10.0, 5.0])


def test_people_behind_is_the_sum_of_desa_gaps_with_reports():
    # Hand-computed: K6 in June, target to date 50 %. Desa A 2 of 12 (needs 6: 4 behind), desa B's
    # report is missing (its carried-forward 0 of 10 is no known gap), so 4, at every level.
    monthly = pl.DataFrame({
        "period": [JUNE] * 2, "kode_desa": [DESA_A, DESA_B], "puskesmas": ["Kemangkon"] * 2,
        "indicator_code": ["anc_k6"] * 2, "numerator_month": [1, None], "numerator_cum": [2, 0],
        "denominator": [12, 10], "source_system": ["demo"] * 2,
    }, schema_overrides={"numerator_month": pl.Int64})
    for level in ("desa", "kecamatan", "kabupaten"):
        assert people_behind(summarise(monthly, fx.wilayah(), K6, JUNE, level)) == 4, level
