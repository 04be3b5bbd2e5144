"""Entry point: page config, shared filters, navigation, frame (badge, notices, footer)."""

from __future__ import annotations

import streamlit as st

from components import auth, layout, state
from components.assets import ensure_leaflet
from components.i18n import t
from phdt.config import settings
from phdt.roles import Right

st.set_page_config(page_title=f"PHDT {settings().kabupaten}", page_icon="📊", layout="wide")
ensure_leaflet()
codes = state.codes()
state.init(*codes)
layout.style()
user = auth.gate()
if user is None and (not settings().public_read or st.session_state.get("auth_wants_sign_in")):
    st.navigation([st.Page(auth.sign_in_page, title=t("page_sign_in"), url_path="masuk")], position="hidden").run()
    st.stop()  # the deep link stays in the address bar: after signing in, the rerun opens it
layout.sidebar()
auth.account_box(user)

COVERAGE_FREE = ("data", "teater")  # pages that show no coverage figure of their own: they run without sasaran
pages = {
    t("nav_section_overview"): [
        st.Page("pages/ringkasan_page.py", title=t("page_ringkasan"), url_path="ringkasan", default=True),
        st.Page("pages/peta_page.py", title=t("page_peta"), url_path="peta"),
        st.Page("pages/kesenjangan_page.py", title=t("page_kesenjangan"), url_path="kesenjangan"),
    ],
    t("nav_section_meetings"): [
        st.Page("pages/puskesmas_page.py", title=t("page_puskesmas"), url_path="puskesmas"),
        st.Page("pages/dojo_page.py", title=t("page_dojo"), url_path="dojo"),
    ],
    t("nav_section_briefing"): [
        st.Page("pages/bupati_page.py", title=t("page_bupati"), url_path="bupati"),
        st.Page("pages/teater_page.py", title=t("page_teater"), url_path="teater"),
    ],
}
restricted = {  # pages only some roles see; the write functions check the same rights again
    Right.MANAGE_DATA: st.Page("pages/data_page.py", title=t("page_data"), url_path="data"),
    Right.MANAGE_USERS: st.Page("pages/pengguna_page.py", title=t("page_pengguna"), url_path="pengguna"),
}
if allowed := [page for right, page in restricted.items() if user and user.can(right)]:
    pages[t("nav_section_data")] = allowed
navigation = st.navigation(pages)
layout.synthetic_badge()
layout.notices()
if not layout.sasaran_notice() or navigation.url_path in COVERAGE_FREE:
    navigation.run()  # else the page would show coverage without its denominator: the notice stands alone
state.sync_url(*codes)
layout.footer()
