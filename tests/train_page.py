"""Helpers for the /train page's browser tests (one place, shared by every test_browser_train* module)."""

from __future__ import annotations

import contextlib

SMALL = "?hidden=6,4&n_points=60&seed=2"  # the real trainer, small enough to step quickly

# Pixels of a canvas that are not (almost) white: something was drawn.
INKED = """(sel) => {
  const canvas = document.querySelector(sel);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235) n++;
  return n;
}"""


def step_count(page) -> int:
    return int(page.get_attribute("#step-count", "data-step") or "0")


def wait_live(page) -> None:
    page.wait_for_selector("#status.live", timeout=30_000)
    page.wait_for_selector("#boundary[data-painted='yes']", timeout=30_000)


def session_id(page) -> str:
    return page.evaluate("backpropTrain.sessionId")


@contextlib.contextmanager
def another_page(browser, live_server, expected: tuple[str, ...] = ()):
    """A second browser (its own storage), failing on console errors other than ``expected`` ones.

    ``expected``: parts of messages this test provokes on purpose (the browser logs every 4xx
    answer as "Failed to load resource: ... 410 (Gone)").
    """
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=live_server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()
    unexpected = [e for e in errors if not any(part in e for part in expected)]
    assert not unexpected, f"browser console errors: {unexpected}"


def owner_token(page) -> dict[str, str]:
    """The owner token the page keeps in sessionStorage."""
    saved = page.evaluate("JSON.parse(sessionStorage.getItem('backprop-lab-train-session'))")
    return {"X-Owner-Token": saved["token"]}
