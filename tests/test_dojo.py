"""Dojo comparisons on hand-built summaries whose every figure is worked out in the comments."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import polars as pl
import pytest

from phdt.dojo import REASONS, equity, funnel, league, scorecard, standings, trust
from phdt.indicators import INDICATORS
from phdt.metrics import comparison
from phdt.statistics import Z95, Z998

K6, ZERO_DOSE = INDICATORS["anc_k6"], INDICATORS["imm_zero_dose"]  # higher is better; lower is better
DEC, LAST_DEC, JUNE = date(2025, 12, 1), date(2024, 12, 1), date(2025, 6, 1)
SAME_MONTH = comparison(K6, DEC, LAST_DEC)  # December vs December: coverage points


def summary(rows: list[tuple]) -> pl.DataFrame:
    """A metrics.summarise-like frame from (kode, numerator, denominator, has_data, flagged, colour, gap)."""
    frame = pl.DataFrame(rows, schema=["kode", "numerator", "denominator", "has_data", "flagged", "colour", "gap"],
                         orient="row")
    return frame.select(
        "kode", pl.col("kode").alias("nama"), "numerator", "denominator", "gap",
        reported=pl.col("has_data").cast(pl.Float64),
        value=pl.when(pl.col("denominator") > 0).then(100 * pl.col("numerator") / pl.col("denominator")),
        expected=pl.lit(75.0), flagged="flagged", has_data="has_data", colour="colour",
    )


# anc_k6 now: A 81/263 = 30.80 %, B 90 %, C 90 % (tie with B), D 50 %, H 60 % are ranked; E has no report,
# F is flagged (110/100), G (70 %) has quality 40 < 60. H has no quality score: unknown, so still ranked.
CURRENT = summary([
    ("A", 81, 263, True, False, "red", 116), ("B", 90, 100, True, False, "green", 0),
    ("C", 45, 50, True, False, "green", 0), ("D", 50, 100, True, False, "red", 25),
    ("E", 0, 100, False, False, "no_data", 75), ("F", 110, 100, True, True, "flag", 0),
    ("G", 70, 100, True, False, "yellow", 5), ("H", 60, 100, True, False, "yellow", 15),
])
# Earlier: A 24 %, B 85, C 80, D 60, E 50, F 70, G 20 are usable; H had no report. Ranked without the
# quality rule: B 1, C 2, F 3, D 4, E 5, A 6, G 7.
EARLIER = summary([
    ("A", 60, 250, True, False, "red", 0), ("B", 85, 100, True, False, "green", 0),
    ("C", 40, 50, True, False, "green", 0), ("D", 60, 100, True, False, "red", 0),
    ("E", 50, 100, True, False, "red", 0), ("F", 70, 100, True, False, "yellow", 0),
    ("G", 20, 100, True, False, "red", 0), ("H", 0, 100, False, False, "no_data", 0),
])
QUALITY = pl.DataFrame({"puskesmas": ["A", "B", "C", "D", "E", "F", "G"], "score": [90.0, 80, 75, 60, 0, 95, 40]})


def by_kode(frame: pl.DataFrame) -> dict[str, dict]:
    return {row["kode"]: row for row in frame.iter_rows(named=True)}


def test_league_columns_order_and_reasons():
    table = league(CURRENT, EARLIER, QUALITY, K6, min_quality=60, compared=SAME_MONTH)
    assert table.columns == [
        "kode", "nama", "numerator", "denominator", "value", "ci_low", "ci_high", "colour", "quality", "reason",
        "rank", "rank_low", "rank_high", "earlier_value", "delta", "earlier_rank", "rank_change",
    ]
    # Ranked by value, B and C tie at 90 % and share rank 1 ("min"); unranked rows follow by name.
    assert table["kode"].to_list() == ["B", "C", "H", "D", "A", "E", "F", "G"]
    assert table["rank"].to_list() == [1, 1, 3, 4, 5, None, None, None]
    assert table["reason"].to_list() == [None] * 5 + ["no_data", "flagged", "quality"]
    assert set(table["reason"].drop_nulls()) == set(REASONS)
    assert table.schema["rank"] == pl.Int32 and table.schema["reason"] == pl.String
    rows = by_kode(table)
    assert rows["D"]["quality"] == 60.0 and rows["D"]["reason"] is None  # at the threshold is not below it
    assert rows["H"]["quality"] is None and rows["H"]["rank"] == 3
    assert rows["E"]["value"] is None and rows["F"]["value"] == pytest.approx(110.0)


def test_the_first_applicable_reason_wins():
    # E has no report and a quality score of 0: "no_data" comes first.
    assert by_kode(league(CURRENT, None, QUALITY, K6, min_quality=60))["E"]["reason"] == "no_data"
    # F is flagged with a good score; with a threshold above its 95 it is still "flagged".
    assert by_kode(league(CURRENT, None, QUALITY, K6, min_quality=99))["F"]["reason"] == "flagged"


def test_league_wilson_intervals_in_percent():
    rows = by_kode(league(CURRENT, None, QUALITY, K6, min_quality=60, draws=0))
    # Newcombe 1998 method 3: 81/263 -> 25.53 % to 36.62 %.
    assert (rows["A"]["ci_low"], rows["A"]["ci_high"]) == pytest.approx((25.53, 36.62), abs=5e-3)
    # 90/100, z = 1.96: centre (0.9 + 1.96²/200) / (1 + 1.96²/100) = 0.91921 / 1.03841 = 0.88521,
    # half 1.96 / 1.03841 × sqrt(0.9 × 0.1 / 100 + 1.96² / 40000) = 1.88750 × 0.031560 = 0.05957 -> 82.56 to 94.48.
    assert (rows["B"]["ci_low"], rows["B"]["ci_high"]) == pytest.approx((82.56, 94.48), abs=5e-3)
    # Flagged 110/100 is clipped to 100/100 for the interval only: lower bound 1 / (1 + 1.96²/100) = 96.30 %.
    assert (rows["F"]["ci_low"], rows["F"]["ci_high"]) == pytest.approx((96.30, 100.0), abs=5e-3)
    assert rows["E"]["ci_low"] is None and rows["E"]["ci_high"] is None


def test_rank_intervals_are_seeded_contain_the_rank_and_skip_unranked():
    table = league(CURRENT, EARLIER, QUALITY, K6, min_quality=60, draws=500, seed=3, compared=SAME_MONTH)
    assert table.equals(league(CURRENT, EARLIER, QUALITY, K6, min_quality=60, draws=500, seed=3, compared=SAME_MONTH))
    ranked = table.filter(pl.col("rank").is_not_null())
    assert ranked.select((pl.col("rank_low") <= pl.col("rank")) & (pl.col("rank") <= pl.col("rank_high"))).to_series().all()
    assert ranked["rank_low"].min() == 1 and ranked["rank_high"].max() <= 5
    assert by_kode(table)["A"]["rank_low"] == 5  # 30.8 % is far below the 50 % next up: surely last
    assert table.filter(pl.col("rank").is_null())["rank_low"].null_count() == 3
    no_draws = league(CURRENT, EARLIER, QUALITY, K6, min_quality=60, draws=0, compared=SAME_MONTH)
    assert no_draws["rank_low"].null_count() == no_draws.height and no_draws.schema["rank_high"] == pl.Int32


def test_earlier_rank_change_and_delta():
    rows = by_kode(league(CURRENT, EARLIER, QUALITY, K6, min_quality=60, draws=0, compared=SAME_MONTH))
    # Movement ranks only units ranked now with usable earlier data: A, B, C, D (H had no report, G is
    # excluded now). Earlier B 85, C 80, D 60, A 24 -> 1, 2, 3, 4; now B = C 90, D 50, A 30.8 -> 1, 1, 3, 4.
    # rank_change = earlier − now: C moved up one, the others stayed (H's arrival moves nobody).
    assert {k: (rows[k]["earlier_rank"], rows[k]["rank_change"]) for k in "ABCD"} == {
        "A": (4, 0), "B": (1, 0), "C": (2, 1), "D": (3, 0)}
    assert rows["A"]["delta"] == pytest.approx(100 * 81 / 263 - 24.0)  # 30.80 − 24.00 = 6.80 points
    assert rows["D"]["delta"] == pytest.approx(-10.0)
    assert rows["G"]["earlier_rank"] is None and rows["G"]["delta"] == pytest.approx(50.0)  # 70 − 20; not ranked now
    assert rows["H"]["earlier_value"] is None and rows["H"]["delta"] is None and rows["H"]["rank_change"] is None
    assert rows["E"]["earlier_value"] == 50.0 and rows["E"]["delta"] is None  # no report now
    assert rows["F"]["delta"] is None  # flagged now
    none = league(CURRENT, None, QUALITY, K6, min_quality=60, draws=0)
    assert none["earlier_rank"].null_count() == none.height and none.schema["delta"] == pl.Float64


def test_league_change_across_months_of_a_cumulative_indicator_is_distance_to_target():
    rows = by_kode(league(CURRENT, EARLIER, QUALITY, K6, min_quality=60, draws=0, compared=comparison(K6, DEC, JUNE)))
    # K6's target to date: 50 % in June, 100 % in December. D: 60 % in June (10 ahead), 50 % now (50 behind):
    # 60 points further from the target, not the −10 points of coverage; A: 26 behind then, 69.20 now.
    assert rows["D"]["delta"] == pytest.approx(-60.0)
    assert rows["A"]["delta"] == pytest.approx(26.0 - (100 - 100 * 81 / 263))
    with pytest.raises(ValueError):
        league(CURRENT, EARLIER, QUALITY, K6, min_quality=60, draws=0)  # an earlier period must say how


def test_scorecard_across_months_marks_cumulative_changes_as_distance():
    result = scorecard({"anc_k6": CURRENT, "imm_zero_dose": ZD_CURRENT},
                       {"anc_k6": EARLIER, "imm_zero_dose": ZD_EARLIER}, QUALITY, min_quality=60, periods=(DEC, JUNE))
    rows = {(r["puskesmas"], r["slug"]): r for r in result.iter_rows(named=True)}
    assert rows["D", "anc_k6"]["basis"] == "distance" and rows["D", "anc_k6"]["improvement"] == pytest.approx(-60.0)
    assert rows["A", "imm_zero_dose"]["basis"] == "coverage"  # point in time: coverage whatever the months


def test_league_lower_is_better_ranks_low_values_first():
    units = summary([("X", 10, 100, True, False, "red", 10), ("Y", 2, 100, True, False, "green", 2),
                     ("Z", 5, 100, True, False, "green", 5)])
    table = league(units, None, QUALITY, ZERO_DOSE, min_quality=60, draws=200)
    assert table["kode"].to_list() == ["Y", "Z", "X"] and table["rank"].to_list() == [1, 2, 3]


# Funnel around exactly 80 %: P 100/100, Q 90/100, R 78/100, S 70/100, T 62/100 and W 160/200 give
# Σx/Σn = 560/700 = 0.8. The trust rule: U (no report), V (flagged) and X (190/200 = 95 %, but data quality 10)
# are neither counted nor placed; counted, X would move the centre to 750/900 = 83.3 % and sit far above it.
# At n = 100 the binomial sd is sqrt(0.8 × 0.2 / 100) = 0.04: 95 % limits 80 ± 1.96 × 4 = 72.16 to 87.84,
# 99.8 % limits 80 ± 3.09 × 4 = 67.64 to 92.36.
FUNNEL_UNITS = summary([
    ("P", 100, 100, True, False, "green", 0), ("Q", 90, 100, True, False, "green", 0),
    ("R", 78, 100, True, False, "green", 0), ("S", 70, 100, True, False, "yellow", 5),
    ("T", 62, 100, True, False, "red", 13), ("W", 160, 200, True, False, "green", 0),
    ("U", 0, 100, False, False, "no_data", 75), ("V", 120, 100, True, True, "flag", 0),
    ("X", 190, 200, True, False, "green", 0),
])
FUNNEL_QUALITY = pl.DataFrame({"puskesmas": ["X"], "score": [10.0]})


def positions(result) -> dict[str, str | None]:
    return dict(zip(result.points["kode"], result.points["position"], strict=True))


def test_funnel_centre_limits_and_positions():
    table = league(FUNNEL_UNITS, None, FUNNEL_QUALITY, K6, min_quality=50, draws=0)
    result = funnel(table, K6)
    assert result.centre == pytest.approx(80.0) and result.adjust == "none"
    assert positions(result) == {"P": "better_998", "Q": "better_95", "R": "within", "S": "worse_95",
                                 "T": "worse_998", "W": "within", "U": None, "V": None, "X": None}
    assert result.points.columns == [*table.columns, "position"]
    curve = result.curve
    assert curve.columns == ["denominator", "low95", "high95", "low998", "high998"] and curve.height == 100
    assert curve.schema["denominator"] == pl.Float64
    assert curve["denominator"][0] == pytest.approx(100) and curve["denominator"][-1] == pytest.approx(220)
    ratios = (curve["denominator"][1:].to_numpy() / curve["denominator"][:-1].to_numpy())
    assert np.allclose(ratios, ratios[0])  # geometric spacing
    first = curve.row(0, named=True)
    assert (first["low95"], first["high95"]) == pytest.approx((80 - Z95 * 4, 80 + Z95 * 4))  # 72.16, 87.84
    assert (first["low998"], first["high998"]) == pytest.approx((80 - Z998 * 4, 80 + Z998 * 4))  # 67.64, 92.36


def test_funnel_lower_is_better_flips_the_sides():
    result = funnel(league(FUNNEL_UNITS, None, FUNNEL_QUALITY, ZERO_DOSE, min_quality=50, draws=0), ZERO_DOSE)
    assert positions(result) == {"P": "worse_998", "Q": "worse_95", "R": "within", "S": "better_95",
                                 "T": "better_998", "W": "within", "U": None, "V": None, "X": None}


def test_funnel_overdispersion_widens_the_limits():
    table = league(FUNNEL_UNITS, None, FUNNEL_QUALITY, K6, min_quality=50, draws=0)
    # z-scores: P 5, Q 2.5, R −0.5, S −2.5, T −4.5, W 0 (sd 0.0283 at n = 200). Winsorised at the 10th/90th
    # percentiles (−3.5, 3.75): phi = (3.75² + 2.5² + 0.5² + 2.5² + 3.5² + 0) / 6 = 39.0625 / 6 = 6.5104;
    # 6 × 6.51 = 39.06 far above chi-square(5) 95 % = 11.07, so overdispersion is detected.
    multiplicative = funnel(table, K6, adjust="multiplicative")
    assert multiplicative.dispersion.phi == pytest.approx(39.0625 / 6)
    assert multiplicative.dispersion.k == 6 and multiplicative.dispersion.detected
    # 95 % half-width at n = 100: 1.96 × 4 × sqrt(6.5104) = 20.00 points, so 60.00 to 100 (clipped).
    first = multiplicative.curve.row(0, named=True)
    assert first["low95"] == pytest.approx(80 - Z95 * 4 * math.sqrt(39.0625 / 6))
    assert first["high95"] == pytest.approx(100.0)
    assert set(positions(multiplicative).values()) == {"within", None}
    # Additive: weights 1/var are 625 (n = 100) and 1250 (n = 200); Σw = 4375, Σw² / Σw = 3515625 / 4375 = 803.57;
    # tau² = (39.0625 − 5) / (4375 − 803.57) = 0.0095375; half-width 1.96 × sqrt(0.0016 + 0.0095375) = 0.2068.
    additive = funnel(table, K6, adjust="additive")
    assert additive.dispersion.tau2 == pytest.approx(34.0625 / (4375 - 3515625 / 4375))
    assert additive.curve["low95"][0] == pytest.approx(100 * (0.8 - Z95 * math.sqrt(0.0016 + 0.0095375)), abs=1e-3)
    with pytest.raises(ValueError, match="adjust"):
        funnel(table, K6, adjust="wider")


# Zero-dose for A, B, C, G (lower is better): now A 5 %, B 8 %, C 4 %, G 3 % (quality 40 -> grey);
# earlier A 10, B 6, C 6, G 5. Ranked now C 1, A 2, B 3; earlier among the same three B 1, C 1, A 3.
ZD_CURRENT = summary([("A", 5, 100, True, False, "green", 5), ("B", 8, 100, True, False, "yellow", 8),
                      ("C", 2, 50, True, False, "green", 2), ("G", 3, 100, True, False, "green", 3)])
ZD_EARLIER = summary([("A", 10, 100, True, False, "red", 10), ("B", 6, 100, True, False, "yellow", 6),
                      ("C", 3, 50, True, False, "yellow", 3), ("G", 5, 100, True, False, "green", 5)])


def card() -> pl.DataFrame:
    return scorecard({"anc_k6": CURRENT, "imm_zero_dose": ZD_CURRENT},
                     {"anc_k6": EARLIER, "imm_zero_dose": ZD_EARLIER}, QUALITY, min_quality=60,
                     periods=(DEC, LAST_DEC))


def test_scorecard_greys_low_quality_and_signs_improvement():
    result = card()
    assert result.columns == ["puskesmas", "nama", "slug", "value", "colour", "reason", "rank", "earlier_rank",
                              "rank_change", "delta", "improvement", "basis"]
    assert result.height == 8 + 4
    rows = {(r["puskesmas"], r["slug"]): r for r in result.iter_rows(named=True)}
    assert rows["G", "anc_k6"]["colour"] == "grey" and rows["G", "imm_zero_dose"]["colour"] == "grey"
    assert rows["E", "anc_k6"]["colour"] == "no_data" and rows["F", "anc_k6"]["colour"] == "flag"
    assert rows["B", "anc_k6"]["colour"] == "green"
    # Zero-dose A fell 10 -> 5 %: delta −5, improvement +5; B rose 6 -> 8 %: improvement −2.
    assert (rows["A", "imm_zero_dose"]["delta"], rows["A", "imm_zero_dose"]["improvement"]) == pytest.approx((-5, 5))
    assert rows["B", "imm_zero_dose"]["improvement"] == pytest.approx(-2)
    assert rows["D", "anc_k6"]["improvement"] == pytest.approx(-10)  # K6 50 − 60: higher is better, sign kept
    assert rows["H", "anc_k6"]["improvement"] is None
    assert (rows["A", "imm_zero_dose"]["rank"], rows["A", "imm_zero_dose"]["rank_change"]) == (2, 1)
    assert rows["B", "imm_zero_dose"]["rank_change"] == -2  # 1 -> 3


def test_standings_best_and_most_improved():
    # A: red + green, ranks 5 and 2, improvements 6.80 and 5. B: green + yellow, ranks 1 and 3, +5 and −2.
    # C: two greens, ranks 1 and 1, +10 and +2. D: red, rank 4, −10. G: two greys, no rank, no improvement counted.
    # H: yellow, rank 3, no earlier value. E (no data) and F (flag) count no colour.
    best = standings(card())
    assert best.columns == ["puskesmas", "nama", "green", "yellow", "red", "grey", "ranked", "reason", "mean_rank",
                            "improved", "mean_improvement", "mean_rank_change"]
    # E, F and G are ranked on no indicator: they come last, by name, with their reason and no counts.
    assert best["puskesmas"].to_list() == ["C", "B", "A", "H", "D", "E", "F", "G"]
    rows = by_kode(best.rename({"puskesmas": "kode"}))
    assert (rows["A"]["green"], rows["A"]["red"], rows["A"]["mean_rank"], rows["A"]["ranked"]) == (1, 1, 3.5, 2)
    assert (rows["A"]["reason"], rows["D"]["ranked"], rows["D"]["yellow"]) == (None, 1, 0)  # a real zero
    assert (rows["G"]["grey"], rows["G"]["ranked"], rows["G"]["reason"]) == (2, 0, "quality")  # doubtful data
    assert [rows[k]["reason"] for k in "EF"] == ["no_data", "flagged"]
    for k in "EFG":  # not "0 green, 0 yellow, 0 red": nothing was counted
        assert [rows[k][c] for c in ("green", "yellow", "red", "improved", "mean_rank")] == [None] * 5
    assert rows["A"]["mean_improvement"] == pytest.approx((100 * 81 / 263 - 24 + 5) / 2)  # 5.90
    assert rows["A"]["mean_rank_change"] == pytest.approx(0.5)  # (0 + 1) / 2
    assert rows["B"]["mean_rank_change"] == pytest.approx(-1.0)  # (0 − 2) / 2
    improved = standings(card(), by="improved")
    # mean improvement: C 6, A 5.90, B 1.5, D −10; H (ranked, no earlier value) has none; then the unranked
    # E, F, G (greyed: G's +50 does not count).
    assert improved["puskesmas"].to_list() == ["C", "A", "B", "D", "H", "E", "F", "G"]
    with pytest.raises(ValueError, match="by"):
        standings(card(), by="worst")


# Kecamatan: K1 90/100 (gap 10), K2 60/200 = 30 % (gap 140), K3 150/300 = 50 % (gap 150), K4 0/4 (gap 3),
# K5 no report, K6 flagged.
KECAMATAN = summary([
    ("K1", 90, 100, True, False, "green", 10), ("K2", 60, 200, True, False, "red", 140),
    ("K3", 150, 300, True, False, "red", 150), ("K4", 0, 4, True, False, "red", 3),
    ("K5", 0, 100, False, False, "no_data", 80), ("K6", 130, 100, True, True, "flag", 0),
])


def test_equity_by_hand():
    # min_denominator 10 leaves K1, K2, K3: μ = 300/600 = 50 %. D = 90 − 30 = 60, R = 90/30 = 3,
    # MDM = (100 × 40 + 200 × 20 + 300 × 0) / 600 = 13.33. Gap 300: K3 alone holds 150 = half.
    result = equity(KECAMATAN, K6, min_denominator=10)
    assert (result.units, result.best, result.best_value, result.worst, result.worst_value) == (3, "K1", 90, "K2", 30)
    assert (result.difference, result.ratio) == pytest.approx((60, 3))
    assert result.mdm == pytest.approx(8000 / 600)
    assert (result.gap_total, result.gap_half_units) == (300, 1)


def test_equity_with_small_units_and_a_zero_lowest():
    # All four: μ = 300/604 = 49.669 %. MDM = (100 × 40.331 + 200 × 19.669 + 300 × 0.331 + 4 × 49.669) / 604
    # = 8264.90 / 604 = 13.684. Lowest value 0: no ratio. Gap 303: 150 < 151.5, 150 + 140 ≥ 151.5 -> 2 units.
    result = equity(KECAMATAN, K6)
    assert (result.units, result.worst, result.worst_value, result.difference, result.ratio) == (4, "K4", 0, 90, None)
    assert result.mdm == pytest.approx(13.684, abs=1e-3)
    assert (result.gap_total, result.gap_half_units) == (303, 2)


def test_equity_lower_is_better_and_too_few_units():
    result = equity(KECAMATAN, ZERO_DOSE, min_denominator=10)
    assert (result.best, result.best_value, result.worst, result.worst_value) == ("K2", 30, "K1", 90)
    assert equity(KECAMATAN, K6, min_denominator=250) is None  # only K3 qualifies
    no_gap = equity(KECAMATAN.with_columns(gap=pl.lit(0)), K6)
    assert (no_gap.gap_total, no_gap.gap_half_units) == (0, 0)


def test_trust_compares_the_score_at_the_precision_it_is_shown():
    # Shown with one decimal: 94.96 shows as "95,0" and is trusted at ≥ 95; 94.94 shows as "94,9" and is not.
    units = summary([("A", 5, 10, True, False, "red", 5), ("B", 5, 10, True, False, "red", 5),
                     ("C", 5, 10, False, False, "no_data", 5), ("D", 11, 10, True, True, "flag", 0),
                     ("E", 5, 10, True, False, "red", 5)])
    scores = pl.DataFrame({"kode": ["A", "B", "C", "D"], "score": [94.96, 94.94, 100.0, 100.0]})
    rule = trust(units, scores, 95)
    assert rule.table.rows() == [("A", 95.0, None), ("B", 94.9, "quality"), ("C", 100.0, "no_data"),
                                 ("D", 100.0, "flagged"), ("E", None, None)]  # E: no score, unknown, trusted
    assert rule.trusted == ["A", "E"] and rule.reason("B") == "quality" and rule.reason("A") is None
    assert rule.untrusted.rows() == [("B", "quality"), ("C", "no_data"), ("D", "flagged")]
    # The league reads the same rule: A ranked, B not, with the rounded score it was judged on.
    table = by_kode(league(units, None, scores.rename({"kode": "puskesmas"}), K6, 95, draws=0))
    assert (table["A"]["quality"], table["A"]["rank"], table["B"]["quality"], table["B"]["reason"]) == (
        95.0, 1, 94.9, "quality")


def test_equity_never_names_an_untrusted_area():
    # K1 (90 %) is the best by value, but its data-quality score 50 is below 80: the best is now K3 (50 %),
    # over K2 and K3 only: D = 50 − 30 = 20, R = 5/3; μ = 210/500 = 42 %, MDM = (200 × 12 + 300 × 8) / 500 = 9.6.
    scores = pl.DataFrame({"kode": ["K1", "K2", "K3"], "score": [50.0, 90.0, 99.0]})
    result = equity(KECAMATAN, K6, min_denominator=10, rule=trust(KECAMATAN, scores, 80))
    assert (result.units, result.best, result.best_value, result.worst, result.worst_value) == (2, "K3", 50, "K2", 30)
    assert result.ratio == pytest.approx(5 / 3) and result.mdm == pytest.approx(9.6)
    assert result.untrusted == ("K1", "K6")  # K6: flagged (130 %); K5 has no data and is not named
    assert equity(KECAMATAN, K6, min_denominator=10).untrusted == ("K6",)
