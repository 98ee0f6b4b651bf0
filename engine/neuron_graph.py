"""One datapoint's graph through an MLP, collapsed to one node per neuron, or one neuron expanded.

The scalar graph of one datapoint through MLP(2, [16, 16, 1]) plus its loss holds ~1,700 Values:
too many to read, and Graphviz needs most of a minute to lay it out. Collapsed, it is what a
network diagram shows (inputs, one node per neuron, the loss) with the numbers of this datapoint
on it: each neuron's output ``data`` and ``grad``, each weight and its per-sample gradient.
``expand_neuron`` gives one neuron's own scalar graph (the ``w_i * x_i`` products, the sum
``b + ...``, the activation) as ordinary Values, so ``GraphModel``/``engine.dot`` draw it (with
``ladder=True``: one weight per row).

Neurons are found as ``engine.clusters`` finds them in every graph the playground draws (one search
for what a neuron is): from each neuron's bias, the run of ``+`` that adds one ``w_i * x_i`` per
weight, then its activation.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engine.clusters import ModelNeuron, Pass, find_passes
from engine.nn import MLP
from engine.reader import read_graph, topo_order
from engine.value import Value

LOSS_FORMULAS = {
    "hinge": "max(0, 1 − y·score)",
    "mse": "mean((score − y)²)",
    "bce": "log(1 + e^−|s|) + max(s, 0) − y·s",
    "softmax_ce": "log Σ e^score_k − score_y",
}


class NeuronGraphError(ValueError):
    """The graph does not have the shape of an MLP's forward pass."""


@dataclass
class NeuronPart:
    """The Values of one neuron inside a datapoint's graph."""

    output: Value  # after the activation
    pre_activation: Value  # b + sum w_i * x_i
    bias: Value
    weights: list[Value]
    inputs: list[Value]  # what each weight multiplies: the previous layer's outputs, or the inputs
    products: list[Value]
    sums: list[Value]  # the chain of partial sums, last = pre_activation
    activation: str

    def weight_grads(self) -> list[float]:
        """d loss / d w_i for this datapoint, from the product it feeds (chain rule: grad(w*x) * x).

        Read off the products rather than the weights: a weight is the model's own Value, and its
        ``grad`` may also hold what training accumulated there; the products are this graph's own.
        """
        return [p.grad * x.data + 0.0 for p, x in zip(self.products, self.inputs)]  # + 0.0: no -0.0

    @property
    def bias_grad(self) -> float:
        """d loss / d b for this datapoint: every ``+`` passes its grad on unchanged."""
        return self.sums[0].grad if self.sums else self.pre_activation.grad

    @property
    def scalar_values(self) -> int:
        return (
            1
            + len(self.weights)
            + len(self.products)
            + len(self.sums)
            + (self.output is not self.pre_activation)
        )


@dataclass
class CollapsedNode:
    id: str
    kind: str  # input | neuron | loss
    layer: int
    index: int
    label: str
    data: float
    grad: float
    pre_activation: float | None = None
    pre_activation_grad: float | None = None
    bias: float | None = None
    bias_grad: float | None = None
    activation: str | None = None
    scalar_values: int = 1


@dataclass
class CollapsedEdge:
    source: str
    target: str
    weight: float
    weight_grad: float


@dataclass
class LossSummary:
    kind: str
    formula: str
    value: float
    target: list[float]
    scores: list[float]
    scalar_values: int


@dataclass
class CollapsedGraph:
    nodes: list[CollapsedNode]
    edges: list[CollapsedEdge]
    loss: LossSummary
    scalar_values: int
    parts: dict[str, NeuronPart] = field(repr=False, default_factory=dict)
    labels: dict[int, str] = field(repr=False, default_factory=dict)  # id(Value) -> x1, h0.3, ...


def neuron_id(layer: int, index: int) -> str:
    """``"L.N"``: neuron ``N`` of ``model.layers[L]``, both counted from 0."""
    return f"{layer}.{index}"


def parse_neuron_id(text: str, layer_sizes: Sequence[int]) -> tuple[int, int]:
    """``"L.N"`` checked against the model (``layer_sizes`` = inputs, then each layer's width)."""
    parts = text.split(".")
    if len(parts) != 2 or not all(p.isdigit() and len(p) <= 4 for p in parts):
        raise NeuronGraphError(f"neuron must look like L.N (layer.index, from 0), not {text[:20]!r}")
    layer, index = int(parts[0]), int(parts[1])
    n_layers = len(layer_sizes) - 1
    if layer >= n_layers:
        raise NeuronGraphError(f"neuron: layer must be 0..{n_layers - 1}, not {layer}")
    if index >= layer_sizes[layer + 1]:
        raise NeuronGraphError(
            f"neuron: layer {layer} has neurons 0..{layer_sizes[layer + 1] - 1}, not {index}"
        )
    return layer, index


# The parts of the neurons find_neurons found, by output Value: collapse() and input_values() read
# them. Weak, so a datapoint's graph is freed with its Values.
_FOUND: weakref.WeakKeyDictionary[Value, NeuronPart] = weakref.WeakKeyDictionary()


def neuron_part(output: Value, activation: str) -> NeuronPart:
    """The Values of the neuron ``output`` came out of, as ``find_neurons`` found them."""
    part = _FOUND.get(output)
    if part is None or part.activation != activation:
        raise NeuronGraphError(f"no {activation} neuron found with this output: call find_neurons first")
    return part


def find_neurons(root: Value, model: MLP) -> list[list[Value]]:
    """The output Value of every neuron of ``model`` in the graph of ``root``, per layer.

    Found the way every graph's neurons are found (``engine.clusters.find_passes``: the run of ``+``
    from each neuron's bias that adds one ``w_i * x_i`` per weight, then its activation), so the
    playground's clusters and this collapsed view agree on what a neuron is.
    """
    order = topo_order(root)
    index = {id(v): i for i, v in enumerate(order)}
    neurons = [
        ModelNeuron("", li, ni, [index.get(id(w), -1) for w in neuron.w], index.get(id(neuron.b), -1))
        for li, layer in enumerate(model.layers, 1)
        for ni, neuron in enumerate(layer.neurons, 1)
    ]
    passes: dict[tuple[int, int], Pass] = {}
    for p in find_passes(read_graph(root), neurons):
        passes.setdefault((p.neuron.layer, p.neuron.index), p)
    outputs = []
    for li, layer in enumerate(model.layers, 1):
        row = []
        for ni, neuron in enumerate(layer.neurons, 1):
            found = passes.get((li, ni))
            if found is None or found.activation != neuron.activation:
                raise NeuronGraphError("the datapoint's graph does not use the model's parameters")
            output = order[found.output]
            _FOUND[output] = NeuronPart(
                output=output,
                pre_activation=order[found.pre_activation],
                bias=neuron.b,
                weights=list(neuron.w),
                inputs=[order[i] for i in found.inputs],
                products=[order[i] for i in found.products],
                sums=[order[i] for i in found.sums],
                activation=found.activation,
            )
            row.append(output)
        outputs.append(row)
    return outputs


def input_values(neuron_outputs: Sequence[Sequence[Value]], activation: str) -> list[Value]:
    """The datapoint's input Values: what the first neuron's weights multiply."""
    return neuron_part(neuron_outputs[0][0], activation).inputs


def collapse(
    root: Value,
    neuron_outputs: Sequence[Sequence[Value]],
    activations: Sequence[str],
    inputs: Sequence[Value],
    loss_kind: str,
    target: Sequence[float],
) -> CollapsedGraph:
    """One node per input and per neuron plus one for the loss, and one edge per weight.

    ``neuron_outputs[L][N]`` is the output Value of neuron N of layer L in the graph of ``root``,
    ``activations[L]`` that layer's activation, ``inputs`` the datapoint's input Values.
    """
    ids: dict[int, str] = {}  # id(Value) -> collapsed node id
    labels: dict[int, str] = {}
    nodes: list[CollapsedNode] = []
    for i, x in enumerate(inputs):
        ids[id(x)] = f"x{i + 1}"
        labels[id(x)] = x.label or f"x{i + 1}"  # an input feature's name: x1, x1^2, sin(x2)...
        nodes.append(CollapsedNode(f"x{i + 1}", "input", -1, i, labels[id(x)], x.data, x.grad))
    edges: list[CollapsedEdge] = []
    parts: dict[str, NeuronPart] = {}
    last = len(neuron_outputs) - 1
    for layer, outputs in enumerate(neuron_outputs):
        for index, out in enumerate(outputs):
            part = neuron_part(out, activations[layer])
            nid = neuron_id(layer, index)
            parts[nid] = part
            label = f"h{nid}" if layer < last else f"score{index}" if len(outputs) > 1 else "score"
            labels[id(out)] = label
            for w, x, grad in zip(part.weights, part.inputs, part.weight_grads()):
                source = ids.get(id(x))
                if source is None:
                    raise NeuronGraphError(f"neuron {nid} reads a value that is not an input of its layer")
                edges.append(CollapsedEdge(source, nid, w.data, grad))
            nodes.append(
                CollapsedNode(
                    nid,
                    "neuron",
                    layer,
                    index,
                    label,
                    out.data,
                    out.grad,
                    pre_activation=part.pre_activation.data,
                    pre_activation_grad=part.pre_activation.grad,
                    bias=part.bias.data,
                    bias_grad=part.bias_grad,
                    activation=part.activation,
                    scalar_values=part.scalar_values,
                )
            )
        for index, out in enumerate(outputs):
            ids[id(out)] = neuron_id(layer, index)
    total = len(root.topo())
    in_neurons = len(inputs) + sum(p.scalar_values for p in parts.values())
    loss_values = total - in_neurons
    nodes.append(
        CollapsedNode(
            "loss", "loss", len(neuron_outputs), 0, "loss", root.data, root.grad, scalar_values=loss_values
        )
    )
    scores = [out.data for out in neuron_outputs[-1]]
    summary = LossSummary(
        kind=loss_kind,
        formula=LOSS_FORMULAS.get(loss_kind, loss_kind),
        value=root.data,
        target=[float(t) for t in target],
        scores=scores,
        scalar_values=loss_values,
    )
    return CollapsedGraph(
        nodes=nodes, edges=edges, loss=summary, scalar_values=total, parts=parts, labels=labels
    )


def expand_neuron(graph: CollapsedGraph, nid: str) -> Value:
    """A copy of neuron ``nid``'s own scalar graph; its inputs become labelled leaves.

    The copies keep each Value's data and grad (d loss / d value for this datapoint), so drawing
    the copy shows exactly the numbers of the full graph, cut at the neuron's inputs.
    """
    part = graph.parts[nid]
    names = {id(x): graph.labels[id(x)] for x in part.inputs}
    copies: dict[int, Value] = {}
    # The parameters' grads for this datapoint alone (see NeuronPart.weight_grads).
    parameter_grads = {id(w): g for w, g in zip(part.weights, part.weight_grads())}
    parameter_grads[id(part.bias)] = part.bias_grad

    def copy(v: Value, label: Callable[[Value], str]) -> Value:
        if id(v) in copies:
            return copies[id(v)]
        if id(v) in names:
            c = Value(v.data, label=names[id(v)])
        else:
            c = Value(v.data, tuple(copy(p, label) for p in v._prev), v._op, label=label(v))
            c._exponent = v._exponent
        c.grad = parameter_grads.get(id(v), v.grad)
        copies[id(v)] = c
        return c

    w_index = {id(w): i for i, w in enumerate(part.weights)}
    sums = {id(s): k for k, s in enumerate(part.sums)}

    def label(v: Value) -> str:
        if v is part.bias:
            return f"b{nid}"
        if id(v) in w_index:
            return f"w{nid}.{w_index[id(v)]}"
        if v is part.output:
            return graph.labels[id(v)]
        if v is part.pre_activation:
            return f"act{nid}"
        if id(v) in sums:
            return ""  # partial sums: the op and the numbers say enough
        return ""

    return copy(part.output, label)
