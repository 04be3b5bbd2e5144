"""Data: the data officer loads a month's exports; every import is checked, reported, confirmed,
and committed as a new dataset version that can be undone."""

from __future__ import annotations

import streamlit as st

from components import importer
from components.i18n import t

st.title(t("data_title"))
if importer.allowed():
    if notice := st.session_state.pop("data_notice", None):
        st.success(notice, icon=":material/check:")
    st.caption(t("data_intro"))
    uploaded = importer.upload()
    if uploaded:
        prepared = importer.choose(*uploaded)
        if prepared is not None:
            importer.report(prepared)
            importer.confirm_and_commit(prepared)
    importer.history()
