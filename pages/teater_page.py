"""Teater: build and save scripts of views (any page state, as its link), play them full-screen
with the data frozen and keys to step through, and take the script away as a briefing pack."""

from __future__ import annotations

import streamlit as st

from components import data, pack, theater
from components.i18n import lang, t
from phdt import actions
from phdt import theater as scripts
from phdt.metrics import parse_period
from phdt.texts import render

script = None
if st.session_state["naskah"] and st.session_state["langkah"]:
    try:
        script = scripts.get(data.action_store(), int(st.session_state["naskah"]))
    except actions.NotFoundError as exc:
        st.warning(render(exc, lang()), icon=":material/warning:")

if script:
    theater.player(script)
else:
    st.title(t("theater_title"))
    chosen = theater.editor(st.session_state["periode"])
    if chosen:
        with st.expander(t("exec_pack")):
            pack.pack_buttons(parse_period(st.session_state["periode"]), chosen.id, chosen.version)
