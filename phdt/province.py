"""A synthetic Jawa Tengah dataset (576 kecamatan, 8,563 desa) for province-scale benchmarks.

The wilayah comes from the province boundary files ``jateng_desa`` and ``jateng_kecamatan`` in the
geo dir (third-party files, read in place and never copied): real Kemendagri codes and names, one
synthetic puskesmas per kecamatan, and a point inside each desa polygon. Every other table the app
shows (``phdt.dataset.SHOWN``) is cloned from the Purbalingga demo dataset: province desa *i* (in
code order) takes the rows of demo desa *i mod 239* (in code order), with its own code and
puskesmas. The numbers are therefore the demo's, repeated about 36 times: good for timing the app,
meaningless as health data. Line lists are not written (the app does not read them).

CLI: ``python -m phdt.province --out var/province [--geo-dir DIR] [--source DIR]``, then run the app
with ``PHDT_DATA_DIR=var/province`` and ``boundary_files = "jateng"`` in the ``PHDT_CONFIG`` TOML.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import shapely

from phdt import dataset
from phdt.config import settings
from phdt.schema import FASILITAS, INDIKATOR_BULANAN, LAPORAN, SASARAN, WILAYAH, conform

PREFIX = "jateng"  # boundary files jateng_kecamatan / jateng_desa (see shared/geo/PROVENANCE.md)
GENERATED_BY = "phdt.province"
SOURCE_TEXT = (
    "Synthetic province clone for benchmarks: Jawa Tengah wilayah (codes and names from "
    "jateng_desa/jateng_kecamatan, Kepmendagri 300.2.2-2138/2025 via cahyadsn/wilayah_boundaries), "
    "every table cloned from the Purbalingga demo dataset (desa i takes demo desa i mod {n}). "
    "Not real data."
)
CODE_PREFIX = {"puskesmas": "PKM", "pustu": "PUSTU", "posyandu": "PSY", "posbindu": "PBD"}
CODE_WIDTH = 6


class ProvinceError(ValueError):
    """The boundary files cannot make a province wilayah; the message says what is wrong."""


# --- wilayah -----------------------------------------------------------------------------


def read_layer(level: str, geo_dir: Path):
    """kode, nama, geometry of ``jateng_<level>`` (GeoJSON, GeoPackage or zipped Shapefile)."""
    from geo import boundaries  # geopandas: only needed to build

    path = boundaries.find_source(level, geo_dir, PREFIX)
    if path is None:
        names = "/".join(f"{PREFIX}_{level}{s}" for s in boundaries.SOURCE_SUFFIXES)
        raise ProvinceError(f"no {names} in {geo_dir}: set --geo-dir / PHDT_GEO_DIR to the boundary folder")
    gdf = boundaries.read_boundaries(path)  # codes normalised to the dotted Kemendagri form
    pattern, example = boundaries.CODE_FORMS[level]
    codes = gdf["kode"].astype(str)
    bad = sorted(set(codes[~codes.str.fullmatch(pattern)]))
    if bad:
        raise ProvinceError(f"{path.name}: {len(bad)} code(s) are not {level} codes like {example}: {bad[:5]}")
    if codes.duplicated().any():
        raise ProvinceError(f"{path.name}: duplicate codes {sorted(set(codes[codes.duplicated()]))[:5]}")
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return gdf


def _points(gdf) -> tuple[np.ndarray, np.ndarray]:
    """lon, lat of a point guaranteed inside each polygon (shapely point_on_surface)."""
    points = shapely.point_on_surface(np.asarray(gdf.geometry.array, dtype=object))
    return shapely.get_x(points), shapely.get_y(points)


def province_wilayah(desa, kecamatan) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The WILAYAH table and the kecamatan table (kode_kecamatan, puskesmas, lat, lon, kode_desa).

    ``jenis`` is kelurahan when the 4-digit desa part starts with 1 (Kemendagri). Puskesmas are
    named after their kecamatan; a name used by several kecamatan gets the kabupaten code, e.g.
    ``Rembang (33.03)``, so every puskesmas name is unique.
    """
    lon, lat = _points(desa)
    w = pl.DataFrame({
        "kode_desa": desa["kode"].astype(str).to_numpy(), "nama_desa": desa["nama"].astype(str).to_numpy(),
        "lat": lat, "lon": lon,
    }).with_columns(
        kode_kecamatan=pl.col("kode_desa").str.slice(0, 8),
        jenis=pl.when(pl.col("kode_desa").str.slice(9, 1) == "1").then(pl.lit("kelurahan")).otherwise(pl.lit("desa")),
    )
    klon, klat = _points(kecamatan)
    kec = pl.DataFrame({
        "kode_kecamatan": kecamatan["kode"].astype(str).to_numpy(),
        "nama_kecamatan": kecamatan["nama"].astype(str).to_numpy(), "lat": klat, "lon": klon,
    })
    orphans = sorted(set(w["kode_kecamatan"].unique()) - set(kec["kode_kecamatan"]))
    if orphans:
        raise ProvinceError(f"{len(orphans)} kecamatan of the desa file are not in the kecamatan file: {orphans[:5]}")
    kec = kec.filter(pl.col("kode_kecamatan").is_in(w["kode_kecamatan"].unique().implode())).with_columns(
        puskesmas=pl.when(pl.len().over("nama_kecamatan") > 1)
        .then(pl.format("{} ({})", "nama_kecamatan", pl.col("kode_kecamatan").str.slice(0, 5)))
        .otherwise("nama_kecamatan")
    )
    if kec["puskesmas"].n_unique() != kec.height:  # same name twice inside one kabupaten
        kec = kec.with_columns(
            puskesmas=pl.when(pl.len().over("puskesmas") > 1)
            .then(pl.format("{} ({})", "nama_kecamatan", "kode_kecamatan")).otherwise("puskesmas")
        )
    kec = kec.with_columns(kode_desa=pl.Series(_host_desa(desa, kec), dtype=pl.String)).sort("kode_kecamatan")
    wilayah = conform(
        w.join(kec.select("kode_kecamatan", "nama_kecamatan", "puskesmas"), on="kode_kecamatan").sort("kode_desa"),
        WILAYAH,
    )
    return wilayah, kec


def _host_desa(desa, kec: pl.DataFrame) -> list[str]:
    """The desa of each kecamatan holding the kecamatan's point (lowest code if on a border; the
    kecamatan's first desa if the point falls in one of the file's few sliver gaps)."""
    kec_codes = kec["kode_kecamatan"].to_list()
    points = shapely.points(kec["lon"].to_numpy(), kec["lat"].to_numpy())
    desa_codes = desa["kode"].astype(str).to_numpy()
    hit_point, hit_desa = shapely.STRtree(np.asarray(desa.geometry.array, dtype=object)).query(
        points, predicate="intersects")
    host: dict[int, str] = {}
    for p, d in zip(hit_point.tolist(), hit_desa.tolist()):  # 576 points, one or two hits each
        code = str(desa_codes[d])
        if code[:8] == kec_codes[p] and (p not in host or code < host[p]):
            host[p] = code
    first: dict[str, str] = {}
    for code in sorted(desa_codes.tolist()):
        first.setdefault(code[:8], code)
    return [host.get(i, first[k]) for i, k in enumerate(kec_codes)]


# --- cloning the demo tables ---------------------------------------------------------------


def template_map(wilayah: pl.DataFrame, template: pl.DataFrame) -> pl.DataFrame:
    """One row per province desa (code order): its template demo desa i mod n (code order)."""
    t = template.select(
        t_kode=pl.col("kode_desa").cast(pl.String), t_nama=pl.col("nama_desa"), t_lat="lat", t_lon="lon",
    ).sort("t_kode").with_row_index("t_index")
    return (
        wilayah.select(pl.col("kode_desa", "puskesmas").cast(pl.String), "nama_desa", "lat", "lon")
        .sort("kode_desa")
        .with_row_index("index")
        .with_columns(t_index=(pl.col("index") % t.height).cast(pl.UInt32))
        .join(t, on="t_index", how="left", maintain_order="left")
        .drop("index", "t_index")
    )


def clone(table: pl.DataFrame, mapping: pl.DataFrame, *, puskesmas: bool = False) -> pl.DataFrame:
    """Rows of ``table`` repeated for every province desa that takes their desa as template.

    Province desa order, and within a desa the template's own row order (no sort needed).
    """
    keep = table.columns
    right = table.with_columns(t_kode=pl.col("kode_desa").cast(pl.String)).drop(
        ["kode_desa", "puskesmas"] if puskesmas else ["kode_desa"])
    cols = ["t_kode", "kode_desa", *(["puskesmas"] if puskesmas else [])]
    return mapping.select(cols).join(right, on="t_kode", how="inner", maintain_order="left_right").select(keep)


def clone_fasilitas(template: pl.DataFrame, mapping: pl.DataFrame, kec: pl.DataFrame) -> pl.DataFrame:
    """One puskesmas per kecamatan at its kecamatan point, plus the template desa's pustu,
    posyandu and posbindu moved by the offset between the template and the province desa point.
    Names ending in the template desa's name get the province desa's name; codes are renumbered."""
    pkm = kec.select(
        nama="Puskesmas " + pl.col("puskesmas"), tipe=pl.lit("puskesmas"), puskesmas="puskesmas",
        kode_desa="kode_desa", lat="lat", lon="lon", lokasi=pl.lit("synthetic"),
    )
    rest = (
        template.filter(pl.col("tipe") != "puskesmas")
        .with_columns(t_kode=pl.col("kode_desa").cast(pl.String), tipe=pl.col("tipe").cast(pl.String))
        .drop("kode_desa", "puskesmas", "kode_fasilitas")
        .rename({"lat": "f_lat", "lon": "f_lon"})
    )
    moved = (
        mapping.join(rest, on="t_kode", how="inner", maintain_order="left_right")
        .with_columns(
            nama=pl.when(pl.col("nama").str.ends_with(pl.col("t_nama")))
            .then(pl.col("nama").str.strip_suffix(pl.col("t_nama")) + pl.col("nama_desa"))
            .otherwise("nama"),
            lat=pl.col("f_lat") + (pl.col("lat") - pl.col("t_lat")),
            lon=pl.col("f_lon") + (pl.col("lon") - pl.col("t_lon")),
        )
        .select(pkm.columns)
    )
    rank = {t: i for i, t in enumerate(CODE_PREFIX)}
    both = pl.concat([pkm, moved]).sort(pl.col("tipe").replace_strict(rank), maintain_order=True)
    number = (pl.int_range(pl.len()).over("tipe") + 1).cast(pl.String).str.zfill(CODE_WIDTH)
    return conform(both.with_columns(kode_fasilitas=pl.col("tipe").replace_strict(CODE_PREFIX) + "-" + number),
                   FASILITAS)


def _remap_problems(problems: list[dict], mapping: pl.DataFrame) -> list[dict]:
    """The demo's injected problems, pointed at the province desa that carry the cloned rows."""
    clones = mapping.group_by("t_kode").agg(pl.col("kode_desa").sort())
    by_template = dict(zip(clones["t_kode"], clones["kode_desa"].to_list()))
    return [
        {**p, "template_kode_desa": p.get("kode_desa"), "kode_desa": by_template.get(p.get("kode_desa"), [])}
        for p in problems
    ]


# --- build -----------------------------------------------------------------------------------


def build(out_dir: Path, geo_dir: Path, source: Path | None = None) -> dict:
    """Write the province dataset to ``out_dir`` (tables, then wilayah.parquet, manifest last)
    and return its manifest. ``source`` is the demo data folder (built first if needed)."""
    started = time.perf_counter()
    out_dir, geo_dir = Path(out_dir), Path(geo_dir)
    source = Path(source) if source is not None else settings().data_dir
    if out_dir.resolve() == source.resolve():
        raise ProvinceError(f"--out {out_dir} is the demo data folder it clones; choose another folder")
    demo = dataset.load(dataset.ensure(source))
    if demo.manifest.get("generated_by") != "phdt.demo":
        raise ProvinceError(f"{source} is not a demo dataset (generated_by={demo.manifest.get('generated_by')!r})")
    wilayah, kec = province_wilayah(read_layer("desa", geo_dir), read_layer("kecamatan", geo_dir))
    mapping = template_map(wilayah, demo.wilayah)
    tables = {
        "fasilitas": clone_fasilitas(demo.fasilitas, mapping, kec),
        "sasaran": conform(clone(demo.sasaran, mapping), SASARAN),
        "laporan": conform(clone(demo.laporan, mapping), LAPORAN),
        "indikator_bulanan": conform(clone(demo.monthly, mapping, puskesmas=True), INDIKATOR_BULANAN),
    }
    assert set(tables) == set(dataset.SHOWN)

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "manifest.json").unlink(missing_ok=True)  # incomplete until the manifest is back
    for name in dataset.LINE_LISTS:  # stale demo line lists would not match this wilayah
        (out_dir / f"{name}.parquet").unlink(missing_ok=True)
    paths = {name: dataset.write_atomic(out_dir / f"{name}.parquet", df.write_parquet) for name, df in tables.items()}
    dataset.write_atomic(out_dir / dataset.WILAYAH_FILE, wilayah.write_parquet)
    manifest = {
        **demo.manifest,
        "synthetic": True,
        "generated_by": GENERATED_BY,
        "format": dataset.FORMAT,
        "version": hashlib.sha256(paths["indikator_bulanan"].read_bytes()).hexdigest()[:12],
        "rows": {**{name: df.height for name, df in tables.items()}, "wilayah": wilayah.height},
        "source": SOURCE_TEXT.format(n=demo.wilayah.height),
        "template_version": demo.version,
        "kecamatan": kec.height,
        "injected_problems": _remap_problems(demo.manifest.get("injected_problems", []), mapping),
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n"
    dataset.write_atomic(out_dir / "manifest.json", lambda p: p.write_text(text, encoding="utf-8"))
    manifest["seconds"] = round(time.perf_counter() - started, 2)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m phdt.province", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("var/province"), help="dataset folder to write (default var/province)")
    parser.add_argument("--geo-dir", type=Path, default=None,
                        help="folder with jateng_desa/jateng_kecamatan (default: PHDT_GEO_DIR / settings geo_dir)")
    parser.add_argument("--source", type=Path, default=None,
                        help="Purbalingga demo data folder to clone (default: settings data_dir, built if absent)")
    args = parser.parse_args(argv)
    geo_dir = args.geo_dir or settings().geo_dir
    if geo_dir is None:
        parser.error("no geo dir: pass --geo-dir or set PHDT_GEO_DIR")
    try:
        manifest = build(args.out, geo_dir, args.source)
    except (ProvinceError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = manifest["rows"]
    print(
        f"province dataset in {args.out}: {rows['wilayah']:,} desa, {manifest['kecamatan']} kecamatan, "
        + ", ".join(f"{name} {rows[name]:,}" for name in dataset.SHOWN)
        + f" rows; version {manifest['version']}; {manifest['seconds']:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
