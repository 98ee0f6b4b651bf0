"""A graph someone already has, as JSON, read into a ``GraphModel`` (``POST /api/graph/draw``).

The JSON is untrusted: every node id must be unique, every edge must join existing nodes, the
output must exist and the graph must have no cycle; each problem is a ``GraphInputError`` naming
the node or edge. The nodes are then turned into stand-in Values (``data``, ``grad``, ``_prev``,
``_op``, ``label``) and read by ``engine.reader``, the same reader as for every other Value, so
local derivatives, the gradient check and the drawing are the same as for a program's graph.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from engine.graph import Cluster, GraphModel
from engine.ops import BY_NAME, LEAF_NAME, lookup
from engine.reader import read_graph, topo_order

CLUSTER_KINDS = ("neuron", "layer", "datapoint", "loss", "parameters", "fold")


class GraphInputError(ValueError):
    """The graph JSON is not a graph that can be drawn; the message names the node or edge."""


class StandIn:
    """A node of the JSON as a micrograd-like Value."""

    __slots__ = ("_op", "_prev", "data", "grad", "label")

    def __init__(self, data: float, grad: float, op: str, label: str):
        self.data, self.grad, self._op, self.label = data, grad, op, label
        self._prev: tuple[StandIn, ...] = ()


def _symbol(node: Mapping[str, Any]) -> str:
    """micrograd's ``_op`` for a node given by op name (``add``) or symbol (``+``, ``**2``)."""
    if node.get("op_symbol"):
        return node["op_symbol"]
    op = node.get("op") or ""
    if op in ("", LEAF_NAME):
        return ""
    known = BY_NAME.get(op)
    if known is None:
        return op  # a symbol (+, ReLU, **2) or an op this engine does not know: drawn as it is
    exponent = node.get("exponent")
    if known.name == "pow":
        if exponent is None or not math.isfinite(exponent):
            raise GraphInputError(f"node {node['id']!r}: a pow node needs a finite 'exponent'")
        return known.symbol_for(exponent)
    return known.symbol


def read_graph_json(
    nodes: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    output: str,
    clusters: Sequence[Mapping[str, Any]] = (),
    check_gradients: bool = False,
) -> GraphModel:
    """The ``GraphModel`` of the output's graph (nodes it does not depend on are left out)."""
    stand_ins: dict[str, StandIn] = {}
    for k, node in enumerate(nodes):
        nid = node["id"]
        if nid in stand_ins:
            raise GraphInputError(f"nodes[{k}]: the id {nid!r} is used twice")
        symbol = _symbol(node)
        op, _ = lookup(symbol)
        if symbol and op is None and symbol.startswith("**"):
            raise GraphInputError(f"node {nid!r}: {symbol!r} is not a power with a finite exponent")
        stand_ins[nid] = StandIn(node["data"], node["grad"], symbol, node.get("label") or "")
    operands: dict[str, list[tuple[int, int, str]]] = {}
    for k, edge in enumerate(edges):
        source, target = edge["source"], edge["target"]
        for end, nid in (("source", source), ("target", target)):
            if nid not in stand_ins:
                raise GraphInputError(f"edges[{k}] ({source!r} -> {target!r}): no node {nid!r} ({end})")
        position = edge.get("position")
        slots = edge.get("slots") or 1
        operands.setdefault(target, []).extend([(k if position is None else position, k, source)] * slots)
    for target, ops in operands.items():
        ops.sort()
        stand_ins[target]._prev = tuple(stand_ins[source] for _, _, source in ops)
        if not stand_ins[target]._op:
            raise GraphInputError(f"node {target!r} has operands but no op: give it an op (add, mul, ...)")
    if output not in stand_ins:
        raise GraphInputError(f"output {output!r} is not one of the nodes")
    _check_acyclic(stand_ins, operands)
    root = stand_ins[output]
    model = read_graph(root, check_gradients=check_gradients, limit=len(stand_ins))
    if clusters:
        index = {id(v): i for i, v in enumerate(topo_order(root, limit=len(stand_ins)))}  # read_graph's order
        _attach_clusters(model, index, nodes, clusters, stand_ins)
    return model


def _check_acyclic(stand_ins: Mapping[str, StandIn], operands: Mapping[str, list]) -> None:
    """No node may depend on itself (Kahn's algorithm; a node left over is on or after a cycle)."""
    waiting = {nid: len({s for _, _, s in operands.get(nid, ())}) for nid in stand_ins}
    users: dict[str, set[str]] = {}
    for target, ops in operands.items():
        for _, _, source in ops:
            users.setdefault(source, set()).add(target)
    ready = [nid for nid, n in waiting.items() if n == 0]
    done = 0
    while ready:
        nid = ready.pop()
        done += 1
        for user in users.get(nid, ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    if done < len(stand_ins):
        stuck = next(nid for nid, n in waiting.items() if n > 0)
        raise GraphInputError(f"the graph has a cycle: node {stuck!r} depends on itself, directly or not")


def _attach_clusters(
    model: GraphModel,
    index: Mapping[int, int],
    nodes: Sequence[Mapping[str, Any]],
    clusters: Sequence[Mapping[str, Any]],
    stand_ins: Mapping[str, StandIn],
) -> None:
    """The JSON's clusters, checked: unique ids, parents that exist and no loop of parents."""
    by_id: dict[str, Mapping[str, Any]] = {}
    for k, c in enumerate(clusters):
        if c["id"] in by_id:
            raise GraphInputError(f"clusters[{k}]: the id {c['id']!r} is used twice")
        by_id[c["id"]] = c
    for cid, c in by_id.items():
        seen, parent = {cid}, c.get("parent")
        while parent is not None:
            if parent not in by_id:
                raise GraphInputError(f"cluster {cid!r}: no parent cluster {parent!r}")
            if parent in seen:
                raise GraphInputError(f"cluster {cid!r}: its parents form a loop")
            seen.add(parent)
            parent = by_id[parent].get("parent")
    member = {}
    for node in nodes:
        cid = node.get("cluster")
        if cid is None:
            continue
        if cid not in by_id:
            raise GraphInputError(f"node {node['id']!r}: no cluster {cid!r}")
        i = index.get(id(stand_ins[node["id"]]))
        if i is not None:
            member[i] = cid
    sizes = dict.fromkeys(by_id, 0)
    for i, cid in member.items():
        model.nodes[i].cluster = cid
        while cid is not None:
            sizes[cid] += 1
            cid = by_id[cid].get("parent")
    placed: list[Cluster] = []
    pending = [c for c in clusters if sizes[c["id"]] > 0]
    while pending:  # parents before children
        ready = {p.id for p in placed}
        now = [c for c in pending if c.get("parent") is None or c["parent"] in ready]
        pending = [c for c in pending if c not in now]
        for c in now:
            out = stand_ins.get(c.get("output") or "")
            out_id = f"n{index[id(out)]}" if out is not None and id(out) in index else None
            label = c.get("label") or c["id"]
            placed.append(Cluster(c["id"], c["kind"], label, c.get("parent"), out_id, sizes[c["id"]]))
    model.clusters = placed
