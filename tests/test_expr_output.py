"""The expression language: which Value is the output, how nodes are labelled, where leaves were written."""

from __future__ import annotations

import pytest
from reference_programs import README_SOURCE as README_PROGRAM

from engine.expr import ExprError, Span, run_program
from engine.reader import topo_order as topo

# ---------------------------------------------------------------- output selection


def test_output_is_what_backward_was_called_on():
    program = run_program("a = Value(2.0)\nb = a * 3\nb.backward()\nc = a + 1\nc")
    assert program.output is program.names["b"] and program.backward_called
    assert program.names["a"].grad == 3.0


def test_explicit_output_argument_wins():
    source = "a = Value(2.0)\nb = a * 3\nb.backward()\nc = a + 1"
    program = run_program(source, output="c")
    assert program.output is program.names["c"] and program.output_name == "c"
    assert program.names["a"].grad == 1.0  # grads are from the chosen output, zeroed first


def test_bare_final_expression_is_the_output():
    program = run_program("a = Value(2.0)\nb = a * 3\na + b")
    assert program.output.data == 8.0 and program.output_name is None
    named = run_program("a = Value(2.0)\nb = a * 3\nc = a + 1\nb")
    assert named.output is named.names["b"] and named.output_name == "b"


def test_last_assigned_variable_is_the_output():
    program = run_program("a = Value(2.0)\nb = a * 3\nxs = [a, b]\nprint(b)")
    assert program.output is program.names["b"]


def test_draw_dot_names_the_output():
    program = run_program("a = Value(2.0)\nb = a * 3\nc = a + 1\ndraw_dot(b)")
    assert program.output is program.names["b"]


def test_backward_on_a_number_variable_makes_a_leaf_output():
    program = run_program("c = 3.0\nc.backward()")
    assert program.output.data == 3.0 and program.output.grad == 1.0 and program.output_name == "c"


@pytest.mark.parametrize(
    ("source", "output", "message"),
    [
        ("", None, "nothing to draw"),
        ("print(1)\n# nothing else", None, "nothing to draw"),
        ("a = Value(1.0)", "nope", "output 'nope' is not a variable of the program (its variables: a)"),
        ("a = Value(1.0)\nxs = [a]", "xs", "output 'xs' is a list, not a Value or a number"),
    ],
)
def test_output_errors(source, output, message):
    with pytest.raises(ExprError) as info:
        run_program(source, output=output)
    assert info.value.message.startswith(message) and info.value.line is None
    assert str(info.value) == info.value.message


def test_grads_are_recomputed_from_zero_for_the_output():
    program = run_program("a = Value(2.0)\nb = a * a\nb.backward()\nb.backward()")
    assert program.names["a"].grad == 4.0  # two backward calls in the program, one fresh pass at the end


# ---------------------------------------------------------------- labels


def test_assignment_labels_and_explicit_labels_win():
    program = run_program(
        "a = Value(1.0, label='alpha')\nb = a + 1\nc = b\nb.label = 'beta'\n"
        "d = Value(2.0)\nd.label = 'delta'\ne = b + d\ne += 1"
    )
    names = program.names
    assert names["a"].label == "alpha"  # label= beats the variable name
    assert (
        names["b"].label == "beta" and names["c"] is names["b"]
    )  # .label = beats it; an alias changes nothing
    assert names["d"].label == "delta"
    assert names["e"].label == "e" and names["e"]._prev[0].label == "e"  # e += 1 labels the new node too


def test_loop_and_comprehension_variables_do_not_label_or_name():
    program = run_program("xs = [Value(1.0), Value(2.0)]\nfor x in xs:\n  y = x * 2\ns = sum(v for v in xs)")
    assert "x" not in program.names and "v" not in program.names
    assert [v.label for v in topo(program.output) if not v._prev] == ["", "", ""]


def test_number_leaf_subtracted_is_labelled_negated():
    program = run_program("d = 4.0\nc = Value(1.0)\ne = c - d")
    leaf = program.output._prev[1]
    assert (leaf.label, leaf.data) == ("-d", -4.0)


# ---------------------------------------------------------------- spans


def test_spans_of_literals():
    program = run_program("a = Value(-4.0)\nb = 2 * a\nc = b + 0.5\nd = -3\ne = c * d")
    leaves = {v.data: program.leaf_spans.get(v) for v in topo(program.output) if not v._prev}
    assert leaves == {
        -4.0: Span(1, 11, 1, 15),  # "-4.0" with its minus
        2.0: Span(2, 5, 2, 6),
        0.5: Span(3, 9, 3, 12),
        -3.0: Span(4, 5, 4, 7),  # "-3" in "d = -3", used on line 5
    }


def test_spans_count_characters_not_bytes():
    program = run_program("é = Value(1.0, label='ü')\nf = é * 2.5")
    (leaf,) = [v for v in program.output._prev if v.data == 2.5]
    assert program.leaf_spans[leaf] == Span(2, 9, 2, 12)
    assert program.leaf_spans[program.names["é"]] == Span(1, 11, 1, 14)


def test_every_literal_leaf_points_at_its_literal():
    program = run_program(README_PROGRAM)
    for leaf in (v for v in topo(program.output) if not v._prev):
        if leaf.data in (-1.0, 0.5) and leaf not in program.leaf_spans:
            continue  # the -1 of (-a) is made by the operator, the 0.5 of f / 2.0 by the division
        span = program.leaf_spans[leaf]
        line = README_PROGRAM.splitlines()[span.line - 1]
        assert float(line[span.column - 1 : span.end_column - 1]) == leaf.data
