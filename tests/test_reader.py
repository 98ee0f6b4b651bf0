"""The graph reader on every micrograd-like Value: ours, the micrograd package's, the lecture's own."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import micrograd.engine
import pytest

from app.schemas.graph import GraphResponse
from engine import Value, draw_dot
from engine.graph_json import to_json
from engine.reader import (
    GraphReadError,
    OutputError,
    pick_output,
    read_graph,
    read_namespace,
    topo_order,
)
from tests.lecture_programs import LECTURE_NEURON, LECTURE_VALUE, run_lecture
from tests.reference_programs import readme_program


def micrograd_readme():
    a, b, g = readme_program(micrograd.engine.Value)
    g.backward()
    return a, b, g


def test_micrograd_package_graph_has_its_own_node_count_and_numbers():
    a, b, g = micrograd_readme()
    model = read_graph(g, names={"a": a, "b": b, "g": g}, output_name="g")
    ours = read_graph(readme_program(Value)[2])
    assert model.stats.nodes == ours.stats.nodes == 39  # f / 2.0 is one leaf 0.5 and a *, as micrograd
    by_name = {n.name: n for n in model.nodes if n.name}
    assert f"{by_name['g'].data:.4f}" == "24.7041"
    assert f"{by_name['a'].grad:.4f}" == "138.8338" and f"{by_name['b'].grad:.4f}" == "645.5773"
    assert {n.op for n in model.nodes} == {"leaf", "add", "mul", "pow", "relu"}
    assert all(n.derivative_known for n in model.nodes)
    # Every local derivative is known, so the contributions into each node sum to its grad.
    into: dict[str, float] = {}
    for e in model.edges:
        into[e.source] = into.get(e.source, 0.0) + e.contribution
    for node in model.nodes:
        if not node.is_output:
            assert math.isclose(into[node.id], node.grad, rel_tol=1e-9, abs_tol=1e-9), node


def test_gradient_check_passes_on_micrograd_graph_without_touching_it():
    _, _, g = micrograd_readme()
    before = [(v.data, v.grad) for v in topo_order(g)]
    model = read_graph(g, check_gradients=True)
    assert model.gradient_check and all(c.ok for c in model.gradient_check)
    assert [(v.data, v.grad) for v in topo_order(g)] == before


def test_lecture_value_with_closures_and_set_prev():
    ns = run_lecture(LECTURE_VALUE, LECTURE_NEURON)
    model = read_graph(ns["o"], names=ns, check_gradients=True)
    by_label = {n.label: n for n in model.nodes}
    assert f"{by_label['o'].data:.4f}" == "0.7071"
    assert by_label["x1"].grad == pytest.approx(-1.5) and by_label["w1"].grad == pytest.approx(1.0)
    assert by_label["o"].op == "tanh" and by_label["o"].derivative_known
    tanh_edge = next(e for e in model.edges if e.target == by_label["o"].id)
    assert tanh_edge.local_grad == pytest.approx(0.5)  # 1 - o², the chain-rule panel's number
    assert all(c.ok for c in model.gradient_check)


def test_a_plus_a_from_a_set_is_one_edge_with_two_slots_and_a_note():
    ns = run_lecture(LECTURE_VALUE, "a = Value(3.0, label='a')\nb = a + a; b.label = 'b'\nb.backward()")
    model = read_graph(ns["b"])
    (edge,) = model.edges
    assert edge.slots == 2 and edge.local_grad == 2.0 and edge.contribution == 2.0
    a = model.node(edge.source)
    assert a.grad == 2.0  # micrograd's own backward added out.grad twice
    note = model.node(edge.target).note
    assert "set" in note and "one edge" in note and "a.grad" in note
    # a * a: the local derivative counts both slots, 2a.
    ns = run_lecture(LECTURE_VALUE, "a = Value(3.0)\nc = a * a\nc.backward()")
    (edge,) = read_graph(ns["c"]).edges
    assert (edge.slots, edge.local_grad) == (2, 6.0)


def test_ours_keeps_two_edges_for_a_plus_a():
    a = Value(3.0, label="a")
    model = read_graph(a + a)
    assert [e.slots for e in model.edges] == [1, 1] and model.nodes[-1].note is None


def test_unknown_op_is_drawn_without_a_derivative_and_not_checked():
    ns = run_lecture(
        LECTURE_VALUE,
        "x = Value(2.0, label='x')\ny = Value(5.0, label='y')\n"
        "s = Value(x.data - 1, (x,), 'shift'); s.label = 's'\nout = s * y + y; out.label = 'out'",
    )
    model = read_graph(ns["out"], check_gradients=True)
    s = next(n for n in model.nodes if n.label == "s")
    assert (s.op, s.op_symbol, s.derivative_known) == ("unknown", "shift", False)
    assert "'shift'" in s.note and "no known local derivative" in s.note
    edge = next(e for e in model.edges if e.target == s.id)
    assert edge.local_grad is None and edge.contribution is None
    assert [c.label for c in model.gradient_check] == ["y"]  # x feeds the unknown op: skipped
    svg = draw_dot(ns["out"]).pipe(format="svg").decode()
    assert ">shift<" in svg


@pytest.mark.parametrize("kind", ["list", "tuple"])
def test_list_and_tuple_prev_keep_operand_order(kind):
    code = LECTURE_VALUE.replace("self._prev = set(_children)", f"self._prev = {kind}(_children)")
    ns = run_lecture(code, "a = Value(2.0)\nb = Value(5.0)\nc = a * b\nd = c + c\nd.backward()")
    model = read_graph(ns["d"])
    assert [e.slots for e in model.edges] == [1, 1, 1, 1]  # ordered: a + a keeps two edges
    assert model.nodes[-1].grad == 1.0 and model.node("n0").grad == 10.0


def test_draw_dot_on_micrograd_and_on_the_lecture_class():
    _, _, g = micrograd_readme()
    source = draw_dot(g).source
    assert "data 24.7041" in source and "ReLU" in source
    ns = run_lecture(LECTURE_VALUE, LECTURE_NEURON)
    dot = draw_dot(ns["o"])
    assert "{ o | data 0.7071 | grad 1.0000 }" in dot.source
    assert dot.pipe(format="svg").startswith(b"<?xml")


def test_json_of_a_read_graph_is_the_api_json():
    ns = run_lecture(LECTURE_VALUE, LECTURE_NEURON, "a = Value(1.0)\nz = (a + a) * Value(float('nan'))")
    for root in (ns["o"], ns["z"], micrograd_readme()[2]):
        data = to_json(read_graph(root, check_gradients=True))
        assert GraphResponse.model_validate(data).model_dump(mode="json") == data
        json.dumps(data, allow_nan=False)  # strict JSON: NaN travels as "NaN"


def test_not_a_value_and_bad_fields_are_clear_errors():
    with pytest.raises(GraphReadError, match="not a Value"):
        read_graph(3.0)
    ns = run_lecture(LECTURE_VALUE, "a = Value('two')\nb = Value(1.0, (a,), 'tanh')")
    with pytest.raises(GraphReadError, match="data must be a number"):
        read_graph(ns["b"])
    ns = run_lecture(LECTURE_VALUE, "a = Value(1.0)\na._prev = 5")
    with pytest.raises(GraphReadError, match="_prev must be a set, tuple or list"):
        read_graph(ns["a"])


def test_labels_with_lone_surrogates_become_replacement_characters():
    ns = run_lecture(
        LECTURE_VALUE, "a = Value(1.0, label='x\\ud800')\nb = Value(2.0, label='\\ud83d\\ude00')"
    )
    assert read_graph(ns["a"]).nodes[0].label == "x\ufffd"
    assert read_graph(ns["b"]).nodes[0].label == "😀"  # a JavaScript-style pair is the character


def test_pick_output_order():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    ns = {"a": a, "b": b, "c": c, "k": 4}
    assert pick_output(ns, output="a").value is a
    assert pick_output(ns, backward=b).how == "backward" and pick_output(ns, backward=b).name == "b"
    assert pick_output(ns, last_expression=a).value is a
    assert pick_output(ns).value is c and pick_output(ns).how == "assigned"
    assert pick_output(ns, assigned=["c", "b", "k"]).value is b
    assert pick_output({"k": 4}) is None
    with pytest.raises(OutputError, match="'nope' is not a variable"):
        pick_output(ns, output="nope")


def test_read_namespace_is_what_a_python_runner_calls():
    ns = run_lecture(LECTURE_VALUE, LECTURE_NEURON)
    model = read_namespace(ns, backward=ns["o"], prints=[(3, "hi")])
    assert model.node(model.output).label == "o" and model.prints == [(3, "hi")]
    assert read_namespace({"k": 1}) is None


def test_reader_modules_import_with_the_standard_library_only():
    """Pyodide loads these: no numpy, graphviz or pydantic may come in with them."""
    code = (
        "import sys; import engine.reader, engine.graph_json, engine.clusters, engine.ops; "
        "bad = {'numpy', 'graphviz', 'pydantic', 'fastapi'} & set(sys.modules); print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
