"""Pengguna: the Dinkes admin creates accounts, resets passwords, changes roles and deactivates accounts."""

from __future__ import annotations

import streamlit as st

from components import users
from components.i18n import t

st.title(t("page_pengguna"))
if users.allowed():
    if notice := st.session_state.pop("users_notice", None):
        st.success(notice, icon=":material/check:")
    users.account_table()
    left, right = st.columns(2)
    with left:
        users.add_form()
    with right:
        users.change_form()
