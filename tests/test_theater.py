"""Theater-mode scripts: migration, save/replace/delete, optimistic concurrency, validation, verbatim text."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from phdt import actions, critique, theater
from phdt.actions import SCHEMA_VERSION, ConflictError, NotFoundError, Store
from phdt.theater import MAX_VIEWS, Script, ScriptConflictError, View
from phdt.roles import Forbidden
from tests.helpers import count_rows, run_in_threads, user, validation_messages

WHO = user(name="dr. Sari")  # the signed-in author; scripts record WHO.author
ANI = user(name="Bu Ani")
PETA = View("/peta?indikator=anc_k6&periode=2025-12&tingkat=desa", "Peta K6 per desa", "Mulai dari desa merah.")
TREN = View("/tren?indikator=anc_k6", "Tren K6")
LIGA = View("/dojo?indikator=anc_k4", "Liga K4", "Bandingkan puskesmas.")


def any_link(link: str) -> str | None:
    return None


def save(store, name="Paparan ANC", views=(PETA, TREN), who=WHO, check_link=any_link, **kwargs) -> int:
    return theater.save(store, name, views, who, check_link, **kwargs)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "rtl.sqlite")


def view_rows(store, script_id: int) -> list[tuple]:
    with store.connect() as conn:
        return [tuple(r) for r in conn.execute(
            "SELECT position, link, title, note FROM script_view WHERE script_id = ? ORDER BY position", (script_id,))]


# --- migration and schema -----------------------------------------------------------------------------


def test_a_version_2_file_is_migrated_and_keeps_actions_and_dojo_sessions(tmp_path):
    path = tmp_path / "rtl.sqlite"
    with sqlite3.connect(path) as conn:
        for statement in (*actions.MIGRATIONS[0], *actions.MIGRATIONS[1]):
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 2")
        conn.execute(
            "INSERT INTO action (puskesmas, period, masalah, rtl, penanggung_jawab, tenggat, status, created_at, "
            "created_by, updated_at, updated_by) VALUES ('Kutasari', '2025-01-01', 'lama', 'r', 'p', '2025-01-31', "
            "'berjalan', 't', 'w', 't', 'w')"
        )
        conn.execute(
            "INSERT INTO dojo_session (title, period, indicators, presenters, created_at, created_by) "
            "VALUES ('Dojo lama', '2025-01-01', '[\"anc_k4\"]', '[\"Kutasari\", \"Bukateja\"]', 't', 'w')"
        )
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(path) as conn:
        assert {"script", "script_view"} <= {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    old = store.get(1)
    assert (old.masalah, old.status, old.version) == ("lama", "berjalan", 1)
    [session] = critique.sessions(store)
    assert (session.title, session.presenters) == ("Dojo lama", ("Kutasari", "Bukateja"))
    script_id = save(store)
    assert theater.get(store, script_id).views == (PETA, TREN)


def test_views_need_their_script_and_go_with_it(store):
    script_id = save(store)
    with store.connect() as conn:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute("INSERT INTO script_view (script_id, position, link, title) VALUES (999, 0, '/', 't')")
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
            conn.execute("INSERT INTO script (name, created_at, created_by, updated_at, updated_by) "
                         "VALUES ('PAPARAN anc', 't', 'w', 't', 'w')")
        conn.execute("DELETE FROM script WHERE id = ?", (script_id,))
    assert count_rows(store, "script_view") == 0


# --- create, get, list --------------------------------------------------------------------------------


def test_create_get_and_list_by_name_ignoring_case(store):
    before = datetime.now(UTC)
    zeta = save(store, "zeta", [LIGA])
    alpha = save(store, "  Alpha  ", [PETA, TREN], WHO)
    beta = save(store, "beta", [TREN])
    got = theater.get(store, alpha)
    assert got == Script(id=alpha, name="Alpha", views=(PETA, TREN), version=1, updated_at=got.updated_at,
                         updated_by=WHO.author)
    assert before <= datetime.fromisoformat(got.updated_at) <= datetime.now(UTC)
    assert [(s.id, s.name) for s in theater.scripts(store)] == [(alpha, "Alpha"), (beta, "beta"), (zeta, "zeta")]
    assert theater.scripts(store)[0] == got
    assert view_rows(store, alpha) == [(0, PETA.link, PETA.title, PETA.note), (1, TREN.link, TREN.title, "")]


def test_no_scripts_and_unknown_ids(store):
    assert theater.scripts(store) == []
    with pytest.raises(NotFoundError, match=r"^Naskah #42 tidak ditemukan\.$"):
        theater.get(store, 42)
    with pytest.raises(NotFoundError, match=r"^Naskah #42 tidak ditemukan\.$"):
        save(store, script_id=42, expected_version=1)
    with pytest.raises(NotFoundError, match=r"^Naskah #42 tidak ditemukan\.$"):
        theater.delete(store, 42, WHO, expected_version=1)
    assert count_rows(store, "script") == 0


def test_expected_version_goes_with_script_id(store):
    script_id = save(store)
    with pytest.raises(TypeError):
        save(store, script_id=script_id)
    with pytest.raises(TypeError):
        save(store, "Lain", expected_version=1)
    with pytest.raises(TypeError):
        save(store, script_id=script_id, expected_version="1")
    assert theater.get(store, script_id).version == 1 and count_rows(store, "script") == 1


# --- replace and conflicts ----------------------------------------------------------------------------


def test_save_replaces_name_and_every_view_and_bumps_the_version(store):
    script_id = save(store, views=[PETA, TREN, LIGA])
    save(store, "Paparan ANC Desember", [LIGA, PETA], ANI, script_id=script_id, expected_version=1)
    got = theater.get(store, script_id)
    assert (got.name, got.views, got.version, got.updated_by) == ("Paparan ANC Desember", (LIGA, PETA), 2, ANI.author)
    assert view_rows(store, script_id) == [(0, LIGA.link, LIGA.title, LIGA.note), (1, PETA.link, PETA.title, PETA.note)]
    save(store, "Paparan ANC Desember", [LIGA, PETA], ANI, script_id=script_id, expected_version=2)
    assert theater.get(store, script_id).version == 3  # every save is a new version, changed or not
    assert count_rows(store, "script_view") == 2


def test_a_stale_version_is_a_conflict_and_changes_nothing(store):
    script_id = save(store)
    save(store, views=[LIGA], who=ANI, script_id=script_id, expected_version=1)
    before = theater.get(store, script_id)
    with pytest.raises(ConflictError) as caught:
        save(store, "Punya saya", [PETA], script_id=script_id, expected_version=1)
    assert isinstance(caught.value, ScriptConflictError)
    assert str(caught.value) == (
        f"Naskah #{script_id} sudah diubah oleh {ANI.author} pada {before.updated_at} (versi 2, Anda mengedit versi 1). "
        "Perubahan Anda belum disimpan: muat ulang lalu ulangi."
    )
    assert (caught.value.expected_version, caught.value.current_version) == (1, 2)
    with pytest.raises(ScriptConflictError):
        theater.delete(store, script_id, WHO, expected_version=1)
    assert theater.get(store, script_id) == before
    assert view_rows(store, script_id) == [(0, LIGA.link, LIGA.title, LIGA.note)]


def test_a_conflict_is_reported_before_validation(store):
    script_id = save(store)
    save(store, script_id=script_id, expected_version=1)
    with pytest.raises(ScriptConflictError):
        save(store, "", [], script_id=script_id, expected_version=1)


def test_two_threads_saving_the_same_version_one_wins(store):
    script_id = save(store)
    won: list[int] = []

    def edit(i: int) -> None:
        save(store, f"Versi {i}", [View(f"/peta?v={i}", f"Tampilan {i}")], user(name=f"user{i}"),
             script_id=script_id, expected_version=1)
        won.append(i)

    lost = run_in_threads(2, edit)
    assert len(won) == 1 and [type(e) for e in lost] == [ScriptConflictError]
    [i] = won
    got = theater.get(store, script_id)
    assert (got.name, got.version, got.updated_by) == (f"Versi {i}", 2, user(name=f"user{i}").author)
    assert got.views == (View(f"/peta?v={i}", f"Tampilan {i}"),)


# --- names --------------------------------------------------------------------------------------------


def test_a_name_in_use_is_refused_ignoring_case(store):
    first = save(store, "Paparan ANC")
    second = save(store, "Paparan Imunisasi")
    assert validation_messages(save, store, name=" paparan anc ") == ['Nama naskah "Paparan ANC" sudah dipakai.']
    assert validation_messages(save, store, name="PAPARAN ANC", script_id=second, expected_version=1) == [
        'Nama naskah "Paparan ANC" sudah dipakai.']
    assert validation_messages(save, store, name="paparan anc", views=[]) == [
        'Nama naskah "Paparan ANC" sudah dipakai.',
        f"Naskah harus berisi 1 sampai {MAX_VIEWS} tampilan (ada 0).",
    ]
    save(store, "PAPARAN ANC", script_id=first, expected_version=1)  # its own name, recased
    assert [s.name for s in theater.scripts(store)] == ["PAPARAN ANC", "Paparan Imunisasi"]
    assert theater.get(store, second).version == 1


# --- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": "  "}, ["Nama naskah wajib diisi."]),
        ({"name": None}, ["Nama naskah wajib diisi."]),
        ({"name": 7}, ["Nama naskah harus berupa teks."]),
        ({"name": "n" * 81}, ["Nama naskah paling banyak 80 karakter."]),
        ({"views": []}, [f"Naskah harus berisi 1 sampai {MAX_VIEWS} tampilan (ada 0)."]),
        ({"views": [TREN] * (MAX_VIEWS + 1)}, [f"Naskah harus berisi 1 sampai {MAX_VIEWS} tampilan (ada 31)."]),
        ({"views": [PETA, View("/tren", " ")]}, ["Tampilan 2: Judul wajib diisi."]),
        ({"views": [View("/tren", "j" * 121)]}, ["Tampilan 1: Judul paling banyak 120 karakter."]),
        ({"views": [View("/tren", "Tren", "c" * 1001)]},
         ["Tampilan 1: Catatan pembicara paling banyak 1000 karakter."]),
        ({"views": [View("/tren", "Tren", 5)]}, ["Tampilan 1: Catatan pembicara harus berupa teks."]),
        ({"views": [PETA, TREN, View("", "Kosong")]}, ["Tampilan 3: Tautan wajib diisi."]),
        ({"views": [View("/" + "x" * 2000, "Panjang")]}, ["Tampilan 1: Tautan paling banyak 2000 karakter."]),
    ],
)
def test_each_rule_has_its_message_and_nothing_is_written(store, overrides, expected):
    assert validation_messages(save, store, **overrides) == expected
    assert count_rows(store, "script") == count_rows(store, "script_view") == 0


def test_every_problem_is_reported_at_once(store):
    assert validation_messages(save, store, name="", views=[View("", ""), View("/tren", "Tren", "c" * 1001)]) == [
        "Nama naskah wajib diisi.",
        "Tampilan 1: Judul wajib diisi.",
        "Tampilan 1: Tautan wajib diisi.",
        "Tampilan 2: Catatan pembicara paling banyak 1000 karakter.",
    ]


@pytest.mark.parametrize("who", [" ", "dr. Sari", None])
def test_the_author_is_the_signed_in_user_never_a_typed_name(store, who):
    with pytest.raises(Forbidden):
        save(store, who=who)
    assert count_rows(store, "script") == count_rows(store, "script_view") == 0


def test_the_limits_themselves_are_allowed(store):
    views = [View("/" + "x" * 1999, "j" * 120, "c" * 1000)] * MAX_VIEWS
    script_id = save(store, "n" * 80, views, WHO)
    got = theater.get(store, script_id)
    assert (len(got.name), len(got.views), got.views[0]) == (80, MAX_VIEWS, views[0])


def test_check_link_sees_stripped_plausible_links_and_its_message_gets_the_position(store):
    seen: list[str] = []

    def check_link(link: str) -> str | None:
        seen.append(link)
        return None if link.startswith("/peta") else f"Halaman tidak dikenal: {link}."

    views = [PETA, View("  /laporan?x=1  ", "Laporan"), View("", "Kosong"), View("/" + "x" * 2000, "Panjang"),
             View("/bogus", "Bogus")]
    assert validation_messages(save, store, views=views, check_link=check_link) == [
        "Tampilan 2: Halaman tidak dikenal: /laporan?x=1.",
        "Tampilan 3: Tautan wajib diisi.",
        "Tampilan 4: Tautan paling banyak 2000 karakter.",
        "Tampilan 5: Halaman tidak dikenal: /bogus.",
    ]
    assert seen == [PETA.link, "/laporan?x=1", "/bogus"]
    assert count_rows(store, "script") == 0


# --- text ---------------------------------------------------------------------------------------------


def test_text_is_stored_stripped_and_otherwise_verbatim(store):
    author = user(name="=cmd|' /C calc'!A0")  # an account's name is stored as given, too
    link, note = "/peta?indikator=<script>alert(1)</script>&x=\"'", "<b>Catatan</b> & =HYPERLINK(\"x\")"
    hostile = View(f"  {link}  ", " =1+1 ", f"\n{note} \n")
    script_id = save(store, " <script>alert('naskah')</script> ", [hostile], author)
    got = theater.get(store, script_id)
    assert got.name == "<script>alert('naskah')</script>"
    assert got.views == (View(link, "=1+1", note),)
    assert got.updated_by == author.author == "=cmd|' /C calc'!A0 (uji.staf)"


# --- delete -------------------------------------------------------------------------------------------


def test_delete_removes_the_script_and_cascades_to_its_views(store):
    keep = save(store, "Tetap", [LIGA])
    gone = save(store, views=[PETA, TREN, LIGA])
    with pytest.raises(Forbidden):  # a typed name is no author
        theater.delete(store, gone, " ", expected_version=1)
    assert theater.get(store, gone).version == 1
    theater.delete(store, gone, WHO, expected_version=1)
    with pytest.raises(NotFoundError, match=rf"^Naskah #{gone} tidak ditemukan\.$"):
        theater.get(store, gone)
    assert view_rows(store, gone) == []
    assert [s.id for s in theater.scripts(store)] == [keep] and count_rows(store, "script_view") == 1
    assert theater.get(store, save(store)).name == "Paparan ANC"  # the name is free again
