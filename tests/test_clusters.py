"""Neural networks in a graph: named Values, clusters per neuron/layer/datapoint/loss, collapsed drawings."""

from __future__ import annotations

import html
import random
import re

import micrograd.nn

from app.render import renderer
from engine.dot import to_dot
from engine.drawing import count_shapes, plan
from engine.expr import run_program
from engine.graph import GraphModel
from engine.reader import read_graph
from tests.lecture_programs import LECTURE_DATA, LECTURE_LOOP, LECTURE_NN, LECTURE_VALUE, run_lecture

FORWARD = "n = MLP(3, [4, 4, 1])\nx = [2.0, 3.0, -1.0]\no = n(x)\no.backward()"


def clusters_of(model: GraphModel) -> dict:
    return {c.id: c for c in model.clusters}


def test_lecture_forward_pass_is_named_and_grouped_per_neuron_and_layer():
    ns = run_lecture(LECTURE_VALUE, LECTURE_NN, FORWARD)
    model = read_graph(ns["o"], names=ns)
    clusters = clusters_of(model)
    assert [c for c in clusters if "." not in c] == ["L1", "L2", "L3"]
    assert [c.id for c in model.clusters if c.parent == "L1"] == ["L1.N1", "L1.N2", "L1.N3", "L1.N4"]
    by_label = {node.label: node for node in model.nodes}
    n = ns["n"]
    for li, layer in enumerate(n.layers, 1):
        for ni, neuron in enumerate(layer.neurons, 1):
            cid = f"L{li}.N{ni}"
            for k, w in enumerate(neuron.w, 1):
                node = by_label[f"{cid}.w{k}"]
                assert (node.data, node.grad, node.cluster) == (w.data, w.grad, cid)
            assert by_label[f"{cid}.b"].data == neuron.b.data
            # The cluster's output is the neuron's tanh; one pass: nin products, nin sums, tanh,
            # nin + 1 parameters, and (layer 1) the nin number leaves of w * x.
            out = model.node(clusters[cid].output)
            assert out.op == "tanh" and clusters[cid].label == f"{cid} (tanh)"
            nin = len(neuron.w)
            assert clusters[cid].size == 3 * nin + 2 + (nin if li == 1 else 0)
    assert model.node(clusters["L3.N1"].output).label == "o"  # the program's own name wins
    assert model.node(clusters["L3.N1"].output).data == ns["o"].data


def test_training_loop_has_datapoints_shared_parameters_and_loss_terms():
    ns = run_lecture(LECTURE_VALUE, LECTURE_NN, LECTURE_DATA, "n = MLP(3, [4, 4, 1])", LECTURE_LOOP)
    model = read_graph(ns["loss"], names=ns)
    clusters = clusters_of(model)
    assert [c for c in clusters if c.startswith("D") and "." not in c] == ["D1", "D2", "D3", "D4"]
    assert clusters["D3.L2.N4"].parent == "D3.L2" and clusters["D3.L2"].parent == "D3"
    assert clusters["L1.N2"].kind == "parameters" and clusters["L1"].kind == "layer"
    assert {model.node(n).cluster for n in (f"n{i}" for i in range(len(model.nodes)))} >= {"L1.N2", "D4.loss"}
    # Each datapoint's cluster shows one prediction (a set _prev has no order: numbered as drawn).
    shown = sorted(model.node(clusters[f"D{d}"].output).data for d in range(1, 5))
    assert shown == sorted(y.data for y in ns["ypred"])
    for d in range(1, 5):
        assert clusters[f"D{d}.loss"].kind == "loss" and clusters[f"D{d}.loss"].parent == f"D{d}"
    assert model.node(model.output).cluster == "loss" and clusters["loss"].parent is None
    assert sum(c.size for c in model.clusters if c.parent is None) + sum(
        n.cluster is None for n in model.nodes
    ) == len(model.nodes)


def test_micrograd_package_mlp_has_a_linear_output_neuron():
    random.seed(3)
    n = micrograd.nn.MLP(2, [3, 1])
    out = n([1.0, -2.0])
    out.backward()
    model = read_graph(out, names={"n": n, "out": out})
    clusters = clusters_of(model)
    assert clusters["L1.N1"].label == "L1.N1 (relu)" and clusters["L2.N1"].label == "L2.N1"
    output = model.node(clusters["L2.N1"].output)
    assert (output.label, output.op) == ("out", "add")


def test_the_language_names_its_models_too():
    program = run_program(FORWARD)
    model = GraphModel.from_program(program)
    labels = {node.label for node in model.nodes}
    assert {"L1.N1.w1", "L2.N4.b", "L1.N3"} <= labels and "o" in labels
    assert len(model.clusters) == 3 + 9
    program = run_program(LECTURE_DATA + "n = MLP(3, [4, 4, 1])\n" + LECTURE_LOOP)
    model = GraphModel.from_program(program)
    ys = [1.0, -1.0, -1.0, 1.0]
    for d in range(1, 5):  # ordered operands: datapoints are numbered as the program made them
        term_leaves = [n.data for n in model.nodes if n.cluster == f"D{d}.loss" and n.is_leaf and n.data]
        assert term_leaves == [-ys[d - 1]]  # yout - ygt makes a leaf -ygt in this datapoint's term


def test_collapsed_drawing_of_the_loop_fits_and_expands_one_neuron():
    program = run_program(LECTURE_DATA + "n = MLP(3, [4, 4, 1])\n" + LECTURE_LOOP)
    model = GraphModel.from_program(program)
    assert count_shapes(model, set()) > 400  # too big drawn whole
    auto = plan(model, 400, 4000)
    assert "D1.L1.N1" in auto.collapsed and "D1" in auto.open and auto.shapes <= 400
    svg = renderer.svg(to_dot(model, collapsed=auto.collapsed))
    found = re.search(r'<g id="box-D2.L1.N3" class="node box kind-neuron">(.*?)</g>', svg, re.S)
    box = html.unescape(found[1])
    out = model.node(clusters_of(model)["D2.L1.N3"].output)
    assert f"data {out.data:.4f}" in box and f"grad {out.grad:.4f}" in box and "10 values" in box
    opened = plan(model, 400, 4000, expand=[*auto.open, "D2.L1.N3"])
    assert "D2.L1.N3" in opened.open and "D2.L1.N3" not in opened.collapsed
    svg = renderer.svg(to_dot(model, collapsed=opened.collapsed))
    assert 'id="cluster-D2.L1.N3"' in svg and 'id="box-D2.L1.N3"' not in svg
    assert f'id="node-{out.id}"' in svg  # its scalar graph, draw_dot style


def test_text_is_14pt_as_micrograd_draws_it():
    ns = run_lecture(LECTURE_VALUE, LECTURE_NN, FORWARD)
    svg = renderer.svg(to_dot(read_graph(ns["o"], names=ns)))
    sizes = set(re.findall(r'font-size="([\d.]+)"', svg))
    assert sizes == {"14.00"}
