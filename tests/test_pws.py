"""PWS series, desa status and gap in people on a hand-built monthly table (numbers worked out by hand).

Three desa, January to March 2025, K1 (target 100 %, so the linear target is 8.33 / 16.67 / 25 %):

====  =========  ================  ==========================  ============================
desa  sasaran    K1 per month      cumulative coverage %       status (Jan, Feb, Mar)
====  =========  ================  ==========================  ============================
A     12         2, 1, 2           16.67, 25, 41.67            baik, kurang, baik
B     10         0, 1, 0           0, 10, 10                   jelek, cukup, jelek
C     12         1, missing, 1     8.33, null, 16.67           baik, none, cukup
====  =========  ================  ==========================  ============================

A and B belong to Puskesmas Kemangkon, C to Puskesmas Bukateja. Desa A also has a December 2024
row, which must not count as January's previous month.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from phdt.indicators import INDICATORS, Direction
from phdt.pws import STATUSES, desa_status, series, status, status_counts
from phdt.schema import INDIKATOR_BULANAN, WILAYAH, conform
from tests import fixtures as fx
from tests.fixtures import DESA_A, DESA_B

DESA_C = "33.03.02.2001"
JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
K1, DO = INDICATORS["anc_k1"], INDICATORS["imm_do_dpt1_dpt3"]


def wilayah() -> pl.DataFrame:
    c = conform(pl.DataFrame({
        "kode_kecamatan": ["33.03.02"], "nama_kecamatan": ["Bukateja"], "kode_desa": [DESA_C],
        "nama_desa": ["Kembangan"], "jenis": ["desa"], "puskesmas": ["Bukateja"], "lat": [-7.45], "lon": [109.42],
    }), WILAYAH)
    return pl.concat([fx.wilayah(), c])


def rows(indicator: str, desa: str, puskesmas: str, data: list[tuple[date, int | None, int, int]]) -> list[dict]:
    return [
        {"period": p, "kode_desa": desa, "puskesmas": puskesmas, "indicator_code": indicator, "numerator_month": m,
         "numerator_cum": cum, "denominator": den, "source_system": "demo"}
        for p, m, cum, den in data
    ]


@pytest.fixture(scope="module")
def monthly() -> pl.DataFrame:
    data = (
        rows("anc_k1", DESA_A, "Kemangkon", [(date(2024, 12, 1), 3, 11, 12), (JAN, 2, 2, 12), (FEB, 1, 3, 12),
                                             (MAR, 2, 5, 12)])
        + rows("anc_k1", DESA_B, "Kemangkon", [(JAN, 0, 0, 10), (FEB, 1, 1, 10), (MAR, 0, 1, 10)])
        + rows("anc_k1", DESA_C, "Bukateja", [(JAN, 1, 1, 12), (FEB, None, 1, 12), (MAR, 1, 2, 12)])
        # Drop-out DPT1-DPT3 (lower is better, target 5 %, point in time): derived rows carry no monthly numerator.
        + rows("imm_do_dpt1_dpt3", DESA_A, "Kemangkon", [(JAN, None, 0, 2), (FEB, None, 1, 10), (MAR, None, 3, 40)])
        + rows("imm_do_dpt1_dpt3", DESA_B, "Kemangkon", [(JAN, None, 0, 10), (FEB, None, 1, 25), (MAR, None, 2, 25)])
        + rows("imm_do_dpt1_dpt3", DESA_C, "Bukateja", [(JAN, None, 1, 10), (FEB, None, 1, 10), (MAR, None, 2, 25)])
    )
    return conform(pl.DataFrame(data, schema_overrides={"numerator_month": pl.Int32}), INDIKATOR_BULANAN)


def by_desa(frame: pl.DataFrame, code: str) -> dict:
    return frame.filter(pl.col("kode_desa") == code).row(0, named=True)


def test_series_has_cumulative_coverage_and_linear_target(monthly):
    s = series(monthly, wilayah(), K1, 2025)
    assert s.height == 9  # 3 desa x Jan-Mar; December 2024 is another year
    a = s.filter(pl.col("kode_desa") == DESA_A)
    assert a["month"].to_list() == [1, 2, 3]
    assert a["coverage_cum"].to_list() == pytest.approx([100 * 2 / 12, 25, 100 * 5 / 12])
    assert a["coverage_month"].to_list() == pytest.approx([100 * 2 / 12, 100 / 12, 100 * 2 / 12])
    assert a["target_linear"].to_list() == pytest.approx([100 / 12, 100 * 2 / 12, 25])
    assert by_desa(s, DESA_A)["nama_desa"] == "Kedungbenda"
    assert s.filter(pl.col("kode_desa") == DESA_B)["coverage_cum"].to_list() == pytest.approx([0, 10, 10])


def test_series_missing_report_has_no_coverage(monthly):
    c = series(monthly, wilayah(), K1, 2025).filter(pl.col("kode_desa") == DESA_C)
    feb = c.filter(pl.col("period") == FEB).row(0, named=True)
    assert feb["numerator_cum"] == 1  # carried forward, but not shown as coverage
    assert feb["coverage_cum"] is None and feb["coverage_month"] is None


def test_series_zero_sasaran_has_no_coverage(monthly):
    zero = monthly.with_columns(denominator=pl.lit(0, pl.Int32))
    assert series(zero, wilayah(), K1, 2025)["coverage_cum"].null_count() == 9


def test_series_of_one_puskesmas(monthly):
    assert series(monthly, wilayah(), K1, 2025, "Bukateja")["kode_desa"].unique().to_list() == [DESA_C]
    assert series(monthly, wilayah(), K1, 2025, "Kemangkon")["kode_desa"].n_unique() == 2


def test_status_rule_higher_is_better():
    # coverage vs target decides the row of the table, current vs previous the column.
    assert status(30, 25, 10, 5, Direction.HIGHER) == "baik"
    assert status(30, 25, 5, 10, Direction.HIGHER) == "kurang"
    assert status(20, 25, 10, 5, Direction.HIGHER) == "cukup"
    assert status(20, 25, 5, 10, Direction.HIGHER) == "jelek"
    assert status(25, 25, 5, 5, Direction.HIGHER) == "baik"  # on target and steady
    assert status(20, 25, 5, 5, Direction.HIGHER) == "cukup"  # steady counts as rising below target too
    assert STATUSES == ("baik", "cukup", "kurang", "jelek")


def test_status_rule_lower_is_better_is_mirrored():
    assert status(4, 5, 3, 4, Direction.LOWER) == "baik"
    assert status(4, 5, 4, 3, Direction.LOWER) == "kurang"
    assert status(8, 5, 7, 8, Direction.LOWER) == "cukup"
    assert status(8, 5, 8, 7, Direction.LOWER) == "jelek"
    assert status(5, 5, 3, 3, "lower") == "baik"


def test_status_needs_every_figure():
    assert status(None, 25, 5, 5, Direction.HIGHER) is None
    assert status(30, 25, None, 5, Direction.HIGHER) is None
    assert status(30, 25, 5, None, Direction.HIGHER) is None


def test_january_is_compared_with_the_linear_pace(monthly):
    jan = desa_status(monthly, wilayah(), K1, JAN)
    a, b, c = (by_desa(jan, d) for d in (DESA_A, DESA_B, DESA_C))
    assert a["previous"] == pytest.approx(100 / 12)  # target / 12, not December 2024's 3 / 12
    assert (a["status"], b["status"], c["status"]) == ("baik", "jelek", "baik")  # C: 1 of 12 is exactly on pace


def test_february_statuses_and_missing_report(monthly):
    feb = desa_status(monthly, wilayah(), K1, FEB)
    a, b, c = (by_desa(feb, d) for d in (DESA_A, DESA_B, DESA_C))
    assert a["coverage_cum"] == 25 and a["target_linear"] == pytest.approx(100 * 2 / 12)
    assert a["previous"] == pytest.approx(100 * 2 / 12) and a["status"] == "kurang"  # above target, 1 < 2 this month
    assert b["previous"] == 0 and b["status"] == "cukup"  # 10 % < 16.7 %, but 1 > 0 this month
    assert c["coverage_cum"] is None and c["status"] is None
    assert feb["kode_desa"].to_list() == [DESA_A, DESA_B, DESA_C]  # highest first, missing report last


def test_march_table_with_gap_in_people(monthly):
    mar = desa_status(monthly, wilayah(), K1, MAR)
    assert mar["kode_desa"].to_list() == [DESA_A, DESA_C, DESA_B]  # 41.7 %, 16.7 %, 10 %
    a, b, c = (by_desa(mar, d) for d in (DESA_A, DESA_B, DESA_C))
    assert (a["numerator_month"], a["numerator_cum"], a["denominator"]) == (2, 5, 12)
    assert a["coverage_cum"] == pytest.approx(100 * 5 / 12) and a["target_linear"] == 25
    assert (a["status"], b["status"], c["status"]) == ("baik", "jelek", "cukup")
    # C's February report is missing: March is compared with the pace (8.33 %), and 1 of 12 is steady.
    assert c["previous"] == pytest.approx(100 / 12)
    # Target 25 %: A 3 of 12 needed, has 5 -> 0; B 2.5 of 10 needed, has 1 -> 1.5 rounds to 2; C 3 - 2 -> 1.
    assert (a["gap_people"], b["gap_people"], c["gap_people"]) == (0, 2, 1)


def test_gap_is_not_pushed_up_by_floating_point():
    period = date(2025, 4, 1)  # 100 % x 4/12 of 9 people is 3.0000000000000004 in floating point
    monthly = conform(pl.DataFrame(rows("anc_k1", DESA_A, "Kemangkon", [(period, 1, 2, 9)]),
                                   schema_overrides={"numerator_month": pl.Int32}), INDIKATOR_BULANAN)
    assert desa_status(monthly, wilayah(), K1, period)["gap_people"].item() == 1


def test_one_puskesmas_only(monthly):
    assert desa_status(monthly, wilayah(), K1, MAR, "Kemangkon")["kode_desa"].to_list() == [DESA_A, DESA_B]


def test_lower_is_better_point_in_time_indicator(monthly):
    # Drop-out %: A 0, 10, 7.5; B 0, 4, 8; C 10, (no report), 8. Target 5 % every month, January pace 5 %.
    s = series(monthly, wilayah(), DO, 2025)
    assert s["target_linear"].unique().to_list() == [5]
    got = {
        (d, p.month): by_desa(desa_status(monthly, wilayah(), DO, p), d)["status"]
        for d in (DESA_A, DESA_B, DESA_C) for p in (JAN, FEB, MAR)
    }
    assert got == {
        (DESA_A, 1): "baik", (DESA_A, 2): "jelek", (DESA_A, 3): "cukup",  # 7.5 > 5 but down from 10
        (DESA_B, 1): "baik", (DESA_B, 2): "kurang", (DESA_B, 3): "jelek",  # 4 <= 5 but up from 0
        (DESA_C, 1): "jelek", (DESA_C, 2): None, (DESA_C, 3): "jelek",  # no K1 report in Feb; Mar 8 vs pace 5
    }
    a = by_desa(desa_status(monthly, wilayah(), DO, MAR), DESA_A)
    assert a["coverage_cum"] == 7.5 and a["previous"] == 10
    assert a["gap_people"] == 3  # the children who dropped out


def test_status_counts_list_every_status_and_skip_missing_reports():
    desa = pl.DataFrame({"status": ["baik", "jelek", "baik", None, "cukup"]})
    assert status_counts(desa) == {"baik": 2, "cukup": 1, "kurang": 0, "jelek": 1}
