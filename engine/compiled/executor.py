"""``CompiledExecutor``: captures once per model structure and loss, then replays with numpy."""

from __future__ import annotations

import copy
import itertools
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from engine.compiled.capture import CaptureError, capture
from engine.compiled.program import Program
from engine.executor import EagerExecutor, LossSpec, StepResult, outputs
from engine.losses import LOSSES, REGULARIZATIONS, regularization, sample_loss
from engine.nn import ACTIVATIONS, MLP, Layer, Neuron
from engine.settings import Settings, settings
from engine.value import Value

# The probe a fresh capture must reproduce eager's numbers on (a fixed seed: captures are repeatable).
PROBE_SEED = 20240601
PROBE_ROWS = 2  # more than one, so a wrong mean over the batch shows
PROBE_STRENGTH = 0.25  # non-zero, so a mis-captured regularization shows
VERIFY_TOLERANCE = 1e-9
BLAS_ONE_THREAD_WORK = 2**18  # multiply-adds per matrix product that OpenBLAS runs on one thread

Structure = tuple[tuple[tuple[int, str], ...], ...]


def unsupported_reason(model: object, spec: LossSpec, params: Sequence[Value] | None = None) -> str | None:
    """Why the compiled executor will not run ``model`` with ``spec``; None when it will.

    Only engine.nn's own classes are accepted: their graphs have no data-dependent steps, so a
    graph captured on one sample is the graph of every sample (a subclass could branch on data).
    """
    if type(model) is not MLP:
        return f"the model is a {type(model).__name__}, not engine.nn.MLP"
    if not model.layers:
        return "the model has no layers"
    for layer in model.layers:
        if type(layer) is not Layer:
            return f"a layer is a {type(layer).__name__}, not engine.nn.Layer"
        if not layer.neurons:
            return "a layer has no neurons"
        for neuron in layer.neurons:
            if type(neuron) is not Neuron:
                return f"a neuron is a {type(neuron).__name__}, not engine.nn.Neuron"
            if neuron.activation not in ACTIVATIONS:
                return f"unknown activation {neuron.activation!r}"
    if spec.loss not in LOSSES:
        return f"unknown loss {spec.loss!r}"
    if spec.regularization not in REGULARIZATIONS:
        return f"unknown regularization {spec.regularization!r}"
    params = model.parameters() if params is None else params
    if len(set(params)) != len(params):  # Values hash by identity
        return "a parameter is shared between neurons"
    return None


def structure_of(model: MLP) -> Structure:
    """What the captured graph depends on: per layer, each neuron's input count and activation."""
    return tuple(tuple((len(n.w), n.activation) for n in layer.neurons) for layer in model.layers)


def n_inputs_of(model: MLP) -> int:
    return max(len(n.w) for n in model.layers[0].neurons)


def natural_targets(model: MLP, loss: str) -> int:
    """How many numbers engine.losses.encode_target gives per point for this model and loss."""
    return len(model.layers[-1].neurons) if loss == "softmax_ce" else 1


# ---------------------------------------------------------------- capture + verification


def _clone(model: MLP) -> MLP:
    """A copy of an MLP with its own parameter leaves (5x faster than copy.deepcopy on big models)."""
    clone = copy.copy(model)
    clone.layers = []
    for layer in model.layers:
        new_layer = copy.copy(layer)
        new_layer.neurons = []
        for neuron in layer.neurons:
            new_neuron = copy.copy(neuron)
            new_neuron.w = [Value(w.data, label=w.label) for w in neuron.w]
            new_neuron.b = Value(neuron.b.data, label=neuron.b.label)
            new_layer.neurons.append(new_neuron)
        clone.layers.append(new_layer)
    return clone


def _probe(model: MLP, n_targets: int) -> tuple[MLP, list[list[float]], list[list[float]]]:
    """A copy of the model with random parameters, and a random batch for it."""
    rng = random.Random(PROBE_SEED)
    clone = _clone(model)
    for p in clone.parameters():
        p.data = rng.uniform(-1, 1)
    n_inputs = n_inputs_of(model)
    X = [[rng.uniform(-2, 2) for _ in range(n_inputs)] for _ in range(PROBE_ROWS)]
    T = [[rng.uniform(-1, 1) for _ in range(n_targets)] for _ in range(PROBE_ROWS)]
    return clone, X, T


def _close(a: float, b: float) -> bool:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return abs(a - b) <= VERIFY_TOLERANCE * max(abs(a), abs(b), 1e-3)


def _mismatch(expected: StepResult, got: StepResult) -> str | None:
    for name in ("loss", "data_loss", "reg_loss"):
        if not _close(getattr(expected, name), getattr(got, name)):
            return name
    if not all(_close(a, b) for a, b in zip(expected.grads, got.grads)):
        return "a gradient"
    if not all(_close(a, b) for s, t in zip(expected.scores, got.scores) for a, b in zip(s, t)):
        return "a score"
    return None


def capture_step(model: MLP, loss: str, reg: str, n_targets: int) -> Program:
    """The program of one sample's loss (plus the regularization), checked against eager."""
    clone, X, T = _probe(model, n_targets)
    xs = [Value(0.0, label=f"x{i}") for i in range(n_inputs_of(clone))]
    ts = [Value(0.0, label=f"t{i}") for i in range(n_targets)]
    strength = Value(0.0, label="strength")
    params = clone.parameters()
    scores = outputs(clone, xs)
    program = capture(
        params=params,
        inputs=xs,
        targets=ts,
        scalars=[strength],
        scores=scores,
        loss=sample_loss(loss, scores, ts),
        reg=regularization(reg, params, strength),
    )
    spec = LossSpec(loss, reg, PROBE_STRENGTH)
    expected = EagerExecutor().loss_and_grads(clone, X, T, spec)
    got = run_step(program, params, np.array(X), np.array(T), PROBE_STRENGTH)
    wrong = _mismatch(expected, got)
    if wrong is not None:
        raise CaptureError(f"the captured program does not reproduce the eager graph ({wrong} differs)")
    return program


def capture_predict(model: MLP) -> Program:
    """The program of the model's outputs on one input, checked against eager."""
    clone, X, _ = _probe(model, 0)
    xs = [Value(0.0, label=f"x{i}") for i in range(n_inputs_of(clone))]
    program = capture(params=clone.parameters(), inputs=xs, scores=outputs(clone, xs))
    expected = EagerExecutor().predict(clone, X)
    got = program.predict(parameter_vector(clone.parameters()), np.array(X)).tolist()
    if not all(_close(a, b) for s, t in zip(expected, got) for a, b in zip(s, t)):
        raise CaptureError("the captured program does not reproduce the eager graph (a score differs)")
    return program


# ---------------------------------------------------------------- running


def parameter_vector(params: Sequence[Value]) -> np.ndarray:
    return np.fromiter((p.data for p in params), dtype=np.float64, count=len(params))


def run_step(
    program: Program, params: Sequence[Value], X: np.ndarray, T: np.ndarray, strength: float
) -> StepResult:
    """One step's numbers, as EagerExecutor reports them (``p.grad`` is left alone)."""
    with np.errstate(all="ignore"):  # IEEE: overflow is inf and 0/0 is nan, as in Value
        losses, reg, scores, grads = program.step(parameter_vector(params), X, T, strength)
        data_loss = float(losses.sum()) * (1.0 / len(losses))
    return StepResult(
        loss=data_loss + reg,
        data_loss=data_loss,
        reg_loss=reg,
        grads=grads.tolist(),
        scores=scores.tolist(),
    )


def _matrix(rows: Sequence[Sequence[float]], name: str, width: int) -> np.ndarray:
    """``rows`` as a (n, width) float64 array; ValueError naming ``name`` when it is not one."""
    if isinstance(rows, np.ndarray):
        array = np.asarray(rows, dtype=np.float64)
    else:
        # fromiter over the flattened rows is ~4x faster than np.asarray on a list of tuples.
        if any(len(row) != width for row in rows):
            raise ValueError(f"{name}: every row must have {width} numbers")
        flat = itertools.chain.from_iterable(rows)
        array = np.fromiter(flat, dtype=np.float64, count=len(rows) * width).reshape(len(rows), width)
    if array.ndim == 1 and array.size == 0:
        array = array.reshape(0, width)
    if array.ndim != 2 or array.shape[1] != width:
        raise ValueError(f"{name}: expected rows of {width} numbers, got an array of shape {array.shape}")
    return array


class CompiledExecutor:
    """Runs a model's captured one-sample graph over the whole batch with numpy.

    Captures are cached per (model structure, loss, regularization, target width) and reused by
    any model of that structure; a model whose structure changed gets a fresh capture.
    """

    name = "compiled"

    def __init__(
        self, cache_entries: int | None = None, predict_rows: int | None = None, limits: Settings = settings
    ):
        self.cache_entries = cache_entries if cache_entries is not None else limits.compiled_cache_entries
        self.predict_rows = predict_rows if predict_rows is not None else limits.compiled_predict_rows
        self.captures = 0  # how many graphs this executor captured (a cache miss each)
        self._cache: OrderedDict[tuple, Program] = OrderedDict()
        self._lock = threading.Lock()

    def supports(self, model: MLP, spec: LossSpec) -> str | None:
        """None when this executor can run ``model`` with ``spec``, else the reason it cannot."""
        reason = unsupported_reason(model, spec)
        if reason is not None:
            return reason
        n_targets = natural_targets(model, spec.loss)
        try:
            self._program(model, spec, n_targets)
        except CaptureError as exc:
            return str(exc)
        return None

    def loss_and_grads(
        self, model: MLP, X: Sequence[Sequence[float]], targets: Sequence[Sequence[float]], spec: LossSpec
    ) -> StepResult:
        params = model.parameters()
        reason = unsupported_reason(model, spec, params)
        if reason is not None:
            raise CaptureError(reason)
        X_array = _matrix(X, "X", n_inputs_of(model))
        if len(X_array) == 0:
            raise ValueError("X: the batch is empty")
        if len(targets) != len(X_array):
            raise ValueError(f"targets: {len(targets)} rows for {len(X_array)} points")
        T_array = _matrix(targets, "targets", len(targets[0]))
        program = self._program(model, spec, T_array.shape[1])
        result = run_step(program, params, X_array, T_array, float(spec.strength))
        for p, g in zip(params, result.grads):  # as eager leaves them after backward()
            p.grad = g
        return result

    def predict(self, model: MLP, X: Sequence[Sequence[float]]) -> list[list[float]]:
        return self.predict_array(model, X).tolist()

    def predict_array(self, model: MLP, X: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        params = model.parameters()
        reason = unsupported_reason(model, LossSpec(), params)
        if reason is not None:
            raise CaptureError(reason)
        X_array = _matrix(X, "X", n_inputs_of(model))
        program = self._cached(("predict", structure_of(model)), lambda: capture_predict(model))
        theta = parameter_vector(params)
        # Chunks small enough that OpenBLAS keeps each matrix multiply on one thread: above ~2^18
        # multiply-adds it splits them over threads, and on a busy machine the hand-off costs far more
        # than the work (a 10,000 x 16 x 16 product: 8 ms threaded, 0.26 ms on one thread).
        rows = max(16, min(self.predict_rows, BLAS_ONE_THREAD_WORK // program.widest_layer))
        with np.errstate(all="ignore"):
            chunks = [program.predict(theta, X_array[i : i + rows]) for i in range(0, len(X_array), rows)]
        if not chunks:
            return np.empty((0, 0))
        return np.concatenate(chunks)

    def _program(self, model: MLP, spec: LossSpec, n_targets: int) -> Program:
        key = ("step", structure_of(model), spec.loss, spec.regularization, n_targets)
        return self._cached(key, lambda: capture_step(model, spec.loss, spec.regularization, n_targets))

    def _cached(self, key: tuple, build: Callable[[], Program]) -> Program:
        with self._lock:  # one capture per key even when two sessions start together
            program = self._cache.get(key)
            if program is None:
                program = self._cache[key] = build()
                self.captures += 1
                while len(self._cache) > self.cache_entries:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
            return program
