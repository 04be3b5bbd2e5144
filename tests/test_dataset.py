"""The dataset folder is written atomically and deterministically, manifest last."""

from __future__ import annotations

import json

import polars as pl

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
