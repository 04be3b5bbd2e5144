"""Who is signed in to this browser session: the sign-in page, the sidebar's account box, sign-out.

An embedded account signs in with a form; the session token then lives in session state and in a
cookie, so a reload, a deep link in a new tab and the theater's frames (same origin) stay signed in.
An identity-provider account signs in through Streamlit's own ``st.login`` (its signed cookie) and is
mapped to an account by e-mail. ``gate()`` runs first on every run and stores the run's user, which
every form passes to the write functions: they check it again (``phdt.roles.require``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

import streamlit as st

from components import data
from components.i18n import lang, t
from components.text import md_escape
from phdt import accounts
from phdt.config import settings
from phdt.roles import User
from phdt.texts import render

log = logging.getLogger(__name__)

TOKEN_KEY = "auth_token"
USER_KEY = "auth_user"
COOKIE = "phdt_sesi"


def user() -> User | None:
    """The user signed in for this run (None: nobody, on a public read-only screen)."""
    return st.session_state.get(USER_KEY)


def gate() -> User | None:
    """The signed-in user of this run; keeps the browser's cookie in step with the session."""
    store = data.action_store()
    cookie = st.context.cookies.get(COOKIE)
    token = st.session_state.get(TOKEN_KEY) or cookie
    found = accounts.session_user(store, token)
    if found is None:
        st.session_state.pop(TOKEN_KEY, None)
        found = _identity_user(store)
    else:
        st.session_state[TOKEN_KEY] = token
    st.session_state[USER_KEY] = found
    _sync_cookie(st.session_state.get(TOKEN_KEY), cookie)
    return found


def _identity_user(store) -> User | None:
    if not providers() or not st.user.is_logged_in:
        return None
    return accounts.for_identity(store, st.user.get("email"))


def _sync_cookie(token: str | None, cookie: str | None) -> None:
    """Write the live token to the cookie, or clear a dead cookie (ended, expired, another server's)."""
    if token == cookie:
        return
    value = json.dumps(f"{COOKIE}={token}; Max-Age={settings().session_hours * 3600}" if token
                       else f"{COOKIE}=; Max-Age=0")
    st.html(f"<script>document.cookie = {value} + '; Path=/; SameSite=Lax'"
            "+ (location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)


def providers() -> list[str | None]:
    """The identity providers configured in ``[auth]`` of Streamlit's secrets (None: the unnamed one)."""
    try:
        auth = st.secrets.get("auth", {})
    except FileNotFoundError:  # no secrets file: embedded accounts only
        return []
    named = [name for name, value in auth.items() if isinstance(value, Mapping)]
    return ([None] if "client_id" in auth else []) + named


def sign_in_page() -> None:
    """The only page for a visitor who is not signed in."""
    st.title(t("sign_in_title", kabupaten=settings().kabupaten))
    store = data.action_store()
    if st.user.is_logged_in if providers() else False:
        st.warning(t("sign_in_unknown_identity", email=md_escape(st.user.get("email") or "?")))
        if st.button(t("sign_out")):
            st.logout()
        return
    with st.form("sign_in"):
        username = st.text_input(t("sign_in_username"), max_chars=40, autocomplete="username")
        password = st.text_input(t("sign_in_password"), type="password", max_chars=200,
                                 autocomplete="current-password")
        if st.form_submit_button(t("sign_in_button"), type="primary"):
            try:
                found = accounts.authenticate(store, username, password)
            except accounts.SignInError as exc:
                st.error(render(exc, lang()), icon=":material/lock:")
            else:
                st.session_state[TOKEN_KEY] = accounts.open_session(store, found, settings().session_hours)
                st.rerun()
    for provider in providers():
        if st.button(t("sign_in_sso", name=provider or "SSO"), key=f"sso_{provider}"):
            st.login(provider) if provider else st.login()
    if accounts.count(store) == 0:
        st.info(t("sign_in_first_admin"), icon=":material/person_add:")


def account_box(signed_in: User | None) -> None:
    """Who is signed in and the sign-out button; on a public screen, the way to sign in."""
    with st.sidebar:
        if signed_in is None:
            st.caption(t("public_screen"))
            if st.button(t("sign_in_button"), key="auth_sign_in"):
                st.session_state["auth_wants_sign_in"] = True
                st.rerun()
            return
        role = t(f"role_{signed_in.role.value}")
        where = f" · {md_escape(signed_in.puskesmas)}" if signed_in.puskesmas else ""
        st.caption(t("signed_in_as", name=md_escape(signed_in.name), role=role) + where)
        if st.button(t("sign_out"), key="auth_sign_out"):
            sign_out()


def sign_out() -> None:
    """End the session everywhere (the token stops working) and forget it here."""
    accounts.close_session(data.action_store(), st.session_state.pop(TOKEN_KEY, None))
    st.session_state.pop(USER_KEY, None)
    if providers() and st.user.is_logged_in:
        st.logout()
    st.rerun()
