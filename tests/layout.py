"""Layout checks for Playwright pages: no sideways scrolling, nothing off screen, no colliding controls.

Used by the browser tests of every page at every size in ``SIZES`` (issue 11: a phone, a tablet,
a projector, a laptop, a desktop). ``assert_no_overlapping_controls`` compares the boxes of the
visible controls *including their text*: a label whose text runs past its own box into the next
("LEARNING RATEACTIVATION") collides even though the label elements' boxes do not.
"""

from __future__ import annotations

from pathlib import Path

SIZES: list[tuple[int, int]] = [(390, 844), (768, 1024), (1024, 768), (1280, 720), (1920, 1080)]

CONTROLS = (
    "button, input:not([type=hidden]), select, textarea, a[href], label, summary, [role=button], "
    "[role=radio], [role=tab], output"
)

# The measuring runs in the page (tests/layout.js): boxes of the visible controls, overlapping pairs.
_BOXES = (Path(__file__).with_name("layout.js")).read_text()


def control_report(page, ignore: tuple[str, ...] = (), extra: str = "") -> dict:
    """``{count, pairs: [[a, b, overlap_w, overlap_h]], offscreen: [[name, left, right]]}``.

    ``extra``: a selector of more elements to compare (a page's own text, e.g. chart keys).
    """
    return page.evaluate(_BOXES, [f"{CONTROLS}, {extra}" if extra else CONTROLS, list(ignore)])


def assert_no_horizontal_overflow(page, ignore: tuple[str, ...] = ()) -> None:
    """The page does not scroll sideways, and no visible control sticks out of the viewport.

    A control that is clipped by a scrolling ancestor counts as far as it is shown.
    """
    size = page.evaluate(
        "({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: innerWidth})"
    )
    assert size["doc"] <= size["view"] and size["body"] <= size["view"], (
        f"the page scrolls sideways at {size['view']} px: it is {max(size['doc'], size['body'])} px wide"
    )
    offscreen = control_report(page, ignore)["offscreen"]
    assert not offscreen, f"controls off screen at {size['view']} px (name, left, right): {offscreen}"


def assert_no_overlapping_controls(page, ignore: tuple[str, ...] = (), extra: str = "") -> None:
    """No two visible buttons, inputs, selects, links or labels (with their text) share pixels.

    ``ignore``: selectors of parts left out (e.g. an open popover that covers the page on purpose);
    ``extra``: a selector of more elements whose text must not collide either (headings, keys).
    """
    report = control_report(page, ignore, extra)
    assert report["count"] > 0, "no visible controls found: is the page loaded?"
    width = page.evaluate("innerWidth")
    pairs = report["pairs"][:12]
    assert not pairs, f"overlapping controls at {width} px (a, b, overlap w, h): {pairs}"
