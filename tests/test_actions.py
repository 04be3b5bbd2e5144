"""Follow-up actions (RTL) store: schema migration, carry-forward, optimistic concurrency, audit, validation."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import UTC, date, datetime

import pytest

from phdt import actions
from phdt.actions import (
    SCHEMA_VERSION,
    Action,
    ConflictError,
    NotFoundError,
    SchemaVersionError,
    Status,
    Store,
    ValidationError,
    validate,
)
from phdt.roles import Forbidden
from tests.helpers import run_in_threads, user

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
WHO = user(name="dr. Sari")  # the signed-in author; the store records WHO.author
ANI, BUDI, CITRA = user(name="Ani"), user(name="Budi"), user(name="Citra")


def rtl(**overrides) -> dict:
    fields = {
        "puskesmas": "Kutasari",
        "period": JAN,
        "masalah": "Cakupan K4 di bawah target (61 %)",
        "penyebab": "Ibu hamil pindah ke luar wilayah tanpa dilaporkan",
        "rtl": "Sweeping bumil bersama kader posyandu",
        "penanggung_jawab": "Bidan koordinator",
        "tenggat": date(2025, 1, 31),
        "status": "direncanakan",
        "indicator": "anc_k4",
        "kode_desa": "33.03.08.2013",
    }
    return {**fields, **overrides}


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "rtl.sqlite")


def raw(path):
    return sqlite3.connect(path)


# --- schema and migrations ---------------------------------------------------------------------------


def test_open_creates_schema_in_wal_mode_with_foreign_keys(tmp_path):
    path = tmp_path / "nested" / "dir" / "rtl.sqlite"
    store = Store(path)
    assert path.exists() and store.schema_version() == SCHEMA_VERSION == len(actions.MIGRATIONS)
    with raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"action", "action_history", "dojo_session", "critique", "script", "script_view",
                      "account", "account_history", "sign_in", "web_session", "script_history", "download_log"}
    with store.connect() as conn:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == actions.BUSY_TIMEOUT_MS
        with pytest.raises(sqlite3.IntegrityError):  # foreign keys are enforced
            conn.execute("INSERT INTO action_history (action_id, version, at, who, field) VALUES (999, 1, 'x', 'y', 'z')")


def test_reopening_a_current_database_is_a_no_op(tmp_path):
    path = tmp_path / "rtl.sqlite"
    action_id = Store(path).add(rtl(), WHO)
    with raw(path) as conn:
        schema_before = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    again = Store(path)
    assert again.migrate() == SCHEMA_VERSION
    with raw(path) as conn:
        assert conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() == schema_before
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert again.get(action_id).masalah == rtl()["masalah"]
    assert [a.id for a in again.for_month("Kutasari", JAN)] == [action_id]


def test_a_later_migration_step_upgrades_an_existing_file_and_keeps_data(tmp_path, monkeypatch):
    path = tmp_path / "rtl.sqlite"
    action_id = Store(path).add(rtl(), WHO)
    dojo = ("CREATE TABLE dojo_note (id INTEGER PRIMARY KEY, action_id INTEGER REFERENCES action (id), note TEXT)",)
    monkeypatch.setattr(actions, "MIGRATIONS", (*actions.MIGRATIONS, dojo))
    monkeypatch.setattr(actions, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION + 1
    with store.transaction() as conn:
        conn.execute("INSERT INTO dojo_note (action_id, note) VALUES (?, 'catatan')", (action_id,))
    assert store.get(action_id).version == 1


def test_a_failing_migration_step_is_rolled_back_entirely(tmp_path, monkeypatch):
    path = tmp_path / "rtl.sqlite"
    Store(path)
    broken = ("CREATE TABLE dojo_note (id INTEGER PRIMARY KEY)", "CREATE TABLE action (id INTEGER)")  # 2nd fails
    monkeypatch.setattr(actions, "MIGRATIONS", (*actions.MIGRATIONS, broken))
    monkeypatch.setattr(actions, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(sqlite3.OperationalError):
        Store(path)
    with raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'dojo_note'").fetchone()[0] == 0


def test_a_database_from_a_newer_app_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "rtl.sqlite"
    Store(path)
    with raw(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaVersionError, match=rf"berversi skema {SCHEMA_VERSION + 1}, lebih baru .*versi {SCHEMA_VERSION}"):
        Store(path)
    with raw(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1


def test_an_already_open_store_refuses_a_file_upgraded_by_a_newer_app(store):
    with raw(store.path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaVersionError):
        store.add(rtl(), WHO)


# --- add, for_month, carry-forward ------------------------------------------------------------------


def test_add_and_for_month_round_trip(store):
    before = datetime.now(UTC)
    action_id = store.add(rtl(), WHO)
    [got] = store.for_month("Kutasari", JAN)
    assert got == Action(
        puskesmas="Kutasari", period=JAN, masalah="Cakupan K4 di bawah target (61 %)",
        penyebab="Ibu hamil pindah ke luar wilayah tanpa dilaporkan", rtl="Sweeping bumil bersama kader posyandu",
        penanggung_jawab="Bidan koordinator", tenggat=date(2025, 1, 31), status=Status.DIRENCANAKAN,
        indicator="anc_k4", kode_desa="33.03.08.2013", id=action_id, version=1, created_at=got.created_at,
        created_by=WHO.author, updated_at=got.created_at, updated_by=WHO.author, carried_from=None,
    )
    created = datetime.fromisoformat(got.created_at)
    assert created.utcoffset().total_seconds() == 0 and before <= created <= datetime.now(UTC)
    assert got.is_open and store.get(action_id) == got
    assert store.for_month("Kutasari", FEB) == [got.__class__(**{**got.__dict__, "carried_from": JAN})]
    assert store.for_month("Bukateja", JAN) == []


def test_text_is_stripped_and_otherwise_stored_exactly_as_given(store):
    script = "<script>alert('x')</script> & \"kutip\" ; DROP TABLE action; -- é ✓"
    action_id = store.add(rtl(masalah=f"  {script}\n", penanggung_jawab="\tBu Ani  ", puskesmas=" Kutasari ",
                              period="2025-01", tenggat="2025-01-31", indicator="", kode_desa="  "), WHO)
    got = store.get(action_id)
    assert got.masalah == script
    assert (got.penanggung_jawab, got.puskesmas, got.created_by) == ("Bu Ani", "Kutasari", WHO.author)
    assert (got.period, got.tenggat, got.indicator, got.kode_desa) == (JAN, date(2025, 1, 31), None, None)
    store.update(action_id, {"rtl": "<b>tebal</b>"}, WHO, expected_version=1)
    assert store.get(action_id).rtl == "<b>tebal</b>"
    assert store.history(action_id)[-1].new == "<b>tebal</b>"


def test_add_accepts_an_action_dataclass(store):
    new = Action(puskesmas="Kutasari", period=JAN, masalah="m", rtl="r", penanggung_jawab="p",
                 tenggat=date(2025, 2, 15), status="berjalan")
    got = store.get(store.add(new, WHO))
    assert (got.masalah, got.status, got.penyebab, got.indicator, got.version) == ("m", "berjalan", "", None, 1)


def test_open_actions_carry_forward_and_closed_ones_do_not(store):
    open_jan = store.add(rtl(masalah="terbuka", status="berjalan", tenggat=date(2025, 3, 10)), WHO)
    planned_jan = store.add(rtl(masalah="direncanakan", tenggat=date(2025, 2, 5)), WHO)
    done_jan = store.add(rtl(masalah="selesai", status="selesai"), WHO)
    cancelled_jan = store.add(rtl(masalah="batal", status="batal"), WHO)
    feb_own = store.add(rtl(masalah="baru Februari", period=FEB, tenggat=date(2025, 2, 1)), WHO)
    store.add(rtl(masalah="puskesmas lain", puskesmas="Bukateja"), WHO)
    store.add(rtl(masalah="bulan depan", period=MAR, tenggat=date(2025, 3, 31)), WHO)

    assert [a.id for a in store.for_month("Kutasari", JAN)] == [done_jan, cancelled_jan, planned_jan, open_jan]
    feb = store.for_month("Kutasari", "2025-02")
    assert [(a.id, a.carried_from) for a in feb] == [(planned_jan, JAN), (open_jan, JAN), (feb_own, None)]
    assert all(a.period == JAN for a in feb[:2])
    assert store.for_month("Kutasari", date(2024, 12, 1)) == []  # nothing travels backwards

    store.update(planned_jan, {"status": "selesai"}, WHO, expected_version=1)  # closed during February
    mar = store.for_month("Kutasari", MAR)
    assert [(a.masalah, a.carried_from) for a in mar] == [
        ("terbuka", JAN), ("baru Februari", FEB), ("bulan depan", None)]


def test_for_month_rejects_a_non_month(store):
    with pytest.raises(ValidationError, match="Periode harus berupa bulan"):
        store.for_month("Kutasari", date(2025, 1, 15))


# --- update, history, conflicts ---------------------------------------------------------------------


def test_update_increments_version_and_writes_history(store):
    action_id = store.add(rtl(), ANI)
    created = store.history(action_id)
    assert {c.field: (c.old, c.new) for c in created} == {
        "puskesmas": (None, "Kutasari"), "period": (None, "2025-01-01"), "masalah": (None, rtl()["masalah"]),
        "penyebab": (None, rtl()["penyebab"]), "rtl": (None, rtl()["rtl"]),
        "penanggung_jawab": (None, "Bidan koordinator"), "tenggat": (None, "2025-01-31"),
        "status": (None, "direncanakan"), "indicator": (None, "anc_k4"), "kode_desa": (None, "33.03.08.2013"),
    }
    assert {(c.who, c.version) for c in created} == {(ANI.author, 1)}

    assert store.update(action_id, {"status": "berjalan", "tenggat": "2025-02-28"}, BUDI, expected_version=1) == 2
    assert store.update(action_id, {"status": "selesai", "kode_desa": None}, CITRA, expected_version=2) == 3
    got = store.get(action_id)
    assert (got.version, got.status, got.tenggat, got.kode_desa) == (3, "selesai", date(2025, 2, 28), None)
    assert (got.created_by, got.updated_by) == (ANI.author, CITRA.author) and got.updated_at > got.created_at
    later = [(c.version, c.who, c.field, c.old, c.new) for c in store.history(action_id)[len(created):]]
    assert later == [
        (2, BUDI.author, "tenggat", "2025-01-31", "2025-02-28"),
        (2, BUDI.author, "status", "direncanakan", "berjalan"),
        (3, CITRA.author, "status", "berjalan", "selesai"),
        (3, CITRA.author, "kode_desa", "33.03.08.2013", None),
    ]
    assert all(datetime.fromisoformat(c.at).utcoffset().total_seconds() == 0 for c in store.history(action_id))
    assert not got.is_open and store.for_month("Kutasari", FEB) == []


def test_an_update_that_changes_nothing_keeps_the_version(store):
    action_id = store.add(rtl(), WHO)
    n = len(store.history(action_id))
    assert store.update(action_id, {"status": " direncanakan ", "tenggat": "2025-01-31"}, WHO, expected_version=1) == 1
    assert store.get(action_id).version == 1 and len(store.history(action_id)) == n


def test_a_stale_update_raises_conflict_and_the_first_edit_survives(store):
    action_id = store.add(rtl(), WHO)
    loaded_by_a = loaded_by_b = store.get(action_id)  # two browsers load version 1
    store.update(action_id, {"rtl": "Kunjungan rumah oleh bidan desa"}, ANI, expected_version=loaded_by_a.version)
    with pytest.raises(ConflictError) as caught:
        store.update(action_id, {"rtl": "Rapat lintas sektor"}, BUDI, expected_version=loaded_by_b.version)
    err = caught.value
    assert (err.action_id, err.expected_version, err.current_version, err.updated_by) == (action_id, 1, 2, ANI.author)
    assert f"RTL #{action_id} sudah diubah oleh {ANI.author}" in str(err) and "muat ulang" in str(err)
    got = store.get(action_id)
    assert (got.rtl, got.version, got.updated_by) == ("Kunjungan rumah oleh bidan desa", 2, ANI.author)
    assert [c.who for c in store.history(action_id) if c.version > 1] == [ANI.author]
    # after reloading, Budi's edit goes through on top of Ani's
    assert store.update(action_id, {"penyebab": "Data kohort belum lengkap"}, BUDI, expected_version=got.version) == 3
    assert store.get(action_id).rtl == "Kunjungan rumah oleh bidan desa"


def test_update_validates_the_merged_action_and_changes_nothing_when_invalid(store):
    action_id = store.add(rtl(), WHO)
    with pytest.raises(ValidationError) as caught:
        store.update(action_id, {"tenggat": "2024-12-31", "status": "tunda"}, WHO, expected_version=1)
    assert caught.value.messages == [
        "Tenggat tidak boleh sebelum awal bulan periode.",
        "Status tidak dikenal: tunda. Pilih salah satu: direncanakan, berjalan, selesai, batal.",
    ]
    with pytest.raises(ValidationError, match="Kolom tidak dikenal atau tidak dapat diubah: version."):
        store.update(action_id, {"version": 9}, WHO, expected_version=1)
    with pytest.raises(Forbidden):  # a typed name is no author: only a signed-in User is
        store.update(action_id, {"status": "selesai"}, " ", expected_version=1)
    got = store.get(action_id)
    assert (got.version, got.tenggat, got.status) == (1, date(2025, 1, 31), "direncanakan")


def test_unknown_ids(store):
    with pytest.raises(NotFoundError, match="RTL #42 tidak ditemukan."):
        store.update(42, {"status": "selesai"}, WHO, expected_version=1)
    with pytest.raises(NotFoundError):
        store.get(42)
    assert store.history(42) == []


# --- concurrency -------------------------------------------------------------------------------------


def test_concurrent_threads_adding_and_updating_lose_nothing(tmp_path):
    path = tmp_path / "rtl.sqlite"
    n_threads, per_thread = 8, 40

    def work(i: int) -> None:
        store = Store(path)  # every session opens the file itself; the first ones race to migrate it
        for j in range(per_thread):
            action_id = store.add(rtl(masalah=f"t{i}-{j}", penanggung_jawab=f"thread {i}"), user(name=f"user{i}"))
            assert store.update(action_id, {"status": "berjalan"}, user(name=f"user{i}"), expected_version=1) == 2

    errors = run_in_threads(n_threads, work)
    assert errors == []
    store = Store(path)
    got = store.for_month("Kutasari", JAN)
    assert sorted(a.masalah for a in got) == sorted(f"t{i}-{j}" for i in range(n_threads) for j in range(per_thread))
    assert {(a.version, a.status) for a in got} == {(2, "berjalan")}
    with raw(path) as conn:
        assert conn.execute("SELECT count(*) FROM action_history WHERE version = 2").fetchone()[0] == len(got)


def test_concurrent_read_modify_write_with_reload_on_conflict_keeps_every_edit(store):
    action_id = store.add(rtl(rtl="mulai"), WHO)
    n_threads, edits = 6, 10
    conflicts = [0] * n_threads

    def work(i: int) -> None:
        for j in range(edits):
            while True:
                current = store.get(action_id)
                try:
                    store.update(action_id, {"rtl": f"{current.rtl} {i}.{j}"}, user(name=f"user{i}"), current.version)
                    break
                except ConflictError:
                    conflicts[i] += 1  # the UI would show the message and let the user reload

    assert run_in_threads(n_threads, work) == []
    got = store.get(action_id)
    assert sorted(got.rtl.split()[1:]) == sorted(f"{i}.{j}" for i in range(n_threads) for j in range(edits))
    assert got.version == 1 + n_threads * edits
    assert len([c for c in store.history(action_id) if c.version > 1]) == n_threads * edits


def _process_worker(path: str, worker: int, count: int) -> None:
    store = Store(path)
    for j in range(count):
        action_id = store.add(rtl(masalah=f"p{worker}-{j}"), user(name=f"proc{worker}"))
        store.update(action_id, {"status": "selesai"}, user(name=f"proc{worker}"), expected_version=1)


def test_concurrent_processes_on_one_file_lose_nothing(tmp_path):
    path = tmp_path / "rtl.sqlite"
    n_procs, count = 4, 40
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_worker, args=(str(path), w, count)) for w in range(n_procs)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * n_procs  # a 'database is locked' error would exit non-zero
    got = Store(path).for_month("Kutasari", JAN)
    assert sorted(a.masalah for a in got) == sorted(f"p{w}-{j}" for w in range(n_procs) for j in range(count))
    assert {(a.version, a.status) for a in got} == {(2, "selesai")}


# --- validation: one test per rule -------------------------------------------------------------------


def test_a_complete_action_is_valid():
    assert validate(rtl()) == []
    assert validate(rtl(penyebab=None, indicator=None, kode_desa=None)) == []


@pytest.mark.parametrize(("field", "message"), [
    ("puskesmas", "Puskesmas wajib diisi."),
    ("period", "Periode wajib diisi."),
    ("masalah", "Masalah wajib diisi."),
    ("rtl", "Rencana tindak lanjut wajib diisi."),
    ("penanggung_jawab", "Penanggung jawab wajib diisi."),
    ("tenggat", "Tenggat wajib diisi."),
    ("status", "Status wajib diisi."),
])
@pytest.mark.parametrize("blank", ["missing", None, "", "   \n"])
def test_required_fields(field, message, blank):
    fields = rtl()
    if blank == "missing":
        del fields[field]
    else:
        fields[field] = blank
    assert validate(fields) == [message]


@pytest.mark.parametrize(("field", "limit", "label"), [
    ("masalah", 1000, "Masalah"), ("penyebab", 1000, "Penyebab"), ("rtl", 1000, "Rencana tindak lanjut"),
    ("penanggung_jawab", 120, "Penanggung jawab"), ("puskesmas", 120, "Puskesmas"),
])
def test_maximum_lengths(field, limit, label):
    assert validate(rtl(**{field: "x" * limit + "  "})) == []  # counted after stripping
    assert validate(rtl(**{field: "x" * (limit + 1)})) == [f"{label} paling banyak {limit} karakter."]


def test_text_fields_must_be_text():
    assert validate(rtl(masalah=42)) == ["Masalah harus berupa teks."]


@pytest.mark.parametrize("tenggat", ["2025-02-30", "31-01-2025", "2025-1-31", "besok", 20250131,
                                     datetime(2025, 1, 31, 12, 0)])
def test_tenggat_must_be_a_real_date(tenggat):
    assert validate(rtl(tenggat=tenggat)) == ["Tenggat harus tanggal yang valid (YYYY-MM-DD)."]


def test_tenggat_not_before_the_start_of_the_period_month():
    assert validate(rtl(period=FEB, tenggat=date(2025, 1, 31))) == ["Tenggat tidak boleh sebelum awal bulan periode."]
    assert validate(rtl(period=FEB, tenggat=date(2025, 2, 1))) == []
    assert validate(rtl(period=FEB, tenggat="2025-02-01")) == []


@pytest.mark.parametrize("period", ["2025-13", "2025-01-15", date(2025, 1, 15), "Januari 2025", 202501])
def test_period_must_be_a_month(period):
    assert validate(rtl(period=period, tenggat=date(2025, 3, 1))) == ["Periode harus berupa bulan (YYYY-MM)."]


@pytest.mark.parametrize("period", ["2025-01", "2025-01-01", " 2025-01 ", JAN])
def test_accepted_period_forms(period):
    assert validate(rtl(period=period)) == []


@pytest.mark.parametrize("status", ["Selesai", "done", "tunda"])
def test_status_in_the_allowed_set(status):
    assert validate(rtl(status=status)) == [
        f"Status tidak dikenal: {status}. Pilih salah satu: direncanakan, berjalan, selesai, batal."]


@pytest.mark.parametrize("status", list(Status))
def test_every_allowed_status_is_valid(status):
    assert validate(rtl(status=str(status))) == []


def test_indicator_must_be_in_the_registry():
    assert validate(rtl(indicator="anc_k5")) == ["Indikator tidak dikenal: anc_k5."]
    assert validate(rtl(indicator="imm_dpt3")) == []
    assert validate(rtl(indicator="")) == []


@pytest.mark.parametrize("kode", ["3303082013", "33.03.08.201", "33.03.08.20131", "33.3.08.2013", "33.03.08",
                                  "33.03.08.2013\n2", "\u0663\u0663.03.08.2013", "33-03-08-2013"])
def test_kode_desa_format(kode):
    assert validate(rtl(kode_desa=kode)) == ["Kode desa harus berformat Kemendagri, mis. 33.03.08.2013."]


def test_kode_desa_valid_and_optional():
    assert validate(rtl(kode_desa=" 33.03.08.2013 ")) == []
    assert validate(rtl(kode_desa=None)) == []


def test_the_author_is_the_signed_in_user_never_a_typed_name(store):
    action_id = store.add(rtl(), ANI)
    got = store.get(action_id)
    assert (got.created_by, got.updated_by) == (ANI.author, ANI.author) == ("Ani (uji.staf)", "Ani (uji.staf)")
    assert {c.who for c in store.history(action_id)} == {ANI.author}
    for typed in (None, "  ", "Ani", 7):
        with pytest.raises(Forbidden):
            store.add(rtl(), typed)
    assert [a.id for a in store.for_month("Kutasari", JAN)] == [action_id]


def test_unknown_fields_are_rejected():
    assert validate(rtl(id=5)) == ["Kolom tidak dikenal atau tidak dapat diubah: id."]


def test_all_messages_are_reported_together_and_nothing_is_stored(store):
    bad = rtl(masalah="", penanggung_jawab=" ", status="tunda", kode_desa="33.03", indicator="x")
    expected = [
        "Masalah wajib diisi.",
        "Penanggung jawab wajib diisi.",
        "Status tidak dikenal: tunda. Pilih salah satu: direncanakan, berjalan, selesai, batal.",
        "Indikator tidak dikenal: x.",
        "Kode desa harus berformat Kemendagri, mis. 33.03.08.2013.",
    ]
    assert validate(bad) == expected
    with pytest.raises(ValidationError) as caught:
        store.add(bad, WHO)
    assert caught.value.messages == expected
    with raw(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM action").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM action_history").fetchone()[0] == 0
