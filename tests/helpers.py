"""Helpers shared by the tests: opening a page of the app in AppTest, reading the action store, and
racing threads against it."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from phdt import accounts
from phdt.actions import Store, ValidationError
from phdt.config import ROOT, settings
from phdt.roles import Role, User

PASSWORD = "kata-sandi-uji-panjang"


def user(role: str = "staf", puskesmas: str | None = None, name: str = "Uji") -> User:
    """A signed-in user for the write functions (which check the role, not the database)."""
    return User(1, f"uji.{role}", name, Role(role), puskesmas)


def account(role: str = "staf", puskesmas: str | None = None, store: Store | None = None) -> User:
    """An account of ``role`` in the app's database (``settings().actions_db``), created once."""
    store = store or Store(settings().actions_db)
    username = f"uji.{role}" + (f".{puskesmas.lower().replace(' ', '-')}" if puskesmas else "")
    try:
        return accounts.add(store, username, f"Uji {role.title()}", role, "tests", password=PASSWORD,
                            puskesmas=puskesmas)
    except ValidationError:  # already there
        return accounts.authenticate(store, username, PASSWORD)


def signed_in(at: AppTest, role: str = "staf", puskesmas: str | None = None) -> User:
    """Sign ``at``'s session in as an account of ``role``, as the sign-in form would."""
    found = account(role, puskesmas)
    at.session_state["auth_token"] = accounts.open_session(Store(settings().actions_db), found, 1)
    return found


def open_page(page: str, timeout: float = 120, role: str | None = "staf", puskesmas: str | None = None,
              **params: str) -> AppTest:
    """The app opened on `page` (e.g. "dojo_page") with URL parameters, as a link would, signed in as
    an account of `role` (None: not signed in); no exception.

    `puskesmas` is the account's puskesmas for role "puskesmas"; for any other role it is the URL
    parameter of that name (e.g. the Rapat Puskesmas page's puskesmas)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if role != "puskesmas" and puskesmas is not None:
        params = {"puskesmas": puskesmas, **params}
        puskesmas = None
    if role is not None:
        signed_in(at, role, puskesmas)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def count_rows(store: Store, table: str) -> int:
    with store.connect() as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def validation_messages(call, *args, **kwargs) -> list[str]:
    """Every message of the ValidationError that `call` raises."""
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.messages


def run_in_threads(n: int, target: Callable[[int], object]) -> list[BaseException]:
    """Start `target(0..n-1)` in n threads released together; the exceptions they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            start.wait()
            target(i)
        except BaseException as exc:  # noqa: BLE001 - returned to the test, which asserts on them
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def shown(value: float | None, decimals: int = 0, language: str = "id") -> str:
    """A number as tables show it (1.234,5 / 1,234.5; '–' for none), written out here by hand,
    independently of phdt.formats."""
    if value is None:
        return "–"
    text = f"{abs(value):,.{decimals}f}"
    if language == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return ("−" if value < 0 and text.strip("0.,") else "") + text


def shown_table(element) -> "pd.DataFrame":
    """A table as the reader sees it: the display values of a styled st.dataframe (its numbers in
    the session's language), else its values."""
    from streamlit import dataframe_util

    shown = element.proto.arrow_data.styler.display_values
    return dataframe_util.convert_arrow_bytes_to_pandas_df(shown) if shown else element.value
