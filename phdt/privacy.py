"""Personal identifiers as they may be shown: a NIK (16 digits, or 15 after Excel rounded it) is
never displayed or downloaded in full, only enough to find the row again in the source file."""

from __future__ import annotations

import re

import polars as pl

# 12 or more digits, optionally split by spaces, dots or dashes: a NIK or an id built from one
# (desa codes have 10 digits and stay readable).
_LONG_NUMBER = re.compile(r"\d(?:[ .\-]?\d){11,}")


def mask_nik(text: str | None) -> str | None:
    """Every NIK-like number in `text` as its first 6 and last 2 digits: ``330301********12``."""
    if text is None:
        return None
    return _LONG_NUMBER.sub(lambda m: _masked(re.sub(r"\D", "", m.group())), text)


def _masked(digits: str) -> str:
    return digits[:6] + "*" * (len(digits) - 8) + digits[-2:]


def masked(expr: pl.Expr) -> pl.Expr:
    """:func:`mask_nik` over a string column."""
    return expr.map_elements(mask_nik, return_dtype=pl.String)
