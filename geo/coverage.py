"""Facility coverage: how far each desa's people live from the nearest puskesmas, pustu, posyandu.

Why this module exists: a Dinkes plans outreach (posyandu, pustu, puskesmas keliling) where people
live far from a facility, so it needs, per desa, the distance to the nearest facility of each type,
the desa beyond the access standard with the people living there, and each puskesmas's wilayah
kerja drawn as one outline. Pure functions, no streamlit import: the app, the CLI, the benchmark
and the tests share one code path.

Distances are measured in UTM zone 49S (EPSG:32749, metres), never in degrees: a degree of
longitude is not a degree of latitude, and Jawa Tengah (108.5-111.7 E) lies inside zone 49S, whose
scale error there is well under 0.1 %.

CLI: ``python -m geo.coverage`` prints a one-line summary for Purbalingga.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import polars as pl
import shapely
from pyproj import Transformer

from phdt.schema import FACILITY_TYPES, FacilityType

UTM_49S = "EPSG:32749"
DEFAULT_MAX_KM = {"puskesmas": 5.0, "pustu": 5.0, "posyandu": 2.0, "posbindu": 2.0}
# Access groups: a desa is served by whichever member type is nearer (a pustu is the puskesmas's
# outpost, so the 5 km standard counts both together).
ACCESS_GROUPS: dict[str, tuple[str, ...]] = {"puskesmas_pustu": ("puskesmas", "pustu"), "posyandu": ("posyandu",)}
PROVINCE_FILE = "jateng_desa.geojson"
JITTER_M = 300.0
POSYANDU_PER_DESA = 4
METRES_PER_DEGREE = 111_320.0


# --- points ------------------------------------------------------------------------------


def desa_points(desa: gpd.GeoDataFrame | None, wilayah: pl.DataFrame) -> gpd.GeoDataFrame:
    """One point per desa standing for where its people live (columns kode, geometry; EPSG:4326).

    The registry point (wilayah lat/lon, the ``geografis`` settlement point: the desa office or
    village centre) is a better proxy for where people live than a geometric centroid, which in
    a desa of forest and rice fields can fall far from any house. A true population-weighted
    point would need a population raster (WorldPop, GHSL), which we do not have. The registry
    point is used when it lies inside the desa polygon; otherwise (a wrong or swapped coordinate)
    the polygon's representative point, which is always inside. Without polygons, the registry
    points; a registry desa without a polygon keeps its registry point.
    """
    registry = _registry_points(wilayah)
    if desa is None:
        return registry
    polygons = desa[["kode", "geometry"]].to_crs(4326).drop_duplicates("kode")
    point = registry.set_index("kode").geometry.reindex(polygons["kode"]).array
    x, y = shapely.get_x(point), shapely.get_y(point)  # NaN where a desa has no registry point
    inside = shapely.contains_xy(polygons.geometry.array, x, y)
    chosen = np.where(inside, point, polygons.geometry.representative_point().array)
    own = gpd.GeoDataFrame({"kode": polygons["kode"].to_numpy()}, geometry=np.asarray(chosen), crs=4326)
    rest = registry[~registry["kode"].isin(polygons["kode"])]
    return pd.concat([own, rest], ignore_index=True).sort_values("kode", ignore_index=True)


def _registry_points(wilayah: pl.DataFrame) -> gpd.GeoDataFrame:
    df = (
        wilayah.select(kode=pl.col("kode_desa").cast(pl.String), lon="lon", lat="lat")
        .drop_nulls()
        .unique("kode", keep="first")
        .sort("kode")
    )
    geometry = gpd.points_from_xy(df["lon"].to_numpy(), df["lat"].to_numpy())
    return gpd.GeoDataFrame({"kode": df["kode"].to_list()}, geometry=geometry, crs=4326)


# --- distances ---------------------------------------------------------------------------


@cache
def _to_utm() -> Transformer:
    return Transformer.from_crs(4326, UTM_49S, always_xy=True)


def nearest_facilities(points: gpd.GeoDataFrame, fasilitas: pl.DataFrame) -> pl.DataFrame:
    """Nearest facility of each type present, for every desa point, with the distance in km.

    One STRtree nearest-neighbour query per facility type (vectorised over all desa), in UTM 49S
    metres. Output is tidy: kode_desa, tipe, kode_fasilitas, nama_fasilitas, jarak_km (Float64),
    sorted by kode_desa and tipe. Facilities without coordinates are ignored.
    """
    projected = points.to_crs(UTM_49S)
    origins = np.asarray(projected.geometry.array)
    codes = projected["kode"].astype(str).to_numpy()
    fac = fasilitas.select(
        "kode_fasilitas", "nama", pl.col("tipe").cast(pl.String), "lat", "lon"
    ).drop_nulls(["lat", "lon"])
    frames = [_nearest_of_type(origins, codes, fac.filter(pl.col("tipe") == t)) for t in _types(fac)]
    if not frames:
        return _empty_nearest()
    return pl.concat(frames).sort("kode_desa", "tipe")


def _types(fac: pl.DataFrame) -> list[str]:
    present = set(fac["tipe"].drop_nulls().unique().to_list())
    return [t for t in FACILITY_TYPES if t in present]


def _nearest_of_type(origins: np.ndarray, codes: np.ndarray, fac: pl.DataFrame) -> pl.DataFrame:
    x, y = _to_utm().transform(fac["lon"].to_numpy(), fac["lat"].to_numpy())
    tree = shapely.STRtree(shapely.points(x, y))
    (i_desa, i_fac), metres = tree.query_nearest(origins, return_distance=True, all_matches=False)
    return pl.DataFrame({
        "kode_desa": codes[i_desa],
        "tipe": pl.Series(fac["tipe"].gather(i_fac), dtype=FacilityType),
        "kode_fasilitas": fac["kode_fasilitas"].cast(pl.String).gather(i_fac),
        "nama_fasilitas": fac["nama"].cast(pl.String).gather(i_fac),
        "jarak_km": pl.Series(metres / 1000.0, dtype=pl.Float64),
    })


def _empty_nearest() -> pl.DataFrame:
    return pl.DataFrame(schema={
        "kode_desa": pl.String, "tipe": FacilityType, "kode_fasilitas": pl.String,
        "nama_fasilitas": pl.String, "jarak_km": pl.Float64,
    })


# --- access standard ---------------------------------------------------------------------


def access(
    nearest: pl.DataFrame,
    penduduk: pl.DataFrame,
    max_km: Mapping[str, float] = DEFAULT_MAX_KM,
    groups: Mapping[str, Sequence[str]] = ACCESS_GROUPS,
) -> pl.DataFrame:
    """Per desa, against the access standard: one row per desa in ``nearest``.

    For each group (default puskesmas_pustu and posyandu): ``jarak_<group>_km`` to the nearest
    member facility (the min over its types), ``<group>_terdekat`` (its name) and
    ``jauh_<group>`` (True when beyond the threshold of every member type; with equal thresholds
    simply jarak > max_km; exactly at the threshold is not beyond). ``penduduk`` comes from a
    frame with kode_desa, penduduk (null when unknown). A group with no facility at all gives nulls.
    ``max_km`` overrides the defaults per type.
    """
    limits = {**DEFAULT_MAX_KM, **max_km}
    near = nearest.with_columns(pl.col("kode_desa").cast(pl.String), pl.col("tipe").cast(pl.String))
    out = near.select("kode_desa").unique().sort("kode_desa")
    for group, types in groups.items():
        out = out.join(_group_access(near, group, types, limits), on="kode_desa", how="left")
    people = penduduk.select(pl.col("kode_desa").cast(pl.String), pl.col("penduduk").cast(pl.Int64))
    return out.join(people, on="kode_desa", how="left")


def _group_access(near: pl.DataFrame, group: str, types: Sequence[str], limits: Mapping[str, float]) -> pl.DataFrame:
    members = near.filter(pl.col("tipe").is_in(list(types)))
    limit = pl.col("tipe").replace_strict({t: float(limits[t]) for t in types}, return_dtype=pl.Float64)
    return (
        members.sort("kode_desa", "jarak_km")
        .group_by("kode_desa", maintain_order=True)
        .agg(
            pl.col("jarak_km").first().alias(f"jarak_{group}_km"),
            pl.col("nama_fasilitas").first().alias(f"{group}_terdekat"),
            (pl.col("jarak_km") > limit).all().alias(f"jauh_{group}"),
        )
    )


def beyond(access_frame: pl.DataFrame) -> pl.DataFrame:
    """Only the desa beyond any threshold, most people first: where outreach helps most."""
    flags = [c for c in access_frame.columns if c.startswith("jauh_")]
    if not flags:
        return access_frame.clear()
    far = pl.any_horizontal([pl.col(c).fill_null(False) for c in flags])
    return access_frame.filter(far).sort(["penduduk", "kode_desa"], descending=[True, False], nulls_last=True)


def penduduk_from_sasaran(sasaran: pl.DataFrame, tahun: int | None = None) -> pl.DataFrame:
    """kode_desa, penduduk from the SASARAN table (kelompok "penduduk"), latest year by default."""
    rows = sasaran.filter(pl.col("kelompok").cast(pl.String) == "penduduk")
    tahun = int(rows["tahun"].max()) if tahun is None and rows.height else tahun
    return rows.filter(pl.col("tahun") == tahun).select(
        pl.col("kode_desa").cast(pl.String), penduduk=pl.col("jumlah").cast(pl.Int64)
    )


# --- catchments --------------------------------------------------------------------------


def catchments(desa: gpd.GeoDataFrame, wilayah: pl.DataFrame) -> gpd.GeoDataFrame:
    """Puskesmas wilayah kerja outlines: the union of each puskesmas's desa (puskesmas, geometry).

    A clean coverage (shared borders vertex for vertex, as the boundary cache keeps them) is
    merged with ``coverage_union_all``, which drops the shared edges exactly and leaves no
    slivers; otherwise the robust overlay ``union_all`` is used. Desa without a puskesmas in the
    registry are left out. Results are made valid, in the desa layer's CRS, sorted by puskesmas.
    """
    lookup = wilayah.select(pl.col("kode_desa").cast(pl.String), pl.col("puskesmas").cast(pl.String)).drop_nulls()
    owner = dict(zip(lookup["kode_desa"].to_list(), lookup["puskesmas"].to_list()))
    puskesmas = desa["kode"].astype(str).map(owner)
    keep = puskesmas.notna().to_numpy()
    geoms = np.asarray(desa.geometry.array)[keep]
    union = shapely.coverage_union_all if bool(shapely.coverage_is_valid(geoms)) else shapely.union_all
    names = puskesmas[keep].to_numpy()
    order = sorted(set(names))
    outlines = [union(geoms[names == name]) for name in order]
    outlines = [g if g.is_valid else shapely.make_valid(g) for g in outlines]
    return gpd.GeoDataFrame({"puskesmas": order}, geometry=outlines, crs=desa.crs)


# --- benchmark and CLI -------------------------------------------------------------------


def analyse(
    desa: gpd.GeoDataFrame | None, wilayah: pl.DataFrame, fasilitas: pl.DataFrame, penduduk: pl.DataFrame,
    max_km: Mapping[str, float] = DEFAULT_MAX_KM,
) -> pl.DataFrame:
    """The whole distance analysis (points, nearest facilities, access): what the budgets time."""
    return access(nearest_facilities(desa_points(desa, wilayah), fasilitas), penduduk, max_km)


def province_benchmark(geo_dir: Path | None, cache_dir: Path | None = None) -> float:
    """Seconds for :func:`analyse` on all Jawa Tengah desa (8,563) with synthetic facilities.

    Reading ``jateng_desa.geojson`` (cached as GeoParquet by geo.boundaries) and building the
    synthetic registry and facilities are excluded from the timing: only desa_points,
    nearest_facilities and access are timed. The registry stand-in is each polygon's centroid
    (outside concave desa, so both branches of desa_points run); one puskesmas per kecamatan at
    its first desa point; 4 posyandu per desa jittered within ±300 m (numpy seed 0).
    """
    from geo.boundaries import DESA_TOLERANCE_M, load_file
    from phdt.config import settings

    if geo_dir is None:
        raise ValueError(f"no geo_dir: set PHDT_GEO_DIR to the folder holding {PROVINCE_FILE}")
    cache_dir = cache_dir or settings().geo_cache_dir
    desa = load_file(Path(geo_dir) / PROVINCE_FILE, None, "desa", DESA_TOLERANCE_M, cache_dir).gdf
    wilayah, fasilitas, penduduk = synthetic_province(desa)
    started = time.perf_counter()
    analyse(desa, wilayah, fasilitas, penduduk)
    return time.perf_counter() - started


def synthetic_province(desa: gpd.GeoDataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Registry points, facilities and people for a layer without a registry (deterministic)."""
    rng = np.random.default_rng(0)
    centroid = desa.to_crs(UTM_49S).centroid.to_crs(4326)
    wilayah = pl.DataFrame({"kode_desa": desa["kode"].astype(str).to_numpy(),
                            "lat": centroid.y.to_numpy(), "lon": centroid.x.to_numpy()}).sort("kode_desa")
    first = wilayah.group_by(pl.col("kode_desa").str.slice(0, 8).alias("kec")).agg(pl.all().first()).sort("kec")
    puskesmas = first.select(
        kode_fasilitas="PKM-" + pl.col("kec"), nama="Puskesmas " + pl.col("kec"), tipe=pl.lit("puskesmas"),
        lat="lat", lon="lon",
    )
    n = wilayah.height
    lat = np.repeat(wilayah["lat"].to_numpy(), POSYANDU_PER_DESA)
    lon = np.repeat(wilayah["lon"].to_numpy(), POSYANDU_PER_DESA)
    dy, dx = rng.uniform(-JITTER_M, JITTER_M, size=(2, lat.size))
    posyandu = pl.DataFrame({
        "kode_fasilitas": [f"PSY-{i:06d}" for i in range(lat.size)],
        "nama": [f"Posyandu {i}" for i in range(lat.size)], "tipe": "posyandu",
        "lat": lat + dy / METRES_PER_DEGREE, "lon": lon + dx / (METRES_PER_DEGREE * np.cos(np.radians(lat))),
    })
    fasilitas = pl.concat([puskesmas, posyandu]).with_columns(pl.col("tipe").cast(FacilityType))
    penduduk = pl.DataFrame({"kode_desa": wilayah["kode_desa"], "penduduk": rng.integers(1_000, 10_000, n)})
    return wilayah, fasilitas, penduduk


def summary(result: pl.DataFrame, seconds: float, max_km: Mapping[str, float] = DEFAULT_MAX_KM) -> str:
    """One line: desa (and people) beyond the puskesmas/pustu and posyandu thresholds."""
    limits = {**DEFAULT_MAX_KM, **max_km}
    parts = []
    for group, label, km in (("puskesmas_pustu", "puskesmas/pustu", limits["puskesmas"]),
                             ("posyandu", "posyandu", limits["posyandu"])):
        far = result.filter(pl.col(f"jauh_{group}").fill_null(False))
        parts.append(f"{far.height} beyond {km:g} km of a {label} ({int(far['penduduk'].sum()):,} people)")
    return f"Purbalingga, {result.height} desa: " + "; ".join(parts) + f"; {seconds:.3f} s"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m geo.coverage``: the Purbalingga summary (desa polygons from PHDT_GEO_DIR if set)."""
    argparse.ArgumentParser(prog="python -m geo.coverage", description=__doc__.splitlines()[0]).parse_args(argv)
    from geo.boundaries import expected_codes, load_layer
    from phdt.dataset import load

    data = load()
    layer = load_layer("desa", expected_codes(data.wilayah, "desa"))
    if layer is None:
        print("PHDT_GEO_DIR is not set or has no desa file: using registry points only", file=sys.stderr)
    penduduk = penduduk_from_sasaran(data.sasaran)
    started = time.perf_counter()
    result = analyse(layer.gdf if layer else None, data.wilayah, data.fasilitas, penduduk)
    print(summary(result, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
