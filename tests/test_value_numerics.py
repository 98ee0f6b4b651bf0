"""Value against micrograd 0.1.0 and torch (float64) on random programs, and the IEEE inf/nan policy."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import micrograd.engine
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.value import Value

# ---------------------------------------------------------------- random programs

MICROGRAD_OPS = ("add", "sub", "mul", "div", "pow", "neg", "radd", "rsub", "rmul", "rdiv", "relu")
ALL_OPS = MICROGRAD_OPS + ("tanh", "exp", "log", "sigmoid")  # micrograd 0.1.0 has only relu
EXPONENTS = (2, 3, -1, -2, 0.5, 1.5, -0.5)
LIMIT = 1e4  # a step whose result would be larger (or not finite) halves its operand instead

Step = tuple[str, int, int, float, float]  # op, operand, second operand, exponent, constant


def apply(op: str, a: Any, b: Any, k: float, c: float, unary: dict[str, Callable[[Any], Any]]) -> Any:
    """One step, written the way a user of each library would write it."""
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div":
        return a / b
    if op == "pow":
        return a**k
    if op == "neg":
        return -a
    if op == "radd":
        return c + a
    if op == "rsub":
        return c - a
    if op == "rmul":
        return c * a
    if op == "rdiv":
        return c / a
    return unary[op](a)


def in_domain(op: str, a: float, b: float, k: float) -> bool:
    """Keep programs away from poles, logs of negatives and complex powers (the IEEE tests cover those)."""
    if op == "div":
        return abs(b) >= 0.1
    if op == "rdiv":
        return abs(a) >= 0.1
    if op == "pow":
        return a >= 0.1 if not float(k).is_integer() else k > 0 or abs(a) >= 0.1
    if op == "log":
        return a >= 0.1
    if op == "exp":
        return a <= 8
    return True


OUR_UNARY = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "exp": Value.exp,
    "log": Value.log,
    "sigmoid": Value.sigmoid,
}
TORCH_UNARY = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "exp": torch.exp,
    "log": torch.log,
    "sigmoid": torch.sigmoid,
}


def build_ours(leaves: list[float], steps: list[Step]) -> tuple[list[Value], list[Step]]:
    """Run the program on Values; returns every register and the steps actually taken."""
    regs = [Value(x) for x in leaves]
    taken = []
    for op, i, j, k, c in steps:
        a, b = regs[i % len(regs)], regs[j % len(regs)]
        out = apply(op, a, b, k, c, OUR_UNARY) if in_domain(op, a.data, b.data, k) else None
        if out is None or not abs(out.data) <= LIMIT:
            op, c = "rmul", 0.5
            out = apply(op, a, b, k, c, OUR_UNARY)
        regs.append(out)
        taken.append((op, i % (len(regs) - 1), j % (len(regs) - 1), k, c))
    return regs, taken


def replay(leaves: list[Any], steps: list[Step], unary: dict[str, Callable[[Any], Any]]) -> list[Any]:
    regs = list(leaves)
    for op, i, j, k, c in steps:
        regs.append(apply(op, regs[i], regs[j], k, c, unary))
    return regs


def error_scales(regs: list[Value], output: Value) -> tuple[dict[int, float], dict[int, float]]:
    """Size of the terms behind each node's data and grad (first-order rounding-error propagation).

    Another library may sum the same terms in another order; where they nearly cancel, a relative
    error only makes sense against the size of the terms, as in floating-point error analysis.
    Without cancellation the scale is the value itself (up to a factor 2 for products).
    """
    data_scale: dict[int, float] = {}
    for node in dict.fromkeys(n for r in regs for n in r.topo()):
        terms = sum(abs(lg) * data_scale[id(ch)] for ch, lg in zip(node._prev, node.local_grads()))
        data_scale[id(node)] = max(abs(node.data), terms)
    grad_scale: dict[int, float] = {id(output): 1.0}
    for node in reversed(output.topo()):
        for child, lg in zip(node._prev, node.local_grads()):
            grad_scale[id(child)] = grad_scale.get(id(child), 0.0) + abs(lg) * grad_scale.get(id(node), 0.0)
    return data_scale, grad_scale


def assert_agrees(ours: float, theirs: float, scale: float, what: str) -> None:
    assert math.isfinite(ours) and math.isfinite(theirs), what
    assert abs(ours - theirs) <= 1e-9 * max(abs(theirs), scale), f"{what}: ours {ours}, theirs {theirs}"


def programs(ops: tuple[str, ...]) -> st.SearchStrategy[tuple[list[float], list[Step]]]:
    leaf = st.floats(-3, 3, allow_nan=False)
    constant = st.builds(lambda m, s: m * s, st.floats(0.5, 3), st.sampled_from((-1.0, 1.0)))
    step = st.tuples(
        st.sampled_from(ops),
        st.integers(0, 63),
        st.integers(0, 63),
        st.sampled_from(EXPONENTS),
        constant,
    )
    return st.tuples(st.lists(leaf, min_size=1, max_size=4), st.lists(step, min_size=1, max_size=14))


@settings(max_examples=150, deadline=None)
@given(program=programs(MICROGRAD_OPS))
def test_random_programs_agree_with_micrograd(program):
    leaves, steps = program
    ours, taken = build_ours(leaves, steps)
    theirs = replay([micrograd.engine.Value(x) for x in leaves], taken, {"relu": lambda v: v.relu()})
    ours[-1].backward()
    theirs[-1].backward()
    data_scale, grad_scale = error_scales(ours, ours[-1])
    for n, (o, t) in enumerate(zip(ours, theirs)):
        assert_agrees(o.data, float(t.data), data_scale[id(o)], f"data of register {n}")
        assert_agrees(o.grad, float(t.grad), grad_scale.get(id(o), 0.0), f"grad of register {n}")


@settings(max_examples=150, deadline=None)
@given(program=programs(ALL_OPS))
def test_random_programs_agree_with_torch(program):
    leaves, steps = program
    ours, taken = build_ours(leaves, steps)
    tleaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    theirs = replay(tleaves, taken, TORCH_UNARY)
    for t in theirs[len(leaves) :]:
        t.retain_grad()
    ours[-1].backward()
    theirs[-1].backward()
    data_scale, grad_scale = error_scales(ours, ours[-1])
    for n, (o, t) in enumerate(zip(ours, theirs)):
        assert_agrees(o.data, t.item(), data_scale[id(o)], f"data of register {n}")
        grad = 0.0 if t.grad is None else t.grad.item()
        assert_agrees(o.grad, grad, grad_scale.get(id(o), 0.0), f"grad of register {n}")


@settings(max_examples=60, deadline=None)
@given(program=programs(ALL_OPS), new_leaves=st.lists(st.floats(-3, 3), min_size=4, max_size=4))
def test_forward_after_editing_leaves_equals_a_fresh_build(program, new_leaves):
    leaves, steps = program
    ours, taken = build_ours(leaves, steps)
    fresh = replay([Value(x) for x in new_leaves[: len(leaves)]], taken, OUR_UNARY)
    for leaf, x in zip(ours, new_leaves):
        leaf.data = x
    for reg in ours:
        reg.forward()
    # Same ops on the same numbers: bit-identical, nan included.
    assert [repr(r.data) for r in ours] == [repr(r.data) for r in fresh]


# ---------------------------------------------------------------- IEEE 754 policy (value.py docstring)

inf, nan = math.inf, math.nan


def same(x: float, y: float) -> bool:
    """Equal, with nan equal to nan and the sign of infinities (and of zero results) respected."""
    return (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y))


# name: (function, inputs, expected data, expected grads)
IEEE_CASES: dict[str, tuple[Callable[..., Any], tuple[float, ...], float, tuple[float, ...]]] = {
    "tanh(1000)": (lambda a: a.tanh(), (1000.0,), 1.0, (0.0,)),
    "tanh(-1000)": (lambda a: a.tanh(), (-1000.0,), -1.0, (0.0,)),
    "sigmoid(1000)": (lambda a: a.sigmoid(), (1000.0,), 1.0, (0.0,)),
    "sigmoid(-1000)": (lambda a: a.sigmoid(), (-1000.0,), 0.0, (0.0,)),
    "exp(1000)": (lambda a: a.exp(), (1000.0,), inf, (inf,)),
    "exp(-1000)": (lambda a: a.exp(), (-1000.0,), 0.0, (0.0,)),
    "log(0)": (lambda a: a.log(), (0.0,), -inf, (inf,)),
    "log(-1)": (lambda a: a.log(), (-1.0,), nan, (-1.0,)),
    "0**-1": (lambda a: a**-1, (0.0,), inf, (-inf,)),
    "(-0.0)**-1": (lambda a: a**-1, (-0.0,), -inf, (-inf,)),
    "0**-2": (lambda a: a**-2, (0.0,), inf, (-inf,)),
    "0**-0.5": (lambda a: a**-0.5, (0.0,), inf, (-inf,)),
    "0**0.5": (lambda a: a**0.5, (0.0,), 0.0, (inf,)),
    "(-8)**(1/3)": (lambda a: a ** (1 / 3), (-8.0,), nan, (nan,)),
    "10**400": (lambda a: a**400, (10.0,), inf, (inf,)),
    "(-10)**401": (lambda a: a**401, (-10.0,), -inf, (inf,)),
    "0**0": (lambda a: a**0, (0.0,), 1.0, (0.0,)),
    "1/0": (lambda a, b: a / b, (1.0, 0.0), inf, (inf, -inf)),
    "-1/0": (lambda a, b: a / b, (-1.0, 0.0), -inf, (inf, inf)),
    "0/0": (lambda a, b: a / b, (0.0, 0.0), nan, (inf, nan)),
    "1e308*10": (lambda a, b: a * b, (1e308, 10.0), inf, (10.0, 1e308)),
    "relu(nan)": (lambda a: a.relu(), (nan,), nan, (0.0,)),
    "tanh(nan)": (lambda a: a.tanh(), (nan,), nan, (nan,)),
    "sigmoid(nan)": (lambda a: a.sigmoid(), (nan,), nan, (nan,)),
}


@pytest.mark.parametrize("name", IEEE_CASES)
def test_ieee_policy(name):
    f, xs, data, expected_grads = IEEE_CASES[name]
    leaves = [Value(x) for x in xs]
    out = f(*leaves)  # no OverflowError, ZeroDivisionError or ValueError, ever
    out.backward()
    assert same(out.data, data), f"{name} = {out.data}, documented {data}"
    got = tuple(leaf.grad for leaf in leaves)
    assert all(same(g, e) for g, e in zip(got, expected_grads)), f"grads of {name}: {got}"
    out.forward()  # recomputing follows the same rules
    assert same(out.data, data)


@pytest.mark.parametrize("name", IEEE_CASES)
def test_ieee_policy_agrees_with_torch(name):
    f, xs, _, _ = IEEE_CASES[name]
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    tleaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    tf = {
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "exp": torch.exp,
        "log": torch.log,
        "relu": torch.relu,
    }

    class TorchValue:  # lets the same lambdas call .tanh() etc. on a tensor
        def __init__(self, t):
            self.t = t

        def __getattr__(self, op):
            return lambda: tf[op](self.t)

        def __pow__(self, k):
            return self.t**k

        def __truediv__(self, other):
            return self.t / other.t

        def __mul__(self, other):
            return self.t * other.t

    tout = f(*map(TorchValue, tleaves))
    tout.backward()
    assert same(out.data, tout.item())
    torch_grads = [t.grad.item() for t in tleaves]
    if name == "relu(nan)":  # micrograd's rule (out.data > 0) gives 0; torch lets the gradient through
        torch_grads = [0.0]
    assert all(same(leaf.grad, g) for leaf, g in zip(leaves, torch_grads))


wild = st.one_of(
    st.floats(),  # nan, ±inf, subnormals, ±1e308 ...
    st.sampled_from((0.0, -0.0, 1.0, -1.0, 1e308, -1e308, 5e-324, 710.0, -745.0)),
)


@settings(max_examples=200, deadline=None)
@given(
    leaves=st.lists(wild, min_size=1, max_size=3),
    steps=st.lists(
        st.tuples(st.sampled_from(ALL_OPS), st.integers(0, 31), st.integers(0, 31), wild, wild), max_size=10
    ),
)
def test_no_input_makes_an_op_raise(leaves, steps):
    regs = [Value(x) for x in leaves]
    for op, i, j, k, c in steps:
        a, b = regs[i % len(regs)], regs[j % len(regs)]
        regs.append(apply(op, a, b, k, c, OUR_UNARY))
    regs[-1].backward()
    regs[-1].forward()
    assert all(isinstance(r.data, float) and isinstance(r.grad, float) for r in regs)
