"""The graph JSON of ``POST /api/graph``, built from a ``GraphModel`` with plain Python.

This is the one definition of that JSON: the API sends this dict (``app.schemas.graph`` validates
it and documents it in OpenAPI), and the browser's Python mode builds the same dict inside
Pyodide from a program's own Values. Standard library only.

Numbers: JSON has no NaN or infinity, so a non-finite float in any number field is the string
``"NaN"``, ``"Infinity"`` or ``"-Infinity"`` (JavaScript's ``Number()`` turns them back).
"""

from __future__ import annotations

import math
from typing import Any

from engine.graph import GraphModel
from engine.ops import describe_ops

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def encode_number(x: float | None) -> float | str | None:
    """``x``, or its name as a string when it is NaN or ±infinity (None stays None)."""
    if x is None or math.isfinite(x):
        return x
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def decode_number(value: Any) -> Any:
    """The inverse of ``encode_number`` for what a client sends."""
    return NON_FINITE.get(value, value) if isinstance(value, str) else value


def to_json(
    model: GraphModel, svg_unavailable_reason: str | None = None, collapsed: list[str] | None = None
) -> dict[str, Any]:
    """The JSON-ready dict of ``model`` (``json.dumps`` it as is); ``collapsed``: the clusters its
    drawing shows as boxes (``engine.drawing.plan``)."""
    n = encode_number
    used_ops = {node.op for node in model.nodes}
    return {
        "nodes": [
            {
                "id": node.id,
                "label": node.label,
                "name": node.name,
                "op": node.op,
                "op_symbol": node.op_symbol,
                "exponent": n(node.exponent),
                "data": n(node.data),
                "grad": n(node.grad),
                "is_leaf": node.is_leaf,
                "is_output": node.is_output,
                "topo_index": node.topo_index,
                "span": None
                if node.span is None
                else {
                    "line": node.span.line,
                    "column": node.span.column,
                    "end_line": node.span.end_line,
                    "end_column": node.span.end_column,
                },
                "cluster": node.cluster,
                "derivative_known": node.derivative_known,
                "note": node.note,
            }
            for node in model.nodes
        ],
        "edges": [
            {
                "id": edge.id,
                "source": edge.source,
                "target": edge.target,
                "position": edge.position,
                "local_grad": n(edge.local_grad),
                "contribution": n(edge.contribution),
                "slots": edge.slots,
            }
            for edge in model.edges
        ],
        "output": model.output,
        "forward_order": list(model.forward_order),
        "backward_order": list(model.backward_order),
        "gradient_check": None
        if model.gradient_check is None
        else [
            {
                "node": c.node,
                "label": c.label,
                "analytic": n(c.analytic),
                "numeric": n(c.numeric),
                "abs_error": n(c.abs_error),
                "relative_error": n(c.relative_error),
                "ok": c.ok,
            }
            for c in model.gradient_check
        ],
        "prints": [{"line": line, "text": text} for line, text in model.prints],
        "notices": list(model.notices),
        "stats": {"nodes": model.stats.nodes, "edges": model.stats.edges, "depth": model.stats.depth},
        "clusters": [
            {
                "id": c.id,
                "kind": c.kind,
                "label": c.label,
                "parent": c.parent,
                "output": c.output,
                "size": c.size,
            }
            for c in model.clusters
        ],
        "collapsed": list(collapsed or []),
        "ops": {name: rule for name, rule in describe_ops().items() if name in used_ops},
        "svg_available": svg_unavailable_reason is None,
        "svg_unavailable_reason": svg_unavailable_reason,
    }
