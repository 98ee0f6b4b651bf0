"""Pictures of a ``Trainer``'s model: the boundary over the plane, the network's numbers, one
datapoint's graph. Read-only: none of them moves the parameters or the run's history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.losses import encode_target, sample_loss
from engine.value import Value

if TYPE_CHECKING:
    from engine.train import Trainer


@dataclass(frozen=True)
class Boundary:
    """The model over a grid of cell centres covering the data; row-major ``[iy][ix]``, y upwards."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    resolution: int
    # binary: P(class 1) in [0, 1] (see ``class_one_share``); regression: the prediction; else the class
    values: list[list[float]]
    classes: list[list[int]]  # the predicted class (regression: 1 where the prediction is above 0)


@dataclass(frozen=True)
class NeuronState:
    weights: list[float]
    bias: float
    weight_grads: list[float]  # of the last step's batch (0 before the first step)
    bias_grad: float
    activation: str


def boundary(trainer: Trainer, resolution: int) -> Boundary:
    """The model on a ``resolution`` x ``resolution`` grid over a square around all the points.

    Only a 2-D dataset has such a picture: any other raises ValueError.
    """
    if not trainer.config.planar:
        raise ValueError(
            f"the lecture set has {trainer.dataset.n_features} features: there is no 2-D decision boundary"
        )
    limit = trainer.settings.max_boundary_resolution
    if isinstance(resolution, bool) or not isinstance(resolution, int) or not 1 <= resolution <= limit:
        raise ValueError(
            f"resolution: must be an integer from 1 to {limit} (max_boundary_resolution), not {resolution!r}"
        )
    x_min, x_max, y_min, y_max = plot_box(trainer)
    # numpy here: a 100 x 100 grid is 10,000 points, and per-point Python would cost more than
    # the compiled forward pass itself. Same rules as predicted_class and class_one_share.
    centers = (np.arange(resolution) + 0.5) / resolution
    xs, ys = np.meshgrid(x_min + centers * (x_max - x_min), y_min + centers * (y_max - y_min))
    scores = trainer.predict_points(np.column_stack([xs.ravel(), ys.ravel()]))
    loss = trainer.config.loss
    if loss == "softmax_ce":
        classes = np.argmax(np.where(np.isnan(scores), -np.inf, scores), axis=1)
    else:
        classes = (scores[:, 0] > 0).astype(int)
    n_classes = trainer.dataset.n_classes
    if n_classes == 0:
        values = scores[:, 0]
    elif n_classes == 2:
        values = class_one_shares(loss, scores[:, 0])
    else:
        values = classes.astype(float)
    return Boundary(
        x_min=x_min,
        x_max=x_max,
        y_min=y_min,
        y_max=y_max,
        resolution=resolution,
        values=values.reshape(resolution, resolution).tolist(),
        classes=classes.reshape(resolution, resolution).tolist(),
    )


def boundary_shares(b: Boundary, n_classes: int) -> np.ndarray | None:
    """Each cell on the two-colour scale, 0 (orange) to 1 (blue): binary sets P(class 1); regression
    the prediction from [-1, 1] (clipped, as TF Playground's colour scale). None for more classes.
    NaN (a diverged model) is 0.5, undecided."""
    values = np.asarray(b.values, dtype=float)
    if n_classes == 2:
        shares = values
    elif n_classes == 0:
        shares = (np.clip(values, -1.0, 1.0) + 1.0) / 2.0
    else:
        return None
    return np.nan_to_num(shares, nan=0.5)


def plot_box(trainer: Trainer) -> tuple[float, float, float, float]:
    """A square around every point with a margin, so a square picture is not stretched."""
    points = trainer.dataset.X_train + trainer.dataset.X_test
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    half = 0.65 * max(max(xs) - min(xs), max(ys) - min(ys)) + 0.1
    return cx - half, cx + half, cy - half, cy + half


def network(trainer: Trainer) -> list[list[NeuronState]]:
    """Every neuron's weights, bias and the gradients of the last step, per layer."""
    grads = iter(trainer.last_grads)  # model.parameters() order: each neuron's weights, then its bias
    layers = []
    for layer in trainer.model.layers:
        row = []
        for neuron in layer.neurons:
            weight_grads = [next(grads) for _ in neuron.w]
            row.append(
                NeuronState(
                    weights=[w.data for w in neuron.w],
                    bias=neuron.b.data,
                    weight_grads=weight_grads,
                    bias_grad=next(grads),
                    activation=neuron.activation,
                )
            )
        layers.append(row)
    return layers


def sample_graph(trainer: Trainer, index: int, split: str = "train") -> Value:
    """The eager graph of one datapoint's loss through the current model, after ``backward()``.

    It uses the model's own parameter Values (``engine.neuron_graph.find_neurons`` looks for
    them), so their ``grad`` ends up holding this datapoint's gradients; the last step's
    gradients stay available through ``network()``. Labels: the input features' names (x1, x2,
    x1^2, ...; x3 for the lecture's set), w{L}.{N}.{i}, b{L}.{N}, act{L}.{N} (before the
    activation), h{L}.{N}, score (score{k} with several outputs), loss.
    """
    data = trainer.dataset
    if split not in ("train", "test"):
        raise ValueError(f"split: must be 'train' or 'test', not {split!r}")
    X, y = (trainer.inputs_train, data.y_train) if split == "train" else (trainer.inputs_test, data.y_test)
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(X):
        raise ValueError(f"index: the {split} split has {len(X)} points, so 0..{len(X) - 1}, not {index!r}")
    h: list[Value] = [Value(v, label=name) for v, name in zip(X[index], trainer.input_names)]
    last = len(trainer.model.layers) - 1
    for layer_index, layer in enumerate(trainer.model.layers):
        h = [neuron(h) for neuron in layer.neurons]  # what Layer.__call__ does, kept as a list
        for neuron_index, (neuron, out) in enumerate(zip(layer.neurons, h)):
            if neuron.activation != "linear":
                out._prev[0].label = f"act{layer_index}.{neuron_index}"
            if layer_index < last:
                out.label = f"h{layer_index}.{neuron_index}"
            else:
                out.label = "score" if len(h) == 1 else f"score{neuron_index}"
    target = encode_target(trainer.config.loss, y[index], data.n_classes)
    root = sample_loss(trainer.config.loss, h, target)
    root.label = "loss"
    root.backward(zero_grad=True)
    return root


def class_one_share(loss: str, scores: Sequence[float]) -> float:
    """How strongly a binary model votes for class 1, in [0, 1] (0.5 on the boundary).

    bce: its probability, sigmoid(score). hinge and mse, trained towards ±1: the score mapped from
    [-1, 1] to [0, 1], so a point past the margin shows fully in its class's colour. NaN stays NaN.
    """
    s = scores[0]
    if math.isnan(s):
        return s
    if loss == "bce":
        return 1.0 / (1.0 + math.exp(-s)) if s >= 0 else math.exp(s) / (1.0 + math.exp(s))
    return min(1.0, max(0.0, (s + 1.0) / 2.0))


def class_one_shares(loss: str, scores: np.ndarray) -> np.ndarray:
    """``class_one_share`` of many scores at once."""
    if loss == "bce":
        with np.errstate(over="ignore"):
            e = np.exp(-np.abs(scores))  # never overflows: the stable sigmoid of class_one_share
        return np.where(scores >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return np.clip((scores + 1.0) / 2.0, 0.0, 1.0)
