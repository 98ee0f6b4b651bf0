"""How a training step's loss and gradients get computed: the executor interface.

The ``Trainer`` asks an executor for the loss and parameter gradients of a batch and for the
model's outputs on many points (decision boundaries). ``EagerExecutor`` builds the ``Value``
graph and calls ``backward()``, exactly as micrograd's demo does; a faster executor can replace
it as long as it returns the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from engine.losses import regularization, sample_loss
from engine.nn import MLP
from engine.value import Value


@dataclass
class StepResult:
    """Loss and gradients of one batch; ``grads`` follows ``model.parameters()`` order."""

    loss: float  # data_loss + reg_loss
    data_loss: float
    reg_loss: float
    grads: list[float]
    scores: list[list[float]]  # the model's outputs for each point of the batch


@dataclass(frozen=True)
class LossSpec:
    """What a step minimises: mean of ``loss`` over the batch plus a regularization term."""

    loss: str = "hinge"
    regularization: str = "l2"
    strength: float = 1e-4


class Executor(Protocol):
    name: str

    def loss_and_grads(
        self, model: MLP, X: Sequence[Sequence[float]], targets: Sequence[Sequence[float]], spec: LossSpec
    ) -> StepResult: ...

    def predict(self, model: MLP, X: Sequence[Sequence[float]]) -> list[list[float]]: ...

    def predict_array(self, model: MLP, X: np.ndarray) -> np.ndarray:
        """``predict`` for an (n, inputs) array, as an (n, outputs) array (decision-boundary grids)."""
        ...


def outputs(model: MLP, x: Sequence[Value | float]) -> list[Value]:
    """The model's outputs on one input as a list, whether it has one output or several."""
    out = model(x)
    return out if isinstance(out, list) else [out]


def batch_loss(
    model: MLP, X: Sequence[Sequence[float]], targets: Sequence[Sequence[float]], spec: LossSpec
) -> tuple[Value, Value, Value, list[list[Value]]]:
    """The eager graph of a step, built like micrograd's demo: (total, data, reg, scores)."""
    scores = [outputs(model, [Value(xi) for xi in x]) for x in X]
    losses = [sample_loss(spec.loss, s, t) for s, t in zip(scores, targets)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = regularization(spec.regularization, model.parameters(), spec.strength)
    return data_loss + reg_loss, data_loss, reg_loss, scores


class EagerExecutor:
    """Builds the whole ``Value`` graph of each step and backpropagates through it."""

    name = "eager"

    def loss_and_grads(
        self, model: MLP, X: Sequence[Sequence[float]], targets: Sequence[Sequence[float]], spec: LossSpec
    ) -> StepResult:
        model.zero_grad()
        total, data_loss, reg_loss, scores = batch_loss(model, X, targets, spec)
        total.backward()
        return StepResult(
            loss=total.data,
            data_loss=data_loss.data,
            reg_loss=reg_loss.data,
            grads=[p.grad for p in model.parameters()],
            scores=[[v.data for v in s] for s in scores],
        )

    def predict(self, model: MLP, X: Sequence[Sequence[float]]) -> list[list[float]]:
        return [[v.data for v in outputs(model, x)] for x in X]

    def predict_array(self, model: MLP, X: np.ndarray) -> np.ndarray:
        return np.array(self.predict(model, np.asarray(X, dtype=float).tolist()), dtype=float)
