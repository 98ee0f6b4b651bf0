"""/train at every size (issue 11): a phone, a tablet, a projector, a laptop, a desktop. For the
owner and for a watcher: no sideways scrolling, no control off screen, no two controls (with their
text) overlapping; on a phone the watch view is one column in the order that matters."""

from __future__ import annotations

import httpx
import pytest

from tests.layout import SIZES, assert_no_horizontal_overflow, assert_no_overlapping_controls
from tests.train_page import SMALL, wait_live

# Text of the page's own that must not collide either: headings, chart keys, metrics, the legend.
TEXT = ".panel-title, .key-item, .metric, .legend-item, .step-counter, .scrub-label, .hint, .layers-label"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def watched(live_server):
    """A run to watch, a few steps in."""
    created = httpx.post(
        f"{live_server}/api/sessions", json={"hidden": [6, 4], "n_points": 60, "seed": 2}
    ).json()
    owner = {"X-Owner-Token": created["owner_token"]}
    httpx.post(
        f"{live_server}/api/sessions/{created['id']}/step", json={"steps": 5}, headers=owner, timeout=30
    )
    return created["id"], owner


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_owner_and_watcher_views_fit(browser, live_server, watched, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server)
    try:
        owner = context.new_page()
        owner.goto("/train" + SMALL)
        wait_live(owner)
        assert_no_horizontal_overflow(owner)
        assert_no_overlapping_controls(owner, extra=TEXT)
        # The executor is an advanced setting now, not a headline.
        assert owner.locator("[data-field='executor']").is_hidden()
        assert "compiled" not in owner.text_content("#status")
        # Column titles are the neurons' names.
        titles = owner.locator("#network .net-col-label").all_text_contents()
        assert titles == ["Features", "h0", "h1", "Output"]
        watcher = context.new_page()
        sid, token = watched
        watcher.goto(f"/train?watch={sid}")
        wait_live(watcher)
        # A notice next to the watch banner (the owner edits a weight): both show, in one line on
        # a wide screen.
        edit = {"layer": 0, "neuron": 0, "index": 0, "value": 0.5}
        httpx.post(f"{live_server}/api/sessions/{sid}/weights", json=edit, headers=token, timeout=30)
        watcher.wait_for_selector("#notice:not([hidden])")
        assert_no_horizontal_overflow(watcher)
        assert_no_overlapping_controls(watcher, extra=TEXT)
        banner, notice = (
            watcher.locator("#watch-banner").bounding_box(),
            watcher.locator("#notice").bounding_box(),
        )
        if width >= 1024:
            assert abs(banner["y"] - notice["y"]) < 2, "the watcher's two banners share one line"
        if width < 700:  # one column: step and metrics, boundary, charts, network
            order = ["#step-count", ".output-head", "#boundary", "#loss-chart", "#network"]
            boxes = [watcher.locator(sel).bounding_box() for sel in order]
            tops = [b["y"] for b in boxes]
            assert tops == sorted(tops), dict(zip(order, tops))
            panels = [watcher.locator(sel).bounding_box() for sel in (".output", ".charts", ".network-panel")]
            assert len({round(p["x"]) for p in panels}) == 1 and all(p["width"] > width - 40 for p in panels)
    finally:
        context.close()


def test_the_legend_has_a_colour_for_every_class(page):
    page.goto("/train?dataset=blobs&n_classes=5&loss=softmax_ce&hidden=4&n_points=60")
    wait_live(page)
    classes = page.eval_on_selector_all(
        "#legend [data-class] .dot", "ds => ds.map(d => getComputedStyle(d).backgroundColor)"
    )
    assert len(classes) == 5 and len(set(classes)) == 5
