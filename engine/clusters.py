"""Names and clusters for the Values of neural networks: neurons, layers, datapoints, loss terms.

A namespace (a program's variables) is searched for models the way micrograd builds them: an
object with ``layers`` (each with ``neurons``), with ``neurons``, or a neuron with ``w`` (a list of
Values) and ``b``. Our ``engine.nn``, the micrograd package's and a student's own classes all
look like that. Each neuron is then found in the graph by its parameters: every pass of a
neuron is a run of ``+`` starting at (or ending in) its bias that adds one ``w_i * x_i`` product per
weight, then, if the sum's only use is ReLU/tanh/sigmoid, that activation. So the lecture's
``sum((wi*xi for ...), self.b).tanh()`` and micrograd's linear output neuron are both found.

Names: parameters ``L1.N3.w2`` and ``L1.N3.b``, a neuron's output ``L1.N3`` (layers, neurons and
weights counted from 1, as the lecture names x1, w1); a Value's own label or variable wins.
Clusters (``engine.graph.Cluster``), one pass of the model:
``L1`` (layer) > ``L1.N3`` (neuron: its parameters, products, sums, activation), then ``loss`` for
what comes after the network. When a loss sums over several passes, one per datapoint:
``D2`` (datapoint) > ``D2.L1`` > ``D2.L1.N3`` (that pass of the neuron) and ``D2.loss`` (its loss
term); the parameters, shared by all passes, sit in ``L1`` > ``L1.N3`` (kind ``parameters``), and
what sums the terms in ``loss``. With several models in the namespace, ids start with the model's
variable name. Pure Python, standard library only (loaded into Pyodide too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.graph import Cluster, GraphModel

ACTIVATIONS = ("relu", "tanh", "sigmoid")
_MAX_SUM_WALK = 4  # nodes visited per weight when following a neuron's sum (a bound, not a shape rule)


@dataclass
class ModelNeuron:
    prefix: str  # "" or "n." when several models are in the namespace
    layer: int  # from 1
    index: int  # from 1
    weights: list[int]  # node indices (-1: not in this graph)
    bias: int

    @property
    def id(self) -> str:
        return f"{self.prefix}L{self.layer}.N{self.index}"


@dataclass
class Pass:
    """One pass of a neuron through the graph: the nodes it made, and its output."""

    neuron: ModelNeuron
    output: int
    members: list[int]
    inputs: list[int]  # what each weight multiplies, in weight order
    products: list[int]  # each weight's w * x, in weight order
    sums: list[int]  # the + nodes of its sum, from the bias up
    pre_activation: int  # the sum, before the activation
    datapoint: int = 0
    activation: str = "linear"


@dataclass
class _Builder:
    model: GraphModel
    clusters: dict[str, Cluster] = field(default_factory=dict)
    member: dict[int, str] = field(default_factory=dict)  # node index -> innermost cluster id
    names: dict[int, str] = field(default_factory=dict)  # node index -> structural name

    def cluster(self, cid: str, kind: str, label: str, parent: str | None, output: int | None = None) -> str:
        if cid not in self.clusters:
            out = None if output is None else f"n{output}"
            self.clusters[cid] = Cluster(cid, kind, label, parent, out, 0)
        return cid

    def put(self, node: int, cid: str) -> None:
        self.member.setdefault(node, cid)


def find_models(namespace: Mapping[str, Any]) -> list[tuple[str, list[list[Any]]]]:
    """``(variable, neurons by layer)`` for every model-like object in the namespace."""
    found, seen = [], set()
    for name, obj in namespace.items():
        if name.startswith("_") or id(obj) in seen or isinstance(obj, type):
            continue
        layers = _layers_of(obj)
        if layers:
            seen.add(id(obj))
            found.append((name, layers))
    # A Layer or Neuron that is part of a model found here is not a model of its own.
    inner = {id(n) for _, layers in found if len(layers) > 1 for layer in layers for n in layer}
    inner |= {id(layer) for _, ls in found for layer in ls}
    return [(name, layers) for name, layers in found if not (len(layers) == 1 and _is_inside(layers, inner))]


def _is_inside(layers: list[list[Any]], inner: set[int]) -> bool:
    return all(id(n) in inner for n in layers[0])


def _layers_of(obj: Any) -> list[list[Any]] | None:
    try:
        layers = getattr(obj, "layers", None)
        if isinstance(layers, list | tuple) and layers:
            out = [getattr(layer, "neurons", None) for layer in layers]
            if all(isinstance(ns, list | tuple) and ns and all(_is_neuron(n) for n in ns) for ns in out):
                return [list(ns) for ns in out]
            return None
        neurons = getattr(obj, "neurons", None)
        if isinstance(neurons, list | tuple) and neurons and all(_is_neuron(n) for n in neurons):
            return [list(neurons)]
        if _is_neuron(obj):
            return [[obj]]
    except Exception:  # a student's property that raises: not a model we can read
        return None
    return None


def _is_neuron(obj: Any) -> bool:
    w = getattr(obj, "w", None)
    return isinstance(w, list | tuple) and bool(w) and hasattr(getattr(obj, "b", None), "_prev")


def add_structure(model: GraphModel, order: Sequence[Any], namespace: Mapping[str, Any]) -> None:
    """Name the Values of every model in ``namespace`` and group them into ``model.clusters``."""
    models = find_models(namespace)
    if not models:
        return
    index = {id(v): i for i, v in enumerate(order)}
    neurons = []
    for name, layers in models:
        prefix = f"{name}." if len(models) > 1 else ""
        for li, layer in enumerate(layers, 1):
            for ni, neuron in enumerate(layer, 1):
                weights = [index.get(id(w), -1) for w in neuron.w]
                neurons.append(ModelNeuron(prefix, li, ni, weights, index.get(id(neuron.b), -1)))
    passes = find_passes(model, neurons)
    if not passes:
        return
    builder = _Builder(model)
    datapoints = group_datapoints(model, passes)
    _build(builder, neurons, passes, datapoints)
    _apply(builder)


def consumers_of(model: GraphModel) -> list[list[int]]:
    uses: list[list[int]] = [[] for _ in model.nodes]
    for edge in model.edges:
        uses[int(edge.source[1:])].append(int(edge.target[1:]))
    return uses


def find_passes(model: GraphModel, neurons: Sequence[ModelNeuron]) -> list[Pass]:
    """Every pass of every neuron through the graph, in the order their outputs were computed."""
    operands = model.operands()
    uses = consumers_of(model)
    ops = [node.op for node in model.nodes]
    passes = []
    for neuron in neurons:
        if neuron.bias < 0 or any(w < 0 for w in neuron.weights):
            continue
        weight_slot = {w: k for k, w in enumerate(neuron.weights)}
        for start in dict.fromkeys(uses[neuron.bias]):
            if ops[start] == "add":
                found = _follow_sum(start, neuron, weight_slot, operands, uses, ops)
                if found is not None:
                    passes.append(found)
    passes.sort(key=lambda p: p.output)
    return passes


def _follow_sum(start, neuron, weight_slot, operands, uses, ops) -> Pass | None:
    """The pass whose sum begins at ``start`` (a ``+`` using the bias), or None if it is not one."""
    sums: list[int] = []
    products: list[int] = []
    covered: dict[int, int] = {}  # weight slot -> its product

    def take(node: int) -> None:  # a + node of the sum: its products, and + operands below it
        stack = [node]
        budget = _MAX_SUM_WALK * (len(weight_slot) + 2)
        while stack and budget > 0:
            budget -= 1
            s = stack.pop()
            sums.append(s)
            for a in operands[s]:
                if a == neuron.bias or a in sums:
                    continue
                if ops[a] == "mul" and len(uses[a]) == 1:
                    slot = next((weight_slot[w] for w in operands[a] if w in weight_slot), None)
                    if slot is not None and slot not in covered:
                        covered[slot] = a
                        products.append(a)
                elif ops[a] == "add" and len(uses[a]) == 1 and s == node and s == start:
                    stack.append(a)  # sum(w*x) + b: the products sit in the other operand's sums

    take(start)
    top = start
    while len(covered) < len(weight_slot):
        nxt = [c for c in uses[top] if ops[c] == "add"]
        if len(uses[top]) != 1 or not nxt:
            return None
        top = nxt[0]
        before = len(covered)
        take(top)
        if len(covered) == before:
            return None
    if len(covered) != len(weight_slot):
        return None
    output, activation = top, "linear"
    if len(uses[top]) == 1 and ops[uses[top][0]] in ACTIVATIONS:
        output = uses[top][0]
        activation = ops[output]
    by_weight = [covered[k] for k in range(len(weight_slot))]
    inputs, members = [], [*sums, *products]
    for p in by_weight:
        x = next(a for a in operands[p] if a not in weight_slot)
        inputs.append(x)
        if not operands[x] and len(uses[x]) == 1:  # a number turned into a leaf by w * x
            members.append(x)
    if output != top:
        members.append(output)
    return Pass(neuron, output, members, inputs, by_weight, sums, top, activation=activation)


def group_datapoints(model: GraphModel, passes: list[Pass]) -> int:
    """Number the forward passes of the model (datapoints): passes feeding each other, or reading
    the same inputs, are one datapoint. Returns how many there are."""
    parent = list(range(len(passes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_output = {p.output: k for k, p in enumerate(passes)}
    by_input: dict[int, int] = {}
    for k, p in enumerate(passes):
        for x in p.inputs:
            other = by_output.get(x, by_input.setdefault(x, k))
            parent[root(other)] = root(k)
    order: dict[int, int] = {}
    for k in range(len(passes)):  # passes are sorted by output: number datapoints in that order
        passes[k].datapoint = order.setdefault(root(k), len(order) + 1)
    return len(order)


def _build(b: _Builder, neurons: Sequence[ModelNeuron], passes: list[Pass], datapoints: int) -> None:
    many = datapoints > 1
    width = {(n.prefix, n.layer): 0 for n in neurons}
    for n in neurons:
        width[n.prefix, n.layer] += 1
    for p in sorted(passes, key=lambda p: (p.datapoint, p.neuron.prefix, p.neuron.layer, p.neuron.index)):
        n = p.neuron
        layer = f"{n.prefix}L{n.layer}"
        act = "" if p.activation == "linear" else f" ({p.activation})"
        if many:
            dp = f"{n.prefix}D{p.datapoint}"
            b.cluster(dp, "datapoint", f"datapoint {p.datapoint}", None)
            lc = b.cluster(f"{dp}.L{n.layer}", "layer", f"{dp} layer {n.layer}", dp)
            cid = f"{dp}.L{n.layer}.N{n.index}"
            b.cluster(cid, "neuron", cid + act, lc, p.output)
            b.names.setdefault(p.output, cid)
            if n.layer == max(layer for pre, layer in width if pre == n.prefix):
                b.clusters[dp].output = f"n{p.output}"  # the datapoint's score (the last one, if several)
        else:
            lc = b.cluster(layer, "layer", f"{layer} layer", None)
            cid = b.cluster(n.id, "neuron", f"{n.id}{act}", lc, p.output)
            if width[n.prefix, n.layer] == 1:  # a layer of one neuron shows that neuron's output
                b.clusters[lc].output = f"n{p.output}"
            b.names.setdefault(p.output, n.id)
        for m in p.members:
            b.put(m, cid)
    for n in neurons:  # parameters: inside their neuron, or (shared by datapoints) a cluster of their own
        if n.bias < 0 or not any(p.neuron is n for p in passes):
            continue
        if many:
            lc = b.cluster(f"{n.prefix}L{n.layer}", "layer", f"layer {n.layer} parameters", None)
            home = b.cluster(n.id, "parameters", f"{n.id} w, b", lc)
        else:
            home = n.id
        for k, w in enumerate(n.weights, 1):
            b.names.setdefault(w, f"{n.id}.w{k}")
            b.put(w, home)
        b.names.setdefault(n.bias, f"{n.id}.b")
        b.put(n.bias, home)
    _loss_terms(b, passes, many)


def _loss_terms(b: _Builder, passes: list[Pass], many: bool) -> None:
    """What comes after the network: one loss term per datapoint (when several), the rest ``loss``."""
    model = b.model
    operands = model.operands()
    uses = consumers_of(model)
    dp_of: dict[int, int] = {}  # node -> its datapoint (0: depends on several)
    for p in passes:
        for m in (*p.members, p.output):
            dp_of[m] = p.datapoint
    outputs = {p.output for p in passes}
    term: dict[int, int] = {}
    for node in model.nodes:
        i = node.topo_index
        if i in b.member or node.is_leaf:
            continue
        deps = {term.get(a, dp_of.get(a)) for a in operands[i]} - {None}
        if deps:
            term[i] = deps.pop() if len(deps) == 1 and 0 not in deps else 0
    if not term:
        return
    prefix = passes[0].neuron.prefix
    top = b.cluster(f"{prefix}loss", "loss", "loss", None, max(term))
    for i, d in term.items():
        if i in outputs:
            continue
        cid = top
        if many and d:
            dp = f"{prefix}D{d}"
            cid = b.cluster(f"{dp}.loss", "loss", f"{dp} loss term", dp)
        b.put(i, cid)
    for i, node in enumerate(model.nodes):  # leaves used only inside one term (ygt, the 0 of sum())
        if node.is_leaf and i not in b.member and uses[i] and all(u in term for u in uses[i]):
            homes = {b.member.get(u) for u in uses[i]}
            if len(homes) == 1:
                b.put(i, homes.pop())
    for cid, cluster in b.clusters.items():  # each loss term shows its last node
        if cluster.kind == "loss" and cid != top:
            inside = [i for i, c in b.member.items() if c == cid]
            cluster.output = f"n{max(inside)}"


def _apply(b: _Builder) -> None:
    model = b.model
    for i, cid in b.member.items():
        model.nodes[i].cluster = cid
    for i, name in b.names.items():
        node = model.nodes[i]
        if not node.label:
            node.label = name
    sizes = dict.fromkeys(b.clusters, 0)
    for cid in b.member.values():
        while cid is not None:
            sizes[cid] += 1
            cid = b.clusters[cid].parent
    ordered = []  # parents before children, each in the order it was made
    placed: set[str] = set()
    pending = list(b.clusters.values())
    while pending:
        rest = []
        for c in pending:
            if c.parent is None or c.parent in placed:
                ordered.append(c)
                placed.add(c.id)
            else:
                rest.append(c)
        pending = rest
    for c in ordered:
        c.size = sizes[c.id]
    model.clusters = [c for c in ordered if c.size > 0]
