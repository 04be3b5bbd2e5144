"""The Pengguna page's parts. Every write names the signed-in admin, checked again here on the server."""

from __future__ import annotations

import polars as pl
import streamlit as st

from components import auth, data, tables
from components.i18n import lang, t
from components.text import md_escape
from phdt import accounts, actions
from phdt.roles import Forbidden, Right, Role, require
from phdt.texts import render


def allowed() -> bool:
    user = auth.user()
    if user is None or not user.can(Right.MANAGE_USERS):
        st.info(t("users_not_allowed"), icon=":material/lock:")
        return False
    return True


def _roles() -> dict[str, str]:
    return {role.value: t(f"role_{role.value}") for role in Role}


def account_table() -> None:
    rows = accounts.accounts(data.action_store())
    tables.show(pl.DataFrame([{
        t("sign_in_username"): a["username"], t("field_account_name"): a["name"], t("users_role"): t(f"role_{a['role']}"),
        t("users_puskesmas"): a["puskesmas"] or "", t("users_identity"): a["identity"] or "",
        t("users_active"): "✓" if a["active"] else "–", t("users_locked"): (a["locked_until"] or "")[:16],
    } for a in rows]), key="users_table")


def _write(change, notice: str) -> None:
    """Run one account change as the signed-in admin; show every refusal, else rerun with the notice."""
    try:
        change(require(auth.user(), Right.MANAGE_USERS).author)
    except actions.ValidationError as exc:
        st.error("\n".join(f"- {md_escape(render(m, lang()))}" for m in exc.messages))
    except (actions.NotFoundError, Forbidden) as exc:
        st.error(render(exc, lang()))
    else:
        st.session_state["users_notice"] = notice
        st.rerun()


def add_form() -> None:
    roles = _roles()
    with st.form("users_add", clear_on_submit=False):
        st.markdown(f"**{t('users_add')}**")
        username = st.text_input(t("sign_in_username"), max_chars=40, key="users_new_username")
        name = st.text_input(t("field_account_name"), max_chars=120, key="users_new_name")
        role = st.selectbox(t("users_role"), list(roles), format_func=roles.__getitem__, key="users_new_role")
        puskesmas = st.selectbox(t("users_puskesmas"), ["", *data.puskesmas_names()], key="users_new_puskesmas")
        identity = st.text_input(t("users_identity"), max_chars=120, key="users_new_identity",
                                 help=t("users_identity_help"))
        password = st.text_input(t("sign_in_password"), type="password", key="users_new_password",
                                 help=t("users_password_help"))
        if st.form_submit_button(t("users_add"), type="primary"):
            _write(lambda by: accounts.add(data.action_store(), username.strip().lower(), name, role, by,
                                           password=password or None, puskesmas=puskesmas or None,
                                           identity=identity or None),
                   t("users_added", username=username))


def change_form() -> None:
    rows = {a["username"]: a for a in accounts.accounts(data.action_store())}
    if not rows:
        return
    roles = _roles()
    with st.form("users_change"):
        st.markdown(f"**{t('users_change')}**")
        username = st.selectbox(t("sign_in_username"), list(rows), key="users_pick")
        role = st.selectbox(t("users_role"), ["", *roles], format_func=lambda r: roles.get(r, "–"), key="users_set_role")
        puskesmas = st.selectbox(t("users_puskesmas"), ["", *data.puskesmas_names()], key="users_set_puskesmas")
        active = st.selectbox(t("users_active"), ["", "yes", "no"], key="users_set_active",
                              format_func=lambda v: {"": "–", "yes": t("users_activate"), "no": t("users_deactivate")}[v])
        password = st.text_input(t("users_new_password"), type="password", key="users_set_password")
        if st.form_submit_button(t("users_change"), type="primary"):
            changes = {"role": role or None, "active": {"yes": True, "no": False}.get(active)}
            if role:  # a role change names the puskesmas it needs (none for Dinkes roles and viewers)
                changes["puskesmas"] = puskesmas or None
            changes = {k: v for k, v in changes.items() if v is not None or k == "puskesmas"}
            store = data.action_store()

            def change(by: str) -> None:
                if changes:
                    accounts.update(store, username, by, **changes)
                if password:
                    accounts.set_password(store, username, password, by)
            _write(change, t("users_changed", username=username))
