"""Real-browser fixtures: the Streamlit app on a free local port, and Debian's Chromium.

These tests drive ``/usr/bin/chromium`` (Debian package ``chromium``) through the Playwright
Python package. Playwright must **never download a browser of its own**: install the Python
package with ``PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1`` set (as ``.ci/run`` does) and never run
``playwright install``; the fixtures launch Chromium with ``executable_path="/usr/bin/chromium"``.

When Chromium or Playwright is missing the tests skip with the reason, except under CI
(``CI=true``), where they fail: CI installs both, so a missing one is a broken setup.

Run them alone with ``python -m pytest -m browser``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
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
#: Hosts a page may talk to: this machine only.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
#: URL schemes that never reach a network.
NON_NETWORK_SCHEMES = frozenset({"data", "blob", "about", "file", "chrome-extension"})
#: The server answers once its start-up warm-up is done (geomap/pages/_startup.py): imports, the
#: store, the default country's data, and on a new HOME the one-time GeoNames cache, which a
#: first page used to build (within its own 120 s load timeout).
STARTUP_TIMEOUT_S = 210.0


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"{reason} (CI=true, so browser tests must run, not skip)")
    pytest.skip(reason)


def is_local_url(url: str) -> bool:
    """Whether a request to ``url`` stays on this machine (or never touches a network)."""
    parsed = urlparse(url)
    if parsed.scheme in NON_NETWORK_SCHEMES:
        return True
    return parsed.hostname in LOCAL_HOSTS


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """``/usr/bin/chromium``, after checking that it and Playwright are installed."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium (Playwright must not download one)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable(
            "the playwright Python package is missing: "
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 pip install -e '.[test]'"
        )
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def minimal_env(home: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_HEADLESS": "true",
    }
    for key in ("CI", "TMPDIR", "VIRTUAL_ENV", "PYENV_VERSION"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server we started (its own process group), politely first."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@contextmanager
def serve_app(workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``streamlit run app.py`` from the repo root on a free port (HOME=``workdir``); yield its base URL."""
    if not (REPO / "app.py").is_file():
        pytest.fail(f"{REPO / 'app.py'} is missing")
    port = _free_port()
    log_path = workdir / "streamlit.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env={**minimal_env(workdir), **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode} before serving:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer /_stcore/health in {STARTUP_TIMEOUT_S:.0f} s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield base
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def app_url(app_server: tuple[str, Path]) -> str:
    """The base URL of the app (see :func:`app_server`)."""
    return app_server[0]


@pytest.fixture(scope="session")
def app_home(app_server: tuple[str, Path]) -> Path:
    """The server's ``HOME``: its settings, credentials file and store live under it (XDG defaults)."""
    return app_server[1]


@pytest.fixture(scope="session")
def app_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory, store_vars) -> Iterator[tuple[str, Path]]:
    """Start ``streamlit run app.py`` from the repo root on a free port; yield its base URL and HOME.

    The server has a store of its own (a GeoPackage in its folder, or with
    ``GEOMAP_TEST_BACKEND=postgis`` a seeded PostGIS database).
    """
    workdir = tmp_path_factory.mktemp("streamlit")
    with serve_app(workdir, store_vars(workdir / "data")) as base:
        yield base, workdir


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    """A headless Chromium (Debian's) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class RequestLog:
    """Every request made by a browser context (all pages, frames, workers, web sockets)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def record(self, url: str) -> None:
        self.urls.append(url)

    def outside(self) -> list[str]:
        """Requests that left this machine."""
        return [u for u in self.urls if not is_local_url(u)]


@pytest.fixture
def browser_context(browser: Any) -> Iterator[tuple[Any, RequestLog]]:
    """A fresh browser context (1280×900) and the log of every request it makes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    log = RequestLog()
    context.on("request", lambda request: log.record(request.url))
    context.on("page", lambda page: page.on("websocket", lambda ws: log.record(ws.url)))
    try:
        yield context, log
    finally:
        context.close()


@pytest.fixture
def screenshot_path(tmp_path: Path) -> Path:
    """``docs/screenshot.png`` when ``GEOMAP_UPDATE_SCREENSHOT=1``, else a file under tmp_path."""
    if os.environ.get("GEOMAP_UPDATE_SCREENSHOT") == "1":
        return REPO / "docs" / "screenshot.png"
    return tmp_path / "screenshot.png"

