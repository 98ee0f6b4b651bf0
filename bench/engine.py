"""How fast the Value engine builds and backpropagates graphs, next to micrograd 0.1.0 when installed.

    .venv/bin/python bench/engine.py [--repeats 5] [--quick]

Each graph is built the same way with both engines (same ops, same numbers, the same MLP weights),
with Python's garbage collector on, as users run them. "build+fwd" is making the graph (the
forward pass), "backward" is ``root.backward()`` (topological sort included); each is the median
of ``--repeats`` runs after one warm-up. nodes/s counts every Value of the graph per second of
build+fwd plus backward. ours/micrograd is the ratio of the two times: below 1 means ours is faster.

micrograd sorts the graph recursively, so its chain runs at depth 900 (below Python's recursion
limit of 1000); on deeper graphs it raises RecursionError, which the table shows.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.nn import MLP
from engine.value import Value

try:
    import micrograd.engine
    import micrograd.nn
except ImportError:  # the comparison is optional
    micrograd = None


@dataclass
class Engine:
    name: str
    value: Callable[[float], Any]  # the Value class
    mlp: Callable[[], Any]  # a fresh MLP(2, [16, 16, 1]) with the benchmark's weights


def our_mlp() -> MLP:
    return MLP(2, [16, 16, 1], seed=0)


def their_mlp() -> Any:
    """micrograd's MLP(2, [16, 16, 1]) holding exactly our_mlp()'s weights."""
    model = micrograd.nn.MLP(2, [16, 16, 1])
    for theirs, ours in zip(model.parameters(), our_mlp().parameters()):
        theirs.data = ours.data
    return model


# ---------------------------------------------------------------- graphs: engine -> (build() -> root)


def chain(depth: int) -> Callable[[Engine], Callable[[], Any]]:
    """x + x + ... + x, one new node per step: the deepest graph per node."""

    def make(engine: Engine) -> Callable[[], Any]:
        def build() -> Any:
            x = engine.value(0.5)
            v = x
            for _ in range(depth):
                v = v + x
            return v

        return build

    return make


def products(n: int, engine: Engine) -> list[Any]:
    rng = random.Random(0)
    V = engine.value
    return [V(rng.uniform(-1, 1)) * V(rng.uniform(-1, 1)) for _ in range(n)]


def tree_sum(n: int) -> Callable[[Engine], Callable[[], Any]]:
    """n products summed pairwise: a balanced tree of depth log2(n)."""

    def make(engine: Engine) -> Callable[[], Any]:
        def build() -> Any:
            level = products(n, engine)
            while len(level) > 1:
                pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
                level = pairs + level[len(level) - len(level) % 2 :]
            return level[0]

        return build

    return make


def wide_sum(n: int) -> Callable[[Engine], Callable[[], Any]]:
    """sum() of n products, as micrograd's demo writes its losses: a chain of n additions."""

    def make(engine: Engine) -> Callable[[], Any]:
        return lambda: sum(products(n, engine))

    return make


def mlp_sample(engine: Engine) -> Callable[[], Any]:
    """One datapoint through MLP(2, [16, 16, 1]) and its hinge loss."""
    model = engine.mlp()

    def build() -> Any:
        score = model([engine.value(0.7), engine.value(-0.3)])
        return (1 + -1.0 * score).relu()

    return build


def make_moons(n: int, noise: float, seed: int) -> tuple[list[tuple[float, float]], list[float]]:
    """Two interleaving half circles (scikit-learn's make_moons), labels -1 and +1."""
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    outer = [(math.cos(math.pi * i / (n_out - 1)), math.sin(math.pi * i / (n_out - 1))) for i in range(n_out)]
    inner = [
        (1 - math.cos(math.pi * i / (n_in - 1)), 0.5 - math.sin(math.pi * i / (n_in - 1)))
        for i in range(n_in)
    ]
    X = [(x + rng.gauss(0, noise), y + rng.gauss(0, noise)) for x, y in outer + inner]
    return X, [-1.0] * n_out + [1.0] * n_in


def moons_step(points: int) -> Callable[[Engine], Callable[[], Any]]:
    """micrograd's demo step: hinge loss over the batch plus 1e-4 * L2, zero_grad, then backward."""
    X, y = make_moons(points, 0.1, seed=1)

    def make(engine: Engine) -> Callable[[], Any]:
        model = engine.mlp()
        V = engine.value

        def build() -> Any:
            inputs = [[V(a), V(b)] for a, b in X]
            scores = [model(x) for x in inputs]
            losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = 1e-4 * sum(p * p for p in model.parameters())
            model.zero_grad()
            return data_loss + reg_loss

        return build

    return make


# ---------------------------------------------------------------- timing


@dataclass
class Timing:
    build: float
    backward: float

    @property
    def total(self) -> float:
        return self.build + self.backward


def measure(build: Callable[[], Any], repeats: int) -> Timing | str:
    builds, backwards = [], []
    for _ in range(repeats + 1):  # the first run warms up
        t0 = time.perf_counter()
        root = build()
        t1 = time.perf_counter()
        try:
            root.backward()
        except RecursionError:
            return "RecursionError"
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        backwards.append(t2 - t1)
        del root
    return Timing(statistics.median(builds[1:]), statistics.median(backwards[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per graph (median), default 5")
    parser.add_argument("--quick", action="store_true", help="smaller graphs and 2 repeats, for a smoke test")
    args = parser.parse_args()
    repeats = 2 if args.quick else max(1, args.repeats)
    scale = 10 if args.quick else 1

    cases = [
        ("chain 900", chain(900)),
        (f"chain {10_000 // scale}", chain(10_000 // scale)),
        (f"tree sum {16_384 // scale}", tree_sum(16_384 // scale)),
        (f"wide sum {10_000 // scale}", wide_sum(10_000 // scale)),
        ("MLP(2,[16,16,1]) sample", mlp_sample),
        (f"moons demo step ({100 // scale} pts)", moons_step(100 // scale)),
    ]
    engines = [Engine("ours", Value, our_mlp)]
    if micrograd is not None:
        engines.append(Engine("micrograd", micrograd.engine.Value, their_mlp))

    version = (
        f", micrograd {metadata.version('micrograd')}"
        if micrograd is not None
        else ", micrograd not installed"
    )
    print(
        f"Python {platform.python_version()}, gc {'on' if gc.isenabled() else 'off'}, "
        f"median of {repeats}{version}"
    )
    header = f"{'graph':<27}{'engine':<11}{'nodes':>7}{'build+fwd ms':>14}{'backward ms':>13}{'nodes/s':>11}"
    print(header + f"{'ours/micrograd':>22}")
    print("-" * (len(header) + 22))
    for name, make in cases:
        nodes = len(make(engines[0])().topo())
        ours: Timing | None = None
        for engine in engines:
            gc.collect()  # each engine starts from a clean heap, not the other's leftover cycles
            timing = measure(make(engine), repeats)
            if isinstance(timing, str):
                print(f"{name:<27}{engine.name:<11}{nodes:>7}{timing:>38}")
                continue
            ratio = ""
            if ours is None:
                ours = timing
            else:
                ratio = (
                    f"{ours.build / timing.build:.2f} / {ours.backward / timing.backward:.2f} "
                    f"/ {ours.total / timing.total:.2f}"
                )
            print(
                f"{name:<27}{engine.name:<11}{nodes:>7}{timing.build * 1e3:>14.2f}"
                f"{timing.backward * 1e3:>13.2f}{nodes / timing.total:>11,.0f}{ratio:>22}"
            )
    if len(engines) > 1:
        print("ours/micrograd: build+fwd / backward / total time; below 1 means ours is faster")


if __name__ == "__main__":
    main()
