"""The expression language: every error names its line and column."""

from __future__ import annotations

import pytest

from engine.expr import ExprError, run_program

# ---------------------------------------------------------------- errors, each with its place


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ("a = Value(1.0)\nb = a +", 2, 8, "syntax error: invalid syntax"),
        ("a = (1,\n", 1, 5, "syntax error: '(' was never closed"),
        ("a = 1\n  b = 2", 2, 2, "indentation error: unexpected indent"),
        ("x = q + 1", 1, 5, "name 'q' is not defined"),
        ("f = lambda: 1", 1, 5, "unsupported syntax: lambda"),
        ("a = Value(1.0)\nif a:\n  b = a", 2, 1, "unsupported syntax: if"),
        ("def f(x):\n  return x", 1, 1, "unsupported syntax: def"),
        ("a = Value(1.0)\nwhile a:\n  pass", 2, 1, "unsupported syntax: while"),
        ("a = {1: 2}", 1, 5, "unsupported syntax: dict"),
        ("a = 1 < 2", 1, 5, "unsupported syntax: comparison"),
        (
            "a = Value(1.0)\nb = open('x')",
            2,
            5,
            "function 'open' is not available; allowed functions: Value, print",
        ),
        (
            "a = Value(1.0)\nb = a.foo",
            2,
            7,
            "attribute access is limited to .data, .grad, .label and the functions",
        ),
        (
            "a = Value(1.0)\nb = a.__class__",
            2,
            7,
            "attribute '.__class__' is not available (dunder attributes",
        ),
        ("a = Value(1.0)\nb = a._prev", 2, 7, "attribute '._prev' is not available (private attributes"),
        ("a = __import__('os')", 1, 5, "name '__import__' is not available"),
        ("a = Value(2.0)\nb = a ** a", 2, 10, "exponent must be a number"),
        ("a = Value(2.0)\nb = 2 ** a", 2, 10, "exponent must be a number"),
        ("a = Value(2.0)\nb = a // 2", 2, 7, "unsupported operator: //; allowed operators: + - * / **"),
        ("a = Value(2.0)\na //= 2", 2, 3, "unsupported operator: //"),
        ("a = not 1", 1, 5, "unsupported operator: not"),
        ("a = None", 1, 5, "unsupported constant: None"),
        ("a = Value('x')", 1, 11, "Value() needs a number as data, not a string"),
        ("a = Value(1.0)\nb = Value(a)", 2, 11, "Value() needs a number as data, not a Value"),
        ("a = Value(1.0, (Value(2.0),))", 1, 16, "Value() makes leaves only: _children must be empty"),
        ("a = Value(1.0, _op='+')", 1, 20, "Value() makes leaves only: _op must be ''"),
        ("a = Value(1.0, colour=2)", 1, 5, "Value() got an unexpected keyword argument 'colour'"),
        ("a = Value(1.0)\na.label = 3", 2, 3, "a label must be a string, not a number"),
        ("d = 4.0\nd.label = 'd'", 2, 3, "'d' is a number, not a Value"),
        ("a = Value(1.0)\nxs = [a]\nxs[0] = a", 3, 1, "cannot assign to an index"),
        ("a = Value(1.0)\nb = a + [a]", 2, 9, "unsupported operand for +: a list"),
        ("a = Value(1.0)\nb = 'x' * a", 2, 5, "unsupported operand for *: a string"),
        ("a = Value(1.0)\nb = a()", 2, 5, "'a' is a Value, not a function"),
        ("a = Value(1.0)\nb = a.tanh(2)", 2, 5, ".tanh() takes no arguments"),
        ("xs = [1, 2]\nb = xs[5]", 2, 8, "index 5 is out of range for a list of length 2"),
        ("xs = [1, 2]\nb = [x for x in xs if x]", 2, 23, "unsupported syntax: if in a comprehension"),
        (
            "for i in 3:\n  pass",
            1,
            10,
            "a loop needs a list, range(...), zip(...) or enumerate(...), not a number",
        ),
        ("a, b = [Value(1.0)]", 1, 1, "cannot unpack 1 values into 2 names"),
        ("from micrograd.engine import Foo", 1, 1, "cannot import 'Foo' from micrograd.engine; it has Value"),
        (
            "a = Value(1.0)\nprint(f'{a:.2f}')",
            2,
            10,
            "a Value cannot be formatted with ':.2f'; format its .data",
        ),
        ("a = 1.0\nprint(f'{a:>1000}')", 2, 10, "format widths are limited to 100"),
        ("m = MLP(2, [3, 1])\ny = m([1.0])", 2, 5, "the input has 1 elements; this model takes 2"),
        ("m = MLP(2, [3, 1], activation='cubic')", 1, 5, "MLP(activation=...) must be one of"),
        ("a = Value(1.0)\nb = a.data.data", 2, 12, "this is a number, not a Value"),
        ("a = 1 +\\\n  q", 2, 3, "name 'q' is not defined"),
    ],
)
def test_errors_have_exact_places(source, line, column, message):
    with pytest.raises(ExprError) as info:
        run_program(source)
    error = info.value
    assert error.message.startswith(message), error.message
    assert (error.line, error.column) == (line, column), error.message
    assert str(error) == f"line {line}, column {column}: {error.message}"


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ("r = range(1.5)", 1, 5, "range()'s arguments must be a whole number, not 1.5"),
        ("n = len(3)", 1, 5, "len() needs a list, not a number"),
        ("z = zip([1], x=[2])", 1, 5, "zip() takes no keyword arguments"),
        ("e = enumerate([1], 1.5)", 1, 5, "enumerate()'s start must be a whole number, not 1.5"),
        ("s = sum()", 1, 5, "sum() missing required argument 'iterable'"),
        ("print(1, end='')", 1, 1, "print() takes only sep=, not end="),
        ("l = Layer(0, 2)", 1, 5, "Layer()'s number of inputs must be at least 1, not 0"),
        ("m = MLP(2, 3)", 1, 5, "MLP()'s layer sizes must be a list of whole numbers, not a number"),
        ("a = Value(1.0)\na.data = a", 2, 3, ".data must be a number, not a Value"),
        ("a = Value(1.0)\na.grad = 'x'", 2, 3, ".grad must be a number, not a string"),
        ("a = Value(1.0)\na.foo = 1", 2, 3, "only .label, .data and .grad of a Value can be set, not .foo"),
        (
            "xs = [1]\nxs.label = 'x'",
            2,
            4,
            "only .label, .data and .grad of a Value can be set, not .label of a list",
        ),
        ("a, b = 3", 1, 1, "cannot unpack a number into names"),
        ("xs = [1, 2]\ny = xs[0.5]", 2, 8, "an index must be a whole number, not 0.5"),
        ("xs = [1, 2]\ny = xs[::0]", 2, 10, "a slice step must not be zero"),
        ("a = Value(1.0)\ny = a[0]", 2, 5, "a Value cannot be indexed"),
        ("y = [x for x in 5]", 1, 17, "a comprehension needs a list, range(...), zip(...) or enumerate(...)"),
        ("a = True + 1", 1, 5, "unsupported operand for +: True"),
        ("a = -[1]", 1, 6, "unsupported operand for unary -: a list"),
        ("n = MLP(2, [2, 1])\ny = n.foo", 2, 7, "an MLP has .layers, .parameters(), .zero_grad(); not .foo"),
        ("import micrograd\ny = micrograd.torch", 2, 15, "micrograd has no 'torch' here; it has engine, nn"),
        ("a = Value(1.0)\nb = tanh([a])", 2, 5, "tanh() needs a Value or a number, not a list"),
        ("a = Value(1.0)\nb = a.tanh\nc = b + 1", 2, 7, "a.tanh is a method but is not called"),
        ("d = 4.0\nx = d.data", 2, 7, "'d' is a number, not a Value: write Value(...) to get .data"),
        (
            "a = Value(1.0)\nfor x in a:\n  pass",
            2,
            10,
            "a loop needs a list, range(...), zip(...) or enumerate(...), not a Value",
        ),
        ("y = draw_dot([1])", 1, 5, "draw_dot() needs a Value, not a list"),
        ("a = Value(1.0)\nb = Value(1.0, label=a)", 2, 5, "a label must be a string, not a Value"),
        ("a = Value(1.0)\nprint(f'{a.data:q}')", 2, 10, "invalid format spec ':q'"),
        ("print(f'{1.5:d}')", 1, 10, "cannot format a number with ':d'"),
        (
            "x = 1\nfrom micrograd.nn import Foo",
            2,
            1,
            "cannot import 'Foo' from micrograd.nn; it has Neuron, Layer, MLP",
        ),
        ("a = Value(1.0)\na += [1]", 2, 6, "unsupported operand for +: a list"),
        ("a = Value(1.0)\na.label += 'x'", 2, 1, "unsupported operand for +: a string"),
        ("m = Neuron(2, nonlin=1)", 1, 5, "Neuron(nonlin=...) must be True or False"),
        ("a = Value(1.0)\nb = a.backward(1)", 2, 5, ".backward() takes no arguments"),
    ],
)
def test_more_errors_have_exact_places(source, line, column, message):
    test_errors_have_exact_places(source, line, column, message)


def test_syntax_error_column_counts_characters():
    with pytest.raises(ExprError) as info:
        run_program("x = 'éé' + @")
    assert (info.value.line, info.value.column) == (1, 12)
