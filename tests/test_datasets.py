"""engine.datasets: shapes, seeds, noise, the seeded split and custom-point validation."""

from __future__ import annotations

import math
from collections import Counter
from itertools import pairwise

import pytest

from engine.datasets import CUSTOM, DATASETS, LECTURE_XS, LECTURE_YS, MULTICLASS, REGRESSION, make_dataset

GENERATED = [name for name in DATASETS if name not in (*CUSTOM, "lecture", *REGRESSION)]  # 2-D classes


def all_points(data):
    return data.X_train + data.X_test, data.y_train + data.y_test


@pytest.mark.parametrize("name", GENERATED)
@pytest.mark.parametrize("n_points", [2, 7, 100])
def test_generated_sets_have_the_asked_size_and_balanced_classes(name, n_points):
    data = make_dataset(name, n_points=n_points, seed=5)
    X, y = all_points(data)
    assert data.n_classes == 2 and len(X) == len(y) == n_points
    assert all(len(p) == 2 and all(isinstance(v, float) and math.isfinite(v) for v in p) for p in X)
    counts = Counter(y)
    assert set(counts) == {0, 1} and abs(counts[0] - counts[1]) <= 1
    assert data.X_test == [] and data.y_test == []


@pytest.mark.parametrize("name", MULTICLASS)
def test_blobs_and_spiral_take_a_number_of_classes(name):
    data = make_dataset(name, n_points=50, n_classes=4, seed=2)
    counts = Counter(data.y_train)
    assert data.n_classes == 4 and set(counts) == {0, 1, 2, 3}
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.mark.parametrize("name", GENERATED)
def test_same_seed_same_points_other_seed_other_points(name):
    a = make_dataset(name, seed=11, noise=0.2)
    assert a == make_dataset(name, seed=11, noise=0.2)
    assert a.X_train != make_dataset(name, seed=12, noise=0.2).X_train


@pytest.mark.parametrize("name", GENERATED)
def test_points_are_shuffled_not_grouped_by_class(name):
    y = make_dataset(name, n_points=100, seed=3).y_train
    changes = sum(a != b for a, b in pairwise(y))
    assert changes > 20  # grouped by class would change label once


def test_noise_free_shapes():
    X, y = all_points(make_dataset("circles", n_points=40, noise=0.0))
    for (a, b), c in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if c == 0 else 0.5)
    X, y = all_points(make_dataset("moons", n_points=40, noise=0.0))
    for (a, b), c in zip(X, y):
        centre = (0.0, 0.0) if c == 0 else (1.0, 0.5)
        assert math.hypot(a - centre[0], b - centre[1]) == pytest.approx(1.0)
        assert (b >= -1e-12) if c == 0 else (b <= 0.5 + 1e-12)  # upper arc / lower arc
    X, y = all_points(make_dataset("xor", n_points=60, noise=0.0))
    assert all((a * b > 0) == (c == 1) and min(abs(a), abs(b)) >= 0.1 for (a, b), c in zip(X, y))
    X, y = all_points(make_dataset("blobs", n_points=60, noise=0.0, n_classes=3))
    for k in range(3):
        members = [p for p, c in zip(X, y) if c == k]
        cx, cy = sum(p[0] for p in members) / len(members), sum(p[1] for p in members) / len(members)
        assert math.hypot(cx, cy) == pytest.approx(1.5, abs=0.2)
        assert all(math.hypot(p[0] - cx, p[1] - cy) < 1.0 for p in members)


def test_linear_is_separable_with_a_margin_when_noise_free():
    X, y = all_points(make_dataset("linear", n_points=80, noise=0.0, seed=9))
    # The two classes' projections on some direction do not overlap: find it by trying angles.
    best = max(
        min(a * math.cos(t) + b * math.sin(t) for (a, b), c in zip(X, y) if c == 1)
        - max(a * math.cos(t) + b * math.sin(t) for (a, b), c in zip(X, y) if c == 0)
        for t in (2 * math.pi * i / 3600 for i in range(3600))
    )
    assert best > 0.15


def test_more_noise_spreads_the_points_further_from_the_shape():
    def spread(noise):
        X, y = all_points(make_dataset("circles", n_points=200, noise=noise, seed=1))
        return sum(abs(math.hypot(a, b) - (1.0 if c == 0 else 0.5)) for (a, b), c in zip(X, y)) / len(X)

    assert spread(0.0) < 1e-12 < spread(0.05) < spread(0.2)


def test_moons_follow_numpy_draws_so_the_seed_matters_and_noise_is_gaussian():
    clean = make_dataset("moons", n_points=400, noise=0.0, seed=1)
    noisy = make_dataset("moons", n_points=400, noise=0.1, seed=1)
    assert clean.y_train == noisy.y_train  # the shuffle comes before the noise, as in sklearn
    dx = [n[0] - c[0] for n, c in zip(noisy.X_train, clean.X_train)]
    mean = sum(dx) / len(dx)
    sd = math.sqrt(sum((d - mean) ** 2 for d in dx) / len(dx))
    assert abs(mean) < 0.02 and sd == pytest.approx(0.1, rel=0.15)


def test_split_is_seeded_and_partitions_the_points():
    whole = make_dataset("spiral", n_points=100, seed=4)
    data = make_dataset("spiral", n_points=100, seed=4, test_fraction=0.25)
    assert len(data.X_test) == 25 and len(data.X_train) == 75
    assert Counter(data.X_train + data.X_test) == Counter(whole.X_train)
    pairs = dict(zip(whole.X_train, whole.y_train))
    assert all(pairs[p] == c for p, c in zip(data.X_test, data.y_test))
    assert data == make_dataset("spiral", n_points=100, seed=4, test_fraction=0.25)
    other = make_dataset("spiral", n_points=100, seed=5, test_fraction=0.25)
    assert other.X_test != data.X_test


def test_split_always_keeps_a_training_point():
    data = make_dataset("moons", n_points=2, test_fraction=0.99)
    assert len(data.X_train) == 1 and len(data.X_test) == 1


def test_custom_points_keep_their_order_and_count_classes():
    points = [(0.0, 0.0, 0), (1.0, 1.0, 2), (2.0, -1.5, 1), (0.5, 0.5, 0)]
    data = make_dataset("custom", points=points)
    assert data.n_classes == 3
    assert data.X_train == [(p[0], p[1]) for p in points] and data.y_train == [p[2] for p in points]


@pytest.mark.parametrize(
    "points, message",
    [
        ([], "at least one point"),
        (None, "needs points"),
        ([(0.0, 0.0)], r"points\[0\]: must be an \(x, y, class\) triple"),
        ([(0.0, 0.0, 0), (math.nan, 1.0, 1)], r"points\[1\]: x must be a finite number"),
        ([(0.0, math.inf, 0), (1.0, 1.0, 1)], r"points\[0\]: y must be a finite number"),
        ([(0.0, 0.0, 0), (1.0, 1.0, -1)], r"points\[1\]: the class must be an integer"),
        ([(0.0, 0.0, 0), (1.0, 1.0, 1.5)], "the class must be an integer"),
        ([(0.0, 0.0, False), (1.0, 1.0, True)], "the class must be an integer"),
        ([(0.0, 0.0, 0), (1.0, 1.0, 0)], "at least 2 classes"),
        ([(0.0, 0.0, 0), (1.0, 1.0, 2)], "no point has class 1"),
    ],
)
def test_bad_custom_points_are_refused_with_the_reason(points, message):
    with pytest.raises(ValueError, match=message):
        make_dataset("custom", points=points)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "nope"}, "dataset: must be one of"),
        ({"name": "lecture", "test_fraction": 0.25}, "test_fraction: the lecture's set is its 4 training"),
        ({"n_points": 1}, "n_points"),
        ({"noise": -0.1}, "noise"),
        ({"noise": 1.5}, "noise"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**32}, "seed"),
        ({"name": "blobs", "n_classes": 1}, "n_classes"),
        ({"name": "spiral", "n_classes": 5, "n_points": 4}, "n_classes"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, message):
    kwargs = {"name": "moons", **kwargs}
    with pytest.raises(ValueError, match=message):
        make_dataset(**kwargs)


def test_lecture_set_is_the_lectures_four_points():
    assert len(LECTURE_XS) == len(LECTURE_YS) == 4
    assert all(len(x) == 3 for x in LECTURE_XS) and set(LECTURE_YS) == {-1.0, 1.0}
    assert "lecture" in DATASETS


def test_lecture_dataset_is_the_four_points_with_three_features():
    data = make_dataset("lecture")
    assert data.X_train == [tuple(x) for x in LECTURE_XS]
    assert data.n_features == 3 and data.n_classes == 2
    assert data.y_train == [1, 0, 0, 1]  # class 1 where the lecture's target is +1
    assert [1.0 if c == 1 else -1.0 for c in data.y_train] == list(LECTURE_YS)
    assert data.X_test == [] and data.y_test == []


def test_lecture_dataset_ignores_the_generators_knobs():
    assert make_dataset("lecture", n_points=50, noise=0.5, seed=9) == make_dataset("lecture")


def test_two_d_sets_have_two_features():
    assert make_dataset("moons", n_points=10).n_features == 2


# ------------------------------------------------------------------ TF Playground's regression sets


@pytest.mark.parametrize("name", ["plane", "gauss"])
def test_regression_sets_are_tf_playgrounds(name):
    data = make_dataset(name, n_points=300, noise=0.0, seed=3, test_fraction=0.2)
    X, y = all_points(data)
    assert data.n_classes == 0 and data.is_regression and len(X) == 300 and len(data.X_test) == 60
    assert all(-6 <= a <= 6 and -6 <= b <= 6 for a, b in X) and all(-1.2 <= v <= 1.2 for v in y)
    if name == "plane":  # (x + y) / 10 without noise
        assert all(v == pytest.approx((a + b) / 10) for (a, b), v in zip(X, y))
    else:  # 1 at a positive bump's centre, -1 at a negative one's, 0 far from all
        from engine.datasets import _gauss_value

        assert _gauss_value(-4, 2.5) == 1 and _gauss_value(0, 2.5) == -1 and _gauss_value(-4, 0) == 0
        assert min(y) < -0.5 and max(y) > 0.5
    clean = make_dataset(name, n_points=300, noise=0.0, seed=3)
    noisy = make_dataset(name, n_points=300, noise=0.5, seed=3)
    assert noisy.X_train == clean.X_train and noisy.y_train != clean.y_train  # noise moves the values


def test_value_points_make_a_regression_set():
    data = make_dataset("custom_regression", points=[(0.0, 0.0, 0.5), (1.0, 2.0, -3)])
    assert data.n_classes == 0 and data.y_train == [0.5, -3.0]
    with pytest.raises(ValueError, match=r"points\[1\]: value must be a finite number"):
        make_dataset("custom_regression", points=[(0.0, 0.0, 0.5), (1.0, 2.0, math.nan)])
    with pytest.raises(ValueError, match="at least 2 points"):
        make_dataset("custom_regression", points=[(0.0, 0.0, 0.5)])
