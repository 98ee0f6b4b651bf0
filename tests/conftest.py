"""Shared fixtures: a real uvicorn server on 127.0.0.1 and a real headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from servers import free_port, running_server, serve_command

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


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[str]:
    """Base URL of a real server on 127.0.0.1, one per test module, started as users start it
    (``backprop-lab serve``: uvicorn with the app's HTTP settings).

    One per module, so runs and sessions left by one module's tests never load another's.
    """
    port = free_port()
    command = serve_command(port)
    log_path = tmp_path_factory.mktemp("uvicorn") / "server.log"
    with running_server(command, port, log_path, ROOT, dict(os.environ, PYTHONUNBUFFERED="1")) as base:
        yield base


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
    """A fresh page at 1280x720 that fails the test on any console error or page error.

    Pages run under the site's CSP (no eval): give ``wait_for_function`` a function, ``"() => ..."``;
    Playwright evals a bare expression on each poll, which the CSP refuses."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=live_server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"browser console errors: {errors}"


# ------------------------------------------------------------------ no skipped tests
# The brief: no tests that skip silently. A skip or xfail anywhere (a marker, a call to skip,
# importorskip, a module-level skip) is reported as a failure naming why it tried to skip.

NO_SKIPS = "this suite runs every test (no skips, no xfails): make it run here, or delete it"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped or hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"{NO_SKIPS}: {report.longrepr or 'xfail: ' + report.wasxfail}"


@pytest.hookimpl(tryfirst=True)  # before the terminal reporter files it as skipped
def pytest_collectreport(report):
    if report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{NO_SKIPS}: {report.longrepr}"
