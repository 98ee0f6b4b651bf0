"""How long drawing a graph takes: DOT text and ``dot -Tsvg``, median of a few runs.

    .venv/bin/python bench/render.py [--repeat 3]

Graphs: micrograd's README program; the 100-factor product ``x*x*...*x`` (dot's worst case here,
refused by default through max_render_layout_nodes); an MLP(2, [16, 16, 1]) forward pass (~1600
shapes) and a 400-term sum of squares (~2000 shapes), both above the default max_render_nodes.
The renderer below lifts the limits so every graph is drawn; the cache is off.

Then the server's path for programs whose graphs are drawn collapsed (issue 10): the lecture's
forward pass of MLP(3, [4, 4, 1]) and its 20-step training loop (394 values, drawn as one box per
neuron), and the same with one neuron expanded. Columns: running the program and reading its graph
(run), planning the drawing and writing DOT (plan+dot), ``dot -Tsvg`` on that DOT (dot), their sum
for the drawing alone (svg = plan+dot + dot) and with the run (total); ``dot`` on a one-node graph,
measured in the same run, is the baseline (process start).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.render import Renderer
from engine.dot import drawn_node_count, layout_size, to_dot
from engine.drawing import add_folds, plan
from engine.expr import run_program
from engine.graph import GraphModel
from engine.nn import MLP
from engine.settings import Settings, settings
from engine.value import Value
from tests.lecture_programs import LECTURE_DATA, LECTURE_LOOP  # the lecture's cells, as pasted
from tests.reference_programs import readme_program


def labelled_readme_program() -> Value:
    a, b, g = readme_program(Value)
    a.label, b.label = "a", "b"
    return g


def long_product(factors: int = 100) -> Value:
    x = Value(1.0, label="x")
    p = x
    for _ in range(factors - 1):
        p = p * x
    return p


def mlp_forward() -> Value:
    return MLP(2, [16, 16, 1], seed=0)([Value(0.5, label="x0"), Value(-1.5, label="x1")])


def sum_of_squares(terms: int = 400) -> Value:
    return sum((Value(i / terms) ** 2 for i in range(terms)), Value(0.0))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    unlimited = Settings(
        max_render_nodes=10**6,
        max_render_layout_nodes=10**7,
        render_timeout_seconds=300,
        render_cache_entries=0,
    )
    renderer = Renderer(unlimited)
    default = Renderer(settings)
    print(f"{'graph':<22}{'shapes':>7}{'layout':>8}{'dot text ms':>13}{'render ms':>11}  default limits")
    for name, build in [
        ("README program", labelled_readme_program),
        ("100-factor product", long_product),
        ("MLP(2,[16,16,1])", mlp_forward),
        ("400 squares summed", sum_of_squares),
    ]:
        root = build()
        root.backward()
        model = GraphModel.from_root(root)
        dot_ms, render_ms = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            source = to_dot(model)
            t1 = time.perf_counter()
            renderer.svg(source)
            t2 = time.perf_counter()
            dot_ms.append((t1 - t0) * 1e3)
            render_ms.append((t2 - t1) * 1e3)
        folded = GraphModel.from_root(root)
        add_folds(folded, settings.max_render_nodes, settings.max_render_layout_nodes)
        drawing = default.plan(folded)
        verdict = f"drawn in {len(drawing.collapsed)} boxes" if drawing.collapsed else "drawn whole"
        print(
            f"{name:<22}{drawn_node_count(model):>7}{layout_size(model):>8}"
            f"{statistics.median(dot_ms):>13.1f}{statistics.median(render_ms):>11.0f}  {verdict[:60]}"
        )


LECTURE_PROGRAM = LECTURE_DATA + "n = MLP(3, [4, 4, 1])\n"
LECTURE_FORWARD = LECTURE_PROGRAM + "o = n(xs[0])\no.backward()\n"


def server_cases(repeat: int) -> None:
    renderer = Renderer(Settings(render_cache_entries=0))
    baseline = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        renderer.svg("digraph { a }")
        baseline.append((time.perf_counter() - t0) * 1e3)
    start = statistics.median(baseline)
    print(f"\nserver path (ms, median of {repeat}); raw dot on a one-node graph: {start:.0f}")
    print(f"{'case':<34}{'shapes':>7}{'run':>7}{'plan+dot':>9}{'dot':>7}{'svg':>7}{'total':>7}")
    for name, source, expand in [
        ("lecture forward pass", LECTURE_FORWARD, None),
        ("lecture loop, collapsed", LECTURE_PROGRAM + LECTURE_LOOP, None),
        ("lecture loop, D1.L1.N1 expanded", LECTURE_PROGRAM + LECTURE_LOOP, "D1.L1.N1"),
    ]:
        run_ms, plan_ms, dot_ms, shapes = [], [], [], 0
        for _ in range(repeat):
            t0 = time.perf_counter()
            model = GraphModel.from_program(run_program(source))
            t1 = time.perf_counter()
            drawing = plan(model, settings.max_render_nodes, settings.max_render_layout_nodes)
            if expand:
                drawing = plan(
                    model,
                    settings.max_render_nodes,
                    settings.max_render_layout_nodes,
                    [*drawing.open, expand],
                )
            text = to_dot(model, collapsed=drawing.collapsed)
            t2 = time.perf_counter()
            renderer.svg(text)
            t3 = time.perf_counter()
            run_ms.append((t1 - t0) * 1e3)
            plan_ms.append((t2 - t1) * 1e3)
            dot_ms.append((t3 - t2) * 1e3)
            shapes = drawing.shapes
        r, p, d = (statistics.median(x) for x in (run_ms, plan_ms, dot_ms))
        print(f"{name:<34}{shapes:>7}{r:>7.0f}{p:>9.1f}{d:>7.0f}{p + d:>7.0f}{r + p + d:>7.0f}")


if __name__ == "__main__":
    main()
    server_cases(int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 5)
