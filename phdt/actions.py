"""Follow-up actions (rencana tindak lanjut, RTL) from the monthly puskesmas review meeting.

Each action belongs to one puskesmas and one month (``period``, the first of the month) and records
the problem (masalah), its cause (penyebab), the action (rtl), who is responsible, a deadline
(tenggat) and a status, optionally linked to an indicator slug and a desa. Actions still open
(direncanakan / berjalan) show up again in later months, marked with ``carried_from``.

Storage is one SQLite file (stdlib ``sqlite3``) outside git, at a path the caller chooses. The
schema is versioned with ``PRAGMA user_version``: ``MIGRATIONS`` is an ordered list of steps and
``Store(path)`` applies the missing ones in one transaction on open. Later features add their tables
by appending a step (step 2: the Dojo peer-critique sessions and notes of ``phdt.critique``; step 3:
the theater-mode scripts of ``phdt.theater``); a step is never edited once released.
A file from a newer version of the app is refused rather than written with an older schema.

Concurrency: Streamlit serves each browser session in its own thread, and more than one process
may share the file, so every operation opens its own connection (WAL, busy_timeout, foreign keys)
and every write runs in ``BEGIN IMMEDIATE`` so writers queue on the lock instead of failing.
Edits use optimistic concurrency: each row carries an integer ``version``; ``update`` names the
version it was based on and a stale one raises ``ConflictError``, so of two browsers editing the
same action the second is told to reload instead of silently overwriting the first. Every change
is written to ``action_history`` in the same transaction as the change itself.

Text is stored exactly as entered (after stripping surrounding whitespace); escaping for HTML is
the UI's job. User-facing messages are :class:`phdt.texts.Message` texts (``locales/*/messages.toml``):
Bahasa Indonesia as ``str``, the reader's language through ``phdt.texts.render``.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from phdt.indicators import INDICATORS
from phdt.roles import Right, User, require
from phdt.texts import Message

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000

# Ordered schema migrations. Step i (1-based) brings the file from user_version i-1 to i. Append new
# steps at the end; never edit or reorder a released step. SQLite cannot alter a CHECK constraint
# in place: changing the status or note-kind set needs a table-rebuild step.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: follow-up actions and their audit trail
        """
        CREATE TABLE action (
            id               INTEGER PRIMARY KEY,
            puskesmas        TEXT    NOT NULL,
            period           TEXT    NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-01'),
            masalah          TEXT    NOT NULL,
            penyebab         TEXT    NOT NULL DEFAULT '',
            rtl              TEXT    NOT NULL,
            penanggung_jawab TEXT    NOT NULL,
            tenggat          TEXT    NOT NULL,
            status           TEXT    NOT NULL CHECK (status IN ('direncanakan', 'berjalan', 'selesai', 'batal')),
            indicator        TEXT,
            kode_desa        TEXT,
            version          INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
            created_at       TEXT    NOT NULL,
            created_by       TEXT    NOT NULL,
            updated_at       TEXT    NOT NULL,
            updated_by       TEXT    NOT NULL
        )
        """,
        "CREATE INDEX action_puskesmas_period ON action (puskesmas, period)",
        """
        CREATE TABLE action_history (
            id        INTEGER PRIMARY KEY,
            action_id INTEGER NOT NULL REFERENCES action (id),
            version   INTEGER NOT NULL,
            at        TEXT    NOT NULL,
            who       TEXT    NOT NULL,
            field     TEXT    NOT NULL,
            old       TEXT,
            new       TEXT
        )
        """,
        "CREATE INDEX action_history_action ON action_history (action_id, id)",
    ),
    (  # 2: Dojo peer-critique sessions and their notes (phdt.critique)
        """
        CREATE TABLE dojo_session (
            id         INTEGER PRIMARY KEY,
            title      TEXT    NOT NULL,
            period     TEXT    NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-01'),
            indicators TEXT    NOT NULL,  -- JSON list of indicator slugs
            presenters TEXT    NOT NULL,  -- JSON list of puskesmas names, in presenting order
            created_at TEXT    NOT NULL,
            created_by TEXT    NOT NULL
        )
        """,
        """
        CREATE TABLE critique (
            id         INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES dojo_session (id),
            presenter  TEXT    NOT NULL,
            reviewer   TEXT    NOT NULL,  -- the reviewing puskesmas, or e.g. Dinkes
            author     TEXT    NOT NULL,  -- the person writing the note
            kind       TEXT    NOT NULL CHECK (kind IN ('kekuatan', 'masalah', 'saran', 'pertanyaan')),
            text       TEXT    NOT NULL,
            indicator  TEXT,
            action_id  INTEGER REFERENCES action (id),  -- set when a saran became a follow-up action
            created_at TEXT    NOT NULL
        )
        """,
        "CREATE INDEX critique_session ON critique (session_id, id)",
    ),
    (  # 3: theater-mode scripts, each an ordered list of deep-linked views (phdt.theater)
        """
        CREATE TABLE script (
            id         INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
            version    INTEGER NOT NULL DEFAULT 1,
            created_at TEXT    NOT NULL,
            created_by TEXT    NOT NULL,
            updated_at TEXT    NOT NULL,
            updated_by TEXT    NOT NULL
        )
        """,
        """
        CREATE TABLE script_view (
            script_id INTEGER NOT NULL REFERENCES script (id) ON DELETE CASCADE,
            position  INTEGER NOT NULL,  -- 0-based presenting order
            link      TEXT    NOT NULL,  -- relative deep link of the app, e.g. /peta?indikator=anc_k6
            title     TEXT    NOT NULL,
            note      TEXT    NOT NULL DEFAULT '',  -- speaker note
            PRIMARY KEY (script_id, position)
        )
        """,
    ),
    (  # 4: idempotent creates. A form carries a token made when it is shown; a second create with the same
       # token (a double click, a retry after a crash) finds the first row instead of adding another.
       # UNIQUE makes this hold across processes too; NULL (no token: scripts, tests) is never a clash.
        "ALTER TABLE action ADD COLUMN form_token TEXT",
        "CREATE UNIQUE INDEX action_form_token ON action (form_token)",
        "ALTER TABLE dojo_session ADD COLUMN form_token TEXT",
        "CREATE UNIQUE INDEX dojo_session_form_token ON dojo_session (form_token)",
        "ALTER TABLE critique ADD COLUMN form_token TEXT",
        "CREATE UNIQUE INDEX critique_form_token ON critique (form_token)",
        "ALTER TABLE script ADD COLUMN form_token TEXT",
        "CREATE UNIQUE INDEX script_form_token ON script (form_token)",
    ),
    (  # 5: accounts and roles (phdt.accounts, phdt.roles): signed-in authors, history of every change
        """
        CREATE TABLE account (
            id            INTEGER PRIMARY KEY,
            username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
            name          TEXT    NOT NULL,
            role          TEXT    NOT NULL CHECK (role IN ('admin', 'staf', 'puskesmas', 'viewer')),
            puskesmas     TEXT    CHECK ((role = 'puskesmas') = (puskesmas IS NOT NULL)),
            password_hash TEXT,            -- argon2id; NULL: signs in through the identity provider only
            identity      TEXT    UNIQUE,  -- the identity provider's e-mail mapped to this account
            active        INTEGER NOT NULL DEFAULT 1,
            failed        INTEGER NOT NULL DEFAULT 0,  -- wrong passwords in a row
            locked_until  TEXT,
            created_at    TEXT    NOT NULL,
            created_by    TEXT    NOT NULL,
            updated_at    TEXT    NOT NULL,
            updated_by    TEXT    NOT NULL
        )
        """,
        """
        CREATE TABLE account_history (
            id         INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES account (id),
            at         TEXT    NOT NULL,
            who        TEXT    NOT NULL,
            field      TEXT    NOT NULL,  -- 'password' records a reset, never a value
            old        TEXT,
            new        TEXT
        )
        """,
        "CREATE TABLE sign_in (id INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT NOT NULL, "
        "outcome TEXT NOT NULL, source TEXT NOT NULL)",
        """
        CREATE TABLE web_session (
            token_hash TEXT    PRIMARY KEY,  -- SHA-256 of the browser's token; the token itself is never stored
            account_id INTEGER NOT NULL REFERENCES account (id),
            created_at TEXT    NOT NULL,
            expires_at TEXT    NOT NULL,
            ended_at   TEXT
        )
        """,
        # Dojo notes: the signed-in author's account, and a withdrawal that keeps the note and says who and why.
        "ALTER TABLE critique ADD COLUMN author_account TEXT",
        "ALTER TABLE critique ADD COLUMN withdrawn_at TEXT",
        "ALTER TABLE critique ADD COLUMN withdrawn_by TEXT",
        "ALTER TABLE critique ADD COLUMN withdraw_reason TEXT",
        # Theater scripts: every saved state (and the deletion), so an overwritten script can be restored.
        """
        CREATE TABLE script_history (
            id        INTEGER PRIMARY KEY,
            script_id INTEGER NOT NULL,  -- no REFERENCES: the history outlives a deleted script
            version   INTEGER NOT NULL,
            at        TEXT    NOT NULL,
            who       TEXT    NOT NULL,
            change    TEXT    NOT NULL CHECK (change IN ('saved', 'deleted')),
            name      TEXT    NOT NULL,
            views     TEXT    NOT NULL   -- JSON list of {link, title, note}
        )
        """,
        # Downloads of people by name: who took which list, when.
        "CREATE TABLE download_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, "
        "puskesmas TEXT NOT NULL, what TEXT NOT NULL, rows INTEGER NOT NULL)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class Status(StrEnum):
    DIRENCANAKAN = "direncanakan"
    BERJALAN = "berjalan"
    SELESAI = "selesai"
    BATAL = "batal"


OPEN_STATUSES = frozenset({Status.DIRENCANAKAN, Status.BERJALAN})

# Fields a user sets (in form order); everything else on Action is maintained by the store.
EDITABLE = ("puskesmas", "period", "masalah", "penyebab", "rtl", "penanggung_jawab", "tenggat", "status",
            "indicator", "kode_desa")
REQUIRED = ("puskesmas", "period", "masalah", "rtl", "penanggung_jawab", "tenggat", "status")
MAX_LEN = {"puskesmas": 120, "masalah": 1000, "penyebab": 1000, "rtl": 1000, "penanggung_jawab": 120}
KODE_DESA = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def _label(name: str) -> Message:
    """A field's name in messages (``field_<name>`` texts)."""
    return Message(f"field_{name}")


class StoreError(Exception):
    """Base class of everything this module raises on purpose."""


class SchemaVersionError(StoreError):
    """The database file was written by a newer version of the app."""


class ValidationError(StoreError, ValueError):
    """One or more fields are invalid; ``messages`` lists all of them."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__(" ".join(self.messages))


class NotFoundError(StoreError, LookupError):
    """No record (action, Dojo session or note, theater script) with that id."""


class ConflictError(StoreError):
    """The action was changed by someone else since it was loaded (stale ``expected_version``)."""

    def __init__(self, action_id: int, expected_version: int, current_version: int, updated_by: str,
                 updated_at: str):
        self.action_id = action_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.updated_by = updated_by
        self.updated_at = updated_at
        super().__init__(Message("msg_action_conflict", id=action_id, who=updated_by, at=updated_at,
                                 current=current_version, expected=expected_version))


@dataclass(frozen=True)
class Action:
    """One follow-up action. For a new action leave the store-maintained fields at their defaults."""

    puskesmas: str
    period: date  # first of the month of the review meeting
    masalah: str
    rtl: str
    penanggung_jawab: str
    tenggat: date
    status: str
    penyebab: str = ""
    indicator: str | None = None  # slug in phdt.indicators.INDICATORS
    kode_desa: str | None = None  # Kemendagri, e.g. 33.03.08.2013
    id: int | None = None
    version: int = 0
    created_at: str | None = None  # UTC ISO 8601
    created_by: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None
    carried_from: date | None = None  # set by for_month on open actions from an earlier month

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class Change:
    """One field change in the audit trail; ``old`` is None when the action was created."""

    action_id: int
    version: int  # the action's version after the change
    at: str  # UTC ISO 8601
    who: str
    field: str
    old: str | None
    new: str | None


# --- validation ---------------------------------------------------------------------------------------


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def parse_period(value: object) -> date | None:
    """A month as its first day, from a date on the 1st, ``YYYY-MM`` or ``YYYY-MM-01``; else None."""
    if isinstance(value, str) and _ISO_MONTH.fullmatch(value.strip()):
        value = value.strip() + "-01"
    parsed = _parse_date(value)
    return parsed if parsed is not None and parsed.day == 1 else None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean(fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Normalised editable fields (text stripped, dates parsed) and every validation message."""
    errors: list[str] = []
    clean: dict[str, Any] = {}
    for name in fields:
        if name not in EDITABLE:
            errors.append(Message("msg_unknown_field", name=name))
    for name in REQUIRED:
        if _blank(fields.get(name)):
            errors.append(Message("msg_required", label=_label(name)))
    for name in ("puskesmas", "masalah", "penyebab", "rtl", "penanggung_jawab"):
        value = fields.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            errors.append(Message("msg_not_text", label=_label(name)))
            continue
        clean[name] = value.strip()
        if len(clean[name]) > MAX_LEN[name]:
            errors.append(Message("msg_too_long", label=_label(name), limit=MAX_LEN[name]))
    clean.setdefault("penyebab", "")

    period = fields.get("period")
    if not _blank(period):
        clean["period"] = parse_period(period)
        if clean["period"] is None:
            errors.append(Message("msg_period_month"))
    tenggat = fields.get("tenggat")
    if not _blank(tenggat):
        clean["tenggat"] = _parse_date(tenggat)
        if clean["tenggat"] is None:
            errors.append(Message("msg_deadline_date"))
        elif clean.get("period") is not None and clean["tenggat"] < clean["period"]:
            errors.append(Message("msg_deadline_before_period"))

    status = fields.get("status")
    if not _blank(status):
        clean["status"] = status.strip() if isinstance(status, str) else status
        if clean["status"] not in set(Status):
            errors.append(Message("msg_unknown_status", status=status, choices=", ".join(Status)))

    for name in ("indicator", "kode_desa"):
        value = fields.get(name)
        clean[name] = value.strip() if isinstance(value, str) and value.strip() else None
        if _blank(value):
            continue
        if not isinstance(value, str):
            errors.append(Message("msg_not_text", label=_label(name)))
        elif name == "indicator" and clean[name] not in INDICATORS:
            errors.append(Message("msg_unknown_indicator", slug=clean[name]))
        elif name == "kode_desa" and not KODE_DESA.fullmatch(clean[name]):
            errors.append(Message("msg_kode_desa_format"))

    return clean, errors


def validate(fields: Mapping[str, Any]) -> list[str]:
    """Every problem with a complete action's editable fields; [] when valid."""
    return _clean(fields)[1]


def _stripped(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _editable(action: Action | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(action, Action):
        return {name: getattr(action, name) for name in EDITABLE}
    return dict(action)


# --- storage ------------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _to_db(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _to_text(value: Any) -> str | None:
    value = _to_db(value)
    return None if value is None else str(value)


_ACTION_COLUMNS = tuple(f.name for f in dc_fields(Action) if f.name != "carried_from")


def _row_to_action(row: sqlite3.Row, carried_from: date | None = None) -> Action:
    values = {name: row[name] for name in _ACTION_COLUMNS}
    values["period"] = date.fromisoformat(values["period"])
    values["tenggat"] = date.fromisoformat(values["tenggat"])
    values["status"] = Status(values["status"])
    return Action(**values, carried_from=carried_from)


def existing(conn: sqlite3.Connection, table: str, token: str | None) -> int | None:
    """The id of the row of ``table`` created with form token ``token``; None for no token or no row.

    Called inside the create's BEGIN IMMEDIATE transaction, so of two creates with one token the
    second waits for the first's commit and then finds its row; the UNIQUE index on ``form_token``
    refuses a duplicate even from a writer that skips this check.
    """
    if token is None:
        return None
    if not isinstance(token, str) or not token.strip() or len(token) > 200:
        raise TypeError("token must be a non-empty str of at most 200 characters")
    row = conn.execute(f"SELECT id FROM {table} WHERE form_token = ?", (token,)).fetchone()
    return None if row is None else row[0]


class Store:
    """Follow-up actions in one SQLite file; creates or migrates the file on construction.

    Holds no connection: each method opens and closes its own, so one Store can be shared by
    Streamlit's session threads (e.g. through ``st.cache_resource``).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    # connections and transactions (also for later features sharing this file)

    @contextmanager
    def connect(self, check_version: bool = True) -> Iterator[sqlite3.Connection]:
        """A fresh autocommit connection with WAL, busy_timeout and foreign keys; closed on exit."""
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        with closing(conn):
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            if check_version:
                self._check_version(conn, exact=True)
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with BEGIN IMMEDIATE: committed on success, rolled back on error.

        Taking the write lock up front makes a second writer wait (busy_timeout) rather than fail
        with SQLITE_BUSY when a read transaction tries to upgrade after another commit.
        """
        with self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # SQLite may already have rolled back (e.g. on SQLITE_FULL)
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _check_version(self, conn: sqlite3.Connection, exact: bool) -> int:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                Message("msg_db_newer", path=self.path, version=version, supported=SCHEMA_VERSION)
            )
        if exact and version != SCHEMA_VERSION:
            raise SchemaVersionError(Message("msg_db_not_migrated", path=self.path, version=version))
        return version

    def migrate(self) -> int:
        """Apply missing migration steps in one transaction; a no-op on a current file. Returns the version."""
        with self.connect(check_version=False) as conn:
            current = self._check_version(conn, exact=False)  # refuse a newer file before touching it
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]  # persistent; a no-op once set
            if mode.lower() != "wal":
                log.warning("SQLite WAL mode unavailable for %s (journal_mode=%s)", self.path, mode)
            if current == SCHEMA_VERSION:
                return SCHEMA_VERSION
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._check_version(conn, exact=False)  # another process may have migrated meanwhile
                for step in range(version, SCHEMA_VERSION):
                    for statement in MIGRATIONS[step]:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {step + 1}")
            except BaseException:
                if conn.in_transaction:  # SQLite may already have rolled back (e.g. on SQLITE_FULL)
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return SCHEMA_VERSION

    def schema_version(self) -> int:
        with self.connect(check_version=False) as conn:
            return conn.execute("PRAGMA user_version").fetchone()[0]

    # actions

    def add(self, action: Action | Mapping[str, Any], by: User, token: str | None = None) -> int:
        """Store a new action (version 1) by the signed-in ``by`` and its creation in the audit trail;
        returns its id. Forbidden unless ``by`` may write the action's puskesmas's actions.

        ``token`` is the form's idempotency token: a second add with the same token stores nothing
        and returns the first one's id (see ``existing``).
        """
        with self.transaction() as conn:
            return self.insert(conn, action, by, token)

    def insert(self, conn: sqlite3.Connection, action: Action | Mapping[str, Any], by: User,
               token: str | None = None) -> int:
        """``add`` on the caller's transaction, so a feature can create an action atomically with its own rows."""
        fields = _editable(action)
        require(by, Right.WRITE_ACTION, _stripped(fields.get("puskesmas")))
        if (found := existing(conn, "action", token)) is not None:
            return found
        clean, errors = _clean(fields)
        if errors:
            raise ValidationError(errors)
        who, now = by.author, _now()
        values = {name: _to_db(clean[name]) for name in EDITABLE}
        columns = (*EDITABLE, "version", "created_at", "created_by", "updated_at", "updated_by", "form_token")
        cursor = conn.execute(
            f"INSERT INTO action ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            (*values.values(), 1, now, who, now, who, token),
        )
        action_id = cursor.lastrowid
        conn.executemany(
            "INSERT INTO action_history (action_id, version, at, who, field, old, new) VALUES (?, 1, ?, ?, ?, NULL, ?)",
            [(action_id, now, who, name, _to_text(value)) for name, value in values.items() if value not in (None, "")],
        )
        return action_id

    def get(self, action_id: int) -> Action:
        with self.connect() as conn:
            row = conn.execute("SELECT * FROM action WHERE id = ?", (action_id,)).fetchone()
        if row is None:
            raise NotFoundError(Message("msg_action_not_found", id=action_id))
        return _row_to_action(row)

    def update(self, action_id: int, changes: Mapping[str, Any], by: User, expected_version: int) -> int:
        """Apply ``changes`` by the signed-in ``by`` if the action is still at ``expected_version``;
        returns the new version. ``by`` must be allowed to write the action's puskesmas, before and after.

        Raises Forbidden, ConflictError when someone saved in between, ValidationError when the changed action
        would be invalid, NotFoundError for an unknown id. Changes that alter nothing are a no-op and
        return the current version. Closing an action is an update of ``status`` to selesai or batal.
        """
        require(by, Right.WRITE_ACTION, getattr(by, "puskesmas", None))  # may write some actions at all
        unknown = [Message("msg_unknown_field", name=name) for name in changes if name not in EDITABLE]
        if unknown:
            raise ValidationError(unknown)
        if isinstance(expected_version, bool) or not isinstance(expected_version, int):
            raise TypeError("expected_version must be an int")
        who, now = by.author, _now()
        with self.transaction() as conn:
            row = conn.execute("SELECT * FROM action WHERE id = ?", (action_id,)).fetchone()
            if row is None:
                raise NotFoundError(Message("msg_action_not_found", id=action_id))
            require(by, Right.WRITE_ACTION, row["puskesmas"])
            require(by, Right.WRITE_ACTION, _stripped(changes.get("puskesmas", row["puskesmas"])))
            if row["version"] != expected_version:
                raise ConflictError(action_id, expected_version, row["version"], row["updated_by"], row["updated_at"])
            current = {name: row[name] for name in EDITABLE}
            clean, errors = _clean({**current, **changes})
            if errors:
                raise ValidationError(errors)
            new = {name: _to_db(clean[name]) for name in EDITABLE}
            diff = [name for name in EDITABLE if new[name] != current[name]]
            if not diff:
                return expected_version
            version = expected_version + 1
            cursor = conn.execute(
                f"UPDATE action SET {', '.join(f'{name} = ?' for name in diff)}, version = ?, updated_at = ?, "
                "updated_by = ? WHERE id = ? AND version = ?",
                (*(new[name] for name in diff), version, now, who, action_id, expected_version),
            )
            assert cursor.rowcount == 1  # guaranteed by the version check under the write lock
            conn.executemany(
                "INSERT INTO action_history (action_id, version, at, who, field, old, new) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(action_id, version, now, who, name, _to_text(current[name]), _to_text(new[name])) for name in diff],
            )
        return version

    def for_month(self, puskesmas: str, period: date | str) -> list[Action]:
        """Actions of ``puskesmas`` for the month plus still-open ones from earlier months.

        Open means the current status is direncanakan or berjalan. Carried-forward actions have
        ``carried_from`` set to their own month. Ordered oldest month first, then deadline, then id,
        so carried-forward actions lead.
        """
        month = parse_period(period)
        if month is None:
            raise ValidationError([Message("msg_period_month")])
        open_statuses = sorted(OPEN_STATUSES)
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT * FROM action WHERE puskesmas = ? AND (period = ? OR (period < ? AND status IN (?, ?))) "
                "ORDER BY period, tenggat, id",
                (puskesmas.strip(), month.isoformat(), month.isoformat(), *open_statuses),
            ).fetchall()
        return [
            _row_to_action(row, carried_from=date.fromisoformat(row["period"]) if row["period"] != month.isoformat() else None)
            for row in rows
        ]

    def last_change(self) -> int:
        """A number that grows with every create or update of an action (0 for none): a cache key for
        anything built from actions, so a new or closed action is never served from a stale copy."""
        with self.connect() as conn:
            return conn.execute("SELECT coalesce(max(id), 0) FROM action_history").fetchone()[0]

    def history(self, action_id: int) -> list[Change]:
        """Every recorded change of the action, oldest first (creation first); [] for an unknown id."""
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT action_id, version, at, who, field, old, new FROM action_history WHERE action_id = ? ORDER BY id",
                (action_id,),
            ).fetchall()
        return [Change(**dict(row)) for row in rows]
