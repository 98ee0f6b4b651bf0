"""The compiled executor gives EagerExecutor's numbers, captures once per structure, and refuses what it
cannot capture."""

from __future__ import annotations

import dataclasses
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.compiled import CaptureError, CompiledExecutor
from engine.compiled.capture import capture
from engine.compiled.executor import capture_step
from engine.executor import EagerExecutor, LossSpec, StepResult
from engine.losses import LOSSES, REGULARIZATIONS, encode_target, n_outputs
from engine.nn import ACTIVATIONS, MLP
from engine.train import TrainConfig, Trainer
from engine.value import Value

FAST = settings(max_examples=150, deadline=None)
# One executor for every example, so captures of many structures share (and cycle through) its cache.
SHARED = CompiledExecutor()


def close(a: float, b: float) -> bool:
    """Equal to 1e-9 relative; 1e-10 absolute for results that cancel to about 0 (summation order)."""
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True
    return abs(a - b) <= max(1e-9 * max(abs(a), abs(b)), 1e-10)


def assert_same_step(expected: StepResult, got: StepResult) -> None:
    for name in ("loss", "data_loss", "reg_loss"):
        assert close(getattr(expected, name), getattr(got, name)), (name, expected, got)
    assert len(expected.grads) == len(got.grads)
    for i, (a, b) in enumerate(zip(expected.grads, got.grads)):
        assert close(a, b), (i, a, b)
    assert_same_rows(expected.scores, got.scores)


def assert_same_rows(expected: list[list[float]], got: list[list[float]]) -> None:
    assert len(expected) == len(got)
    for row_a, row_b in zip(expected, got):
        assert len(row_a) == len(row_b)
        assert all(close(a, b) for a, b in zip(row_a, row_b)), (row_a, row_b)


def compare(model: MLP, X, T, spec: LossSpec, executor: CompiledExecutor = SHARED) -> StepResult:
    """Run both executors on the same model; check every number, p.grad included, and predict."""
    before = [p.data for p in model.parameters()]
    got = executor.loss_and_grads(model, X, T, spec)
    compiled_grads = [p.grad for p in model.parameters()]
    expected = EagerExecutor().loss_and_grads(model, X, T, spec)
    assert_same_step(expected, got)
    assert compiled_grads == got.grads  # left on the parameters, as eager leaves them
    assert [p.data for p in model.parameters()] == before  # an executor never updates parameters
    assert_same_rows(EagerExecutor().predict(model, X), executor.predict(model, X))
    return got


MODERATE = st.floats(-5, 5)


@st.composite
def problems(draw, values=MODERATE):
    loss = draw(st.sampled_from(LOSSES))
    n_classes = draw(st.integers(2, 4)) if loss == "softmax_ce" else 2
    hidden = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
    nin = draw(st.integers(1, 3))
    model = MLP(
        nin,
        [*hidden, n_outputs(loss, n_classes)],
        activation=draw(st.sampled_from(ACTIVATIONS)),
        seed=draw(st.integers(0, 2**32)),
    )
    # Trained models have non-zero biases; start from some so bias gradients and L1 at b != 0 show.
    if draw(st.booleans()):
        rng = random.Random(draw(st.integers(0, 100)))
        for layer in model.layers:
            for neuron in layer.neurons:
                neuron.b.data = rng.uniform(-1, 1)
    batch = draw(st.integers(1, 50))
    X = draw(st.lists(st.lists(values, min_size=nin, max_size=nin), min_size=batch, max_size=batch))
    labels = draw(st.lists(st.integers(0, n_classes - 1), min_size=batch, max_size=batch))
    T = [encode_target(loss, label, n_classes) for label in labels]
    spec = LossSpec(loss, draw(st.sampled_from(REGULARIZATIONS)), draw(st.sampled_from([0.0, 1e-4, 0.3])))
    return model, X, T, spec


@FAST
@given(problems())
def test_a_step_and_predictions_equal_eager(problem):
    model, X, T, spec = problem
    compare(model, X, T, spec)


# Infinities, nan, signed zeros, a subnormal, and inputs whose exp overflows or underflows. Not finite
# values near the float maximum: whether their sum overflows depends on the order of summation, which
# is the one thing the two executors do differently (see engine/compiled/__init__.py).
SPECIAL = st.sampled_from([math.inf, -math.inf, math.nan, 0.0, -0.0, 5e-324, 710.0, -750.0])


@settings(max_examples=80, deadline=None)
@given(problems(values=st.one_of(SPECIAL, st.floats(-3, 3))), st.sampled_from([0.0, 1e-4, math.inf]))
def test_nan_and_inf_follow_ieee_as_eager_does(problem, strength):
    model, X, T, spec = problem
    compare(model, X, T, LossSpec(spec.loss, spec.regularization, strength))


def test_the_demo_step_equals_eager_and_names_itself():
    trainer = Trainer(TrainConfig(executor="eager"))
    executor = CompiledExecutor()
    assert executor.name == "compiled"
    assert executor.supports(trainer.model, trainer.spec) is None
    got = compare(trainer.model, trainer.dataset.X_train, trainer._train_targets, trainer.spec, executor)
    assert len(got.grads) == 337 and len(got.scores) == 100
    assert got.loss > 0 and all(g != 0 for g in got.grads[:2])


def test_a_trainer_on_the_compiled_executor_tracks_the_eager_trainer():
    config = TrainConfig(n_points=40, hidden=(6, 5), total_steps=5, batch_size=16)
    fast, slow = Trainer(config), Trainer(dataclasses.replace(config, executor="eager"))
    assert (fast.executor_name, fast.fallback_reason) == ("compiled", None)
    for a, b in zip(fast.step(5), slow.step(5)):
        assert close(a.train_loss, b.train_loss) and a.train_accuracy == b.train_accuracy
    assert_same_rows(slow.boundary(9).values, fast.boundary(9).values)


# ---------------------------------------------------------------- the cache


def test_captures_are_reused_per_structure_and_redone_when_it_changes():
    executor = CompiledExecutor()
    rng = random.Random(5)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(12)]
    T = [[rng.choice([-1.0, 1.0])] for _ in X]
    spec = LossSpec("hinge", "l2", 1e-4)
    model = MLP(2, [4, 1], seed=1)

    compare(model, X, T, spec, executor)
    compare(model, X, T, spec, executor)
    assert executor.captures == 2  # one step program, one predict program

    # Same structure, other weights and penalty strength: the programs are reused, numbers still eager's.
    compare(MLP(2, [4, 1], seed=2), X, T, LossSpec("hinge", "l2", 0.5), executor)
    assert executor.captures == 2

    # A different architecture, loss or regularization is a different graph: captured afresh.
    compare(MLP(2, [3, 1], seed=1), X, T, spec, executor)
    assert executor.captures == 4
    compare(model, X, [[1.0 if t[0] > 0 else 0.0] for t in T], LossSpec("bce", "l2", 1e-4), executor)
    assert executor.captures == 5
    compare(model, X, T, LossSpec("hinge", "l1", 1e-4), executor)
    assert executor.captures == 6

    # Changing a model in place changes its structure too.
    model.layers[0].neurons[1].activation = "tanh"
    compare(model, X, T, spec, executor)
    assert executor.captures == 8
    model.layers[1].neurons[0].w.pop()  # the output neuron now reads 3 of the 4 hidden units
    compare(model, X, T, spec, executor)
    assert executor.captures == 10


def test_the_cache_keeps_at_most_its_limit():
    executor = CompiledExecutor(cache_entries=2)
    X, T = [[0.5, -0.25]], [[1.0]]
    for width in (1, 2, 3, 1):  # width 1 was evicted by the time it comes back
        executor.loss_and_grads(MLP(2, [width, 1], seed=0), X, T, LossSpec())
    assert executor.captures == 4 and len(executor._cache) == 2


# ---------------------------------------------------------------- refusals


class ScaledMLP(MLP):
    """An MLP whose output is multiplied by its first input's value: a constant in a captured graph."""

    def __call__(self, x):
        out = super().__call__(x)
        first = x[0].data if isinstance(x[0], Value) else x[0]
        return out * first


def test_supports_names_what_it_cannot_run_and_steps_then_raise_capture_error():
    executor = CompiledExecutor()
    demo = MLP(2, [4, 1], seed=0)
    shared = MLP(2, [2, 1], seed=0)
    shared.layers[0].neurons[1].w[0] = shared.layers[0].neurons[0].w[0]
    cases = [
        (ScaledMLP(2, [4, 1], seed=0), LossSpec(), "ScaledMLP"),
        (demo, LossSpec(loss="huber"), "huber"),
        (demo, LossSpec(regularization="l3"), "l3"),
        (shared, LossSpec(), "shared"),
    ]
    assert executor.supports(demo, LossSpec()) is None
    for model, spec, word in cases:
        reason = executor.supports(model, spec)
        assert reason is not None and word in reason
        with pytest.raises(CaptureError, match=word):
            executor.loss_and_grads(model, [[1.0, 2.0]], [[1.0]], spec)
    with pytest.raises(CaptureError, match="ScaledMLP"):
        executor.predict(ScaledMLP(2, [1], seed=0), [[1.0, 2.0]])


def test_a_capture_that_does_not_reproduce_eager_is_refused():
    # The input's value is baked into the captured graph, so the probe batch gives other numbers.
    with pytest.raises(CaptureError, match="does not reproduce"):
        capture_step(ScaledMLP(2, [3, 1], seed=0), "mse", "none", 1)


def test_an_unknown_op_cannot_be_captured():
    x, w = Value(0.0), Value(0.5)
    odd = Value(0.0, (x * w,), "sin")
    with pytest.raises(CaptureError, match="sin"):
        capture(params=[w], inputs=[x], scores=[odd])


def test_an_activation_neuron_does_not_know_is_refused():
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].activation = "swish"
    assert "swish" in (CompiledExecutor().supports(model, LossSpec()) or "")


# ---------------------------------------------------------------- general graphs


def test_a_hand_built_graph_with_shared_operands_and_every_op_equals_its_eager_backward():
    """Beyond MLPs: repeated operands, a weight used twice, right-leaning sums, pow, and constants."""
    rng = random.Random(3)
    params = [Value(rng.uniform(0.5, 1.5), label=f"p{i}") for i in range(4)]
    strength = 0.2

    def graph(xs, ts, scale):
        p = params
        pre = p[0] + p[1] * xs[0] + p[1] * xs[1]  # p1 twice in one neuron
        h = pre.tanh()
        both = xs[0] * xs[0] + (h + (xs[1] * 3.0).sigmoid())  # x*x reads one column twice
        score = both * p[2] + (p[3] ** 2) * h.exp() + (h**0) + (2.0 + xs[0] ** 2) ** -1.5
        loss = (score - ts[0]) ** 2 + (score * score + 1.0).log()
        reg = scale * (p[0] * p[0] + p[3].relu() + Value(2.0) * 0.5)
        return [score, h], loss, reg

    xs, ts, scale = [Value(0.0), Value(0.0)], [Value(0.0)], Value(0.0)
    scores, loss, reg = graph(xs, ts, scale)
    program = capture(
        params=params, inputs=xs, targets=ts, scalars=[scale], scores=scores, loss=loss, reg=reg
    )

    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(7)]
    T = [[rng.uniform(-1, 1)] for _ in X]
    for p in params:
        p.grad = 0.0
    sample_scores, losses = [], []
    for x, t in zip(X, T):
        s, sample_loss, _ = graph([Value(v) for v in x], [Value(v) for v in t], Value(strength))
        sample_scores.append([v.data for v in s])
        losses.append(sample_loss)
    total = sum(losses) * (1.0 / len(losses)) + graph(xs, ts, Value(strength))[2]
    total.backward()

    theta = np.array([p.data for p in params])
    with np.errstate(all="ignore"):
        got_losses, got_reg, got_scores, got_grads = program.step(theta, np.array(X), np.array(T), strength)
    assert close(float(got_losses.mean()) + got_reg, total.data)
    assert all(close(p.grad, g) for p, g in zip(params, got_grads.tolist()))
    assert_same_rows(sample_scores, got_scores.tolist())
    assert_same_rows(sample_scores, program.predict(theta, np.array(X)).tolist())


# ---------------------------------------------------------------- inputs


def test_predict_in_small_chunks_equals_one_pass():
    model = MLP(2, [5, 5, 3], activation="sigmoid", seed=4)
    X = [[i / 10, -i / 7] for i in range(53)]
    assert CompiledExecutor(predict_rows=7).predict(model, X) == CompiledExecutor().predict(model, X)
    assert_same_rows(EagerExecutor().predict(model, X), SHARED.predict(model, np.array(X)))
    assert SHARED.predict(model, []) == []


def test_bad_batches_are_clear_errors():
    model, spec = MLP(2, [3, 1], seed=0), LossSpec()
    with pytest.raises(ValueError, match="X"):
        SHARED.loss_and_grads(model, [[1.0, 2.0, 3.0]], [[1.0]], spec)
    with pytest.raises(ValueError, match="empty"):
        SHARED.loss_and_grads(model, [], [], spec)
    with pytest.raises(ValueError, match="targets"):
        SHARED.loss_and_grads(model, [[1.0, 2.0]], [[1.0], [1.0]], spec)
    with pytest.raises(ValueError, match="X"):
        SHARED.predict(model, [[1.0], [2.0, 3.0]])
