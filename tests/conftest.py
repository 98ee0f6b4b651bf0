"""Shared fixtures: a real uvicorn server on 127.0.0.1 and a real headless Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

# CI (CI=1, or BACKPROP_LAB_HYPOTHESIS=ci) replays the same examples every run, so a red build is
# reproducible; locally each run explores new ones. No deadline: the machine is shared and slow.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None, print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("BACKPROP_LAB_HYPOTHESIS", "ci" if os.environ.get("CI") else "dev")
)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[str]:
    """Base URL of a real uvicorn serving app.main:app on 127.0.0.1, one per test module.

    One per module, so runs and sessions left by one module's tests never load another's. Its log
    goes to a file: a pipe nobody reads fills up after ~64 KB of access log and then blocks uvicorn.
    """
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log_path = tmp_path_factory.mktemp("uvicorn") / "server.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            raise RuntimeError(f"uvicorn did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (no browser download). Fails, never skips, if missing.

    Per module: Playwright's sync API keeps an event loop running in this thread while it is open,
    and later modules call ``asyncio.run``.
    """
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make test` installs it with apt-get"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh page at 1280x720 that fails the test on any console error or page error."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=live_server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"browser console errors: {errors}"
