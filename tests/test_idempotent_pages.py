"""A double submit of a create form stores one row: the second click of a double click reaches the
server with the same typed values (the browser still holds them), after the first save finished."""

from __future__ import annotations

from datetime import date

from phdt import critique
from tests.helpers import count_rows, open_page


def click(at, label: str, form: str | None = None):
    next(b for b in at.button if b.label == label and (form is None or b.proto.form_id == form)).click()
    return at.run()


def fill_action(at, masalah: str) -> None:
    at.text_area(key="rtl_new_masalah").input(masalah)
    at.text_area(key="rtl_new_rtl").input("Sweeping ibu hamil bersama kader")
    at.text_input(key="rtl_new_pj").input("Bidan koordinator")
    at.date_input(key="rtl_new_tenggat").set_value(date(2026, 1, 31))


def test_double_submit_of_an_action_stores_one_and_a_new_entry_stores_another(store):
    at = open_page("puskesmas_page", puskesmas="Kemangkon", bagian="rtl", periode="2025-12")
    fill_action(at, "K6 rendah")
    click(at, "Simpan", "rtl_add_form")
    fill_action(at, "K6 rendah")  # the second click of the double click, same values
    click(at, "Simpan", "rtl_add_form")
    assert not at.exception
    assert count_rows(store, "action") == 1
    fill_action(at, "K4 rendah")  # a different action afterwards is a new row
    click(at, "Simpan", "rtl_add_form")
    assert count_rows(store, "action") == 2, [e.value for e in at.error]


def test_double_submit_of_a_dojo_session_and_note_stores_one_each(store):
    at = open_page("dojo_page", dojo="sesi", indikator="anc_k6", periode="2025-12")
    for _ in range(2):
        at.text_input(key="session_new_title").input("Dojo KIA")
        at.multiselect(key="session_new_indicators").set_value(["anc_k6"])
        at.multiselect(key="session_new_presenters").set_value(["Rembang", "Bukateja"])
        click(at, "Mulai sesi")
        if _ == 0:
            at.session_state["sesi"] = ""  # the browser's second event still comes from the form
            at.run()
    assert not at.exception
    assert count_rows(store, "dojo_session") == 1
    (session,) = critique.sessions(store)
    at = open_page("dojo_page", dojo="sesi", indikator="anc_k6", periode="2025-12", sesi=str(session.id))
    for _ in range(2):
        at.radio(key="note_kind_0").set_value("saran")
        at.text_area(key="note_text_0").input("Kunjungan rumah bersama kader")
        at.selectbox(key="note_reviewer_0").set_value("Bukateja")
        click(at, "Simpan catatan")
    assert not at.exception
    assert count_rows(store, "critique") == 1
