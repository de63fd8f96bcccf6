"""Helpers shared by the browser tests (Debian's Chromium driven by Playwright): a free port, the app served by
uvicorn in a thread, the browser and signing in. Each test module keeps its own fixtures, built from these."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from support import unavailable

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "outputs" / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn in a thread that can be stopped and started again on the same port (a free one unless given): a
    phone's lost signal is the server gone for real (Chromium's offline emulation does not reach a service worker's
    own requests). ``with Server(app) as srv:`` serves for the block."""

    def __init__(self, app, port: int | None = None):
        self.app, self.port, self.srv, self.thread = app, port or free_port(), None, None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.srv = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.srv.run, daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.srv.started:
                return
            time.sleep(0.05)
        raise RuntimeError(f"test server did not start on port {self.port}")

    def stop(self) -> None:
        self.srv.should_exit = True
        self.thread.join(timeout=10)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def chromium() -> Iterator:
    """A module-scoped ``browser`` fixture's body (``yield from chromium()``): headless Chromium, closed afterwards.
    Skips (fails under `make test` and CI) where Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        unavailable("Chromium is not installed at /usr/bin/chromium (scripts/ensure-chromium.sh)")
    try:
        from playwright import sync_api
    except ImportError:
        unavailable("Playwright is not installed (the `test` extra)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def log_in(page, base: str, user: str, password: str) -> None:
    """Open the page, sign in, and wait until the alerts are listed."""
    page.goto(base + "/")
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
