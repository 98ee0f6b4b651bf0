"""The playground in headless Chromium: Python mode's cold and warm runs, big graphs to the screen.

    .venv/bin/python bench/pyodide.py [--cold 5] [--warm 11]

Starts uvicorn on a free loopback port and Debian's Chromium (Playwright), and measures what a
student waits for, as the page itself times it (``document.body.dataset.lastRunMs``: from Run to
the drawing on screen; ``lastExpandMs``: from a click on a collapsed neuron to its drawing):

* Python mode, cold: a fresh browser context opens a Python-mode link of the micrograd README
  program: the worker starts, Pyodide loads (no HTTP cache), the program runs, the server draws it.
  Reported: the worker's boot alone, and the whole first run; booting from the start-up snapshot
  (what the page does), and as the baseline in the same run, starting CPython afresh.
* Python mode, warm: the same page runs the README program again, each time with a new label
  (so the drawing is new, and not in the server's SVG cache).
* The lecture's 20-step training loop (398 values), drawn collapsed: in Lab mode (server runs it)
  and in Python mode (the browser runs it); then one neuron expanded. Beside them, the server's
  own time for the same work (httpx, same machine, same run) and the raw ``dot`` time. Each loop
  run seeds other weights, so no drawing is an SVG-cache hit.

Medians (and the range). The machine's load average is printed before and after: these are wall
times on a shared 2-core machine; rerun when the load is high.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.render import Renderer  # noqa: E402
from engine.settings import Settings  # noqa: E402
from tests.lecture_programs import LECTURE_DATA, LECTURE_LOOP  # noqa: E402
from tests.reference_programs import README_SOURCE  # noqa: E402
from tests.servers import free_port, running_server, serve_command  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
LOOP_LAB = "n = MLP(3, [4, 4, 1])\n" + LECTURE_DATA + LECTURE_LOOP


def seeded_loop(seed: int) -> str:
    """The loop with other weights: other numbers, so no drawing comes from the server's SVG cache."""
    return f"import random\nrandom.seed({seed})\n" + LOOP_LAB


NEURON_BOX = "box-D1.L1.N1"  # a collapsed neuron of the loop's drawing


def link(source: str, mode: str = "lab") -> str:
    encoded = base64.urlsafe_b64encode(source.encode()).decode().rstrip("=")
    return f"/#src={encoded}" + ("&mode=python" if mode == "python" else "")


def summary(samples: list[float]) -> str:
    spread = f"min {min(samples):.0f}, max {max(samples):.0f}, n={len(samples)}"
    return f"median {statistics.median(samples):7.0f} ms  ({spread})"


def wait_run(page, before: int) -> float:
    page.wait_for_function("n => Number(document.body.dataset.runs || 0) > n", arg=before, timeout=120_000)
    assert page.evaluate("document.body.dataset.lastRun") == "ok", page.locator("#error-bar").inner_text()
    return float(page.evaluate("document.body.dataset.lastRunMs"))


def run_source(page, source: str) -> float:
    before = page.evaluate("Number(document.body.dataset.runs || 0)")
    page.evaluate("(s) => document.querySelector('.CodeMirror').CodeMirror.setValue(s)", source)
    page.click("#run-btn")
    return wait_run(page, before)


def expand_neuron(page) -> float:
    before = page.evaluate("Number(document.body.dataset.expands || 0)")
    page.locator(f"[id='{NEURON_BOX}']").dispatch_event("click")
    page.wait_for_function("n => Number(document.body.dataset.expands || 0) > n", arg=before, timeout=60_000)
    return float(page.evaluate("document.body.dataset.lastExpandMs"))


def cold_python(browser, base: str, repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    """(worker boot, first run) for each way Python starts: from the snapshot (what the page does) and,
    as the baseline, afresh (the snapshot's request refused, so the worker falls back), alternated."""
    samples: dict[str, tuple[list[float], list[float]]] = {"snapshot": ([], []), "fresh": ([], [])}
    for _ in range(repeat):
        for start in samples:
            context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=base)
            if start == "fresh":
                context.route("**/snapshot.bin.gz", lambda route: route.abort())
            page = context.new_page()
            page.goto(link(README_SOURCE, "python"))
            first = wait_run(page, 0)
            assert page.evaluate("document.body.dataset.pythonBootFrom") == start
            samples[start][0].append(float(page.evaluate("document.body.dataset.pythonBootMs")))
            samples[start][1].append(first)
            context.close()
    return samples


def warm_python(page, repeat: int) -> list[float]:
    samples = []
    for i in range(repeat):
        source = README_SOURCE.replace("a = Value(-4.0)", f"a = Value(-4.0, label='a{i}_{time.time_ns()}')")
        samples.append(run_source(page, source))
    return samples


def loop_drawn(browser, base: str, mode: str, repeat: int) -> tuple[list[float], list[float]]:
    """(Run to collapsed drawing, expand one neuron) of the lecture's loop, each in a fresh page."""
    draws, expands = [], []
    context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=base)
    page = context.new_page()
    page.goto(link("a = Value(1.0)\n", mode))
    wait_run(page, 0)  # Python (if any) is warm from here on
    for i in range(repeat):
        draws.append(run_source(page, seeded_loop(1000 + i + (100 if mode == "python" else 0))))
        expands.append(expand_neuron(page))
        # Collapse it again (its frame's title), so the next run opens with it collapsed.
        before = page.evaluate("Number(document.body.dataset.expands || 0)")
        page.locator(f"[id='cluster-{NEURON_BOX[4:]}'] .frame-title").dispatch_event("click")
        page.wait_for_function("n => Number(document.body.dataset.expands || 0) > n", arg=before)
    context.close()
    return draws, expands


def server_times(base: str, repeat: int) -> dict[str, list[float]]:
    """The server's own work for the loop: the program with its graph JSON, the collapsed SVG from
    the program (run again) and from that JSON (what the page asks for), and `dot` alone."""
    names = [
        "POST /api/graph/run",
        "POST /api/graph/svg",
        "POST /api/graph/draw (run's JSON)",
        "raw dot -Tsvg",
    ]
    out: dict[str, list[float]] = {name: [] for name in names}
    client = httpx.Client(base_url=base, timeout=60)
    dot_source = client.post("/api/graph/dot", json={"source": LOOP_LAB}).text
    renderer = Renderer(Settings(render_cache_entries=0))
    for i in range(repeat):
        body = {"source": seeded_loop(2000 + i)}
        t = time.perf_counter()
        answer = client.post("/api/graph/run", json=body)
        assert answer.status_code == 200
        out["POST /api/graph/run"].append((time.perf_counter() - t) * 1000)
        graph = answer.json()["graph"]
        t = time.perf_counter()
        assert client.post("/api/graph/svg", json={**body, "rankdir": "LR"}).status_code == 200
        out["POST /api/graph/svg"].append((time.perf_counter() - t) * 1000)
        # Other numbers again (the SVG above would be a cache hit): the next seed's graph JSON.
        graph = client.post("/api/graph/run", json={"source": seeded_loop(3000 + i)}).json()["graph"]
        t = time.perf_counter()
        assert client.post("/api/graph/draw", json={**graph, "rankdir": "LR"}).status_code == 200
        out["POST /api/graph/draw (run's JSON)"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        renderer.svg(dot_source)
        out["raw dot -Tsvg"].append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cold", type=int, default=5, help="fresh pages for the cold start")
    parser.add_argument("--warm", type=int, default=11, help="warm runs / loop runs")
    args = parser.parse_args()

    folder = ROOT / "static/vendor/pyodide"
    files = [p for p in folder.iterdir() if not p.name.startswith(".") and p.name != "LICENSE"]
    size = sum(p.stat().st_size for p in files)
    print(f"Pyodide files served (static/vendor/pyodide, {len(files)} files): {size / 1e6:.1f} MB")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as logs,
        running_server(
            serve_command(port),
            port,
            Path(logs) / "server.log",
            ROOT,
            dict(os.environ),
        ) as base,
    ):
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            cold = cold_python(browser, base, args.cold)
            print("Python mode, cold (new context: worker + Pyodide load, no HTTP cache)")
            for start, (boots, firsts) in cold.items():
                print(f"  {start + ':':<9} worker boot (Pyodide + bundle)  {summary(boots)}")
                print(f"  {start + ':':<9} first run, README to drawing  {summary(firsts)}")
            ratio = statistics.median(cold["fresh"][1]) / statistics.median(cold["snapshot"][1])
            print(f"  first run from the snapshot is {ratio:.1f}x faster than starting afresh")
            context = browser.new_context(viewport={"width": 1280, "height": 720}, base_url=base)
            page = context.new_page()
            page.goto(link(README_SOURCE, "python"))
            wait_run(page, 0)
            print("Python mode, warm (same page)")
            print(f"  README program, Run to drawn graph      {summary(warm_python(page, args.warm))}")
            context.close()
            for mode in ("lab", "python"):
                draws, expands = loop_drawn(browser, base, mode, max(3, args.warm // 2))
                print(f"Lecture training loop (398 values), {mode} mode")
                print(f"  Run to collapsed drawing on screen      {summary(draws)}")
                print(f"  expand one neuron to its drawing        {summary(expands)}")
            browser.close()
        print("Server alone, same machine and run (the loop, Lab mode)")
        for name, samples in server_times(base, max(3, args.warm // 2)).items():
            print(f"  {name:<38}  {summary(samples)}")
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
