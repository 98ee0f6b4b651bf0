"""How long drawing a graph takes: DOT text and ``dot -Tsvg``, median of a few runs.

    .venv/bin/python bench/render.py [--repeat 3]

Graphs: micrograd's README program; the 100-factor product ``x*x*...*x`` (dot's worst case here,
refused by default through max_render_layout_nodes); an MLP(2, [16, 16, 1]) forward pass (~1600
shapes) and a 400-term sum of squares (~2000 shapes), both above the default max_render_nodes.
The renderer below lifts the limits so every graph is drawn; the cache is off.
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
from engine.graph import GraphModel
from engine.nn import MLP
from engine.settings import Settings, settings
from engine.value import Value


def readme_program() -> Value:
    a = Value(-4.0, label="a")
    b = Value(2.0, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
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
        ("README program", readme_program),
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
        verdict = default.unavailable_reason(model) or "drawn"
        print(
            f"{name:<22}{drawn_node_count(model):>7}{layout_size(model):>8}"
            f"{statistics.median(dot_ms):>13.1f}{statistics.median(render_ms):>11.0f}  {verdict[:60]}"
        )


if __name__ == "__main__":
    main()
