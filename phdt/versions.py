"""Dataset versions: every import is a new, complete dataset folder; the app reads the one named in CURRENT.

Nothing is lost: a version folder is never changed once committed, the uploaded file is kept inside it
byte for byte, and the current dataset changes only by atomically replacing one small pointer file,
so any earlier version can be made current again.

Layout under the root folder (default beside the data folder: ``var/data-versions``)::

    versions/
      CURRENT                     the current version id and a newline (replaced atomically)
      log.jsonl                   append-only: one JSON line per switch of CURRENT (import, bootstrap, restore)
      .lock                       flock'ed exclusively around every commit and restore
      20250105T031500Z-1a2b3c4d/  one version: a complete dataset folder (phdt.dataset.load reads it)
        indikator_bulanan.parquet ... manifest.json
        import.json               who, when (UTC), what: file, sha256, family, periods, rows, parent, ...
        original/<safe name>      the uploaded bytes, unchanged
      .staging-<uuid>/            a version being written (ignored by readers; removed by cleanup_staging)
      .staging-<uuid>.lock        held (flock) by the process writing that staging folder while it lives

Commit protocol (``commit``): under ``.lock``, write import.json into the staging folder, fsync every
file and folder, rename the staging folder to ``versions/<id>`` (atomic on one filesystem), fsync the
root, then write ``CURRENT`` to a temporary file, fsync it, ``os.replace`` it over ``CURRENT`` and fsync
the root again. A kill before the rename leaves only staging debris; a kill after the rename but
before the switch leaves a complete version that is simply not current (listed by ``history``,
restorable); in every case ``CURRENT`` names the previous complete version.

Ids sort by time: ``YYYYmmddTHHMMSSZ-<8 hex>``. ``import.json`` also holds ``seq``, a number assigned
under the lock, which orders versions exactly even when two commit within the same second.

Files of a table that an import leaves unchanged are hard links to the base version's file (copied
when the filesystem cannot link): version folders are read-only by convention, and every writer in
this project replaces files by rename, never in place.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from phdt import dataset
from phdt.config import settings
from phdt.texts import Message, UserError

CURRENT = "CURRENT"
LOG = "log.jsonl"
LOCK = ".lock"
IMPORT = "import.json"
ORIGINAL = "original"
STAGING_PREFIX = ".staging-"
ID_PATTERN = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{8}")
TABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")
MAX_NAME = 120
_SENTINEL = object()

_held: dict[Path, int] = {}  # staging folder -> fd of its flock'ed owner file, for this process
_held_guard = threading.Lock()


class VersionConflict(UserError):
    """The current version is no longer the one the import was based on."""


def default_root() -> Path:
    """Beside the dataset folder it starts from: var/data -> var/data-versions (the province
    benchmark's var/province keeps its own var/province-versions)."""
    data_dir = settings().data_dir
    return data_dir.with_name(f"{data_dir.name}-versions")


def _root(root: Path | None) -> Path:
    return Path(root) if root is not None else default_root()


# --- durability helpers ---------------------------------------------------------------------------

def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """fsync every file, then every folder bottom-up, so the whole tree is on disk before it is renamed."""
    for dirpath, _dirnames, filenames in os.walk(folder, topdown=False):
        for name in filenames:
            _fsync_path(Path(dirpath) / name)
        _fsync_path(Path(dirpath))


def _publish(staging: Path, final: Path) -> None:
    """Rename the finished staging folder to its version id (atomic), then make the rename durable."""
    os.rename(staging, final)
    _fsync_path(final.parent)


def _write_current(root: Path, version_id: str) -> None:
    """Replace CURRENT atomically: temporary file, fsync, rename over, fsync the folder."""
    tmp = root / f".{CURRENT}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, f"{version_id}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, root / CURRENT)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_path(root)


def _append_log(root: Path, entry: dict) -> None:
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    fd = os.open(root / LOG, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(root: Path, wait: bool = True) -> Iterator[bool]:
    """The exclusive lock around commit and restore (between processes and between threads: each call
    opens its own file description, so it is not reentrant). With ``wait=False``, yields False at once
    when someone else holds it."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)  # releases the flock


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id(when: datetime) -> str:
    return f"{when:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


# --- reading --------------------------------------------------------------------------------------

def _pointer(root: Path) -> str | None:
    """CURRENT's content as written, unchecked."""
    try:
        return (root / CURRENT).read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        return None


def current_id(root: Path | None = None) -> str | None:
    """The id in CURRENT, or None before the first version."""
    root = _root(root)
    text = _pointer(root)
    if text is None:
        return None
    if not ID_PATTERN.fullmatch(text) or not _complete(root / text):
        raise FileNotFoundError(Message("version_current_missing", pointer=root / CURRENT, id=repr(text), root=root))
    return text


def current(root: Path | None = None) -> Path | None:
    """The current version's dataset folder (read it with ``phdt.dataset.load``), or None before the first."""
    version_id = current_id(root)
    return None if version_id is None else _root(root) / version_id


def _complete(folder: Path) -> bool:
    return folder.is_dir() and (folder / "manifest.json").is_file() and (folder / IMPORT).is_file() and all(
        (folder / f"{name}.parquet").is_file() for name in dataset.SHOWN)


def version_ids(root: Path | None = None) -> list[str]:
    """Ids of all committed versions (complete folders), oldest first."""
    root = _root(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if ID_PATTERN.fullmatch(p.name) and _complete(p))


def info(root: Path | None, version_id: str) -> dict:
    """One version's import.json."""
    folder = _existing(_root(root), version_id)
    return json.loads((folder / IMPORT).read_text(encoding="utf-8"))


def history(root: Path | None = None) -> list[dict]:
    """import.json of every version, newest first, each with ``current`` (True for the one in CURRENT)."""
    root = _root(root)
    now = current_id(root)
    rows = []
    for version_id in version_ids(root):
        try:
            record = json.loads((root / version_id / IMPORT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows.append(record | {"id": version_id, "current": version_id == now})
    return sorted(rows, key=lambda r: (r.get("seq", 0), r["id"]), reverse=True)


def log(root: Path | None = None) -> list[dict]:
    """The switch log (imports, bootstrap, restores), oldest first; a torn last line is skipped."""
    path = _root(root) / LOG
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(ValueError):
            entries.append(json.loads(line))
    return entries


def _existing(root: Path, version_id: str) -> Path:
    if not isinstance(version_id, str) or not ID_PATTERN.fullmatch(version_id) or not _complete(root / version_id):
        known = ", ".join(version_ids(root)[-5:]) or Message("version_none_yet")
        raise UserError("version_unknown", id=repr(version_id), root=root, known=known)
    return root / version_id


# --- writing --------------------------------------------------------------------------------------

def safe_name(file_name: str) -> str:
    """A file name safe to store: the last path component, only letters, digits, '.', '_', '-' and
    spaces, no leading dot, at most 120 characters (the suffix kept); ``upload`` if nothing is left."""
    base = re.split(r"[\\/]", str(file_name or ""))[-1]
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")
    base = re.sub(r"\.{2,}", ".", base)
    if len(base) > MAX_NAME:
        stem, dot, suffix = base.rpartition(".")
        suffix = suffix[:16] if dot else ""
        base = (stem if dot else base)[:MAX_NAME - len(suffix) - 1].rstrip(" .") + (f".{suffix}" if suffix else "")
    return base or "upload"


def stage(root: Path | None = None) -> Path:
    """A new, empty staging folder ``versions/.staging-<uuid>/``, owned by this process until it is
    committed or discarded (a sibling ``.lock`` file stays flock'ed meanwhile, so ``cleanup_staging``
    in another process never removes it; a killed owner releases the flock and its debris is removed)."""
    root = _root(root)
    root.mkdir(parents=True, exist_ok=True)
    while True:
        name = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        lock_path = root / f"{name}.lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not removed by a concurrent cleanup between open and flock
            break
        os.close(fd)
    staging = root / name
    staging.mkdir()
    with _held_guard:
        _held[_key(staging)] = fd
    return staging


def _key(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _release(staging: Path) -> None:
    lock_path = staging.with_name(f"{staging.name}.lock")
    with _held_guard:
        fd = _held.pop(_key(staging), None)
    lock_path.unlink(missing_ok=True)
    if fd is not None:
        os.close(fd)


def discard(staging: Path) -> None:
    """Remove a staging folder that will not be committed."""
    shutil.rmtree(staging, ignore_errors=True)
    _release(staging)


def add_original(staging: Path, file_name: str, data: bytes | Path) -> dict:
    """Keep the uploaded file (bytes, or a path to copy) as ``original/<safe name>`` in the staging folder;
    returns the fields for import.json: file_name, original, sha256, size."""
    folder = staging / ORIGINAL
    folder.mkdir(exist_ok=True)
    target = folder / safe_name(file_name)
    if isinstance(data, (bytes, bytearray, memoryview)):
        target.write_bytes(bytes(data))
    else:
        shutil.copyfile(data, target)
    digest = hashlib.sha256()
    with target.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {"file_name": str(file_name), "original": f"{ORIGINAL}/{target.name}",
            "sha256": digest.hexdigest(), "size": target.stat().st_size}


def _check_staging(root: Path, staging: Path) -> None:
    staging = Path(staging)
    if staging.parent.resolve() != root.resolve() or not staging.name.startswith(STAGING_PREFIX):
        raise ValueError(f"{staging} bukan folder staging di {root}: buat dengan versions.stage(root).")
    if not staging.is_dir():
        raise ValueError(f"Folder staging {staging} tidak ada (sudah di-commit atau dibersihkan?).")
    missing = [f"{name}.parquet" for name in dataset.SHOWN if not (staging / f"{name}.parquet").is_file()]
    try:
        manifest = json.loads((staging / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        missing.append("manifest.json")
    else:
        if not isinstance(manifest, dict) or "version" not in manifest:
            missing.append("manifest.json (tanpa 'version')")
    if missing:
        raise ValueError(f"Dataset di {staging} belum lengkap, tidak di-commit: tidak ada {', '.join(missing)}.")


def commit(root: Path | None, staging: Path, info: Mapping, *, expect_current=_SENTINEL,
           _only_if_empty: bool = False) -> str:
    """Make the staged dataset a new version and switch CURRENT to it; returns the new id.

    ``info`` must name ``who``; it may hold file_name, sha256, family, periods, rows, replaced_periods,
    message and anything else JSON can hold; id, seq, when (UTC ISO) and parent (the version current
    at commit time) are added. With ``expect_current`` (an id or None), the commit is refused with
    ``VersionConflict`` when another import changed CURRENT meanwhile. The staging folder is gone
    afterwards (committed, or discarded on refusal)."""
    root = _root(root)
    staging = Path(staging)
    who = str(info.get("who") or "").strip()
    if not who:
        raise UserError("version_who_imports")
    _check_staging(root, staging)
    _fsync_tree(staging)  # the tables, outside the lock: they are the bulk of the bytes
    with _locked(root):
        parent = _pointer(root)
        if _only_if_empty and parent is not None:
            discard(staging)
            return parent
        if expect_current is not _SENTINEL and expect_current != parent:
            discard(staging)
            raise VersionConflict("version_conflict", expected=expect_current, current=parent)
        when = _now()
        version_id = _new_id(when)
        while (root / version_id).exists():
            version_id = _new_id(when)
        seq = 1 + max((_seq(root / v) for v in version_ids(root)), default=0)
        manifest = json.loads((staging / "manifest.json").read_text(encoding="utf-8"))
        record = {"action": "import", **dict(info)} | {
            "id": version_id, "seq": seq, "who": who, "when": _iso(when), "parent": parent,
            "dataset_version": manifest.get("version"),
        }
        (staging / IMPORT).write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n",
                                      encoding="utf-8")
        _fsync_path(staging / IMPORT)
        _fsync_path(staging)
        _publish(staging, root / version_id)
        _release(staging)
        _write_current(root, version_id)
        _append_log(root, {"action": record["action"], "who": who, "when": record["when"],
                           "from": parent, "to": version_id})
    return version_id


def _seq(folder: Path) -> int:
    try:
        return int(json.loads((folder / IMPORT).read_text(encoding="utf-8")).get("seq", 0))
    except (OSError, ValueError, TypeError):
        return 0


def restore(root: Path | None, version_id: str, who: str, message: str | None = None) -> None:
    """Make an existing version current again; recorded in log.jsonl (who, when, from, to)."""
    root = _root(root)
    who = str(who or "").strip()
    if not who:
        raise UserError("version_who_restores")
    _existing(root, version_id)
    with _locked(root):
        before = _pointer(root)  # unchecked: restoring also repairs a CURRENT that names a missing version
        _write_current(root, version_id)
        entry = {"action": "restore", "who": who, "when": _iso(_now()), "from": before, "to": version_id}
        if message:
            entry["message"] = message
        _append_log(root, entry)


def cleanup_staging(root: Path | None = None) -> list[Path]:
    """Remove staging folders whose writer is gone (killed or crashed) and leftover temporary pointer
    files; staging folders of live writers (in any process) are left alone. Returns what was removed."""
    root = _root(root)
    if not root.is_dir():
        return []
    removed: list[Path] = []
    with _held_guard:
        ours = set(_held)
    for path in sorted(root.glob(f"{STAGING_PREFIX}*")):
        if path.name.endswith(".lock") or _key(path) in ours:
            continue
        lock_path = path.with_name(f"{path.name}.lock")
        if _owner_alive(lock_path):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
        if lock_path.exists():
            lock_path.unlink(missing_ok=True)
            removed.append(lock_path)
    for lock_path in sorted(root.glob(f"{STAGING_PREFIX}*.lock")):
        if _key(lock_path.with_suffix("")) in ours or lock_path.with_suffix("").exists():
            continue
        if not _owner_alive(lock_path):
            lock_path.unlink(missing_ok=True)
            removed.append(lock_path)
    with _locked(root, wait=False) as got:  # pointer temporaries are only written under the lock
        if got:  # else a commit or restore is running: its temporary is not debris; left for next time
            for tmp in sorted(root.glob(f".{CURRENT}.*.tmp")):
                tmp.unlink(missing_ok=True)
                removed.append(tmp)
    return removed


def _owner_alive(lock_path: Path) -> bool:
    """True while some process holds the staging folder's owner lock."""
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return True
        raise
    finally:
        os.close(fd)
    return False


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _dataset_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))


def new_version_from(base_dir: Path, tables: Mapping[str, pl.DataFrame], root: Path | None, info: Mapping, *,
                     original: bytes | Path | None = None, expect_current=_SENTINEL) -> str:
    """A new version: the base dataset's tables with ``tables`` replacing (or adding) some, committed
    and made current; returns its id.

    The manifest is the base manifest with ``version`` = :func:`content_digest` of the new tables,
    ``generated_by`` = ``phdt.import``, ``source`` (``info['source']`` or a description of the
    import), updated ``rows`` and an ``import`` summary; ``synthetic`` stays as in the base (a demo
    plus one imported month is still partly synthetic). ``original`` (the uploaded bytes or a path)
    is kept under ``original/`` with the name ``info['file_name']``. ``info`` as for ``commit``."""
    root = _root(root)
    base_dir = Path(base_dir)
    bad = [name for name in tables if not TABLE_NAME.fullmatch(name)]
    if bad:
        raise ValueError(f"Nama tabel tidak valid: {', '.join(map(repr, bad))}.")
    base_manifest = json.loads((base_dir / "manifest.json").read_text(encoding="utf-8"))
    record = dict(info)
    staging = stage(root)
    try:
        for src in _dataset_files(base_dir):
            if src.stem not in tables:
                _link_or_copy(src, staging / src.name)
        for name, frame in tables.items():
            frame.write_parquet(staging / f"{name}.parquet")
        if original is not None:
            kept = add_original(staging, record.get("file_name") or "upload", original)
            if record.get("sha256") and record["sha256"] != kept["sha256"]:
                raise UserError("version_sha256_mismatch")
            record |= kept
        record.setdefault("rows", {name: frame.height for name, frame in tables.items()})
        base_id = base_dir.name if base_dir.parent.resolve() == root.resolve() and ID_PATTERN.fullmatch(
            base_dir.name) else None
        record["base"] = base_id
        digest = content_digest(staging)
        label = record.get("file_name") or record.get("family") or "data"
        manifest = base_manifest | {
            "version": digest,
            "generated_by": "phdt.import",
            "synthetic": bool(base_manifest.get("synthetic")),
            "source": record.get("source") or f"Impor {label}"
                      + (f" di atas {base_manifest['source']}" if base_manifest.get("source") else ""),
            "rows": {**base_manifest.get("rows", {}), **{name: frame.height for name, frame in tables.items()}},
            "import": {key: record.get(key) for key in ("file_name", "sha256", "family", "periods",
                                                          "replaced_periods") if record.get(key) is not None}
                      | {"base_version": base_manifest.get("version")},
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2, default=str) + "\n"
        (staging / "manifest.json").write_text(text, encoding="utf-8")  # last, as in every dataset folder
        return commit(root, staging, record, expect_current=expect_current)
    except BaseException:
        discard(staging)
        raise


def content_digest(folder: Path) -> str:
    """The dataset version of a folder: changes with any table the app shows (a sasaran import that
    leaves every monthly figure as it was still changes the data-quality checks)."""
    digest = hashlib.sha256()
    for name in dataset.SHOWN:
        digest.update((Path(folder) / f"{name}.parquet").read_bytes())
    return digest.hexdigest()[:12]


def bootstrap(root: Path | None = None, data_dir: Path | None = None, who: str = "system") -> str:
    """Register an existing dataset folder (default ``settings().data_dir``, the demo built there if
    absent) as the first version by copying it in; returns the current id. Does nothing when a
    version already exists (also when two processes bootstrap at once: one version is made)."""
    root = _root(root)
    existing = current_id(root)
    if existing is not None:
        return existing
    data_dir = dataset.ensure(Path(data_dir) if data_dir is not None else settings().data_dir)
    manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    staging = stage(root)
    try:
        for src in _dataset_files(data_dir):
            shutil.copy2(src, staging / src.name)  # a copy: the source folder may be rebuilt in place later
        shutil.copy2(data_dir / "manifest.json", staging / "manifest.json")
        periods = pl.read_parquet(staging / "indikator_bulanan.parquet", columns=["period"])["period"]
        record = {
            "action": "bootstrap", "who": who, "family": "bootstrap", "file_name": None,
            "message": f"Dataset awal dari {data_dir}",
            "source_dir": str(data_dir), "generated_by": manifest.get("generated_by"),
            "synthetic": bool(manifest.get("synthetic")),
            "periods": sorted({str(p) for p in periods.unique().to_list()}),
            "rows": manifest.get("rows", {}),
        }
        return commit(root, staging, record, _only_if_empty=True)
    except BaseException:
        discard(staging)
        raise


def ensure_current(root: Path | None = None, data_dir: Path | None = None) -> Path:
    """The current version's folder, bootstrapping from ``data_dir`` first if there is none yet:
    what the app reads (``phdt.dataset.load(versions.ensure_current())``)."""
    bootstrap(root, data_dir)
    folder = current(root)
    assert folder is not None
    return folder


def purge_personal_originals(root: Path | None, families: Iterable[str], older_than_days: int,
                             now: datetime | None = None) -> list[str]:
    """Delete the uploaded originals of line-list imports (NIK and names) once they are older than
    the retention period, and the staging folders of interrupted imports (which may hold such an
    upload): the tables are all the app needs. Returns the version ids purged; each deletion is
    logged. The version's tables stay, so nothing shown is lost."""
    root = _root(root)
    now = now or _now()
    cleanup_staging(root)
    purged = []
    for record in history(root):
        folder = root / record["id"] / "original"
        when = datetime.fromisoformat(str(record.get("when") or _iso(now)).replace("Z", "+00:00"))
        if record.get("family") in families and folder.is_dir() and now - when >= timedelta(days=older_than_days):
            shutil.rmtree(folder)
            _append_log(root, {"action": "purge_original", "who": "system", "when": _iso(now),
                               "version": record["id"], "retention_days": older_than_days})
            purged.append(record["id"])
    return purged


def main(argv: list[str] | None = None) -> int:
    """``python -m phdt.versions list`` / ``restore <id> --who NAME [--message TEXT]``: the page's
    version list and restore from the command line (when the app itself cannot start, e.g. after a
    broken Parquet file in the current version)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m phdt.versions", description="List or restore dataset versions.")
    parser.add_argument("--root", type=Path, default=None, help="versions folder (default: beside the data folder)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every version, newest first; * marks the current one")
    restoring = commands.add_parser("restore", help="make an existing version current again (logged)")
    restoring.add_argument("version_id")
    restoring.add_argument("--who", required=True, help="who restores (recorded in log.jsonl)")
    restoring.add_argument("--message", default=None)
    args = parser.parse_args(argv)
    if args.command == "list":
        for row in history(args.root):
            print(f"{'*' if row['current'] else ' '} {row['id']}  {row.get('when', '')}  {row.get('who', '')}  "
                  f"{row.get('family', row.get('action', ''))}")
        return 0
    try:
        restore(args.root, args.version_id, args.who, args.message)
    except (UserError, OSError) as exc:
        from phdt.texts import render

        print(render(exc, "en"), file=sys.stderr)
        return 1
    print(f"current version: {current_id(args.root)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
