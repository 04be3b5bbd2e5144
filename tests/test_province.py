"""The synthetic Jawa Tengah benchmark dataset (phdt/province.py), built once from the real files.

The boundary files are read through PHDT_GEO_DIR (CI: PHDT_GEO_DIR=../shared/geo); they are
third-party data and never copied into the repo. The full build takes about 5 s, so it is tested
whole, once per module.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import polars as pl
import pytest

from phdt import dataset, province, schema
from tests.fixtures import geo_dir_with

DESA, KECAMATAN = 8563, 576


@pytest.fixture(scope="module")
def geo_dir() -> Path:
    return geo_dir_with("jateng_desa.geojson")


@pytest.fixture(scope="module")
def built(geo_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("province")
    started = time.perf_counter()
    manifest = province.build(out, geo_dir)
    seconds = time.perf_counter() - started
    return out, manifest, seconds, dataset.load(out), dataset.load()


def text(df: pl.DataFrame) -> pl.DataFrame:
    """Categorical codes as plain strings, to compare frames whose category ids differ."""
    return df.with_columns(pl.col(c).cast(pl.String) for c, t in df.schema.items() if t == pl.Categorical())


def test_build_is_fast_and_writes_the_shown_tables_manifest_last(built):
    out, manifest, seconds, _, _ = built
    assert seconds < 30
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"{n}.parquet" for n in dataset.SHOWN] + ["wilayah.parquet", "manifest.json"])
    assert (out / "manifest.json").stat().st_mtime_ns >= max(
        (out / n).stat().st_mtime_ns for n in names if n != "manifest.json")
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk["generated_by"] == "phdt.province" and on_disk["synthetic"] is True
    assert on_disk["format"] == dataset.FORMAT and len(on_disk["version"]) == 12
    assert "synthetic province clone for benchmarks" in on_disk["source"].lower()
    assert on_disk["rows"]["wilayah"] == DESA and on_disk["kecamatan"] == KECAMATAN
    assert on_disk["seed"] == manifest["seed"] and on_disk["years"] == [2023, 2024, 2025]  # kept from the demo


def test_wilayah_is_jawa_tengah(built):
    _, _, _, prov, _ = built
    w = text(prov.wilayah)
    assert w.schema == pl.Schema({**schema.WILAYAH, "kode_kecamatan": pl.String, "kode_desa": pl.String,
                                  "puskesmas": pl.String})
    assert prov.wilayah.schema == schema.WILAYAH
    assert w.height == w["kode_desa"].n_unique() == DESA
    assert w["kode_kecamatan"].n_unique() == w["puskesmas"].n_unique() == KECAMATAN
    assert w["kode_desa"].to_list() == sorted(w["kode_desa"].to_list())
    assert dict(w["jenis"].value_counts().iter_rows()) == {"desa": 7810, "kelurahan": 753}
    serayu = w.row(by_predicate=pl.col("kode_desa") == "33.03.08.2013", named=True)
    assert (serayu["nama_desa"], serayu["kode_kecamatan"], serayu["nama_kecamatan"], serayu["jenis"],
            serayu["puskesmas"]) == ("Serayu Larangan", "33.03.08", "Mrebet", "desa", "Mrebet")
    assert (-7.32 < serayu["lat"] < -7.26) and (109.30 < serayu["lon"] < 109.37)
    kudu = w.row(by_predicate=pl.col("kode_desa") == "33.74.05.1002", named=True)
    assert (kudu["nama_desa"], kudu["nama_kecamatan"], kudu["jenis"]) == ("Kudu", "Genuk", "kelurahan")
    # Kecamatan Rembang exists in Kabupaten Purbalingga and in Kabupaten Rembang
    rembang = w.filter(pl.col("nama_kecamatan") == "Rembang").group_by("kode_kecamatan").agg(pl.col("puskesmas").first())
    assert dict(rembang.iter_rows()) == {"33.03.13": "Rembang (33.03)", "33.17.10": "Rembang (33.17)"}
    assert w.row(by_predicate=pl.col("kode_desa") == "33.01.01.2001", named=True)["puskesmas"] == "Kedungreja"
    assert w["lat"].is_between(-8.3, -5.7).all() and w["lon"].is_between(108.5, 111.8).all()


def test_every_desa_has_its_templates_rows(built):
    _, manifest, _, prov, demo = built
    per_desa = demo.monthly.height // demo.wilayah.height
    assert per_desa * demo.wilayah.height == demo.monthly.height  # the demo is a full grid
    assert prov.monthly.height == DESA * per_desa == manifest["rows"]["indikator_bulanan"]
    assert prov.monthly.schema == schema.INDIKATOR_BULANAN
    monthly = text(prov.monthly)
    assert set(monthly["kode_desa"].unique()) == set(text(prov.wilayah)["kode_desa"])
    assert prov.sasaran.height == DESA * (demo.sasaran.height // demo.wilayah.height)
    pairs = monthly.select("kode_desa", "puskesmas").unique()
    assert set(pairs.iter_rows()) == set(text(prov.wilayah).select("kode_desa", "puskesmas").iter_rows())


@pytest.mark.parametrize("code", ["33.03.08.2013", "33.01.01.2001", "33.74.05.1002"])
def test_a_province_desa_has_exactly_its_templates_numbers(built, code):
    _, _, _, prov, demo = built
    codes = text(prov.wilayah)["kode_desa"].to_list()
    template = sorted(text(demo.wilayah)["kode_desa"].to_list())[codes.index(code) % demo.wilayah.height]
    for table, own in ((prov.monthly, demo.monthly), (prov.sasaran, demo.sasaran), (prov.laporan, demo.laporan)):
        mine = text(table).filter(pl.col("kode_desa") == code).drop("kode_desa", "puskesmas", strict=False)
        theirs = text(own).filter(pl.col("kode_desa") == template).drop("kode_desa", "puskesmas", strict=False)
        assert mine.height > 0
        assert mine.equals(theirs)


def test_fasilitas_one_puskesmas_per_kecamatan_and_moved_posts(built):
    _, _, _, prov, demo = built
    f, w = text(prov.fasilitas), text(prov.wilayah)
    assert prov.fasilitas.schema == schema.FASILITAS
    assert f["kode_fasilitas"].n_unique() == f.height
    pkm = f.filter(pl.col("tipe") == "puskesmas")
    assert pkm.height == KECAMATAN and set(pkm["puskesmas"]) == set(w["puskesmas"])
    assert (pkm["nama"] == "Puskesmas " + pkm["puskesmas"]).all()
    host = pkm.join(w.select("kode_desa", "puskesmas"), on="kode_desa", how="left", suffix="_desa")
    assert (host["puskesmas"] == host["puskesmas_desa"]).all()  # each sits in a desa of its own kecamatan
    posts = f.filter(pl.col("tipe") != "puskesmas")
    assert set(posts["kode_desa"]) <= set(w["kode_desa"])
    per_desa = demo.fasilitas.filter(pl.col("tipe") != "puskesmas").height / demo.wilayah.height
    assert posts.height == pytest.approx(DESA * per_desa, rel=0.05)
    # the template desa's posts, moved by the offset from the template's point to the province point
    code = "33.03.08.2013"
    template = sorted(text(demo.wilayah)["kode_desa"].to_list())[w["kode_desa"].to_list().index(code) % 239]
    t_point = text(demo.wilayah).row(by_predicate=pl.col("kode_desa") == template, named=True)
    p_point = w.row(by_predicate=pl.col("kode_desa") == code, named=True)
    mine = posts.filter(pl.col("kode_desa") == code)
    theirs = text(demo.fasilitas).filter((pl.col("kode_desa") == template) & (pl.col("tipe") != "puskesmas"))
    assert mine.height == theirs.height > 0
    assert mine["tipe"].to_list() == theirs["tipe"].to_list()
    assert (mine["lat"] - p_point["lat"]).to_list() == pytest.approx((theirs["lat"] - t_point["lat"]).to_list())
    assert (mine["lon"] - p_point["lon"]).to_list() == pytest.approx((theirs["lon"] - t_point["lon"]).to_list())
    assert all(name.endswith("Serayu Larangan") for name in mine["nama"])
    assert mine["puskesmas"].unique().to_list() == ["Mrebet"]


def test_load_returns_the_province_and_never_rebuilds_it(built, monkeypatch):
    out, manifest, _, prov, _ = built
    assert prov.synthetic and prov.version == manifest["version"]
    assert prov.manifest["generated_by"] == "phdt.province"
    monkeypatch.setattr(dataset, "build_demo", lambda *a, **k: pytest.fail("a province dataset was rebuilt"))
    assert dataset.ensure(out) == out
    assert dataset.load(out).wilayah.height == DESA


def test_injected_problems_point_at_the_clones(built):
    _, manifest, _, prov, demo = built
    w = text(prov.wilayah)["kode_desa"].to_list()
    template_codes = sorted(text(demo.wilayah)["kode_desa"].to_list())
    for problem in manifest["injected_problems"]:
        clones = [c for i, c in enumerate(w) if template_codes[i % len(template_codes)] == problem["template_kode_desa"]]
        assert problem["kode_desa"] == clones and len(clones) >= 35


def test_refuses_to_overwrite_its_source_and_missing_files(tmp_path, geo_dir):
    source = dataset.ensure()
    with pytest.raises(province.ProvinceError, match="demo data folder"):
        province.build(source, geo_dir, source)
    with pytest.raises(province.ProvinceError, match="no jateng_desa.geojson/jateng_desa.gpkg"):
        province.build(tmp_path / "out", tmp_path)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_cli_prints_a_summary(built, geo_dir, tmp_path, capsys):
    assert province.main(["--out", str(tmp_path / "p"), "--geo-dir", str(geo_dir)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"province dataset in {tmp_path / 'p'}: 8,563 desa, 576 kecamatan, ")
    assert f"indikator_bulanan {built[1]['rows']['indikator_bulanan']:,}" in line
    assert line.endswith(" s") and "\n" not in line
    # deterministic: the same version as the fixture's build
    assert json.loads((tmp_path / "p" / "manifest.json").read_text())["version"] == built[1]["version"]
