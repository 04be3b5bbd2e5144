"""Statistics for fair comparison between puskesmas (Dojo): intervals, funnel limits, rank
uncertainty and small-count suppression. Pure functions on numbers and numpy arrays.

References: Wilson (1927) score interval, as in Newcombe, Stat Med 1998;17:857-72 (method 3);
Spiegelhalter, Stat Med 2005;24:1185-202 (funnel plots, overdispersion by a multiplicative factor
from winsorised z-scores, or an additive random-effects variance, DerSimonian-Laird style);
Wilson & Hilferty, PNAS 1931;17:684-8 (cube-root normal approximation of chi-square quantiles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

Z95 = NormalDist().inv_cdf(0.975)  # 1.959964
Z998 = NormalDist().inv_cdf(0.999)  # 3.090232
SUPPRESS_BELOW = 5  # counts below this are shown as "<5" in views shared between puskesmas


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion: stays inside [0, 1] and behaves for small n and
    for 0 or n successes, where the normal (Wald) interval fails."""
    if n <= 0:
        raise ValueError("n must be positive")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def chi2_quantile(p: float, df: int) -> float:
    """Chi-square quantile by Wilson-Hilferty: (X/df)^(1/3) is nearly normal with mean 1 − 2/(9df)
    and variance 2/(9df). No scipy here; within 1 % of table values from 3 df up (-0.5 % at 3 df,
    -2.5 % at 1 df), which is ample for a screening test."""
    if df < 1:
        raise ValueError("df must be at least 1")
    s = 2 / (9 * df)
    return df * (1 - s + NormalDist().inv_cdf(p) * math.sqrt(s)) ** 3


@dataclass(frozen=True)
class Overdispersion:
    phi: float  # multiplicative factor (1 = none)
    tau2: float  # additive between-unit variance (0 = none)
    k: int = 0  # units phi was estimated from; below 2 (e.g. phi set by hand) nothing can be tested

    @property
    def detected(self) -> bool:
        """Spiegelhalter 2005: k·phi is chi-square with k − 1 df under no overdispersion, so phi > 1
        alone is expected half the time by chance; detect only beyond the upper 95 % point."""
        return self.k >= 2 and self.k * self.phi > chi2_quantile(0.95, self.k - 1)


def overdispersion(successes: np.ndarray, n: np.ndarray, target: float, winsor: float = 0.1) -> Overdispersion:
    """phi = mean of squared z-scores after winsorising the top and bottom `winsor` share
    (Spiegelhalter 2005, eq. 4-5); tau² from phi as a random-effects variance (eq. 6). A target of
    0 or 1 has no binomial variance and one unit has no spread: both report no overdispersion."""
    n = np.asarray(n, dtype=float)
    k = len(n)
    if k < 2 or target <= 0 or target >= 1:
        return Overdispersion(1.0, 0.0, k)
    p = np.asarray(successes, dtype=float) / n
    variance = target * (1 - target) / n
    z = (p - target) / np.sqrt(variance)
    low, high = np.quantile(z, [winsor, 1 - winsor])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    weights = 1 / variance
    tau2 = max(0.0, (k * phi - (k - 1)) / (weights.sum() - (weights**2).sum() / weights.sum()))
    return Overdispersion(phi, tau2, k)


def funnel_limits(target: float, n: np.ndarray, z: float = Z95, adjust: str = "none",
                  dispersion: Overdispersion | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Control limits around `target` for each denominator: binomial (normal approximation), or
    widened for overdispersion ("multiplicative": × sqrt(phi) when phi > 1; "additive": + tau²)."""
    n = np.asarray(n, dtype=float)
    variance = target * (1 - target) / n
    if adjust == "multiplicative" and dispersion is not None:
        variance = variance * max(1.0, dispersion.phi)
    elif adjust == "additive" and dispersion is not None:
        variance = variance + dispersion.tau2
    elif adjust != "none":
        raise ValueError(f"adjust must be none, multiplicative or additive, got {adjust!r}")
    half = z * np.sqrt(variance)
    return np.clip(target - half, 0, 1), np.clip(target + half, 0, 1)


def rank_intervals(successes: np.ndarray, n: np.ndarray, higher_is_better: bool = True, draws: int = 2000,
                   seed: int = 0, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rank (1 = best) and its interval by simulation: each draw takes every unit's proportion
    from its Jeffreys posterior Beta(x + ½, n − x + ½) and ranks them. Returns (rank of the
    observed proportions, lower, upper)."""
    x, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    rng = np.random.default_rng(seed)
    sims = rng.beta(x + 0.5, n - x + 0.5, size=(draws, len(x)))
    order = -sims if higher_is_better else sims
    ranks = order.argsort(axis=1).argsort(axis=1) + 1
    tail = (1 - level) / 2
    lower, upper = np.quantile(ranks, [tail, 1 - tail], axis=0, method="inverted_cdf")
    observed = (-(x / n) if higher_is_better else x / n).argsort().argsort() + 1
    return observed, lower.astype(int), upper.astype(int)


def suppressed(count: int | None, below: int = SUPPRESS_BELOW) -> str:
    """A count for views shared between puskesmas: small counts could identify people."""
    if count is None:
        return "–"
    return f"<{below}" if 0 < count < below else str(count)
