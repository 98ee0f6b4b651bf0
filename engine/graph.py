"""The graph of one expression as plain data: nodes, edges, both pass orders, a gradient check.

``GraphModel`` is what the browser, the DOT writer and the micrograd export all read. It is built
from a root ``Value`` whose ``grad`` fields already hold a backward pass (``run_program`` does that),
and it never changes those Values, except for a gradient check that perturbs leaves and restores them.

Node ids are ``n{topo_index}``: operands come before their results, so ``forward_order`` is
``n0, n1, ...`` and the output is the last node. Edge ids are ``e{k}`` in (result, operand position)
order. Both are deterministic for the same source.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from engine.settings import settings
from engine.value import Value

# A central difference agrees with the chain rule to ~1e-8 on smooth functions; 1e-4 leaves room
# for curvature while still catching a wrong rule (those are off by O(1)).
GRADIENT_CHECK_RTOL = 1e-4


class GraphTooLarge(ValueError):
    """The graph is over a size limit for the requested work."""


class SpanLike(Protocol):
    line: int
    column: int
    end_line: int
    end_column: int


class ProgramLike(Protocol):
    """What ``from_program`` reads from ``engine.expr.Program``."""

    output: Value
    output_name: str | None
    names: Mapping[str, Any]
    leaf_spans: Mapping[Value, SpanLike]
    prints: list[tuple[int, str]]


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
    label: str  # what the drawing shows: the Value's own label, else its variable name, else ""
    name: str | None  # the program variable bound to this exact Value, if any
    op: str  # leaf, add, mul, pow, relu, tanh, exp, log, sigmoid
    op_symbol: str  # micrograd's _op: "+", "*", "**2", "ReLU", ...; "" for a leaf
    exponent: float | None
    data: float
    grad: float
    is_leaf: bool
    is_output: bool
    topo_index: int
    span: Span | None


@dataclass
class Edge:
    """One operand slot of a result: ``a + a`` has two edges from ``a``."""

    id: str
    source: str  # the operand
    target: str  # the result
    position: int  # operand index in the result's _prev
    local_grad: float  # d target / d source
    contribution: float  # target.grad * local_grad: what this edge added to source.grad


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
    output: str
    forward_order: list[str]
    backward_order: list[str]
    gradient_check: list[GradientCheck] | None
    prints: list[tuple[int, str]]
    stats: Stats

    @classmethod
    def from_program(cls, program: ProgramLike, check_gradients: bool = False) -> GraphModel:
        """The graph of a program's output, named after the program's variables."""
        return cls.from_root(
            program.output,
            leaf_spans=program.leaf_spans,
            names=program.names,
            output_name=program.output_name,
            prints=program.prints,
            check_gradients=check_gradients,
        )

    @classmethod
    def from_root(
        cls,
        root: Value,
        leaf_spans: Mapping[Value, SpanLike] | None = None,
        check_gradients: bool = False,
        names: Mapping[str, Any] | None = None,
        output_name: str | None = None,
        prints: Iterable[tuple[int, str]] = (),
    ) -> GraphModel:
        """The graph of everything ``root`` depends on, with the data and grad each node holds now."""
        order = root.topo()
        index = {node: i for i, node in enumerate(order)}
        bound = _names_by_node(names or {}, root, output_name)
        spans = leaf_spans or {}

        nodes, edges = [], []
        depth = [0] * len(order)
        for i, v in enumerate(order):
            name = bound.get(v)
            nodes.append(
                Node(
                    id=f"n{i}",
                    label=v.label or (name or ""),
                    name=name,
                    op=v.op,
                    op_symbol=v._op,
                    exponent=v._exponent if v._op.startswith("**") else None,
                    data=v.data,
                    grad=v.grad,
                    is_leaf=not v._prev,
                    is_output=v is root,
                    topo_index=i,
                    span=_span(spans.get(v)),
                )
            )
            for position, (child, local) in enumerate(zip(v._prev, v.local_grads())):
                edges.append(
                    Edge(
                        id=f"e{len(edges)}",
                        source=f"n{index[child]}",
                        target=f"n{i}",
                        position=position,
                        local_grad=local,
                        contribution=v.grad * local,
                    )
                )
                depth[i] = max(depth[i], depth[index[child]] + 1)

        forward = [node.id for node in nodes]
        labels = [node.label for node in nodes]
        return cls(
            nodes=nodes,
            edges=edges,
            output=f"n{len(order) - 1}",
            forward_order=forward,
            backward_order=forward[::-1],
            gradient_check=check_leaf_gradients(root, order, labels) if check_gradients else None,
            prints=[(int(line), str(text)) for line, text in prints],
            stats=Stats(nodes=len(nodes), edges=len(edges), depth=depth[-1]),
        )

    def node(self, node_id: str) -> Node:
        return self.nodes[int(node_id[1:])]


def _names_by_node(names: Mapping[str, Any], root: Value, output_name: str | None) -> dict[Value, str]:
    """Each Value bound to a program variable, with its first name (the output keeps its own)."""
    bound: dict[Value, str] = {}
    for name, value in names.items():
        if isinstance(value, Value):
            bound.setdefault(value, name)
    if output_name is not None:
        bound[root] = output_name
    return bound


def _span(span: SpanLike | None) -> Span | None:
    if span is None:
        return None
    return Span(span.line, span.column, span.end_line, span.end_column)


def check_leaf_gradients(
    root: Value,
    order: list[Value] | None = None,
    labels: list[str] | None = None,
    rtol: float = GRADIENT_CHECK_RTOL,
    limit: int | None = None,
) -> list[GradientCheck]:
    """Compare each leaf's ``grad`` with a central difference of ``root.data`` w.r.t. that leaf.

    Every leaf is nudged by ±h (h = 1e-6·max(1, |x|)) and the graph is recomputed forward; all data
    is restored afterwards. At a kink (ReLU at 0) the two disagree, which is the right answer.
    The cost is 2·leaves·ops node evaluations; above ``limit`` (settings.max_gradient_check_work)
    it raises ``GraphTooLarge`` instead of running.
    """
    order = root.topo() if order is None else order
    labels = [node.label for node in order] if labels is None else labels
    results_ops = [node for node in order if node._prev]
    leaves = len(order) - len(results_ops)
    limit = settings.max_gradient_check_work if limit is None else limit
    if 2 * leaves * len(results_ops) > limit:
        raise GraphTooLarge(
            f"the gradient check of {leaves} leaves through {len(results_ops)} ops needs "
            f"{2 * leaves * len(results_ops)} node evaluations, more than the limit of {limit}"
        )
    saved = [node.data for node in order]
    # Rounding in root.data shows up in the difference quotient as ~eps·|f|/h; below this an
    # analytic and a numeric gradient are both "zero".
    atol = 1e-7 * max(1.0, abs(root.data)) if math.isfinite(root.data) else 0.0

    def evaluate() -> float:
        for node in results_ops:
            node._forward()
        return root.data

    checks = []
    try:
        for i, leaf in enumerate(order):
            if leaf._prev:
                continue
            x = leaf.data
            h = 1e-6 * max(1.0, abs(x))
            leaf.data = x + h
            f_plus = evaluate()
            leaf.data = x - h
            f_minus = evaluate()
            leaf.data = x
            numeric = (f_plus - f_minus) / (2 * h)
            checks.append(_compare(f"n{i}", labels[i], leaf.grad, numeric, rtol, atol))
    finally:
        for node, data in zip(order, saved):
            node.data = data
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
