"""Dojo statistics against published worked examples and hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phdt.statistics import (
    Z95,
    Z998,
    Overdispersion,
    chi2_quantile,
    funnel_limits,
    overdispersion,
    rank_intervals,
    suppressed,
    wilson,
)


def test_wilson_matches_newcombe_1998():
    # Newcombe, Stat Med 1998;17:857-72, Table I, method 3 (score): 81/263 -> 0.2553 to 0.3662;
    # 0/10 -> 0 to 0.2775; 1/29 -> 0.0061 to 0.1718.
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert wilson(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)


def test_funnel_limits_by_hand():
    # target 0.8, n = 100: sd = sqrt(0.8 x 0.2 / 100) = 0.04; 95 %: 0.8 ± 1.96 x 0.04.
    low, high = funnel_limits(0.8, np.array([100]))
    assert (low[0], high[0]) == pytest.approx((0.8 - Z95 * 0.04, 0.8 + Z95 * 0.04))
    low, high = funnel_limits(0.8, np.array([100]), z=Z998)
    assert high[0] == pytest.approx(0.8 + 3.0902 * 0.04, abs=1e-4)
    # Multiplicative overdispersion phi = 4 doubles the half-width; additive tau² adds variance.
    low, _ = funnel_limits(0.8, np.array([100]), adjust="multiplicative", dispersion=Overdispersion(4.0, 0.0))
    assert low[0] == pytest.approx(0.8 - 2 * Z95 * 0.04)
    _, high = funnel_limits(0.8, np.array([100]), adjust="additive", dispersion=Overdispersion(1.0, 0.0009))
    assert high[0] == pytest.approx(0.8 + Z95 * math.sqrt(0.0016 + 0.0009))  # sqrt(0.0025) = 0.05
    # phi below 1 never narrows the limits.
    low, _ = funnel_limits(0.8, np.array([100]), adjust="multiplicative", dispersion=Overdispersion(0.5, 0.0))
    assert low[0] == pytest.approx(0.8 - Z95 * 0.04)


def test_overdispersion_by_hand():
    # Four units of n = 100 around target 0.5 (sd 0.05) at 0.40, 0.45, 0.55, 0.60: z = -2, -1, 1, 2.
    # Winsorising 10 % of four values clips to the 10th/90th percentiles (-1.7, 1.7):
    # phi = (1.7² + 1 + 1 + 1.7²) / 4 = 1.945. tau² = (4 x 1.945 - 3) / (1600 - 640000/1600) = 4.78 / 1200.
    result = overdispersion(np.array([40, 45, 55, 60]), np.array([100] * 4), 0.5)
    assert result.phi == pytest.approx(1.945)
    assert result.tau2 == pytest.approx(4.78 / 1200)
    # k·phi = 7.78 sits on the 3-df critical value (7.815; Wilson-Hilferty 7.775): too close to call, so
    # detection is tested on clear cases below.
    assert result.k == 4


@pytest.mark.parametrize(("df", "table"), [(1, 3.841), (3, 7.815), (10, 18.307), (21, 32.671)])
def test_chi2_quantile_is_near_table_values(df, table):
    # Upper 95 % points of chi-square; Wilson-Hilferty is within 1 % from 3 df, 2.5 % at 1 df.
    assert chi2_quantile(0.95, df) == pytest.approx(table, rel=0.01 if df >= 3 else 0.03)


def test_overdispersion_is_detected_beyond_the_chi_square_point():
    # 22 units: 22 × 1.5 = 33.0 > 32.67 (21 df) is detected; 22 × 1.45 = 31.9 is not, although phi > 1.
    assert Overdispersion(1.5, 0.0, 22).detected
    assert not Overdispersion(1.45, 0.0, 22).detected
    # 11 units: 11 × 1.7 = 18.7 > 18.31 (10 df); 11 × 1.6 = 17.6 is not.
    assert Overdispersion(1.7, 0.0, 11).detected and not Overdispersion(1.6, 0.0, 11).detected
    # Without units (phi given by hand) or with one unit there is nothing to test.
    assert not Overdispersion(4.0, 0.0).detected and not Overdispersion(4.0, 0.0, 1).detected


def test_overdispersion_without_variance_or_spread_is_none():
    # Target 0 or 1 has zero binomial variance; one unit has no spread.
    assert overdispersion(np.array([0, 0]), np.array([10, 20]), 0.0) == Overdispersion(1.0, 0.0, 2)
    assert overdispersion(np.array([10, 20]), np.array([10, 20]), 1.0) == Overdispersion(1.0, 0.0, 2)
    assert overdispersion(np.array([5]), np.array([10]), 0.5) == Overdispersion(1.0, 0.0, 1)


def test_rank_intervals_are_seeded_and_widen_with_small_n():
    x, n = np.array([90, 50, 9, 5]), np.array([100, 100, 10, 10])
    observed, low, high = rank_intervals(x, n, seed=1)
    assert observed.tolist() == [1, 3, 2, 4]  # 0.9, 0.5, 0.9, 0.5: ties keep the listing order
    again = rank_intervals(x, n, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip((observed, low, high), again, strict=True))
    assert high[1] - low[1] <= high[2] - low[2]  # the large unit's rank is surer than the small one's
    assert low.min() >= 1 and high.max() <= 4
    lower_first, _, _ = rank_intervals(x, n, higher_is_better=False, seed=1)
    assert lower_first.tolist() == [3, 1, 4, 2]  # lower is better: the 0.5s rank first


@pytest.mark.parametrize(("count", "shown"), [(None, "–"), (0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (120, "120")])
def test_small_counts_are_suppressed(count, shown):
    assert suppressed(count) == shown


def test_suppression_threshold_is_configurable():
    assert suppressed(9, below=10) == "<10" and suppressed(10, below=10) == "10"
