"""A Python script that rebuilds a graph with micrograd, node for node, and backpropagates.

Each node of the graph becomes one line: leaves are ``Value(data)``, results apply their op to
earlier lines. Program variables keep their names where they are valid Python identifiers;
every other node is ``n{topo_index}``. micrograd 0.1.0 has no ``tanh``/``exp``/``log``/``sigmoid``,
so the script defines the ones it uses, with micrograd-style backward closures.

The script is data written as code: numbers are ``repr`` floats and labels only appear in
comments through ``repr``, so no user text can become a statement.
"""

from __future__ import annotations

import keyword
import math
import re

from engine.graph import GraphModel, Node

# Names the script itself needs, so no program variable may take them.
_RESERVED = {"Value", "math", "print", "float", "tanh", "exp", "log", "sigmoid"}
_FALLBACK = re.compile(r"n\d+$")

_HELPERS = {
    "tanh": """def tanh(x):
    out = Value(math.tanh(x.data), (x,), "tanh")

    def _backward():
        x.grad += (1 - out.data**2) * out.grad

    out._backward = _backward
    return out
""",
    "exp": """def exp(x):
    out = Value(math.exp(x.data), (x,), "exp")

    def _backward():
        x.grad += out.data * out.grad

    out._backward = _backward
    return out
""",
    "log": """def log(x):
    out = Value(math.log(x.data), (x,), "log")

    def _backward():
        x.grad += (1 / x.data) * out.grad

    out._backward = _backward
    return out
""",
    "sigmoid": """def sigmoid(x):
    # Written as Backprop Lab computes it, so the data agrees to the last bit.
    z = math.exp(-abs(x.data))
    out = Value(1 / (1 + z) if x.data >= 0 else z / (1 + z), (x,), "sigmoid")

    def _backward():
        x.grad += out.data * (1 - out.data) * out.grad

    out._backward = _backward
    return out
""",
}

HELPERS = _HELPERS  # micrograd 0.1.0 lacks these ops: engine/train_export.py's script uses them too


def _number(x: float) -> str:
    """A float literal that reads back exactly, ``float("nan")``/``float("inf")`` included."""
    if math.isnan(x):
        return 'float("nan")'
    if math.isinf(x):
        return 'float("inf")' if x > 0 else '-float("inf")'
    return repr(float(x))


def _exponent(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 2**53 else _number(x)


def variable_names(model: GraphModel) -> list[str]:
    """The script's variable for each node, in node order."""
    taken: set[str] = set()
    names = []
    for node in model.nodes:
        name = node.name
        usable = (
            name is not None
            and name.isidentifier()
            and name.isascii()
            and not keyword.iskeyword(name)
            and name not in _RESERVED
            and not _FALLBACK.match(name)
            and name not in taken
        )
        names.append(name if usable else node.id)
        taken.add(names[-1])
    return names


def _expression(node: Node, operands: list[str]) -> str:
    if node.op == "add":
        return f"{operands[0]} + {operands[1]}"
    if node.op == "mul":
        return f"{operands[0]} * {operands[1]}"
    if node.op == "pow":
        return f"{operands[0]}**{_exponent(node.exponent or 0.0)}"
    if node.op == "relu":
        return f"{operands[0]}.relu()"
    if node.op in _HELPERS:
        return f"{node.op}({operands[0]})"
    raise ValueError(f"micrograd has no op {node.op!r}")


def to_micrograd_script(model: GraphModel) -> str:
    """A runnable script (``pip install micrograd==0.1.0``) that rebuilds ``model`` and prints every grad."""
    names = variable_names(model)
    operands: dict[str, list[str]] = {}
    for edge in model.edges:
        operands.setdefault(edge.target, []).append(names[int(edge.source[1:])])
    helpers = sorted({node.op for node in model.nodes if node.op in _HELPERS})

    lines = ['"""Rebuilds a Backprop Lab graph with micrograd (pip install micrograd==0.1.0)."""', ""]
    if helpers:
        lines += ["import math", ""]
    lines += ["from micrograd.engine import Value", ""]
    for op in helpers:
        lines += ["", _HELPERS[op]]
    lines.append("")
    for node, name in zip(model.nodes, names):
        comment = f"  # {node.label!r}" if node.label and node.label != name else ""
        if node.is_leaf:
            lines.append(f"{name} = Value({_number(node.data)}){comment}")
        else:
            lines.append(f"{name} = {_expression(node, operands[node.id])}{comment}")
    output = names[-1]
    lines += ["", f"{output}.backward()", f'print(f"{output}: data {{{output}.data:.4f}}")']
    named = any(node.is_leaf and node.name is not None for node in model.nodes)
    for node, name in zip(model.nodes, names):
        if node.is_leaf and (node.name is not None or not named):
            lines.append(f'print(f"d{output}/d{name}: {{{name}.grad:.4f}}")')
    return "\n".join(lines) + "\n"
