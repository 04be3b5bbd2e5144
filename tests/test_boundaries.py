"""Boundary reading, validation, simplification and cache (geo/boundaries.py).

Synthetic fixtures are built in tmp_path. The real files are read only through PHDT_GEO_DIR
(CI: PHDT_GEO_DIR=../shared/geo); they are third-party data and never copied into the repo.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo import boundaries as b
from phdt.config import Settings
from tests.fixtures import geo_dir_with

LON, LAT, STEP = 109.30, -7.40, 0.01  # small squares inside Purbalingga
CODES = ["33.03.01.2001", "33.03.01.2002", "33.03.01.2003"]
UTM_49S = 32749
MAX_SLIVER_M2 = 10_000  # 0.01 km²


def squares(n: int = 3) -> list[shapely.Polygon]:
    return [shapely.box(LON + i * STEP, LAT, LON + (i + 1) * STEP, LAT + STEP) for i in range(n)]


def layer(codes=CODES, geoms=None, crs=4326, code_col="kode", name_col="nama") -> gpd.GeoDataFrame:
    geoms = geoms if geoms is not None else squares(len(codes))
    names = [f"Desa {i}" for i in range(len(codes))]
    return gpd.GeoDataFrame({code_col: codes, name_col: names}, geometry=geoms, crs=crs)


def write(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    gdf.to_file(path)
    return path


def zipped_shapefile(gdf: gpd.GeoDataFrame, tmp_path: Path, name: str = "desa") -> Path:
    folder = tmp_path / f"{name}-shp"
    folder.mkdir()
    gdf.to_file(folder / f"{name}.shp")
    archive = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    return archive


def bowtie() -> shapely.Polygon:
    return shapely.Polygon([(LON, LAT), (LON + STEP, LAT + STEP), (LON + STEP, LAT), (LON, LAT + STEP)])


# --- codes and reading -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3303012001", "33.03.01.2001"),
        (3303012001, "33.03.01.2001"),
        (3303012001.0, "33.03.01.2001"),
        ("330301", "33.03.01"),
        (330301, "33.03.01"),
        ("33.03.01.2001", "33.03.01.2001"),
        (" 33.03.01 ", "33.03.01"),
        ("33.3.1.2001", "33.03.01.2001"),
        ("3303", "33.03"),
        ("Kemangkon", "Kemangkon"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_normalise_code(raw, code):
    assert b.normalise_code(raw) == code


def test_read_accepts_big_style_columns(tmp_path):
    gdf = layer(codes=[3303012001, 3303012002, 3303012003], code_col="KDEPUM", name_col="NAMOBJ")
    gdf["KDCPUM"] = 330301  # the kecamatan code also present: the finer desa code must win
    out = b.read_boundaries(write(gdf, tmp_path / "desa.geojson"))
    assert out.columns.tolist() == ["kode", "nama", "geometry"]
    assert out["kode"].tolist() == CODES
    assert out["nama"].tolist() == ["Desa 0", "Desa 1", "Desa 2"]


def test_zipped_shapefile_and_gpkg_round_trip(tmp_path):
    original = layer()
    for path in (zipped_shapefile(original, tmp_path), write(original, tmp_path / "desa.gpkg")):
        out = b.read_boundaries(path)
        assert out["kode"].tolist() == CODES, path.name
        assert out.crs.to_epsg() == 4326, path.name
        assert all(shapely.equals(out.geometry.values, original.geometry.values)), path.name
        assert b.validate(out, set(CODES), "desa").ok, path.name


def test_unreadable_files_raise_boundary_error_naming_the_file(tmp_path):
    csv = tmp_path / "desa.csv"
    csv.write_text("kode\n33.03.01.2001\n")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [ not json')
    bad_zip = tmp_path / "garbage.zip"
    bad_zip.write_bytes(b"this is not a zip archive")
    for path, words in [(csv, "unsupported"), (broken, "cannot read"), (bad_zip, "cannot read")]:
        with pytest.raises(b.BoundaryError, match=words) as info:
            b.read_boundaries(path)
        assert path.name in str(info.value)
    with pytest.raises(b.BoundaryError, match="does not exist"):
        b.read_boundaries(tmp_path / "nothing.geojson")


def test_zip_with_two_shapefiles_is_refused(tmp_path):
    archive = zipped_shapefile(layer(), tmp_path)
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("other.shp", b"")
    with pytest.raises(b.BoundaryError, match="exactly one .shp"):
        b.read_boundaries(archive)


def test_missing_code_column_lists_the_columns(tmp_path):
    gdf = layer(code_col="id_unit")
    with pytest.raises(b.BoundaryError, match="no code column.*id_unit"):
        b.read_boundaries(write(gdf, tmp_path / "desa.geojson"))


# --- validation --------------------------------------------------------------------------


def test_unknown_code_is_extra_with_clear_message(tmp_path):
    codes = [*CODES[:2], "33.03.01.2999"]
    gdf = b.read_boundaries(write(layer(codes=codes), tmp_path / "desa.geojson"))
    report = b.validate(gdf, set(CODES), "desa")
    assert report.extra == ["33.03.01.2999"]
    assert report.missing == ["33.03.01.2003"]
    assert not report.ok
    assert report.errors == ["1 unknown code(s), not in the registry: 33.03.01.2999"]
    assert any("tidak ada data" in w and "33.03.01.2003" in w for w in report.warnings)


def test_missing_codes_are_a_warning_only():
    report = b.validate(layer(codes=CODES[:2], geoms=squares(2)), set(CODES), "desa")
    assert report.ok
    assert report.missing == ["33.03.01.2003"]
    assert report.extra == []


def test_long_lists_are_cut_after_ten():
    codes = [f"33.03.01.{2001 + i}" for i in range(15)]
    report = b.validate(layer(codes=codes, geoms=squares(15)), set(), "desa")
    assert report.errors == [f"15 unknown code(s), not in the registry: {', '.join(codes[:10])} and 5 more"]


def test_duplicate_and_malformed_codes_are_errors():
    report = b.validate(layer(codes=[CODES[0], CODES[0], "33.03.01"]), set(CODES), "desa")
    assert "1 duplicate code(s): 33.03.01.2001 (2x)" in report.errors
    assert "1 code(s) are not desa codes of the form 33.03.01.2001: 33.03.01" in report.errors


def test_invalid_bowtie_names_the_code(tmp_path):
    path = write(layer(geoms=[*squares(2), bowtie()]), tmp_path / "desa.geojson")
    report = b.validate(b.read_boundaries(path), set(CODES), "desa")
    assert len(report.errors) == 1
    assert report.errors[0].startswith("1 invalid polygon(s): 33.03.01.2003 (Self-intersection[")
    assert "repair=True" in report.errors[0]
    with pytest.raises(b.BoundaryError, match=r"desa\.geojson.*33\.03\.01\.2003 \(Self-intersection"):
        b.load_file(path, set(CODES), "desa", 30, tmp_path / "cache")


def test_repair_turns_the_error_into_a_warning(tmp_path):
    path = write(layer(geoms=[*squares(2), bowtie()]), tmp_path / "desa.geojson")
    gdf, report = b.check(b.read_boundaries(path), set(CODES), "desa", repair=True)
    assert report.ok
    assert any(w.startswith("repaired 1 geometry(ies)") and "33.03.01.2003" in w for w in report.warnings)
    repaired = gdf.geometry.iloc[2]
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(STEP**2 / 2, rel=1e-6)  # both triangles kept
    loaded = b.load_file(path, set(CODES), "desa", 30, tmp_path / "cache", repair=True)
    assert loaded.gdf.is_valid.all()
    assert any("repaired" in w for w in loaded.report.warnings)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_is_an_error(tmp_path):
    assert b.validate(layer(crs=None), set(CODES), "desa").errors[0].startswith("has no CRS")
    archive = zipped_shapefile(layer(crs=None), tmp_path)  # a Shapefile without .prj
    with pytest.raises(b.BoundaryError, match="has no CRS"):
        b.load_file(archive, set(CODES), "desa", 30, tmp_path / "cache")


def test_utm_numbers_declared_as_lonlat_are_outside_indonesia(tmp_path):
    wrong = layer().to_crs(UTM_49S).set_crs(4326, allow_override=True)
    report = b.validate(b.read_boundaries(write(wrong, tmp_path / "desa.geojson")), set(CODES), "desa")
    assert len(report.errors) == 1
    assert "outside Indonesia" in report.errors[0]
    assert "projected metres" in report.errors[0]
    assert "EPSG:4326" in report.errors[0]


def test_projected_file_is_reprojected_with_a_warning(tmp_path):
    original = layer()
    path = write(original.to_crs(UTM_49S), tmp_path / "desa.gpkg")
    gdf, report = b.check(b.read_boundaries(path), set(CODES), "desa")
    assert report.ok
    assert report.warnings == ["reprojected from EPSG:32749 (WGS 84 / UTM zone 49S) to EPSG:4326 (WGS 84 lon/lat)"]
    assert gdf.crs.to_epsg() == 4326
    assert all(shapely.equals_exact(gdf.geometry.values, original.geometry.values, tolerance=1e-7))
    loaded = b.load_file(path, set(CODES), "desa", 30, tmp_path / "cache")
    assert loaded.gdf.total_bounds == pytest.approx(original.total_bounds, abs=1e-5)
    assert loaded.report.warnings == report.warnings


def test_kecamatan_file_is_not_accepted_as_desa():
    report = b.validate(layer(codes=["33.03.01", "33.03.02", "33.03.03"]), None, "desa")
    assert report.errors == ["3 code(s) are not desa codes of the form 33.03.01.2001: 33.03.01, 33.03.02, 33.03.03"]


# --- simplification and cache on synthetic data ------------------------------------------


def test_simplify_keeps_a_wiggly_shared_border(tmp_path):
    ys = np.linspace(LAT, LAT + STEP, 200)
    xs = LON + STEP + 0.00005 * np.sin(ys * 3000)  # ~5 m wiggle: far below 30 m
    border = list(zip(xs, ys))
    west = shapely.Polygon([(LON, LAT), *border, (LON, LAT + STEP)])
    east = shapely.Polygon([*border, (LON + 2 * STEP, LAT + STEP), (LON + 2 * STEP, LAT)])
    gdf = layer(codes=CODES[:2], geoms=[west, east])
    out = b.simplify_shared(gdf, 30)
    assert b.vertex_count(out) < b.vertex_count(gdf) / 10
    assert out.is_valid.all() and not out.is_empty.any()
    assert out.geometry.iloc[0].intersection(out.geometry.iloc[1]).area == 0
    assert out.union_all().area == pytest.approx(gdf.union_all().area, rel=1e-6)
    coords = shapely.get_coordinates(out.geometry.values)
    assert np.allclose(coords, np.round(coords, 5), rtol=0, atol=1e-12)


def test_cache_follows_the_file_content(tmp_path):
    path = write(layer(), tmp_path / "desa.geojson")
    first = b.load_file(path, set(CODES), "desa", 30, tmp_path / "cache")
    assert not first.from_cache and first.cache_path.is_file()
    assert b.load_file(path, set(CODES), "desa", 30, tmp_path / "cache").from_cache
    write(layer(geoms=squares(4)[1:]), path)  # same codes, other geometry
    changed = b.load_file(path, set(CODES), "desa", 30, tmp_path / "cache")
    assert not changed.from_cache and changed.cache_path != first.cache_path
    assert changed.gdf.total_bounds[0] == pytest.approx(LON + STEP)


def test_cache_hit_still_checks_codes_against_the_registry(tmp_path):
    path = write(layer(), tmp_path / "desa.geojson")
    b.load_file(path, set(CODES), "desa", 30, tmp_path / "cache")
    with pytest.raises(b.BoundaryError, match="unknown code.*33.03.01.2003"):
        b.load_file(path, set(CODES[:2]), "desa", 30, tmp_path / "cache")


def test_load_layer_returns_none_without_boundary_files(tmp_path):
    expected = set(CODES)
    assert b.load_layer("desa", expected, Settings(geo_dir=None, geo_cache_dir=tmp_path)) is None
    assert b.load_layer("desa", expected, Settings(geo_dir=tmp_path, geo_cache_dir=tmp_path)) is None


def test_load_layer_finds_a_gpkg_source(tmp_path):
    write(layer(), tmp_path / "purbalingga_desa.gpkg")
    loaded = b.load_layer("desa", set(CODES), Settings(geo_dir=tmp_path, geo_cache_dir=tmp_path / "cache"))
    assert loaded is not None and loaded.source.name == "purbalingga_desa.gpkg"
    assert loaded.gdf["kode"].tolist() == CODES
    assert loaded.cache_path.name.startswith("desa-") and loaded.cache_path.name.endswith(f"-{b.CACHE_VERSION}.parquet")


def test_cli_without_geo_dir_exits_zero(tmp_path, capsys):
    assert b.main(["build"], settings=Settings(geo_dir=None, geo_cache_dir=tmp_path)) == 0
    assert "PHDT_GEO_DIR is not set" in capsys.readouterr().out


def test_load_layer_uses_the_boundary_files_prefix(tmp_path):
    write(layer(), tmp_path / "jateng_desa.gpkg")
    write(layer(codes=["33.03.02.2001"]), tmp_path / "purbalingga_desa.gpkg")
    cfg = Settings(geo_dir=tmp_path, geo_cache_dir=tmp_path / "cache", boundary_files="jateng")
    loaded = b.load_layer("desa", set(CODES), cfg)
    assert loaded.source.name == "jateng_desa.gpkg" and loaded.gdf["kode"].tolist() == CODES
    default = b.load_layer("desa", None, Settings(geo_dir=tmp_path, geo_cache_dir=tmp_path / "cache"))
    assert default.source.name == "purbalingga_desa.gpkg"
    assert b.load_layer("kecamatan", None, cfg) is None  # no jateng_kecamatan here


def test_cli_build_with_a_prefix_checks_codes_against_the_dataset_wilayah(tmp_path, capsys):
    import polars as pl

    codes = ["33.01.01.2001", "33.01.01.2002"]  # Cilacap: unknown to the Purbalingga registry
    geo, data = tmp_path / "geo", tmp_path / "data"
    geo.mkdir()
    data.mkdir()
    write(layer(codes=codes), geo / "kab_desa.gpkg")
    cfg = Settings(geo_dir=geo, geo_cache_dir=tmp_path / "cache", data_dir=data, boundary_files="kab")
    assert b.main(["build"], settings=cfg) == 1  # no wilayah.parquet: the registry does not know them
    assert "unknown code(s), not in the registry: 33.01.01.2001" in capsys.readouterr().err
    pl.DataFrame({
        "kode_kecamatan": ["33.01.01"] * 2, "nama_kecamatan": ["Kedungreja"] * 2, "kode_desa": codes,
        "nama_desa": ["Tambakreja", "Bumireja"], "jenis": ["desa"] * 2, "puskesmas": ["Kedungreja"] * 2,
        "lat": [-7.55, -7.54], "lon": [108.77, 108.79],
    }).write_parquet(data / "wilayah.parquet")
    assert b.main(["build"], settings=cfg) == 0
    out = capsys.readouterr().out
    assert "kecamatan: no kab_kecamatan.geojson/kab_kecamatan.gpkg/kab_kecamatan.zip in" in out
    assert "desa: 2 features, " in out and "(built)" in out


# --- registry points ---------------------------------------------------------------------


def test_centroid_points_from_registry():
    wilayah = b.read_wilayah()
    desa, kecamatan = b.centroid_points(wilayah), b.kecamatan_points(wilayah)
    assert len(desa) == 239 and len(kecamatan) == 18
    assert set(desa["kode"]) == b.expected_codes(wilayah, "desa")
    assert set(kecamatan["kode"]) == b.expected_codes(wilayah, "kecamatan")
    for points in (desa, kecamatan):
        assert points.columns.tolist() == ["kode", "nama", "geometry"]
        assert points.crs.to_epsg() == 4326
        lon0, lat0, lon1, lat1 = points.total_bounds
        assert 109.1 < lon0 < lon1 < 109.6 and -7.6 < lat0 < lat1 < -7.1
    kemangkon = kecamatan.set_index("kode").loc["33.03.01"]
    first = wilayah.filter(wilayah["kode_kecamatan"] == "33.03.01")
    assert kemangkon["nama"] == "Kemangkon"
    assert kemangkon.geometry.x == pytest.approx(first["lon"].mean())


# --- real Purbalingga and Jawa Tengah files (via PHDT_GEO_DIR) ----------------------------


@pytest.fixture(scope="module")
def geo_dir() -> Path:
    return geo_dir_with("purbalingga_desa.geojson")


@pytest.fixture(scope="module")
def real(geo_dir, tmp_path_factory):
    settings = Settings(geo_dir=geo_dir, geo_cache_dir=tmp_path_factory.mktemp("geo-cache"))
    wilayah = b.read_wilayah()
    layers = {level: b.load_layer(level, b.expected_codes(wilayah, level), settings) for level in b.LEVELS}
    return settings, wilayah, layers


def test_real_layers_match_the_registry(real):
    _, wilayah, layers = real
    assert len(layers["kecamatan"].gdf) == 18
    assert len(layers["desa"].gdf) == 239
    for level, loaded in layers.items():
        assert set(loaded.gdf["kode"]) == b.expected_codes(wilayah, level)
        assert loaded.report.ok and loaded.report.warnings == []
        assert loaded.report.missing == [] and loaded.report.extra == []
        assert loaded.gdf.columns.tolist() == ["kode", "nama", "geometry"]
        assert loaded.gdf.crs.to_epsg() == 4326
        assert loaded.gdf.is_valid.all() and not loaded.gdf.is_empty.any()
        assert loaded.vertices_after < loaded.vertices_before
    names = dict(zip(wilayah["kode_desa"], wilayah["nama_desa"]))
    assert dict(zip(layers["desa"].gdf["kode"], layers["desa"].gdf["nama"])) == names


def overlap_m2(geoms: gpd.GeoSeries) -> float:
    values = np.asarray(geoms.array, dtype=object)
    left, right = shapely.STRtree(values).query(values, predicate="intersects")
    pairs = left < right
    return float(shapely.area(shapely.intersection(values[left[pairs]], values[right[pairs]])).sum())


def test_real_desa_simplification_keeps_area_and_opens_no_slivers(real, geo_dir):
    _, _, layers = real
    original = b.read_boundaries(geo_dir / "purbalingga_desa.geojson").to_crs(UTM_49S)
    simple = layers["desa"].gdf.to_crs(UTM_49S)
    before, after = original.union_all().area, simple.union_all().area
    assert abs(after - before) / before < 0.005
    assert overlap_m2(simple.geometry) < MAX_SLIVER_M2


def test_real_cache_is_reused(real, monkeypatch):
    settings, wilayah, layers = real
    desa = layers["desa"]
    mtime = desa.cache_path.stat().st_mtime_ns

    def no_reading(path):
        raise AssertionError(f"{path} was read again although a cache exists")

    monkeypatch.setattr(b, "read_boundaries", no_reading)
    again = b.load_layer("desa", b.expected_codes(wilayah, "desa"), settings)
    assert again.from_cache and again.cache_path == desa.cache_path
    assert again.cache_path.stat().st_mtime_ns == mtime
    assert (again.vertices_before, again.vertices_after) == (desa.vertices_before, desa.vertices_after)
    assert all(shapely.equals_exact(again.gdf.geometry.values, desa.gdf.geometry.values, tolerance=0))


def test_real_cli_build(real, capsys):
    settings, _, _ = real
    assert b.main(["build"], settings=settings) == 0
    out = capsys.readouterr().out
    assert "kecamatan: 18 features, 7,798 -> " in out
    assert "desa: 239 features, 24,573 -> " in out


def test_find_source_with_the_jateng_prefix(geo_dir):
    assert b.find_source("desa", geo_dir, "jateng") == geo_dir / "jateng_desa.geojson"
    assert b.find_source("kecamatan", geo_dir, "jateng") == geo_dir / "jateng_kecamatan.geojson"
    assert b.find_source("desa", geo_dir) == geo_dir / "purbalingga_desa.geojson"  # default prefix
    assert b.find_source("desa", geo_dir, "jatim") is None


@pytest.mark.parametrize(
    ("name", "level", "count", "unclean"),
    [("jateng_kecamatan", "kecamatan", 576, 0), ("jateng_desa", "desa", 8563, 19)],
)
def test_province_files_load_at_scale(geo_dir, tmp_path, name, level, count, unclean):
    path = geo_dir / f"{name}.geojson"
    codes = set(pyogrio.read_dataframe(path, columns=["kode"], read_geometry=False)["kode"])
    loaded = b.load_file(path, codes, level, b.TOLERANCE_M[level], tmp_path)
    assert len(loaded.gdf) == count == len(codes)
    assert loaded.gdf.is_valid.all() and not loaded.gdf.is_empty.any()
    assert overlap_m2(loaded.gdf.to_crs(UTM_49S).geometry) < MAX_SLIVER_M2
    # the province desa file keeps a few tiny overlaps from its own processing (PROVENANCE.md)
    flagged = [w for w in loaded.report.warnings if "overlap a neighbour" in w]
    assert len(flagged) == (1 if unclean else 0)
    assert all(w.startswith(f"{unclean} polygon(s)") for w in flagged)


def test_a_layer_wider_than_a_kabupaten_is_simplified_more():
    # 1 degree wide at the equator = 111,320 m; / 2,500 px = 44.5 m, more than the 30 m desa default.
    wide = gpd.GeoDataFrame(geometry=[shapely.box(110.0, -0.5, 111.0, 0.5)], crs=4326)
    assert b.effective_tolerance(30.0, wide) == pytest.approx(111_320 / 2_500)
    narrow = gpd.GeoDataFrame(geometry=[shapely.box(109.2, -7.5, 109.6, -7.1)], crs=4326)
    assert b.effective_tolerance(30.0, narrow) == 30.0  # Purbalingga-sized: the level default
