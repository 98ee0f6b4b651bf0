"""How long one training step of the micrograd demo takes, here and in the reference implementations.

    .venv/bin/python bench/train.py [--repeats 10] [--boundary-repeats 3]

The demo: 100 moons (noise 0.1), MLP(2, [16, 16, 1]) with ReLU, hinge loss + 1e-4 L2, SGD, full
batch. Timed, median over ``--repeats`` steps after one warm-up step:

* ``Trainer`` with the default executor ('auto': compiled when available) and with 'eager';
* micrograd 0.1.0's own step, built as its demo.ipynb does (garbage collector on, as there);
* PyTorch eager in float64 (one thread), the same MLP, loss and SGD step;
* a hand-written numpy forward/backward pass.

All start from the same weights and points, so the first step's loss must agree (it is printed).
Then ``trainer.boundary(100)`` (10,000 predictions) per executor.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from engine.train import TrainConfig, Trainer

DEMO = TrainConfig()


def timed(step: Callable[[], float], repeats: int) -> tuple[float, float]:
    """(median seconds per call after a warm-up call, the warm-up call's loss)."""
    first_loss = step()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), first_loss


def trainer_step(executor: str) -> tuple[Callable[[], float], Trainer]:
    trainer = Trainer(DEMO if executor == "auto" else TrainConfig(executor=executor))
    return (lambda: trainer.step()[0].train_loss), trainer


def demo_data() -> tuple[list[tuple[float, float]], list[int]]:
    """The demo's points (engine.datasets reproduces sklearn's make_moons) and ±1 labels."""
    data = Trainer(TrainConfig(executor="eager")).dataset
    return data.X_train, [2 * c - 1 for c in data.y_train]


def micrograd_step() -> Callable[[], float] | None:
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP
    except ImportError:
        return None
    X, y = demo_data()
    random.seed(DEMO.seed)
    model = MLP(2, [16, 16, 1])
    k = 0

    def step() -> float:  # demo.ipynb's loss() and training loop body
        nonlocal k
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        k += 1
        return total_loss.data

    return step


def initial_weights() -> list[tuple[list[list[float]], list[float]]]:
    """(W as rows per neuron, b) per layer, the demo's initial weights."""
    trainer = Trainer(TrainConfig(executor="eager"))
    return [
        ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
        for layer in trainer.model.layers
    ]


def torch_step() -> Callable[[], float] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    X, y = demo_data()
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    params = []
    for W, b in initial_weights():
        params += [
            torch.tensor(W, dtype=torch.float64, requires_grad=True),
            torch.tensor(b, dtype=torch.float64, requires_grad=True),
        ]
    k = 0

    def step() -> float:
        nonlocal k
        h = Xt
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i < len(params) - 2:
                h = torch.relu(h)
        data_loss = torch.relu(1 - yt * h[:, 0]).mean()
        total = data_loss + 1e-4 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= (1.0 - 0.9 * k / 100) * p.grad
        k += 1
        return total.item()

    return step


def numpy_step() -> Callable[[], float]:
    X, y = demo_data()
    Xa, ya = np.array(X), np.array(y, dtype=float)
    params = [np.array(a, dtype=float) for W, b in initial_weights() for a in (W, b)]
    k = 0

    def step() -> float:
        nonlocal k
        W1, b1, W2, b2, W3, b3 = params
        z1 = Xa @ W1.T + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2.T + b2
        h2 = np.maximum(z2, 0)
        s = (h2 @ W3.T + b3)[:, 0]
        margins = 1 - ya * s
        n = len(ya)
        total = np.maximum(margins, 0).mean() + 1e-4 * sum((p * p).sum() for p in params)
        ds = np.where(margins > 0, -ya, 0.0)[:, None] / n
        dW3, db3 = ds.T @ h2, ds.sum(0)
        dz2 = (ds @ W3) * (z2 > 0)
        dW2, db2 = dz2.T @ h1, dz2.sum(0)
        dz1 = (dz2 @ W2) * (z1 > 0)
        dW1, db1 = dz1.T @ Xa, dz1.sum(0)
        lr = 1.0 - 0.9 * k / 100
        for p, g in zip(params, (dW1, db1, dW2, db2, dW3, db3)):
            p -= lr * (g + 2e-4 * p)
        k += 1
        return float(total)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per implementation")
    parser.add_argument("--boundary-repeats", type=int, default=3, help="timed trainer.boundary(100) calls")
    args = parser.parse_args()

    auto_step, auto = trainer_step("auto")
    eager_step, eager = trainer_step("eager")
    rows: list[tuple[str, float | None, float | None]] = []
    for name, step in [
        (f"Trainer, default executor ({auto.executor_name})", auto_step),
        ("Trainer, eager executor", eager_step),
        ("micrograd 0.1.0 (demo.ipynb)", micrograd_step()),
        ("PyTorch eager, float64, 1 thread", torch_step()),
        ("numpy, hand-written backward", numpy_step()),
    ]:
        if step is None:
            rows.append((name, None, None))
            continue
        rows.append((name, *timed(step, args.repeats)))
    if auto.fallback_reason:
        print(f"default executor fell back to eager: {auto.fallback_reason}")

    baselines = [(label, t) for (name, t, _), label in zip(rows[2:], ("micrograd", "torch", "numpy")) if t]
    header = f"{'demo step (median of ' + str(args.repeats) + ')':<42} {'ms/step':>10} {'step-1 loss':>20}"
    header += "".join(f" {'x ' + label:>11}" for label, _ in baselines)
    print(header)
    print("-" * len(header))
    for name, seconds, loss in rows:
        if seconds is None:
            print(f"{name:<42} {'not installed':>10}")
            continue
        line = f"{name:<42} {seconds * 1e3:>10.3f} {loss:>20.16f}"
        line += "".join(f" {seconds / t:>11.3g}" for _, t in baselines)
        print(line)
    print("(x baseline = this time / the baseline's: above 1 is slower)")

    print()
    print(f"{'trainer.boundary(100), 10,000 points':<42} {'ms':>10}")
    for name, trainer in [(f"default executor ({auto.executor_name})", auto), ("eager executor", eager)]:
        times = []
        for _ in range(args.boundary_repeats):
            started = time.perf_counter()
            trainer.boundary(100)
            times.append(time.perf_counter() - started)
        print(f"{name:<42} {statistics.median(times) * 1e3:>10.1f}")


if __name__ == "__main__":
    main()
