"""Real-browser fixtures: Debian chromium driven by Playwright against `streamlit run` on a free port."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from components.auth import COOKIE
from phdt import accounts, actions, dataset
from phdt.roles import User
from scripts import server
from tests.helpers import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--disable-component-update", "--no-first-run"]
# The frontend probes these base paths; a 404 there is expected, not a failure.
HARMLESS_404 = ("/_stcore/health", "/_stcore/host-config", "/host-config")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("Debian chromium is required for the browser tests: apt-get install chromium")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, app_url, session_token):
    """Every page signed in: the session cookie the sign-in form would have set, for the app's address."""
    cookies = [{"name": COOKIE, "value": session_token, "url": app_url}]
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000},
            "storage_state": {"cookies": cookies, "origins": []}}


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory) -> Path:
    """The browser-test server's private folder (its action database is ``actions.sqlite``)."""
    return tmp_path_factory.mktemp("streamlit")


@pytest.fixture(scope="session")
def app_url(server_dir) -> Iterator[str]:
    folder = server_dir
    log = folder / "server.log"
    # Tests add follow-up actions and import a month: a private action database and dataset copy.
    shutil.copytree(dataset.ensure(), folder / "data")
    env = {"PHDT_ACTIONS_DB": str(folder / "actions.sqlite"), "PHDT_DATA_DIR": str(folder / "data")}
    try:
        with server.running(log_path=log, env=env) as url:
            yield url
    except Exception:
        print(log.read_text(errors="replace")[-5000:])
        raise


@pytest.fixture(scope="session")
def staf_user(server_dir) -> User:
    """The staf account the browser is signed in as, in the server's private database."""
    store = actions.Store(server_dir / "actions.sqlite")
    return accounts.add(store, "e2e.staf", "Penguji Browser", "staf", "tests", password=PASSWORD)


@pytest.fixture(scope="session")
def session_token(server_dir, staf_user) -> str:
    return accounts.open_session(actions.Store(server_dir / "actions.sqlite"), staf_user, 12)


class RequestLog:
    """Every request the page makes that leaves 127.0.0.1, and every failed local one."""

    def __init__(self) -> None:
        self.external: list[str] = []
        self.failed: list[str] = []

    def attach(self, page) -> None:
        page.on("request", self._on_request)
        page.on("requestfailed", self._on_failed)
        page.on("response", lambda r: r.status >= 400 and not r.url.endswith(HARMLESS_404) and self.failed.append(
            f"{r.status} {r.url}"))

    def _on_failed(self, request) -> None:
        """A load the test itself cut short by navigating away (net::ERR_ABORTED) is not a failure."""
        if request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.failure} {request.url}")

    def _on_request(self, request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            return
        self.external.append(request.url)


@pytest.fixture
def requests_seen(page) -> RequestLog:
    log = RequestLog()
    log.attach(page)
    return log


def wait_for_app(page, timeout: float = 30_000) -> None:
    """The signal Streamlit's own e2e suite waits for: connected and no script running."""
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=timeout)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=timeout)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")
