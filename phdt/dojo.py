"""Dojo: fair comparison between puskesmas for one period. A league table with intervals and
rank uncertainty, a funnel plot, a scorecard across indicators and equity summaries (small counts
are suppressed where they are shown: statistics.suppressed). Pure functions on
metrics.summarise frames; the pages only draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from phdt.indicators import INDICATORS, Direction, Indicator
from phdt.metrics import Comparison, comparison
from phdt.statistics import Z95, Z998, Overdispersion, funnel_limits, overdispersion, rank_intervals, wilson

REASONS = ("no_data", "flagged", "quality")  # why a unit is shown but not ranked; the UI translates the codes
POSITIONS = ("better_998", "better_95", "within", "worse_95", "worse_998")
QUALITY_DECIMALS = 1  # a score is compared at the precision it is shown, so "95,0" is never "below 95"
_USABLE = pl.col("has_data") & ~pl.col("flagged")
_IN_BOTH = pl.col("reason").is_null() & pl.col("earlier_value").is_not_null()  # ranked now, usable then


@dataclass(frozen=True)
class Trust:
    """The one trust rule of the Dojo, computed once per set of units and read by every statement
    about a unit (rank, funnel position and sentence, session panel, scorecard, standings, equity's
    best and worst): a unit is trusted unless it has no report, an impossible value or a data-quality
    score below `min_quality`, in that order (``reason``: one of REASONS, null when trusted). A missing
    score is unknown, not bad. ``quality`` is the score rounded to QUALITY_DECIMALS: the figure shown
    and the figure compared are the same number."""

    min_quality: float
    table: pl.DataFrame  # kode, quality, reason

    def reason(self, kode: str) -> str | None:
        found = self.table.filter(pl.col("kode") == kode)["reason"]
        return found[0] if found.len() else None

    @property
    def trusted(self) -> list[str]:
        return self.table.filter(pl.col("reason").is_null())["kode"].to_list()

    @property
    def untrusted(self) -> pl.DataFrame:
        """kode, reason of the units left out, by code."""
        return self.table.filter(pl.col("reason").is_not_null()).select("kode", "reason").sort("kode")


def trust(units: pl.DataFrame, scores: pl.DataFrame | None, min_quality: float) -> Trust:
    """The trust rule over `units` (a metrics.summarise frame: kode, has_data, flagged) with data-quality
    `scores` (kode, score; None: no scores, nobody excluded for quality)."""
    schema = {"kode": pl.String, "quality": pl.Float64}
    known = (pl.DataFrame(schema=schema) if scores is None
             else scores.select(pl.col("kode").cast(pl.String), pl.col("score").cast(pl.Float64).alias("quality")))
    table = (
        units.select(pl.col("kode").cast(pl.String), "has_data", "flagged")
        .join(known.with_columns(pl.col("quality").round(QUALITY_DECIMALS)), on="kode", how="left")
        .with_columns(reason=pl.when(~pl.col("has_data")).then(pl.lit("no_data"))
                      .when(pl.col("flagged")).then(pl.lit("flagged"))
                      .when(pl.col("quality") < min_quality).then(pl.lit("quality")))
        .select("kode", "quality", "reason")
    )
    return Trust(min_quality, table)


def league(current: pl.DataFrame, earlier: pl.DataFrame | None, quality: pl.DataFrame, indicator: Indicator,
           min_quality: float, draws: int = 2000, seed: int = 0, compared: Comparison | None = None) -> pl.DataFrame:
    """Every puskesmas of `current`, ranked only when its figure can be trusted (:func:`trust`): units
    without data, with an impossible value or a data-quality score below `min_quality` are shown with a
    reason instead of a rank. `quality`: puskesmas, score.
    Rank movement compares like with like: ``earlier_rank`` and ``rank_change`` rank only the units
    ranked now that also had usable data then, so a newcomer or an excluded unit moves nobody.
    ``delta`` is the change as `compared` measures it (metrics.comparison: coverage points for the same
    month, points closer to the target to date for other months of a cumulative indicator); an
    `earlier` frame needs it."""
    if earlier is not None and compared is None:
        raise ValueError("an earlier period needs its comparison (phdt.metrics.comparison)")
    delta = compared.delta_expr(pl.col("value"), pl.col("earlier_value")) if compared else pl.lit(None, pl.Float64)
    rule = trust(current, quality.select(pl.col("puskesmas").alias("kode"), "score"), min_quality)
    rows = (
        current.with_columns(pl.col("kode").cast(pl.String)).join(rule.table, on="kode", how="left")
        .with_columns(value=pl.when(pl.col("has_data")).then(pl.col("value")))
        .with_columns(rank=_rank(pl.col("reason").is_null(), indicator))
    )
    rows = _with_intervals(rows, indicator, draws, seed)
    return (
        rows.join(_earlier(earlier), on="kode", how="left")
        .with_columns(
            delta=pl.when(_USABLE).then(delta),
            earlier_rank=_rank(_IN_BOTH, indicator, "earlier_value"),
            rank_change=_rank(_IN_BOTH, indicator, "earlier_value") - _rank(_IN_BOTH, indicator),
        )
        .select(
            "kode", "nama", "numerator", "denominator", "value", "ci_low", "ci_high", "colour", "quality", "reason",
            "rank", "rank_low", "rank_high", "earlier_value", "delta", "earlier_rank", "rank_change",
        )
        .sort(["rank", "nama"], nulls_last=True)
    )


def _rank(eligible: pl.Expr, indicator: Indicator, column: str = "value") -> pl.Expr:
    """1 = best in the indicator's direction among eligible units; ties share the best rank."""
    key = pl.when(eligible).then(pl.col(column))
    return key.rank("min", descending=indicator.direction is Direction.HIGHER).cast(pl.Int32)


def _earlier(earlier: pl.DataFrame | None) -> pl.DataFrame:
    """kode, earlier_value; no value where that period lacked data or was flagged."""
    schema = {"kode": pl.String, "earlier_value": pl.Float64}
    if earlier is None:
        return pl.DataFrame(schema=schema)
    return earlier.select("kode", earlier_value=pl.when(_USABLE).then(pl.col("value"))).cast(schema)


def _with_intervals(rows: pl.DataFrame, indicator: Indicator, draws: int, seed: int) -> pl.DataFrame:
    """Wilson 95 % interval per unit with data and the rank interval of ranked units. Numerators
    are clipped into [0, denominator] for both: a flagged or negative shortfall count has no
    binomial interval."""
    bounds = [
        wilson(min(max(x, 0), n), n) if ok else (None, None)
        for x, n, ok in zip(rows["numerator"], rows["denominator"], rows["has_data"], strict=True)
    ]
    rows = rows.with_columns(
        ci_low=pl.Series([None if lo is None else 100 * lo for lo, _ in bounds], dtype=pl.Float64),
        ci_high=pl.Series([None if hi is None else 100 * hi for _, hi in bounds], dtype=pl.Float64),
        rank_low=pl.lit(None, dtype=pl.Int32), rank_high=pl.lit(None, dtype=pl.Int32),
    )
    ranked = rows.with_row_index("row").filter(pl.col("rank").is_not_null())
    if draws == 0 or ranked.is_empty():
        return rows
    n = ranked["denominator"].to_numpy().astype(float)
    x = np.clip(ranked["numerator"].to_numpy().astype(float), 0, n)
    _, low, high = rank_intervals(x, n, indicator.direction is Direction.HIGHER, draws, seed)
    index = ranked["row"].to_numpy()
    return rows.with_columns(
        rank_low=rows["rank_low"].scatter(index, low), rank_high=rows["rank_high"].scatter(index, high)
    )


@dataclass(frozen=True)
class Funnel:
    centre: float  # district value in percent: 100 × Σnumerator / Σdenominator over the trusted (ranked) units
    dispersion: Overdispersion
    adjust: str  # "none" | "multiplicative" | "additive"
    curve: pl.DataFrame  # denominator, low95, high95, low998, high998 (percent) on a geometric grid
    points: pl.DataFrame  # the league rows plus `position` (one of POSITIONS; null when not trusted)


def funnel(league: pl.DataFrame, indicator: Indicator, adjust: str = "none") -> Funnel:
    """Funnel plot around the district value (Spiegelhalter 2005), under the trust rule: only ranked
    (trusted) units are judged, so only they get a position and only they set the centre and the
    overdispersion. A unit excluded for data quality keeps its figure in `points` (the chart may draw it,
    apart) but has no position: nothing is said about it that the ranking refuses to say."""
    placed = pl.col("reason").is_null()
    usable = league.filter(placed)
    x, n = usable["numerator"].to_numpy().astype(float), usable["denominator"].to_numpy().astype(float)
    target = x.sum() / n.sum() if len(n) and n.sum() > 0 else float("nan")
    dispersion = overdispersion(x, n, target)
    grid = np.geomspace(n.min(), 1.1 * n.max(), 100) if len(n) else np.array([])
    limits = _limits(target, grid, adjust, dispersion)
    curve = pl.DataFrame({"denominator": grid, **limits}, schema_overrides={"denominator": pl.Float64})
    positions = _positions(x / n, _limits(target, n, adjust, dispersion), indicator)
    indices = league.with_row_index("row").filter(placed)["row"].to_numpy()
    points = league.with_columns(position=pl.lit(None, dtype=pl.String))
    points = points.with_columns(position=points["position"].scatter(indices, positions))
    return Funnel(100 * target, dispersion, adjust, curve, points)


def _limits(target: float, n: np.ndarray, adjust: str, dispersion: Overdispersion) -> dict[str, np.ndarray]:
    """low95, high95, low998, high998 in percent at each denominator."""
    out = {}
    for name, z in (("95", Z95), ("998", Z998)):
        low, high = funnel_limits(target, n, z, adjust, dispersion)
        out[f"low{name}"], out[f"high{name}"] = 100 * low, 100 * high
    return out


def _positions(p: np.ndarray, limits: dict[str, np.ndarray], indicator: Indicator) -> list[str]:
    """Where each proportion falls against its own limits; below the funnel is better when lower is."""
    value = 100 * p
    above = np.select([value > limits["high998"], value > limits["high95"]], [2, 1], 0)
    below = np.select([value < limits["low998"], value < limits["low95"]], [2, 1], 0)
    side = above - below if indicator.direction is Direction.HIGHER else below - above
    return [POSITIONS[2 - s] for s in side.tolist()]


def scorecard(current: Mapping[str, pl.DataFrame], earlier: Mapping[str, pl.DataFrame | None], quality: pl.DataFrame,
              min_quality: float, periods: tuple[date, date] | None = None) -> pl.DataFrame:
    """One row per (puskesmas, indicator): colour, rank and change. A figure excluded for data
    quality is greyed rather than coloured, so a doubtful green does not count as a success; nor does
    its change count as an improvement (``improvement``: the change in the indicator's good
    direction, for ranked units only). `periods` (now, then) decide per indicator how the change is
    measured (metrics.comparison); ``basis`` says which."""
    frames = []
    for slug, frame in current.items():
        indicator = INDICATORS[slug]
        before = earlier.get(slug)
        if before is not None and periods is None:
            raise ValueError("a scorecard with an earlier period needs the two periods")
        compared = comparison(indicator, *periods) if before is not None else None
        before = before if compared else None  # the same period twice: nothing to compare
        table = league(frame, before, quality, indicator, min_quality, draws=0, compared=compared)
        sign = 1 if compared is None or compared.better is Direction.HIGHER else -1
        frames.append(table.select(
            pl.col("kode").alias("puskesmas"), "nama", pl.lit(slug).alias("slug"), "value",
            pl.when(pl.col("reason") == "quality").then(pl.lit("grey")).otherwise(pl.col("colour")).alias("colour"),
            "reason", "rank", "earlier_rank", "rank_change", "delta",
            pl.when(pl.col("reason").is_null()).then(sign * pl.col("delta")).alias("improvement"),
            pl.lit(None if compared is None else compared.basis.value, pl.String).alias("basis"),
        ))
    return pl.concat(frames)


def standings(card: pl.DataFrame, by: str = "best") -> pl.DataFrame:
    """One row per puskesmas across indicators: colour counts, mean rank and improvement, over its
    ranked (trusted) indicators only; ``ranked`` counts them. A puskesmas ranked on no indicator has no
    counts (null, not 0) and ``reason`` says why (its most frequent reason, ties in REASONS order); it
    comes last. "best" orders by greens then mean rank; "improved" by mean improvement."""
    orders = {
        "best": (["green", "mean_rank", "nama"], [True, False, False]),
        "improved": (["mean_improvement", "improved", "nama"], [True, True, False]),
    }
    if by not in orders:
        raise ValueError(f"by must be best or improved, got {by!r}")
    trusted = pl.col("reason").is_null()
    counts = [((pl.col("colour") == c) & trusted).sum().cast(pl.Int32).alias(c) for c in ("green", "yellow", "red")]
    order = {reason: i for i, reason in enumerate(REASONS)}
    reasons = (card.filter(~trusted).group_by("puskesmas", "reason").len()
               .with_columns(order=pl.col("reason").replace_strict(order, return_dtype=pl.Int32))
               .sort(["puskesmas", "len", "order"], descending=[False, True, False])
               .group_by("puskesmas", maintain_order=True).first().select("puskesmas", main_reason="reason"))
    table = card.group_by("puskesmas").agg(
        pl.col("nama").first(), *counts,
        grey=(pl.col("colour") == "grey").sum().cast(pl.Int32),
        ranked=trusted.sum().cast(pl.Int32),
        mean_rank=pl.col("rank").mean(),
        improved=(pl.col("improvement") > 0).sum().cast(pl.Int32),
        mean_improvement=pl.col("improvement").mean(),
        mean_rank_change=pl.col("rank_change").mean(),
    ).join(reasons, on="puskesmas", how="left")
    none = pl.col("ranked") == 0
    table = table.with_columns(
        *[pl.when(~none).then(pl.col(c)).alias(c) for c in ("green", "yellow", "red", "improved")],
        reason=pl.when(none).then(pl.col("main_reason")),
    ).select("puskesmas", "nama", "green", "yellow", "red", "grey", "ranked", "reason", "mean_rank", "improved",
             "mean_improvement", "mean_rank_change")
    columns, descending = orders[by]
    return table.sort([none, *columns], descending=[False, *descending], nulls_last=True)


@dataclass(frozen=True)
class Equity:
    units: int  # units compared
    best: str
    best_value: float
    worst: str
    worst_value: float
    difference: float  # |best − worst| in points
    ratio: float | None  # highest value / lowest value; None when the lowest is not positive
    mdm: float  # mean difference from the overall value, weighted by denominator (points)
    gap_total: int  # Σ gap (people)
    gap_half_units: int  # fewest units holding at least half of gap_total (0 when gap_total is 0)
    untrusted: tuple[str, ...] = ()  # names of units left out by the trust rule (not small ones)


def equity(units: pl.DataFrame, indicator: Indicator, min_denominator: int = 0,
           rule: Trust | None = None) -> Equity | None:
    """Inequality between kecamatan or desa, after WHO Health Equity Assessment Toolkit (HEAT)
    technical notes (WHO 2016, §3.1-3.2): difference D = best − worst, ratio R = highest / lowest,
    and mean difference from mean MDM = Σ w_j |y_j − μ| / Σ w_j with population weights w (here the
    denominator) and μ the overall value. Units below `min_denominator` swing by chance and are left
    out; None when fewer than two units remain. gap_half_units says how concentrated the people
    behind are: few units holding half the gap means a targeted visit reaches many.
    Units the trust `rule` leaves out (without it: no data or an impossible value) are never named best
    or worst; ``untrusted`` names those with data that were left out."""
    rule = rule or trust(units, None, 0)
    left_out = rule.table.filter(pl.col("reason").is_not_null())["kode"]
    units = units.with_columns(pl.col("kode").cast(pl.String))
    untrusted = units.filter(pl.col("kode").is_in(left_out.implode()) & pl.col("has_data")).sort("nama")["nama"]
    rows = units.filter(~pl.col("kode").is_in(left_out.implode()) & _USABLE
                        & (pl.col("denominator") >= min_denominator))
    if rows.height < 2:
        return None
    ordered = rows.sort(["value", "nama"], descending=[indicator.direction is Direction.HIGHER, False])
    best, worst = ordered.row(0, named=True), ordered.row(-1, named=True)
    y, w = rows["value"].to_numpy(), rows["denominator"].to_numpy().astype(float)
    mean = 100 * rows["numerator"].sum() / w.sum()
    low, high = float(y.min()), float(y.max())
    gaps = np.sort(rows["gap"].to_numpy())[::-1]
    total = int(gaps.sum())
    half_units = int(np.searchsorted(2 * np.cumsum(gaps), total)) + 1 if total > 0 else 0
    return Equity(
        units=rows.height, best=best["nama"], best_value=best["value"], worst=worst["nama"],
        worst_value=worst["value"], difference=high - low, ratio=high / low if low > 0 else None,
        mdm=float(np.sum(w * np.abs(y - mean)) / w.sum()), gap_total=total, gap_half_units=half_units,
        untrusted=tuple(untrusted.to_list()),
    )
