"""engine.optim: schedules, and SGD / momentum / Adam against PyTorch's optimizers."""

from __future__ import annotations

import math
import random
from itertools import pairwise

import pytest
import torch

from engine.optim import SGD, Adam, Momentum, make_optimizer, scheduled_rate
from engine.value import Value


def test_linear_schedule_is_the_micrograd_demos():
    for k in range(100):
        assert scheduled_rate("linear", 1.0, k, 100) == pytest.approx(1.0 - 0.9 * k / 100, abs=1e-15)
    assert scheduled_rate("linear", 2.0, 50, 100) == pytest.approx(2.0 * 0.55)


def test_schedules_hold_their_final_rate_after_the_horizon():
    for schedule in ("linear", "cosine"):
        assert scheduled_rate(schedule, 0.5, 0, 10) == pytest.approx(0.5)
        final = scheduled_rate(schedule, 0.5, 10, 10)
        assert final == pytest.approx(0.05)
        assert scheduled_rate(schedule, 0.5, 1_000, 10) == final
    assert all(scheduled_rate("constant", 0.3, k, 10) == 0.3 for k in range(30))


def test_cosine_falls_along_half_a_cosine():
    rates = [scheduled_rate("cosine", 1.0, k, 40) for k in range(41)]
    assert all(a > b for a, b in pairwise(rates))
    assert rates[20] == pytest.approx(0.55)  # halfway between 1 and the final 0.1
    assert rates[10] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 4)))


def test_unknown_schedule_and_optimizer_are_refused():
    with pytest.raises(ValueError, match="schedule must be one of constant, linear, cosine"):
        scheduled_rate("step", 1.0, 0, 10)
    with pytest.raises(ValueError, match="optimizer must be one of sgd, momentum, adam"):
        make_optimizer("rmsprop")


def run_ours(optimizer, params, grad_seq, lrs):
    for grads, lr in zip(grad_seq, lrs):
        params = optimizer.update(params, grads, lr)
    return params


def run_torch(make, params, grad_seq, lrs):
    t = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    opt = make([t])
    for grads, lr in zip(grad_seq, lrs):
        for group in opt.param_groups:
            group["lr"] = lr
        t.grad = torch.tensor(grads, dtype=torch.float64)
        opt.step()
    return t.detach().tolist()


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda: SGD(), lambda p: torch.optim.SGD(p, lr=0.1)),
        (lambda: Momentum(0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
        (lambda: Momentum(0.5), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5)),
        (lambda: Adam(), lambda p: torch.optim.Adam(p, lr=0.1)),
    ],
    ids=["sgd", "momentum0.9", "momentum0.5", "adam"],
)
def test_updates_match_pytorch(ours, theirs):
    rng = random.Random(0)
    params = [rng.uniform(-1, 1) for _ in range(7)]
    grad_seq = [[rng.gauss(0, 1) for _ in params] for _ in range(12)]
    lrs = [scheduled_rate("linear", 0.1, k, 12) for k in range(12)]
    expected = run_torch(theirs, params, grad_seq, lrs)
    assert run_ours(ours(), params, grad_seq, lrs) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_adam_first_step_moves_every_parameter_by_about_lr():
    new = Adam().update([0.0, 0.0, 0.0], [5.0, -0.01, 1e-3], 0.1)
    assert new == pytest.approx([-0.1, 0.1, -0.1], rel=1e-4)


def test_step_writes_into_the_values():
    params = [Value(1.0), Value(-2.0)]
    opt = Momentum(0.9)
    opt.step(params, [0.5, 1.0], 0.1)
    opt.step(params, [0.5, 1.0], 0.1)
    # velocity: g, then 0.9 g + g
    assert [p.data for p in params] == pytest.approx([1.0 - 0.1 * 0.5 * 2.9, -2.0 - 0.1 * 1.0 * 2.9])


def test_nan_gradients_give_nan_not_an_exception():
    for make in (SGD, Momentum, Adam):
        assert math.isnan(make().update([1.0], [math.nan], 0.1)[0])
        assert not math.isfinite(make().update([1.0], [math.inf], 0.1)[0])
