"""Theater mode: named, reusable scripts a presenter steps through, one deep-linked view at a time.

A script is an ordered list of views; each view is a relative deep link of the app (e.g.
``/peta?indikator=anc_k6&periode=2025-12&tingkat=desa``) with a title and a speaker note. Only the
app knows its pages and parameters, so it passes ``check_link`` to ``save``; this module checks the
rest.

Rows live in the follow-up actions' SQLite file (``phdt.actions.Store``, migration step 3) and use
its connections, transactions, errors and rules for names. A save replaces the script's name and
whole view list in one BEGIN IMMEDIATE transaction and bumps its ``version``; editing names the
version it was based on, so of two browsers editing the same script the second is told to reload.
Text is stored exactly as entered after stripping; escaping is the UI's job. User-facing messages
are :class:`phdt.texts.Message` texts, rendered in the reader's language by the UI.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

from phdt.actions import ConflictError, NotFoundError, Store, ValidationError, _blank, _now, existing
from phdt.roles import Right, User, require
from phdt.texts import Message

log = logging.getLogger(__name__)

MAX_VIEWS = 30
MAX_NAME = 80
MAX_TITLE = 120
MAX_NOTE = 1000
MAX_LINK = 2000


@dataclass(frozen=True)
class View:
    link: str  # relative deep link of the app
    title: str
    note: str = ""  # speaker note


@dataclass(frozen=True)
class Script:
    id: int
    name: str
    views: tuple[View, ...]  # in presenting order
    version: int
    updated_at: str  # UTC ISO 8601
    updated_by: str


class ScriptConflictError(ConflictError):
    """A stale ``expected_version``: a ConflictError (one type for the UI to catch) worded for a script."""

    def __init__(self, script_id: int, expected_version: int, current_version: int, updated_by: str,
                 updated_at: str):
        super().__init__(script_id, expected_version, current_version, updated_by, updated_at)
        message = Message("msg_script_conflict", id=script_id, who=updated_by, at=updated_at,
                          current=current_version, expected=expected_version)
        self.args = (message,)  # what str() shows; the parent's message names an RTL


# --- validation ---------------------------------------------------------------------------------------


def _text_errors(value: object, label: str, limit: int, required: bool = True) -> list[str]:
    """Free text, with the same wording as the follow-up action form; `label` is a ``field_*`` text key."""
    if _blank(value):
        return [Message("msg_required", label=Message(label))] if required else []
    if not isinstance(value, str):
        return [Message("msg_not_text", label=Message(label))]
    if len(value.strip()) > limit:
        return [Message("msg_too_long", label=Message(label), limit=limit)]
    return []


def _view_errors(view: View, check_link: Callable[[str], str | None]) -> list[str]:
    """Problems of one view; the link is shown to ``check_link`` only once it is plausible text."""
    errors = _text_errors(view.title, "field_title", MAX_TITLE) + _text_errors(view.note, "field_speaker_note", MAX_NOTE,
                                                                           required=False)
    link_errors = _text_errors(view.link, "field_link", MAX_LINK)
    if not link_errors:
        problem = check_link(view.link.strip())
        link_errors = [] if problem is None else [problem]
    return errors + link_errors


def _errors(name: object, views: Sequence[View], check_link: Callable[[str], str | None]) -> list[str]:
    """Every problem that needs no database; view messages carry the view's 1-based position."""
    errors = _text_errors(name, "field_script_name", MAX_NAME)
    if not 1 <= len(views) <= MAX_VIEWS:
        errors.append(Message("msg_script_views", max=MAX_VIEWS, count=len(views)))
    for position, view in enumerate(views, start=1):
        errors += [Message("msg_view_problem", position=position, problem=e) for e in _view_errors(view, check_link)]
    return errors


def _name_clash(conn: sqlite3.Connection, name: str, script_id: int | None) -> list[str]:
    """The column's NOCASE collation makes the lookup case-insensitive, like the UNIQUE constraint."""
    row = conn.execute("SELECT name FROM script WHERE name = ? AND id IS NOT ?", (name, script_id)).fetchone()
    return [] if row is None else [Message("msg_script_name_taken", name=row["name"])]


# --- storage ------------------------------------------------------------------------------------------


def _check_current(conn: sqlite3.Connection, script_id: int, expected_version: int) -> None:
    """NotFoundError for an unknown script, ScriptConflictError when someone saved since it was loaded."""
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise TypeError("expected_version must be an int")
    row = conn.execute("SELECT version, updated_by, updated_at FROM script WHERE id = ?", (script_id,)).fetchone()
    if row is None:
        raise NotFoundError(Message("msg_script_not_found", id=script_id))
    if row["version"] != expected_version:
        raise ScriptConflictError(script_id, expected_version, row["version"], row["updated_by"], row["updated_at"])


def _write(conn: sqlite3.Connection, name: str, who: str, script_id: int | None, token: str | None = None) -> int:
    """Insert the script row (version 1) or rename it and bump its version; returns its id."""
    now = _now()
    if script_id is None:
        return conn.execute(
            "INSERT INTO script (name, created_at, created_by, updated_at, updated_by, form_token) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, now, who, now, who, token),
        ).lastrowid
    conn.execute("UPDATE script SET name = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE id = ?",
                 (name, now, who, script_id))
    conn.execute("DELETE FROM script_view WHERE script_id = ?", (script_id,))
    return script_id


def save(store: Store, name: str, views: Sequence[View], by: User, check_link: Callable[[str], str | None],
         script_id: int | None = None, expected_version: int | None = None, token: str | None = None) -> int:
    """Create a script (no ``script_id``) or replace its name and views, by the signed-in ``by``;
    returns its id. Every saved state goes to ``script_history``, so an overwrite can be undone.

    Replacing needs the ``expected_version`` it was loaded at. Raises ValidationError with every
    problem, NotFoundError for an unknown id, ScriptConflictError (a ConflictError) for a stale version.
    A create with the form ``token`` of an earlier create stores nothing and returns that script's id.
    """
    require(by, Right.WRITE_SCRIPT)
    if (script_id is None) != (expected_version is None):
        raise TypeError("expected_version is required exactly when script_id is given")
    views = tuple(views)
    errors = _errors(name, views, check_link)  # before the lock: check_link is the app's code
    with store.transaction() as conn:
        if script_id is None and (found := existing(conn, "script", token)) is not None:
            return found
        if script_id is not None:
            _check_current(conn, script_id, expected_version)
        if isinstance(name, str) and name.strip():
            errors = _name_clash(conn, name.strip(), script_id) + errors  # where the name's messages go
        if errors:
            raise ValidationError(errors)
        script_id = _write(conn, name.strip(), by.author, script_id, token)
        conn.executemany(
            "INSERT INTO script_view (script_id, position, link, title, note) VALUES (?, ?, ?, ?, ?)",
            [(script_id, i, v.link.strip(), v.title.strip(), (v.note or "").strip()) for i, v in enumerate(views)],
        )
        _record(conn, script_id, by, "saved")
        return script_id


def _record(conn: sqlite3.Connection, script_id: int, by: User, change: str) -> None:
    """The script as it now stands (or stood before its deletion) in its history."""
    script = _load(conn, "WHERE s.id = ?", (script_id,))[0]
    views = [{"link": v.link, "title": v.title, "note": v.note} for v in script.views]
    conn.execute("INSERT INTO script_history (script_id, version, at, who, change, name, views) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (script_id, script.version, _now(), by.author, change, script.name,
                  json.dumps(views, ensure_ascii=False)))


@dataclass(frozen=True)
class Saved:
    """One entry of a script's history: what it was after a save, or just before its deletion."""

    version: int
    at: str  # UTC ISO 8601
    who: str
    change: str  # saved | deleted
    name: str
    views: tuple[View, ...]


def history(store: Store, script_id: int) -> list[Saved]:
    """Every saved state of the script, newest first ([] for an id never saved)."""
    with store.connect() as conn:
        rows = conn.execute("SELECT * FROM script_history WHERE script_id = ? ORDER BY id DESC",
                            (script_id,)).fetchall()
    return [Saved(r["version"], r["at"], r["who"], r["change"], r["name"],
                  tuple(View(**v) for v in json.loads(r["views"]))) for r in rows]


def _load(conn: sqlite3.Connection, where: str = "", params: tuple = ()) -> list[Script]:
    """Scripts with their views in one statement, so a concurrent save is seen whole or not at all."""
    rows = conn.execute(
        "SELECT s.id, s.name, s.version, s.updated_at, s.updated_by, v.link, v.title, v.note "
        f"FROM script s JOIN script_view v ON v.script_id = s.id {where} ORDER BY s.name, s.id, v.position",
        params,
    ).fetchall()
    return [_to_script(list(group)) for _, group in groupby(rows, key=lambda row: row["id"])]


def _to_script(rows: list[sqlite3.Row]) -> Script:
    """One script from its joined rows, which repeat the script's columns on every view."""
    head = rows[0]
    return Script(id=head["id"], name=head["name"], views=tuple(View(r["link"], r["title"], r["note"]) for r in rows),
                  version=head["version"], updated_at=head["updated_at"], updated_by=head["updated_by"])


def scripts(store: Store) -> list[Script]:
    """All scripts by name, ignoring case (the column's NOCASE collation)."""
    with store.connect() as conn:
        return _load(conn)


def get(store: Store, script_id: int) -> Script:
    with store.connect() as conn:
        found = _load(conn, "WHERE s.id = ?", (script_id,))
    if not found:
        raise NotFoundError(Message("msg_script_not_found", id=script_id))
    return found[0]


def delete(store: Store, script_id: int, by: User, expected_version: int) -> None:
    """Delete a script and (by ON DELETE CASCADE) its views, unless someone saved it since it was loaded.

    Its last state stays in ``script_history`` with who deleted it.
    """
    require(by, Right.WRITE_SCRIPT)
    with store.transaction() as conn:
        _check_current(conn, script_id, expected_version)
        _record(conn, script_id, by, "deleted")
        conn.execute("DELETE FROM script WHERE id = ?", (script_id,))
    log.info("script #%s deleted by %s", script_id, by.author)
