"""Small classification datasets, generated from a seed and split into train and test.

Every generated set is a clean shape plus Gaussian noise of standard deviation ``noise`` on each
coordinate, with the classes as balanced as ``n_points`` allows and the points in shuffled order.
``moons`` is sklearn's ``make_moons`` redone with numpy's ``RandomState`` (the same draws in the
same order), so seed 1337 gives the micrograd demo's 100 points exactly; the other shapes only
need ``random.Random``.

All of them are 2-D except ``lecture``: the 4 points of Karpathy's micrograd lecture, with three
features each (``LECTURE_XS``/``LECTURE_YS``, trained there with ``MLP(3, [4, 4, 1])``). They are
fixed, so ``noise`` and ``test_fraction`` do not apply to it (``n_features`` tells the width).

``plane`` and ``gauss`` are TensorFlow Playground's two regression sets, redone from its
dataset.ts with the same shapes and scales (points uniform in [-6, 6]², values in [-1, 1]):
their ``y`` are numbers to predict, and ``n_classes`` is 0. ``custom`` takes (x, y, class) points
(drawn or uploaded), ``custom_regression`` (x, y, value) points.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.run_spec import SPEC, check_field

DATASETS = SPEC["dataset"].values  # moons, circles, xor, spiral, blobs, linear, plane, gauss, custom, ...
MULTICLASS = ("blobs", "spiral")  # the generated sets that take n_classes; the others have 2 classes
REGRESSION = ("plane", "gauss", "custom_regression")  # y is a number to predict, n_classes is 0
CUSTOM = ("custom", "custom_regression")  # the points come with the config

# The lecture's dataset: 3 inputs per example and targets ±1 (trained there with MSE on MLP(3, [4, 4, 1])).
LECTURE_XS: tuple[tuple[float, float, float], ...] = (
    (2.0, 3.0, -1.0),
    (3.0, -1.0, 0.5),
    (0.5, 1.0, 1.0),
    (1.0, 1.0, -1.0),
)
LECTURE_YS: tuple[float, ...] = (1.0, -1.0, -1.0, 1.0)

Point = tuple[float, ...]  # (x, y) for the 2-D sets, (x1, x2, x3) for the lecture's


@dataclass(frozen=True)
class Dataset:
    """Points and class indices (0..n_classes-1), or values for a regression set (n_classes 0)."""

    X_train: list[Point]
    y_train: list[int] | list[float]
    X_test: list[Point]
    y_test: list[int] | list[float]
    n_classes: int

    @property
    def is_regression(self) -> bool:
        return self.n_classes == 0

    @property
    def n_features(self) -> int:
        """Numbers per point: 2, or 3 for the lecture's set."""
        return len(self.X_train[0])


def make_dataset(
    name: str,
    n_points: int = 100,
    noise: float = 0.1,
    seed: int = 0,
    test_fraction: float = 0.0,
    n_classes: int = 2,
    points: Sequence[Sequence[float]] | None = None,
) -> Dataset:
    """The dataset ``name``; ``custom`` takes ``points`` as (x, y, class) triples instead of a shape.

    ``n_classes`` only applies to ``blobs`` and ``spiral``. A share ``test_fraction`` of the points,
    picked with the seed, is held out (at least one point always stays in training). ``lecture`` is
    the lecture's 4 points as they are: class 1 where y = +1, class 0 where y = -1; it ignores
    ``n_points``, ``noise`` and ``seed`` and refuses a test split (4 points leave nothing to hold out).
    """
    _check_common(name, n_points, noise, seed, test_fraction, n_classes)
    if name == "lecture":
        return Dataset(
            X_train=[tuple(x) for x in LECTURE_XS],
            y_train=[1 if y > 0 else 0 for y in LECTURE_YS],
            X_test=[],
            y_test=[],
            n_classes=2,
        )
    if name == "custom":
        if points is None:
            raise ValueError("points: the 'custom' dataset needs points as (x, y, class) triples")
        k = check_points(points)
        X = [(float(p[0]), float(p[1])) for p in points]
        y = [int(p[2]) for p in points]
    elif name == "custom_regression":
        if points is None:
            raise ValueError("points: the 'custom_regression' dataset needs points as (x, y, value) triples")
        check_value_points(points)
        k = 0
        X = [(float(p[0]), float(p[1])) for p in points]
        y = [float(p[2]) for p in points]
    elif name in REGRESSION:
        k = 0
        X, y = _REGRESSIONS[name](n_points, noise, seed)
    else:
        k = n_classes if name in MULTICLASS else 2
        X, y = _GENERATORS[name](n_points, noise, seed, k)
    return _split(X, y, k, test_fraction, seed)


def check_points(points: Sequence[Sequence[float]]) -> int:
    """Check hand-drawn (x, y, class) triples; the number of classes, or ValueError saying what is wrong."""
    if len(points) == 0:
        raise ValueError("points: the 'custom' dataset needs at least one point per class, got none")
    labels = set()
    for i, p in enumerate(points):
        if len(p) != 3:
            raise ValueError(f"points[{i}]: must be an (x, y, class) triple, not {len(p)} numbers")
        x, y, label = p
        for axis, v in (("x", x), ("y", y)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"points[{i}]: {axis} must be a finite number, not {v!r}")
        if isinstance(label, bool) or not isinstance(label, int) or label < 0:
            raise ValueError(f"points[{i}]: the class must be an integer 0, 1, ..., not {label!r}")
        labels.add(label)
    k = max(labels) + 1
    if k < 2:
        raise ValueError("points: need at least 2 classes (classes 0 and 1), only class 0 was given")
    missing = sorted(set(range(k)) - labels)
    if missing:
        raise ValueError(
            f"points: classes must be numbered 0..{k - 1} without gaps; no point has class "
            + ", ".join(map(str, missing))
        )
    return k


def check_value_points(points: Sequence[Sequence[float]]) -> None:
    """Check (x, y, value) triples of a regression set; ValueError naming the first bad one."""
    if len(points) < 2:
        raise ValueError(f"points: a regression set needs at least 2 points, got {len(points)}")
    for i, p in enumerate(points):
        if len(p) != 3:
            raise ValueError(f"points[{i}]: must be an (x, y, value) triple, not {len(p)} numbers")
        for axis, v in zip(("x", "y", "value"), p):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"points[{i}]: {axis} must be a finite number, not {v!r}")


# ------------------------------------------------------------------ shapes


def _moons(n: int, noise: float, seed: int, k: int) -> tuple[list[Point], list[int]]:
    """sklearn's make_moons(n, noise=noise, shuffle=True) with RandomState(seed), draw for draw."""
    rs = np.random.RandomState(seed)
    n_out = n // 2
    n_in = n - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [np.append(np.cos(outer), 1 - np.cos(inner)), np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    order = np.arange(n)
    rs.shuffle(order)  # sklearn.utils.shuffle does exactly this
    X, y = X[order], y[order]
    X = X + rs.normal(scale=noise, size=X.shape)
    return [(float(a), float(b)) for a, b in X.tolist()], [int(c) for c in y]


def _class_sizes(n: int, k: int) -> list[int]:
    return [n // k + (c < n % k) for c in range(k)]


def _noisy_shuffle(
    rng: random.Random, shape: list[tuple[float, float, int]], noise: float
) -> tuple[list[Point], list[int]]:
    rng.shuffle(shape)
    X = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for x, y, _ in shape]
    return X, [c for _, _, c in shape]


def _circles(n: int, noise: float, seed: int, k: int) -> tuple[list[Point], list[int]]:
    """Class 0 on the unit circle, class 1 on a circle of radius 0.5 (sklearn's make_circles)."""
    rng = random.Random(seed)
    shape = []
    for c, (size, radius) in enumerate(zip(_class_sizes(n, 2), (1.0, 0.5))):
        for i in range(size):
            t = 2 * math.pi * i / size
            shape.append((radius * math.cos(t), radius * math.sin(t), c))
    return _noisy_shuffle(rng, shape, noise)


def _xor(n: int, noise: float, seed: int, k: int) -> tuple[list[Point], list[int]]:
    """Class 1 in the quadrants where x and y have the same sign; 0.1 away from the axes."""
    rng = random.Random(seed)
    shape = []
    for c, size in enumerate(_class_sizes(n, 2)):
        for _ in range(size):
            sx = rng.choice((-1.0, 1.0))
            sy = sx if c == 1 else -sx
            shape.append((sx * rng.uniform(0.1, 1.0), sy * rng.uniform(0.1, 1.0), c))
    return _noisy_shuffle(rng, shape, noise)


def _spiral(n: int, noise: float, seed: int, k: int) -> tuple[list[Point], list[int]]:
    """``k`` arms winding out from the centre, 1.25 turns each."""
    rng = random.Random(seed)
    shape = []
    for c, size in enumerate(_class_sizes(n, k)):
        for i in range(size):
            r = 0.1 + 0.9 * i / max(size - 1, 1)
            t = 2 * math.pi * c / k + 2.5 * math.pi * r
            shape.append((r * math.cos(t), r * math.sin(t), c))
    return _noisy_shuffle(rng, shape, noise)


def _blobs(n: int, noise: float, seed: int, k: int) -> tuple[list[Point], list[int]]:
    """``k`` discs of radius 0.5 with centres evenly spaced on a circle of radius 1.5."""
    rng = random.Random(seed)
    phase = rng.uniform(0, 2 * math.pi)
    shape = []
    for c, size in enumerate(_class_sizes(n, k)):
        cx, cy = 1.5 * math.cos(phase + 2 * math.pi * c / k), 1.5 * math.sin(phase + 2 * math.pi * c / k)
        for _ in range(size):
            r, t = 0.5 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)  # uniform over the disc
            shape.append((cx + r * math.cos(t), cy + r * math.sin(t), c))
    return _noisy_shuffle(rng, shape, noise)


def _linear(n: int, noise: float, seed: int, k: int) -> tuple[list[Point], list[int]]:
    """Two classes on either side of a line through the origin at a seeded angle, 0.1 away from it."""
    rng = random.Random(seed)
    angle = rng.uniform(0, 2 * math.pi)
    nx, ny = math.cos(angle), math.sin(angle)  # the line's normal
    shape = []
    for c, size in enumerate(_class_sizes(n, 2)):
        for _ in range(size):
            s = rng.uniform(0.1, 1.0) * (1 if c == 1 else -1)  # distance from the line
            t = rng.uniform(-1.0, 1.0)  # position along it
            shape.append((s * nx - t * ny, s * ny + t * nx, c))
    return _noisy_shuffle(rng, shape, noise)


# TF Playground's regression sets: points uniform in [-RADIUS, RADIUS]², the value read off the
# shape at the point moved by uniform noise of up to noise * RADIUS on each axis.
RADIUS = 6.0
_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _plane_value(x: float, y: float) -> float:
    """TF's regressPlane: (x + y) scaled from [-10, 10] to [-1, 1] (not clamped)."""
    return (x + y) / 10.0


def _gauss_value(x: float, y: float) -> float:
    """TF's regressGaussian: the strongest of six signed bumps, each 1 at its centre, 0 from 2 away."""
    value = 0.0
    for cx, cy, sign in _GAUSSIANS:
        v = sign * min(1.0, max(0.0, 1.0 - math.hypot(x - cx, y - cy) / 2.0))
        if abs(v) > abs(value):
            value = v
    return value


def _regression(value: Callable[[float, float], float]):
    def generate(n: int, noise: float, seed: int) -> tuple[list[Point], list[float]]:
        rng = random.Random(seed)
        X, y = [], []
        for _ in range(n):
            px, py = rng.uniform(-RADIUS, RADIUS), rng.uniform(-RADIUS, RADIUS)
            nx, ny = rng.uniform(-RADIUS, RADIUS) * noise, rng.uniform(-RADIUS, RADIUS) * noise
            X.append((px, py))
            y.append(value(px + nx, py + ny))
        return X, y

    return generate


_REGRESSIONS = {"plane": _regression(_plane_value), "gauss": _regression(_gauss_value)}

_GENERATORS = {
    "moons": _moons,
    "circles": _circles,
    "xor": _xor,
    "spiral": _spiral,
    "blobs": _blobs,
    "linear": _linear,
}


# ------------------------------------------------------------------ checks and the split


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_common(
    name: str, n_points: int, noise: float, seed: int, test_fraction: float, n_classes: int
) -> None:
    """The arguments' own rules (engine.run_spec) and how they go together; no settings limits here."""
    check_field("dataset", name)
    if name not in CUSTOM:
        check_field("n_points", n_points)
        if name in MULTICLASS and (not _is_int(n_classes) or not 2 <= n_classes <= n_points):
            raise ValueError(
                f"n_classes: must be an integer from 2 to n_points ({n_points}), not {n_classes!r}"
            )
    check_field("noise", noise)
    check_field("test_fraction", test_fraction)
    check_field("seed", seed)
    if name == "lecture" and test_fraction > 0:
        raise ValueError(
            "test_fraction: the lecture's set is its 4 training points, with no test split; use 0, "
            f"not {test_fraction!r}"
        )


def _split(X: list[Point], y: list, k: int, test_fraction: float, seed: int) -> Dataset:
    """Hold out ``round(n * test_fraction)`` seeded points; both splits keep the points' order."""
    n = len(X)
    n_test = min(n - 1, round(n * test_fraction))
    held_out = set(random.Random(f"split:{seed}").sample(range(n), n_test))
    train = [i for i in range(n) if i not in held_out]
    test = [i for i in range(n) if i in held_out]
    return Dataset(
        X_train=[X[i] for i in train],
        y_train=[y[i] for i in train],
        X_test=[X[i] for i in test],
        y_test=[y[i] for i in test],
        n_classes=k,
    )
