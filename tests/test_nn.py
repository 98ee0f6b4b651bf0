"""Neuron, Layer and MLP: micrograd's shapes and behaviour, plus named activations and seeds."""

from __future__ import annotations

import math
import random

import micrograd.nn
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.nn import ACTIVATIONS, MLP, Layer, Neuron
from engine.value import Value

FAST = settings(max_examples=30, deadline=None)


def datas(model) -> list[float]:
    return [p.data for p in model.parameters()]


@pytest.mark.parametrize(
    ("nin", "nouts", "count"), [(2, [16, 16, 1], 337), (3, [4, 4, 1], 41), (2, [1, 1], 5)]
)
def test_parameter_counts(nin, nouts, count):
    assert len(MLP(nin, nouts).parameters()) == count
    assert len(MLP(nin, nouts).parameters()) == sum((a + 1) * b for a, b in zip([nin, *nouts], nouts))


def test_same_seed_same_parameters_different_seed_different():
    assert datas(MLP(2, [16, 16, 1], seed=7)) == datas(MLP(2, [16, 16, 1], seed=7))
    assert datas(MLP(2, [16, 16, 1], seed=7)) != datas(MLP(2, [16, 16, 1], seed=8))
    # The seed is the model's own: it neither reads nor moves the global random state.
    random.seed(1)
    MLP(2, [4, 1], seed=3)
    after = random.random()
    random.seed(1)
    assert random.random() == after


def test_without_a_seed_weights_come_from_the_global_random_like_micrograd():
    random.seed(42)
    ours = MLP(2, [16, 16, 1])
    random.seed(42)
    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    assert datas(ours) == [float(p.data) for p in theirs.parameters()]
    assert all(-1 <= w <= 1 for w in datas(ours))
    assert all(n.b.data == 0.0 for layer in ours.layers for n in layer.neurons)
    x = [0.3, -1.7]
    assert ours(x).data == pytest.approx(theirs(x).data, rel=1e-12)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@FAST
@given(x=st.lists(st.floats(-3, 3), min_size=3, max_size=3), seed=st.integers(0, 1000))
def test_neuron_applies_its_activation(activation, x, seed):
    neuron = Neuron(3, activation=activation, rng=random.Random(seed))
    neuron.b.data = 0.25
    z = sum(w.data * xi for w, xi in zip(neuron.w, x)) + 0.25
    expected = {
        "relu": max(z, 0.0),
        "tanh": math.tanh(z),
        "sigmoid": 1 / (1 + math.exp(-z)),
        "linear": z,
    }[activation]
    out = neuron(x)
    assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert out.op == {"linear": "add"}.get(activation, activation)


def test_nonlin_false_means_linear():
    assert Neuron(2, nonlin=False, activation="tanh").activation == "linear"
    assert Neuron(2, nonlin=False)([1.0, 2.0]).op == "add"


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_hidden_layers_use_the_activation_and_the_last_layer_is_linear(activation):
    model = MLP(2, [3, 3, 2], activation=activation, seed=0)
    hidden = [n.activation for layer in model.layers[:-1] for n in layer.neurons]
    assert hidden == [activation] * 6
    assert [n.activation for n in model.layers[-1].neurons] == ["linear", "linear"]
    outputs = model([0.5, -0.5])
    assert isinstance(outputs, list) and [o.op for o in outputs] == ["add", "add"]
    # What the last layer sums is the hidden activations.
    last_inputs = {child.op for o in outputs for node in o.topo() for child in node._prev if node.op == "mul"}
    assert {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "add"}[activation] in last_inputs


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLP(2, [3, 1], activation="softmax"),
        lambda: Layer(2, 3, activation="ReLU"),
        lambda: Neuron(2, activation=""),
    ],
)
def test_unknown_activation_is_a_value_error_naming_the_choices(make):
    with pytest.raises(ValueError) as excinfo:
        make()
    message = str(excinfo.value)
    assert all(name in message for name in ACTIVATIONS)
    assert message.startswith("activation must be one of")


def test_hidden_layer_of_width_one():
    model = MLP(2, [1, 1], seed=0)
    out = model([1.0, 2.0])
    assert isinstance(out, Value)
    (h,), (o,) = model.layers[0].neurons, model.layers[1].neurons
    hidden = max(0.0, h.w[0].data * 1.0 + h.w[1].data * 2.0 + h.b.data)
    assert out.data == pytest.approx(o.w[0].data * hidden + o.b.data, rel=1e-12)
    out.backward()
    assert o.b.grad == 1.0 and o.w[0].grad == pytest.approx(hidden, rel=1e-12)
    # Narrow layers in the middle and several outputs at the end.
    assert isinstance(MLP(2, [1, 1, 1], seed=0)([1.0, 2.0]), Value)
    assert len(MLP(2, [4, 1, 3], seed=0)([1.0, 2.0])) == 3


@FAST
@given(x=st.lists(st.floats(-2, 2), min_size=2, max_size=2), seed=st.integers(0, 1000))
def test_width_one_mlp_gradients_match_central_differences(x, seed):
    model = MLP(2, [1, 2, 1], activation="tanh", seed=seed)
    model(x).backward()
    for p in model.parameters():
        h = 1e-6
        p.data += h
        up = model(x).data
        p.data -= 2 * h
        down = model(x).data
        p.data += h
        assert p.grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7)


def test_layer_keeps_micrograds_lone_value_for_one_neuron():
    layer = Layer(2, 1, rng=random.Random(0))
    assert isinstance(layer([1.0, 2.0]), Value)
    assert isinstance(layer.outputs([1.0, 2.0]), list) and len(layer.outputs([1.0, 2.0])) == 1
    assert len(Layer(2, 3)([1.0, 2.0])) == 3


def test_module_zero_grad():
    model = MLP(2, [4, 4, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    layer = model.layers[0]
    model([1.0, -1.0]).backward()
    layer.zero_grad()
    assert all(p.grad == 0 for p in layer.parameters())
    assert any(p.grad != 0 for p in model.layers[1].parameters())


def test_repr():
    assert repr(MLP(2, [3, 1])) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(3)]]"
    )
    assert (
        repr(MLP(2, [2, 1], activation="tanh"))
        == "MLP of [Layer of [TanhNeuron(2), TanhNeuron(2)], Layer of [LinearNeuron(2)]]"
    )
    assert repr(Neuron(4, activation="sigmoid")) == "SigmoidNeuron(4)"
    assert repr(Layer(1, 1, activation="linear")) == "Layer of [LinearNeuron(1)]"


def test_one_sgd_step_on_the_hinge_loss_lowers_it():
    model = MLP(2, [8, 8, 1], seed=3)
    X = [[1.0, 0.5], [-1.0, -0.5], [0.5, -1.0], [-0.5, 1.0]]
    y = [1.0, -1.0, 1.0, -1.0]

    def loss() -> Value:
        return sum(((1 + -yi * model(xi)).relu() for xi, yi in zip(X, y)), Value(0.0)) * 0.25

    before = loss()
    model.zero_grad()
    before.backward()
    for p in model.parameters():
        p.data -= 0.05 * p.grad
    assert loss().data < before.data


@pytest.mark.parametrize(
    "module",
    [
        MLP(3, [4, 4, 1], lecture=True),
        MLP(3, [4, 1]),  # ReLU hidden, linear output
        MLP(3, [1, 2], activation="sigmoid"),
        Layer(3, 2, activation="tanh"),
        Layer(3, 1, nonlin=False),
        Neuron(3),
    ],
)
@pytest.mark.parametrize("inputs", [[1.0, 2.0, 3.0], [Value(1.0), 2.0, Value(3.0)]])
def test_nodes_made_is_exactly_what_a_forward_pass_makes(module, inputs):
    # The interpreter counts a forward pass's Values by this number instead of walking them.
    out = module(inputs)
    outputs = out if isinstance(out, list) else [out]
    before = {id(v) for v in module.parameters() + [v for v in inputs if isinstance(v, Value)]}
    made = {id(v) for o in outputs for v in o.topo()} - before
    assert module.nodes_made(sum(1 for v in inputs if not isinstance(v, Value))) == len(made)
