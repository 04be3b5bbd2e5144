"""The dataset the app shows: tables on disk, built from the demo generator when absent.

A dataset folder holds one Parquet file per table plus ``manifest.json``; the manifest is written
last, so a folder without one is incomplete and is rebuilt rather than half-read.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from phdt.aggregate import monthly_indicators
from phdt.config import Settings, settings as default_settings
from phdt.wilayah import load_puskesmas, load_wilayah

TABLES = ("fasilitas", "sasaran", "laporan", "indikator_bulanan")
LINE_LISTS = ("anc_kunjungan", "imunisasi_dosis", "ptm_skrining")


@dataclass(frozen=True)
class Dataset:
    wilayah: pl.DataFrame
    fasilitas: pl.DataFrame
    sasaran: pl.DataFrame
    laporan: pl.DataFrame
    monthly: pl.DataFrame
    manifest: dict

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic"))

    @property
    def version(self) -> str:
        """Changes whenever the data does; part of every cache key."""
        return str(self.manifest.get("version"))

    @property
    def periods(self) -> list:
        return self.monthly["period"].unique().sort().to_list()


def write_parquet(df: pl.DataFrame, path: Path) -> None:
    """Write then rename, so a reader never sees a half-written file."""
    tmp = path.with_suffix(".parquet.tmp")
    df.write_parquet(tmp)
    os.replace(tmp, path)


def ensure_demo(data_dir: Path, cfg: Settings | None = None) -> Path:
    """Build the demo line lists and the monthly aggregate unless a complete dataset exists."""
    from phdt import demo  # the generator is only needed on first start

    manifest_path = data_dir / "manifest.json"
    if manifest_path.exists():
        return manifest_path
    data_dir.mkdir(parents=True, exist_ok=True)
    cfg = cfg or default_settings()
    tables = demo.generate(load_wilayah(), load_puskesmas(), cfg)
    tables["indikator_bulanan"] = monthly_indicators(tables, load_wilayah(), cfg)
    for name, df in tables.items():
        write_parquet(df, data_dir / f"{name}.parquet")
    manifest = demo.manifest(tables, cfg)
    tmp = manifest_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, manifest_path)
    return manifest_path


def load(data_dir: Path | None = None) -> Dataset:
    data_dir = data_dir or default_settings().data_dir
    manifest = json.loads(ensure_demo(data_dir).read_text(encoding="utf-8"))
    frames = {name: pl.read_parquet(data_dir / f"{name}.parquet") for name in TABLES}
    return Dataset(load_wilayah(), frames["fasilitas"], frames["sasaran"], frames["laporan"],
                   frames["indikator_bulanan"], manifest)


if __name__ == "__main__":
    import time

    started = time.perf_counter()
    target = default_settings().data_dir
    ensure_demo(target)
    print(f"dataset ready in {target} ({time.perf_counter() - started:.1f} s)")
