"""Training an MLP on a small dataset, one optimizer step at a time, as micrograd's demo does.

``TrainConfig()`` (engine/run_config.py) is the demo: 100 moons, ``MLP(2, [16, 16, 1])`` with
ReLU, hinge loss plus 1e-4 L2, SGD at ``1.0 - 0.9 * k / 100``, full batch, seed 1337 (the demo's
weights and points). The ``Trainer`` asks an executor for the loss and gradients of each batch and
applies the optimizer itself, so the eager ``Value`` graph and a compiled executor are
interchangeable.

``Metrics(step=k)`` describe the model after k steps, measured on the whole training set (and the
test split): step 0 is the untrained model, as the demo's ``step 0 loss ...`` line. With a full
batch the measuring costs nothing extra: it is the forward and backward pass the next step needs.

Beyond the demo: weight edits by hand (recorded, so time travel replays them), stop rules, and the
model of any past step (``at_step``), rebuilt from keyframes (engine/time_travel.py).
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from engine import train_views, work
from engine.datasets import Dataset, make_dataset
from engine.executor import EagerExecutor, Executor, LossSpec, StepResult
from engine.features import transform, transform_array
from engine.history import History
from engine.losses import encode_target, n_outputs, predicted_class, sample_loss
from engine.nn import MLP
from engine.optim import make_optimizer, scheduled_rate
from engine.run_config import TrainConfig
from engine.run_spec import SPEC
from engine.settings import Settings, settings
from engine.stop_rules import StopRules
from engine.time_travel import Keyframes, Snapshot, pack_optimizer, pack_rng, unpack_optimizer, unpack_rng
from engine.train_views import Boundary, NeuronState, class_one_share
from engine.value import Value

EXECUTORS = SPEC["executor"].values  # auto, compiled, eager

__all__ = ["Boundary", "Metrics", "NeuronState", "StopRules", "TrainConfig", "Trainer", "WeightEdit"]
__all__ += ["class_one_share"]


@dataclass(frozen=True)
class Metrics:
    """The model after ``step`` steps, on the whole training set and the test split."""

    step: int  # steps taken
    train_loss: float  # data_loss + regularization
    data_loss: float
    test_loss: float | None  # mean data loss on the test split; None without one
    train_accuracy: float | None  # None for a regression set
    test_accuracy: float | None
    learning_rate: float  # the schedule's rate at this step: what the next update uses (as the demo prints)
    step_seconds: float  # gradients plus update (measuring is not counted); 0 for step 0 and edits


@dataclass(frozen=True)
class WeightEdit:
    """A parameter set by hand at ``step`` (after that step's update, before the next)."""

    step: int
    layer: int
    neuron: int
    index: int | None  # the weight's input; None for the bias
    old: float
    new: float


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
        data = self.dataset
        if config.planar:  # the network's inputs are the chosen features of each point
            self.input_names: tuple[str, ...] = config.features
            self.inputs_train = transform(config.features, data.X_train)
            self.inputs_test = transform(config.features, data.X_test)
        else:
            self.input_names = tuple(f"x{i + 1}" for i in range(data.n_features))
            self.inputs_train, self.inputs_test = list(data.X_train), list(data.X_test)
        self.spec = LossSpec(config.loss, config.regularization, config.reg_strength)
        k = data.n_classes
        self._train_targets = [encode_target(config.loss, c, k) for c in data.y_train]
        self._test_targets = [encode_target(config.loss, c, k) for c in data.y_test]
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
        if self.executor.name == "eager":  # refused before step 0 is measured: that is the work itself
            n_train = len(data.X_train)
            layers = self.model.layers
            sizes = [len(layers[0].neurons[0].w)] + [len(layer.neurons) for layer in layers]
            batch = min(config.batch_size or n_train, n_train)
            work.check_eager_step(sizes, batch, n_train, len(data.X_test), settings.max_eager_work)
        self.stop_rules = StopRules()
        self.keyframes = Keyframes(settings.time_travel_bytes)
        self.reset()

    @property
    def executor_name(self) -> str:
        return self.executor.name

    @property
    def train_targets(self) -> list[list[float]]:
        """What the loss compares each training point's outputs with (engine.losses.encode_target)."""
        return self._train_targets

    def initial_model(self) -> MLP:
        """A new model with this run's weights at step 0 (before any hand edit)."""
        return self._fresh_model()

    @property
    def last_grads(self) -> list[float]:
        """The gradients of the last step's batch, in ``model.parameters()`` order (0 before it)."""
        return self._grads

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
        self.edits: list[WeightEdit] = []
        self.stopped: str | None = None  # why the last step() stopped early (a stop rule), if it did
        self._full: StepResult | None = None  # the whole training set's result at the current parameters
        self.keyframes.clear()
        self._keyframe()
        # Bounded: the latest steps exact, older ones thinned (engine/history.py); step 0 first.
        limit = self.settings.max_history_points
        self.history: History[Metrics] = History(limit, entries=[self._measure(0.0)])

    def step(self, n: int = 1) -> list[Metrics]:
        """Take ``n`` optimizer steps; one Metrics each (also appended to ``history``).

        It stops early after a step that meets a stop rule (``set_stop_rules``) that did not hold
        when it started; then ``stopped`` says why (else it is None).
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"steps: must be a positive integer, not {n!r}")
        self.stopped = None
        armed = self.stop_rules.armed(self._current()) if self.stop_rules.active else frozenset()
        taken = []
        for _ in range(n):
            taken.append(self._one_step())
            if armed:
                self.stopped = self.stop_rules.reached(taken[-1], armed)
                if self.stopped:
                    break
        return taken

    def set_stop_rules(self, rules: StopRules) -> None:
        self.stop_rules = rules

    def edit(self, layer: int, neuron: int, index: int | None, value: float) -> Metrics:
        """Set a weight (``index`` = its input) or the bias (``index`` None) by hand; the new metrics.

        The edit is recorded (``edits``), so replaying the run through this step repeats it.
        """
        param = self.parameter(layer, neuron, index)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"value: must be a finite number, not {value!r}")
        limit = self.settings.max_weight_edit
        if abs(value) > limit:
            raise ValueError(f"value: must be from -{limit:g} to {limit:g} (max_weight_edit), not {value!r}")
        self.edits.append(WeightEdit(self.step_count, layer, neuron, index, param.data, float(value)))
        param.data = float(value)
        self._full = None
        metrics = self._measure(0.0)
        if self.history and self.history[-1].step == self.step_count:
            self.history.replace_last(metrics)  # the same step, now with the edited weight
        else:
            self.history.append(metrics)
        return metrics

    def _current(self) -> Metrics:
        """The metrics of the current step (measured now if the history does not have them)."""
        if self.history and self.history[-1].step == self.step_count:
            return self.history[-1]
        return self.evaluate()

    def parameter(self, layer: int, neuron: int, index: int | None) -> Value:
        """The Value of a weight or (index None) a bias; ValueError naming the index that is out of range."""
        layers = self.model.layers
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(layers):
            raise ValueError(f"layer: the network has layers 0..{len(layers) - 1}, not {layer!r}")
        neurons = layers[layer].neurons
        if isinstance(neuron, bool) or not isinstance(neuron, int) or not 0 <= neuron < len(neurons):
            raise ValueError(f"neuron: layer {layer} has neurons 0..{len(neurons) - 1}, not {neuron!r}")
        unit = neurons[neuron]
        if index is None:
            return unit.b
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(unit.w):
            raise ValueError(
                f"index: neuron {layer}.{neuron} has weights 0..{len(unit.w) - 1}, not {index!r}"
            )
        return unit.w[index]

    def scores(self) -> list[list[float]]:
        """The model's outputs on every training point, at the current parameters."""
        return self._predict(self.inputs_train)

    def remeasure(self) -> None:
        """Measure the current parameters afresh (after they were set from outside, e.g. restored)."""
        self._full = None
        self._measure(0.0)

    def evaluate(self) -> Metrics:
        """The metrics at the current parameters, without stepping (``history[-1]`` unless edited since)."""
        return self._measure(0.0)

    def _one_step(self) -> Metrics:
        lr = self._rate(self.step_count)
        X, targets = self._next_batch()
        started = time.perf_counter()
        full = len(X) == len(self.inputs_train)
        result = self._full if full and self._full is not None else self._loss_and_grads(X, targets)
        self.optimizer.step(self._params, result.grads, lr)
        seconds = time.perf_counter() - started
        self._grads = list(result.grads)
        self._full = None
        self.step_count += 1
        self._keyframe()
        metrics = self._measure(seconds)
        self.history.append(metrics)
        return metrics

    def _advance(self) -> None:
        """One step without measuring or recording (replaying a past stretch of the run)."""
        X, targets = self._next_batch()
        result = self._loss_and_grads(X, targets)
        self.optimizer.step(self._params, result.grads, self._rate(self.step_count))
        self._grads = list(result.grads)
        self.step_count += 1

    def _measure(self, seconds: float) -> Metrics:
        """The current model on the whole training set (kept for the next full-batch step) and test split."""
        if self._full is None:
            self._full = self._loss_and_grads(self.inputs_train, self._train_targets)
        result = self._full
        test_loss, test_accuracy = self._test_metrics()
        return Metrics(
            step=self.step_count,
            train_loss=result.loss,
            data_loss=result.data_loss,
            test_loss=test_loss,
            train_accuracy=self._accuracy(result.scores, self.dataset.y_train),
            test_accuracy=test_accuracy,
            learning_rate=self._rate(self.step_count),
            step_seconds=seconds,
        )

    def _rate(self, step: int) -> float:
        c = self.config
        return scheduled_rate(c.schedule, c.learning_rate, step, c.total_steps)

    def _next_batch(self) -> tuple[list[tuple[float, ...]], list[list[float]]]:
        n = len(self.inputs_train)
        size = self.config.batch_size
        if size is None or size >= n:
            return self.inputs_train, self._train_targets
        picked = self._batch_rng.sample(range(n), size)
        return [self.inputs_train[i] for i in picked], [self._train_targets[i] for i in picked]

    def _accuracy(self, scores: Sequence[Sequence[float]], labels: Sequence[int]) -> float | None:
        if self.dataset.is_regression:
            return None
        hits = sum(predicted_class(self.config.loss, s) == c for s, c in zip(scores, labels))
        return hits / len(labels)

    def _test_metrics(self) -> tuple[float | None, float | None]:
        if not self.inputs_test:
            return None, None
        scores = self._predict(self.inputs_test)
        losses = [
            sample_loss(self.config.loss, [Value(s) for s in row], t).data
            for row, t in zip(scores, self._test_targets)
        ]
        return sum(losses) / len(losses), self._accuracy(scores, self.dataset.y_test)

    # ---------------------------------------------------------------- time travel

    def _snapshot(self) -> Snapshot:
        return Snapshot(
            step=self.step_count,
            params=np.array([p.data for p in self._params], dtype=float),
            optimizer=pack_optimizer(self.optimizer.state()),
            batch_rng=pack_rng(self._batch_rng) if self.config.batch_size is not None else None,
        )

    def _restore(self, snap: Snapshot, grads: list[float] | None = None) -> None:
        for p, v in zip(self._params, snap.params.tolist()):
            p.data = v
        self.optimizer.load(unpack_optimizer(snap.optimizer))
        if snap.batch_rng is not None:
            unpack_rng(self._batch_rng, snap.batch_rng)
        self.step_count = snap.step
        self._grads = list(grads) if grads is not None else [0.0] * len(self._params)
        self._full = None

    def _keyframe(self) -> None:
        if self.keyframes.wants(self.step_count):
            self.keyframes.add(self._snapshot())

    def initial_snapshot(self) -> Snapshot:
        """Step 0 as a keyframe (the initial weights, a fresh optimizer and batch generator)."""
        c = self.config
        rng = random.Random(f"batches:{c.seed}")
        return Snapshot(
            step=0,
            params=np.array([p.data for p in self._fresh_model().parameters()], dtype=float),
            optimizer=pack_optimizer(make_optimizer(c.optimizer, c.momentum).state()),
            batch_rng=pack_rng(rng) if c.batch_size is not None else None,
        )

    @contextlib.contextmanager
    def at_step(self, step: int) -> Iterator[Metrics]:
        """``with trainer.at_step(k) as metrics:`` the model as it was after step ``k`` (with the
        edits made at that step), for ``boundary()``, ``network()``... Rebuilt from the nearest
        keyframe; the live state comes back when the block ends."""
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= self.step_count:
            raise ValueError(f"step: this run has steps 0..{self.step_count}, not {step!r}")
        live, grads, full = self._snapshot(), self._grads, self._full
        try:
            # From a keyframe before the step (not at it), so the step's own gradients are rebuilt too.
            self._restore(self.keyframes.at_or_before(max(0, step - 1)))
            edits = iter(self.edits)
            pending = next(edits, None)
            while pending is not None and pending.step < self.step_count:
                pending = next(edits, None)
            while True:
                while pending is not None and pending.step == self.step_count:
                    self.parameter(pending.layer, pending.neuron, pending.index).data = pending.new
                    pending = next(edits, None)
                if self.step_count == step:
                    break
                self._advance()
            self._full = None
            yield self._measure(0.0)
        finally:
            self._restore(live, grads)
            self._full = full

    # ---------------------------------------------------------------- pictures (engine/train_views.py)

    def boundary(self, resolution: int) -> Boundary:
        return train_views.boundary(self, resolution)

    def network(self) -> list[list[NeuronState]]:
        return train_views.network(self)

    def sample_graph(self, index: int, split: str = "train") -> Value:
        return train_views.sample_graph(self, index, split)

    def predict_points(self, points: np.ndarray) -> np.ndarray:
        """The model's outputs at points of the plane, an ``(n, 2)`` array (features computed here)."""
        return self._predict_array(transform_array(self.input_names, points))

    # ---------------------------------------------------------------- executors

    def _fresh_model(self) -> MLP:
        c = self.config
        nout = n_outputs(c.loss, self.dataset.n_classes)
        return MLP(len(self.input_names), [*c.hidden, nout], activation=c.activation, seed=c.seed)

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
