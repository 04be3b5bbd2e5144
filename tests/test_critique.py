"""Dojo peer-critique: migration, sessions and notes, validation, and turning a saran into an RTL atomically."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest

from phdt import actions, critique
from phdt.actions import SCHEMA_VERSION, NotFoundError, Store
from phdt.critique import MAX_PRESENTERS, MIN_PRESENTERS, Note, NoteKind, Session
from phdt.roles import Forbidden
from tests.helpers import count_rows, run_in_threads, user, validation_messages

JAN = date(2025, 1, 1)
WHO = user(name="dr. Sari")  # the signed-in author; sessions and actions record WHO.author
ANI = user(name="Bu Ani")  # the signed-in author of the notes
BUDI = user(name="Pak Budi")
PRESENTERS = ("Kutasari", "Bukateja", "Kemangkon")


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "rtl.sqlite")


@pytest.fixture
def session_id(store):
    return critique.create_session(store, "Dojo Januari: ANC", "2025-01", ["anc_k4", "anc_k6"], PRESENTERS, WHO)


def note(store, session_id, **overrides) -> int:
    fields = {"presenter": "Kutasari", "reviewer": "Bukateja", "by": ANI, "kind": "saran",
              "text": "Libatkan kader untuk sweeping bumil", "indicator": "anc_k4"}
    return critique.add_note(store, session_id, **{**fields, **overrides})


def rtl(**overrides) -> dict:
    fields = {"puskesmas": "Kutasari", "period": JAN, "masalah": "Cakupan K4 rendah", "rtl": "Sweeping bumil",
              "penanggung_jawab": "Bidan koordinator", "tenggat": date(2025, 2, 28), "status": "direncanakan",
              "indicator": "anc_k4"}
    return {**fields, **overrides}


# --- migration ----------------------------------------------------------------------------------------


def test_a_version_1_file_is_migrated_and_keeps_its_actions(tmp_path):
    path = tmp_path / "rtl.sqlite"
    with sqlite3.connect(path) as conn:
        for statement in actions.MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO action (puskesmas, period, masalah, rtl, penanggung_jawab, tenggat, status, created_at, "
            "created_by, updated_at, updated_by) VALUES ('Kutasari', '2025-01-01', 'lama', 'r', 'p', '2025-01-31', "
            "'berjalan', 't', 'w', 't', 'w')"
        )
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    [old] = store.for_month("Kutasari", JAN)
    assert (old.masalah, old.status, old.version) == ("lama", "berjalan", 1)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
    assert {"dojo_session", "critique", "critique_session"} <= tables
    session_id = critique.create_session(store, "Dojo", JAN, ["anc_k4"], PRESENTERS[:2], WHO)
    note_id = note(store, session_id)
    assert critique.note_to_action(store, note_id, rtl(), WHO) == old.id + 1


def test_the_schema_enforces_kind_period_and_foreign_keys(store, session_id):
    with store.connect() as conn:
        insert = ("INSERT INTO critique (session_id, presenter, reviewer, author, kind, text, action_id, created_at) "
                  "VALUES (?, 'a', 'b', 'c', ?, 't', ?, 'now')")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(insert, (session_id, "pujian", None))
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute(insert, (999, "saran", None))
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute(insert, (session_id, "saran", 999))
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute("INSERT INTO dojo_session (title, period, indicators, presenters, created_at, created_by) "
                         "VALUES ('t', '2025-01-15', '[]', '[]', 'now', 'w')")


# --- sessions -----------------------------------------------------------------------------------------


def test_session_round_trip_and_newest_first(store):
    before = datetime.now(UTC)
    first = critique.create_session(store, "  Dojo Januari  ", JAN, [" anc_k4 "], ["Kutasari", " Bukateja "], WHO)
    second = critique.create_session(store, "Dojo Februari", "2025-02-01", ["imm_idl", "anc_k6"],
                                     ["Kemangkon", "Kutasari", "Bukateja", "Rembang"], WHO)
    got = critique.get_session(store, first)
    assert got == Session(id=first, title="Dojo Januari", period=JAN, indicators=("anc_k4",),
                          presenters=("Kutasari", "Bukateja"), created_at=got.created_at, created_by=WHO.author)
    assert before <= datetime.fromisoformat(got.created_at) <= datetime.now(UTC)
    assert [(s.id, s.period, s.presenters[0], s.indicators) for s in critique.sessions(store)] == [
        (second, date(2025, 2, 1), "Kemangkon", ("imm_idl", "anc_k6")), (first, JAN, "Kutasari", ("anc_k4",))]


def test_unknown_session(store):
    with pytest.raises(NotFoundError, match="Sesi Dojo #42 tidak ditemukan."):
        critique.get_session(store, 42)
    with pytest.raises(NotFoundError, match="Sesi Dojo #42 tidak ditemukan."):
        critique.notes(store, 42)
    with pytest.raises(NotFoundError, match="Sesi Dojo #42 tidak ditemukan."):
        note(store, 42)
    assert critique.sessions(store) == []


def session_messages(store, title="Dojo", period=JAN, indicators=("anc_k4",), presenters=PRESENTERS, who=WHO):
    found = validation_messages(critique.create_session, store, title, period, list(indicators), list(presenters), who)
    assert count_rows(store, "dojo_session") == 0
    return found


@pytest.mark.parametrize(("title", "message"), [
    ("", "Judul wajib diisi."), ("  ", "Judul wajib diisi."), (None, "Judul wajib diisi."),
    (5, "Judul harus berupa teks."), ("x" * 121, "Judul paling banyak 120 karakter."),
])
def test_session_title(store, title, message):
    assert session_messages(store, title=title) == [message]


@pytest.mark.parametrize(("period", "message"), [
    ("", "Periode wajib diisi."), (None, "Periode wajib diisi."),
    ("2025-13", "Periode harus berupa bulan (YYYY-MM)."), (date(2025, 1, 15), "Periode harus berupa bulan (YYYY-MM)."),
])
def test_session_period(store, period, message):
    assert session_messages(store, period=period) == [message]


@pytest.mark.parametrize(("indicators", "expected"), [
    ((), ["Pilih minimal satu indikator."]),
    (("anc_k5",), ["Indikator tidak dikenal: anc_k5."]),
    (("anc_k4", " anc_k4", "anc_k6"), ["Indikator tidak boleh ganda: anc_k4."]),
])
def test_session_indicators(store, indicators, expected):
    assert session_messages(store, indicators=indicators) == expected


@pytest.mark.parametrize(("presenters", "expected"), [
    (("Kutasari",), [f"Puskesmas penyaji harus {MIN_PRESENTERS} sampai {MAX_PRESENTERS} (dipilih: 1)."]),
    (("A", "B", "C", "D", "E"), ["Puskesmas penyaji harus 2 sampai 4 (dipilih: 5)."]),
    (("Kutasari", " ", ""), ["Nama puskesmas penyaji wajib diisi."]),
    (("Kutasari", 7), ["Nama puskesmas penyaji harus berupa teks."]),
    (("Kutasari", "x" * 121), ["Nama puskesmas penyaji paling banyak 120 karakter."]),
    (("Kutasari", "Bukateja", " kutasari "), ["Puskesmas penyaji tidak boleh ganda: kutasari."]),
])
def test_session_presenters(store, presenters, expected):
    assert session_messages(store, presenters=presenters) == expected


@pytest.mark.parametrize("who", ["", "dr. Sari", None])
def test_session_author_is_the_signed_in_user_never_a_typed_name(store, who):
    with pytest.raises(Forbidden):
        critique.create_session(store, "Dojo", JAN, ["anc_k4"], list(PRESENTERS), who)
    assert count_rows(store, "dojo_session") == 0


def test_session_reports_every_message_at_once(store):
    assert session_messages(store, title="", period="Januari", indicators=[], presenters=["A"]) == [
        "Judul wajib diisi.", "Periode harus berupa bulan (YYYY-MM).", "Pilih minimal satu indikator.",
        "Puskesmas penyaji harus 2 sampai 4 (dipilih: 1).",
    ]


# --- notes --------------------------------------------------------------------------------------------


def test_note_round_trip_with_hostile_text_stored_verbatim(store, session_id):
    hostile = "<script>alert(1)</script> & \"kutip\" ; DROP TABLE critique; -- é ✓"
    first = note(store, session_id, text=f"  {hostile}\n", reviewer=" Dinkes ", kind=" masalah ")
    second = note(store, session_id, text="=1+1", indicator=None, kind="pertanyaan")
    got = critique.notes(store, session_id)
    assert got == [
        Note(id=first, session_id=session_id, presenter="Kutasari", reviewer="Dinkes", author=ANI.author,
             kind=NoteKind.MASALAH, text=hostile, indicator="anc_k4", action_id=None, created_at=got[0].created_at,
             author_account=ANI.username),
        Note(id=second, session_id=session_id, presenter="Kutasari", reviewer="Bukateja", author=ANI.author,
             kind=NoteKind.PERTANYAAN, text="=1+1", indicator=None, action_id=None, created_at=got[1].created_at,
             author_account=ANI.username),
    ]
    assert datetime.fromisoformat(got[0].created_at).utcoffset().total_seconds() == 0
    assert note(store, session_id, indicator="  ") and critique.notes(store, session_id)[-1].indicator is None


def test_notes_follow_presenter_order_then_kind_order_then_id(store, session_id):
    written = [("Kemangkon", "saran"), ("Kutasari", "pertanyaan"), ("Bukateja", "kekuatan"), ("Kutasari", "saran"),
               ("Kemangkon", "kekuatan"), ("Kutasari", "kekuatan"), ("Kutasari", "saran"), ("Bukateja", "masalah")]
    ids = [note(store, session_id, presenter=p, kind=k, reviewer="Dinkes", indicator=None) for p, k in written]
    other = critique.create_session(store, "Lain", JAN, ["anc_k4"], ["Kutasari", "Bukateja"], WHO)
    note(store, other)  # another session's notes stay out
    got = [(n.presenter, n.kind, n.id) for n in critique.notes(store, session_id)]
    assert got == [
        ("Kutasari", "kekuatan", ids[5]), ("Kutasari", "saran", ids[3]), ("Kutasari", "saran", ids[6]),
        ("Kutasari", "pertanyaan", ids[1]), ("Bukateja", "kekuatan", ids[2]), ("Bukateja", "masalah", ids[7]),
        ("Kemangkon", "kekuatan", ids[4]), ("Kemangkon", "saran", ids[0]),
    ]
    assert list(NoteKind) == ["kekuatan", "masalah", "saran", "pertanyaan"]
    assert critique.notes(store, other)[0].session_id == other


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"presenter": "Rembang"}, ["Puskesmas penyaji harus salah satu dari: Kutasari, Bukateja, Kemangkon."]),
    ({"presenter": ""}, ["Puskesmas penyaji harus salah satu dari: Kutasari, Bukateja, Kemangkon."]),
    ({"reviewer": " "}, ["Penanggap wajib diisi."]),
    ({"reviewer": "x" * 121}, ["Penanggap paling banyak 120 karakter."]),
    ({"reviewer": " KUTASARI "}, ["Puskesmas tidak dapat menanggapi paparannya sendiri."]),
    ({"kind": ""}, ["Jenis catatan wajib diisi."]),
    ({"kind": "Saran"}, ["Jenis catatan tidak dikenal: Saran. Pilih salah satu: kekuatan, masalah, saran, pertanyaan."]),
    ({"text": " \n"}, ["Catatan wajib diisi."]),
    ({"text": "x" * 1001}, ["Catatan paling banyak 1000 karakter."]),
    ({"indicator": "imm_idl"}, ["Indikator imm_idl tidak dibahas dalam sesi ini."]),
    ({"presenter": "Rembang", "reviewer": "", "kind": "pujian", "text": "", "indicator": "x"}, [
        "Puskesmas penyaji harus salah satu dari: Kutasari, Bukateja, Kemangkon.", "Penanggap wajib diisi.",
        "Jenis catatan tidak dikenal: pujian. Pilih salah satu: kekuatan, masalah, saran, pertanyaan.",
        "Catatan wajib diisi.", "Indikator x tidak dibahas dalam sesi ini.",
    ]),
])
def test_note_validation(store, session_id, overrides, expected):
    assert validation_messages(note, store, session_id, **overrides) == expected
    assert count_rows(store, "critique") == 0


def test_note_limits_are_inclusive(store, session_id):
    note_id = note(store, session_id, text="x" * 1000 + " ", reviewer="r" * 120)
    [got] = critique.notes(store, session_id)
    assert (got.id, len(got.text), len(got.reviewer), got.author) == (note_id, 1000, 120, ANI.author)


# --- note_to_action -----------------------------------------------------------------------------------


def test_a_saran_becomes_an_action_of_its_presenter_and_is_linked(store, session_id):
    note_id = note(store, session_id)
    action_id = critique.note_to_action(store, note_id, rtl(puskesmas=" Kutasari ", penyebab="Data kohort"), BUDI)
    got = store.get(action_id)
    assert (got.puskesmas, got.period, got.masalah, got.penyebab, got.rtl, got.penanggung_jawab, got.tenggat,
            got.status, got.indicator, got.version, got.created_by) == (
        "Kutasari", JAN, "Cakupan K4 rendah", "Data kohort", "Sweeping bumil", "Bidan koordinator",
        date(2025, 2, 28), "direncanakan", "anc_k4", 1, BUDI.author)
    assert {c.who for c in store.history(action_id)} == {BUDI.author} and store.history(action_id)
    assert [n.action_id for n in critique.notes(store, session_id)] == [action_id]
    assert [a.id for a in store.for_month("Kutasari", JAN)] == [action_id]


def test_a_saran_is_converted_only_once(store, session_id):
    note_id = note(store, session_id)
    action_id = critique.note_to_action(store, note_id, rtl(), WHO)
    assert validation_messages(critique.note_to_action, store, note_id, rtl(), WHO) == [
        f"Saran ini sudah dijadikan RTL #{action_id}."]
    assert count_rows(store, "action") == 1


@pytest.mark.parametrize("kind", ["kekuatan", "masalah", "pertanyaan"])
def test_only_a_saran_becomes_an_action(store, session_id, kind):
    note_id = note(store, session_id, kind=kind)
    assert validation_messages(critique.note_to_action, store, note_id, rtl(), WHO) == ["Hanya saran yang dapat dijadikan RTL."]
    assert count_rows(store, "action") == 0


def test_the_action_must_belong_to_the_presenter(store, session_id):
    note_id = note(store, session_id)
    assert validation_messages(critique.note_to_action, store, note_id, rtl(puskesmas="Bukateja", tenggat="kemarin"), WHO) == [
        "RTL dari saran ini harus untuk puskesmas penyaji: Kutasari.", "Tenggat harus tanggal yang valid (YYYY-MM-DD).",
    ]
    assert count_rows(store, "action") == 0 and critique.notes(store, session_id)[0].action_id is None


def test_unknown_note(store):
    with pytest.raises(NotFoundError, match="Catatan #7 tidak ditemukan."):
        critique.note_to_action(store, 7, rtl(), WHO)


def test_an_invalid_action_leaves_neither_action_nor_link(store, session_id):
    note_id = note(store, session_id)
    assert validation_messages(critique.note_to_action, store, note_id, rtl(tenggat=date(2024, 12, 31)), WHO) == [
        "Tenggat tidak boleh sebelum awal bulan periode."]
    assert count_rows(store, "action") == count_rows(store, "action_history") == 0
    assert critique.notes(store, session_id)[0].action_id is None
    assert critique.note_to_action(store, note_id, rtl(), WHO)  # still convertible once corrected


def test_a_failure_after_the_action_insert_rolls_back_both(store, session_id, monkeypatch):
    note_id = note(store, session_id)
    real_insert = Store.insert

    def insert_then_fail(self, conn, action, by):
        real_insert(self, conn, action, by)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Store, "insert", insert_then_fail)
    with pytest.raises(sqlite3.OperationalError):
        critique.note_to_action(store, note_id, rtl(), WHO)
    assert count_rows(store, "action") == count_rows(store, "action_history") == 0
    assert critique.notes(store, session_id)[0].action_id is None


def test_two_browsers_converting_the_same_saran_create_one_action(store, session_id):
    note_id = note(store, session_id)
    n = 4
    created: list[int] = []

    def convert(i: int) -> None:
        created.append(critique.note_to_action(store, note_id, rtl(rtl=f"browser {i}"), user(name=f"user{i}")))

    refused = [exc.messages for exc in run_in_threads(n, convert)]  # each a ValidationError, or .messages fails
    [action_id] = created
    assert refused == [[f"Saran ini sudah dijadikan RTL #{action_id}."]] * (n - 1)
    assert count_rows(store, "action") == 1
    assert critique.notes(store, session_id)[0].action_id == action_id
