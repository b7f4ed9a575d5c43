"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against the real server.

The server runs in a subprocess on a free port with a temporary SQLite
database, started by the end-to-end harness ``tests/server/e2e/harness.py``
(loaded here under its own module name, so nothing is duplicated). The built client
(``web/dist``, made by ``scripts/setup``) is what the server serves.

Chromium is not downloaded (that is impossible here): ``scripts/setup
--browser`` installs Debian's package when it is missing. Without it, or
without a built client, these tests are skipped — except under ``CI``, where
that is a failure. So is the accessibility audit without axe-core, which
``scripts/setup`` installs into ``web/node_modules`` (``npm ci``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("THREATDECK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _harness() -> Any:
    """The end-to-end harness module (ServerProcess, free_port) of tests/server/e2e, under a name of its own."""
    name = "threatdeck_e2e_harness"
    if name in sys.modules:
        return sys.modules[name]
    path = ROOT / "tests" / "server" / "e2e" / "harness.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what}; CI must provide it (scripts/test runs scripts/setup --browser)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session; each test opens its own contexts."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if not (ROOT / "web" / "dist" / "index.html").is_file():
        _missing("the web client is not built (run scripts/setup)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
"""axe-core, the accessibility engine: a dev dependency of the web client (web/package.json), which scripts/setup installs."""


@pytest.fixture(scope="session")
def axe_source() -> str:
    """The axe-core script, to run in a page (``page.evaluate``: the server's CSP admits no injected script tag)."""
    if not AXE.is_file():
        _missing(f"{AXE.relative_to(ROOT)} is not installed (run scripts/setup)")
    return AXE.read_text(encoding="utf-8")


class WebServer:
    """A running ``threatdeck serve`` and a way to kill and restart it on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.harness = _harness()
        self.process = self.harness.ServerProcess(workdir, async_mode="gevent", name="web")

    def start(self) -> WebServer:
        self.process.start()
        return self

    @property
    def url(self) -> str:
        return str(self.process.url)

    def kill(self) -> None:
        self.process.kill()

    def restart_same_port(self) -> None:
        """Start again on the port it had (the same database), as after a crash."""
        port = self.process.port
        original = self.harness.free_port
        self.harness.free_port = lambda: port
        try:
            self.process.start()
        finally:
            self.harness.free_port = original

    def stop(self) -> None:
        self.process.stop()

    def errors(self) -> list[str]:
        return list(self.process.unhandled_errors())


@pytest.fixture
def web_server(tmp_path: Path, browser: Any) -> Iterator[WebServer]:
    """The real server on a free port with a fresh SQLite database in tmp_path."""
    server = WebServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def start_web_server(tmp_path: Path, browser: Any) -> Iterator[Callable[..., WebServer]]:
    """Start the real server with settings of its own in the environment (e.g. shorter waits); stopped at the end."""
    started: list[WebServer] = []

    def start(**env: str) -> WebServer:
        workdir = tmp_path / f"server{len(started)}"
        workdir.mkdir()
        server = WebServer(workdir)
        server.process.env = dict(env)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (its own storage: one person); collects page errors."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(width: int = 1440, height: int = 900, **kwargs: Any) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, **kwargs)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: errors.append(f"{exc}"))
        # The client asks in its own dialog (web/src/confirm.js): a box of the browser's blocks the table's updates.
        page.on("dialog", lambda dialog: (errors.append(f"a browser {dialog.type} box: {dialog.message}"),
                                          dialog.dismiss()))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"uncaught errors in the pages: {errors}"
