"""Facility coverage (geo/coverage.py): distances, access standard, desa points, catchments.

Hand-made fixtures near Purbalingga (109.3 E, 7.4 S), expected distances from pyproj.Geod (the
ellipsoid, independent of the UTM projection the module uses). The real-data tests read the
boundary files through PHDT_GEO_DIR (CI: PHDT_GEO_DIR=../shared/geo) and fail, never skip, when it
is unset.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import polars as pl
import pytest
import shapely
from pyproj import Geod

from geo import boundaries as b
from geo import coverage as c
from phdt.config import Settings
from phdt.dataset import load

GEOD = Geod(ellps="WGS84")
LON, LAT = 109.30, -7.40
PROJECTED = c.UTM_49S


def geod_km(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000.0


def points(rows: dict[str, tuple[float, float]]) -> gpd.GeoDataFrame:
    codes = list(rows)
    xy = np.array([rows[k] for k in codes])
    return gpd.GeoDataFrame({"kode": codes}, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326)


def facilities(rows: list[tuple[str, str, float, float]]) -> pl.DataFrame:
    """(kode_fasilitas, tipe, lon, lat) -> a FASILITAS-like frame."""
    return pl.DataFrame({
        "kode_fasilitas": [r[0] for r in rows], "nama": [f"Nama {r[0]}" for r in rows],
        "tipe": pl.Series([r[1] for r in rows], dtype=pl.Enum(list(c.FACILITY_TYPES))),
        "lon": [r[2] for r in rows], "lat": [r[3] for r in rows],
    })


def tidy(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """(kode_desa, tipe, jarak_km) -> a nearest_facilities-like frame, for the threshold rules."""
    return pl.DataFrame({
        "kode_desa": [r[0] for r in rows], "tipe": [r[1] for r in rows],
        "kode_fasilitas": [f"F-{i}" for i in range(len(rows))], "nama_fasilitas": [f"F {i}" for i in range(len(rows))],
        "jarak_km": [r[2] for r in rows],
    })


def row(frame: pl.DataFrame, **key) -> dict:
    (name, value), = key.items()
    found = frame.filter(pl.col(name) == value)
    assert found.height == 1, f"expected one row for {key}, got {found.height}"
    return found.row(0, named=True)


# --- distances ---------------------------------------------------------------------------


FACILITIES = facilities([
    ("PKM-A", "puskesmas", LON, LAT),
    ("PKM-B", "puskesmas", LON + 0.10, LAT),
    ("PST-1", "pustu", LON + 0.10, LAT + 0.05),
    ("PSY-1", "posyandu", LON + 0.01, LAT + 0.045),
])
DESA = points({"D1": (LON, LAT + 0.045), "D2": (LON + 0.09, LAT)})


def test_distance_matches_the_ellipsoid_and_the_nearest_is_chosen():
    near = c.nearest_facilities(DESA, FACILITIES)
    assert near.schema["jarak_km"] == pl.Float64
    assert near.columns == ["kode_desa", "tipe", "kode_fasilitas", "nama_fasilitas", "jarak_km"]
    d1 = near.filter(kode_desa="D1", tipe="puskesmas").row(0, named=True)
    expected = geod_km(LON, LAT + 0.045, LON, LAT)
    assert expected == pytest.approx(4.98, abs=0.01)
    # UTM 49S scale error near its central meridian 111 E is < 0.1 % here; allow 0.5 %.
    assert d1["jarak_km"] == pytest.approx(expected, rel=0.005)
    assert (d1["kode_fasilitas"], d1["nama_fasilitas"]) == ("PKM-A", "Nama PKM-A")
    d2 = near.filter(kode_desa="D2", tipe="puskesmas").row(0, named=True)
    assert d2["kode_fasilitas"] == "PKM-B"
    assert d2["jarak_km"] == pytest.approx(geod_km(LON + 0.09, LAT, LON + 0.10, LAT), rel=0.005)


def test_each_facility_type_is_handled_separately():
    near = c.nearest_facilities(DESA, FACILITIES)
    assert near.height == 2 * 3  # 2 desa x 3 types present; posbindu absent gives no rows
    assert set(near["tipe"].cast(pl.String)) == {"puskesmas", "pustu", "posyandu"}
    for desa, (lon, lat) in {"D1": (LON, LAT + 0.045), "D2": (LON + 0.09, LAT)}.items():
        pustu = near.filter(kode_desa=desa, tipe="pustu").row(0, named=True)
        assert pustu["kode_fasilitas"] == "PST-1"
        assert pustu["jarak_km"] == pytest.approx(geod_km(lon, lat, LON + 0.10, LAT + 0.05), rel=0.005)
        posyandu = near.filter(kode_desa=desa, tipe="posyandu").row(0, named=True)
        assert posyandu["kode_fasilitas"] == "PSY-1"
        assert posyandu["jarak_km"] == pytest.approx(geod_km(lon, lat, LON + 0.01, LAT + 0.045), rel=0.005)


def test_no_facilities_gives_an_empty_tidy_frame():
    near = c.nearest_facilities(DESA, FACILITIES.clear())
    assert near.is_empty() and near.columns == ["kode_desa", "tipe", "kode_fasilitas", "nama_fasilitas", "jarak_km"]


# --- access standard ---------------------------------------------------------------------


PEOPLE = pl.DataFrame({"kode_desa": ["A", "B", "C", "D"], "penduduk": [100, 300, 200, 50]})


def test_puskesmas_or_pustu_counts_the_nearer_one():
    near = tidy([("A", "puskesmas", 6.0), ("A", "pustu", 4.0), ("A", "posyandu", 1.0)])
    got = row(c.access(near, PEOPLE), kode_desa="A")
    assert got["jarak_puskesmas_pustu_km"] == 4.0
    assert got["puskesmas_pustu_terdekat"] == "F 1"
    assert got["jauh_puskesmas_pustu"] is False
    assert got["jarak_posyandu_km"] == 1.0 and got["jauh_posyandu"] is False
    assert got["penduduk"] == 100


def test_thresholds_are_strict_and_configurable():
    near = tidy([
        ("A", "puskesmas", 4.9), ("A", "posyandu", 1.9),
        ("B", "puskesmas", 5.1), ("B", "pustu", 7.0), ("B", "posyandu", 2.1),
        ("C", "puskesmas", 5.0), ("C", "posyandu", 2.0),  # exactly at the threshold: not beyond
    ])
    default = c.access(near, PEOPLE)
    assert row(default, kode_desa="A")["jauh_puskesmas_pustu"] is False
    assert row(default, kode_desa="B")["jauh_puskesmas_pustu"] is True
    assert row(default, kode_desa="C")["jauh_puskesmas_pustu"] is False
    assert row(default, kode_desa="B")["jauh_posyandu"] is True
    assert row(default, kode_desa="C")["jauh_posyandu"] is False
    relaxed = c.access(near, PEOPLE, max_km={"puskesmas": 6.0, "pustu": 6.0})
    assert row(relaxed, kode_desa="B")["jauh_puskesmas_pustu"] is False
    assert row(relaxed, kode_desa="B")["jauh_posyandu"] is True  # posyandu keeps its default 2 km
    strict = c.access(near, PEOPLE, max_km={"puskesmas": 4.0, "pustu": 4.0, "posyandu": 1.5})
    assert strict["jauh_puskesmas_pustu"].all() and strict["jauh_posyandu"].all()


def test_beyond_lists_only_far_desa_most_people_first():
    near = tidy([
        ("A", "puskesmas", 5.5), ("A", "posyandu", 0.5),
        ("B", "puskesmas", 1.0), ("B", "posyandu", 2.5),
        ("C", "puskesmas", 8.0), ("C", "posyandu", 3.0),
        ("D", "puskesmas", 1.0), ("D", "posyandu", 0.5),
    ])
    far = c.beyond(c.access(near, PEOPLE))
    assert far["kode_desa"].to_list() == ["B", "C", "A"]
    assert far["penduduk"].to_list() == [300, 200, 100]


def test_penduduk_from_sasaran_takes_the_latest_year():
    sasaran = pl.DataFrame({
        "tahun": [2024, 2025, 2025], "kode_desa": ["A", "A", "A"],
        "kelompok": ["penduduk", "penduduk", "bayi"], "jumlah": [10, 12, 1],
    })
    assert c.penduduk_from_sasaran(sasaran).rows() == [("A", 12)]
    assert c.penduduk_from_sasaran(sasaran, 2024).rows() == [("A", 10)]


# --- desa points -------------------------------------------------------------------------


def l_shape() -> shapely.Polygon:
    """Concave desa: its bounding-box centre (LON+0.015, LAT+0.015) lies outside it."""
    return shapely.Polygon([(LON, LAT), (LON + 0.03, LAT), (LON + 0.03, LAT + 0.01), (LON + 0.01, LAT + 0.01),
                            (LON + 0.01, LAT + 0.03), (LON, LAT + 0.03)])


def registry(rows: dict[str, tuple[float, float]]) -> pl.DataFrame:
    return pl.DataFrame({"kode_desa": list(rows), "lon": [v[0] for v in rows.values()],
                         "lat": [v[1] for v in rows.values()]})


def test_registry_point_outside_its_polygon_is_replaced_inside_one_kept():
    desa = gpd.GeoDataFrame({"kode": ["IN", "OUT", "NOREG"]},
                            geometry=[shapely.box(LON + 0.1, LAT, LON + 0.11, LAT + 0.01), l_shape(),
                                      shapely.box(LON + 0.2, LAT, LON + 0.21, LAT + 0.01)], crs=4326)
    wilayah = registry({"IN": (LON + 0.104, LAT + 0.006), "OUT": (LON + 0.015, LAT + 0.015),
                        "NOPOLY": (LON + 0.5, LAT)})
    got = c.desa_points(desa, wilayah).set_index("kode").geometry
    assert list(got.index) == ["IN", "NOPOLY", "NOREG", "OUT"]
    assert got.crs.to_epsg() == 4326
    assert got["IN"].equals(shapely.Point(LON + 0.104, LAT + 0.006))
    assert not got["OUT"].equals(shapely.Point(LON + 0.015, LAT + 0.015))
    assert l_shape().contains(got["OUT"])
    assert desa.geometry[2].contains(got["NOREG"])
    assert got["NOPOLY"].equals(shapely.Point(LON + 0.5, LAT))


def test_without_polygons_the_registry_points_are_used():
    wilayah = registry({"B": (LON + 0.1, LAT), "A": (LON, LAT)})
    got = c.desa_points(None, wilayah)
    assert got["kode"].to_list() == ["A", "B"]
    assert got.geometry.iloc[0].equals(shapely.Point(LON, LAT))


# --- catchments --------------------------------------------------------------------------


X0, Y0 = 400_000.0, 9_180_000.0  # UTM 49S metres near Purbalingga; squares of 1 km


def km_squares(n: int = 3, overlap: float = 0.0) -> list[shapely.Polygon]:
    return [shapely.box(X0 + i * 1000 - (overlap if i else 0), Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(n)]


def test_catchments_union_adjacent_desa_without_gaps():
    desa = gpd.GeoDataFrame({"kode": ["d1", "d2", "d3"]}, geometry=km_squares(), crs=PROJECTED)
    wilayah = pl.DataFrame({"kode_desa": ["d1", "d2", "d3"], "puskesmas": ["P", "P", "Q"]})
    got = c.catchments(desa, wilayah)
    assert got["puskesmas"].to_list() == ["P", "Q"]
    assert got.crs == desa.crs and got.is_valid.all()
    assert (got.area / 1e6).round(9).to_list() == [2.0, 1.0]
    assert got.geometry.iloc[0].geom_type == "Polygon" and not got.geometry.iloc[0].interiors
    assert got.geometry.iloc[0].equals(shapely.box(X0, Y0, X0 + 2000, Y0 + 1000))
    assert shapely.union_all(got.geometry.array).equals(shapely.box(X0, Y0, X0 + 3000, Y0 + 1000))


def test_catchments_of_an_unclean_layer_fall_back_to_overlay_union():
    desa = gpd.GeoDataFrame({"kode": ["d1", "d2", "d3"]}, geometry=km_squares(overlap=10.0), crs=PROJECTED)
    wilayah = pl.DataFrame({"kode_desa": ["d1", "d2"], "puskesmas": ["P", "P"]})  # d3 has no puskesmas
    got = c.catchments(desa, wilayah)
    assert got["puskesmas"].to_list() == ["P"] and got.is_valid.all()
    assert got.area.iloc[0] == pytest.approx(2e6)


# --- real Purbalingga data ---------------------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    geo_dir = os.environ.get("PHDT_GEO_DIR")
    if not geo_dir:
        pytest.fail("PHDT_GEO_DIR is not set: point it at the shared boundary files (e.g. PHDT_GEO_DIR=../shared/geo)")
    data = load()
    cfg = Settings(geo_dir=Path(geo_dir), geo_cache_dir=tmp_path_factory.mktemp("geo-cache"))
    layer = b.load_layer("desa", b.expected_codes(data.wilayah, "desa"), cfg)
    if layer is None:
        pytest.fail(f"PHDT_GEO_DIR={geo_dir} has no purbalingga_desa.geojson/.gpkg/.zip")
    return data, layer.gdf


def test_real_catchments(real):
    data, desa = real
    got = c.catchments(desa, data.wilayah)
    assert len(got) == 22 == data.wilayah["puskesmas"].n_unique()
    assert got.is_valid.all()
    total = desa.to_crs(PROJECTED).area.sum()
    assert got.to_crs(PROJECTED).area.sum() == pytest.approx(total, rel=1e-4)


def test_real_distances_match_a_brute_force_geodesic_check(real):
    data, desa = real
    pts = c.desa_points(desa, data.wilayah)
    assert len(pts) == 239
    near = c.nearest_facilities(pts, data.fasilitas)
    for tipe in ("puskesmas", "posyandu"):
        assert near.filter(tipe=tipe)["kode_desa"].n_unique() == 239, tipe
    assert near["jarak_km"].min() >= 0 and near["jarak_km"].max() <= 30
    result = c.access(near, c.penduduk_from_sasaran(data.sasaran))
    assert result.height == 239 and result["penduduk"].null_count() == 0

    # Independent check: geodesic distance from every desa point to each of the puskesmas + pustu.
    fac = data.fasilitas.filter(pl.col("tipe").cast(pl.String).is_in(["puskesmas", "pustu"]))
    lon, lat = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    brute = np.full(len(pts), np.inf)
    for flon, flat in zip(fac["lon"], fac["lat"]):
        brute = np.minimum(brute, geod_km(lon, lat, np.full_like(lon, flon), np.full_like(lat, flat)))
    by_code = dict(zip(pts["kode"], brute))
    utm = result["jarak_puskesmas_pustu_km"].to_numpy()
    expected = np.array([by_code[k] for k in result["kode_desa"]])
    np.testing.assert_allclose(utm, expected, rtol=0.001, atol=1e-6)
    far = int((expected > 5.0).sum())
    assert result["jauh_puskesmas_pustu"].sum() == far
    print(f"Purbalingga: {far} desa beyond 5 km of a puskesmas/pustu; "
          f"{int(result['jauh_posyandu'].sum())} beyond 2 km of a posyandu")


def test_synthetic_province_facilities(real):
    data, desa = real
    wilayah, fasilitas, penduduk = c.synthetic_province(desa)
    again = c.synthetic_province(desa)
    assert fasilitas.equals(again[1]) and penduduk.equals(again[2])  # deterministic (seed 0)
    counts = dict(fasilitas.group_by(pl.col("tipe").cast(pl.String)).len().rows())
    assert counts == {"puskesmas": 18, "posyandu": 4 * 239}  # one per kecamatan, 4 per desa
    assert c.analyse(desa, wilayah, fasilitas, penduduk).height == 239
    # From the registry stand-in (centroids) itself, the posyandu are within the ±300 m jitter box.
    # (With polygons, a centroid outside a concave desa moves to its representative point, farther.)
    from_points = c.analyse(None, wilayah, fasilitas, penduduk)
    assert from_points["jarak_posyandu_km"].max() <= 0.3 * 2**0.5 + 0.001
