"""The demo district's wilayah registry (kecamatan, desa, puskesmas wilayah kerja).

Source: ``data/registry/purbalingga_wilayah.csv`` from the MIT npm package ``geografis`` 1.3.2
(codes per Permendagri 72/2019 and Kepmendagri 146.1-4717/2020); desa-to-puskesmas splits of the
four two-puskesmas kecamatan are approximate. See ``data/registry/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from phdt.config import ROOT
from phdt.schema import WILAYAH, conform

REGISTRY_DIR = ROOT / "data" / "registry"


def load_wilayah(path: Path = REGISTRY_DIR / "purbalingga_wilayah.csv") -> pl.DataFrame:
    """Desa-level registry in the WILAYAH schema, sorted by code."""
    raw = pl.read_csv(path, schema_overrides={"kode_kecamatan": pl.String, "kode_desa": pl.String})
    return conform(raw.with_columns(pl.col("jenis").str.to_lowercase()).sort("kode_desa"), WILAYAH)


def load_puskesmas(path: Path = REGISTRY_DIR / "puskesmas.csv") -> pl.DataFrame:
    """The 22 puskesmas with the desa hosting each (locations approximate)."""
    return pl.read_csv(path, schema_overrides={"kode_kecamatan": pl.String, "kode_desa_lokasi": pl.String})
