"""The playground at every screen size (issue 11) and on a projector (issue 10), in headless Chromium.

At each size of ``tests.layout.SIZES``: no sideways scrolling, no two controls on top of each other,
nothing needed off screen, before and after a node panel opens (a sheet over the graph on a phone,
never squeezing the graph to a third). On a 1280x720 projector the graph's text is at least 14 px
when the page opens the README program or the lecture's neuron, and presentation mode makes it
larger with the program hidden. At 1024x768 the minimap never covers the output.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from reference_programs import README_SOURCE as README
from test_browser_playground import NEURON, link, open_playground, runs, settled_layout

from tests.layout import SIZES, assert_no_horizontal_overflow, assert_no_overlapping_controls

pytestmark = pytest.mark.browser

# Every drawn value's text, in screen pixels: its font size times the drawing's scale on screen.
TEXT_PX_JS = """() => Array.from(document.querySelectorAll('#graph-canvas g.value text'))
  .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""

# The drawing pans under its canvas: its nodes may be partly off screen, and the minimap over them.
DRAWING = ("#graph-canvas", "#graph-overview")

BOX_JS = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height}; }"""


def box(page: Page, selector: str) -> dict:
    return page.evaluate(BOX_JS, selector)


def overlaps(a: dict, b: dict) -> bool:
    across = a["left"] < b["right"] and b["left"] < a["right"]
    return across and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def smallest_text_px(page: Page) -> float:
    settled_layout(page)
    sizes = page.evaluate(TEXT_PX_JS)
    assert sizes, "no drawn text"
    return min(sizes)


def open_node_panel(page: Page) -> None:
    page.locator("#graph-canvas g.value.output").dispatch_event("click")
    expect(page.locator("#node-panel")).to_be_visible()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_size_fits_with_and_without_the_node_panel(browser, live_server, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_server)
    page = context.new_page()
    try:
        open_playground(page, link(README))
        assert_no_horizontal_overflow(page, ignore=DRAWING)
        assert_no_overlapping_controls(page, ignore=DRAWING)
        for control in ("#run-btn", "#share-btn", "#export-btn", "#step-btn", "#fit-btn"):
            control_box = box(page, control)
            assert control_box["right"] <= width and control_box["bottom"] <= height, control
        # Not cut off by its own panel either (a panel clips what does not fit in it).
        for control, panel in (("#run-btn", "#editor-section"), ("#examples", "#editor-section")):
            assert box(page, control)["right"] <= box(page, panel)["right"] - 1, f"{control} is cut off"
        # The top bar stays one line: the nav is as tall as its links.
        assert box(page, ".topbar")["height"] <= 50

        graph_before = box(page, "#graph-canvas")
        open_node_panel(page)
        assert_no_horizontal_overflow(page, ignore=DRAWING)
        assert_no_overlapping_controls(page, ignore=DRAWING)
        panel, graph = box(page, "#node-panel"), box(page, "#graph-canvas")
        assert panel["bottom"] <= height + 1 and box(page, "#panel-close")["right"] <= width
        if width <= 900:
            # A sheet over the graph: the graph keeps (at least) its size, the sheet its lower part.
            position = page.evaluate("getComputedStyle(document.querySelector('#node-panel')).position")
            assert position == "fixed"
            assert graph["height"] >= graph_before["height"] and graph["width"] >= graph_before["width"] - 1
            assert panel["top"] > graph["top"] + 60
        else:
            # Beside the graph, which keeps more than half of the width.
            assert panel["left"] >= graph["right"] - 1
            assert graph["width"] >= 0.5 * width, f"the graph is {graph['width']:.0f} of {width} px wide"
    finally:
        context.close()


def test_at_1024x768_the_minimap_does_not_cover_the_output(page: Page):
    page.set_viewport_size({"width": 1024, "height": 768})
    open_playground(page, link(README))
    settled_layout(page)
    expect(page.locator("#graph-overview")).to_be_visible()
    assert not overlaps(box(page, "#graph-canvas g.value.output"), box(page, "#graph-overview"))


@pytest.mark.parametrize("program", [README, NEURON], ids=["readme", "neuron"])
def test_projector_text_is_at_least_14px_when_the_page_opens_a_program(page: Page, program):
    open_playground(page, link(program))  # the page fixture is 1280x720
    assert smallest_text_px(page) >= 14 - 0.01
    # The output is on screen at that size.
    canvas, out = box(page, "#graph-canvas"), box(page, "#graph-canvas g.value.output")
    assert canvas["left"] <= out["left"] and out["right"] <= canvas["right"] + 1


def test_presentation_mode_hides_the_program_and_enlarges_graph_and_panel(page: Page):
    open_playground(page, link(NEURON))
    normal_text = smallest_text_px(page)
    open_node_panel(page)
    panel_font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.np-name')).fontSize)")
    panel_zoom = page.evaluate("Number(getComputedStyle(document.querySelector('#node-panel')).zoom)")
    page.click("#panel-close")

    page.click("#present-btn")
    expect(page.locator("#editor-section")).to_be_hidden()
    expect(page.locator("#present-btn")).to_have_attribute("aria-pressed", "true")
    assert "present=1" in page.url
    assert smallest_text_px(page) >= max(20 - 0.01, normal_text)
    open_node_panel(page)
    assert page.evaluate("Number(getComputedStyle(document.querySelector('#node-panel')).zoom)") > panel_zoom
    assert panel_font > 0
    page.click("#panel-close")

    page.keyboard.press("m")  # the key leaves it again
    expect(page.locator("#editor-section")).to_be_visible()
    assert "present=1" not in page.url

    # A link with &present=1 opens in it.
    open_playground(page, link(NEURON, present="1"))
    expect(page.locator("#editor-section")).to_be_hidden()
    assert smallest_text_px(page) >= 20 - 0.01


def test_step_through_stops_at_the_end_instead_of_wrapping(page: Page):
    open_playground(page, link(NEURON))
    page.click("#step-reset")
    total = page.evaluate("document.querySelectorAll('#graph-canvas g.value').length")
    for _ in range(total):
        page.click("#step-btn")
    expect(page.locator("#step-caption")).to_contain_text(f"Step {total} of {total}")
    expect(page.locator("#step-btn")).to_be_disabled()
    page.keyboard.press("n")  # the key does nothing more either
    expect(page.locator("#step-caption")).to_contain_text(f"Step {total} of {total}")
    page.click("#step-reset")
    expect(page.locator("#step-caption")).to_contain_text(f"Step 0 of {total}")
    expect(page.locator("#step-btn")).to_be_enabled()


def test_medium_screens_give_the_panel_the_programs_place(page: Page):
    """1280x720: the panel opens where the program was, so the graph keeps its width; E brings the
    program back (closing the panel)."""
    open_playground(page, link(README))
    canvas = box(page, "#graph-canvas")
    open_node_panel(page)
    expect(page.locator("#editor-section")).to_be_hidden()
    assert box(page, "#graph-canvas")["width"] >= canvas["width"] - 60
    page.locator("#graph-canvas").click(position={"x": 5, "y": 5})
    before = runs(page)
    page.keyboard.press("e")
    expect(page.locator("#editor-section")).to_be_visible()
    expect(page.locator("#node-panel")).to_be_hidden()
    assert runs(page) == before


def test_on_a_phone_the_sheet_drags_up_to_grow_and_down_to_close(page: Page):
    page.set_viewport_size({"width": 390, "height": 844})
    open_playground(page, link(README))
    open_node_panel(page)
    usual = box(page, "#node-panel")

    def drag(dy: float) -> None:
        head = box(page, "#node-panel .pg-head")
        x, y = head["left"] + 60, head["top"] + 20  # the handle, away from the close button
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, y + dy, steps=6)
        page.mouse.up()

    drag(-150)
    page.wait_for_function(
        "h => document.querySelector('#node-panel').getBoundingClientRect().height > h + 100",
        arg=usual["height"],
    )
    assert box(page, "#node-panel")["bottom"] <= 844 + 1 and box(page, "#node-panel")["top"] >= 48
    drag(80)  # down a little: back to its usual height
    page.wait_for_function(
        "h => Math.abs(document.querySelector('#node-panel').getBoundingClientRect().height - h) < 2",
        arg=usual["height"],
    )
    drag(120)  # down far: closed
    expect(page.locator("#node-panel")).to_be_hidden()
    open_node_panel(page)  # and it opens again as usual
    assert abs(box(page, "#node-panel")["height"] - usual["height"]) < 2
