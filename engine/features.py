"""The input features of a 2-D dataset: what the network sees of a point (x1, x2).

TensorFlow Playground's set: the coordinates, their squares, their product and their sines. A run
lists the ones it feeds the network (``TrainConfig.features``), in this order or any other; the
first layer gets one input per feature. The points themselves (and every picture of them) stay in
the plane; only the model's inputs change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feature:
    name: str  # in configs, URLs and Value labels
    label: str  # for people: x₁², sin(x₂)
    of_point: Callable[[float, float], float]
    of_arrays: Callable[[np.ndarray, np.ndarray], np.ndarray]


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("x1", "x₁", lambda x, y: x, lambda x, y: x),
        Feature("x2", "x₂", lambda x, y: y, lambda x, y: y),
        Feature("x1^2", "x₁²", lambda x, y: x * x, lambda x, y: x * x),
        Feature("x2^2", "x₂²", lambda x, y: y * y, lambda x, y: y * y),
        Feature("x1*x2", "x₁x₂", lambda x, y: x * y, lambda x, y: x * y),
        Feature("sin(x1)", "sin(x₁)", lambda x, y: math.sin(x), lambda x, y: np.sin(x)),
        Feature("sin(x2)", "sin(x₂)", lambda x, y: math.sin(y), lambda x, y: np.sin(y)),
    )
}
DEFAULT_FEATURES: tuple[str, ...] = ("x1", "x2")


def check_features(names: object) -> tuple[str, ...]:
    """The names as a tuple, or ValueError naming the first problem."""
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise ValueError(f"features: must be a list of feature names, not {names!r}")
    if not names:
        raise ValueError("features: the network needs at least one input feature")
    for i, name in enumerate(names):
        if name not in FEATURES:
            raise ValueError(f"features[{i}]: must be one of {', '.join(FEATURES)}, not {name!r}")
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"features: {twice!r} is listed twice")
    return tuple(names)


def transform(names: Sequence[str], points: Sequence[Sequence[float]]) -> list[tuple[float, ...]]:
    """Each (x1, x2) point as the network's inputs."""
    fns = [FEATURES[n].of_point for n in names]
    return [tuple(f(p[0], p[1]) for f in fns) for p in points]


def transform_array(names: Sequence[str], xy: np.ndarray) -> np.ndarray:
    """``transform`` of an ``(n, 2)`` array of points, as an ``(n, len(names))`` array."""
    x, y = xy[:, 0], xy[:, 1]
    return np.column_stack([FEATURES[n].of_arrays(x, y) for n in names])
