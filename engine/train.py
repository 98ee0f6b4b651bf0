"""Training an MLP on a small dataset, one optimizer step at a time, as micrograd's demo does.

``TrainConfig()`` is the demo: 100 moons with noise 0.1, ``MLP(2, [16, 16, 1])`` with ReLU, hinge
loss plus 1e-4 L2, SGD at ``1.0 - 0.9 * k / 100``, full batch, seed 1337 (the demo's weights and
points). The ``Trainer`` asks an executor for the loss and gradients of each batch and applies the
optimizer itself, so the eager ``Value`` graph and a compiled executor are interchangeable.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine import datasets
from engine.datasets import DATASETS, MAX_NOISE, MAX_SEED, Dataset, make_dataset
from engine.executor import EagerExecutor, Executor, LossSpec, StepResult
from engine.history import History
from engine.losses import LOSSES, REGULARIZATIONS, encode_target, n_outputs, predicted_class, sample_loss
from engine.nn import ACTIVATIONS, MLP
from engine.optim import OPTIMIZERS, SCHEDULES, make_optimizer, scheduled_rate
from engine.settings import Settings, settings
from engine.value import Value

EXECUTORS = ("auto", "compiled", "eager")
BINARY_LOSSES = ("hinge", "mse", "bce")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on; the same config gives the same numbers, step for step."""

    dataset: str = "moons"
    n_points: int = 100
    noise: float = 0.1
    test_fraction: float = 0.0
    n_classes: int = 2  # blobs and spiral only; the other generated sets have 2 classes
    points: tuple[tuple[float, float, int], ...] | None = None  # the 'custom' dataset: (x, y, class)
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    loss: str = "hinge"
    regularization: str = "l2"
    reg_strength: float = 1e-4
    optimizer: str = "sgd"  # sgd | momentum | adam
    learning_rate: float = 1.0
    momentum: float = 0.9  # the 'momentum' optimizer's
    schedule: str = "linear"  # constant | linear (the demo's) | cosine
    total_steps: int = 100  # horizon of the schedules
    batch_size: int | None = None  # None (or at least the training set) = full batch
    seed: int = 1337  # the dataset, the initial weights and the mini-batches
    executor: str = "auto"  # auto | compiled | eager

    def n_dataset_classes(self) -> int:
        """How many classes the dataset will have (checks custom points first)."""
        if self.dataset == "custom":
            return datasets.check_points(self.points or ())
        return self.n_classes if self.dataset in datasets.MULTICLASS else 2

    def validate(self, settings: Settings = settings) -> None:
        """Raise ValueError naming the first bad field (and the settings limit it breaks, if any)."""
        _one_of("dataset", self.dataset, DATASETS)
        if self.dataset == "lecture" and self.test_fraction != 0:
            make_dataset("lecture", test_fraction=self.test_fraction)  # raises, saying why
        if self.dataset != "custom":  # custom points are counted against max_custom_points instead
            _int_in("n_points", self.n_points, 2, settings.max_dataset_points, "max_dataset_points")
        _number_in("noise", self.noise, 0.0, MAX_NOISE)
        _number("test_fraction", self.test_fraction)
        if not 0 <= self.test_fraction < 1:
            raise ValueError(f"test_fraction: must be at least 0 and less than 1, not {self.test_fraction!r}")
        _int_in("n_classes", self.n_classes, 2, settings.max_classes, "max_classes")
        if self.points is not None and len(self.points) > settings.max_custom_points:
            raise ValueError(
                f"points: {len(self.points)} custom points, more than the limit of "
                f"{settings.max_custom_points} (max_custom_points)"
            )
        k = self.n_dataset_classes()
        if k > settings.max_classes:
            raise ValueError(
                f"points: {k} classes, more than the limit of {settings.max_classes} (max_classes)"
            )
        if self.dataset in datasets.MULTICLASS and self.n_classes > self.n_points:
            raise ValueError(
                f"n_classes: {self.n_classes} classes need at least as many points, not {self.n_points}"
            )
        if isinstance(self.hidden, (str, bytes)) or not isinstance(self.hidden, Sequence):
            raise ValueError(f"hidden: must be a list of layer widths, not {self.hidden!r}")
        if len(self.hidden) > settings.max_hidden_layers:
            raise ValueError(
                f"hidden: {len(self.hidden)} hidden layers, more than the limit of "
                f"{settings.max_hidden_layers} (max_hidden_layers)"
            )
        for i, width in enumerate(self.hidden):
            _int_in(f"hidden[{i}]", width, 1, settings.max_layer_width, "max_layer_width")
        _one_of("activation", self.activation, ACTIVATIONS)
        _one_of("loss", self.loss, LOSSES)
        if k > 2 and self.loss in BINARY_LOSSES:
            raise ValueError(
                f"loss: {self.loss!r} separates 2 classes and this dataset has {k}; use softmax_ce"
            )
        _one_of("regularization", self.regularization, REGULARIZATIONS)
        _number("reg_strength", self.reg_strength)
        if self.reg_strength < 0:
            raise ValueError(f"reg_strength: must be 0 or more, not {self.reg_strength!r}")
        _one_of("optimizer", self.optimizer, OPTIMIZERS)
        _number("learning_rate", self.learning_rate)
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate: must be more than 0, not {self.learning_rate!r}")
        _number("momentum", self.momentum)
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum: must be at least 0 and less than 1, not {self.momentum!r}")
        _one_of("schedule", self.schedule, SCHEDULES)
        _int_in("total_steps", self.total_steps, 1, None, None)
        if self.batch_size is not None:
            _int_in("batch_size", self.batch_size, 1, None, None)
        _int_in("seed", self.seed, 0, MAX_SEED, None)
        _one_of("executor", self.executor, EXECUTORS)


@dataclass(frozen=True)
class Metrics:
    """One step: the loss of its batch and the accuracies, all before its update (as the demo prints)."""

    step: int  # steps taken, this one included
    train_loss: float  # data_loss + regularization, on the step's batch
    data_loss: float
    test_loss: float | None  # mean data loss on the test split; None without one
    train_accuracy: float  # on the whole training set
    test_accuracy: float | None
    learning_rate: float  # the rate this step used
    step_seconds: float  # gradients plus update (the metrics' extra predictions are not counted)


@dataclass(frozen=True)
class Boundary:
    """The model over a grid of cell centres covering the data; row-major ``[iy][ix]``, y upwards."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    resolution: int
    values: list[list[float]]  # binary: P(class 1) in [0, 1] (see ``class_one_share``); else the class
    classes: list[list[int]]


@dataclass(frozen=True)
class NeuronState:
    weights: list[float]
    bias: float
    weight_grads: list[float]  # of the last step's batch (0 before the first step)
    bias_grad: float
    activation: str


class Trainer:
    """One training run: the dataset, the model, the optimizer and the metrics of every step."""

    def __init__(self, config: TrainConfig, executor: Executor | None = None, settings: Settings = settings):
        config.validate(settings)
        self.config = config
        self.settings = settings
        self.dataset: Dataset = make_dataset(
            config.dataset,
            n_points=config.n_points,
            noise=config.noise,
            seed=config.seed,
            test_fraction=config.test_fraction,
            n_classes=config.n_classes,
            points=config.points,
        )
        self.spec = LossSpec(config.loss, config.regularization, config.reg_strength)
        n_classes = self.dataset.n_classes
        self._train_targets = [encode_target(config.loss, c, n_classes) for c in self.dataset.y_train]
        self._test_targets = [encode_target(config.loss, c, n_classes) for c in self.dataset.y_test]
        self.model = self._fresh_model()
        self._params = self.model.parameters()
        for layer_index, layer in enumerate(self.model.layers):  # the names neuron_graph uses
            for neuron_index, neuron in enumerate(layer.neurons):
                neuron.b.label = f"b{layer_index}.{neuron_index}"
                for i, w in enumerate(neuron.w):
                    w.label = f"w{layer_index}.{neuron_index}.{i}"
        self.fallback_reason: str | None = None
        self._capture_errors: tuple[type[Exception], ...] = ()
        self.executor = executor if executor is not None else self._choose_executor()
        self.reset()

    @property
    def executor_name(self) -> str:
        return self.executor.name

    # ---------------------------------------------------------------- training

    def reset(self) -> None:
        """Back to step 0: the initial weights, a fresh optimizer, the same mini-batch sequence."""
        # In place, so the model (and anything an executor keeps about it) stays the same object.
        for p, q in zip(self._params, self._fresh_model().parameters()):
            p.data, p.grad = q.data, 0.0
        self.optimizer = make_optimizer(self.config.optimizer, self.config.momentum)
        self._batch_rng = random.Random(f"batches:{self.config.seed}")
        self._grads = [0.0] * len(self._params)
        self.step_count = 0
        # Bounded: the latest steps exact, older ones thinned (engine/history.py)
        self.history: History[Metrics] = History(self.settings.max_history_points)

    def step(self, n: int = 1) -> list[Metrics]:
        """Take ``n`` optimizer steps; one Metrics each (also appended to ``history``)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"steps: must be a positive integer, not {n!r}")
        return [self._one_step() for _ in range(n)]

    def scores(self) -> list[list[float]]:
        """The model's outputs on every training point, at the current parameters."""
        return self._predict(self.dataset.X_train)

    def evaluate(self) -> Metrics:
        """The metrics at the current parameters on the whole training set, without stepping."""
        data = self.dataset
        result = self._loss_and_grads(data.X_train, self._train_targets)
        test_loss, test_accuracy = self._test_metrics()
        return Metrics(
            step=self.step_count,
            train_loss=result.loss,
            data_loss=result.data_loss,
            test_loss=test_loss,
            train_accuracy=self._accuracy(result.scores, data.y_train),
            test_accuracy=test_accuracy,
            learning_rate=self._rate(self.step_count),
            step_seconds=0.0,
        )

    def _one_step(self) -> Metrics:
        data = self.dataset
        lr = self._rate(self.step_count)
        X, targets, labels = self._next_batch()
        started = time.perf_counter()
        result = self._loss_and_grads(X, targets)
        seconds = time.perf_counter() - started
        # Measured before the update, like the loss: every number of this Metrics is of one model.
        if len(X) == len(data.X_train):
            train_accuracy = self._accuracy(result.scores, labels)
        else:
            train_accuracy = self._accuracy(self._predict(data.X_train), data.y_train)
        test_loss, test_accuracy = self._test_metrics()
        started = time.perf_counter()
        self.optimizer.step(self._params, result.grads, lr)
        seconds += time.perf_counter() - started
        self._grads = list(result.grads)
        self.step_count += 1
        metrics = Metrics(
            step=self.step_count,
            train_loss=result.loss,
            data_loss=result.data_loss,
            test_loss=test_loss,
            train_accuracy=train_accuracy,
            test_accuracy=test_accuracy,
            learning_rate=lr,
            step_seconds=seconds,
        )
        self.history.append(metrics)
        return metrics

    def _rate(self, step: int) -> float:
        c = self.config
        return scheduled_rate(c.schedule, c.learning_rate, step, c.total_steps)

    def _next_batch(self) -> tuple[list[tuple[float, ...]], list[list[float]], list[int]]:
        data = self.dataset
        n = len(data.X_train)
        size = self.config.batch_size
        if size is None or size >= n:
            return data.X_train, self._train_targets, data.y_train
        picked = self._batch_rng.sample(range(n), size)
        return (
            [data.X_train[i] for i in picked],
            [self._train_targets[i] for i in picked],
            [data.y_train[i] for i in picked],
        )

    def _accuracy(self, scores: Sequence[Sequence[float]], labels: Sequence[int]) -> float:
        hits = sum(predicted_class(self.config.loss, s) == c for s, c in zip(scores, labels))
        return hits / len(labels)

    def _test_metrics(self) -> tuple[float | None, float | None]:
        data = self.dataset
        if not data.X_test:
            return None, None
        scores = self._predict(data.X_test)
        losses = [
            sample_loss(self.config.loss, [Value(s) for s in row], t).data
            for row, t in zip(scores, self._test_targets)
        ]
        return sum(losses) / len(losses), self._accuracy(scores, data.y_test)

    # ---------------------------------------------------------------- pictures

    def boundary(self, resolution: int) -> Boundary:
        """The model on a ``resolution`` x ``resolution`` grid over a square around all the points.

        Only a 2-D dataset has such a picture: any other raises ValueError.
        """
        if self.dataset.n_features != 2:
            name = "the lecture set" if self.config.dataset == "lecture" else "this dataset"
            raise ValueError(
                f"{name} has {self.dataset.n_features} features: there is no 2-D decision boundary"
            )
        limit = self.settings.max_boundary_resolution
        if isinstance(resolution, bool) or not isinstance(resolution, int) or not 1 <= resolution <= limit:
            raise ValueError(
                f"resolution: must be an integer from 1 to {limit} (max_boundary_resolution), "
                f"not {resolution!r}"
            )
        x_min, x_max, y_min, y_max = self._plot_box()
        # numpy here: a 100 x 100 grid is 10,000 points, and per-point Python would cost more than
        # the compiled forward pass itself. Same rules as predicted_class and class_one_share.
        centers = (np.arange(resolution) + 0.5) / resolution
        xs, ys = np.meshgrid(x_min + centers * (x_max - x_min), y_min + centers * (y_max - y_min))
        scores = self._predict_array(np.column_stack([xs.ravel(), ys.ravel()]))
        loss = self.config.loss
        if loss == "softmax_ce":
            classes = np.argmax(np.where(np.isnan(scores), -np.inf, scores), axis=1)
        else:
            classes = (scores[:, 0] > 0).astype(int)
        if self.dataset.n_classes == 2:
            values = _class_one_shares(loss, scores[:, 0])
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

    def _plot_box(self) -> tuple[float, float, float, float]:
        """A square around every point with a margin, so a square picture is not stretched."""
        points = self.dataset.X_train + self.dataset.X_test
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        half = 0.65 * max(max(xs) - min(xs), max(ys) - min(ys)) + 0.1
        return cx - half, cx + half, cy - half, cy + half

    def network(self) -> list[list[NeuronState]]:
        """Every neuron's weights, bias and the gradients of the last step, per layer."""
        grads = iter(self._grads)  # model.parameters() order: each neuron's weights, then its bias
        layers = []
        for layer in self.model.layers:
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

    def sample_graph(self, index: int, split: str = "train") -> Value:
        """The eager graph of one datapoint's loss through the current model, after ``backward()``.

        It uses the model's own parameter Values (``engine.neuron_graph.find_neurons`` looks for
        them), so their ``grad`` ends up holding this datapoint's gradients; the last step's
        gradients stay available through ``network()``. Labels: x1, x2 (x3 for the lecture's set),
        w{L}.{N}.{i}, b{L}.{N}, act{L}.{N} (before the activation), h{L}.{N}, score (score{k} with
        several outputs), loss.
        """
        data = self.dataset
        if split not in ("train", "test"):
            raise ValueError(f"split: must be 'train' or 'test', not {split!r}")
        X, y = (data.X_train, data.y_train) if split == "train" else (data.X_test, data.y_test)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(X):
            raise ValueError(
                f"index: the {split} split has {len(X)} points, so 0..{len(X) - 1}, not {index!r}"
            )
        h: list[Value] = [Value(v, label=f"x{i + 1}") for i, v in enumerate(X[index])]
        last = len(self.model.layers) - 1
        for layer_index, layer in enumerate(self.model.layers):
            h = [neuron(h) for neuron in layer.neurons]  # what Layer.__call__ does, kept as a list
            for neuron_index, (neuron, out) in enumerate(zip(layer.neurons, h)):
                if neuron.activation != "linear":
                    out._prev[0].label = f"act{layer_index}.{neuron_index}"
                if layer_index < last:
                    out.label = f"h{layer_index}.{neuron_index}"
                else:
                    out.label = "score" if len(h) == 1 else f"score{neuron_index}"
        target = encode_target(self.config.loss, y[index], data.n_classes)
        root = sample_loss(self.config.loss, h, target)
        root.label = "loss"
        root.backward(zero_grad=True)
        return root

    # ---------------------------------------------------------------- executors

    def _fresh_model(self) -> MLP:
        c = self.config
        nout = n_outputs(c.loss, self.dataset.n_classes)
        return MLP(self.dataset.n_features, [*c.hidden, nout], activation=c.activation, seed=c.seed)

    def _choose_executor(self) -> Executor:
        """Eager when asked for; otherwise the compiled executor if it can run this model."""
        if self.config.executor == "eager":
            return EagerExecutor()
        try:
            from engine.compiled import CaptureError, CompiledExecutor
        except ImportError as exc:
            return self._fall_back(f"the compiled executor is not available ({exc})")
        try:
            compiled = CompiledExecutor()
            reason = compiled.supports(self.model, self.spec)
        except CaptureError as exc:
            reason = str(exc)
        if reason is not None:
            return self._fall_back(f"the compiled executor cannot run this model: {reason}")
        self._capture_errors = (CaptureError,)
        return compiled

    def _fall_back(self, reason: str) -> Executor:
        self.fallback_reason = reason
        self._capture_errors = ()
        self.executor = EagerExecutor()
        return self.executor

    def _loss_and_grads(self, X: Sequence[Sequence[float]], targets: Sequence[Sequence[float]]) -> StepResult:
        try:
            return self.executor.loss_and_grads(self.model, X, targets, self.spec)
        except self._capture_errors as exc:
            return self._fall_back(f"the compiled executor failed: {exc}").loss_and_grads(
                self.model, X, targets, self.spec
            )

    def _predict(self, X: Sequence[Sequence[float]]) -> list[list[float]]:
        try:
            return self.executor.predict(self.model, X)
        except self._capture_errors as exc:
            return self._fall_back(f"the compiled executor failed: {exc}").predict(self.model, X)

    def _predict_array(self, X: np.ndarray) -> np.ndarray:
        try:
            return self.executor.predict_array(self.model, X)
        except self._capture_errors as exc:
            return self._fall_back(f"the compiled executor failed: {exc}").predict_array(self.model, X)


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


def _class_one_shares(loss: str, scores: np.ndarray) -> np.ndarray:
    """``class_one_share`` of many scores at once."""
    if loss == "bce":
        with np.errstate(over="ignore"):
            e = np.exp(-np.abs(scores))  # never overflows: the stable sigmoid of class_one_share
        return np.where(scores >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return np.clip((scores + 1.0) / 2.0, 0.0, 1.0)


# ------------------------------------------------------------------ validation helpers


def _one_of(field: str, value: object, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"{field}: must be one of {', '.join(choices)}, not {value!r}")


def _number(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{field}: must be a finite number, not {value!r}")


def _number_in(field: str, value: object, low: float, high: float) -> None:
    _number(field, value)
    if not low <= value <= high:
        raise ValueError(f"{field}: must be from {low:g} to {high:g}, not {value!r}")


def _int_in(field: str, value: object, low: int, high: int | None, limit: str | None) -> None:
    """An integer in [low, high]; ``limit`` names the settings field that sets ``high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: must be an integer, not {value!r}")
    if value < low:
        raise ValueError(f"{field}: must be at least {low}, not {value}")
    if high is not None and value > high:
        why = f" ({limit})" if limit else ""
        raise ValueError(f"{field}: must be at most {high}{why}, not {value}")
