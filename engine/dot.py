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

import graphviz

from engine.graph import GraphModel, Node
from engine.value import Value

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
}


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


def drawn_node_count(model: GraphModel) -> int:
    """Shapes in the drawing: one per Value plus one per op."""
    return len(model.nodes) + sum(not node.is_leaf for node in model.nodes)


def _value_classes(node: Node) -> str:
    kind = "leaf" if node.is_leaf else "result"
    return f"value {kind} output" if node.is_output else f"value {kind}"


def _value_tooltip(node: Node) -> str:
    title = node.label or node.id
    return f"{title} ({node.op}): data {node.data!r}, grad {node.grad!r}"


def build_digraph(
    model: GraphModel, rankdir: str = "LR", decimals: int = DEFAULT_DECIMALS, fmt: str = "svg"
) -> graphviz.Digraph:
    """The DOT graph of ``model``; ``rankdir`` is ``LR`` (left to right) or ``TB``."""
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"rankdir must be 'LR' or 'TB', not {rankdir!r}")
    dot = graphviz.Digraph(
        GRAPH_NAME,
        format=fmt,
        graph_attr={"rankdir": rankdir, "bgcolor": "transparent", **LAYOUT_LIMITS},
        node_attr={"fontname": "Helvetica,Arial,sans-serif", "fontsize": "11"},
        edge_attr={"arrowsize": "0.6"},
    )
    for node in model.nodes:
        fields = [f"data {format_number(node.data, decimals)}", f"grad {format_number(node.grad, decimals)}"]
        if node.label:
            fields.insert(0, escape_record_field(node.label))
        fill = _STYLE["output"] if node.is_output else _STYLE["leaf" if node.is_leaf else "result"]
        dot.node(
            node.id,
            # Braces turn a record's fields 90 degrees: with LR they make a row, as micrograd's do;
            # with TB the fields already form a row.
            label="{ " + " | ".join(fields) + " }" if rankdir == "LR" else " | ".join(fields),
            shape="record",
            style="filled",
            fillcolor=fill,
            id=f"node-{node.id}",
            **{"class": _value_classes(node)},
            tooltip=escape_tooltip(_value_tooltip(node)),
        )
        if not node.is_leaf:
            op_name = f"{node.id}op"
            dot.node(
                op_name,
                label=escape_label(node.op_symbol),
                shape="ellipse",
                style="filled",
                fillcolor=_STYLE["op"],
                margin="0.04,0.02",
                height="0.3",
                id=f"op-{node.id}",
                **{"class": f"op op-{node.op}"},
                tooltip=escape_tooltip(f"{node.op} ({node.op_symbol}) makes {node.label or node.id}"),
            )
            dot.edge(op_name, node.id, id=f"opedge-{node.id}", **{"class": "opedge"})
    for edge in model.edges:
        dot.edge(
            edge.source,
            f"{edge.target}op",
            id=f"edge-{edge.id}",
            **{"class": "operand"},
            tooltip=escape_tooltip(
                f"local grad {edge.local_grad!r}, contribution {edge.contribution!r} "
                f"(operand {edge.position} of {edge.target})"
            ),
        )
    return dot


def to_dot(model: GraphModel, rankdir: str = "LR", decimals: int = DEFAULT_DECIMALS) -> str:
    """The DOT source text of ``model``."""
    return build_digraph(model, rankdir, decimals).source


def draw_dot(
    root: Value, format: str = "svg", rankdir: str = "LR", decimals: int = DEFAULT_DECIMALS
) -> graphviz.Digraph:
    """micrograd's ``draw_dot``: the graph behind ``root`` as a ``graphviz.Digraph`` (shows in Jupyter).

    Data and grad are what the Values hold now; call ``root.backward()`` first to see gradients.
    """
    return build_digraph(GraphModel.from_root(root), rankdir, decimals, fmt=format)


def layout_size(model: GraphModel) -> int:
    """Roughly the nodes dot's layout works on: drawn shapes plus one virtual node per rank an edge skips.

    A value used by ops far apart (``x*x*x*...``) makes long edges, and dot's cost grows with their
    total length, not with the number of shapes. Each value is ranked as late as it can be (just
    before its first use), which is where dot's ranking puts a value with one use.
    """
    rank = [0] * len(model.nodes)  # of each value's record; its op ellipse sits at rank - 1
    first_use = [0] * len(model.nodes)  # lowest rank among the records of the results using it
    used = [False] * len(model.nodes)
    consumers: dict[int, list[int]] = {}
    for edge in model.edges:
        consumers.setdefault(int(edge.target[1:]), []).append(int(edge.source[1:]))
    for node in reversed(model.nodes):  # results before their operands
        i = node.topo_index
        rank[i] = first_use[i] - 2 if used[i] else 0
        for s in consumers.get(i, ()):
            first_use[s] = min(first_use[s], rank[i]) if used[s] else rank[i]
            used[s] = True
    skipped = sum((rank[int(e.target[1:])] - 1) - rank[int(e.source[1:])] - 1 for e in model.edges)
    return drawn_node_count(model) + skipped
