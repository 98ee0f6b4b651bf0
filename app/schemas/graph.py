"""Request and response models of the graph API (``/api/graph*``).

One rule for numbers: JSON has no NaN or infinity, so a non-finite float in any number field is
sent as one of the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` (JavaScript's ``Number()``
turns them back into numbers). Every other number is a plain JSON number.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from engine.graph import GraphModel
from engine.graph_json import NON_FINITE, decode_number, encode_number, to_json
from engine.settings import settings

NON_FINITE_RULE = (
    'A number, or one of the strings "NaN", "Infinity", "-Infinity" for a non-finite value '
    "(JavaScript's Number() parses them)."
)

README_PROGRAM = """a = Value(-4.0)
b = Value(2.0)
c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f
"""


JsonNumber = Annotated[
    float,
    BeforeValidator(decode_number),
    PlainSerializer(encode_number, return_type=float | str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "string", "enum": list(NON_FINITE)}],
            "description": NON_FINITE_RULE,
        }
    ),
]


class ErrorDetail(BaseModel):
    message: str = Field(description="What is wrong, in one sentence.")
    line: int | None = Field(description="1-based source line of the problem, when it has one.")
    column: int | None = Field(description="1-based source column of the problem, when it has one.")


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer of the API."""

    detail: ErrorDetail

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"detail": {"message": "name 'z' is not defined", "line": 3, "column": 5}}]
        }
    )


class GraphRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"source": README_PROGRAM, "output": "g", "check_gradients": True, "rankdir": "LR"}]
        },
    )

    source: str = Field(
        max_length=settings.max_source_chars,
        description="A program in the expression language (micrograd-style Python subset).",
    )
    output: str | None = Field(
        default=None,
        max_length=200,
        description="The variable to backpropagate from; default: the last Value assigned.",
    )
    check_gradients: bool = Field(
        default=False, description="Also compare each leaf's grad with a central difference."
    )
    rankdir: Literal["LR", "TB"] = Field(
        default="LR", description="Drawing direction: left to right or top to bottom (SVG/DOT only)."
    )
    expand: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None,
        max_length=settings.max_render_nodes,
        description="Cluster ids (see 'clusters') to draw open; every other cluster is drawn as one "
        "box (the parents of those named open too). Null: the server collapses just enough to fit "
        "the render limit (max_render_nodes) and says what in 'collapsed'. Over the limit: 413.",
    )


class SpanOut(BaseModel):
    line: int
    column: int
    end_line: int = Field(description="End of the span, exclusive.")
    end_column: int


class NodeOut(BaseModel):
    id: str = Field(description='"n{topo_index}"; the SVG shape is "node-{id}", its op "op-{id}".')
    label: str = Field(
        description="What the drawing shows: variable name, else the Value's label, else empty."
    )
    name: str | None = Field(description="Program variable bound to this exact Value, if any.")
    op: Literal["leaf", "add", "mul", "pow", "relu", "tanh", "exp", "log", "sigmoid", "unknown"] = Field(
        description='The op by name ("ops" has its rules); "unknown": an op read from another engine '
        "that has no known derivative here."
    )
    op_symbol: str = Field(description='micrograd\'s _op: "+", "*", "**2", "ReLU", "tanh"...; "" for a leaf.')
    exponent: JsonNumber | None = Field(description="The constant exponent of a pow node, else null.")
    data: JsonNumber
    grad: JsonNumber = Field(description="d output / d this node, after backward from the output.")
    is_leaf: bool
    is_output: bool
    topo_index: int = Field(description="Position in forward order (operands before results).")
    span: SpanOut | None = Field(description="Where this node was written in the source, if known.")
    cluster: str | None = Field(description="Id of the innermost cluster holding this node, if any.")
    derivative_known: bool = Field(
        description="False for an unknown op: its edges have no local_grad and the gradient check skips it."
    )
    note: str | None = Field(
        description="A sentence for the node panel when something needs explaining: an operand merged "
        "by micrograd's set _prev (a + a), an op without a known derivative."
    )


class EdgeOut(BaseModel):
    id: str = Field(description='"e{k}"; the SVG edge is "edge-{id}". a + a has two edges.')
    source: str = Field(description="The operand node.")
    target: str = Field(description="The result node.")
    position: int = Field(description="Operand index of source in target.")
    local_grad: JsonNumber | None = Field(
        description="d target / d source, over all its slots; null when the op's derivative is unknown."
    )
    contribution: JsonNumber | None = Field(
        description="target.grad * local_grad: what this edge added to source.grad (they sum to it)."
    )
    slots: int = Field(
        description="Operand slots this edge stands for: 1, or 2 for a + a read from a set _prev "
        "(micrograd draws one edge; the local derivative counts both)."
    )


class GradientCheckOut(BaseModel):
    node: str
    label: str
    analytic: JsonNumber = Field(description="grad from backpropagation.")
    numeric: JsonNumber = Field(description="Central difference of the output w.r.t. this leaf.")
    abs_error: JsonNumber
    relative_error: JsonNumber
    ok: bool = Field(description="relative_error < 1e-4, or both are ~0.")


class PrintOut(BaseModel):
    line: int
    text: str


class StatsOut(BaseModel):
    nodes: int
    edges: int
    depth: int = Field(description="Ops on the longest leaf-to-output path.")


class ClusterOut(BaseModel):
    id: str = Field(description='E.g. "L1.N3" (a neuron), "L1" (a layer), "D2" (a datapoint), "F1" (a fold).')
    kind: Literal["neuron", "layer", "datapoint", "loss", "parameters", "fold"]
    label: str
    parent: str | None = Field(description="The enclosing cluster, if any.")
    output: str | None = Field(description="The node whose data and grad its collapsed box shows.")
    size: int = Field(description="Nodes inside it, nested clusters included.")


class OpRuleOut(BaseModel):
    symbol: str = Field(description="micrograd's _op string (for pow: ** then the exponent).")
    title: str
    formula: str = Field(description="The forward rule.")
    derivative: str = Field(description="The local derivative rule.")


# The answer for "a = Value(3.0)\nb = a + a": two edges from a, so a.grad is 2.
_A_PLUS_A = {
    "nodes": [
        {
            "id": "n0", "label": "a", "name": "a", "op": "leaf", "op_symbol": "", "exponent": None,
            "data": 3.0, "grad": 2.0, "is_leaf": True, "is_output": False, "topo_index": 0,
            "span": {"line": 1, "column": 5, "end_line": 1, "end_column": 15},
            "cluster": None, "derivative_known": True, "note": None,
        },
        {
            "id": "n1", "label": "b", "name": "b", "op": "add", "op_symbol": "+", "exponent": None,
            "data": 6.0, "grad": 1.0, "is_leaf": False, "is_output": True, "topo_index": 1, "span": None,
            "cluster": None, "derivative_known": True, "note": None,
        },
    ],
    "edges": [
        {"id": "e0", "source": "n0", "target": "n1", "position": 0, "local_grad": 1.0, "contribution": 1.0,
         "slots": 1},
        {"id": "e1", "source": "n0", "target": "n1", "position": 1, "local_grad": 1.0, "contribution": 1.0,
         "slots": 1},
    ],
    "output": "n1",
    "forward_order": ["n0", "n1"],
    "backward_order": ["n1", "n0"],
    "gradient_check": None,
    "prints": [],
    "notices": [],
    "stats": {"nodes": 2, "edges": 2, "depth": 1},
    "clusters": [],
    "collapsed": [],
    "ops": {"add": {"symbol": "+", "title": "addition", "formula": "out = a + b",
                    "derivative": "∂out/∂a = 1    ∂out/∂b = 1"}},
    "svg_available": True,
    "svg_unavailable_reason": None,
}  # fmt: skip


class GraphResponse(BaseModel):
    """The expression graph with data and grad on every node."""

    model_config = ConfigDict(json_schema_extra={"examples": [_A_PLUS_A]})

    nodes: list[NodeOut]
    edges: list[EdgeOut]
    output: str | None = Field(
        description="Id of the output node (the last in forward_order); null when the program made "
        "no Value (nothing to draw: svg_unavailable_reason says so, prints are still there)."
    )
    forward_order: list[str] = Field(description="Node ids, operands before results.")
    backward_order: list[str] = Field(description="Node ids, output first (reverse of forward_order).")
    gradient_check: list[GradientCheckOut] | None = Field(
        description="One entry per leaf when check_gradients was asked for, else null."
    )
    prints: list[PrintOut] = Field(description="What print(...) calls in the program wrote.")
    notices: list[str] = Field(
        description="How the program was read when not as written: curly quotes and non-breaking "
        "spaces pasted from a web page read as the plain characters."
    )
    stats: StatsOut
    clusters: list[ClusterOut] = Field(
        description="Groups the drawing can collapse: neurons, layers, datapoints, loss terms, folds."
    )
    ops: dict[str, OpRuleOut] = Field(description="The rules of each op in the graph, by op name.")
    collapsed: list[str] = Field(
        description="Clusters the SVG/DOT drawing shows as one box each: with expand null, those the "
        "server collapsed to fit the render limit; else every cluster not asked open."
    )
    svg_available: bool = Field(description="Whether /api/graph/svg will draw this graph.")
    svg_unavailable_reason: str | None

    @classmethod
    def from_model(
        cls, model: GraphModel, svg_unavailable_reason: str | None, collapsed: list[str] | None = None
    ) -> GraphResponse:
        """Validate ``engine.graph_json.to_json``: the one definition of this JSON."""
        return cls.model_validate(to_json(model, svg_unavailable_reason, collapsed))


DrawId = Annotated[str, Field(min_length=1, max_length=settings.max_label_chars)]


class DrawNode(BaseModel):
    """A node of a graph to draw: the minimal form, or a node of POST /api/graph's JSON."""

    model_config = ConfigDict(extra="ignore")

    id: DrawId
    op: str = Field(
        default="leaf",
        max_length=40,
        description='An op name ("add", "mul", "pow", "relu", "tanh", "exp", "log", "sigmoid", "leaf") '
        'or micrograd\'s _op ("+", "*", "**2", "ReLU"...); anything else is drawn as an op with no '
        "known derivative.",
    )
    op_symbol: str | None = Field(default=None, max_length=40, description="micrograd's _op; wins over op.")
    exponent: JsonNumber | None = Field(default=None, description='The exponent of a "pow" node.')
    data: JsonNumber
    grad: JsonNumber = 0.0
    label: str | None = Field(default=None, max_length=settings.max_label_chars)
    cluster: DrawId | None = None


class DrawEdge(BaseModel):
    model_config = ConfigDict(extra="ignore")

    source: DrawId = Field(description="The operand node's id.")
    target: DrawId = Field(description="The result node's id.")
    position: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Operand order (default: edge order)."
    )
    slots: int = Field(default=1, ge=1, le=2, description="2: the operand is used twice (a + a).")


class DrawCluster(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: DrawId
    kind: Literal["neuron", "layer", "datapoint", "loss", "parameters", "fold"]
    label: str | None = Field(default=None, max_length=settings.max_label_chars)
    parent: DrawId | None = None
    output: DrawId | None = None


class DrawRequest(BaseModel):
    """A graph you already have: POST /api/graph's JSON as it is, or the minimal form."""

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "nodes": [
                        {"id": "a", "op": "leaf", "data": 3.0, "grad": 2.0, "label": "a"},
                        {"id": "b", "op": "add", "data": 6.0, "grad": 1.0, "label": "b"},
                    ],
                    "edges": [{"source": "a", "target": "b"}, {"source": "a", "target": "b"}],
                    "output": "b",
                }
            ]
        },
    )

    nodes: list[DrawNode] = Field(min_length=1, max_length=settings.max_nodes)
    edges: list[DrawEdge] = Field(default_factory=list, max_length=settings.max_draw_edges)
    output: DrawId = Field(
        description="The id of the node the graph ends in; only what it depends on is drawn."
    )
    clusters: list[DrawCluster] = Field(default_factory=list, max_length=settings.max_nodes)
    rankdir: Literal["LR", "TB"] = "LR"
    expand: list[DrawId] | None = Field(
        default=None, max_length=settings.max_render_nodes, description="As in POST /api/graph/svg."
    )
    check_gradients: bool = Field(default=False, description="For ?format=json: the gradient check.")


class GraphRunResponse(BaseModel):
    """``POST /api/graph/run``: the graph, or the error that stopped it, always with status 200.

    For the playground: a program error is an ordinary answer there, not a failed request (a 4xx
    would show up as a network error in the browser's console on every typo).
    """

    graph: GraphResponse | None = Field(description="As POST /api/graph answers it; null on an error.")
    error: ErrorDetail | None = Field(description="The error POST /api/graph would have answered, else null.")
    status: int = Field(description="The status POST /api/graph would have answered: 200, 400 or 422.")
