"""TF Playground parity in the engine (issue 15): input features, regression, hand edits, stop
rules, time travel, CSV points."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.features import FEATURES, transform, transform_array
from engine.settings import Settings
from engine.stop_rules import StopRules
from engine.time_travel import Keyframes
from engine.train import TrainConfig, Trainer
from engine.upload import parse_points_csv

SMALL = {"hidden": (4,), "n_points": 30, "seed": 2, "executor": "eager"}


def without_time(metrics):
    return [{**m.__dict__, "step_seconds": 0} for m in metrics]


# ------------------------------------------------------------------ features


def test_features_are_tf_playgrounds_and_feed_the_network():
    x, y = 0.7, -1.3
    values = dict(zip(FEATURES, transform(list(FEATURES), [(x, y)])[0]))
    assert values == {
        "x1": x, "x2": y, "x1^2": x * x, "x2^2": y * y, "x1*x2": x * y,
        "sin(x1)": math.sin(x), "sin(x2)": math.sin(y),
    }  # fmt: skip
    grid = np.array([[x, y], [0.1, 0.2]])
    assert transform_array(list(FEATURES), grid)[0].tolist() == pytest.approx(list(values.values()))
    trainer = Trainer(TrainConfig(**SMALL, features=("x1^2", "x2^2", "x1*x2")))
    assert trainer.network()[0][0].weights.__len__() == 3 and trainer.input_names == ("x1^2", "x2^2", "x1*x2")
    assert trainer.inputs_train[0] == pytest.approx(
        transform(["x1^2", "x2^2", "x1*x2"], trainer.dataset.X_train[:1])[0]
    )
    root = trainer.sample_graph(0)
    labels = {v.label for v in _walk(root)}
    assert {"x1^2", "x2^2", "x1*x2"} <= labels


def test_circles_need_squares_and_get_them():
    """TF's lesson: a linear model separates circles once it sees x1² and x2²."""
    config = {
        "dataset": "circles",
        "n_points": 80,
        "hidden": (),
        "loss": "hinge",
        "seed": 1,
        "executor": "eager",
    }
    plain = Trainer(TrainConfig(**config, learning_rate=0.5, schedule="constant"))
    squared = Trainer(
        TrainConfig(**config, features=("x1^2", "x2^2"), learning_rate=0.5, schedule="constant")
    )
    plain.step(60)
    squared.step(60)
    assert squared.history[-1].train_accuracy >= 0.95 > 0.8 > plain.history[-1].train_accuracy


def _walk(root):
    seen, stack = [], [root]
    while stack:
        v = stack.pop()
        seen.append(v)
        stack.extend(v._prev)
    return seen


# ------------------------------------------------------------------ regression


@pytest.mark.parametrize("name", ["plane", "gauss"])
def test_regression_trains_with_mse_and_has_no_accuracy(name):
    trainer = Trainer(
        TrainConfig(dataset=name, loss="mse", n_points=60, hidden=(6,), learning_rate=0.03,
                    schedule="constant", activation="tanh", test_fraction=0.2, executor="eager")
    )  # fmt: skip
    first = trainer.history[0]
    trainer.step(40)
    last = trainer.history[-1]
    assert last.train_loss < first.train_loss and last.test_loss is not None
    assert last.train_accuracy is None and last.test_accuracy is None
    b = trainer.boundary(5)
    assert any(abs(v) > 0 for row in b.values for v in row)  # predictions, not shares


# ------------------------------------------------------------------ hand edits and stop rules


def test_an_edit_changes_the_weight_the_metrics_and_is_recorded():
    trainer = Trainer(TrainConfig(**SMALL))
    trainer.step(3)
    before = trainer.history[-1]
    metrics = trainer.edit(0, 1, 0, 2.5)
    assert trainer.network()[0][1].weights[0] == 2.5 and metrics.step == 3
    assert (
        trainer.history[-1] == metrics
        and metrics.train_loss != before.train_loss
        and len(trainer.history) == 4
    )
    trainer.edit(1, 0, None, -0.25)
    assert trainer.network()[1][0].bias == -0.25
    assert [(e.step, e.layer, e.neuron, e.index, e.new) for e in trainer.edits] == [
        (3, 0, 1, 0, 2.5),
        (3, 1, 0, None, -0.25),
    ]
    for bad, message in [((5, 0, 0, 1.0), "layer"), ((0, 9, 0, 1.0), "neuron"), ((0, 0, 7, 1.0), "index"),
                         ((0, 0, 0, math.nan), "value"), ((0, 0, 0, 1e9), "max_weight_edit")]:  # fmt: skip
        with pytest.raises(ValueError, match=message):
            trainer.edit(*bad)
    trainer.reset()
    assert trainer.edits == []


def test_stop_rules_pause_at_the_target_and_not_at_once_when_already_met():
    trainer = Trainer(TrainConfig(**SMALL))
    trainer.set_stop_rules(StopRules(max_steps=7))
    taken = trainer.step(20)
    assert len(taken) == 7 and trainer.step_count == 7 and "max_steps 7" in trainer.stopped
    assert len(trainer.step(3)) == 3 and trainer.stopped is None  # already met: goes on
    trainer.set_stop_rules(StopRules(target_accuracy=0.9))
    trainer.step(200)
    assert trainer.history[-1].train_accuracy >= 0.9 and "accuracy" in trainer.stopped
    assert trainer.history[-2].train_accuracy < 0.9  # it stopped at the first step that met it
    trainer.reset()
    trainer.set_stop_rules(StopRules(target_loss=0.5))
    trainer.step(500)
    assert trainer.history[-1].train_loss <= 0.5 < trainer.history[-2].train_loss
    trainer.set_stop_rules(StopRules())
    assert len(trainer.step(2)) == 2  # without rules nothing stops
    for bad in ({"target_accuracy": 0}, {"target_accuracy": 1.5}, {"target_loss": -1}, {"max_steps": 0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            StopRules(**bad)


# ------------------------------------------------------------------ time travel


@pytest.mark.parametrize("optimizer, batch_size", [("sgd", None), ("adam", 8), ("momentum", 5)])
def test_any_past_step_is_rebuilt_exactly_with_its_edits(optimizer, batch_size):
    settings = Settings(time_travel_bytes=12_000)  # a small budget: keyframes thin out, steps are replayed
    trainer = Trainer(
        TrainConfig(**SMALL, optimizer=optimizer, batch_size=batch_size, learning_rate=0.1), settings=settings
    )
    weights, metrics = {0: _weights(trainer)}, {0: trainer.history[0]}
    for k in range(1, 41):
        trainer.step()
        if k == 17:
            trainer.edit(0, 0, 1, 0.75)
        weights[k], metrics[k] = _weights(trainer), trainer.history[-1]
    assert trainer.keyframes.stride > 1 and trainer.keyframes.nbytes <= 12_000
    live = _weights(trainer)
    for k in (0, 1, 16, 17, 18, 33, 40):
        with trainer.at_step(k) as m:
            assert _weights(trainer) == weights[k], k
            assert without_time([m]) == without_time([metrics[k]]), k
    assert _weights(trainer) == live and trainer.step_count == 40  # the live run is back
    after = without_time(trainer.step(3))
    twin = Trainer(TrainConfig(**SMALL, optimizer=optimizer, batch_size=batch_size, learning_rate=0.1))
    twin.step(17)
    twin.edit(0, 0, 1, 0.75)
    twin.step(23)
    assert without_time(twin.step(3)) == after  # rebuilding a past step changed nothing ahead
    with pytest.raises(ValueError, match="step"), trainer.at_step(44):
        pass


def _weights(trainer):
    return [p.data for p in trainer.model.parameters()]


def test_keyframes_stay_within_their_budget():
    trainer = Trainer(TrainConfig(**SMALL, batch_size=4))
    frames = Keyframes(budget_bytes=20_000)
    for step in range(2_000):
        trainer.step_count = step
        if frames.wants(step):
            frames.add(trainer._snapshot())
    assert frames.nbytes <= 20_000 and frames.at_or_before(1999).step > 1999 - frames.stride
    assert frames.at_or_before(0).step == 0


# ------------------------------------------------------------------ CSV points


def test_a_csv_of_classes_and_one_of_values():
    s = Settings()
    got = parse_points_csv("x,y,class\n0.5,1,0\n\n# a comment\n-1;2;1\n".replace(";", ","), s)
    assert (got.error, got.dataset, got.points, got.header, got.n_classes) == (
        None, "custom", [(0.5, 1.0, 0), (-1.0, 2.0, 1)], True, 2
    )  # fmt: skip
    values = parse_points_csv("0\t0\t0.25\n1\t1\t-2\n", s)
    assert values.dataset == "custom_regression" and values.points == [(0.0, 0.0, 0.25), (1.0, 1.0, -2.0)]
    named = parse_points_csv("x,y,value\n0,0,0\n1,1,1\n", s)
    assert named.dataset == "custom_regression"  # the header says these are values


@pytest.mark.parametrize(
    "text, message, line, column",
    [
        (
            "x,y,c\n1,2,0\n1,2\n",
            "line 3: expected 3 values (x, y, class or value) separated by commas, found 2",
            3,
            None,
        ),
        ("1,2,0\n3,abc,1\n", "line 2: y 'abc' is not a number", 2, 3),
        ("1,2,0\n3,4,inf\n", "line 2: the class or value must be a finite number", 2, 5),
        ("1,2,0\n3,4,2\n", "line 2: class 2 is used but no point has class 1", 2, None),
        ("1,2,1\n3,4,1\n", "every point has class 1", None, None),
        ("1,2,0\n", "the file has 1 point; at least 2 are needed", None, None),
        ("x,y\n", "the file has 0 points", None, None),
    ],
)
def test_bad_csv_rows_are_named_by_line(text, message, line, column):
    got = parse_points_csv(text, Settings())
    assert got.error.startswith(message) and got.line == line and got.column == column and got.status == 400


def test_csv_limits_hold():
    text = "".join(f"{i},{i},{i % 2}\n" for i in range(12))
    got = parse_points_csv(text, Settings(max_custom_points=10))
    assert got.status == 413 and got.line == 11 and "max_custom_points" in got.error
