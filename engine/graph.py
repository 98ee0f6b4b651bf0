"""The graph of one expression as plain data: nodes, edges, both pass orders, a gradient check.

``GraphModel`` is what the browser, the DOT writer and the micrograd export all read. It is built
(by ``engine.reader``) from a root micrograd-like Value whose ``grad`` fields already hold a backward
pass (``run_program`` does that), and it never changes those Values: the gradient check recomputes
the graph on the model's own numbers with the rules of ``engine.ops``.

Node ids are ``n{topo_index}``: operands come before their results, so ``forward_order`` is
``n0, n1, ...`` and the output is the last node. Edge ids are ``e{k}`` in (result, operand position)
order. Both are deterministic for the same source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.ops import BY_NAME
from engine.settings import settings

# A central difference agrees with the chain rule to ~1e-8 on smooth functions; 1e-4 leaves room
# for curvature while still catching a wrong rule (those are off by O(1)).
GRADIENT_CHECK_RTOL = 1e-4


def plain_text(text: str) -> str:
    """``text`` with its UTF-16 surrogates resolved: a pair (JavaScript's ``'\\ud83d\\ude00'``) becomes
    the character it encodes, a lone one U+FFFD, so the text can be encoded as UTF-8 (JSON, DOT, SVG)."""
    if text.isascii():
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


class GraphTooLarge(ValueError):
    """The graph is over a size limit for the requested work."""


class SpanLike(Protocol):
    line: int
    column: int
    end_line: int
    end_column: int


class ProgramLike(Protocol):
    """What ``from_program`` reads from ``engine.expr.Program``."""

    output: Any
    output_name: str | None
    names: Mapping[str, Any]
    leaf_spans: Mapping[Any, SpanLike]
    prints: list[tuple[int, str]]
    models: Mapping[str, Any]  # the program's neural-network objects, named and grouped in the graph
    notices: list[str]


@dataclass
class Span:
    """Where a node was written in the source: 1-based, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class Node:
    id: str
    label: str  # what the drawing shows: its own label, else its variable name, else its place in a model
    name: str | None  # the program variable bound to this exact Value, if any
    op: str  # leaf, add, mul, pow, relu, tanh, exp, log, sigmoid (engine.ops), or unknown
    op_symbol: str  # micrograd's _op: "+", "*", "**2", "ReLU", ...; "" for a leaf
    exponent: float | None
    data: float
    grad: float
    is_leaf: bool
    is_output: bool
    topo_index: int
    span: Span | None
    cluster: str | None = None  # the innermost cluster (neuron, layer, datapoint, loss, fold) holding it
    derivative_known: bool = True  # False for an op engine.ops does not know: no local grads
    note: str | None = None  # what the panel should explain about this node (a merged operand, an unknown op)


@dataclass
class Edge:
    """One operand of a result: ``a + a`` has two edges from ``a`` (one, with two slots, from a set)."""

    id: str
    source: str  # the operand
    target: str  # the result
    position: int  # operand index in the result's _prev
    local_grad: float | None  # d target / d source (summed over its slots); None for an unknown op
    contribution: float | None  # target.grad * local_grad: what this edge added to source.grad
    slots: int = 1  # operand slots this edge stands for: 2 for ``a + a`` read from a set ``_prev``


@dataclass
class Cluster:
    """A group of nodes the drawing can collapse into one box (see engine.clusters)."""

    id: str
    kind: str  # neuron | layer | datapoint | loss | parameters | fold
    label: str
    parent: str | None
    output: str | None  # the node whose data and grad the collapsed box shows
    size: int  # nodes inside it, nested clusters included


@dataclass
class GradientCheck:
    node: str
    label: str
    analytic: float
    numeric: float
    abs_error: float
    relative_error: float
    ok: bool


@dataclass
class Stats:
    nodes: int
    edges: int
    depth: int  # ops on the longest leaf-to-output path


@dataclass
class GraphModel:
    nodes: list[Node]
    edges: list[Edge]
    output: str | None  # None only for the empty graph of a program with nothing to draw
    forward_order: list[str]
    backward_order: list[str]
    gradient_check: list[GradientCheck] | None
    prints: list[tuple[int, str]]
    stats: Stats
    clusters: list[Cluster] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # how the program's text was read, if not as written

    @classmethod
    def from_program(cls, program: ProgramLike, check_gradients: bool = False) -> GraphModel:
        """The graph of a program's output, named after the program's variables."""
        from engine.drawing import add_folds
        from engine.reader import read_graph

        model = read_graph(
            program.output,
            names=program.names,
            output_name=program.output_name,
            prints=program.prints,
            spans=program.leaf_spans,
            check_gradients=check_gradients,
            structure=program.models,
        )
        add_folds(model, settings.max_render_nodes, settings.max_render_layout_nodes)  # if it needs them
        model.notices = list(program.notices)
        return model

    @classmethod
    def from_root(
        cls,
        root: Any,
        leaf_spans: Mapping[Any, SpanLike] | None = None,
        check_gradients: bool = False,
        names: Mapping[str, Any] | None = None,
        output_name: str | None = None,
        prints: Iterable[tuple[int, str]] = (),
    ) -> GraphModel:
        """The graph of everything ``root`` depends on, with the data and grad each node holds now.

        ``root`` is any micrograd-like Value (``engine.reader`` reads it).
        """
        from engine.reader import read_graph  # the reader builds GraphModels: imported when used

        return read_graph(
            root,
            names=names,
            output_name=output_name,
            prints=prints,
            spans=leaf_spans,
            check_gradients=check_gradients,
        )

    @classmethod
    def empty(cls, prints: Iterable[tuple[int, str]] = ()) -> GraphModel:
        """The graph of a program that made no Value: nothing to draw, only what it printed."""
        said = [(line, plain_text(text)) for line, text in prints]
        return cls([], [], None, [], [], None, said, Stats(0, 0, 0))

    def node(self, node_id: str) -> Node:
        return self.nodes[int(node_id[1:])]

    def operands(self) -> list[list[int]]:
        """For each node, the indices of its operands, one entry per slot, in operand order."""
        out: list[list[int]] = [[] for _ in self.nodes]
        for edge in self.edges:  # edges are in (result, position) order
            out[int(edge.target[1:])].extend([int(edge.source[1:])] * edge.slots)
        return out


def check_leaf_gradients(
    model: GraphModel, rtol: float = GRADIENT_CHECK_RTOL, limit: int | None = None
) -> list[GradientCheck]:
    """Compare each leaf's ``grad`` with a central difference of the output w.r.t. that leaf.

    Every leaf is nudged by ±h (h = 1e-6·max(1, |x|)) and the model's graph is recomputed forward
    with ``engine.ops``' rules, on a copy of its numbers (the Values it was read from are never
    touched). At a kink (ReLU at 0) the two disagree, which is the right answer. A leaf whose path
    to the output passes through an op without a known derivative is left out. The cost is
    2·leaves·ops node evaluations; above ``limit`` (settings.max_gradient_check_work) it raises
    ``GraphTooLarge`` instead of running.
    """
    nodes = model.nodes
    ops = [node for node in nodes if not node.is_leaf]
    leaves = len(nodes) - len(ops)
    limit = settings.max_gradient_check_work if limit is None else limit
    if 2 * leaves * len(ops) > limit:
        raise GraphTooLarge(
            f"the gradient check of {leaves} leaves through {len(ops)} ops needs "
            f"{2 * leaves * len(ops)} node evaluations, more than the limit of {limit}"
        )
    operands = model.operands()
    blocked = [not node.derivative_known and not node.is_leaf for node in nodes]
    for node in reversed(nodes):  # results before operands: an unknown op blocks all it depends on
        if blocked[node.topo_index]:
            for i in operands[node.topo_index]:
                blocked[i] = True
    plan = [  # an unknown op's data stays as read: no leaf that is checked can change it
        (node.topo_index, BY_NAME[node.op], node.exponent or 0.0, operands[node.topo_index])
        for node in ops
        if node.derivative_known
    ]
    data = [node.data for node in nodes]
    out = int(model.output[1:])
    # Rounding in the output shows up in the difference quotient as ~eps·|f|/h; below this an
    # analytic and a numeric gradient are both "zero".
    atol = 1e-7 * max(1.0, abs(data[out])) if math.isfinite(data[out]) else 0.0

    def evaluate(values: list[float]) -> float:
        for i, op, k, args in plan:
            values[i] = op.apply([values[a] for a in args], k)
        return values[out]

    checks = []
    for leaf in nodes:
        if not leaf.is_leaf or blocked[leaf.topo_index]:
            continue
        x = leaf.data
        h = 1e-6 * max(1.0, abs(x))
        values = list(data)
        values[leaf.topo_index] = x + h
        f_plus = evaluate(values)
        values[leaf.topo_index] = x - h
        f_minus = evaluate(values)
        numeric = (f_plus - f_minus) / (2 * h)
        checks.append(_compare(leaf.id, leaf.label, leaf.grad, numeric, rtol, atol))
    return checks


def _compare(
    node_id: str, label: str, analytic: float, numeric: float, rtol: float, atol: float
) -> GradientCheck:
    abs_error = abs(analytic - numeric)
    if math.isfinite(analytic) and math.isfinite(numeric):
        relative = abs_error / max(abs(analytic), abs(numeric), 1e-300)
        ok = relative < rtol or abs_error < atol
    else:
        # Only identical non-finite values agree (both +inf, both -inf, or both nan).
        same = analytic == numeric or (math.isnan(analytic) and math.isnan(numeric))
        relative = 0.0 if same else math.inf
        abs_error = 0.0 if same else abs_error
        ok = same
    return GradientCheck(node_id, label, analytic, numeric, abs_error, relative, ok)
