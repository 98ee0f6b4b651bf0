"""Graphviz DOT for a graph, drawn the way micrograd's ``draw_dot`` does.

Every Value is a record ``{ label | data 1.2345 | grad 0.5000 }``; every op is a small ellipse
with micrograd's op string, wired operand -> op -> result. ``a + a`` draws two edges.

Every element the browser binds to has a stable id and classes (Graphviz copies ``id`` and
``class`` into the SVG):

* value node ``node-n3`` (classes ``node value leaf|result [output]``)
* op node ``op-n3`` (the op that made ``n3``; classes ``node op op-<op>``)
* operand edge ``edge-e5`` (``edge operand``), op -> result edge ``opedge-n3`` (``edge opedge``)

User text (labels) is escaped for DOT records and escString attributes, so no label can change
the drawing's structure or reach the SVG unescaped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

import graphviz

from engine.drawing import drawn_node_count, layout_size, visible_unit
from engine.graph import Cluster, GraphModel, Node

__all__ = ["build_digraph", "draw_dot", "drawn_node_count", "format_number", "layout_size", "to_dot"]

DEFAULT_DECIMALS = 4
GRAPH_NAME = "backprop"

# Bounds on dot's layout work, so an awkward graph (one value feeding many ops) lays out in
# bounded time with a slightly less tidy drawing instead of searching for a long time.
LAYOUT_LIMITS = {
    "nslimit": "2.0",  # network simplex (ranking, x positions): at most 2 x nodes iterations
    "nslimit1": "2.0",
    "mclimit": "0.5",  # edge-crossing minimisation: half the default number of passes
    "searchsize": "30",  # the default; spelled out so all four limits are in one place
}

_STYLE = {
    "leaf": "#e8f1fb",
    "result": "#ffffff",
    "output": "#fff1c9",
    "op": "#f2f2f2",
    "unknown": "#f6d6d6",  # an op with no known derivative
    "box": "#eef3e6",  # a collapsed cluster
}
# micrograd's draw_dot uses Graphviz's default, 14 pt: the same size keeps text readable on a projector.
FONT = "Helvetica,Arial,sans-serif"
FONT_SIZE = "14"


def _printable(text: str) -> str:
    """Replace characters that cannot appear in SVG/XML text (controls, surrogates) with U+FFFD."""
    return "".join(ch if ch.isprintable() or ch == " " else "\ufffd" for ch in text)


def escape_label(text: str) -> str:
    """A user string for a plain ``label``, shown literally.

    ``\\`` is doubled so ``\\N``, ``\\n``... are not expanded; ``&`` becomes ``&amp;`` because
    Graphviz decodes HTML entities in labels. The graphviz package escapes ``"`` when quoting.
    """
    return graphviz.nohtml(_printable(text).replace("\\", "\\\\").replace("&", "&amp;"))


def escape_tooltip(text: str) -> str:
    """A user string for a ``tooltip``: Graphviz unescapes tooltips twice, so ``\\`` becomes four."""
    return graphviz.nohtml(_printable(text).replace("\\", "\\" * 4).replace("&", "&amp;"))


def escape_record_field(text: str) -> str:
    """A user string for one field of a ``shape=record`` label: ``{ } | < >`` escaped too."""
    out = _printable(text).replace("\\", "\\\\").replace("&", "&amp;")
    for ch in "{}|<>":
        out = out.replace(ch, "\\" + ch)
    return out


def format_number(x: float, decimals: int = DEFAULT_DECIMALS) -> str:
    """``%.4f`` as in micrograd, ``nan``/``inf`` as such, scientific once fixed point gets long."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x != 0 and not 10.0**-decimals <= abs(x) < 1e9:
        return f"{x:.{decimals}e}"
    return f"{x:.{decimals}f}"


def _value_classes(node: Node) -> str:
    kind = "leaf" if node.is_leaf else "result"
    return f"value {kind} output" if node.is_output else f"value {kind}"


def _value_tooltip(node: Node) -> str:
    title = node.label or node.id
    return f"{title} ({node.op}): data {node.data!r}, grad {node.grad!r}"


def _record(fields: list[str], rankdir: str) -> str:
    # Braces turn a record's fields 90 degrees: with LR they make a row, as micrograd's do; with TB
    # the fields already form a row.
    return "{ " + " | ".join(fields) + " }" if rankdir == "LR" else " | ".join(fields)


def build_digraph(
    model: GraphModel,
    rankdir: str = "LR",
    decimals: int = DEFAULT_DECIMALS,
    fmt: str = "svg",
    collapsed: Iterable[str] = (),
    ladder: bool = False,
) -> graphviz.Digraph:
    """The DOT graph of ``model``; ``rankdir`` is ``LR`` (left to right) or ``TB``.

    Clusters are drawn as frames, except those in ``collapsed`` (``engine.drawing.plan``): each of
    those is one box, with its output's data and grad and the number of values it holds.

    ``ladder``: a neuron's sum drawn one weight per row. micrograd's sum is a chain
    ``((b + w0*x0) + w1*x1) + ...``; drawn as it is, each ``+`` sits one rank right of the last
    and a 16-input neuron becomes a staircase ~6,000 points wide. With ``ladder`` the running sum
    does not push the next ``+`` right (``constraint=false``) and the ``+`` ops keep their order
    top to bottom: each weight gets a row ``w_i, x_i -> * -> +``, the sum flowing down into the
    activation. Same nodes, edges and numbers (/train's expanded neuron).
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', not {rankdir!r}")
    dot = graphviz.Digraph(
        GRAPH_NAME,
        format=fmt,
        graph_attr={
            "rankdir": rankdir,
            "bgcolor": "transparent",
            **({"nodesep": "0.12", "ranksep": "0.3"} if ladder else {}),
            **LAYOUT_LIMITS,
            # dot's older ranking loses edges between clusters and records ("lost edge" errors).
            **({"newrank": "true"} if model.clusters else {}),
        },
        node_attr={"fontname": FONT, "fontsize": FONT_SIZE},
        edge_attr={"arrowsize": "0.6"},
    )
    collapsed = set(collapsed)
    parents = {c.id: c.parent for c in model.clusters}
    units = visible_unit(model, collapsed, parents)
    box_name = {c.id: f"box{k}" for k, c in enumerate(model.clusters)}
    nodes_in: dict[str | None, list[Node]] = {}
    for node, unit in zip(model.nodes, units):
        if unit is None:
            nodes_in.setdefault(node.cluster, []).append(node)
    children: dict[str | None, list[Cluster]] = {}
    for c in model.clusters:
        children.setdefault(c.parent, []).append(c)

    def emit(container: graphviz.Digraph, cluster_id: str | None) -> None:
        for c in children.get(cluster_id, ()):
            if c.id in collapsed:
                _box(container, model, c, box_name[c.id], rankdir, decimals)
            else:
                with container.subgraph(name=f"cluster_{box_name[c.id]}") as frame:
                    frame.attr(
                        label=escape_label(c.label),
                        id=escape_label(f"cluster-{c.id}"),
                        **{"class": f"frame kind-{c.kind}"},
                        style="rounded,dashed",
                        color="#9aa5b8",
                        fontname=FONT,
                        fontsize=FONT_SIZE,
                        tooltip=escape_tooltip(f"{c.label}: {c.size} values"),
                    )
                    emit(frame, c.id)
        for node in nodes_in.get(cluster_id, ()):
            _value_node(container, node, rankdir, decimals)

    emit(dot, None)
    links: dict[tuple[str, str], int | None] = {}  # (tail, head) -> the weight it carries, if one
    operands = model.operands() if collapsed else []
    for edge in model.edges:
        s, t = int(edge.source[1:]), int(edge.target[1:])
        su, tu = units[s], units[t]
        if su is None and tu is None:
            running_sum = ladder and edge.position == 0 and model.nodes[s].op == model.nodes[t].op == "add"
            dot.edge(
                edge.source,
                f"{edge.target}op",
                **({"constraint": "false"} if running_sum else {}),
                id=f"edge-{edge.id}",
                **{"class": "operand"},
                tooltip=escape_tooltip(
                    f"local grad {edge.local_grad!r}, contribution {edge.contribution!r} "
                    f"(operand {edge.position} of {edge.target})"
                ),
            )
            continue
        if su is not None and su == tu:
            continue
        tail = edge.source if su is None else box_name[su]
        head = f"{edge.target}op" if tu is None else box_name[tu]
        if (tail, head) not in links:
            links[(tail, head)] = _weight(model, operands, s, t) if tu is not None else None
    _draw_links(dot, model, links)
    sums = [f"{node.id}op" for node, unit in zip(model.nodes, units) if unit is None and node.op == "add"]
    if ladder and len(sums) > 1:
        with dot.subgraph() as rows:  # the + ops one below the other, in the sum's order
            rows.attr(rank="same")
            rows.attr("edge", style="invis")
            rows.edges(pairwise(sums))
    return dot


# A link into a collapsed neuron that carries one weight is drawn as a network diagram draws it:
# its colour the weight's sign, its width its size (the training page's colours).
_WEIGHT_COLOURS = ("#f59322b0", "#0877bdb0")  # negative, positive


def _weight(model: GraphModel, operands: list[list[int]], source: int, target: int) -> int | None:
    """The weight a link carries: the leaf ``source`` is multiplied by (``target`` is that ``*``)."""
    pair = operands[target]
    if model.nodes[target].op != "mul" or len(pair) != 2:
        return None
    other = pair[1] if pair[0] == source else pair[0]
    return other if model.nodes[other].is_leaf else None


def _draw_links(dot: graphviz.Digraph, model: GraphModel, links: dict[tuple[str, str], int | None]) -> None:
    """Edges from or into collapsed boxes, one per pair of shapes (weights sized and coloured)."""
    weights = [model.nodes[w].data for w in links.values() if w is not None]
    biggest = max((abs(w) for w in weights if math.isfinite(w)), default=1.0) or 1.0
    for k, ((tail, head), w) in enumerate(links.items(), 1):
        style: dict[str, str] = {}
        if w is not None:
            node = model.nodes[w]
            finite = math.isfinite(node.data)
            style = {
                "color": _WEIGHT_COLOURS[node.data > 0],
                "penwidth": f"{0.4 + 3.0 * min(1.0, abs(node.data) / biggest) if finite else 1.0:.2f}",
                "tooltip": escape_tooltip(f"{node.label or node.id}: data {node.data!r}, grad {node.grad!r}"),
            }
        dot.edge(tail, head, id=f"link-{k}", **{"class": "link weight" if w is not None else "link"}, **style)


def _value_node(container: graphviz.Digraph, node: Node, rankdir: str, decimals: int) -> None:
    fields = [f"data {format_number(node.data, decimals)}", f"grad {format_number(node.grad, decimals)}"]
    if node.label:
        fields.insert(0, escape_record_field(node.label))
    fill = _STYLE["output"] if node.is_output else _STYLE["leaf" if node.is_leaf else "result"]
    container.node(
        node.id,
        label=_record(fields, rankdir),
        shape="record",
        style="filled",
        fillcolor=fill,
        id=f"node-{node.id}",
        **{"class": _value_classes(node)},
        tooltip=escape_tooltip(_value_tooltip(node)),
    )
    if node.is_leaf:
        return
    op_name = f"{node.id}op"
    container.node(
        op_name,
        label=escape_label(node.op_symbol),
        shape="ellipse",
        style="filled",
        fillcolor=_STYLE["op"] if node.derivative_known else _STYLE["unknown"],
        margin="0.04,0.02",
        height="0.3",
        id=f"op-{node.id}",
        **{"class": f"op op-{node.op}"},
        tooltip=escape_tooltip(f"{node.op} ({node.op_symbol}) makes {node.label or node.id}"),
    )
    container.edge(op_name, node.id, id=f"opedge-{node.id}", **{"class": "opedge"})


def _box(
    container: graphviz.Digraph, model: GraphModel, c: Cluster, name: str, rankdir: str, decimals: int
) -> None:
    """A collapsed cluster: its label, its output's data and grad, how many values it holds."""
    fields = [escape_record_field(c.label)]
    tooltip = f"{c.label}: {c.size} values, collapsed"
    if c.output is not None:
        out = model.node(c.output)
        fields += [f"data {format_number(out.data, decimals)}", f"grad {format_number(out.grad, decimals)}"]
        tooltip += f"; output data {out.data!r}, grad {out.grad!r}"
    fields.append(f"{c.size} values")
    container.node(
        name,
        label=_record(fields, rankdir),
        shape="record",
        style="filled,rounded,bold",
        fillcolor=_STYLE["box"],
        id=escape_label(f"box-{c.id}"),
        **{"class": f"box kind-{c.kind}"},
        tooltip=escape_tooltip(tooltip),
    )


def to_dot(
    model: GraphModel,
    rankdir: str = "LR",
    decimals: int = DEFAULT_DECIMALS,
    collapsed: Iterable[str] = (),
    ladder: bool = False,
) -> str:
    """The DOT source text of ``model`` (``collapsed``: clusters drawn as one box each; ``ladder``:
    sums one weight per row, see ``build_digraph``)."""
    return build_digraph(model, rankdir, decimals, collapsed=collapsed, ladder=ladder).source


def draw_dot(
    root: Any, format: str = "svg", rankdir: str = "LR", decimals: int = DEFAULT_DECIMALS
) -> graphviz.Digraph:
    """micrograd's ``draw_dot``: the graph behind ``root`` as a ``graphviz.Digraph`` (shows in Jupyter).

    ``root`` is any micrograd-like Value (ours, the micrograd package's, a student's own class).
    Data and grad are what the Values hold now; call ``root.backward()`` first to see gradients.
    """
    return build_digraph(GraphModel.from_root(root), rankdir, decimals, fmt=format)
