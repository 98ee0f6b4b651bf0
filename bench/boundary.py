"""How long the compiled executor takes for a demo step and a decision-boundary grid, next to eager and torch.

    .venv/bin/python bench/boundary.py [--repeats 50] [--resolution 100] [--eager]

The demo model (100 moons, MLP(2, [16, 16, 1]) ReLU, hinge + 1e-4 L2, full batch), timed at the
executor, without the Trainer's bookkeeping around it (bench/train.py times whole Trainer steps):

* one step: ``loss_and_grads`` of CompiledExecutor, EagerExecutor (``--eager``: a few seconds) and
  PyTorch eager in float64 on one thread (forward, backward, gradients copied out as a list);
* a ``--resolution`` squared grid: ``predict`` of each (the list-of-lists the executors return),
  then ``Trainer.boundary`` as the web page asks for it.

Medians of ``--repeats`` calls (a fifth of them for grids) after a warm-up call, which includes
the compiled capture; the executors take turns, so a busy moment of a shared machine hits both.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.compiled import CompiledExecutor
from engine.executor import EagerExecutor
from engine.train import TrainConfig, Trainer


def timed(calls: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median milliseconds per call of each, after a warm-up call.

    The calls take turns (a, b, c, a, b, c, ...), so on a shared machine a busy moment slows
    all of them alike instead of whichever happened to be running.
    """
    for call in calls.values():
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def torch_calls(trainer: Trainer, grid: list[tuple[float, float]]):
    """(step, predict) for the trainer's model in PyTorch float64, or None when torch is missing."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    X = torch.tensor(trainer.dataset.X_train, dtype=torch.float64)
    y = torch.tensor([t[0] for t in trainer._train_targets], dtype=torch.float64)
    G = torch.tensor(grid, dtype=torch.float64)
    params = []
    for layer in trainer.model.layers:
        W = [[w.data for w in n.w] for n in layer.neurons]
        params += [
            torch.tensor(W, dtype=torch.float64, requires_grad=True),
            torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True),
        ]

    def forward(h):
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i < len(params) - 2:
                h = torch.relu(h)
        return h

    def step() -> list[float]:
        for p in params:
            p.grad = None
        data_loss = torch.relu(1 - y * forward(X)[:, 0]).mean()
        (data_loss + 1e-4 * sum((p * p).sum() for p in params)).backward()
        return torch.cat(
            [torch.cat([p.grad, b.grad[:, None]], 1).ravel() for p, b in zip(params[::2], params[1::2])]
        ).tolist()

    def predict() -> list[list[float]]:
        with torch.no_grad():
            return forward(G).tolist()

    return step, predict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--resolution", type=int, default=100)
    parser.add_argument("--eager", action="store_true", help="also time the eager executor (slow)")
    args = parser.parse_args()

    trainer = Trainer(TrainConfig(executor="compiled"))
    model, spec = trainer.model, trainer.spec
    X, T = trainer.dataset.X_train, trainer._train_targets
    n = args.resolution
    grid = [(-2 + 4 * (ix + 0.5) / n, -2 + 4 * (iy + 0.5) / n) for iy in range(n) for ix in range(n)]
    compiled, eager = CompiledExecutor(), EagerExecutor()

    reference = torch_calls(trainer, grid)
    steps = {"step: compiled executor": lambda: compiled.loss_and_grads(model, X, T, spec)}
    grids = {f"predict {n}x{n}: compiled executor": lambda: compiled.predict(model, grid)}
    if reference is not None:
        steps["step: PyTorch float64, 1 thread"] = reference[0]
        grids[f"predict {n}x{n}: PyTorch float64"] = reference[1]
    grids[f"Trainer.boundary({n}), compiled"] = lambda: trainer.boundary(n)
    rows = {**timed(steps, args.repeats), **timed(grids, max(3, args.repeats // 5))}
    if args.eager:
        rows.update(timed({"step: eager executor": lambda: eager.loss_and_grads(model, X, T, spec)}, 3))
        rows.update(timed({f"predict {n}x{n}: eager executor": lambda: eager.predict(model, grid)}, 1))

    print(f"{'demo model, median ms':<40} {'ms':>10}")
    print("-" * 51)
    for name, ms in rows.items():
        print(f"{name:<40} {ms:>10.3f}")


if __name__ == "__main__":
    main()
