"""The graph model: nodes, edges, pass orders, contributions and the numerical gradient check."""

from __future__ import annotations

import math

import pytest

from engine.expr import run_program
from engine.graph import GraphModel, GraphTooLarge, check_leaf_gradients
from engine.value import Value
from tests.reference_programs import readme_program


def readme_graph() -> tuple[Value, Value, Value]:
    """micrograd's README program with our Value, a and b labelled, backpropagated: (a, b, g)."""
    a, b, g = readme_program(Value)
    a.label, b.label = "a", "b"
    g.backward()
    return a, b, g


def test_a_plus_a_has_two_edges_and_grad_two():
    a = Value(3.0, label="a")
    out = a + a
    out.backward()
    model = GraphModel.from_root(out)
    assert [n.id for n in model.nodes] == ["n0", "n1"]
    assert [(e.source, e.target, e.position) for e in model.edges] == [("n0", "n1", 0), ("n0", "n1", 1)]
    assert model.node("n0").grad == 2.0
    assert [e.contribution for e in model.edges] == [1.0, 1.0]
    assert model.stats.edges == 2 and model.stats.nodes == 2 and model.stats.depth == 1


def test_readme_program_numbers_and_node_fields():
    a, b, g = readme_graph()
    model = GraphModel.from_root(g, names={"a": a, "b": b, "g": g}, output_name="g")
    assert f"{model.node(model.output).data:.4f}" == "24.7041"
    by_name = {n.name: n for n in model.nodes if n.name}
    assert set(by_name) == {"a", "b", "g"}
    assert f"{by_name['a'].grad:.4f}" == "138.8338"
    assert f"{by_name['b'].grad:.4f}" == "645.5773"
    out = model.node(model.output)
    assert out.is_output and not out.is_leaf and out.label == "g" and out.grad == 1.0
    assert sum(n.is_output for n in model.nodes) == 1
    pows = [n for n in model.nodes if n.op == "pow"]
    assert {n.exponent for n in pows} == {3.0, 2.0, -1.0}
    assert all(n.op_symbol.startswith("**") for n in pows)
    assert all(n.exponent is None for n in model.nodes if n.op != "pow")
    assert {n.op for n in model.nodes} == {"leaf", "add", "mul", "pow", "relu"}


def test_ids_follow_topo_order_and_are_deterministic():
    first = GraphModel.from_root(readme_graph()[2])
    second = GraphModel.from_root(readme_graph()[2])
    assert [n.id for n in first.nodes] == [n.id for n in second.nodes]
    assert [(e.source, e.target) for e in first.edges] == [(e.source, e.target) for e in second.edges]
    for node in first.nodes:
        assert node.id == f"n{node.topo_index}"
    for edge in first.edges:
        # operands come before results
        assert int(edge.source[1:]) < int(edge.target[1:])
    assert [e.id for e in first.edges] == [f"e{k}" for k in range(len(first.edges))]


def test_orders_are_topological_and_reversed():
    model = GraphModel.from_root(readme_graph()[2])
    assert model.forward_order[-1] == model.output
    assert model.backward_order == model.forward_order[::-1]
    assert model.backward_order[0] == model.output
    seen = set()
    position = {node_id: i for i, node_id in enumerate(model.forward_order)}
    for edge in model.edges:
        assert position[edge.source] < position[edge.target]
    for node_id in model.forward_order:
        seen.add(node_id)
    assert len(seen) == len(model.nodes)


def test_contributions_sum_to_each_grad():
    model = GraphModel.from_root(readme_graph()[2])
    incoming: dict[str, float] = {}
    for edge in model.edges:
        target = model.node(edge.target)
        assert edge.contribution == target.grad * edge.local_grad
        incoming[edge.source] = incoming.get(edge.source, 0.0) + edge.contribution
    for node in model.nodes:
        if node.is_output:
            continue
        assert math.isclose(incoming[node.id], node.grad, rel_tol=1e-12, abs_tol=1e-12), node.id


def test_local_grads_of_mul_are_the_other_operand():
    x, w = Value(2.0), Value(-3.0)
    out = x * w
    out.backward()
    model = GraphModel.from_root(out)
    assert [e.local_grad for e in model.edges] == [-3.0, 2.0]


def test_depth_counts_ops_on_longest_path():
    x = Value(1.0)
    y = ((x * 2).tanh() + x).exp()
    y.backward()
    assert GraphModel.from_root(y).stats.depth == 4  # mul, tanh, add, exp


def test_gradient_check_passes_on_readme_program_and_restores_data():
    _, _, g = readme_graph()
    before = [(n.data, n.grad) for n in g.topo()]
    model = GraphModel.from_root(g, check_gradients=True)
    checks = model.gradient_check
    assert checks is not None
    leaves = [n.id for n in model.nodes if n.is_leaf]
    assert [c.node for c in checks] == leaves
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    assert all(c.relative_error < 1e-6 for c in checks if c.analytic != 0)
    assert [(n.data, n.grad) for n in g.topo()] == before


def test_gradient_check_flags_a_wrong_grad():
    a, _, g = readme_graph()
    a.grad *= 1.01  # as if a backward rule were off by 1%
    checks = GraphModel.from_root(g, check_gradients=True).gradient_check
    by_label = {c.label: c for c in checks}
    assert not by_label["a"].ok
    assert by_label["a"].relative_error > 1e-3
    assert by_label["b"].ok


def test_gradient_check_reports_non_finite_values_without_crashing():
    x = Value(0.0, label="x")
    out = x.log()  # -inf, and d/dx = 1/0
    out.backward()
    checks = GraphModel.from_root(out, check_gradients=True).gradient_check
    assert len(checks) == 1 and checks[0].label == "x"
    assert math.isinf(checks[0].analytic)
    assert isinstance(checks[0].ok, bool)


def test_gradient_check_refuses_too_much_work():
    x = Value(1.0)
    s = x
    for _ in range(50):
        s = s * Value(1.5)
    s.backward()
    with pytest.raises(GraphTooLarge, match="gradient check"):
        check_leaf_gradients(GraphModel.from_root(s), limit=100)


def test_spans_names_and_prints_are_carried():
    class FakeSpan:
        line, column, end_line, end_column = 2, 5, 2, 9

    x = Value(1.5, label="x")
    y = x * x
    y.backward()
    model = GraphModel.from_root(
        y, leaf_spans={x: FakeSpan()}, names={"x": x, "k": 3.0, "y": y}, prints=[(3, "1.5")]
    )
    assert model.node("n0").span is not None
    assert (model.node("n0").span.line, model.node("n0").span.column) == (2, 5)
    assert model.node("n1").span is None
    assert model.node("n0").name == "x" and model.node("n1").name == "y"
    assert model.prints == [(3, "1.5")]


def test_nan_and_inf_flow_into_the_model():
    a = Value(-1.0)
    out = a.log() + Value(1e308) * 10
    out.backward()
    model = GraphModel.from_root(out)
    datas = [n.data for n in model.nodes]
    assert any(math.isnan(d) for d in datas)
    assert any(math.isinf(d) for d in datas)


def test_long_chain_builds_without_recursion():
    x = Value(1.0)
    s = x
    for _ in range(5000):
        s = s + x
    s.backward()
    model = GraphModel.from_root(s)
    assert model.stats.nodes == 5001 and model.node("n0").grad == 5001.0
    assert model.stats.depth == 5000


def test_explicit_labels_win_over_variable_names():
    program = run_program("a = Value(2.0, label='x')\nb = a * a\nb.label = 'square'\nc = b + a\n")
    labels = {node.label for node in GraphModel.from_program(program).nodes}
    assert {"x", "square", "c"} <= labels
    assert not {"a", "b"} & labels


def test_draw_dot_from_the_engine_package_returns_a_digraph():
    import graphviz

    from engine import Value, draw_dot

    a = Value(2.0, label="a")
    out = (a * a).tanh()
    out.backward()
    dot = draw_dot(out)
    assert isinstance(dot, graphviz.Digraph)
    assert "{ a | data 2.0000 | grad " in dot.source
    assert dot.pipe(format="svg").startswith(b"<?xml")
