"""The briefing pack is cached, but never with stale actions: a new or a closed follow-up action is in
(or out of) the next pack of the same period, data version and language."""

from __future__ import annotations

from datetime import date

import polars as pl

from phdt import briefing, metrics
from phdt import dataset as ds
from phdt.indicators import INDICATORS, Programme, headline
from tests.helpers import open_page, user
from tests.test_briefing_pages import text_of

DECEMBER, SEPTEMBER = date(2025, 12, 1), date(2025, 9, 1)


def built_pack(at) -> str:
    at.button(key="pack_build").click().run()
    assert not at.exception and not at.error
    from components import pack

    pptx, _, _ = pack.pack(*at.session_state["pack_request"])
    return "\n".join(text_of(pptx))


def test_a_new_and_a_closed_action_show_in_the_next_pack(store):
    data = ds.load()
    focus = max((briefing.headline(data.monthly, data.wilayah, headline(p), DECEMBER, SEPTEMBER) for p in Programme),
                key=lambda h: h.people)
    top = briefing.top_gaps(metrics.summarise(data.monthly, data.wilayah, INDICATORS[focus.slug], DECEMBER, "desa"), 5)
    first = data.wilayah.filter(pl.col("kode_desa").cast(pl.String) == top["kode"][0]).row(0, named=True)

    at = open_page("bupati_page", periode="2025-12")
    assert "Kunjungan rumah terpadu" not in built_pack(at)
    action_id = store.add({"puskesmas": str(first["puskesmas"]), "period": DECEMBER, "masalah": "Cakupan rendah",
                           "rtl": "Kunjungan rumah terpadu", "penanggung_jawab": "Bidan desa",
                           "tenggat": date(2026, 1, 31), "status": "berjalan", "kode_desa": top["kode"][0]}, user())
    at.run()
    assert "Kunjungan rumah terpadu" in built_pack(at)  # the new action, same period, version and language
    store.update(action_id, {"status": "selesai"}, user(), expected_version=1)
    at.run()
    assert "Kunjungan rumah terpadu" not in built_pack(at)  # closed: no longer among the open actions
