"""Broken storage is detected and named: ``python -m phdt.health`` and the ``phdt.versions`` command line."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from phdt import health, versions
from phdt.actions import SCHEMA_VERSION, Store
from phdt.config import settings
from tests.helpers import user
from tests.test_versions import repo  # noqa: F401 - fixture

ACTION = {"puskesmas": "Kutasari", "period": date(2025, 1, 1), "masalah": "m", "rtl": "r",
          "penanggung_jawab": "p", "tenggat": date(2025, 2, 28), "status": "direncanakan"}


def truncate(path, keep: int = 100) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:keep])


def truncate_half(path) -> None:
    truncate(path, path.stat().st_size // 2)


def newer(path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")


def garbage(path) -> None:
    path.write_bytes(b"this is not a database file at all" * 100)


def test_a_good_store_is_healthy(tmp_path):
    Store(tmp_path / "a.sqlite").add(ACTION, user())
    assert health.check_actions(tmp_path / "a.sqlite") is None


@pytest.mark.parametrize("damage", [truncate, truncate_half, newer, garbage])
def test_a_broken_action_store_is_named(tmp_path, damage):
    path = tmp_path / "a.sqlite"
    store = Store(path)
    for _ in range(50):
        store.add(ACTION, user())
    damage(path)
    problem = health.check_actions(path)
    assert problem is not None and problem.part == "actions" and problem.where == path


def test_a_garbage_parquet_file_in_the_current_version_is_named(repo):  # noqa: F811
    root, first, _, _ = repo
    folder = versions.current(root)
    assert health.check_dataset(folder) is None
    target = folder / "indikator_bulanan.parquet"
    target.unlink()  # the file may be a hard link shared with another version: replace, not overwrite
    target.write_bytes(b"garbage, not parquet" * 50)
    problem = health.check_dataset(folder)
    assert problem is not None and problem.part == "dataset"
    (folder / "indikator_bulanan.parquet").unlink()
    assert health.check_dataset(folder).part == "dataset"  # missing is broken too


def test_the_command_exits_non_zero_naming_the_broken_store(tmp_path, monkeypatch, capsys):
    path = tmp_path / "a.sqlite"
    Store(path).add(ACTION, user())
    monkeypatch.setenv("PHDT_ACTIONS_DB", str(path))
    settings.cache_clear()
    monkeypatch.setattr(health, "check_dataset", lambda folder=None: None)
    try:
        assert health.main() == 0
        truncate(path)
        assert health.main() == 1
    finally:
        settings.cache_clear()
    assert "BROKEN actions store" in capsys.readouterr().err


def test_list_and_restore_from_the_command_line(repo, capsys):  # noqa: F811
    root, first, source, _ = repo
    second = versions.new_version_from(versions.current(root), {}, root, {"who": "budi", "family": "agregat"})
    assert versions.current_id(root) == second
    assert versions.main(["--root", str(root), "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith(f"* {second}") and listed[1].startswith(f"  {first}")
    assert versions.main(["--root", str(root), "restore", first, "--who", "Admin Dinkes"]) == 0
    assert versions.current_id(root) == first
    assert versions.log(root)[-1]["who"] == "Admin Dinkes"
    assert versions.main(["--root", str(root), "restore", "20990101T000000Z-deadbeef", "--who", "x"]) == 1
    assert versions.current_id(root) == first
    with pytest.raises(SystemExit):  # who is required
        versions.main(["--root", str(root), "restore", first])


def test_visitors_are_never_shown_error_details():
    import tomllib

    from phdt.config import ROOT

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
