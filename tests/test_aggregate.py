"""Indicator computation on hand-built line lists; every expected number is worked out by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt.aggregate import monthly_indicators
from phdt.indicators import INDICATORS, REGISTRY
from phdt.schema import INDIKATOR_BULANAN
from tests import fixtures as fx
from tests.fixtures import DESA_A, DESA_B


@pytest.fixture(scope="module")
def monthly() -> pl.DataFrame:
    return monthly_indicators(fx.hand_tables(), fx.wilayah())


def value(monthly: pl.DataFrame, slug: str, month: int, desa: str = DESA_A, column: str = "numerator_cum"):
    row = monthly.filter(
        (pl.col("indicator_code") == slug) & (pl.col("kode_desa") == desa) & (pl.col("period") == date(2025, month, 1))
    )
    assert row.height == 1, f"{slug} {desa} {month}: {row.height} rows"
    return row[column].item()


def test_schema_and_grid(monthly):
    assert monthly.schema == INDIKATOR_BULANAN
    assert monthly.height == 2 * 12 * len(REGISTRY)  # 2 desa x 12 months x every indicator


@pytest.mark.parametrize(("slug", "by_month"), [
    ("anc_k1", {1: 1, 2: 2, 12: 2}),
    ("anc_k1_murni", {1: 1, 2: 1, 12: 1}),
    ("anc_usg_tm1", {1: 0, 2: 1, 12: 1}),
    ("anc_k4", {5: 0, 6: 1, 7: 2, 12: 2}),
    ("anc_k6", {7: 0, 8: 1, 12: 1}),
    ("imm_hb0", {1: 2, 12: 2}),
    ("imm_dpt1", {2: 0, 3: 2, 12: 2}),
    ("imm_dpt3", {5: 1, 12: 1}),
    ("imm_mr1", {9: 0, 10: 1}),
    ("imm_idl", {9: 0, 10: 1, 12: 1}),
    ("ptm_usia_produktif", {2: 1, 3: 2, 5: 2, 12: 3}),
    ("ptm_hipertensi", {3: 0, 4: 1, 6: 1}),
    ("ptm_dm", {1: 0, 2: 1}),
])
def test_cumulative_numerators(monthly, slug, by_month):
    assert {m: value(monthly, slug, m) for m in by_month} == by_month


def test_monthly_numerator_counts_the_month_only(monthly):
    assert value(monthly, "anc_k4", 7, column="numerator_month") == 1
    assert value(monthly, "imm_dpt1", 3, column="numerator_month") == 2


def test_k4_without_k1_is_visible(monthly):
    assert value(monthly, "anc_k4", 6, column="numerator_month") == 1
    assert value(monthly, "anc_k1", 6, column="numerator_month") == 0


def test_denominators_come_from_sasaran(monthly):
    assert value(monthly, "anc_k6", 12, column="denominator") == 12
    assert value(monthly, "ptm_hipertensi", 12, column="denominator") == 4


def test_zero_dose_is_expected_cohort_minus_dpt1(monthly):
    # sasaran bayi 12: expected by month m = m; DPT1 reached 0 until March, then 2.
    assert value(monthly, "imm_zero_dose", 1) == 1 and value(monthly, "imm_zero_dose", 1, column="denominator") == 1
    assert value(monthly, "imm_zero_dose", 3) == 1
    assert value(monthly, "imm_zero_dose", 12) == 10
    assert value(monthly, "imm_zero_dose", 12, column="denominator") == 12


def test_dropout(monthly):
    assert (value(monthly, "imm_do_dpt1_dpt3", 4), value(monthly, "imm_do_dpt1_dpt3", 4, column="denominator")) == (2, 2)
    assert (value(monthly, "imm_do_dpt1_dpt3", 12), value(monthly, "imm_do_dpt1_dpt3", 12, column="denominator")) == (1, 2)
    assert value(monthly, "imm_do_dpt1_mr1", 12) == 1


def test_uci_needs_idl_at_threshold_of_linear_target(monthly):
    # 1 IDL child of 12 by October is far below 80 % x 10/12 x 12 = 8.
    assert value(monthly, "imm_uci", 10) == 0
    assert value(monthly, "imm_uci", 10, column="denominator") == 1


def test_missing_report_is_null_not_zero(monthly):
    assert value(monthly, "anc_k1", 12, desa=DESA_B, column="numerator_month") is None
    assert value(monthly, "anc_k1", 11, desa=DESA_B, column="numerator_month") == 0
    assert value(monthly, "anc_k1", 12, desa=DESA_B) == 0


def test_every_derived_indicator_has_registered_bases():
    assert all(base in INDICATORS for ind in REGISTRY for base in ind.base)
