"""Value: every op's gradient against finite differences, graph shape, accumulation, published numbers."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import micrograd.engine
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_programs import readme_program as reference_program

from engine.value import Value

FAST = settings(max_examples=40, deadline=None)


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Either sign, magnitude in [lo, hi]: keeps poles (1/x) and kinks (relu) out of the difference."""
    return st.builds(lambda m, s: m * s, floats(lo, hi), st.sampled_from((-1.0, 1.0)))


ANY = floats(-10, 10)
NONZERO = away_from_zero(0.1, 10)
POSITIVE = floats(0.1, 10)

# name: (function of Values, one strategy per argument)
OPS: dict[str, tuple[Callable[..., Value], tuple[st.SearchStrategy[float], ...]]] = {
    "add": (lambda a, b: a + b, (ANY, ANY)),
    "sub": (lambda a, b: a - b, (ANY, ANY)),
    "mul": (lambda a, b: a * b, (ANY, ANY)),
    "div": (lambda a, b: a / b, (ANY, NONZERO)),
    "neg": (lambda a: -a, (ANY,)),
    "radd 2+a": (lambda a: 2 + a, (ANY,)),
    "rsub 1-a": (lambda a: 1 - a, (ANY,)),
    "rmul 2*a": (lambda a: 2 * a, (ANY,)),
    "rdiv 3/a": (lambda a: 3 / a, (NONZERO,)),
    "add number a+2": (lambda a: a + 2, (ANY,)),
    "sub number a-2": (lambda a: a - 2, (ANY,)),
    "div number a/4": (lambda a: a / 4, (ANY,)),
    "relu": (lambda a: a.relu(), (away_from_zero(1e-3, 10),)),
    "tanh": (lambda a: a.tanh(), (floats(-5, 5),)),
    "exp": (lambda a: a.exp(), (floats(-20, 20),)),
    "log": (lambda a: a.log(), (floats(1e-2, 100),)),
    "sigmoid": (lambda a: a.sigmoid(), (floats(-20, 20),)),
}

# exponent: the base's domain (fractional powers need a positive base, negative ones a nonzero base)
POWERS: dict[float, st.SearchStrategy[float]] = {
    0: ANY,
    1: ANY,
    2: ANY,
    3: ANY,
    -1: NONZERO,
    -2: NONZERO,
    -3: NONZERO,
    0.5: POSITIVE,
    1.5: POSITIVE,
    -0.5: POSITIVE,
    2.5: POSITIVE,
}


def grads(f: Callable[..., Value], xs: list[float]) -> list[float]:
    leaves = [Value(x) for x in xs]
    f(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def central_difference(f: Callable[..., Value], xs: list[float], i: int) -> float:
    h = 1e-6 * max(1.0, abs(xs[i]))
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(*map(Value, up)).data - f(*map(Value, down)).data) / (2 * h)


def assert_matches_central_difference(f: Callable[..., Value], xs: list[float], tol: float = 1e-5) -> None:
    """Relative error below ``tol`` (absolute below 1 in size, where a relative error means little)."""
    for i, analytic in enumerate(grads(f, xs)):
        numeric = central_difference(f, xs, i)
        error = abs(analytic - numeric) / max(1.0, abs(analytic), abs(numeric))
        assert error < tol, f"d/dx{i} at {xs}: analytic {analytic}, numeric {numeric}"


# ---------------------------------------------------------------- each op against finite differences


@pytest.mark.parametrize("name", OPS)
@FAST
@given(data=st.data())
def test_op_gradient_matches_central_difference(name, data):
    f, domains = OPS[name]
    xs = [data.draw(domain, label=f"x{i}") for i, domain in enumerate(domains)]
    assert_matches_central_difference(f, xs)


@pytest.mark.parametrize("k", POWERS)
@FAST
@given(data=st.data())
def test_power_gradient_matches_central_difference(k, data):
    x = data.draw(POWERS[k], label="x")
    assert_matches_central_difference(lambda a: a**k, [x])
    out = Value(x) ** k
    assert out.data == pytest.approx(x**k, rel=1e-12)
    assert out._op == f"**{k}" and out.op == "pow"


@FAST
@given(x=NONZERO)
def test_reflected_forms_have_exact_gradients(x):
    for f, expected in [
        (lambda a: 2 * a, 2.0),
        (lambda a: 2 + a, 1.0),
        (lambda a: 1 - a, -1.0),
        (lambda a: -a, -1.0),
        (lambda a: 3 / a, -3 / x**2),
    ]:
        (g,) = grads(f, [x])
        assert g == pytest.approx(expected, rel=1e-12)
    assert (2 * Value(x)).data == 2 * x and (1 - Value(x)).data == 1 - x
    assert (3 / Value(x)).data == pytest.approx(3 / x, rel=1e-15)


def test_op_names_follow_micrograd():
    a, b = Value(2.0), Value(3.0)
    cases = {
        a + b: ("+", "add"),
        a * b: ("*", "mul"),
        a**2: ("**2", "pow"),
        a**-0.5: ("**-0.5", "pow"),
        a.relu(): ("ReLU", "relu"),
        a.tanh(): ("tanh", "tanh"),
        a.exp(): ("exp", "exp"),
        a.log(): ("log", "log"),
        a.sigmoid(): ("sigmoid", "sigmoid"),
        a: ("", "leaf"),
    }
    for node, (symbol, word) in cases.items():
        assert (node._op, node.op) == (symbol, word)
    # Derived ops are built from the primitives, as in micrograd.
    assert (a - b)._op == "+" and (-a)._op == "*" and (a / b)._op == "*"


def test_power_refuses_a_value_exponent():
    with pytest.raises(TypeError, match="int/float powers"):
        Value(2.0) ** Value(3.0)


@FAST
@given(x=away_from_zero(0.2, 3), y=away_from_zero(0.2, 3))
def test_local_grads_are_the_textbook_derivatives(x, y):
    a, b = Value(x), Value(y)
    t, s = math.tanh(x), 1 / (1 + math.exp(-x))
    expected = {
        a + b: (1.0, 1.0),
        a * b: (y, x),
        a**3: (3 * x**2,),
        a.tanh(): (1 - t**2,),
        a.exp(): (math.exp(x),),
        (a * a).log(): (1 / x**2,),
        a.sigmoid(): (s * (1 - s),),
        a.relu(): (1.0 if x > 0 else 0.0,),
    }
    for node, derivatives in expected.items():
        assert node.local_grads() == pytest.approx(derivatives, rel=1e-12)
    assert a.local_grads() == ()


# ---------------------------------------------------------------- graph shapes


def test_a_plus_a_keeps_both_operands():
    a = Value(3.0)
    b = a + a
    assert b._prev == (a, a) and len(b._prev) == 2
    b.backward()
    assert a.grad == 2.0


@FAST
@given(x=ANY)
def test_a_times_a_has_gradient_2a(x):
    a = Value(x)
    b = a * a
    assert b._prev == (a, a)
    b.backward()
    assert a.grad == 2 * x


@FAST
@given(x=ANY)
def test_an_intermediate_used_twice_collects_both_gradients(x):
    a = Value(x)
    b = a * 3
    c = b * b + b  # dc/db = 2b + 1, dc/da = 3(2b + 1)
    c.backward()
    assert b.grad == pytest.approx(2 * 3 * x + 1, rel=1e-12, abs=1e-12)
    assert a.grad == pytest.approx(3 * (2 * 3 * x + 1), rel=1e-12, abs=1e-12)


def test_long_product_chain_has_the_product_of_its_factors_as_gradient():
    rng = random.Random(1)
    factors = [rng.uniform(0.9, 1.1) for _ in range(10_000)]
    x = Value(1.0)
    v = x
    for f in factors:
        v = v * f
    v.backward()
    assert x.grad == pytest.approx(math.prod(factors), rel=1e-9)
    assert v.data == pytest.approx(math.prod(factors), rel=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), x=floats(-2, 2))
def test_long_mixed_chain_matches_central_difference(seed, x):
    rng = random.Random(seed)
    steps = [rng.choice(range(5)) for _ in range(300)]
    assert set(steps) == set(range(5))  # a mixed chain: every kind of step, not one op 300 times

    def chain(v: Value) -> Value:
        for step in steps:
            if step == 0:
                v = (v * 0.9 + 0.1).tanh()
            elif step == 1:
                v = v.sigmoid() * 2 - 0.5
            elif step == 2:
                v = (v * v + 1).log()
            elif step == 3:
                v = (v * 0.5).exp() - 1
            else:
                v = 1 / (v * v + 1) + v
        return v

    assert_matches_central_difference(chain, [x], tol=1e-4)


def test_wide_sum_of_ten_thousand_terms():
    x = Value(0.5)
    weights = [Value(float(i)) for i in range(10_000)]
    s = sum((w * x for w in weights), Value(0.0))
    s.backward()
    assert x.grad == sum(range(10_000))
    assert s.data == 0.5 * sum(range(10_000))
    assert all(w.grad == 0.5 for w in weights)


def test_million_node_chain_backpropagates_without_recursion():
    x = Value(0.5)
    v = x
    for _ in range(1_000_000):
        v = v + x
    v.backward()  # would be a RecursionError with micrograd's recursive topological sort
    assert x.grad == 1_000_001.0
    assert v.data == 0.5 * 1_000_001


# ---------------------------------------------------------------- accumulation and zero_grad


def readme_program(value_class=Value):
    """The micrograd README program, run with ``value_class`` (ours or micrograd's)."""
    return reference_program(value_class)


def test_micrograd_readme_numbers():
    a, b, g = readme_program()
    assert f"{g.data:.4f}" == "24.7041"
    g.backward()
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_readme_program_agrees_with_micrograd_to_the_last_digits():
    a, b, g = readme_program()
    ma, mb, mg = readme_program(micrograd.engine.Value)
    g.backward()
    mg.backward()
    assert g.data == pytest.approx(mg.data, rel=1e-12)
    assert (a.grad, b.grad) == pytest.approx((ma.grad, mb.grad), rel=1e-12)


def lecture_neuron(tanh_from_exp: bool) -> dict[str, Value]:
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    if tanh_from_exp:
        e = (2 * n).exp()
        o = (e - 1) / (e + 1)
    else:
        o = n.tanh()
    o.backward()
    return {"o": o, "n": n, "b": b, "x1": x1, "w1": w1, "x2": x2, "w2": w2}


@pytest.mark.parametrize("tanh_from_exp", [False, True], ids=["tanh", "exp"])
def test_lecture_neuron(tanh_from_exp):
    v = lecture_neuron(tanh_from_exp)
    assert f"{v['o'].data:.4f}" == "0.7071"
    published = {
        "n": "0.5000",
        "b": "0.5000",
        "x1": "-1.5000",
        "w1": "1.0000",
        "x2": "0.5000",
        "w2": "0.0000",
    }
    assert {name: f"{v[name].grad:.4f}" for name in published} == published


def test_grads_accumulate_across_backward_calls_like_micrograd():
    ours, theirs = readme_program(), readme_program(micrograd.engine.Value)
    once = (ours[0].grad, ours[1].grad)
    for _ in range(3):
        ours[2].backward()
        theirs[2].backward()
        assert ours[0].grad == pytest.approx(theirs[0].grad, rel=1e-12)
        assert ours[1].grad == pytest.approx(theirs[1].grad, rel=1e-12)
    assert once == (0.0, 0.0) and ours[0].grad != pytest.approx(138.8338, abs=1e-3)
    # A plain chain a -> b = 2a -> c = 3b: the second pass sends b's accumulated 6 + 3 through b.
    a = Value(3.0)
    c = (a * 2) * 3
    c.backward()
    c.backward()
    assert a.grad == 18.0


def test_zero_grad_then_backward_repeats_the_same_gradients():
    a, b, g = readme_program()
    g.backward()
    first = (a.grad, b.grad)
    g.zero_grad()
    assert all(node.grad == 0.0 for node in g.topo())
    g.backward()
    assert (a.grad, b.grad) == first
    g.backward(zero_grad=True)
    g.backward(zero_grad=True)
    assert (a.grad, b.grad) == first
    assert f"{a.grad:.4f}" == "138.8338"


def test_zero_grad_leaves_nodes_outside_the_graph_alone():
    a, b = Value(1.0), Value(2.0)
    unrelated = Value(5.0)
    unrelated.grad = 7.0
    (a * b).backward()
    (a * b).zero_grad()
    assert (a.grad, b.grad, unrelated.grad) == (0.0, 0.0, 7.0)


# ---------------------------------------------------------------- forward recompute and topo


@FAST
@given(x=floats(-3, 3), y=floats(0.1, 3))
def test_forward_recomputes_after_a_leaf_changes(x, y):
    a = Value(1.0)
    b = Value(1.0)
    out = ((a * b).tanh() + (b**-1.5) - a.exp() / b + b.log() + a.sigmoid() + (a - b).relu()) * 2
    a.data, b.data = x, y
    out.forward()
    expected = (
        (Value(x) * Value(y)).tanh()
        + (Value(y) ** -1.5)
        - Value(x).exp() / Value(y)
        + Value(y).log()
        + Value(x).sigmoid()
        + (Value(x) - Value(y)).relu()
    ) * 2
    assert out.data == expected.data


def test_topo_puts_operands_before_results_once_each():
    a, _, g = readme_program()
    order = g.topo()
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order) and order[-1] is g
    assert all(position[id(child)] < position[id(node)] for node in order for child in node._prev)
    assert order[0] is a  # operands are visited left to right, as micrograd's recursion does


def recursive_topo(root: Value) -> list[Value]:
    """micrograd's recursive build_topo, over the ordered operand tuple."""
    order: list[Value] = []
    visited: set[Value] = set()

    def visit(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                visit(child)
            order.append(v)

    visit(root)
    return order


@FAST
@given(picks=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), st.booleans()), max_size=40))
def test_iterative_topo_equals_micrograds_recursive_order(picks):
    nodes = [Value(1.0), Value(2.0)]
    for i, j, binary in picks:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(a * b if binary else a.tanh())
    assert nodes[-1].topo() == recursive_topo(nodes[-1])
