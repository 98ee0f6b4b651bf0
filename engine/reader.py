"""One graph reader for every micrograd-like Value: ours, the ``micrograd`` package's, a student's own.

A Value here is any object with ``data``, ``grad``, ``_prev`` (a set, tuple or list of Values) and
``_op`` (micrograd's op string), and ``label`` if it has one. ``read_graph`` turns the graph behind
a root into a ``GraphModel``; ops are recognised by their symbols in ``engine.ops`` (micrograd's
and the lecture's spellings), which gives each edge its local derivative; an op it does not know
is drawn and marked ``derivative_known=False``. ``pick_output`` chooses what to draw from a
program's namespace. ``engine.graph_json.to_json`` then gives the graph JSON of ``POST /api/graph``.

micrograd keeps ``_prev`` as a set, so ``a + a`` has one operand: the reader draws one edge, as
micrograd's ``draw_dot`` does, with ``slots=2`` and a local derivative that counts both slots, and
the node's ``note`` says why ``a.grad`` is still right in micrograd's own backward.

Objects are never hashed (a student's class may define ``__eq__``): nodes are keyed by ``id()``.
Pure Python, standard library only: this module also runs inside Pyodide, in the browser.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.graph import (
    Edge,
    GraphModel,
    GraphTooLarge,
    Node,
    Span,
    SpanLike,
    Stats,
    check_leaf_gradients,
    plain_text,
)
from engine.ops import LEAF_NAME, UNKNOWN_NAME, lookup
from engine.settings import settings

VALUE_ATTRIBUTES = ("data", "grad", "_prev", "_op")
MAX_SYMBOL_CHARS = 40  # an op string is shown in the drawing; a longer one is cut


class GraphReadError(ValueError):
    """The object is not a micrograd-like Value, or its graph cannot be read."""


def is_value_like(obj: Any) -> bool:
    """Whether ``obj`` has what a micrograd Value has: ``data``, ``grad``, ``_prev`` and ``_op``."""
    if isinstance(obj, type):
        return False
    try:
        return all(hasattr(obj, name) for name in VALUE_ATTRIBUTES)
    except Exception:  # a property that raises: not something we can read
        return False


def operands_of(v: Any) -> list[Any]:
    """``v._prev`` as a list: a tuple or list in its own order; a set by its members' op and label.

    A set iterates in an order that depends on the objects' addresses, so the same program read
    twice (the playground's Python mode, after a leaf was nudged) would number its nodes
    differently; ordered by op and label, a labelled graph reads the same every time.
    """
    prev = v._prev
    if not isinstance(prev, set | frozenset | tuple | list):
        raise GraphReadError(f"_prev must be a set, tuple or list of Values, not {type(prev).__name__}")
    if isinstance(prev, set | frozenset):
        return sorted(prev, key=_set_order)
    return list(prev)


def _set_order(v: Any) -> tuple[str, str]:
    label = getattr(v, "label", "")
    return (str(getattr(v, "_op", "")), label if isinstance(label, str) else "")


def topo_order(root: Any, limit: int | None = None) -> list[Any]:
    """Every Value ``root`` depends on, operands before results, without recursion.

    The same order as ``engine.value.Value.topo`` (operands visited left to right, as micrograd's
    recursive ``build_topo``), so node ids do not depend on which engine built the graph.
    """
    if not is_value_like(root):
        raise GraphReadError(f"{type(root).__name__} is not a Value (it needs data, grad, _prev and _op)")
    limit = settings.max_nodes if limit is None else limit
    order: list[Any] = []
    visited: set[int] = set()
    stack: list[Any] = [root]
    expanded: list[bool] = [False]
    while stack:
        node = stack.pop()
        if expanded.pop():
            order.append(node)
        elif id(node) not in visited:
            visited.add(id(node))
            if len(visited) > limit:
                raise GraphTooLarge(f"the graph has more than {limit} Values")
            stack.append(node)
            expanded.append(True)
            for child in reversed(operands_of(node)):
                if id(child) not in visited:
                    if not is_value_like(child):
                        kind = type(child).__name__
                        raise GraphReadError(f"an operand of a Value is a {kind}, not a Value")
                    stack.append(child)
                    expanded.append(False)
    return order


def _number(x: Any, what: str, where: str) -> float:
    try:
        return float(x)
    except OverflowError:  # an int beyond float range
        return math.inf if x > 0 else -math.inf
    except (TypeError, ValueError):
        raise GraphReadError(f"{where}: {what} must be a number, not {type(x).__name__}") from None


def _text(x: Any, limit: int) -> str:
    text = plain_text(x if isinstance(x, str) else str(x))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def merged_operand_note(symbol: str, label: str, slots: int) -> str:
    """Why ``a + a`` read from a set has one edge and a still-correct gradient."""
    name = label or "the operand"
    return (
        f"micrograd keeps _prev as a set, so this {symbol} of {name} with itself has one operand, "
        f"drawn as one edge. Its _backward still updates self.grad and other.grad, and both are "
        f"{name}, so {name}.grad receives {slots} contributions: the edge's local derivative counts "
        f"all {slots}."
    )


def unknown_op_note(symbol: str) -> str:
    return (
        f"the op {symbol!r} is not one Backprop Lab knows ({', '.join(_known())}): it is drawn as it "
        "is, but has no known local derivative, and the gradient check skips what feeds it"
    )


def _known() -> list[str]:
    from engine.ops import OPS

    return [op.symbol + ("k" if op.name == "pow" else "") for op in OPS]


def read_graph(
    root: Any,
    names: Mapping[str, Any] | None = None,
    output_name: str | None = None,
    prints: Iterable[tuple[int, str]] = (),
    spans: Mapping[Any, SpanLike] | None = None,
    check_gradients: bool = False,
    structure: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> GraphModel:
    """The ``GraphModel`` of everything ``root`` depends on, with the data and grad each node holds.

    ``names`` maps program variables to objects (Values among them get those names), ``output_name``
    names the root, ``spans`` maps leaves to where they were written, ``prints`` are a program's
    ``(line, text)``. ``structure``, a namespace, is searched for neural-network objects (anything
    with ``layers``, ``neurons`` or ``w`` and ``b``) to name and group their Values
    (``engine.clusters``); it defaults to ``names``.
    """
    order = topo_order(root, limit)
    index = {id(v): i for i, v in enumerate(order)}
    bound = names_by_node(names or {}, root, output_name)
    span_of = {id(k): s for k, s in (spans or {}).items()}
    max_label = settings.max_label_chars

    nodes: list[Node] = []
    edges: list[Edge] = []
    depth = [0] * len(order)
    for i, v in enumerate(order):
        where = f"Value {i}"
        prev = operands_of(v)
        symbol = _text(v._op, MAX_SYMBOL_CHARS) if prev or v._op else ""
        op, exponent = lookup(symbol) if prev else (None, None)
        own_label = getattr(v, "label", "")
        name = bound.get(id(v))
        label = _text(own_label, max_label) if isinstance(own_label, str) and own_label else (name or "")
        data = _number(v.data, "data", where)
        grad = _number(v.grad, "grad", where)
        slots = _slots(op, prev, v._prev)
        known = op is not None and _arity_fits(op.arity, op.name, sum(slots))
        note = None
        locals_: Sequence[float | None] = [None] * len(prev)
        if prev and known:
            args = [_number(c.data, "data", where) for c, s in zip(prev, slots) for _ in range(s)]
            per_slot = op.local_grads(args, data, exponent or 0.0)
            locals_, k = [], 0
            for s in slots:
                locals_.append(math.fsum(per_slot[k : k + s]) if s > 1 else per_slot[k])
                k += s
            if len(prev) < sum(slots):
                note = merged_operand_note(symbol, _label_of(prev[0], bound), sum(slots))
        elif prev:
            note = unknown_op_note(symbol)
        nodes.append(
            Node(
                id=f"n{i}",
                label=label,
                name=name,
                op=(op.name if known else UNKNOWN_NAME) if prev else LEAF_NAME,
                op_symbol=symbol,
                exponent=exponent if known else None,
                data=data,
                grad=grad,
                is_leaf=not prev,
                is_output=v is root,
                topo_index=i,
                span=_span(span_of.get(id(v))),
                derivative_known=known or not prev,
                note=note,
            )
        )
        for position, (child, local, s) in enumerate(zip(prev, locals_, slots)):
            j = index[id(child)]
            edges.append(
                Edge(
                    id=f"e{len(edges)}",
                    source=f"n{j}",
                    target=f"n{i}",
                    position=position,
                    local_grad=local,
                    contribution=None if local is None else grad * local,
                    slots=s,
                )
            )
            depth[i] = max(depth[i], depth[j] + 1)

    forward = [node.id for node in nodes]
    model = GraphModel(
        nodes=nodes,
        edges=edges,
        output=f"n{len(order) - 1}",
        forward_order=forward,
        backward_order=forward[::-1],
        gradient_check=None,
        prints=[(int(line), _text(text, settings.max_print_chars + 40)) for line, text in prints],
        stats=Stats(nodes=len(nodes), edges=len(edges), depth=depth[-1]),
    )
    namespace = names if structure is None else structure
    if namespace:
        from engine.clusters import add_structure  # names and groups neural-network Values

        add_structure(model, order, namespace)
    if check_gradients:
        model.gradient_check = check_leaf_gradients(model)
    return model


def _slots(op: Any, prev: list[Any], raw_prev: Any) -> list[int]:
    """Operand slots per distinct operand: a set ``_prev`` folds ``a + a`` into one with two."""
    slots = [1] * len(prev)
    if op is not None and prev and isinstance(raw_prev, set | frozenset) and len(prev) < op.arity:
        slots[0] += op.arity - len(prev)  # only one way to fold: one operand stands for all slots
    return slots


def _arity_fits(arity: int, name: str, slots: int) -> bool:
    if name in ("add", "mul"):
        return slots >= 2  # n-ary sums and products from other engines are still sums and products
    return slots == arity


def _label_of(v: Any, bound: Mapping[int, str]) -> str:
    label = getattr(v, "label", "")
    return label if isinstance(label, str) and label else bound.get(id(v), "")


def names_by_node(names: Mapping[str, Any], root: Any, output_name: str | None) -> dict[int, str]:
    """Each Value bound to a program variable (by ``id``), with its first name; the output keeps its own."""
    bound: dict[int, str] = {}
    for name, value in names.items():
        if is_value_like(value):
            bound.setdefault(id(value), name)
    if output_name is not None:
        bound[id(root)] = output_name
    return bound


def _span(span: SpanLike | None) -> Span | None:
    if span is None:
        return None
    return Span(span.line, span.column, span.end_line, span.end_column)


# ---------------------------------------------------------------- choosing the output


@dataclass
class OutputChoice:
    value: Any
    name: str | None  # a variable bound to it, if any
    how: str  # named | backward | expression | assigned


class OutputError(ValueError):
    """The output asked for is not in the namespace."""


def pick_output(
    namespace: Mapping[str, Any],
    output: str | None = None,
    backward: Any = None,
    backward_name: str | None = None,
    last_expression: Any = None,
    assigned: Sequence[str] | None = None,
    accept: Callable[[Any], bool] = is_value_like,
) -> OutputChoice | None:
    """What to draw from a program's namespace, in this order:

    1. ``output``, a variable the caller names (``OutputError`` if it is not one);
    2. ``backward``, the Value ``.backward()`` was last called on (the caller records it);
    3. ``last_expression``, the value of a bare expression ending the program (a notebook cell);
    4. the last variable assigned whose value ``accept`` takes: ``assigned`` lists variables in the
       order they were last assigned (default: the namespace's own order).

    ``None`` when there is nothing to draw.
    """
    if output:
        if output not in namespace:
            known = ", ".join(k for k, v in namespace.items() if accept(v)) or "none"
            raise OutputError(f"output '{output}' is not a variable of the program (its variables: {known})")
        return OutputChoice(namespace[output], output, "named")
    if backward is not None:
        return OutputChoice(backward, backward_name or _name_of(namespace, backward), "backward")
    if last_expression is not None and accept(last_expression):
        return OutputChoice(last_expression, _name_of(namespace, last_expression), "expression")
    for name in reversed(list(namespace) if assigned is None else list(assigned)):
        if name in namespace and accept(namespace[name]):
            return OutputChoice(namespace[name], name, "assigned")
    return None


def _name_of(namespace: Mapping[str, Any], value: Any) -> str | None:
    return next((k for k, v in namespace.items() if v is value), None)


def read_namespace(
    namespace: Mapping[str, Any],
    output: str | None = None,
    backward: Any = None,
    last_expression: Any = None,
    prints: Iterable[tuple[int, str]] = (),
    check_gradients: bool = False,
) -> GraphModel | None:
    """The graph of the output ``pick_output`` chooses from a namespace (``None``: nothing to draw).

    What a Python-mode runner calls after running a program: its globals, the Value ``.backward()``
    was last called on, the value of its last bare expression, and what it printed.
    """
    values = {k: v for k, v in namespace.items() if not k.startswith("_")}
    choice = pick_output(values, output=output, backward=backward, last_expression=last_expression)
    if choice is None:
        return None
    return read_graph(
        choice.value,
        names=values,
        output_name=choice.name,
        prints=prints,
        check_gradients=check_gradients,
    )
