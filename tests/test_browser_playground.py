"""The playground (GET /) in headless Chromium against a real uvicorn: every feature a student uses.

Numbers on the page are compared with the micrograd package or with the graph API's own answer,
never with constants copied from a run (the README's 24.7041 and 138.8338 are micrograd's own).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from urllib.parse import quote

import httpx
import pytest
from micrograd.engine import Value as MgValue
from playwright.sync_api import Page, expect
from reference_programs import README_SOURCE as README
from reference_programs import readme_program

pytestmark = pytest.mark.browser


NEURON = """x1 = Value(2.0)
x2 = Value(0.0)
w1 = Value(-3.0)
w2 = Value(1.0)
b = Value(6.8813735870195432)
n = x1*w1 + x2*w2 + b
o = n.tanh()
"""

# Every drawn value: its SVG id, classes and the three (or two) texts of its record.
VALUES_JS = """() => Array.from(document.querySelectorAll('#graph-canvas g.value')).map((g) => {
  const texts = Array.from(g.querySelectorAll('text')).map((t) => t.textContent);
  return {id: g.id, node: g.id.replace('node-', ''), output: g.classList.contains('output'),
          leaf: g.classList.contains('leaf'), label: texts.length === 3 ? texts[0] : '',
          data: texts[texts.length - 2], grad: texts[texts.length - 1]};
})"""


def micrograd_readme(a0: float = -4.0) -> tuple[MgValue, MgValue, MgValue]:
    """The README program run by the real micrograd: (a, b, g) after g.backward()."""
    a, b, g = readme_program(MgValue, a0)
    g.backward()
    return a, b, g


def link(source: str, **params: str) -> str:
    """The playground's shareable address for a program: #src=<base64url of the UTF-8 text>."""
    encoded = base64.urlsafe_b64encode(source.encode()).decode().rstrip("=")
    extra = "".join(f"&{key}={value}" for key, value in params.items())
    return f"/#src={encoded}{extra}"


def runs(page: Page) -> int:
    return page.evaluate("Number(document.body.dataset.runs || 0)")


def wait_runs(page: Page, more_than: int) -> None:
    page.wait_for_function("n => Number(document.body.dataset.runs || 0) > n", arg=more_than)


def open_playground(page: Page, path: str = "/") -> None:
    """Load the page and wait for its first run to finish with a drawing."""
    page.goto("about:blank")
    page.goto(path)
    wait_runs(page, 0)
    assert page.evaluate("document.body.dataset.lastRun") == "ok"
    page.wait_for_selector("#graph-canvas svg g.value")


def values(page: Page) -> list[dict]:
    return page.evaluate(VALUES_JS)


def value_labelled(page: Page, label: str) -> dict:
    found = [v for v in values(page) if v["label"] == label]
    assert len(found) == 1, f"{len(found)} values labelled {label!r}"
    return found[0]


def output_value(page: Page) -> dict:
    (out,) = [v for v in values(page) if v["output"]]
    return out


def wait_output_data(page: Page, text: str) -> None:
    """Wait until the drawn output value shows `text` ("data 24.7041")."""
    page.wait_for_function(
        "t => Array.from(document.querySelectorAll('#graph-canvas .value.output text'))"
        ".some((e) => e.textContent === t)",
        arg=text,
    )


def number(text: str) -> float:
    """The number in a text like "data -4.0000", "+13.8834" or "−0.5" (a typographic minus)."""
    match = re.search(r"[-+−]?\d+(?:\.\d+)?(?:e[-+]\d+)?", text)
    assert match, f"no number in {text!r}"
    return float(match.group(0).replace("−", "-"))


def api_graph(live_server: str, source: str) -> dict:
    response = httpx.post(f"{live_server}/api/graph", json={"source": source, "check_gradients": True})
    assert response.status_code == 200, response.text
    return response.json()


# Where the drawing is on screen: the canvas, every drawn value, and the output's first text.
LAYOUT_JS = """() => {
  const rect = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, height: r.height}; };
  const out = document.querySelector('#graph-canvas g.value.output text');
  return {canvas: rect(document.querySelector('#graph-canvas')),
          values: Array.from(document.querySelectorAll('#graph-canvas g.value')).map(rect),
          outputText: out ? rect(out) : null};
}"""

# The pan-zoom matrix of the drawing, equal to `target` (to float noise) or not.
TRANSFORM_NEAR_JS = """([target, want]) => {
  const m = (s) => s.match(/-?[\\d.]+(?:e[-+]?\\d+)?/g).map(Number);
  const now = m(document.querySelector('#graph-canvas .svg-pan-zoom_viewport').getAttribute('transform'));
  return m(target).every((x, i) => Math.abs(x - now[i]) < 1e-3) === want;
}"""


# True once the pan-zoom matrix is the same at two polls in a row.
STILL_JS = """() => {
  const viewport = document.querySelector('#graph-canvas .svg-pan-zoom_viewport');
  const now = viewport ? viewport.getAttribute('transform') : undefined;
  const still = now !== undefined && now === window.__lastTransform;
  window.__lastTransform = now;
  return still;
}"""


def settled_layout(page: Page) -> dict:
    """LAYOUT_JS once the drawing has stopped moving (pan and zoom are applied on animation frames)."""
    page.evaluate("window.__lastTransform = null")
    page.wait_for_function(STILL_JS, polling=150)
    return page.evaluate(LAYOUT_JS)


def inside(box: dict, frame: dict, slack: float = 1.0) -> bool:
    return (
        box["left"] >= frame["left"] - slack
        and box["top"] >= frame["top"] - slack
        and box["right"] <= frame["right"] + slack
        and box["bottom"] <= frame["bottom"] + slack
    )


def show_all(page: Page) -> None:
    """Press Fit and wait until every value is on screen (the minimap goes once nothing is off it)."""
    page.click("#fit-btn")
    expect(page.locator("#graph-overview")).to_be_hidden()
    page.wait_for_function(
        f"() => {{ const l = ({LAYOUT_JS})(); const c = l.canvas;"
        " return l.values.every((v) => v.left >= c.left - 1 && v.right <= c.right + 1"
        " && v.top >= c.top - 1 && v.bottom <= c.bottom + 1); }"
    )


def fit_scale(live_server: str, source: str, rankdir: str, canvas: dict) -> float:
    """How much the server's drawing of `source` in `rankdir` must be scaled to fit `canvas`."""
    svg = httpx.post(f"{live_server}/api/graph/svg", json={"source": source, "rankdir": rankdir}).text
    width, height = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split()[2:])
    return min((canvas["right"] - canvas["left"]) / width, (canvas["bottom"] - canvas["top"]) / height)


def type_program(page: Page, source: str) -> None:
    """Replace the editor's text by typing `source` key by key."""
    page.click(".CodeMirror-code")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(source)


def test_typed_readme_program_shows_g_and_the_grad_of_a(page: Page):
    a, _, g = micrograd_readme()
    open_playground(page)
    type_program(page, README)
    before = runs(page)
    page.keyboard.press("Control+Enter")
    wait_runs(page, before)
    # The editor holds what was typed (auto-closed brackets were typed over, not doubled).
    assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()") == README
    wait_output_data(page, f"data {g.data:.4f}")
    assert output_value(page)["data"] == "data 24.7041" == f"data {g.data:.4f}"
    assert value_labelled(page, "a")["grad"] == "grad 138.8338" == f"grad {a.grad:.4f}"
    expect(page.locator("#prints-text")).to_have_text(f"{g.data:.4f}\n{a.grad:.4f}\n645.5773")
    expect(page.locator("#error-bar")).to_be_hidden()


def test_clicking_a_node_explains_how_its_grad_adds_up(page: Page, live_server: str):
    graph = api_graph(live_server, README)
    a_node = next(n for n in graph["nodes"] if n["label"] == "a")
    uses = [e for e in graph["edges"] if e["source"] == a_node["id"]]
    check = next(c for c in graph["gradient_check"] if c["node"] == a_node["id"])
    open_playground(page, link(README))
    show_all(page)  # the README opens on its output; a is a leaf at the far end

    page.click(f"#node-{a_node['id']}")
    panel = page.locator("#node-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".np-name")).to_have_text("a")
    expect(panel.locator("[data-field=grad]")).to_have_text("138.8338")
    rows = panel.locator(".np-accumulation tbody tr")
    expect(rows).to_have_count(len(uses))
    # Each row: the consumer's grad × the local derivative = what it sent back to a.
    by_edge = {e["id"]: e for e in uses}
    sent = []
    for i in range(rows.count()):
        row = rows.nth(i)
        edge = by_edge[row.get_attribute("data-edge")]
        consumer = graph["nodes"][int(edge["target"][1:])]
        cells = [number(t) for t in row.locator("td.n").all_inner_texts()]
        assert cells[0] == pytest.approx(consumer["grad"], abs=1e-4)
        assert cells[1] == pytest.approx(edge["local_grad"], abs=1e-4)
        assert cells[2] == pytest.approx(edge["contribution"], abs=1e-4)
        assert cells[0] * cells[1] == pytest.approx(cells[2], rel=1e-3)
        sent.append(cells[2])
    total = number(panel.locator(".np-accumulation tfoot td.n").inner_text())
    assert total == pytest.approx(sum(sent), abs=1e-3) and total == pytest.approx(a_node["grad"], abs=1e-4)
    # The numerical gradient check, with its relative error.
    checks = dict(
        zip(
            panel.locator(".np-check dt").all_text_contents(),
            panel.locator(".np-check dd").all_text_contents(),
        )
    )
    assert number(checks["backprop"]) == pytest.approx(check["analytic"], abs=1e-4)
    assert number(checks["numerical"]) == pytest.approx(check["numeric"], abs=1e-4)
    assert number(checks["relative error"]) == pytest.approx(check["relative_error"], rel=0.1, abs=1e-12)
    expect(panel.locator(".badge")).to_have_attribute("data-ok", "true")

    # An op: its local derivative rule, and what it sends to each operand.
    mul = next(n for n in graph["nodes"] if n["op"] == "mul" and n["label"] == "")
    page.click(f"#op-{mul['id']}")
    expect(panel).to_have_attribute("data-kind", "op")
    expect(panel.locator(".rule").nth(1)).to_have_text(re.compile(r"∂out/∂a = b\s+∂out/∂b = a"))
    into = sorted((e for e in graph["edges"] if e["target"] == mul["id"]), key=lambda e: e["position"])
    sent_cells = panel.locator(".np-backward tbody tr td.n:last-child").all_inner_texts()
    assert [number(t) for t in sent_cells] == pytest.approx([e["contribution"] for e in into], abs=1e-4)

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()


def test_hover_highlights_inputs_and_consumers_with_a_tooltip(page: Page, live_server: str):
    graph = api_graph(live_server, NEURON)
    n = next(node for node in graph["nodes"] if node["label"] == "n")
    open_playground(page, link(NEURON))
    page.hover(f"#node-{n['id']}")
    tooltip = page.locator("#graph-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("n")
    expect(tooltip).to_contain_text("addition (+)")
    expect(tooltip).to_contain_text(f"data {n['data']:.4f}")
    expect(tooltip).to_contain_text(f"grad {n['grad']:.4f}")
    lit_in = set(page.eval_on_selector_all("#graph-canvas .value.hl-in", "els => els.map((e) => e.id)"))
    lit_out = set(page.eval_on_selector_all("#graph-canvas .value.hl-out", "els => els.map((e) => e.id)"))
    assert lit_in == {f"node-{e['source']}" for e in graph["edges"] if e["target"] == n["id"]}
    assert lit_out == {f"node-{e['target']}" for e in graph["edges"] if e["source"] == n["id"]}
    page.mouse.move(2, 2)
    expect(tooltip).to_be_hidden()


def test_editing_a_leaf_reruns_in_place_and_shows_the_nudge(page: Page):
    a0, _, g0 = micrograd_readme(-4.0)
    a1, _, g1 = micrograd_readme(-3.9)
    open_playground(page, link(README))
    show_all(page)
    a_id = value_labelled(page, "a")["id"]
    page.evaluate("document.querySelector('#graph-canvas svg').dataset.marker = 'first'")

    page.click(f"#{a_id}")
    expect(page.locator("#leaf-value")).to_be_visible()
    page.click("#zoom-in")  # the user's own zoom, which the edit must keep
    settled_layout(page)
    viewport = "#graph-canvas .svg-pan-zoom_viewport"
    view_before = page.get_attribute(viewport, "transform")
    before = runs(page)
    page.fill("#leaf-value", "-3.9")
    wait_runs(page, before)
    nudge = page.locator("#nudge")
    predicted = number(nudge.locator("[data-field=predicted]").inner_text())
    actual = number(nudge.locator("[data-field=actual]").inner_text())
    assert predicted == pytest.approx(a0.grad * 0.1, abs=1e-4)  # grad × Δa
    assert actual == pytest.approx(g1.data - g0.data, abs=1e-4)  # rerun
    assert predicted != pytest.approx(actual, abs=1e-2)  # g curves: the prediction is only the slope
    # The program was rewritten and the drawing updated in place (same SVG, new numbers).
    assert "a = Value(-3.9)" in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert page.evaluate("document.querySelector('#graph-canvas svg').dataset.marker") == "first"
    assert value_labelled(page, "a")["data"] == "data -3.9000"
    assert output_value(page)["data"] == f"data {g1.data:.4f}"
    assert page.get_attribute(viewport, "transform") == view_before  # pan and zoom kept
    expect(page.locator("#node-panel [data-field=grad]")).to_have_text(f"{a1.grad:.4f}")

    # The slider nudges too (keyboard: one step right).
    slider = page.locator("#leaf-slider")
    step = float(slider.get_attribute("step"))
    before = runs(page)
    slider.focus()
    page.keyboard.press("ArrowRight")
    wait_runs(page, before)
    _, _, g2 = micrograd_readme(-3.9 + step)
    dx = number(nudge.locator(".np-rows dd").first.inner_text())
    assert dx == pytest.approx(0.1 + step, abs=1e-4)
    assert number(nudge.locator("[data-field=actual]").inner_text()) == pytest.approx(
        g2.data - g0.data, abs=1e-4
    )

    # Reset puts the leaf back where it was when it was selected.
    before = runs(page)
    page.click("#leaf-reset")
    wait_runs(page, before)
    assert value_labelled(page, "a")["data"] == "data -4.0000"


def test_stepping_backward_fills_in_grads_in_backward_order(page: Page, live_server: str):
    graph = api_graph(live_server, NEURON)
    open_playground(page, link(NEURON))
    page.click("#step-reset")
    assert {v["grad"] for v in values(page)} == {"grad ?"}
    expect(page.locator("#step-caption")).to_contain_text(f"Step 0 of {len(graph['nodes'])}")

    page.click("#step-btn")  # the output first, with grad 1
    out = graph["backward_order"][0]
    assert page.get_attribute(f"#node-{out}", "class").split().count("step-current") == 1
    assert [v["node"] for v in values(page) if v["grad"] != "grad ?"] == [out]
    # The contributions it sends light up: the edges into its op.
    lit = set(page.eval_on_selector_all("#graph-canvas .edge.step-edge", "els => els.map((e) => e.id)"))
    assert lit == {f"edge-{e['id']}" for e in graph["edges"] if e["target"] == out}

    page.locator("#graph-canvas").click(position={"x": 5, "y": 5})  # focus off the buttons
    for k in range(2, len(graph["nodes"]) + 1):
        page.keyboard.press("n")
        current = graph["backward_order"][k - 1]
        expect(page.locator(f"#node-{current}")).to_have_class(re.compile(r"\bstep-current\b"))
        known = {v["node"] for v in values(page) if v["grad"] != "grad ?"}
        assert known == set(graph["backward_order"][:k])
    expect(page.locator("#step-caption")).to_contain_text("backward pass done")
    by_id = {n["id"]: n for n in graph["nodes"]}
    for v in values(page):
        assert v["grad"] == f"grad {by_id[v['node']]['grad']:.4f}"


def test_play_runs_the_forward_pass_to_the_end(page: Page, live_server: str):
    graph = api_graph(live_server, NEURON)
    open_playground(page, link(NEURON))
    page.click("[data-pass=forward]")
    page.select_option("#speed", "4")
    page.click("#step-btn")
    first = graph["forward_order"][0]
    assert [v["node"] for v in values(page) if v["data"] != "data ?"] == [first]
    page.click("#play-btn")
    expect(page.locator("#play-btn")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#step-caption")).to_contain_text("forward pass done", timeout=15_000)
    expect(page.locator("#play-btn")).to_have_attribute("aria-pressed", "false")
    by_id = {n["id"]: n for n in graph["nodes"]}
    assert all(v["data"] == f"data {by_id[v['node']]['data']:.4f}" for v in values(page))


def test_an_error_is_marked_at_its_line_and_the_last_graph_stays(page: Page):
    open_playground(page, link(NEURON))
    drawn = values(page)
    type_program(page, "a = Value(1.0)\nb = a * 2\nc = b + zz\n")
    before = runs(page)
    page.keyboard.press("Control+Enter")
    wait_runs(page, before)
    expect(page.locator("#error-bar")).to_be_visible()
    expect(page.locator("#error-where")).to_have_text("Line 3, column 9:")
    expect(page.locator("#error-message")).to_contain_text("'zz' is not defined")
    # Marked in the editor: the line's background, a gutter marker, the name underlined.
    marked = page.locator(".CodeMirror-code > div:has(.cm-error-line)")
    expect(marked).to_have_count(1)
    expect(marked.locator(".CodeMirror-linenumber")).to_have_text("3")
    expect(marked.locator(".cm-error-marker")).to_be_visible()
    expect(marked.locator(".cm-error-underline")).to_have_text("zz")
    # The last good graph stays, marked as such.
    assert values(page) == drawn
    expect(page.locator("#graph-stale")).to_be_visible()

    page.click("#error-goto")
    assert page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getCursor().line") == 2
    # Fixing it runs again by itself; the marks go.
    before = runs(page)
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.type("a")
    wait_runs(page, before)
    expect(page.locator("#error-bar")).to_be_hidden()
    expect(page.locator(".cm-error-line")).to_have_count(0)
    assert output_value(page)["data"] == "data 3.0000"


def test_a_shared_link_reproduces_the_graph(page: Page):
    _, _, g = micrograd_readme()
    open_playground(page)
    page.select_option("#examples", "readme")
    wait_output_data(page, f"data {g.data:.4f}")
    before = runs(page)
    page.click("[data-rankdir=TB]")
    wait_runs(page, before)
    page.click("#share-btn")
    url = page.input_value("#share-url")
    assert "#src=" in url and "dir=TB" in url
    page.keyboard.press("Escape")

    open_playground(page, url)
    assert output_value(page)["data"] == f"data {g.data:.4f}"
    expect(page.locator("[data-rankdir=TB]")).to_have_attribute("aria-pressed", "true")
    assert "24.7041" in page.locator("#prints-text").inner_text()
    # ?source= links (readable, hand-written) work too.
    open_playground(page, "/?source=" + quote("p = Value(3.0)\nq = p * p"))
    assert output_value(page)["data"] == "data 9.0000"
    assert value_labelled(page, "p")["grad"] == "grad 6.0000"


def test_every_example_loads_without_error(page: Page, live_server: str):
    open_playground(page)
    options = page.eval_on_selector_all("#examples option", "os => os.map((o) => o.value).filter(Boolean)")
    assert len(options) == 6
    leaf_grads = {}
    for example in options:
        before = runs(page)
        page.select_option("#examples", example)
        wait_runs(page, before)
        assert page.evaluate("document.body.dataset.lastRun") == "ok", example
        expect(page.locator("#error-bar")).to_be_hidden()
        source = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
        graph = api_graph(live_server, source)
        drawn = values(page)
        assert len(drawn) == len(graph["nodes"]), example
        out = graph["nodes"][int(graph["output"][1:])]
        assert output_value(page)["data"] == f"data {out['data']:.4f}", example
        leaf_grads[example] = {v["label"]: v["grad"] for v in drawn if v["leaf"] and v["label"]}
    # tanh written through exp: more nodes, the same gradients on the leaves.
    assert leaf_grads["neuron"] == leaf_grads["neuron-exp"]
    assert leaf_grads["accumulate"]["a"] == "grad 2.0000"  # 1 + 1: two contributions add up
    assert leaf_grads["relu"]["w"] == "grad 0.0000"  # relu of a negative number cuts the gradient


def test_exports_download_svg_dot_json_and_a_micrograd_script(page: Page, tmp_path):
    _, _, g = micrograd_readme()
    open_playground(page, link(README))
    files = {}
    for kind in ("svg", "dot", "json", "python"):
        page.click("#export-btn")
        with page.expect_download() as download:
            page.click(f"#export-menu [data-export={kind}]")
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        files[kind] = path.read_text()
        assert files[kind].strip(), kind
    assert "<svg" in files["svg"] and 'id="node-n0"' in files["svg"]
    assert files["dot"].lstrip().startswith("digraph")
    data = json.loads(files["json"])
    assert data["nodes"][int(data["output"][1:])]["data"] == pytest.approx(g.data)
    script = tmp_path / "rebuild.py"
    script.write_text(files["python"])
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    assert f"data {g.data:.4f}" in done.stdout
    assert output_value(page)["data"] == f"data {g.data:.4f}"


def test_graph_controls_colour_direction_zoom_and_fit(page: Page):
    open_playground(page, link(NEURON, dir="LR"))
    expect(page.locator("[data-rankdir=LR]")).to_have_attribute("aria-pressed", "true")
    shape = "#graph-canvas .value.leaf polygon"
    assert page.eval_on_selector_all(shape, "ps => ps.every((p) => p.style.fill === '')")
    page.locator("#graph-canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("c")
    expect(page.locator("#colour-btn")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#graph-legend")).to_be_visible()
    fills = page.eval_on_selector_all(shape, "ps => ps.map((p) => p.style.fill)")
    assert all(fills) and len(set(fills)) > 1

    # Fit computes the same matrix again (to float noise) after a zoom.
    near = TRANSFORM_NEAR_JS
    show_all(page)
    fitted = page.get_attribute("#graph-canvas .svg-pan-zoom_viewport", "transform")
    page.click("#zoom-in")
    page.wait_for_function(near, arg=[fitted, False])
    page.click("#fit-btn")
    page.wait_for_function(near, arg=[fitted, True])

    before = runs(page)
    page.keyboard.press("d")
    wait_runs(page, before)
    expect(page.locator("[data-rankdir=TB]")).to_have_attribute("aria-pressed", "true")
    assert "dir=TB" in page.url
    box = page.locator("#graph-canvas .value.output").bounding_box()
    first = page.locator("#graph-canvas .value.leaf").first.bounding_box()
    assert box["y"] > first["y"]  # top to bottom: the output is drawn below the leaves


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
def test_a_medium_graph_opens_readable_on_its_output_and_fit_shows_all(page: Page, live_server: str, size):
    """The README program (40 values) fitted whole has unreadable text on a projector: it opens at a
    readable size on its output, in the direction that draws it larger, with a minimap; Fit shows all."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_playground(page)
    before = runs(page)
    page.select_option("#examples", "readme")
    wait_runs(page, before)
    source = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    output = api_graph(live_server, source)["output"]
    layout = settled_layout(page)
    text = page.locator(f"#node-{output} text").first.bounding_box()
    assert text["height"] >= 9, f"output text {text['height']:.1f}px high"
    assert inside(layout["outputText"], layout["canvas"])
    assert not all(inside(v, layout["canvas"]) for v in layout["values"])  # there is more...
    expect(page.locator("#graph-overview")).to_be_visible()  # ...and the minimap says so
    # No direction in the URL: the page drew the one whose fit is larger, and leaves it out of links.
    scales = {d: fit_scale(live_server, source, d, layout["canvas"]) for d in ("LR", "TB")}
    picked = max(scales, key=scales.get)
    expect(page.locator(f"[data-rankdir={picked}]")).to_have_attribute("aria-pressed", "true")
    assert "dir=" not in page.url

    show_all(page)  # Fit: every value on screen, however small
    layout = page.evaluate(LAYOUT_JS)
    assert all(inside(v, layout["canvas"]) for v in layout["values"])
    assert layout["outputText"]["height"] < text["height"]


def test_a_linked_direction_is_kept_and_the_minimap_moves_the_view(page: Page):
    """(Text sizes and the panel at every screen size: test_browser_playground_layout.py.)"""
    # dir=LR in the link is kept even though this README is drawn larger top to bottom.
    open_playground(page, link(README, dir="LR"))
    expect(page.locator("[data-rankdir=LR]")).to_have_attribute("aria-pressed", "true")
    layout = settled_layout(page)
    assert layout["outputText"]["height"] >= 9 and inside(layout["outputText"], layout["canvas"])
    assert "dir=LR" in page.url
    # The minimap moves the view: a click at its left end brings the leaves into view.
    leaf = page.locator("#graph-canvas .value.leaf").first
    first_leaf = min(page.evaluate(LAYOUT_JS)["values"], key=lambda v: v["left"])
    assert first_leaf["right"] < layout["canvas"]["left"]
    box = page.locator(".overview-map").bounding_box()
    page.mouse.click(box["x"] + 3, box["y"] + box["height"] / 2)
    layout = settled_layout(page)
    first_leaf = min(layout["values"], key=lambda v: v["left"])
    assert inside(first_leaf, layout["canvas"])
    expect(leaf).to_be_visible()


def test_backprop_from_another_variable(page: Page):
    open_playground(page, link(NEURON))
    before = runs(page)
    page.select_option("#output-select", "n")
    wait_runs(page, before)
    out = output_value(page)
    assert out["label"] == "n" and out["grad"] == "grad 1.0000"
    assert "o" not in {v["label"] for v in values(page)}  # o is downstream of n: not in n's graph
    assert "out=n" in page.url
    # The link keeps the choice.
    open_playground(page, page.url)
    assert output_value(page)["label"] == "n"
    expect(page.locator("#output-select")).to_have_value("n")


def test_nodes_are_usable_from_the_keyboard(page: Page):
    open_playground(page, link(NEURON))
    x1 = value_labelled(page, "x1")["id"]
    page.focus(f"#{x1}")
    page.keyboard.press("Enter")
    panel = page.locator("#node-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".np-name")).to_have_text("x1")
    # Tab reaches the panel's controls; Esc closes the panel and gives focus back to the node.
    page.focus("#leaf-value")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert page.evaluate("document.activeElement.id") == x1
    # The help lists the shortcuts.
    page.keyboard.press("?")
    expect(page.locator("#help-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help-dialog")).to_be_hidden()


def test_the_table_view_names_every_value_and_the_drawing_comes_back(page: Page, live_server: str):
    """Issue 10: the table is a second view of any graph, every row named (labels, else what the
    value computes), with the panel working from it; switching views does not run the program."""
    open_playground(page, link(README))
    before = runs(page)
    graph = api_graph(live_server, README)
    page.click("#table-btn")
    expect(page.locator("#table-btn")).to_have_attribute("aria-pressed", "true")
    rows = page.locator(".node-table tbody tr")
    expect(rows).to_have_count(len(graph["nodes"]))
    expect(page.locator("#graph-canvas")).to_be_hidden()
    names = rows.locator("td:first-child").all_inner_texts()
    assert all(name.strip() and name != "(unnamed)" for name in names), names
    assert names[0] == "g"  # the output first
    assert "a · b" in names  # d = a * b + b**3: the unnamed product, named by what it computes
    rows.nth(0).click()
    expect(page.locator("#node-panel .np-name")).to_have_text("g")
    page.click("#panel-close")
    page.click("#drawing-btn")
    expect(page.locator("#graph-canvas svg g.value").first).to_be_visible()
    expect(page.locator(".node-table")).to_be_hidden()
    page.locator("#graph-canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("t")  # the key switches both ways
    expect(rows).to_have_count(len(graph["nodes"]))
    page.keyboard.press("t")
    expect(page.locator("#graph-canvas svg g.value").first).to_be_visible()
    assert runs(page) == before


def test_run_endpoint_answers_a_program_error_in_the_body(live_server: str):
    """What the page calls: a typo is an ordinary answer (200), so the browser logs no failed request."""
    bad = httpx.post(f"{live_server}/api/graph/run", json={"source": "a = Value(1.0)\nb = a + zz"})
    assert bad.status_code == 200
    assert bad.json() == {
        "graph": None,
        "error": {"message": "name 'zz' is not defined", "line": 2, "column": 9},
        "status": 400,
    }
    good = httpx.post(f"{live_server}/api/graph/run", json={"source": NEURON, "check_gradients": True})
    assert good.status_code == 200 and good.json()["error"] is None
    assert good.json()["graph"] == api_graph(live_server, NEURON)
