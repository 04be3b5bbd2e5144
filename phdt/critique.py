"""Dojo peer-critique: sessions where 2–4 puskesmas present their results and peers write notes.

A session covers one month and a few indicators; its presenters speak in a fixed order. Each note
is written by the signed-in user (``author``) on behalf of a reviewer (another puskesmas, or e.g.
Dinkes; a puskesmas account reviews only as its own puskesmas) about one presenter, and is a
strength, problem, suggestion or question. A suggestion (saran) can
become a follow-up action (RTL) of the presenting puskesmas: the action and the link to it are
written in one transaction, so a failure leaves neither and two browsers converting the same
suggestion create exactly one action.

Rows live in the follow-up actions' SQLite file (``phdt.actions.Store``, migration step 2) and use
its connections, transactions, errors and rules for names. Sessions and notes are not edited once
written; a note can be withdrawn by its author or a Dinkes role, which keeps it with who withdrew it,
when and why (``withdrawn_*``), and leaves it out of summaries. Text is stored exactly as entered after stripping; escaping is the UI's job. User-facing
messages are :class:`phdt.texts.Message` texts, rendered in the reader's language by the UI.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from phdt.actions import (
    MAX_LEN,
    NotFoundError,
    Store,
    ValidationError,
    _blank,
    _now,
    existing,
    parse_period,
    validate,
)
from phdt.indicators import INDICATORS
from phdt.roles import Right, User, require
from phdt.texts import Message


class NoteKind(StrEnum):
    """Kinds of note, in display order."""

    KEKUATAN = "kekuatan"
    MASALAH = "masalah"
    SARAN = "saran"
    PERTANYAAN = "pertanyaan"


@dataclass(frozen=True)
class Session:
    id: int
    title: str
    period: date  # first of the month under review
    indicators: tuple[str, ...]  # slugs in phdt.indicators.INDICATORS
    presenters: tuple[str, ...]  # puskesmas names, in presenting order
    created_at: str  # UTC ISO 8601
    created_by: str


@dataclass(frozen=True)
class Note:
    id: int
    session_id: int
    presenter: str
    reviewer: str
    author: str
    kind: NoteKind
    text: str
    indicator: str | None
    action_id: int | None  # the follow-up action this saran became
    created_at: str  # UTC ISO 8601
    author_account: str | None = None  # the signed-in author's account (None on notes from before accounts)
    withdrawn_at: str | None = None
    withdrawn_by: str | None = None
    withdraw_reason: str | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


MIN_PRESENTERS, MAX_PRESENTERS = 2, 4
MAX_TITLE = 120
MAX_NAME = MAX_LEN["puskesmas"]
MAX_TEXT = 1000
_KIND_ORDER = {kind: i for i, kind in enumerate(NoteKind)}


# --- validation ---------------------------------------------------------------------------------------


def _text_errors(value: object, label: str, limit: int) -> list[str]:
    """Required free text, with the same wording as the follow-up action form; `label` is a
    ``field_*`` text key."""
    if _blank(value):
        return [Message("msg_required", label=Message(label))]
    if not isinstance(value, str):
        return [Message("msg_not_text", label=Message(label))]
    if len(value.strip()) > limit:
        return [Message("msg_too_long", label=Message(label), limit=limit)]
    return []


def _raise_if(errors: list[str]) -> None:
    """Report every problem at once, each message once (e.g. several blank presenters)."""
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)))


def _period_errors(period: object) -> list[str]:
    if _blank(period):
        return [Message("msg_required", label=Message("field_period"))]
    return [] if parse_period(period) is not None else [Message("msg_period_month")]


def _indicator_errors(indicators: Sequence[str]) -> list[str]:
    if not indicators:
        return [Message("msg_choose_indicator")]
    errors = [Message("msg_unknown_indicator", slug=slug) for slug in indicators if slug not in INDICATORS]
    errors += [Message("msg_indicator_twice", slug=slug) for i, slug in enumerate(indicators) if slug in indicators[:i]]
    return errors


def _presenter_errors(presenters: Sequence[object]) -> list[str]:
    """Count, name rules, and distinctness ignoring case (the same puskesmas typed twice)."""
    errors = []
    if not MIN_PRESENTERS <= len(presenters) <= MAX_PRESENTERS:
        errors.append(Message("msg_presenter_count", min=MIN_PRESENTERS, max=MAX_PRESENTERS, chosen=len(presenters)))
    errors += [e for name in presenters for e in _text_errors(name, "field_presenter_name", MAX_NAME)]
    seen: set[str] = set()
    for name in (p.strip() for p in presenters if isinstance(p, str) and p.strip()):
        if name.casefold() in seen:
            errors.append(Message("msg_presenter_twice", name=name))
        seen.add(name.casefold())
    return errors


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


# --- sessions -----------------------------------------------------------------------------------------


def _row_to_session(row: sqlite3.Row) -> Session:
    return Session(
        id=row["id"], title=row["title"], period=date.fromisoformat(row["period"]),
        indicators=tuple(json.loads(row["indicators"])), presenters=tuple(json.loads(row["presenters"])),
        created_at=row["created_at"], created_by=row["created_by"],
    )


def _load_session(conn: sqlite3.Connection, session_id: int) -> Session:
    row = conn.execute("SELECT * FROM dojo_session WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise NotFoundError(Message("msg_session_not_found", id=session_id))
    return _row_to_session(row)


def create_session(store: Store, title: str, period: date | str, indicators: Sequence[str],
                   presenters: Sequence[str], by: User, token: str | None = None) -> int:
    """Store a new session led by the signed-in ``by`` (a Dinkes role); presenters keep the given
    order, which is the order notes are shown in.

    A second create with the same form ``token`` stores nothing and returns the first one's id."""
    require(by, Right.RUN_DOJO)
    indicators = tuple(_strip(slug) for slug in indicators)
    _raise_if(
        _text_errors(title, "field_title", MAX_TITLE) + _period_errors(period) + _indicator_errors(indicators)
        + _presenter_errors(tuple(presenters))
    )
    with store.transaction() as conn:
        if (found := existing(conn, "dojo_session", token)) is not None:
            return found
        cursor = conn.execute(
            "INSERT INTO dojo_session (title, period, indicators, presenters, created_at, created_by, form_token) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (title.strip(), parse_period(period).isoformat(), json.dumps(indicators),
             json.dumps([p.strip() for p in presenters], ensure_ascii=False), _now(), by.author, token),
        )
        return cursor.lastrowid


def sessions(store: Store) -> list[Session]:
    """All sessions, newest first."""
    with store.connect() as conn:
        return [_row_to_session(row) for row in conn.execute("SELECT * FROM dojo_session ORDER BY id DESC")]


def get_session(store: Store, session_id: int) -> Session:
    with store.connect() as conn:
        return _load_session(conn, session_id)


# --- notes --------------------------------------------------------------------------------------------


def _note_errors(session: Session, presenter: object, reviewer: object, kind: object, text: object,
                 indicator: object) -> list[str]:
    errors = []
    if _strip(presenter) not in session.presenters:
        errors.append(Message("msg_presenter_not_in_session", choices=", ".join(session.presenters)))
    reviewer_errors = _text_errors(reviewer, "field_reviewer", MAX_NAME)
    if not reviewer_errors and isinstance(presenter, str) and reviewer.strip().casefold() == presenter.strip().casefold():
        reviewer_errors = [Message("msg_review_own")]
    errors += reviewer_errors
    if _blank(kind):
        errors.append(Message("msg_required", label=Message("field_note_kind")))
    elif _strip(kind) not in set(NoteKind):
        errors.append(Message("msg_unknown_note_kind", kind=kind, choices=", ".join(NoteKind)))
    errors += _text_errors(text, "field_note", MAX_TEXT)
    if not _blank(indicator) and _strip(indicator) not in session.indicators:
        errors.append(Message("msg_indicator_not_in_session", slug=indicator))
    return errors


def add_note(store: Store, session_id: int, presenter: str, reviewer: str, by: User, kind: str, text: str,
             indicator: str | None = None, token: str | None = None) -> int:
    """Store a note by the signed-in ``by`` on one presenter of the session; NotFoundError for an
    unknown session, Forbidden when a puskesmas account reviews as another puskesmas.

    A second add with the same form ``token`` stores nothing and returns the first one's id."""
    require(by, Right.WRITE_NOTE, _strip(reviewer))
    with store.transaction() as conn:
        if (found := existing(conn, "critique", token)) is not None:
            return found
        _raise_if(_note_errors(_load_session(conn, session_id), presenter, reviewer, kind, text, indicator))
        cursor = conn.execute(
            "INSERT INTO critique (session_id, presenter, reviewer, author, author_account, kind, text, indicator, "
            "created_at, form_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, presenter.strip(), reviewer.strip(), by.author, by.username, kind.strip(), text.strip(),
             None if _blank(indicator) else indicator.strip(), _now(), token),
        )
        return cursor.lastrowid


def withdraw_note(store: Store, note_id: int, by: User, reason: str) -> None:
    """Withdraw a note: its author (still allowed to write as its reviewer) or a Dinkes role may.

    The note stays, marked with who withdrew it, when and why; summaries leave it out."""
    require(by, Right.WRITE_NOTE, getattr(by, "puskesmas", None))
    _raise_if(_text_errors(reason, "field_withdraw_reason", MAX_TEXT))
    with store.transaction() as conn:
        row = conn.execute("SELECT * FROM critique WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise NotFoundError(Message("msg_note_not_found", id=note_id))
        if not by.can(Right.MODERATE):
            require(by, Right.WRITE_NOTE, row["reviewer"])
            if row["author_account"] != by.username:
                require(by, Right.MODERATE)
        if row["withdrawn_at"] is not None:
            raise ValidationError([Message("msg_note_withdrawn")])
        conn.execute("UPDATE critique SET withdrawn_at = ?, withdrawn_by = ?, withdraw_reason = ? WHERE id = ?",
                     (_now(), by.author, reason.strip(), note_id))


def _row_to_note(row: sqlite3.Row) -> Note:
    values = {name: row[name] for name in Note.__dataclass_fields__}
    return Note(**{**values, "kind": NoteKind(row["kind"])})


def notes(store: Store, session_id: int) -> list[Note]:
    """The session's notes grouped as presented: presenter order, then NoteKind order, then as written."""
    with store.connect() as conn:
        session = _load_session(conn, session_id)
        rows = conn.execute("SELECT * FROM critique WHERE session_id = ?", (session_id,)).fetchall()
    order = {name: i for i, name in enumerate(session.presenters)}
    return sorted(map(_row_to_note, rows), key=lambda n: (order[n.presenter], _KIND_ORDER[n.kind], n.id))


def note_to_action(store: Store, note_id: int, action: Mapping[str, Any], by: User) -> int:
    """Turn a saran into a follow-up action of its presenter; returns the action id.

    The checks, the action and the link are one BEGIN IMMEDIATE transaction: of two browsers
    converting the same saran the second waits for the lock, then sees the link and is refused.
    """
    with store.transaction() as conn:
        row = conn.execute("SELECT kind, presenter, action_id, withdrawn_at FROM critique WHERE id = ?",
                           (note_id,)).fetchone()
        if row is None:
            raise NotFoundError(Message("msg_note_not_found", id=note_id))
        if row["kind"] != NoteKind.SARAN:
            raise ValidationError([Message("msg_only_saran")])
        if row["withdrawn_at"] is not None:
            raise ValidationError([Message("msg_note_withdrawn")])
        if row["action_id"] is not None:
            raise ValidationError([Message("msg_saran_done", id=row["action_id"])])
        puskesmas = action.get("puskesmas")
        wrong_puskesmas = [] if _blank(puskesmas) or _strip(puskesmas) == row["presenter"] else [
            Message("msg_saran_presenter", name=row["presenter"])]
        _raise_if(wrong_puskesmas + validate(action))
        action_id = store.insert(conn, action, by)
        conn.execute("UPDATE critique SET action_id = ? WHERE id = ?", (action_id, note_id))
        return action_id
