"""engine.train: the micrograd demo, gradients against finite differences, determinism, executors."""

from __future__ import annotations

import dataclasses
import math
import random
import sys
import types

import pytest

from engine.executor import EagerExecutor, LossSpec, batch_loss, outputs
from engine.losses import LOSSES, REGULARIZATIONS, encode_target, predicted_class, sample_loss
from engine.neuron_graph import collapse, find_neurons, input_values
from engine.nn import MLP
from engine.optim import OPTIMIZERS
from engine.settings import Settings
from engine.train import TrainConfig, Trainer, class_one_share
from engine.value import Value

SMALL = {"n_points": 20, "hidden": (4,), "seed": 7, "executor": "eager"}

# micrograd's demo.ipynb prints these for its first three steps (same points, weights and loss).
DEMO_PRINTED_LOSSES = [0.8958441028683222, 1.7235905336972022, 0.7429006313851131]
DEMO_PRINTED_ACCURACIES = [0.50, 0.81, 0.77]


def without_time(history):
    return [dataclasses.replace(m, step_seconds=0.0) for m in history]


def copy_of(trainer: Trainer) -> MLP:
    """A separate MLP with the trainer's current parameters."""
    c = trainer.config
    model = MLP(2, [*c.hidden, len(trainer.model.layers[-1].neurons)], activation=c.activation)
    for p, q in zip(model.parameters(), trainer.model.parameters()):
        p.data = q.data
    return model


# ------------------------------------------------------------------ the demo and micrograd itself


def test_the_micrograd_demo_reaches_full_training_accuracy_with_the_eager_executor():
    trainer = Trainer(TrainConfig(executor="eager"))
    assert trainer.executor_name == "eager" and trainer.fallback_reason is None
    n_params = sum(len(n.weights) + 1 for layer in trainer.network() for n in layer)
    assert n_params == 337
    while trainer.step_count < 100 and (not trainer.history or trainer.history[-1].train_accuracy < 1.0):
        trainer.step()
    assert trainer.history[-1].train_accuracy == 1.0, f"not 100% after {trainer.step_count} steps"
    first = trainer.history[:3]
    assert [m.train_loss for m in first] == pytest.approx(DEMO_PRINTED_LOSSES, rel=1e-12)
    assert [m.train_accuracy for m in first] == DEMO_PRINTED_ACCURACIES
    assert [m.learning_rate for m in first] == pytest.approx([1.0, 0.991, 0.982])
    assert trainer.history[-1].train_loss < trainer.history[0].train_loss


def test_steps_match_the_micrograd_package():
    from micrograd import engine as mg_engine
    from micrograd import nn as mg_nn

    trainer = Trainer(TrainConfig(**SMALL))
    data = trainer.dataset
    state = random.getstate()
    random.seed(SMALL["seed"])  # micrograd's MLP draws from the global random, as in demo.ipynb
    model = mg_nn.MLP(2, [4, 1])
    random.setstate(state)
    ys = [c * 2 - 1 for c in data.y_train]
    ours = [*trainer.history, *trainer.step(4)]  # the model at steps 0..4, as micrograd prints them
    for k, metrics in enumerate(ours):
        scores = [model([mg_engine.Value(v) for v in x]) for x in data.X_train]
        losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
        total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        accuracy = sum((yi > 0) == (s.data > 0) for yi, s in zip(ys, scores)) / len(ys)
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        assert metrics.train_loss == pytest.approx(total.data, rel=1e-12)
        assert metrics.train_accuracy == accuracy
    trainer.step()
    assert [p.data for p in trainer.model.parameters()] == pytest.approx(
        [p.data for p in model.parameters()], rel=1e-10, abs=1e-12
    )


# ------------------------------------------------------------------ gradients and updates


def tiny_config(loss: str, regularization: str, optimizer: str, activation: str = "relu") -> TrainConfig:
    multi = loss == "softmax_ce"
    return TrainConfig(
        dataset="blobs" if multi else "moons",
        n_classes=3 if multi else 2,
        n_points=6,
        hidden=(3,),
        activation=activation,
        loss=loss,
        regularization=regularization,
        reg_strength=0.05,
        optimizer=optimizer,
        learning_rate=0.1,
        schedule="constant",
        seed=3,
        executor="eager",
    )


def finite_difference_grads(trainer: Trainer, h: float = 1e-6) -> list[float]:
    """d loss / d p for every parameter, recomputing the loss through the eager graph."""
    spec = trainer.spec
    X = trainer.dataset.X_train
    targets = [encode_target(spec.loss, c, trainer.dataset.n_classes) for c in trainer.dataset.y_train]
    grads = []
    for p in trainer.model.parameters():
        saved = p.data
        p.data = saved + h
        up = batch_loss(trainer.model, X, targets, spec)[0].data
        p.data = saved - h
        down = batch_loss(trainer.model, X, targets, spec)[0].data
        p.data = saved
        grads.append((up - down) / (2 * h))
    return grads


def flat_grads(trainer: Trainer) -> list[float]:
    return [g for layer in trainer.network() for n in layer for g in [*n.weight_grads, n.bias_grad]]


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("regularization", REGULARIZATIONS)
@pytest.mark.parametrize("loss", LOSSES)
def test_step_gradients_match_finite_differences_and_the_update_rule(loss, regularization, optimizer):
    trainer = Trainer(tiny_config(loss, regularization, optimizer))
    expected = finite_difference_grads(trainer)
    before = [p.data for p in trainer.model.parameters()]
    assert flat_grads(trainer) == [0.0] * len(before)
    metrics = trainer.step()[0]
    grads = flat_grads(trainer)
    assert grads == pytest.approx(expected, rel=1e-5, abs=1e-7)
    assert any(abs(g) > 1e-3 for g in grads)
    lr = metrics.learning_rate
    if optimizer == "adam":  # the first Adam step is lr * g / (|g| + eps)
        moved = [p - lr * g / (abs(g) + 1e-8) for p, g in zip(before, grads)]
    else:  # plain SGD and the first momentum step
        moved = [p - lr * g for p, g in zip(before, grads)]
    assert [p.data for p in trainer.model.parameters()] == pytest.approx(moved, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "linear"])
def test_other_activations_match_finite_differences(activation):
    trainer = Trainer(tiny_config("softmax_ce", "l2", "sgd", activation))
    expected = finite_difference_grads(trainer)
    trainer.step()
    assert flat_grads(trainer) == pytest.approx(expected, rel=1e-5, abs=1e-7)


# ------------------------------------------------------------------ determinism, batches, reset


def test_same_seed_and_config_give_identical_numbers():
    config = TrainConfig(**{**SMALL, "optimizer": "adam", "test_fraction": 0.25, "learning_rate": 0.05})
    a, b = Trainer(config), Trainer(config)
    a.step(4)
    b.step(2)
    b.step(2)
    assert without_time(a.history) == without_time(b.history)
    assert [p.data for p in a.model.parameters()] == [p.data for p in b.model.parameters()]
    other = Trainer(dataclasses.replace(config, seed=8))
    other.step(4)
    assert without_time(other.history) != without_time(a.history)


def test_mini_batches_are_seeded_and_accuracy_is_on_the_whole_training_set():
    config = TrainConfig(**{**SMALL, "batch_size": 5})
    a, b = Trainer(config), Trainer(config)
    before = a.evaluate()
    first = a.step()[0]
    assert first.train_accuracy == before.train_accuracy  # whole set, before the update
    assert first.train_loss != before.train_loss  # the loss is the batch's
    a.step(3)
    b.step(4)
    assert without_time(a.history) == without_time(b.history)
    full = Trainer(TrainConfig(**SMALL))
    full.step(4)
    assert [m.train_loss for m in full.history] != [m.train_loss for m in a.history]
    a.reset()
    a.step(4)
    assert without_time(a.history) == without_time(b.history)


def test_a_batch_as_big_as_the_training_set_is_full_batch():
    a = Trainer(TrainConfig(**{**SMALL, "batch_size": 500}))
    b = Trainer(TrainConfig(**SMALL))
    assert without_time(a.step(3)) == without_time(b.step(3))


def test_reset_goes_back_to_step_zero_with_the_same_seed():
    trainer = Trainer(TrainConfig(**{**SMALL, "optimizer": "momentum", "learning_rate": 0.1}))
    model = trainer.model
    initial = [p.data for p in model.parameters()]
    first = without_time(trainer.step(3))
    trainer.reset()
    assert trainer.step_count == 0 and [m.step for m in trainer.history] == [0]
    assert [p.data for p in model.parameters()] == initial and trainer.model is model
    assert all(g == 0.0 for g in flat_grads(trainer))
    assert without_time(trainer.step(3)) == first  # momentum starts afresh too


def test_evaluate_measures_without_stepping():
    trainer = Trainer(TrainConfig(**{**SMALL, "test_fraction": 0.3}))
    params = [p.data for p in trainer.model.parameters()]
    before = trainer.evaluate()
    assert trainer.step_count == 0 and [p.data for p in trainer.model.parameters()] == params
    assert without_time([before]) == without_time(trainer.history)  # step 0 is measured at the start
    step = trainer.step()[0]
    after = trainer.evaluate()
    assert step.step == after.step == 1 and before.step == 0
    for field in ("train_loss", "data_loss", "test_loss", "train_accuracy", "test_accuracy", "learning_rate"):
        assert getattr(step, field) == getattr(after, field), field  # a step's metrics are of its result
    assert after.train_loss != before.train_loss


def test_test_metrics_are_the_test_splits():
    trainer = Trainer(TrainConfig(**{**SMALL, "test_fraction": 0.3}))
    data = trainer.dataset
    assert len(data.X_test) == 6
    scores = EagerExecutor().predict(copy_of(trainer), data.X_test)
    accuracy = sum(predicted_class("hinge", s) == c for s, c in zip(scores, data.y_test)) / 6
    losses = [max(0.0, 1 - (1 if c == 1 else -1) * s[0]) for s, c in zip(scores, data.y_test)]
    m = trainer.history[0]  # the untrained model's, whose scores these are
    assert m.test_accuracy == accuracy and m.test_loss == pytest.approx(sum(losses) / 6, rel=1e-12)
    no_test = Trainer(TrainConfig(**SMALL)).step()[0]
    assert no_test.test_loss is None and no_test.test_accuracy is None


def test_step_counts_and_refuses_bad_counts():
    trainer = Trainer(TrainConfig(**SMALL))
    assert [m.step for m in trainer.step(3)] == [1, 2, 3] and trainer.step_count == 3
    assert trainer.history[0].step_seconds == 0 and all(m.step_seconds > 0 for m in trainer.history[1:])
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="steps"):
            trainer.step(bad)


# ------------------------------------------------------------------ boundary, network, sample graph


def test_boundary_grid_covers_the_points_and_agrees_with_predict():
    trainer = Trainer(TrainConfig(**{**SMALL, "test_fraction": 0.2}))
    trainer.step(3)
    b = trainer.boundary(7)
    assert b.resolution == 7 and len(b.values) == len(b.classes) == 7
    assert all(len(row) == 7 for row in b.values + b.classes)
    points = trainer.dataset.X_train + trainer.dataset.X_test
    assert all(b.x_min < x < b.x_max and b.y_min < y < b.y_max for x, y in points)
    assert b.x_max - b.x_min == pytest.approx(b.y_max - b.y_min)  # square: no stretched picture
    assert all(0.0 <= v <= 1.0 for row in b.values for v in row)
    assert {c for row in b.classes for c in row} <= {0, 1}
    dx = (b.x_max - b.x_min) / 7
    dy = (b.y_max - b.y_min) / 7
    for iy, ix in [(0, 0), (3, 5), (6, 6)]:
        score = EagerExecutor().predict(
            copy_of(trainer), [(b.x_min + (ix + 0.5) * dx, b.y_min + (iy + 0.5) * dy)]
        )
        assert b.values[iy][ix] == class_one_share("hinge", score[0])
        assert b.classes[iy][ix] == predicted_class("hinge", score[0]) == (b.values[iy][ix] > 0.5)


def test_multiclass_boundary_values_are_the_predicted_classes():
    trainer = Trainer(tiny_config("softmax_ce", "l2", "sgd"))
    b = trainer.boundary(5)
    assert [[float(c) for c in row] for row in b.classes] == b.values
    assert {c for row in b.classes for c in row} <= {0, 1, 2}


def test_class_one_share():
    assert class_one_share("bce", [0.0]) == 0.5 and class_one_share("bce", [2.0]) == pytest.approx(
        1 / (1 + math.exp(-2))
    )
    assert class_one_share("bce", [-800.0]) == 0.0
    assert class_one_share("hinge", [0.0]) == 0.5 and class_one_share("mse", [3.0]) == 1.0
    assert class_one_share("hinge", [-0.5]) == 0.25
    assert math.isnan(class_one_share("hinge", [math.nan]))


@pytest.mark.parametrize("resolution", [0, 201, 2.5, True])
def test_boundary_resolution_is_limited(resolution):
    with pytest.raises(ValueError, match="max_boundary_resolution"):
        Trainer(TrainConfig(**SMALL)).boundary(resolution)


def test_network_has_every_neuron_with_the_last_steps_gradients():
    trainer = Trainer(TrainConfig(**{**SMALL, "hidden": (3, 5)}))
    model = copy_of(trainer)
    expected = EagerExecutor().loss_and_grads(
        model,
        trainer.dataset.X_train,
        [encode_target("hinge", c, 2) for c in trainer.dataset.y_train],
        trainer.spec,
    )
    trainer.step()
    layers = trainer.network()
    assert [len(layer) for layer in layers] == [3, 5, 1]
    assert [len(n.weights) for layer in layers for n in layer[:1]] == [2, 3, 5]
    assert [n.activation for layer in layers for n in layer[:1]] == ["relu", "relu", "linear"]
    assert flat_grads(trainer) == expected.grads
    params = [w for layer in layers for n in layer for w in [*n.weights, n.bias]]
    assert params == [p.data for p in trainer.model.parameters()]


def test_sample_graph_is_one_datapoints_loss_with_labels_and_grads():
    trainer = Trainer(TrainConfig(**{**SMALL, "test_fraction": 0.25}))
    trainer.step(2)
    step_grads = flat_grads(trainer)
    params = [p.data for p in trainer.model.parameters()]
    for split, X, y in [
        ("train", trainer.dataset.X_train, trainer.dataset.y_train),
        ("test", trainer.dataset.X_test, trainer.dataset.y_test),
    ]:
        root = trainer.sample_graph(1, split)
        labels = {v.label for v in root.topo()}
        assert {
            "x1",
            "x2",
            "w0.0.0",
            "w0.3.1",
            "b0.2",
            "act0.1",
            "h0.3",
            "w1.0.3",
            "b1.0",
            "score",
            "loss",
        } <= labels
        assert root.label == "loss" and root.grad == 1.0
        fresh = copy_of(trainer)
        fresh_root = sample_loss(
            "hinge", outputs(fresh, [Value(v) for v in X[1]]), encode_target("hinge", y[1], 2)
        )
        fresh_root.backward()
        assert root.data == fresh_root.data
        assert [p.grad for p in trainer.model.parameters()] == [p.grad for p in fresh.parameters()]
        x1 = next(v for v in root.topo() if v.label == "x1")
        assert x1.data == X[1][0]
    assert flat_grads(trainer) == step_grads and [p.data for p in trainer.model.parameters()] == params
    # The page collapses it to one node per neuron: the shape engine.neuron_graph expects.
    root = trainer.sample_graph(0)
    neurons = find_neurons(root, trainer.model)
    graph = collapse(root, neurons, ["relu", "linear"], input_values(neurons, "relu"), "hinge", [1.0])
    assert [n.label for n in graph.nodes][:3] == ["x1", "x2", "h0.0"] and graph.nodes[-1].data == root.data


def test_sample_graph_with_several_outputs_labels_each_score():
    trainer = Trainer(tiny_config("softmax_ce", "none", "sgd"))
    labels = {v.label for v in trainer.sample_graph(0).topo()}
    assert {"score0", "score1", "score2", "loss"} <= labels and "score" not in labels


@pytest.mark.parametrize(
    "index, split", [(-1, "train"), (20, "train"), (0, "test"), (0, "valid"), (True, "train")]
)
def test_sample_graph_refuses_bad_points(index, split):
    trainer = Trainer(TrainConfig(**SMALL))
    with pytest.raises(ValueError, match="split" if split == "valid" else "index"):
        trainer.sample_graph(index, split)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"dataset": "mnist"}, "dataset: must be one of"),
        ({"dataset": "lecture", "test_fraction": 0.5}, "test_fraction: the lecture's set is its 4 training"),
        ({"n_points": 1}, "n_points: must be at least 2"),
        ({"n_points": 1_001}, r"n_points: must be at most 1000 \(max_dataset_points\)"),
        ({"noise": -1.0}, "noise"),
        ({"noise": math.nan}, "noise: must be a finite number"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"n_classes": 11, "dataset": "blobs"}, r"n_classes: must be at most 10 \(max_classes\)"),
        ({"n_classes": 3, "dataset": "blobs"}, "loss: 'hinge' separates 2 classes"),
        ({"dataset": "custom"}, "points: the 'custom' dataset needs at least one point"),
        ({"dataset": "custom", "points": ((0.0, 0.0, 0),) * 501}, r"max_custom_points"),
        ({"dataset": "custom", "points": ((0.0, 0.0, 0), (1.0, 1.0, 11))}, r"points\[1\]|no point has class"),
        ({"hidden": (4,) * 7}, r"hidden: 7 hidden layers, more than the limit of 6 \(max_hidden_layers\)"),
        ({"hidden": (4, 33)}, r"hidden\[1\]: must be at most 32 \(max_layer_width\)"),
        ({"hidden": (0,)}, r"hidden\[0\]: must be at least 1"),
        ({"hidden": "16"}, "hidden: must be a list"),
        ({"activation": "gelu"}, "activation: must be one of relu, tanh, sigmoid, linear"),
        ({"loss": "l1"}, "loss: must be one of"),
        ({"regularization": "l3"}, "regularization: must be one of"),
        ({"reg_strength": -0.1}, "reg_strength: must be 0 or more"),
        ({"optimizer": "rmsprop"}, "optimizer: must be one of sgd, momentum, adam"),
        ({"learning_rate": 0.0}, "learning_rate: must be more than 0"),
        ({"learning_rate": math.inf}, "learning_rate: must be a finite number"),
        ({"momentum": 1.0}, "momentum: must be at least 0 and less than 1"),
        ({"schedule": "step"}, "schedule: must be one of constant, linear, cosine"),
        ({"total_steps": 0}, "total_steps: must be at least 1"),
        ({"batch_size": 0}, "batch_size: must be at least 1"),
        ({"seed": -1}, "seed: must be at least 0"),
        ({"seed": 2**32}, "seed: must be at most 4294967295"),
        ({"executor": "gpu"}, "executor: must be one of auto, compiled, eager"),
    ],
)
def test_validate_names_the_field_and_limit(changes, message):
    config = TrainConfig(**changes)
    with pytest.raises(ValueError, match=message):
        config.validate(Settings())
    with pytest.raises(ValueError, match=message):
        Trainer(config, settings=Settings())


def test_validate_uses_the_given_settings():
    config = TrainConfig(n_points=50, hidden=(8, 8))
    config.validate(Settings())
    with pytest.raises(ValueError, match=r"n_points: must be at most 40 \(max_dataset_points\)"):
        config.validate(Settings(max_dataset_points=40))
    with pytest.raises(ValueError, match=r"max_layer_width"):
        config.validate(Settings(max_layer_width=4))


def test_multiclass_custom_points_train_with_softmax():
    points = ((0.0, 0.0, 0), (1.0, 0.0, 1), (0.0, 1.0, 2), (1.0, 1.0, 0))
    trainer = Trainer(
        TrainConfig(
            dataset="custom", points=points, n_points=1, loss="softmax_ce", hidden=(4,), executor="eager"
        )
    )
    assert trainer.dataset.n_classes == 3 and len(trainer.model.layers[-1].neurons) == 3  # n_points unused
    trainer.step(3)
    assert math.isfinite(trainer.history[-1].train_loss)


# ------------------------------------------------------------------ executors


def install_fake_compiled(monkeypatch, supports=None, fail=False):
    """A stand-in engine.compiled: the eager executor under another name, that may refuse or fail."""
    module = types.ModuleType("engine.compiled")

    class CaptureError(Exception):
        pass

    class CompiledExecutor(EagerExecutor):
        name = "compiled"
        calls = 0

        def supports(self, model, spec):
            assert isinstance(model, MLP) and isinstance(spec, LossSpec)
            return supports

        def loss_and_grads(self, model, X, targets, spec):
            if fail:
                raise CaptureError("this graph cannot be captured")
            CompiledExecutor.calls += 1
            return super().loss_and_grads(model, X, targets, spec)

    module.CaptureError = CaptureError
    module.CompiledExecutor = CompiledExecutor
    monkeypatch.setitem(sys.modules, "engine.compiled", module)
    return CompiledExecutor


@pytest.mark.parametrize("executor", ["auto", "compiled"])
def test_without_the_compiled_executor_training_falls_back_to_eager(monkeypatch, executor):
    monkeypatch.setitem(sys.modules, "engine.compiled", None)  # makes the import fail
    trainer = Trainer(TrainConfig(**{**SMALL, "executor": executor}))
    assert trainer.executor_name == "eager"
    assert "compiled executor is not available" in trainer.fallback_reason
    eager = Trainer(TrainConfig(**SMALL))
    assert eager.fallback_reason is None
    assert without_time(trainer.step(2)) == without_time(eager.step(2))


def test_the_compiled_executor_is_used_when_it_supports_the_model(monkeypatch):
    fake = install_fake_compiled(monkeypatch)
    trainer = Trainer(TrainConfig(**{**SMALL, "executor": "auto"}))
    assert trainer.executor_name == "compiled" and trainer.fallback_reason is None
    trainer.step(2)
    # One forward and backward pass over the training set per step, and one for step 0's metrics:
    # a full-batch step reuses the pass that measured the model it starts from.
    assert fake.calls == 3
    assert Trainer(TrainConfig(**SMALL)).executor_name == "eager"  # asked for eager: eager


@pytest.mark.parametrize("executor", ["auto", "compiled"])
def test_a_model_the_compiled_executor_refuses_trains_eagerly_with_the_reason(monkeypatch, executor):
    install_fake_compiled(monkeypatch, supports="sigmoid is not compiled")
    trainer = Trainer(TrainConfig(**{**SMALL, "executor": executor}))
    assert trainer.executor_name == "eager"
    assert "sigmoid is not compiled" in trainer.fallback_reason


def test_a_capture_error_during_a_step_falls_back_and_the_step_still_happens(monkeypatch):
    install_fake_compiled(monkeypatch, fail=True)
    trainer = Trainer(TrainConfig(**{**SMALL, "executor": "auto"}))
    # Measuring step 0 is its first pass: it fails there, and the run goes on eagerly.
    assert trainer.executor_name == "eager" and "cannot be captured" in trainer.fallback_reason
    metrics = trainer.step(2)
    assert without_time(metrics) == without_time(Trainer(TrainConfig(**SMALL)).step(2))


def test_any_executor_can_be_passed_in():
    class Counting(EagerExecutor):
        name = "counting"
        predictions = 0

        def predict(self, model, X):
            Counting.predictions += len(X)
            return super().predict(model, X)

    trainer = Trainer(TrainConfig(**SMALL), executor=Counting())
    assert trainer.executor_name == "counting" and trainer.fallback_reason is None
    trainer.boundary(4)
    assert Counting.predictions == 16


# ------------------------------------------------------------------ the lecture's 3-feature set

LECTURE = dict(
    dataset="lecture",
    hidden=(4, 4),
    activation="tanh",
    loss="mse",
    regularization="none",
    reg_strength=0.0,
    optimizer="sgd",
    learning_rate=0.05,
    schedule="constant",
)


@pytest.mark.parametrize("executor", ["eager", "compiled"])
def test_the_lecture_set_trains_to_full_accuracy_on_a_three_input_mlp(executor):
    trainer = Trainer(TrainConfig(**LECTURE, executor=executor))
    assert [len(layer.neurons) for layer in trainer.model.layers] == [4, 4, 1]
    assert all(len(n.w) == 3 for n in trainer.model.layers[0].neurons)
    history = trainer.step(100)
    assert history[-1].train_accuracy == 1.0 and history[-1].test_accuracy is None
    assert history[-1].train_loss < 0.01 < history[0].train_loss
    scores = trainer.scores()
    assert [predicted_class("mse", s) for s in scores] == trainer.dataset.y_train
    assert trainer.evaluate().train_accuracy == 1.0


def test_the_lecture_set_has_no_decision_boundary():
    trainer = Trainer(TrainConfig(**LECTURE, executor="eager"))
    with pytest.raises(ValueError, match="the lecture set has 3 features: there is no 2-D decision boundary"):
        trainer.boundary(10)


def test_compiled_equals_eager_on_the_lecture_set():
    eager = Trainer(TrainConfig(**LECTURE, executor="eager"))
    compiled = Trainer(TrainConfig(**LECTURE, executor="compiled"))
    assert compiled.executor_name == "compiled" and compiled.fallback_reason is None
    for a, b in zip(eager.step(30), compiled.step(30)):
        assert a.train_loss == pytest.approx(b.train_loss, rel=1e-9, abs=1e-12)
        assert a.train_accuracy == b.train_accuracy
    for p, q in zip(eager.model.parameters(), compiled.model.parameters()):
        assert p.data == pytest.approx(q.data, rel=1e-9, abs=1e-12)


def test_the_lecture_set_is_deterministic_and_its_sample_graph_has_three_inputs():
    a, b = Trainer(TrainConfig(**LECTURE)), Trainer(TrainConfig(**LECTURE))
    assert [m.train_loss for m in a.step(5)] == [m.train_loss for m in b.step(5)]
    root = a.sample_graph(2)
    labels = {v.label for v in root.topo()}
    assert {"x1", "x2", "x3", "score", "loss"} <= labels and "x4" not in labels
    outputs = find_neurons(root, a.model)
    inputs = input_values(outputs, "tanh")
    assert [x.data for x in inputs] == [0.5, 1.0, 1.0]
    graph = collapse(root, outputs, ["tanh", "tanh", "linear"], inputs, "mse", [-1.0])
    assert [n.id for n in graph.nodes if n.kind == "input"] == ["x1", "x2", "x3"]
    assert sum(e.source == "x3" for e in graph.edges) == 4
    network = a.network()
    assert [len(n.weights) for n in network[0]] == [3, 3, 3, 3]
