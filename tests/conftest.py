"""Fixtures shared by the AppTests."""

from __future__ import annotations

import pytest

from phdt import actions
from phdt.config import settings


@pytest.fixture(autouse=True, scope="session")
def private_app_database(tmp_path_factory):
    """No test writes the app's own database (var/phdt.sqlite): signing an AppTest in creates an account
    with the tests' known password and a session there. Tests without `store` share this private file."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PHDT_ACTIONS_DB", str(tmp_path_factory.mktemp("app") / "phdt.sqlite"))
        settings.cache_clear()
        yield
    settings.cache_clear()


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh action database per test; the app's cached store, settings and summaries are reset."""
    import streamlit as st

    def reset() -> None:
        settings.cache_clear()
        st.cache_resource.clear()
        st.cache_data.clear()

    monkeypatch.setenv("PHDT_ACTIONS_DB", str(tmp_path / "actions.sqlite"))
    reset()
    yield actions.Store(tmp_path / "actions.sqlite")
    monkeypatch.undo()
    reset()
