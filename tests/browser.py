"""What the browser tests share: the app served by ``streamlit run`` on a free local port, a
headless chromium driven by Playwright, signing in, and waiting for Streamlit's runs.

A test module builds its database in a temporary folder, serves it with :func:`serve_app` in a
module fixture, and signs a page of the ``browser`` fixture (tests/conftest.py) in with
:func:`sign_in`. Screenshots go to test-artifacts/.

Needs Debian's chromium (``apt-get install chromium``, done by .ci/run) and the ``playwright``
package (its driver only: no browser download). A module importing this one is skipped without
the package, and its tests (marked with :func:`marks`) without chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SYNTH_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
SAMPLE = ROOT / "samples" / "convening"
PASSCODE = "browser-test-passcode"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 60
FIRST_RUN_TIMEOUT_MS = 120_000

sync_api = pytest.importorskip("playwright.sync_api")


def marks(timeout_s: int) -> list[pytest.MarkDecorator]:
    """A browser test module's ``pytestmark``: slow, ``timeout_s`` a test, skipped without
    chromium."""
    return [pytest.mark.slow, pytest.mark.timeout(timeout_s),
            pytest.mark.skipif(not Path(CHROMIUM).exists(),
                               reason=f"no chromium at {CHROMIUM} (apt-get install chromium)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_answering(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail("streamlit did not start: " + log.read_text()[-2000:])


@contextmanager
def serve_app(url: str, tmp: Path, **env: str) -> Iterator[str]:
    """``streamlit run app.py`` on a free local port over the database at ``url``, staff
    passcode :data:`PASSCODE`, its cache and log in ``tmp``, ``env`` on top of the rest; yields
    its address once it answers and stops it on leaving."""
    from synth.convening import jobs
    from synth_app import auth

    auth.set_passcode(jobs.files_dir(url), PASSCODE)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {"SYNTH_DATABASE_URL": url, "SYNTH_PUBLIC_URL": f"{base}/",
                        "SYNTH_CACHE_DIR": str(tmp / "cache")} | env
    log = tmp / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_until_answering(port, proc, log)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """Debian's chromium, headless, with its profile in ``profile``: a Playwright browser
    context (30 s for each action, downloads accepted, a laptop's window)."""
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=ARGS, headless=True,
            accept_downloads=True, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()


def shot(page, name: str) -> None:
    """A screenshot of the whole page to test-artifacts/``name``.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def settle(page) -> None:
    """Wait until Streamlit has finished the run the last action started."""
    page.wait_for_timeout(250)  # the run starts a moment after the click reaches the server
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(
        timeout=60_000)


def click(page, name: str) -> None:
    """Click the first button called ``name`` and wait for the run it starts."""
    page.get_by_role("button", name=name, exact=True).first.click()
    settle(page)


def sign_in(page, base: str) -> None:
    """Open the app at ``base`` and sign in as staff, up to the review page's heading."""
    page.goto(base)
    passcode = page.get_by_label("Staff passcode")
    # A server's first run imports the app's libraries: far over 30 s on a busy machine.
    passcode.wait_for(timeout=FIRST_RUN_TIMEOUT_MS)
    passcode.fill(PASSCODE)
    click(page, "Sign in")
    page.get_by_role("heading", name="Candidate priorities").wait_for()


@contextmanager
def signed_in_page(context, base: str, failure: str) -> Iterator[Any]:
    """A new page of the browser ``context``, signed in at ``base``; on an error a screenshot
    of it goes to test-artifacts/``failure``.png first. Closed on leaving."""
    page = context.new_page()
    try:
        sign_in(page, base)
        yield page
    except Exception:
        shot(page, failure)
        raise
    finally:
        page.close()
