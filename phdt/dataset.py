"""The dataset the app shows: tables on disk, built from the demo generator when absent.

A dataset folder holds one Parquet file per table plus ``manifest.json``. Every file is written to
a temporary name and renamed, and the manifest is written last, so a folder without a manifest is
incomplete and is rebuilt rather than half-read.

The wilayah (desa registry) is the Purbalingga registry CSV, unless the folder holds its own
``wilayah.parquet`` (schema ``phdt.schema.WILAYAH``): a Dinkes of another kabupaten, or the
Jawa Tengah benchmark written by ``phdt.province``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl

from phdt.aggregate import monthly_indicators
from phdt.config import Settings
from phdt.config import settings as default_settings
from phdt.schema import LINE_LISTS as LINE_LIST_SCHEMAS
from phdt.schema import WILAYAH, conform
from phdt.wilayah import load_puskesmas, load_wilayah

FORMAT = 1  # bump when tables or aggregation rules change: an older demo dataset is then rebuilt
LINE_LISTS = tuple(LINE_LIST_SCHEMAS)
SHOWN = ("fasilitas", "sasaran", "laporan", "indikator_bulanan")  # what the app loads; line lists stay on disk
WILAYAH_FILE = "wilayah.parquet"  # the folder's own wilayah; without it, the Purbalingga registry CSV


@dataclass(frozen=True)
class Dataset:
    wilayah: pl.DataFrame
    fasilitas: pl.DataFrame
    sasaran: pl.DataFrame
    laporan: pl.DataFrame
    monthly: pl.DataFrame
    manifest: dict
    folder: Path | None = None  # where the tables live; line lists are read from it on demand

    def line_list(self, name: str, columns: list[str] | None = None) -> pl.DataFrame:
        """A stored line list (all the history an import builds on), or an empty one in its schema;
        `columns` reads only those. Read when needed, never kept in the app's memory: it holds NIKs
        and names."""
        schema = pl.Schema({c: t for c, t in LINE_LIST_SCHEMAS[name].items() if columns is None or c in columns})
        path = self.folder / f"{name}.parquet" if self.folder is not None else None
        if path is None or not path.exists():
            return schema.to_frame()
        return conform(pl.read_parquet(path, columns=list(schema)), schema)

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic"))

    @property
    def version(self) -> str:
        """Changes whenever the data does; part of every cache key."""
        return str(self.manifest["version"])

    @cached_property
    def periods(self) -> list:
        """Months with data, oldest first (read on every rerun: computed once)."""
        return self.monthly["period"].unique().sort().to_list()


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write through a temporary file in the same folder, then rename over `path`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def build_demo(out_dir: Path, cfg: Settings | None = None) -> dict[str, Path]:
    """Generate the demo line lists, aggregate them, and write everything plus the manifest (last)."""
    from phdt import demo  # only needed to build: keeps the app's first run light

    cfg = cfg or default_settings()
    wilayah = load_wilayah()
    tables = demo.generate(wilayah, load_puskesmas(), cfg)
    tables["indikator_bulanan"] = monthly_indicators(tables, wilayah, cfg)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "manifest.json").unlink(missing_ok=True)
    paths = {name: write_atomic(out_dir / f"{name}.parquet", df.write_parquet) for name, df in tables.items()}
    manifest = demo.manifest(tables, cfg) | {
        "format": FORMAT,
        "version": hashlib.sha256(paths["indikator_bulanan"].read_bytes()).hexdigest()[:12],
        "rows": {name: df.height for name, df in tables.items()},
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n"
    paths["manifest"] = write_atomic(out_dir / "manifest.json", lambda p: p.write_text(text, encoding="utf-8"))
    return paths


def ensure(data_dir: Path | None = None) -> Path:
    """The dataset folder, with the demo (re)built if the folder holds no complete dataset or an
    outdated demo. Data that did not come from the generator is never rebuilt: a manifest whose
    ``generated_by`` is not ``phdt.demo`` is kept whatever its format, and a folder with its own
    ``wilayah.parquet`` but no manifest (an interrupted province or Dinkes build) is an error, not
    something to overwrite with Purbalingga demo tables."""
    data_dir = data_dir or default_settings().data_dir
    manifest_path = data_dir / "manifest.json"
    if not manifest_path.exists():
        if (data_dir / WILAYAH_FILE).exists():
            raise FileNotFoundError(
                f"{data_dir} holds {WILAYAH_FILE} but no manifest.json: the dataset is incomplete. "
                "Rebuild it with the tool that wrote it (e.g. python -m phdt.province --out DIR), "
                "or remove the folder to get the demo."
            )
        build_demo(data_dir)
    elif _outdated_demo(json.loads(manifest_path.read_text(encoding="utf-8"))):
        build_demo(data_dir)
    return data_dir


def _outdated_demo(manifest: dict) -> bool:
    return manifest.get("generated_by") == "phdt.demo" and manifest.get("format") != FORMAT


def load(data_dir: Path | None = None) -> Dataset:
    """The tables the app shows; the wilayah is the folder's ``wilayah.parquet`` when it has one."""
    data_dir = ensure(data_dir)
    manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    frames = {name: pl.read_parquet(data_dir / f"{name}.parquet") for name in SHOWN}
    own = data_dir / WILAYAH_FILE
    wilayah = load_wilayah() if not own.exists() else read_wilayah_parquet(own)
    return Dataset(wilayah, frames["fasilitas"], frames["sasaran"], frames["laporan"],
                   frames["indikator_bulanan"], manifest, data_dir)


def read_wilayah_parquet(path: Path) -> pl.DataFrame:
    """A dataset's own wilayah in the WILAYAH schema, sorted by code like the registry CSV."""
    raw = pl.read_parquet(path)
    try:
        return conform(raw, WILAYAH).sort(pl.col("kode_desa").cast(pl.String))
    except (ValueError, pl.exceptions.PolarsError) as exc:
        raise ValueError(f"{path} does not match the wilayah schema (phdt.schema.WILAYAH): {exc}") from exc


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m phdt.dataset", description="Build the demo dataset if absent.")
    parser.add_argument("--out", type=Path, default=None, help="dataset folder (default: var/data or PHDT_DATA_DIR)")
    parser.add_argument("--force", action="store_true", help="rebuild even if a complete dataset exists")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out = args.out or default_settings().data_dir
    if args.force:
        (out / "manifest.json").unlink(missing_ok=True)
    ensure(out)
    rows = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["rows"]
    print("; ".join(f"{name} {n:,}" for name, n in rows.items()))
    print(f"dataset ready in {out} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
