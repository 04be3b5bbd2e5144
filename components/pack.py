"""The briefing pack as files: the standard pack (components.briefing) or a theater script
(components.theater), as PPTX and PDF, built on request and cached."""

from __future__ import annotations

from datetime import date

import streamlit as st

from components import briefing, data, theater
from components.i18n import lang, t
from phdt import deck


@st.cache_data(max_entries=8, show_spinner="Menyusun paket briefing… / Building the briefing pack…")
def pack(period: date, version: str, language: str, script_id: int | None = None,
         script_version: int | None = None, actions_changed: int | None = None) -> tuple[bytes, bytes, int]:
    """PPTX, PDF and slide count of the standard pack or of a theater script (cached per data
    version, language, script version and the actions' last change: the same request gives the
    same files, and a new, edited or closed action is in the next pack)."""
    built = briefing.standard_deck(period) if script_id is None else theater.script_deck(script_id)
    return deck.to_pptx(built), deck.to_pdf(built), len(built.slides)


def pack_buttons(period: date, script_id: int | None = None, script_version: int | None = None) -> None:
    """Build on request (images take seconds), then offer both files; a clear error otherwise."""
    request = (period, data.dataset().version, lang(), script_id, script_version, data.action_store().last_change())
    if st.button(t("exec_pack_build"), key="pack_build", icon=":material/slideshow:"):
        try:
            pack(*request)
        except briefing.ExportError as exc:
            st.error(str(exc), icon=":material/error:")
            return
        st.session_state["pack_request"] = request
    if st.session_state.get("pack_request") != request:
        return
    pptx, pdf, slides = pack(*request)
    st.caption(t("exec_pack_ready", slides=slides, date=briefing.data_date(period)))
    name = f"briefing-{period:%Y-%m}" + (f"-naskah-{script_id}" if script_id else "")
    left, right = st.columns(2)
    left.download_button(t("export_pptx"), pptx, file_name=f"{name}.pptx", on_click="ignore", key="pack_pptx",
                         mime="application/vnd.openxmlformats-officedocument.presentationml.presentation")
    right.download_button(t("export_pdf"), pdf, file_name=f"{name}.pdf", mime="application/pdf", on_click="ignore",
                          key="pack_pdf")
