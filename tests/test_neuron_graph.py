"""Collapsing one datapoint's graph to neurons, and expanding one neuron back to Values."""

from __future__ import annotations

import re
import subprocess

import pytest
import torch

from engine.dot import to_dot
from engine.drawing import plan
from engine.graph import GraphModel
from engine.losses import encode_target, sample_loss
from engine.neuron_graph import (
    NeuronGraphError,
    collapse,
    expand_neuron,
    find_neurons,
    input_values,
    parse_neuron_id,
)
from engine.nn import MLP
from engine.reader import read_graph
from engine.value import Value


def one_datapoint(activation: str = "relu", sizes=(3, 2, 1), loss: str = "hinge", label: int = 0):
    model = MLP(2, list(sizes), activation=activation, seed=11)
    x = [Value(0.7, label="x1"), Value(-1.3, label="x2")]
    out = model(x)
    scores = out if isinstance(out, list) else [out]
    target = encode_target(loss, label, 2)
    root = sample_loss(loss, scores, target)
    root.backward()
    return model, x, root, target


def collapsed(model, root, target, loss="hinge"):
    outputs = find_neurons(root, model)
    activations = [layer.neurons[0].activation for layer in model.layers]
    return collapse(root, outputs, activations, input_values(outputs, activations[0]), loss, target)


def torch_grads(model, x, label: int):
    """d loss / d (w, b) of every neuron, by PyTorch, for the same MLP and hinge loss."""
    h = torch.tensor([v.data for v in x], dtype=torch.float64)
    params = []
    for i, layer in enumerate(model.layers):
        W = torch.tensor(
            [[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True
        )
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        params.append((W, b))
        h = W @ h + b
        if i < len(model.layers) - 1:
            h = torch.tanh(h)
    y = 1.0 if label == 1 else -1.0
    torch.relu(1 - y * h[0]).backward()
    return params


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_collapse_counts_and_numbers(activation):
    model, _, root, target = one_datapoint(activation)
    graph = collapsed(model, root, target)
    assert [n.kind for n in graph.nodes] == ["input"] * 2 + ["neuron"] * 6 + ["loss"]
    assert len(graph.edges) == 2 * 3 + 3 * 2 + 2 * 1
    assert graph.scalar_values == len(root.topo())
    assert sum(n.scalar_values for n in graph.nodes[:-1]) + graph.loss.scalar_values == graph.scalar_values
    # The output neuron is the score the loss reads; the loss is the hinge of it.
    score = graph.nodes[-2]
    assert score.label == "score" and score.activation == "linear"
    assert graph.loss.value == root.data == max(0.0, 1 + score.data)  # label 0 -> target -1
    assert graph.loss.scores == [score.data]


def test_weight_grads_match_pytorch():
    model, x, root, target = one_datapoint("tanh", label=1)
    assert root.data > 0  # a datapoint with a gradient
    graph = collapsed(model, root, target)
    params = torch_grads(model, x, label=1)
    by_target: dict[str, list[float]] = {}
    for e in graph.edges:
        by_target.setdefault(e.target, []).append(e.weight_grad)
    for layer, (W, b) in enumerate(params):
        for n in range(W.shape[0]):
            assert by_target[f"{layer}.{n}"] == pytest.approx(W.grad[n].tolist(), abs=1e-12)
            node = next(node for node in graph.nodes if node.id == f"{layer}.{n}")
            assert node.bias_grad == pytest.approx(b.grad[n].item(), abs=1e-12)


def test_weight_grads_ignore_what_training_left_on_the_parameters():
    model, _, root, target = one_datapoint("relu", label=1)
    clean = [e.weight_grad for e in collapsed(model, root, target).edges]
    for p in model.parameters():
        p.grad += 123.0  # as if a training step had accumulated here
    assert [e.weight_grad for e in collapsed(model, root, target).edges] == clean


def test_expanded_neuron_is_a_cut_of_the_full_graph():
    model, _, root, target = one_datapoint("relu", sizes=(3, 2, 1), label=1)
    graph = collapsed(model, root, target)
    copy = expand_neuron(graph, "1.0")
    model_graph = GraphModel.from_root(copy)
    labels = [n.label for n in model_graph.nodes]
    assert {"h0.0", "h0.1", "h0.2", "b1.0", "w1.0.0", "w1.0.2", "act1.0", "h1.0"} <= set(labels)
    assert model_graph.stats.nodes == 4 * 3 + 2
    original = graph.parts["1.0"]
    assert copy.data == original.output.data and copy.grad == original.output.grad
    inputs = {n.label: n for n in model_graph.nodes if n.label.startswith("h0.")}
    assert all(n.is_leaf for n in inputs.values())
    assert inputs["h0.1"].data == graph.parts["0.1"].output.data
    assert inputs["h0.1"].grad == graph.parts["0.1"].output.grad
    assert "w1.0.0" in to_dot(model_graph)
    # The copy is separate: nothing in the model's graph changed.
    assert copy is not original.output and copy._prev[0] is not original.pre_activation


def test_ladder_is_the_same_graph_laid_out_one_weight_per_row():
    model, _, root, target = one_datapoint("relu", sizes=(5, 2, 1), label=1)
    graph = collapsed(model, root, target)
    model_graph = GraphModel.from_root(expand_neuron(graph, "1.0"))
    plain, ladder = to_dot(model_graph), to_dot(model_graph, ladder=True)
    # Every node and edge of micrograd's drawing, with the same ids and numbers.
    assert re.findall(r'id="[^"]+"', plain) == re.findall(r'id="[^"]+"', ladder)
    assert ladder.count("->") == plain.count("->") + 4  # plus the invisible chain ordering the 5 + ops
    # The 4 edges that carry the running sum into the next + no longer push it a rank to the right.
    assert ladder.count("constraint=false") == 4
    svg = subprocess.run(["dot", "-Tsvg"], input=ladder, capture_output=True, text=True, timeout=30)
    assert svg.returncode == 0, svg.stderr
    # The + ops form one column, top to bottom in the order of the sum.
    # (Graphviz writes "-" in ids and classes as &#45;; y grows downwards.)
    add = 'class="node op op&#45;add"'
    adds = re.findall(add + r'>.*?<ellipse[^>]* cx="([-\d.]+)" cy="([-\d.]+)"', svg.stdout, re.S)
    assert len(adds) == 5
    assert len({x for x, _ in adds}) == 1
    sums = [n.id for n in model_graph.nodes if n.op == "add"]
    order = re.findall(r'id="op&#45;(n\d+)" ' + add, svg.stdout)
    ys = dict(zip(order, (float(y) for _, y in adds)))
    assert [ys[n] for n in sums] == sorted(ys[n] for n in sums)
    width = float(re.search(r'viewBox="([^"]+)"', svg.stdout).group(1).split()[2])
    plain_svg = subprocess.run(["dot", "-Tsvg"], input=plain, capture_output=True, text=True, timeout=30)
    plain_width = float(re.search(r'viewBox="([^"]+)"', plain_svg.stdout).group(1).split()[2])
    assert width < plain_width / 1.5


def test_a_datapoint_drawn_collapsed_takes_the_playgrounds_path():
    # One drawing path: read with the model's structure, plan with every neuron one box (engine.drawing),
    # DOT from engine.dot; each link into a neuron carries its weight (colour: sign; width: size).
    model, _, root, _ = one_datapoint(sizes=(3, 2, 1))
    graph = read_graph(root, structure={"model": model})
    layers = [c.id for c in graph.clusters if c.kind != "neuron"]
    source = to_dot(graph, collapsed=plan(graph, 400, 4000, layers).collapsed)
    assert source.count("kind-neuron") == 3 + 2 + 1
    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    assert source.count('class="link weight"') == len(weights) == 2 * 3 + 3 * 2 + 2 * 1
    for w in weights:  # each weight once, coloured by its sign
        colour = "#0877bdb0" if w.data > 0 else "#f59322b0"
        assert len(re.findall(rf'color="{colour}"[^\]]*data {re.escape(repr(w.data))}, grad', source)) == 1


def test_parse_neuron_id():
    sizes = [2, 3, 2, 1]
    assert parse_neuron_id("0.2", sizes) == (0, 2)
    assert parse_neuron_id("2.0", sizes) == (2, 0)
    for bad in ("3.0", "0.3", "1.2", "a.b", "1", "1.2.3", "-1.0", "", "99999.0"):
        with pytest.raises(NeuronGraphError, match="neuron"):
            parse_neuron_id(bad, sizes)


def test_a_graph_of_another_shape_is_refused():
    model = MLP(2, [3, 1], seed=1)
    other = MLP(2, [3, 1], seed=2)
    out = other([Value(1.0), Value(2.0)])
    with pytest.raises(NeuronGraphError):
        find_neurons(out, model)
