"""Idempotency tokens of the create forms (follow-up action, Dojo session and note, theater script).

A token is made when a form is first shown and kept in session state; a submit sends it with the
create, and the store returns the existing row for a token it has seen. So a retry of a save that
was committed before the page could say so (a crash, a lost connection) stores one row.

After a save the page saw succeed the token is renewed, so the next entry is a new row; but the
content saved is remembered with its token: a second submit of the very same content (a double click
whose second event arrives after the first run finished, the browser still holding the typed values)
sends the old token again and stores nothing.
"""

from __future__ import annotations

import uuid
from typing import Any

import streamlit as st


def _key(form: str) -> str:
    return f"_form_token_{form}"


def token(form: str, content: Any) -> str:
    """The token to send for submitting ``content`` (comparable values: the fields as entered) in ``form``."""
    saved = st.session_state.get(f"{_key(form)}_saved")
    if saved is not None and saved[1] == content:
        return saved[0]
    return st.session_state.setdefault(_key(form), uuid.uuid4().hex)


def saved(form: str, content: Any) -> None:
    """After a successful save of ``content`` with ``token(form, content)``: new content makes a new row."""
    st.session_state[f"{_key(form)}_saved"] = (token(form, content), content)
    st.session_state[_key(form)] = uuid.uuid4().hex
