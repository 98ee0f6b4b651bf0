"""Python mode in headless Chromium: real CPython (Pyodide) in a Web Worker, drawn by the server.

One page loads Pyodide once and is reused by most tests (a cold start costs seconds); the lecture's
cell is pasted into another with the network cut off from outside the page.
"""

from __future__ import annotations

import base64
import json
import math
import re

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser_playground import VALUES_JS, number
from test_browser_playground_layout import DRAWING

from tests.layout import SIZES, assert_no_horizontal_overflow, assert_no_overlapping_controls
from tests.lecture_programs import LECTURE_NEURON, LECTURE_VALUE
from tests.python_mode_programs import PROGRAMS
from tests.test_python_runner import reference

pytestmark = pytest.mark.browser

LECTURE_CELL = LECTURE_VALUE + LECTURE_NEURON  # the lecture's class Value, then its neuron


def python_link(source: str, **params: str) -> str:
    encoded = base64.urlsafe_b64encode(source.encode()).decode().rstrip("=")
    extra = "".join(f"&{key}={value}" for key, value in params.items())
    return f"/#src={encoded}&mode=python{extra}"


@pytest.fixture(scope="module")
def py(browser, live_server) -> Page:
    """One page in Python mode, Pyodide loaded once for all the tests that share it."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 720}, base_url=live_server, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(python_link("a = Value(1.0)\n"))
    page.wait_for_function("() => Number(document.body.dataset.runs || 0) > 0", timeout=120_000)
    assert page.evaluate("document.body.dataset.pythonBootFrom") == "snapshot"
    yield page
    context.close()
    assert not errors, errors


def runs(page: Page) -> int:
    return page.evaluate("Number(document.body.dataset.runs || 0)")


def run_program(page: Page, source: str, timeout: float = 30_000) -> str:
    """Put `source` in the editor, run it, and return how the run ended ("ok" or "error")."""
    before = runs(page)
    page.evaluate("(s) => document.querySelector('.CodeMirror').CodeMirror.setValue(s)", source)
    page.click("#run-btn")
    page.wait_for_function("n => Number(document.body.dataset.runs || 0) > n", arg=before, timeout=timeout)
    return page.evaluate("document.body.dataset.lastRun")


def drawn(page: Page) -> dict[str, dict]:
    return {v["label"]: v for v in page.evaluate(VALUES_JS) if v["label"]}


def test_the_lecture_cell_pasted_offline_reads_o_and_x1_grad_from_the_drawing(browser, live_server):
    """The lecture's class Value and its neuron, pasted into Python mode with the network cut off
    from outside the page: every request to anything but 127.0.0.1 is aborted and recorded (none
    may happen: Pyodide and the engine come from this server). Routing turns off the HTTP cache,
    so this page compiles Pyodide from scratch: the slowest cold start there is."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=live_server)
    aborted: list[str] = []
    loopback = re.compile(r"^https?://(127\.0\.0\.1|localhost)[:/]")

    def cut_off(route):
        aborted.append(route.request.url)
        route.abort("internetdisconnected")

    context.route(lambda url: not loopback.match(url), cut_off)
    page = context.new_page()
    try:
        page.goto("/#mode=python")
        page.wait_for_function("() => Number(document.body.dataset.runs || 0) > 0", timeout=150_000)
        before = runs(page)
        page.locator(".CodeMirror-code").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(LECTURE_CELL)  # as a paste: one input, no auto-indent
        page.keyboard.press("Control+Enter")
        page.wait_for_function(
            "n => Number(document.body.dataset.runs || 0) > n", arg=before, timeout=150_000
        )
        assert page.evaluate("document.body.dataset.lastRun") == "ok", page.locator("#error-bar").inner_text()
        assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()") == LECTURE_CELL
        expect(page.locator("button[data-mode=python]")).to_have_attribute("aria-pressed", "true")
        values = drawn(page)
        assert values["o"]["data"] == "data 0.7071" and values["o"]["output"]
        assert values["x1"]["grad"] == "grad -1.5000"
        assert values["w1"]["grad"] == "grad 1.0000" and values["x2"]["grad"] == "grad 0.5000"
        expect(page.locator("#python-status")).to_have_text("Python in your browser")
        assert not aborted, f"requests left the machine: {aborted}"
    finally:
        context.close()


RANDOM_DRAW = "import random\nprint(random.random())\na = Value(1.0)\n"


def cold_random_draw(browser, live_server, refuse_snapshot: bool = False) -> tuple[str, str]:
    """In a new page: how Python started ("snapshot" or "fresh") and the first random.random()."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=live_server)
    if refuse_snapshot:
        context.route("**/snapshot.bin.gz", lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(python_link(RANDOM_DRAW))
        page.wait_for_function("() => Number(document.body.dataset.runs || 0) > 0", timeout=150_000)
        assert page.evaluate("document.body.dataset.lastRun") == "ok", page.locator("#error-bar").inner_text()
        assert not errors, errors
        started = page.evaluate("document.body.dataset.pythonBootFrom")
        return started, page.locator("#prints-text").inner_text()
    finally:
        context.close()


def test_python_starts_from_its_snapshot_with_its_own_random_numbers(browser, live_server):
    """Two new pages boot from the start-up snapshot (make pyodide) yet draw different random
    numbers, as two fresh interpreters would: the snapshot froze `random`'s state, the worker reseeds."""
    first, second = cold_random_draw(browser, live_server), cold_random_draw(browser, live_server)
    assert first[0] == second[0] == "snapshot"
    assert first[1] != second[1], "both pages drew the same random numbers"


def test_without_its_snapshot_python_still_starts_afresh(browser, live_server):
    """A server whose static files lack the snapshot (or a browser that refuses it) is slower, not broken."""
    started, printed = cold_random_draw(browser, live_server, refuse_snapshot=True)
    assert started == "fresh" and 0 <= float(printed) < 1


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.name)
def test_lecture_programs_run_and_draw_micrograds_numbers(py: Page, program):
    assert run_program(py, program.source) == "ok", py.locator("#error-bar").inner_text()
    namespace, printed = reference(program)
    if printed:
        shown = py.locator("#prints-text").inner_text().splitlines()
        assert len(shown) == len(printed) and shown[0].split()[0] == printed[0].split()[0]
    if program.output is None:
        expect(py.locator("#graph-message")).to_contain_text("Nothing to draw")
        return
    (out,) = [v for v in py.evaluate(VALUES_JS) if v["output"]]
    expected = namespace[program.output].data
    assert math.isclose(number(out["data"]), expected, abs_tol=1e-4 + 1e-6 * abs(expected)), (out, expected)


def test_a_program_that_never_ends_is_stopped_and_python_comes_back(py: Page):
    assert run_program(py, "while True:\n    pass\n") == "error"
    expect(py.locator("#error-where")).to_have_text("Stopped:")
    expect(py.locator("#error-message")).to_contain_text("still running after 5 s")
    # A fresh worker: Pyodide boots again (seconds; more on a busy machine).
    assert run_program(py, "a = Value(2.0)\nb = a * a\n", timeout=120_000) == "ok"
    (out,) = [v for v in py.evaluate(VALUES_JS) if v["output"]]
    assert out["data"] == "data 4.0000"


def test_errors_name_their_line_and_unavailable_libraries_say_so(py: Page):
    assert run_program(py, "x = 1\nimport numpy as np\n") == "error"
    expect(py.locator("#error-where")).to_have_text("Line 2, column 1:")
    expect(py.locator("#error-message")).to_contain_text("numpy is not available in the browser")
    assert run_program(py, "a = Value(1.0)\nb = a.nope()\n") == "error"
    expect(py.locator("#error-where")).to_contain_text("Line 2")
    expect(py.locator(".cm-error-line")).to_have_count(1)


def test_nudge_step_check_backprop_from_and_export_work_in_python_mode(py: Page, tmp_path):
    assert run_program(py, LECTURE_CELL) == "ok"
    # Gradient check and the nudge, on the leaf x1 = Value(2.0, label='x1').
    x1 = drawn(py)["x1"]
    py.locator(f"#{x1['id']}").dispatch_event("click")
    expect(py.locator("#node-panel [data-ok]")).to_have_attribute("data-ok", "true")
    before = runs(py)
    py.fill("#leaf-value", "2.5")
    py.wait_for_function("n => Number(document.body.dataset.runs || 0) > n", arg=before, timeout=30_000)
    assert "x1 = Value(2.5, label='x1')" in py.evaluate(
        "document.querySelector('.CodeMirror').CodeMirror.getValue()"
    )
    o = math.tanh(2.5 * -3.0 + 6.8813735870195432)
    py.wait_for_function(
        "t => document.querySelector('#graph-canvas g.value.output').textContent.includes(t)", arg=f"{o:.4f}"
    )
    py.click("#panel-close")

    # Step-through: the first backward step is the output, grad 1.
    py.click("#step-reset")
    py.click("#step-btn")
    expect(py.locator("#step-caption")).to_contain_text("is the output: grad = 1")
    py.click("#step-exit")

    # Backprop from n: its graph, its grads.
    before = runs(py)
    py.select_option("#output-select", "n")
    py.wait_for_function("n => Number(document.body.dataset.runs || 0) > n", arg=before, timeout=30_000)
    values = drawn(py)
    assert values["n"]["output"] and values["n"]["grad"] == "grad 1.0000"
    assert values["x1"]["grad"] == "grad -3.0000"  # dn/dx1 = w1
    assert "out=n" in py.url and "mode=python" in py.url
    py.select_option("#output-select", "")

    # Export: the program itself as the script, and the drawing's JSON and SVG from the server.
    files = {}
    for kind in ("python", "json", "svg"):
        py.click("#export-btn")
        with py.expect_download() as download:
            py.click(f"#export-menu [data-export={kind}]")
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[kind] = path.read_text()
    assert files["python"].startswith(LECTURE_VALUE[:40]) and "class Value" in files["python"]
    assert "<svg" in files["svg"]
    assert json.loads(files["json"])["nodes"]


def test_the_server_offers_python_for_what_it_refuses_and_the_choice_is_remembered(py: Page):
    py.click("button[data-mode=lab]")
    py.wait_for_function("() => document.body.dataset.mode === 'lab'")
    assert run_program(py, "def f(x):\n    return 3*x**2 - 4*x + 5\na = Value(f(3.0))\n") == "error"
    expect(py.locator("#error-offer")).to_be_visible()
    before = runs(py)
    py.click("#offer-python")
    py.wait_for_function("n => Number(document.body.dataset.runs || 0) > n", arg=before, timeout=30_000)
    assert py.evaluate("document.body.dataset.lastRun") == "ok"
    expect(py.locator("button[data-mode=python]")).to_have_attribute("aria-pressed", "true")
    assert py.evaluate("localStorage.getItem('backprop-lab.mode')") == "python"
    assert "mode=python" in py.url
    (out,) = [v for v in py.evaluate(VALUES_JS) if v["output"]]
    assert out["data"] == "data 20.0000"
    # A plain typo is not offered Python.
    py.click("button[data-mode=lab]")
    assert run_program(py, "a = Value(1.0)\nb = aa * 2\n") == "error"
    expect(py.locator("#error-offer")).to_be_hidden()
    py.click("button[data-mode=python]")


NETWORK = """import random
from micrograd.nn import MLP
from micrograd.engine import Value
random.seed(1337)
model = MLP(2, [16, 16, 1])
x = [Value(1.0), Value(-2.0)]
score = model(x)
loss = (score - 1.0)**2
model.zero_grad()
loss.backward()
"""


def micrograd_first_neuron() -> tuple[float, float]:
    """NETWORK's first hidden neuron (data, grad), by the real micrograd package, layer by layer."""
    import random

    from micrograd.engine import Value
    from micrograd.nn import MLP

    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    h1 = [n([Value(1.0), Value(-2.0)]) for n in model.layers[0].neurons]
    h2 = [n(h1) for n in model.layers[1].neurons]
    score = model.layers[2].neurons[0](h2)
    loss = (score - 1.0) ** 2
    loss.backward()
    return h1[0].data, h1[0].grad


def test_a_big_network_opens_collapsed_and_a_neuron_opens_with_micrographs_numbers(py: Page):
    assert run_program(py, NETWORK) == "ok", py.locator("#error-bar").inner_text()
    box = py.locator("[id='box-L1.N1']")
    expect(box).to_have_count(1)  # over the render limit: neurons are boxes
    assert py.locator("#graph-canvas g.value").count() < 100
    data, grad = micrograd_first_neuron()
    texts = box.locator("text").all_text_contents()
    assert f"data {data:.4f}" in texts and f"grad {grad:.4f}" in texts
    before = py.evaluate("Number(document.body.dataset.expands || 0)")
    box.dispatch_event("click")
    py.wait_for_function("n => Number(document.body.dataset.expands || 0) > n", arg=before, timeout=60_000)
    expect(py.locator("[id='box-L1.N1']")).to_have_count(0)
    expect(py.locator("[id='cluster-L1.N1']")).to_have_count(1)  # its frame, holding its scalar graph
    (neuron,) = [v for v in py.evaluate(VALUES_JS) if v["label"] == "L1.N1"]
    assert neuron["data"] == f"data {data:.4f}" and neuron["grad"] == f"grad {grad:.4f}"
    weights = [v for v in py.evaluate(VALUES_JS) if v["label"].startswith("L1.N1.w")]
    assert len(weights) == 2
    # Its frame's title collapses it again.
    before = py.evaluate("Number(document.body.dataset.expands || 0)")
    py.locator("[id='cluster-L1.N1'] .frame-title").dispatch_event("click")
    py.wait_for_function("n => Number(document.body.dataset.expands || 0) > n", arg=before, timeout=60_000)
    expect(py.locator("[id='box-L1.N1']")).to_have_count(1)


def test_python_mode_fits_every_size_with_a_collapsed_network_and_its_panel(py: Page):
    """Issue 11 in Python mode (its status line, the collapsed drawing): every size, with and
    without the node panel (a sheet over the graph on a phone). The same page, resized."""
    assert run_program(py, NETWORK) == "ok"
    expect(py.locator("[id='box-L1.N1']")).to_have_count(1)
    expect(py.locator("#python-status")).to_be_visible()
    try:
        for width, height in SIZES:
            py.set_viewport_size({"width": width, "height": height})
            for panel_open in (False, True):
                if panel_open:
                    py.locator("#graph-canvas g.value.output").dispatch_event("click")
                    expect(py.locator("#node-panel")).to_be_visible()
                assert_no_horizontal_overflow(py, ignore=DRAWING)
                assert_no_overlapping_controls(py, ignore=DRAWING)
                panel = py.locator("#node-panel").bounding_box() if panel_open else None
                assert panel is None or panel["y"] + panel["height"] <= height + 1, (width, panel)
            py.click("#panel-close")
            expect(py.locator("#run-btn")).to_be_visible()
    finally:
        py.set_viewport_size({"width": 1280, "height": 720})


def test_lab_mode_opens_a_neuron_of_the_lecture_loop(py: Page, live_server):
    """The same in the server's language: the lecture's loop opens collapsed, a neuron opens with
    the numbers of the graph the server sent."""
    from tests.lecture_programs import LECTURE_DATA, LECTURE_LOOP

    source = "n = MLP(3, [4, 4, 1])\n" + LECTURE_DATA + LECTURE_LOOP
    graph = httpx.post(f"{live_server}/api/graph", json={"source": source}, timeout=60).json()
    (node,) = [n for n in graph["nodes"] if n["label"] == "D1.L1.N1"]
    py.click("button[data-mode=lab]")
    py.wait_for_function("() => document.body.dataset.mode === 'lab'")
    assert run_program(py, source) == "ok"
    box = py.locator("[id='box-D1.L1.N1']")
    expect(box).to_have_count(1)
    before = py.evaluate("Number(document.body.dataset.expands || 0)")
    box.dispatch_event("click")
    py.wait_for_function("n => Number(document.body.dataset.expands || 0) > n", arg=before, timeout=60_000)
    expect(py.locator("[id='cluster-D1.L1.N1']")).to_have_count(1)
    (drawn_neuron,) = [v for v in py.evaluate(VALUES_JS) if v["label"] == "D1.L1.N1"]
    assert (
        drawn_neuron["data"] == f"data {node['data']:.4f}"
        and drawn_neuron["grad"] == f"grad {node['grad']:.4f}"
    )
    py.click("button[data-mode=python]")
