"""Start Streamlit on 127.0.0.1, wait until healthy, and warm it up.

Warming matters: with a ``pages/`` folder beside ``st.navigation``, Streamlit stays in legacy
page mode until one session has run ``app.py``, so a first deep link would open the wrong page.
One scripted session over the websocket runs ``app.py`` and primes the caches.
Used by ``make run``, the browser tests and the benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Polars' allocator (jemalloc) keeps freed pages for ten seconds by default, so the transient
# copies of a large import add up in the server's memory; it returns them at once instead
# (a million-row line list: 0.88 GB peak instead of 1.15 GB).
ALLOCATOR = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:0,muzzy_decay_ms:0"}


def server_env(env: dict | None = None) -> dict:
    """The environment the app's processes run with."""
    return {**os.environ, **ALLOCATOR, **(env or {})}


def start(port: int, log_path: Path | None, env: dict | None = None) -> subprocess.Popen:
    """Start the server; its output goes to `log_path`, or to this terminal when None."""
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]
    log = log_path.open("w") if log_path else None  # never a PIPE nobody reads: the server would block
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=server_env(env))


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        with contextlib.suppress(OSError):
            if urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


WARM_PAGES = ("", "peta")  # url paths: Ringkasan (default page), then Peta, so both first visits are warm


async def _run_page(ws_url: str, page_name: str, timeout: float) -> int:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(f"{ws_url}/_stcore/stream", subprotocols=["streamlit"], max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = ""
        msg.rerun_script.page_name = page_name
        await ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=timeout))
            if fwd.WhichOneof("type") == "script_finished":
                return fwd.script_finished


async def _run_pages(ws_url: str, timeout: float) -> list[int]:
    return [await _run_page(ws_url, page, timeout) for page in WARM_PAGES]


def warm_up(url: str, timeout: float = 120) -> None:
    """Run each page once in a scripted session (Streamlit's internal protocol; e2e-tested).

    Runs in its own thread: Playwright's sync API may already own this thread's event loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        statuses = pool.submit(asyncio.run, _run_pages(url.replace("http", "ws", 1), timeout)).result()
    if any(statuses):  # 0 is ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
        raise RuntimeError(f"warm-up runs ended with statuses {statuses}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(port: int | None = None, log_path: Path | None = None, env: dict | None = None) -> Iterator[str]:
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    if log_path is None:
        log_path = ROOT / "var" / f"streamlit-{port}.log"
        log_path.parent.mkdir(exist_ok=True)
    proc = start(port, log_path, env)
    try:
        wait_healthy(url, proc)
        warm_up(url)
        yield url
    finally:
        stop(proc)


def main() -> None:
    """`make run`: serve on 8501 (or $PORT) until interrupted."""
    port = int(os.environ.get("PORT", "8501"))
    proc = start(port, None)
    signal.signal(signal.SIGTERM, lambda *_: stop(proc))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        warm_up(url)
        print(f"Data theater ready: {url}  (Ctrl+C stops)", flush=True)
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
