"""How fast the server's language runs the lecture's training loop, next to the same loop as Python.

    .venv/bin/python bench/interpreter.py [--repeats 3] [--iterations 20 100 1000]

The program is the lecture's, pasted as is: its four points, ``n = MLP(3, [4, 4, 1])`` and its
training loop (forward, zero_grad, backward, update, print) for ``--iterations`` steps. It runs
through ``run_program`` (parse, check, interpret, count every limit) with the limits lifted so
every size finishes; the columns say whether it would fit the defaults. The baseline, measured in
the same run, is the same program run by CPython on engine.Value and the lecture's MLP (no
interpreter, no limits): "ratio" is the language's CPU time over Python's.

``steps`` is what ``max_eval_steps`` counts; ``cpu`` is the thread's CPU time, which is what
``max_eval_seconds`` limits (``wall`` is shown too: on a loaded machine it is larger). Each time
is the median of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.expr.interpreter import PROGRAM_SEED
from engine.expr.program import run_program
from engine.nn import MLP
from engine.settings import Settings, settings
from tests.lecture_programs import LECTURE_DATA, LECTURE_LOOP  # the lecture's cells, as pasted

UNLIMITED = Settings(max_eval_steps=10**9, max_eval_seconds=10**6, max_eval_wall_seconds=10**6)


def program(iterations: int) -> str:
    loop = LECTURE_LOOP.replace("range(20)", f"range({iterations})")
    return LECTURE_DATA + "n = MLP(3, [4, 4, 1])\n" + loop


def run_language(iterations: int) -> int:
    """Run the lecture's program through the language; answers the steps it took."""
    return run_program(program(iterations), settings=UNLIMITED).steps


def run_python(iterations: int) -> float:
    """The same program run by CPython (trusted benchmark text, never user text) on engine.Value and
    the lecture's MLP: the baseline the interpreter's overhead is measured against."""
    random.seed(PROGRAM_SEED)
    namespace: dict[str, Any] = {
        "MLP": lambda nin, nouts: MLP(nin, nouts, lecture=True),
        "print": lambda *args: None,  # the language keeps its prints; printing here would time the terminal
    }
    exec(program(iterations), namespace)
    return namespace["loss"].data


def timed(fn: Callable[[int], object], iterations: int, repeats: int) -> tuple[float, float, object]:
    cpu: list[float] = []
    wall: list[float] = []
    result: object = None
    for _ in range(repeats):
        c, w = time.thread_time(), time.perf_counter()
        result = fn(iterations)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall), result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--iterations", type=int, nargs="+", default=[20, 100, 1000])
    args = parser.parse_args()
    limits = f"max_eval_steps {settings.max_eval_steps}, max_eval_seconds {settings.max_eval_seconds:g}"
    print(f"defaults: {limits} (CPU)")
    columns = f"{'steps':>8} {'cpu s':>7} {'wall s':>7} {'python cpu s':>12} {'ratio':>6}"
    print(f"{'iterations':>10} {columns}  fits defaults")
    for iterations in args.iterations:
        cpu, wall, steps = timed(run_language, iterations, args.repeats)
        base, _, _ = timed(run_python, iterations, args.repeats)
        fits = steps <= settings.max_eval_steps and cpu <= settings.max_eval_seconds  # type: ignore[operator]
        print(
            f"{iterations:>10} {steps:>8} {cpu:>7.3f} {wall:>7.3f} {base:>12.3f} {cpu / base:>6.2f}  "
            f"{'yes' if fits else 'no'}"
        )


if __name__ == "__main__":
    main()
