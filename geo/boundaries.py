"""Kecamatan and desa boundaries for the maps: read, check, simplify and cache them.

Why this module exists: boundary files come from outside the project (BIG via
cahyadsn/wilayah_boundaries, or a Dinkes' own Shapefile), so they must be checked against the
registry codes before a map can trust them, and they are too detailed to send to a browser on
every rerun. A file is therefore read once, checked, simplified with shared borders kept, and
stored as GeoParquet in ``settings.geo_cache_dir``; later runs read that cache. No streamlit
import here, so the CLI, the tests and the app share one code path.

When no boundary file is configured the app uses :func:`centroid_points` instead.

CLI: ``python -m geo.boundaries build`` builds the caches of ``<boundary_files>_kecamatan`` and
``<boundary_files>_desa`` (setting ``boundary_files``, default ``purbalingga``) from ``PHDT_GEO_DIR``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pyogrio
import shapely
from pyproj import CRS

from phdt import config
from phdt.config import ROOT, Settings

LEVELS = ("kecamatan", "desa")
KECAMATAN_TOLERANCE_M = 50.0
DESA_TOLERANCE_M = 30.0
TOLERANCE_M = {"kecamatan": KECAMATAN_TOLERANCE_M, "desa": DESA_TOLERANCE_M}
# A layer wider than a kabupaten is simplified more: at least its width / SCREEN_PX, about what one
# pixel covers when the whole layer fills a wide screen (Purbalingga ~45 km: 18 m, so the level
# default applies; Jawa Tengah ~370 km: ~150 m, which keeps the 8,563-desa map under 3 MB).
SCREEN_PX = 2500
GRID_DECIMALS = 5  # 1e-5 degree, about 1.1 m: finer than any simplification, and short GeoJSON for the browser
METRES_PER_DEGREE = 111_320.0
CACHE_VERSION = "v2"  # bump when simplification or the cached columns change
INDONESIA = (94.0, -12.0, 142.0, 7.0)  # lon/lat bounds: catches a wrongly declared CRS
SOURCE_SUFFIXES = (".geojson", ".gpkg", ".zip")  # looked for, in this order, after <prefix>_<level>
DEFAULT_PREFIX = "purbalingga"  # Settings.boundary_files
READABLE_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")
ZIP_MEMBER_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg")
REGISTRY_CSV = ROOT / "data" / "registry" / "purbalingga_wilayah.csv"
MAX_LISTED = 10

# Finest level first: a BIG desa file carries both KDEPUM (desa) and KDCPUM (its kecamatan).
CODE_COLUMNS = (
    "kode", "kode_desa", "kode_kel", "kode_kelurahan", "kdepum", "kd_desa", "kode_kec", "kode_kecamatan",
    "kdcpum", "kd_kec", "kode_wilayah", "kode_kab", "kdpkab",
)
NAME_COLUMNS = (
    "nama", "nama_desa", "nama_kel", "nama_kelurahan", "namobj", "wadmkd", "nama_kec", "nama_kecamatan",
    "wadmkc", "desa", "kelurahan", "kecamatan", "name",
)
CODE_FORMS = {  # level -> (pattern, example)
    "provinsi": (r"\d{2}", "33"),
    "kabupaten": (r"\d{2}\.\d{2}", "33.03"),
    "kecamatan": (r"\d{2}\.\d{2}\.\d{2}", "33.03.01"),
    "desa": (r"\d{2}\.\d{2}\.\d{2}\.\d{4}", "33.03.01.2001"),
}
_PART_WIDTHS = (2, 2, 2, 4)
_PARTS_BY_DIGITS = {2: 1, 4: 2, 6: 3, 10: 4}
_POLYGON, _MULTIPOLYGON = 3, 6


class BoundaryError(ValueError):
    """A boundary file cannot be used; the message names the file and what to fix."""


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of :func:`validate`: errors block a file, warnings are shown next to the map."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # expected codes without a boundary
    extra: list[str] = field(default_factory=list)  # codes in the file that are not expected

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True, eq=False)
class BoundaryLayer:
    """A checked, simplified layer ready for a map: ``gdf`` has kode, nama, geometry (EPSG:4326)."""

    gdf: gpd.GeoDataFrame
    report: ValidationReport
    source: Path
    cache_path: Path | None = None
    from_cache: bool = False
    vertices_before: int = 0
    vertices_after: int = 0


# --- codes and reading -------------------------------------------------------------------


def normalise_code(value: object) -> str:
    """Dotted Kemendagri form (``3303012001`` -> ``33.03.01.2001``) so any file joins the registry.

    Values that do not look like a code are returned stripped but unchanged, so that the
    validation can name them.
    """
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Shapefile numeric fields come back as floats
    text = str(value).strip()
    if text.isdigit():
        return _dotted(text) if len(text) in _PARTS_BY_DIGITS else text
    parts = re.split(r"[.\-/\s]+", text)
    if 1 < len(parts) <= 4 and all(p.isdigit() and len(p) <= w for p, w in zip(parts, _PART_WIDTHS)):
        return ".".join(p.zfill(w) for p, w in zip(parts, _PART_WIDTHS))
    return text


def _dotted(digits: str) -> str:
    parts, start = [], 0
    for width in _PART_WIDTHS[: _PARTS_BY_DIGITS[len(digits)]]:
        parts.append(digits[start : start + width])
        start += width
    return ".".join(parts)


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """Read GeoJSON, GeoPackage or zipped Shapefile into columns kode, nama, geometry.

    Codes are normalised to the dotted form; the CRS is kept as declared (see :func:`validate`).
    Every failure becomes a :class:`BoundaryError` naming the file, for display in the app.
    """
    path = Path(path)
    if not path.is_file():
        raise BoundaryError(f"boundary file {path} does not exist")
    if path.suffix.lower() not in READABLE_SUFFIXES:
        raise BoundaryError(
            f"{path.name}: unsupported file type '{path.suffix}'; use GeoJSON (.geojson), "
            "GeoPackage (.gpkg) or a zipped Shapefile (.zip)"
        )
    try:
        raw = gpd.read_file(_dataset(path), use_arrow=True)
    except BoundaryError:
        raise
    except Exception as exc:  # pyogrio/GDAL raise many types for a corrupt file
        raise BoundaryError(f"cannot read boundary file {path.name}: {exc}") from exc
    if raw.empty:
        raise BoundaryError(f"{path.name} contains no features")
    return _standardise(raw, path)


def _dataset(path: Path) -> str:
    """GDAL path of the single layer to read, refusing ambiguous zips and GeoPackages."""
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(ZIP_MEMBER_SUFFIXES)]
        except zipfile.BadZipFile as exc:
            raise BoundaryError(f"cannot read boundary file {path.name}: not a valid zip archive") from exc
        if len(names) != 1:
            found = ", ".join(names) or "none"
            raise BoundaryError(f"{path.name} must hold exactly one .shp (or .geojson/.gpkg); found: {found}")
        return f"/vsizip/{path.resolve()}/{names[0]}"
    if path.suffix.lower() == ".gpkg":
        layers = pyogrio.list_layers(path)
        if len(layers) != 1:
            raise BoundaryError(f"{path.name} has {len(layers)} layers ({', '.join(layers[:, 0])}); keep only one")
    return str(path)


def _standardise(raw: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Pick the code and name columns case-insensitively, whatever the source called them."""
    by_lower = {str(c).lower(): c for c in raw.columns if c != raw.geometry.name}
    code_col = next((by_lower[c] for c in CODE_COLUMNS if c in by_lower), None)
    if code_col is None:
        raise BoundaryError(
            f"{path.name} has no code column (looked for kode, KDEPUM, KDCPUM, kode_desa, kode_kec, ...); "
            f"its columns are: {', '.join(map(str, by_lower.values())) or 'none'}"
        )
    name_col = next((by_lower[c] for c in NAME_COLUMNS if c in by_lower), None)
    names = raw[name_col] if name_col is not None else pd.Series([None] * len(raw))
    return gpd.GeoDataFrame(
        {
            "kode": [normalise_code(v) for v in raw[code_col]],
            "nama": [None if pd.isna(v) else str(v).strip() for v in names],
        },
        geometry=raw.geometry.values,
        crs=raw.crs,
    )


# --- validation --------------------------------------------------------------------------


def validate(gdf: gpd.GeoDataFrame, expected_codes: Iterable[str] | None, level: str) -> ValidationReport:
    """Check a boundary layer against the registry codes; see :func:`check` for the rules."""
    return check(gdf, expected_codes, level)[1]


def check(
    gdf: gpd.GeoDataFrame, expected_codes: Iterable[str] | None, level: str, *, repair: bool = False
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Validate and conform: returns the layer in EPSG:4326 (repaired if asked) and the report.

    Errors: no CRS, coordinates outside Indonesia after reprojection (a wrong CRS declared),
    invalid polygons (unless ``repair``), empty/non-polygon geometry, blank, malformed,
    duplicate or unknown codes. Warnings: reprojection, repairs, expected codes without a
    boundary, borders that are not shared exactly. ``expected_codes=None`` accepts any code.
    """
    gdf, errors, warnings = _file_checks(gdf, level, repair)
    code_errors, code_warnings, missing, extra = _code_checks(gdf["kode"], expected_codes, level)
    report = ValidationReport(code_errors + errors, warnings + code_warnings, missing, extra)
    return gdf, report


def _file_checks(gdf: gpd.GeoDataFrame, level: str, repair: bool) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Checks that depend only on the file (cacheable), not on the registry."""
    if level not in CODE_FORMS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(CODE_FORMS)}")
    gdf, errors, warnings = _conform_crs(gdf)
    gdf, geom_errors, geom_warnings = _check_geometries(gdf, repair)
    errors += geom_errors
    warnings += geom_warnings
    if not geom_errors:
        warnings += _coverage_warnings(gdf)
    if gdf["nama"].isna().all():
        warnings.append("the file has no name column; names will come from the registry")
    return gdf, errors, warnings


def _conform_crs(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Bring the layer to EPSG:4326; a missing CRS cannot be guessed safely, so it is an error."""
    if gdf.crs is None:
        return gdf, ["has no CRS (coordinate reference system): save it with EPSG:4326, or include the .prj"], []
    declared, warnings = _crs_name(gdf.crs), []
    if gdf.crs.to_epsg() != 4326 and not gdf.crs.equals("OGC:CRS84"):
        try:
            gdf = gdf.to_crs(4326)
        except Exception as exc:
            return gdf, [f"cannot reproject from {declared} to EPSG:4326: {exc}"], []
        warnings.append(f"reprojected from {declared} to EPSG:4326 (WGS 84 lon/lat)")
    return gdf, _bounds_errors(gdf, declared), warnings


def _crs_name(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def _bounds_errors(gdf: gpd.GeoDataFrame, declared: str) -> list[str]:
    """A file whose declared CRS is wrong lands outside Indonesia once read as lon/lat."""
    geoms = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if geoms.empty:
        return []
    lon0, lat0, lon1, lat1 = bounds = geoms.total_bounds
    w, s, e, n = INDONESIA
    if np.all(np.isfinite(bounds)) and w <= lon0 and lon1 <= e and s <= lat0 and lat1 <= n:
        return []
    hint = " (these look like projected metres, not degrees)" if np.nanmax(np.abs(bounds)) > 360 else ""
    return [
        f"coordinates lie outside Indonesia: bounds {_fmt_bounds(bounds)}{hint}, expected lon {w:g}..{e:g}, "
        f"lat {s:g}..{n:g}; the declared CRS {declared} is probably wrong"
    ]


def _fmt_bounds(bounds: Sequence[float]) -> str:
    return "(" + ", ".join(f"{b:.6g}" for b in bounds) + ")"


def _check_geometries(gdf: gpd.GeoDataFrame, repair: bool) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Missing, empty, non-polygonal and invalid geometries, named by code with the GEOS reason."""
    geoms = np.asarray(gdf.geometry.array, dtype=object).copy()
    codes = gdf["kode"].to_numpy()
    absent = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    wrong = ~absent & ~np.isin(shapely.get_type_id(geoms), [_POLYGON, _MULTIPOLYGON])
    invalid = ~absent & ~wrong & ~shapely.is_valid(geoms)
    reasons = [f"{c} ({r})" for c, r in zip(codes[invalid], shapely.is_valid_reason(geoms[invalid]))]
    kinds = [f"{c} ({g.geom_type})" for c, g in zip(codes[wrong], geoms[wrong])]
    errors = [f"{absent.sum()} feature(s) without geometry: {_listing(codes[absent])}"] if absent.any() else []
    if not repair or not (wrong | invalid).any():
        if wrong.any():
            errors.append(f"{wrong.sum()} feature(s) are not polygons: {_listing(kinds)}")
        if invalid.any():
            hint = "fix the file or load it with repair=True"
            errors.append(f"{invalid.sum()} invalid polygon(s): {_listing(reasons)}; {hint}")
        return gdf, errors, []
    fix = wrong | invalid
    geoms[fix] = _valid_polygons(geoms[fix])
    still = fix & (shapely.is_empty(geoms) | ~shapely.is_valid(geoms))
    if still.any():
        errors.append(f"repair left no valid polygon for {still.sum()} feature(s): {_listing(codes[still])}")
    warning = f"repaired {fix.sum()} geometry(ies) with make_valid, polygonal parts kept: {_listing(reasons + kinds)}"
    return gdf.set_geometry(gpd.GeoSeries(geoms, index=gdf.index, crs=gdf.crs)), errors, [warning]


def _valid_polygons(geoms: np.ndarray) -> list[shapely.Geometry]:
    """``make_valid`` keeping only polygonal parts, as done for the shared source files."""
    return [_polygonal(g) for g in shapely.make_valid(geoms)]


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygon parts of a repaired geometry; lines and points left by make_valid are dropped."""
    parts = shapely.get_parts(shapely.get_parts(geom))
    polygons = [p for p in parts if shapely.get_type_id(p) == _POLYGON and not p.is_empty]
    if not polygons:
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _coverage_warnings(gdf: gpd.GeoDataFrame) -> list[str]:
    """Neighbours that overlap or whose borders differ cannot be simplified without slivers."""
    if len(gdf) < 2:
        return []
    edges = shapely.coverage_invalid_edges(np.asarray(gdf.geometry.array, dtype=object))
    bad = ~shapely.is_empty(edges)
    if not bad.any():
        return []
    return [
        f"{bad.sum()} polygon(s) overlap a neighbour or do not share its border vertex for vertex: "
        f"{_listing(gdf['kode'].to_numpy()[bad])}; small gaps or overlaps may show there after simplification"
    ]


def _code_checks(
    codes: pd.Series, expected: Iterable[str] | None, level: str
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Codes must be well formed, unique and known; registry codes without a polygon are a warning."""
    errors, warnings = [], []
    values = [str(c) for c in codes]
    blank = sum(1 for c in values if not c)
    if blank:
        errors.append(f"{blank} feature(s) have no code")
    pattern, example = CODE_FORMS[level]
    malformed = sorted({c for c in values if c and not re.fullmatch(pattern, c)})
    if malformed:
        errors.append(f"{len(malformed)} code(s) are not {level} codes of the form {example}: {_listing(malformed)}")
    duplicates = sorted((c, n) for c, n in Counter(values).items() if c and n > 1)
    if duplicates:
        errors.append(f"{len(duplicates)} duplicate code(s): {_listing([f'{c} ({n}x)' for c, n in duplicates])}")
    if expected is None:
        return errors, warnings, [], []
    expected, present = set(expected), {c for c in values if c}
    extra, missing = sorted(present - expected), sorted(expected - present)
    if extra:
        errors.append(f"{len(extra)} unknown code(s), not in the registry: {_listing(extra)}")
    if missing:
        warnings.append(
            f"{len(missing)} {level} code(s) of the registry have no boundary and will show as "
            f"'tidak ada data' at their centroid point: {_listing(missing)}"
        )
    return errors, warnings, missing, extra


def _listing(items: Iterable[object], limit: int = MAX_LISTED) -> str:
    """At most ``limit`` items, then 'and N more', so messages stay readable for 8,000 desa."""
    items = [str(i) for i in items]
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


# --- simplification ----------------------------------------------------------------------


def width_m(gdf: gpd.GeoDataFrame) -> float:
    """East-west extent of a layer in metres (degrees scaled at its mean latitude for lon/lat data)."""
    minx, miny, maxx, maxy = gdf.total_bounds
    if gdf.crs is not None and gdf.crs.is_projected:
        return float(maxx - minx)
    return float(maxx - minx) * METRES_PER_DEGREE * float(np.cos(np.radians((miny + maxy) / 2)))


def effective_tolerance(tolerance_m: float, gdf: gpd.GeoDataFrame) -> float:
    """The level's tolerance, or more for a layer wider than a kabupaten (see SCREEN_PX)."""
    return max(tolerance_m, width_m(gdf) / SCREEN_PX)


def simplify_shared(gdf: gpd.GeoDataFrame, tolerance_m: float) -> gpd.GeoDataFrame:
    """Simplify all polygons together so neighbours keep one common border (no slivers).

    Uses GEOS coverage simplification (``shapely.coverage_simplify``, Visvalingam-Whyatt on the
    shared edges; GEOS removes a vertex when its triangle is smaller than ``tolerance²``). That
    is what topojson's own valid mode (``presimplify`` with ``simplify_with="geos"``) calls,
    without the arc round trip: measured 0.03 s vs 0.2-0.4 s for Purbalingga desa and 0.7 s vs
    5 s for the 8,563 Jawa Tengah desa. topojson's arc toposimplify (Douglas-Peucker) was not
    used: at 30 m it left 13 of 239 Purbalingga desa and 499 of 8,563 province desa
    self-intersecting. No size-based fallback is needed: the province desa take under 1 s. Any
    polygon that still comes out invalid or empty (possible only when the input is not a clean
    coverage) falls back to ``simplify(preserve_topology=True)`` for that polygon alone.
    Coordinates are then rounded to ``GRID_DECIMALS`` (1e-5 degree); shared vertices round
    identically, so borders stay shared (see :func:`_round` for the few rings rounding breaks:
    3 of 239 Purbalingga desa with 0 m² overlap left; 128 of 8,563 province desa with 1,678 m²
    overlap left in total). ``tolerance_m`` is converted to degrees (/111,320) for lon/lat data.
    """
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    projected = gdf.crs is not None and gdf.crs.is_projected
    tolerance = tolerance_m if projected else tolerance_m / METRES_PER_DEGREE
    try:
        simple = shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    simple = _replace_bad(simple, lambda bad: shapely.simplify(geoms[bad], tolerance, preserve_topology=True))
    simple = _replace_bad(simple, lambda bad: geoms[bad])
    if not projected:
        simple = _round(simple)
    return gdf.set_geometry(gpd.GeoSeries(simple, index=gdf.index, crs=gdf.crs))


def _round(geoms: np.ndarray) -> np.ndarray:
    """Round to 1e-5 degree; the few rings that rounding pinches or crosses are made valid in place.

    Repairing the rounded polygon (not reverting it) keeps its shared borders identical to the
    rounded neighbours'; reverting would open a 1 m sliver along every border of that polygon.
    """
    snapped = shapely.remove_repeated_points(shapely.transform(geoms, lambda xy: np.round(xy, GRID_DECIMALS)))
    repaired = _replace_bad(snapped, lambda bad: _valid_polygons(snapped[bad]))
    return _replace_bad(repaired, lambda bad: geoms[bad])


def _replace_bad(geoms: np.ndarray, fallback: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Swap invalid or empty results for the fallback's, so the map never gets a broken polygon."""
    bad = ~shapely.is_valid(geoms) | shapely.is_empty(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = fallback(bad)
    return geoms


def vertex_count(gdf: gpd.GeoDataFrame) -> int:
    """Total coordinates, the measure of how heavy a layer is for the browser."""
    return int(shapely.get_num_coordinates(np.asarray(gdf.geometry.array, dtype=object)).sum())


# --- loading and cache -------------------------------------------------------------------


def load_layer(
    level: str,
    expected_codes: Iterable[str] | None,
    settings: Settings | None = None,
    source: Path | None = None,
    *,
    repair: bool = False,
) -> BoundaryLayer | None:
    """The boundary layer for the app, or None so the app falls back to centroid points.

    The source defaults to ``geo_dir/<boundary_files>_<level>.geojson`` (or .gpkg/.zip), where
    ``boundary_files`` is the setting (``purbalingga`` unless configured); None when ``geo_dir``
    is unset or has no such file. A file that fails validation raises BoundaryError.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    settings = settings or config.settings()
    if source is None:
        source = find_source(level, settings.geo_dir, settings.boundary_files)
    if source is None:
        return None
    source = Path(source)
    return load_file(source, expected_codes, level, TOLERANCE_M[level], settings.geo_cache_dir, repair=repair)


def find_source(level: str, geo_dir: Path | None, prefix: str = DEFAULT_PREFIX) -> Path | None:
    """First existing ``<prefix>_<level>`` file with a supported suffix in ``geo_dir``.

    ``prefix`` is the ``boundary_files`` setting: ``purbalingga`` (default) or e.g. ``jateng``.
    """
    if geo_dir is None:
        return None
    candidates = (Path(geo_dir) / f"{prefix}_{level}{suffix}" for suffix in SOURCE_SUFFIXES)
    return next((p for p in candidates if p.is_file()), None)


def cache_path(source: Path, level: str, cache_dir: Path) -> Path:
    """Cache file named by the source content, so an edited file never reuses a stale cache."""
    try:
        digest = hashlib.sha256(Path(source).read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise BoundaryError(f"cannot read boundary file {source}: {exc.strerror or exc}") from exc
    return Path(cache_dir) / f"{level}-{digest}-{CACHE_VERSION}.parquet"


def load_file(
    path: Path,
    expected_codes: Iterable[str] | None,
    level: str,
    tolerance_m: float,
    cache_dir: Path,
    *,
    repair: bool = False,
) -> BoundaryLayer:
    """Read, validate, simplify and cache any boundary file (also a user's own big file).

    A cache hit re-checks only the codes against ``expected_codes`` (the registry may have
    changed); file-level warnings such as a reprojection are kept in the cache's metadata.
    """
    path = Path(path)
    cache = cache_path(path, level, cache_dir)
    params = {"tolerance_m": float(tolerance_m), "repair": bool(repair)}
    if (hit := _read_cache(cache, params)) is not None:
        gdf, info = hit
        report = _report(gdf, info["warnings"], expected_codes, level)
        _raise_for(path, report)
        return BoundaryLayer(gdf, report, path, cache, True, info["vertices_before"], info["vertices_after"])
    gdf, errors, warnings = _file_checks(read_boundaries(path), level, repair)
    report = _report(gdf, warnings, expected_codes, level, errors)
    _raise_for(path, report)
    before = vertex_count(gdf)
    tolerance_m = effective_tolerance(tolerance_m, gdf)
    gdf = simplify_shared(gdf[["kode", "nama", "geometry"]].sort_values("kode", ignore_index=True), tolerance_m)
    info = {"params": params, "warnings": warnings, "vertices_before": before, "vertices_after": vertex_count(gdf),
            "tolerance_used_m": tolerance_m}
    written = _write_cache(gdf, cache, info)
    if not written:
        note = f"could not write the cache {cache}; the file will be processed again next time"
        report = replace(report, warnings=[*report.warnings, note])
    return BoundaryLayer(gdf, report, path, cache if written else None, False, before, info["vertices_after"])


def _report(
    gdf: gpd.GeoDataFrame, warnings: list[str], expected: Iterable[str] | None, level: str, errors: Sequence[str] = ()
) -> ValidationReport:
    code_errors, code_warnings, missing, extra = _code_checks(gdf["kode"], expected, level)
    return ValidationReport(code_errors + list(errors), list(warnings) + code_warnings, missing, extra)


def _raise_for(path: Path, report: ValidationReport) -> None:
    if not report.ok:
        raise BoundaryError(f"{path.name} cannot be used as a boundary file: " + "; ".join(report.errors))


def _read_cache(cache: Path, params: dict) -> tuple[gpd.GeoDataFrame, dict] | None:
    """The cached layer and its metadata, or None when absent, unreadable or built differently."""
    if not cache.is_file():
        return None
    try:
        info = json.loads((pq.read_schema(cache).metadata or {})[b"phdt"])
        if info.get("params") != params:
            return None
        return gpd.read_parquet(cache), info
    except Exception:  # a truncated or foreign file is simply rebuilt
        return None


def _write_cache(gdf: gpd.GeoDataFrame, cache: Path, info: dict) -> bool:
    """Write GeoParquet atomically (temp file + os.replace) so a reader never sees half a file."""
    tmp = None
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=f".{cache.stem}-", suffix=".tmp")
        os.close(fd)
        gdf.to_parquet(tmp, index=False)
        table = pq.read_table(tmp)
        metadata = {**(table.schema.metadata or {}), b"phdt": json.dumps(info).encode()}
        pq.write_table(table.replace_schema_metadata(metadata), tmp)
        os.replace(tmp, cache)
        return True
    except OSError:
        return False
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


# --- registry fallback -------------------------------------------------------------------


def read_wilayah(path: Path = REGISTRY_CSV) -> pl.DataFrame:
    """The registry columns the maps need; codes stay strings (they look like numbers)."""
    columns = ["kode_kecamatan", "nama_kecamatan", "kode_desa", "nama_desa", "lat", "lon"]
    return pl.read_csv(path, columns=columns, schema_overrides={"kode_kecamatan": pl.String, "kode_desa": pl.String})


def expected_codes(wilayah: pl.DataFrame, level: str) -> set[str]:
    """Registry codes a boundary layer of ``level`` should cover."""
    column = {"kecamatan": "kode_kecamatan", "desa": "kode_desa"}[level]
    return set(wilayah.get_column(column).cast(pl.String).drop_nulls().to_list())


def centroid_points(wilayah: pl.DataFrame) -> gpd.GeoDataFrame:
    """Desa points from the registry lat/lon: the map layer when no boundary file is available."""
    df = wilayah.select(
        kode=pl.col("kode_desa").cast(pl.String), nama=pl.col("nama_desa").cast(pl.String), lon="lon", lat="lat"
    )
    return _points(df)


def kecamatan_points(wilayah: pl.DataFrame) -> gpd.GeoDataFrame:
    """Kecamatan points as the mean of their desa points, for the same fallback."""
    df = (
        wilayah.drop_nulls(["lat", "lon"])
        .group_by(kode=pl.col("kode_kecamatan").cast(pl.String))
        .agg(nama=pl.col("nama_kecamatan").cast(pl.String).first(), lon=pl.col("lon").mean(), lat=pl.col("lat").mean())
    )
    return _points(df)


def _points(df: pl.DataFrame) -> gpd.GeoDataFrame:
    df = df.drop_nulls(["kode", "lat", "lon"]).sort("kode")
    geometry = gpd.points_from_xy(df["lon"].to_numpy(), df["lat"].to_numpy())
    return gpd.GeoDataFrame({"kode": df["kode"].to_list(), "nama": df["nama"].to_list()}, geometry=geometry, crs=4326)


# --- CLI ---------------------------------------------------------------------------------


def build(settings: Settings, *, repair: bool = False, force: bool = False, registry: Path | None = None) -> int:
    """Build the kecamatan and desa caches of ``settings.boundary_files``; exit code 0 also when no
    boundary files are configured.

    Codes are checked against ``registry`` if given, else against the dataset's own wilayah
    (``<data_dir>/wilayah.parquet``, e.g. the province benchmark) when there is one, else against
    the Purbalingga registry CSV: the same wilayah the app checks the layers against.
    """
    if settings.geo_dir is None:
        print("PHDT_GEO_DIR is not set: no boundary caches built; the app shows desa/kecamatan centroid points.")
        return 0
    wilayah, status = _build_wilayah(settings, registry), 0
    prefix = settings.boundary_files
    for level in LEVELS:
        source = find_source(level, settings.geo_dir, prefix)
        if source is None:
            names = "/".join(f"{prefix}_{level}{s}" for s in SOURCE_SUFFIXES)
            print(f"{level}: no {names} in {settings.geo_dir}; the app shows centroid points")
            continue
        if force:
            cache_path(source, level, settings.geo_cache_dir).unlink(missing_ok=True)
        started = time.perf_counter()
        try:
            layer = load_file(source, expected_codes(wilayah, level), level, TOLERANCE_M[level],
                              settings.geo_cache_dir, repair=repair)
        except BoundaryError as exc:
            print(f"{level}: ERROR {exc}", file=sys.stderr)
            status = 1
            continue
        print(_summary(level, layer, time.perf_counter() - started))
        for warning in layer.report.warnings:
            print(f"  warning: {warning}")
    return status


def _build_wilayah(settings: Settings, registry: Path | None) -> pl.DataFrame:
    """The registry columns of the wilayah the app will use (see :func:`build`)."""
    if registry is None:
        from phdt.dataset import WILAYAH_FILE  # lazy: the maps need no dataset code

        dataset_wilayah = Path(settings.data_dir) / WILAYAH_FILE
        if not dataset_wilayah.is_file():
            return read_wilayah(REGISTRY_CSV)
        columns = ["kode_kecamatan", "nama_kecamatan", "kode_desa", "nama_desa", "lat", "lon"]
        return pl.read_parquet(dataset_wilayah, columns=columns).with_columns(
            pl.col("kode_kecamatan", "kode_desa").cast(pl.String))
    return read_wilayah(registry)


def _summary(level: str, layer: BoundaryLayer, seconds: float) -> str:
    how = "cached" if layer.from_cache else "built"
    return (
        f"{level}: {len(layer.gdf)} features, {layer.vertices_before:,} -> {layer.vertices_after:,} vertices, "
        f"cache {layer.cache_path}, {seconds:.2f} s ({how})"
    )


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """``python -m geo.boundaries build [--repair] [--force]``."""
    parser = argparse.ArgumentParser(prog="python -m geo.boundaries", description="Boundary caches for the maps.")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser(
        "build", help="build the kecamatan and desa caches of the boundary_files setting from PHDT_GEO_DIR")
    build_cmd.add_argument("--repair", action="store_true", help="repair invalid polygons with make_valid")
    build_cmd.add_argument("--force", action="store_true", help="rebuild even when a cache exists")
    args = parser.parse_args(argv)
    return build(settings or config.settings(), repair=args.repair, force=args.force)


if __name__ == "__main__":
    sys.exit(main())
