"""The dataset folder is written atomically and deterministically, manifest last."""

from __future__ import annotations

import json

import polars as pl
import pytest

from phdt import dataset, demo, schema
from phdt.config import settings
from phdt.wilayah import load_wilayah

SCHEMAS = {"fasilitas": schema.FASILITAS, "sasaran": schema.SASARAN, "laporan": schema.LAPORAN,
           "indikator_bulanan": schema.INDIKATOR_BULANAN, **schema.LINE_LISTS}


def test_build_demo_is_atomic_deterministic_and_complete(tmp_path, monkeypatch):
    subset = load_wilayah().filter(pl.col("kode_kecamatan").cast(pl.String) == "33.03.17")
    real = demo.generate
    monkeypatch.setattr(demo, "generate", lambda wilayah, puskesmas, cfg: real(subset, puskesmas, cfg))
    monkeypatch.setattr(dataset, "load_wilayah", lambda: subset)
    first = dataset.build_demo(tmp_path / "a")
    second = dataset.build_demo(tmp_path / "b")
    for name in first:
        assert first[name].read_bytes() == second[name].read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        [f"{name}.parquet" for name in SCHEMAS] + ["manifest.json"])  # no temporary files left
    manifest = json.loads(first["manifest"].read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["seed"] == settings().demo_seed
    assert len(manifest["version"]) == 12
    for name, expected in SCHEMAS.items():
        table = pl.read_parquet(first[name])
        assert table.schema == expected, name
        assert table.height == manifest["rows"][name]
    assert first["manifest"].stat().st_mtime_ns >= max(first[n].stat().st_mtime_ns for n in SCHEMAS)


def test_a_folder_without_manifest_or_with_an_outdated_demo_is_rebuilt(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(dataset, "build_demo", lambda out, cfg=None: calls.append(out))
    (tmp_path / "indikator_bulanan.parquet").write_bytes(b"half written")
    assert dataset.ensure(tmp_path) == tmp_path
    assert calls == [tmp_path]
    (tmp_path / "manifest.json").write_text("{}")
    dataset.ensure(tmp_path)
    assert calls == [tmp_path]  # complete now: not rebuilt
    (tmp_path / "manifest.json").write_text('{"generated_by": "phdt.demo", "format": 0}')
    dataset.ensure(tmp_path)
    assert calls == [tmp_path, tmp_path]  # an outdated demo is rebuilt
    (tmp_path / "manifest.json").write_text(f'{{"generated_by": "phdt.demo", "format": {dataset.FORMAT}}}')
    dataset.ensure(tmp_path)
    assert len(calls) == 2


def test_failed_write_leaves_the_previous_file(tmp_path):
    target = tmp_path / "x.parquet"
    target.write_bytes(b"good")

    def explode(path):
        path.write_bytes(b"partial")
        raise OSError("disk full")

    try:
        dataset.write_atomic(target, explode)
    except OSError:
        pass
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]


def _own_dataset(folder, wilayah: pl.DataFrame | None) -> None:
    """A tiny non-demo dataset folder: empty shown tables, a manifest, and optionally a wilayah."""
    folder.mkdir(exist_ok=True)
    shown = {"fasilitas": schema.FASILITAS, "sasaran": schema.SASARAN, "laporan": schema.LAPORAN,
             "indikator_bulanan": schema.INDIKATOR_BULANAN}
    for name, table_schema in shown.items():
        pl.DataFrame(schema=table_schema).write_parquet(folder / f"{name}.parquet")
    if wilayah is not None:
        wilayah.write_parquet(folder / "wilayah.parquet")
    manifest = {"generated_by": "dinkes.cilacap", "format": 0, "version": "abc123", "synthetic": False}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


TINY_WILAYAH = pl.DataFrame({  # two Cilacap desa, out of code order
    "kode_kecamatan": ["33.01.01", "33.01.01"], "nama_kecamatan": ["Kedungreja", "Kedungreja"],
    "kode_desa": ["33.01.01.2002", "33.01.01.2001"], "nama_desa": ["Bumireja", "Tambakreja"],
    "jenis": ["desa", "desa"], "puskesmas": ["Kedungreja", "Kedungreja"],
    "lat": [-7.543, -7.548], "lon": [108.792, 108.773], "extra": [1, 2],
})


def test_load_prefers_the_folders_own_wilayah(tmp_path, monkeypatch):
    monkeypatch.setattr(dataset, "build_demo", lambda *a, **k: pytest.fail("a non-demo dataset was rebuilt"))
    _own_dataset(tmp_path / "own", TINY_WILAYAH)
    data = dataset.load(tmp_path / "own")
    assert data.wilayah.schema == schema.WILAYAH
    assert data.wilayah["kode_desa"].cast(pl.String).to_list() == ["33.01.01.2001", "33.01.01.2002"]
    assert data.wilayah["nama_desa"].to_list() == ["Tambakreja", "Bumireja"]
    assert data.version == "abc123" and not data.synthetic
    _own_dataset(tmp_path / "registry", None)  # no wilayah.parquet: the Purbalingga registry, as before
    assert dataset.load(tmp_path / "registry").wilayah.height == 239


def test_a_wilayah_that_does_not_fit_the_schema_is_refused(tmp_path):
    _own_dataset(tmp_path, TINY_WILAYAH.drop("puskesmas"))
    with pytest.raises(ValueError, match="wilayah.parquet does not match the wilayah schema.*puskesmas"):
        dataset.load(tmp_path)


def test_an_own_wilayah_without_manifest_is_not_overwritten_by_the_demo(tmp_path, monkeypatch):
    monkeypatch.setattr(dataset, "build_demo", lambda *a, **k: pytest.fail("the demo overwrote a non-demo folder"))
    _own_dataset(tmp_path, TINY_WILAYAH)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match="wilayah.parquet but no manifest.json"):
        dataset.ensure(tmp_path)
    assert (tmp_path / "wilayah.parquet").exists()
