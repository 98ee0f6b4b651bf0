"""What a drawing shows: which clusters are open, which are one box, and folds for what is left.

Any graph gets a drawing. Under the render limit (shapes: values + op ellipses + boxes) it is
drawn whole, clusters as frames. Above it, ``plan`` collapses clusters, the innermost kinds first
(neurons, their parameters and loss terms, then layers, then datapoints), until the drawing fits.
If what no cluster holds is still too much (a long chain, a sum of a thousand terms), ``add_folds``
folds it into boxes of consecutive nodes (``fold`` clusters, nested when one box would itself be
too big to open), each saying how many nodes it holds. The cluster holding the output stays open.

A request can instead name the clusters to draw open (``expand``): everything else is collapsed,
and the named clusters' parents are opened so the named ones show. Pure Python, standard library
only: the browser's Python mode can plan a drawing too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.graph import Cluster, GraphModel

# The order auto-collapsing goes in: innermost kinds first.
COLLAPSE_LEVELS = (("neuron", "parameters", "loss", "fold"), ("layer",), ("datapoint",))
FOLD_FANOUT = 60  # boxes one fold level makes at most: a fold opened shows at most this many


class DrawingTooLarge(ValueError):
    """The clusters asked to be open make a drawing over the render limit."""


@dataclass
class Plan:
    """``collapsed``: the outermost collapsed clusters (each drawn as one box); ``open``: frames."""

    collapsed: list[str]
    open: list[str]
    shapes: int


def drawn_node_count(model: GraphModel) -> int:
    """Shapes in the drawing: one per Value plus one per op."""
    return len(model.nodes) + sum(not node.is_leaf for node in model.nodes)


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


def fits(model: GraphModel, collapsed: set[str], limit: int, layout_limit: int) -> bool:
    """Whether the drawing is under both limits (long edges only matter in an uncollapsed one)."""
    if count_shapes(model, collapsed) > limit:
        return False
    return bool(collapsed) or layout_size(model) <= layout_limit


def node_shapes(model: GraphModel, i: int) -> int:
    return 1 if model.nodes[i].is_leaf else 2  # a value record, plus the ellipse of the op that made it


def visible_unit(model: GraphModel, collapsed: set[str], parents: dict[str, str | None]) -> list[str | None]:
    """For each node, the collapsed cluster box it is hidden in (outermost), or None if it is drawn."""
    out: list[str | None] = []
    memo: dict[str | None, str | None] = {None: None}
    for node in model.nodes:
        cid = node.cluster
        if cid not in memo:
            box, c = None, cid
            while c is not None:
                if c in collapsed:
                    box = c
                c = parents[c]
            memo[cid] = box
        out.append(memo[cid])
    return out


def count_shapes(model: GraphModel, collapsed: set[str]) -> int:
    parents = {c.id: c.parent for c in model.clusters}
    units = visible_unit(model, collapsed, parents)
    boxes = {u for u in units if u is not None}
    return len(boxes) + sum(node_shapes(model, i) for i, u in enumerate(units) if u is None)


def ancestors(model: GraphModel, cid: str) -> list[str]:
    parents = {c.id: c.parent for c in model.clusters}
    out = []
    while cid is not None:
        out.append(cid)
        cid = parents.get(cid)
    return out


def plan(model: GraphModel, limit: int, layout_limit: int, expand: Iterable[str] | None = None) -> Plan:
    """The drawing of ``model`` under ``limit`` shapes (``expand``: the clusters to draw open).

    ``layout_limit`` bounds ``layout_size`` of a drawing with nothing collapsed (long edges).
    """
    ids = [c.id for c in model.clusters]
    if expand is not None:
        known = set(ids)
        wanted: set[str] = set()
        for cid in expand:
            if cid not in known:
                raise KeyError(cid)
            wanted.update(ancestors(model, cid))
        collapsed = {c for c in ids if c not in wanted}
        shapes = count_shapes(model, collapsed)
        if not fits(model, collapsed, limit, layout_limit):
            raise DrawingTooLarge(
                f"with {', '.join(sorted(set(expand)))} open the drawing has {shapes} shapes, more than "
                f"the limit of {limit}: open fewer clusters"
            )
        return _finish(model, collapsed, shapes)
    keep_open = set(ancestors(model, model.node(model.output).cluster)) if model.output else set()
    collapsed: set[str] = set()
    for kinds in COLLAPSE_LEVELS:
        if fits(model, collapsed, limit, layout_limit):
            break
        collapsed |= {c.id for c in model.clusters if c.kind in kinds and c.id not in keep_open}
    return _finish(model, collapsed, count_shapes(model, collapsed))


def _finish(model: GraphModel, collapsed: set[str], shapes: int) -> Plan:
    parents = {c.id: c.parent for c in model.clusters}
    shown = [c.id for c in model.clusters if not _hidden(c.id, collapsed, parents)]
    return Plan(
        collapsed=[c for c in shown if c in collapsed],
        open=[c for c in shown if c not in collapsed],
        shapes=shapes,
    )


def _hidden(cid: str, collapsed: set[str], parents: dict[str, str | None]) -> bool:
    c = parents.get(cid)
    while c is not None:
        if c in collapsed:
            return True
        c = parents.get(c)
    return False


# ---------------------------------------------------------------- folds


def add_folds(model: GraphModel, limit: int, layout_limit: int) -> None:
    """Fold the nodes no cluster holds into boxes of consecutive nodes, if the drawing needs it.

    Needed when, with every cluster collapsed, the drawing is still over ``limit``. Folds are made
    from the graph alone (same graph, same folds), so a request can name one to open.
    """
    if model.output is None:
        return
    everything = {c.id for c in model.clusters}
    if count_shapes(model, everything) <= limit and (everything or layout_size(model) <= layout_limit):
        return
    out = int(model.output[1:])
    loose = [n.topo_index for n in model.nodes if n.cluster is None and n.topo_index != out]
    boxes = len({c.id for c in model.clusters if c.parent is None})
    room = max(limit - boxes - 2, 8)
    top_level = min(room, FOLD_FANOUT)
    _fold(model, loose, None, "F", top_level)


def _fold(model: GraphModel, nodes: list[int], parent: str | None, prefix: str, fanout: int) -> None:
    """Split ``nodes`` (consecutive in topological order) into at most ``fanout`` folds, recursively."""
    size = -(-len(nodes) // fanout)  # ceiling
    if size <= 1:
        return
    for k in range(0, len(nodes), size):
        chunk = nodes[k : k + size]
        cid = f"{prefix}{k // size + 1}"
        first, last = chunk[0], chunk[-1]
        label = f"n{first}–n{last}"
        model.clusters.append(Cluster(cid, "fold", label, parent, f"n{last}", len(chunk)))
        for i in chunk:
            model.nodes[i].cluster = cid
        if sum(node_shapes(model, i) for i in chunk) > FOLD_FANOUT * 2:
            _fold(model, chunk, cid, cid + ".", FOLD_FANOUT)
