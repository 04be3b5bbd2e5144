"""Idempotent creates: a form token makes a double click, a retry after a crash, or two racing requests
with one token store one row (follow-up actions, Dojo sessions and notes, theater scripts)."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from phdt import actions, critique, theater
from phdt.actions import SCHEMA_VERSION, Store
from phdt.theater import View
from tests.helpers import count_rows, run_in_threads, user

WHO = user(name="dr. Sari")  # the signed-in author
ANI = user(name="Bu Ani")
PRESENTERS = ("Kutasari", "Bukateja", "Kemangkon")
ACTION = {"puskesmas": "Kutasari", "period": date(2025, 1, 1), "masalah": "Cakupan K4 rendah", "rtl": "Sweeping",
          "penanggung_jawab": "Bidan koordinator", "tenggat": date(2025, 2, 28), "status": "direncanakan"}


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "rtl.sqlite")


def new_session(store, token=None):
    return critique.create_session(store, "Dojo Januari", "2025-01", ["anc_k4"], PRESENTERS, WHO, token=token)


def new_note(store, session_id, token=None):
    return critique.add_note(store, session_id, "Kutasari", "Bukateja", ANI, "saran", "Libatkan kader",
                             token=token)


def new_script(store, token=None, name="Paparan ANC"):
    return theater.save(store, name, [View("/peta?indikator=anc_k6", "Peta")], WHO, lambda link: None, token=token)


CREATES = {
    "action": lambda store, token: store.add(ACTION, WHO, token=token),
    "dojo_session": new_session,
    "critique": lambda store, token: new_note(store, new_session(store, "the-session"), token),
    "script": new_script,
}


@pytest.mark.parametrize("table", CREATES)
def test_two_creates_with_one_token_store_one_row(store, table):
    first = CREATES[table](store, "tok-1")
    assert CREATES[table](store, "tok-1") == first
    assert count_rows(store, table) == 1
    if table == "action":
        assert count_rows(store, "action_history") == len(store.history(first))  # no second creation trail


@pytest.mark.parametrize("table", CREATES)
def test_other_tokens_and_no_token_still_create(store, table):
    if table == "script":
        new_script(store, "a", "Satu"), new_script(store, "b", "Dua"), new_script(store, None, "Tiga")
    else:
        CREATES[table](store, "a"), CREATES[table](store, "b"), CREATES[table](store, None), CREATES[table](store, None)
    assert count_rows(store, table) == (3 if table == "script" else 4)


@pytest.mark.parametrize("table", CREATES)
def test_concurrent_creates_with_one_token_store_one_row(store, table):
    if table == "critique":
        session_id = new_session(store)
    ids: list[int] = []

    def create(i: int) -> None:
        if table == "critique":
            ids.append(new_note(store, session_id, "race"))
        else:
            ids.append(CREATES[table](store, "race"))

    assert run_in_threads(8, create) == []
    assert count_rows(store, table) == 1
    assert len(set(ids)) == 1 and len(ids) == 8


def test_the_database_itself_refuses_a_second_row_with_a_token(store):
    """The UNIQUE column, not only the check in Python, holds the rule (other processes, old code)."""
    store.add(ACTION, WHO, token="t")
    with store.connect() as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO action (puskesmas, period, masalah, rtl, penanggung_jawab, tenggat, status, "
                     "created_at, created_by, updated_at, updated_by, form_token) VALUES ('K', '2025-01-01', 'm', "
                     "'r', 'p', '2025-01-31', 'berjalan', 't', 'w', 't', 'w', 't')")


def test_a_version_3_file_gets_the_token_columns_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        for step in actions.MIGRATIONS[:3]:
            for statement in step:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 3")
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.add(ACTION, WHO, token="x") == store.add(ACTION, WHO, token="x")
    assert count_rows(store, "action") == 1
