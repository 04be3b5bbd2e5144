"""Health of the two stores the app reads: ``python -m phdt.health`` exits 0 when both are readable,
else 1, naming each broken one on stderr.

Streamlit's own ``/_stcore/health`` only says the server is up (Streamlit 1.x offers no app-level
route to add a check to), so monitoring and ``scripts/server.py``-style probes call this command too.

- the action store (follow-up actions, Dojo sessions and notes, theater scripts): the SQLite file
  opens, is not from a newer app, passes ``PRAGMA quick_check`` and its tables can be read;
- the dataset: the current version's Parquet files and manifest can be read whole.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from phdt import actions, versions
from phdt import dataset as ds
from phdt.config import settings

log = logging.getLogger(__name__)

# What reading a broken store raises: SQLite's errors (not a database, malformed image, I/O),
# a newer schema, missing or unreadable files, Parquet that is not Parquet.
STORE_ERRORS = (sqlite3.Error, actions.StoreError, OSError)
DATASET_ERRORS = (OSError, ValueError, pl.exceptions.PolarsError)


@dataclass(frozen=True)
class Problem:
    part: str  # "actions" or "dataset"
    where: Path | None
    detail: str


def check_actions(path: Path | None = None) -> Problem | None:
    path = Path(path or settings().actions_db)
    try:
        store = actions.Store(path)
        with store.connect() as conn:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result != "ok":
                return Problem("actions", path, f"quick_check: {result}")
            for table in ("action", "action_history", "dojo_session", "critique", "script", "script_view"):
                conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    except STORE_ERRORS as exc:
        return Problem("actions", path, f"{type(exc).__name__}: {exc}")
    return None


def check_dataset(folder: Path | None = None) -> Problem | None:
    try:
        folder = Path(folder) if folder else versions.current()
        if folder is None:
            return Problem("dataset", None, "no current data version")
        ds.load(folder)
    except DATASET_ERRORS as exc:
        return Problem("dataset", folder, f"{type(exc).__name__}: {exc}")
    return None


def problems() -> list[Problem]:
    return [p for p in (check_actions(), check_dataset()) if p is not None]


def main() -> int:
    found = problems()
    for problem in found:
        print(f"BROKEN {problem.part} store ({problem.where}): {problem.detail}", file=sys.stderr)
    if found:
        if any(p.part == "dataset" for p in found):
            print("restore an earlier data version: python -m phdt.versions list; "
                  "python -m phdt.versions restore <id> --who NAME", file=sys.stderr)
        return 1
    print("ok: action store and dataset readable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
