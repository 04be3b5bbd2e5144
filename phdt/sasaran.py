"""Annual denominators ("sasaran") per desa from its population, by the PWS KIA proxy formulas.

Formulas (../shared/domain/INDICATORS.md, "Sasaran (denominator) estimation"; all factors come
from :class:`phdt.config.Settings`, so a Dinkes can confirm or change them without touching code):

=============== ==============================================================
penduduk        the input population itself
lahir_hidup     CBR × penduduk
ibu_hamil       bumil_factor (1,10) × CBR × penduduk
ibu_bersalin    bersalin_factor (1,05) × CBR × penduduk
bayi            CBR × penduduk × (1 − AKB/1000)   (surviving infants)
baduta          baduta_factor × bayi
usia_produktif  share 15–59 th × penduduk
hipertensi      prevalensi hipertensi × share ≥15 th × penduduk
dm              prevalensi DM × share ≥15 th × penduduk
=============== ==============================================================

Every group is rounded half up to whole people. ``metode`` states the formula with the numbers
actually used, in Indonesian notation (decimal comma), e.g. ``"1,10 × CBR 14,0‰ × penduduk"``.
"""

from __future__ import annotations

import polars as pl

from phdt.config import Settings, settings as default_settings
from phdt.indicators import REGISTRY, Kind
from phdt.schema import SASARAN, SASARAN_GROUPS, conform

PENDUDUK_METODE = "penduduk (input)"
_EPS = 1e-9  # guards round-half-up against binary noise such as 154.49999999999997


def _num(value: float, decimals: int) -> str:
    """Indonesian number notation: ``1.10 -> "1,10"``."""
    return f"{value:.{decimals}f}".replace(".", ",")


def _pct(share: float) -> str:
    """A share as a percentage with as many decimals as it needs (0.7664 -> "76,64 %")."""
    text = f"{share * 100:.4f}".rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} %"


def formulas(cfg: Settings) -> dict[str, tuple[pl.Expr, str]]:
    """For each derived group: (unrounded expression in terms of ``penduduk``, metode text)."""
    pop = pl.col("penduduk").cast(pl.Float64)
    cbr = cfg.cbr_per_1000 / 1000
    lahir = pop * cbr
    bayi = lahir * (1 - cfg.imr_per_1000 / 1000)
    cbr_txt = f"CBR {_num(cfg.cbr_per_1000, 1)}‰"
    bayi_txt = f"{cbr_txt} × (1 − AKB {_num(cfg.imr_per_1000, 1)}‰) × penduduk"
    adult_txt = f"penduduk ≥15 th {_pct(cfg.share_15_plus)}"
    return {
        "ibu_hamil": (lahir * cfg.bumil_factor, f"{_num(cfg.bumil_factor, 2)} × {cbr_txt} × penduduk"),
        "ibu_bersalin": (lahir * cfg.bersalin_factor, f"{_num(cfg.bersalin_factor, 2)} × {cbr_txt} × penduduk"),
        "lahir_hidup": (lahir, f"{cbr_txt} × penduduk"),
        "bayi": (bayi, bayi_txt),
        "baduta": (bayi * cfg.baduta_factor, f"{_num(cfg.baduta_factor, 2)} × bayi ({bayi_txt})"),
        "usia_produktif": (pop * cfg.share_15_59, f"penduduk 15–59 th {_pct(cfg.share_15_59)} × penduduk"),
        "hipertensi": (
            pop * cfg.share_15_plus * cfg.hipertensi_prevalence,
            f"prevalensi hipertensi {_pct(cfg.hipertensi_prevalence)} × {adult_txt} × penduduk",
        ),
        "dm": (
            pop * cfg.share_15_plus * cfg.dm_prevalence,
            f"prevalensi DM {_pct(cfg.dm_prevalence)} × {adult_txt} × penduduk",
        ),
    }


def largest_remainder(values: pl.Expr, over: list[str]) -> pl.Expr:
    """Whole numbers whose total per `over` group is the rounded true total (Hamilton's method):
    every value is floored, then the units lost go to the largest remainders. Rounding each value
    half up instead would shift a kabupaten total of 300 desa by up to 150 people."""
    floor = values.floor()
    units = ((values.sum() + 0.5 + _EPS).floor() - floor.sum()).over(over)
    rank = (values - floor).rank("ordinal", descending=True).over(over)
    return (floor + (rank <= units).cast(pl.Float64)).cast(pl.Int64)


def missing_years(monthly: pl.DataFrame, sasaran: pl.DataFrame) -> dict[int, list]:
    """Years without sasaran whose monthly counts have no denominator, each with those months
    (oldest first): their coverage cannot be computed, so the pages must say so instead of showing
    "no data". A file that brought its own sasaran column gave its counts a denominator."""
    have = sasaran["tahun"].cast(pl.Int32).unique().implode()
    events = [ind.slug for ind in REGISTRY if ind.kind is Kind.EVENT]
    months = (monthly.filter(pl.col("indicator_code").cast(pl.String).is_in(events)
                             & pl.col("numerator_cum").is_not_null() & pl.col("denominator").is_null()
                             & ~pl.col("period").dt.year().cast(pl.Int32).is_in(have))
              .select(pl.col("period").unique().sort())["period"].to_list())
    out: dict[int, list] = {}
    for month in months:
        out.setdefault(month.year, []).append(month)
    return out


def _round_half_up(expr: pl.Expr) -> pl.Expr:
    return (expr + 0.5 + _EPS).floor().cast(pl.Int32)


def estimate_sasaran(penduduk: pl.DataFrame, settings: Settings | None = None) -> pl.DataFrame:
    """Sasaran per desa, year and group (the SASARAN schema) from ``penduduk``.

    `penduduk` has columns ``tahun``, ``kode_desa`` and ``penduduk``; an optional ``metode``
    column describes where the population comes from and is used for the "penduduk" rows
    (default ``"penduduk (input)"``). One output row per desa, year and group of
    :data:`phdt.schema.SASARAN_GROUPS`, sorted by year, desa and group.
    """
    cfg = settings or default_settings()
    rules = formulas(cfg)
    pop_metode = pl.col("metode").cast(pl.String) if "metode" in penduduk.columns else pl.lit(PENDUDUK_METODE)
    base = penduduk.lazy().select(
        pl.col("tahun").cast(pl.Int16), pl.col("kode_desa").cast(pl.String), pl.col("penduduk").cast(pl.Int32),
        pop_metode.alias("metode_penduduk"),
    )
    wide = base.with_columns(
        [_round_half_up(expr).alias(group) for group, (expr, _) in rules.items()]
    )
    long = (
        wide.unpivot(
            index=["tahun", "kode_desa", "metode_penduduk"], on=list(SASARAN_GROUPS),
            variable_name="kelompok", value_name="jumlah",
        )
        .with_columns(
            metode=pl.when(pl.col("kelompok") == "penduduk").then(pl.col("metode_penduduk")).otherwise(
                pl.col("kelompok").replace_strict({g: text for g, (_, text) in rules.items()}, default=None)
            )
        )
        .with_columns(pl.col("kelompok").cast(pl.Enum(list(SASARAN_GROUPS))))
        .sort("tahun", "kode_desa", "kelompok")
        .collect()
    )
    return conform(long, SASARAN)
