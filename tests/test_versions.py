"""Dataset versions: imports make new versions, CURRENT switches atomically, nothing is lost, kills are harmless."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from phdt import dataset, schema, versions
from phdt.aggregate import monthly_indicators
from phdt.schema import conform
from tests import fixtures as fx

ROOT = Path(__file__).resolve().parent.parent
UPLOAD = b"PK\x03\x04 pretend xlsx \x00\xff\xfe bytes\r\n" * 1000


def tiny_dataset(folder: Path) -> dict:
    """A complete demo-style dataset folder from the hand-built fixture tables (with its own wilayah)."""
    folder.mkdir(parents=True)
    tables = fx.hand_tables()
    tables["indikator_bulanan"] = monthly_indicators(tables, fx.wilayah())
    tables["fasilitas"] = pl.DataFrame(schema=schema.FASILITAS)
    for name, frame in tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    fx.wilayah().write_parquet(folder / dataset.WILAYAH_FILE)
    manifest = {"synthetic": True, "generated_by": "phdt.demo", "format": dataset.FORMAT,
                "version": hashlib.sha256((folder / "indikator_bulanan.parquet").read_bytes()).hexdigest()[:12],
                "rows": {name: frame.height for name, frame in tables.items()}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


def with_month(monthly: pl.DataFrame, period: date, bump: int = 1) -> pl.DataFrame:
    """The monthly table plus one imported month: December's rows moved to `period`, numerators + bump."""
    last = monthly.filter(pl.col("period") == monthly["period"].max())
    new = last.with_columns(pl.lit(period).alias("period"), pl.col("numerator_month") + bump)
    return conform(pl.concat([monthly.filter(pl.col("period") != period), new]), schema.INDIKATOR_BULANAN)


@pytest.fixture
def repo(tmp_path):
    """A versions root bootstrapped from a tiny dataset: (root, first id, source folder, source manifest)."""
    source = tmp_path / "data"
    manifest = tiny_dataset(source)
    root = tmp_path / "versions"
    first = versions.bootstrap(root, source, who="system")
    return root, first, source, manifest


def import_month(root: Path, period: date, who: str = "budi", base: Path | None = None, expect_current=None,
                 **extra) -> str:
    base = base or versions.current(root)
    monthly = with_month(dataset.load(base).monthly, period)
    info = {"who": who, "file_name": f"PWS KIA {period:%Y-%m}.xlsx", "family": "agregat",
            "periods": [str(period)], "replaced_periods": [], "message": "laporan bulanan"} | extra
    kwargs = {} if expect_current is None else {"expect_current": expect_current}
    return versions.new_version_from(base, {"indikator_bulanan": monthly}, root, info, original=UPLOAD, **kwargs)


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith((".staging-", ".CURRENT")))


def test_bootstrap_registers_the_dataset_and_the_app_reads_through_current(tmp_path):
    root = tmp_path / "versions"
    assert versions.current(root) is None and versions.history(root) == [] and versions.log(root) == []
    source = tmp_path / "data"
    manifest = tiny_dataset(source)
    first = versions.bootstrap(root, source)
    assert versions.ID_PATTERN.fullmatch(first)
    assert (root / "CURRENT").read_text() == f"{first}\n"
    assert versions.current(root) == root / first
    data = dataset.load(versions.current(root))
    assert data.version == manifest["version"] and data.synthetic
    assert data.monthly.equals(pl.read_parquet(source / "indikator_bulanan.parquet"))
    assert data.wilayah["kode_desa"].cast(pl.String).to_list() == [fx.DESA_A, fx.DESA_B]
    for src in source.iterdir():  # copied, not linked: the source folder may be rebuilt in place
        copy = root / first / src.name
        assert copy.read_bytes() == src.read_bytes() and copy.stat().st_ino != src.stat().st_ino
    record = versions.info(root, first)
    assert record["action"] == "bootstrap" and record["who"] == "system" and record["parent"] is None
    assert record["seq"] == 1 and record["dataset_version"] == manifest["version"]
    assert record["periods"] == [f"2025-{m:02d}-01" for m in range(1, 13)]
    assert record["rows"] == manifest["rows"]
    assert versions.bootstrap(root, source) == first  # already registered: nothing new
    assert versions.version_ids(root) == [first]
    assert versions.ensure_current(root, source) == root / first


def test_an_import_is_a_new_version_and_the_old_one_stays_loadable(repo):
    root, first, _, manifest = repo
    second = import_month(root, date(2026, 1, 1))
    assert second != first and versions.current_id(root) == second
    new = dataset.load(versions.current(root))
    assert new.periods[-1] == date(2026, 1, 1) and len(new.periods) == 13
    assert new.manifest["generated_by"] == "phdt.import"
    assert new.synthetic  # a demo plus one imported month is still partly synthetic
    assert new.version == versions.content_digest(root / second)
    assert new.version != manifest["version"]
    assert new.manifest["source"].startswith("Impor PWS KIA 2026-01.xlsx")
    assert new.manifest["import"]["base_version"] == manifest["version"]
    assert new.manifest["rows"]["indikator_bulanan"] == new.monthly.height
    assert new.manifest["rows"]["sasaran"] == manifest["rows"]["sasaran"]
    old = dataset.load(root / first)  # untouched
    assert old.version == manifest["version"] and old.periods[-1] == date(2025, 12, 1)
    for name in ("sasaran", "laporan", "anc_kunjungan", dataset.WILAYAH_FILE.removesuffix(".parquet")):
        assert (root / second / f"{name}.parquet").read_bytes() == (root / first / f"{name}.parquet").read_bytes()
    record = versions.info(root, second)
    assert record["who"] == "budi" and record["parent"] == first and record["base"] == first
    assert record["family"] == "agregat" and record["periods"] == ["2026-01-01"] and record["seq"] == 2
    assert record["rows"] == {"indikator_bulanan": new.monthly.height}
    assert record["dataset_version"] == new.version
    assert datetime.fromisoformat(record["when"]).tzinfo is not None
    assert record["when"][:19].replace("-", "").replace(":", "") == second[:15]
    assert leftovers(root) == []


def test_the_original_upload_is_kept_byte_for_byte_under_a_safe_name(repo):
    root, *_ = repo
    monthly = dataset.load(versions.current(root)).monthly
    version_id = versions.new_version_from(
        versions.current(root), {"indikator_bulanan": monthly}, root,
        {"who": "sari", "file_name": "../../etc/<script>PWS.xlsx", "family": "agregat"}, original=UPLOAD)
    record = versions.info(root, version_id)
    stored = root / version_id / record["original"]
    assert stored.parent == root / version_id / "original" and stored.name == "_script_PWS.xlsx"
    assert stored.read_bytes() == UPLOAD
    assert record["sha256"] == hashlib.sha256(UPLOAD).hexdigest() and record["size"] == len(UPLOAD)
    assert record["file_name"] == "../../etc/<script>PWS.xlsx"  # what the user uploaded, as metadata only
    with pytest.raises(ValueError, match="sha256"):
        versions.new_version_from(versions.current(root), {"indikator_bulanan": monthly}, root,
                                  {"who": "sari", "file_name": "x.csv", "sha256": "0" * 64}, original=UPLOAD)
    assert versions.current_id(root) == version_id and leftovers(root) == []


@pytest.mark.parametrize(("name", "safe"), [
    ("PWS KIA Jan.xlsx", "PWS KIA Jan.xlsx"), ("C:\\Users\\dinkes\\lap.csv", "lap.csv"), ("..", "upload"),
    ("", "upload"), (".bashrc", "bashrc"), ("a/../../b.xls", "b.xls"), ("laporan\x00.csv", "laporan_.csv"),
    ("x" * 300 + ".xlsx", "x" * 115 + ".xlsx"),
])
def test_safe_name(name, safe):
    assert versions.safe_name(name) == safe


def test_history_is_newest_first_with_who_when_what_and_current(repo):
    root, first, *_ = repo
    second = import_month(root, date(2026, 1, 1), who="budi")
    third = import_month(root, date(2026, 2, 1), who="sari", replaced_periods=[])
    rows = versions.history(root)
    assert [r["id"] for r in rows] == [third, second, first]
    assert [r["seq"] for r in rows] == [3, 2, 1]
    assert [r["current"] for r in rows] == [True, False, False]
    assert [r["who"] for r in rows] == ["sari", "budi", "system"]
    assert [r["parent"] for r in rows] == [second, first, None]
    for row in rows[:2]:
        assert {"when", "file_name", "sha256", "family", "periods", "rows", "replaced_periods", "message",
                "parent", "dataset_version", "original"} <= set(row)
    versions.restore(root, first, who="kabid")
    assert [r["current"] for r in versions.history(root)] == [False, False, True]


def test_restore_switches_back_and_is_logged(repo):
    root, first, _, manifest = repo
    second = import_month(root, date(2026, 1, 1))
    versions.restore(root, first, who="kabid", message="angka Januari salah")
    assert versions.current_id(root) == first
    assert dataset.load(versions.current(root)).version == manifest["version"]
    assert dataset.load(root / second).periods[-1] == date(2026, 1, 1)  # the undone import is still kept
    versions.restore(root, second, who="kabid")
    assert versions.current_id(root) == second
    entries = versions.log(root)
    assert [(e["action"], e["who"], e["from"], e["to"]) for e in entries] == [
        ("bootstrap", "system", None, first), ("import", "budi", first, second),
        ("restore", "kabid", second, first), ("restore", "kabid", first, second)]
    assert entries[2]["message"] == "angka Januari salah"
    assert all(e["when"].endswith("Z") for e in entries)
    with pytest.raises(ValueError, match="wajib diisi"):
        versions.restore(root, first, who=" ")


@pytest.mark.parametrize("bad", ["20990101T000000Z-deadbeef", "../data", "", "CURRENT", ".staging-x"])
def test_an_unknown_version_is_refused_in_bahasa(repo, bad):
    root, first, *_ = repo
    before = (root / "log.jsonl").read_bytes()
    with pytest.raises(ValueError, match="tidak dikenal.*Pilih salah satu versi dari riwayat"):
        versions.restore(root, bad, who="kabid")
    assert versions.current_id(root) == first and (root / "log.jsonl").read_bytes() == before


def test_restore_repairs_a_current_that_names_a_missing_version(repo):
    root, first, *_ = repo
    (root / "CURRENT").write_text("20990101T000000Z-deadbeef\n")  # e.g. someone deleted a folder by hand
    with pytest.raises(FileNotFoundError, match="tidak ada atau tidak lengkap"):
        versions.current(root)
    versions.restore(root, first, who="admin")
    assert versions.current_id(root) == first


def test_commit_refuses_an_incomplete_staging_folder_and_a_stale_base(repo):
    root, first, *_ = repo
    staging = versions.stage(root)
    pl.DataFrame({"x": [1]}).write_parquet(staging / "indikator_bulanan.parquet")
    with pytest.raises(ValueError, match="belum lengkap.*manifest.json"):
        versions.commit(root, staging, {"who": "budi"})
    versions.discard(staging)
    assert versions.current_id(root) == first and leftovers(root) == []
    second = import_month(root, date(2026, 1, 1))
    with pytest.raises(versions.VersionConflict, match="Data sudah berubah"):
        import_month(root, date(2026, 2, 1), base=root / first, expect_current=first)
    assert versions.current_id(root) == second and versions.version_ids(root) == sorted([first, second])
    assert leftovers(root) == []
    with pytest.raises(ValueError, match="wajib diisi"):
        import_month(root, date(2026, 2, 1), who="")


def _assert_serialized(root: Path, first: str, made: list[str]) -> None:
    """Every version complete and loadable, seq 1..n, CURRENT the last committed, and the log a chain."""
    ids = versions.version_ids(root)
    assert sorted(ids) == sorted([first, *made]) and len(set(made)) == len(made)
    for version_id in ids:
        assert dataset.load(root / version_id).periods[-1] in (date(2025, 12, 1), date(2026, 1, 1))
    rows = versions.history(root)
    assert [r["seq"] for r in rows] == list(range(len(ids), 0, -1))
    assert versions.current_id(root) == rows[0]["id"] and rows[0]["current"]
    entries = versions.log(root)
    assert [e["to"] for e in entries] == [r["id"] for r in reversed(rows)]
    assert all(a["to"] == b["from"] for a, b in itertools.pairwise(entries))  # one at a time
    assert leftovers(root) == []


def test_concurrent_commits_from_threads_all_land(repo):
    root, first, *_ = repo
    base = versions.current(root)
    monthly = with_month(dataset.load(base).monthly, date(2026, 1, 1))
    barrier = threading.Barrier(8)
    made, errors = [], []

    def worker(n: int) -> None:
        try:
            staging = versions.stage(root)
            for src in base.glob("*.parquet"):
                os.link(src, staging / src.name)
            monthly.write_parquet(staging / "indikator_bulanan.parquet")
            (staging / "manifest.json").write_text(json.dumps({"version": f"t{n}", "generated_by": "phdt.import"}))
            barrier.wait()
            made.append(versions.commit(root, staging, {"who": f"petugas{n}", "family": "agregat"}))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(made) == 8
    _assert_serialized(root, first, made)


CHILD = """
import os, signal, sys
from datetime import date
from pathlib import Path
import polars as pl
from phdt import versions
root, base, upload, mode = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if mode == "before_rename":   # everything staged and fsynced, killed at the rename
    os.rename = die
elif mode == "after_rename":  # the new version folder is in place, killed before CURRENT is switched
    versions._write_current = die
elif mode == "mid_pointer":   # CURRENT's temporary file written and fsynced, killed before os.replace
    os.replace = die
tables = {"indikator_bulanan": pl.read_parquet(upload)}
if mode == "staging":  # a large table (~20 MB, about a second to write): the kill lands mid-write
    big = pl.arange(0, 10_000_000, eager=True)
    tables = {"big": pl.DataFrame({"x": big, "y": big * 7}), **tables}
info = {"who": "budi", "file_name": "besar.xlsx", "family": "lini", "periods": ["2026-01-01"]}
print(versions.new_version_from(base, tables, root, info, original=upload.read_bytes()), flush=True)
"""


def _child(root: Path, base: Path, upload: Path, mode: str) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(base), str(upload), mode],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the child process")
        time.sleep(0.005)


@pytest.mark.parametrize("mode", ["staging", "waiting", "before_rename", "after_rename", "mid_pointer"])
def test_a_kill_during_commit_leaves_the_previous_version_current(repo, tmp_path, mode):
    """SIGKILL at every step of an import: CURRENT still names the previous, loadable version.

    "staging" and "waiting" are killed from outside while this test holds the versions lock, so the
    child cannot get past the commit whatever the timing: killed as soon as a large table has started
    to fill in its staging folder (mid-write), or once the staging is complete (blocked on the lock).
    No test hook in phdt.versions is needed. The other
    modes make the child SIGKILL itself at one system call of the commit (os.rename, the pointer switch,
    os.replace)."""
    root, first, _, manifest = repo
    upload = tmp_path / "upload.parquet"
    with_month(dataset.load(root / first).monthly, date(2026, 1, 1)).write_parquet(upload)
    if mode in ("staging", "waiting"):
        marker = "manifest.json" if mode == "waiting" else "big.parquet"
        with versions._locked(root):
            child = _child(root, root / first, upload, mode)
            _wait_for(lambda: any(f.stat().st_size > 0 for f in root.glob(f".staging-*/{marker}"))
                      or child.poll() is not None)
            assert child.poll() is None, child.stderr.read().decode()
            assert versions.cleanup_staging(root) == []  # a live writer's staging folder is left alone
            child.send_signal(signal.SIGKILL)
            child.wait(30)
    else:
        child = _child(root, root / first, upload, mode)
        child.wait(60)
    assert child.returncode == -signal.SIGKILL, child.stderr.read().decode()

    assert versions.current_id(root) == first
    data = dataset.load(versions.current(root))
    assert data.version == manifest["version"] and data.periods[-1] == date(2025, 12, 1)
    debris = leftovers(root)
    renamed = mode in ("after_rename", "mid_pointer")
    assert bool(debris) == (mode != "after_rename"), debris
    if mode == "mid_pointer":
        assert [name.startswith(".CURRENT.") for name in debris] == [True]
    removed = versions.cleanup_staging(root)
    assert sorted(p.name for p in removed) == debris and leftovers(root) == []
    if renamed:  # complete but never switched to: kept, listed, restorable
        orphan = next(r for r in versions.history(root) if not r["current"])
        assert orphan["file_name"] == "besar.xlsx" and orphan["parent"] == first
        assert (root / orphan["id"] / orphan["original"]).read_bytes() == upload.read_bytes()
        versions.restore(root, orphan["id"], who="admin")
        assert dataset.load(versions.current(root)).periods[-1] == date(2026, 1, 1)
    else:
        assert versions.version_ids(root) == [first]
    after = import_month(root, date(2026, 2, 1))  # the lock was not left held by the dead process
    assert versions.current_id(root) == after


def test_concurrent_commits_from_processes_all_land(repo, tmp_path):
    root, first, *_ = repo
    upload = tmp_path / "upload.parquet"
    with_month(dataset.load(root / first).monthly, date(2026, 1, 1)).write_parquet(upload)
    children = [_child(root, root / first, upload, "plain") for _ in range(4)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0] * 4, [err.decode() for _, err in outputs]
    _assert_serialized(root, first, [out.decode().strip() for out, _ in outputs])


def test_personal_originals_are_purged_after_the_retention_period(repo):
    from datetime import UTC, datetime, timedelta

    root = repo[0]
    line_list = import_month(root, date(2026, 1, 1), file_name="kohort.csv", family="anc_kunjungan")
    aggregate = import_month(root, date(2026, 2, 1), file_name="rekap.csv", family="aggregate_long")
    assert versions.purge_personal_originals(root, ("anc_kunjungan",), 90) == []  # still within 90 days
    later = datetime.now(UTC) + timedelta(days=91)
    assert versions.purge_personal_originals(root, ("anc_kunjungan",), 90, now=later) == [line_list]
    assert not (root / line_list / "original").exists()
    assert (root / aggregate / "original" / "rekap.csv").exists()  # aggregates carry no personal data
    assert dataset.load(root / line_list).monthly.height > 0  # the tables stay
    assert versions.log(root)[-1]["action"] == "purge_original"


def test_the_purge_also_removes_interrupted_imports_holding_an_upload(repo):
    root = repo[0]
    debris = root / f"{versions.STAGING_PREFIX}interrupted"
    (debris / versions.ORIGINAL).mkdir(parents=True)
    (debris / versions.ORIGINAL / "kohort.csv").write_text("NIK;Nama\n3303015501900001;Ibu Uji\n")
    assert versions.purge_personal_originals(root, ("anc_kunjungan",), 90) == []
    assert not debris.exists()
