"""Optimizers and learning-rate schedules over plain lists of floats.

An optimizer turns parameters and their gradients into new parameters (``update``), or writes the
new values into ``Value``s directly (``step``). It never sees a graph, so it works the same
whichever executor computed the gradients.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.value import Value

OPTIMIZERS = ("sgd", "momentum", "adam")
SCHEDULES = ("constant", "linear", "cosine")
FINAL_RATE = 0.1  # linear and cosine end at this share of the base rate (the micrograd demo's 1.0 -> 0.1)


def scheduled_rate(schedule: str, base: float, step: int, total_steps: int) -> float:
    """The learning rate of step ``step`` (from 0); after ``total_steps`` it stays at its final value.

    ``linear`` is the micrograd demo's ``1.0 - 0.9 * k / 100`` for base 1.0 and 100 steps; ``cosine``
    falls from ``base`` to the same final rate along half a cosine wave.
    """
    progress = min(step, total_steps) / total_steps
    if schedule == "constant":
        return base
    if schedule == "linear":
        return base * (1.0 - (1.0 - FINAL_RATE) * progress)
    if schedule == "cosine":
        return base * (FINAL_RATE + (1.0 - FINAL_RATE) * 0.5 * (1.0 + math.cos(math.pi * progress)))
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {schedule!r}")


class Optimizer:
    """Updates parameters from gradients; subclasses keep whatever state they need between steps."""

    def update(self, params: Sequence[float], grads: Sequence[float], lr: float) -> list[float]:
        raise NotImplementedError

    def step(self, params: Sequence[Value], grads: Sequence[float], lr: float) -> None:
        """Write the updated values into the parameters' ``data``."""
        for p, new in zip(params, self.update([p.data for p in params], grads, lr)):
            p.data = new

    def state(self) -> dict:
        """What the next updates depend on besides the parameters (a copy: lists are copied)."""
        return {}

    def load(self, state: dict) -> None:
        """Continue from ``state()`` of an optimizer of the same kind."""


class SGD(Optimizer):
    """p -= lr * grad, as micrograd's demo does."""

    def update(self, params: Sequence[float], grads: Sequence[float], lr: float) -> list[float]:
        return [p - lr * g for p, g in zip(params, grads)]


class Momentum(Optimizer):
    """SGD with momentum (PyTorch's form): v = momentum * v + grad; p -= lr * v."""

    def __init__(self, momentum: float = 0.9):
        self.momentum = momentum
        self.velocity: list[float] | None = None

    def update(self, params: Sequence[float], grads: Sequence[float], lr: float) -> list[float]:
        if self.velocity is None:
            self.velocity = list(grads)  # the first step is plain SGD, as in PyTorch
        else:
            self.velocity = [self.momentum * v + g for v, g in zip(self.velocity, grads)]
        return [p - lr * v for p, v in zip(params, self.velocity)]

    def state(self) -> dict:
        return {"velocity": None if self.velocity is None else list(self.velocity)}

    def load(self, state: dict) -> None:
        velocity = state["velocity"]
        self.velocity = None if velocity is None else list(velocity)


class Adam(Optimizer):
    """Adam with bias correction (Kingma & Ba): each parameter's step is scaled by its own history."""

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0
        self.m: list[float] | None = None
        self.v: list[float] | None = None

    def update(self, params: Sequence[float], grads: Sequence[float], lr: float) -> list[float]:
        b1, b2 = self.beta1, self.beta2
        m = self.m or [0.0] * len(grads)
        v = self.v or [0.0] * len(grads)
        self.t += 1
        self.m = [b1 * mi + (1 - b1) * g for mi, g in zip(m, grads)]
        self.v = [b2 * vi + (1 - b2) * g * g for vi, g in zip(v, grads)]
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        return [
            p - lr * (mi / c1) / (math.sqrt(vi / c2) + self.eps) for p, mi, vi in zip(params, self.m, self.v)
        ]

    def state(self) -> dict:
        copy = lambda xs: None if xs is None else list(xs)  # noqa: E731
        return {"t": self.t, "m": copy(self.m), "v": copy(self.v)}

    def load(self, state: dict) -> None:
        self.t = state["t"]
        self.m = None if state["m"] is None else list(state["m"])
        self.v = None if state["v"] is None else list(state["v"])


def make_optimizer(name: str, momentum: float = 0.9) -> Optimizer:
    """A fresh optimizer by name; ``momentum`` is used by 'momentum' only."""
    if name == "sgd":
        return SGD()
    if name == "momentum":
        return Momentum(momentum)
    if name == "adam":
        return Adam()
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, not {name!r}")
