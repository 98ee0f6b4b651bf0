"""The graph API: a program in, its graph out as JSON, SVG, DOT or a micrograd script.

Thin over the engine: ``run_program`` builds and backpropagates, ``GraphModel`` describes the
graph, ``engine.dot`` writes DOT, ``app.render`` draws it. All the work runs in a worker thread so
the event loop never waits on a program or on ``dot``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from app.errors import api_error
from app.gate import evaluations
from app.middleware.headers import SVG_HEADERS
from app.render import RenderError, renderer
from app.schemas.graph import (
    DrawRequest,
    ErrorDetail,
    ErrorResponse,
    GraphRequest,
    GraphResponse,
    GraphRunResponse,
)
from engine.drawing import add_folds
from engine.export import to_micrograd_script
from engine.expr import ExprError, NothingToDraw, run_program
from engine.graph import GraphModel, GraphTooLarge
from engine.graph_input import GraphInputError, read_graph_json
from engine.reader import GraphReadError
from engine.settings import settings

router = APIRouter(prefix="/api", tags=["graph"])

NOTHING_TO_DRAW = "nothing to draw: the program made no Value (its prints are in 'prints')"

SVG_TYPE = "image/svg+xml"
DOT_TYPE = "text/vnd.graphviz"
PYTHON_TYPE = "text/x-python"

_ERRORS = {
    400: {"model": ErrorResponse, "description": "The program has an error (with its line and column)."},
    422: {
        "model": ErrorResponse,
        "description": "The request does not match the schema, or is over a limit.",
    },
    503: {
        "model": ErrorResponse,
        "description": "Too many graphs are being evaluated at once (max_concurrent_evaluations and a "
        "short queue); the Retry-After header says when to try again.",
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    },
}
_DRAW_ERRORS = {
    **_ERRORS,
    413: {"model": ErrorResponse, "description": "The clusters asked open (expand) are too many to draw."},
    503: {
        **_ERRORS[503],
        "description": "Too many evaluations at once (with Retry-After), renderers busy, too slow, "
        "or Graphviz missing.",
    },
}


def build_graph(request: GraphRequest, allow_empty: bool = False) -> GraphModel:
    """Run the program and describe its graph; program errors become 400, size errors 422.

    A program that made no Value has nothing to draw: with ``allow_empty`` (the JSON endpoints) its
    answer is an empty graph with its prints, else a 422 saying so.
    """
    try:
        program = run_program(request.source, output=request.output, settings=settings)
        return GraphModel.from_program(program, check_gradients=request.check_gradients)
    except NothingToDraw as exc:
        if allow_empty:
            return GraphModel.empty(exc.prints)
        raise api_error(422, exc.message) from None
    except ExprError as exc:
        raise api_error(400, exc.message, exc.line, exc.column) from None
    except GraphTooLarge as exc:
        raise api_error(422, str(exc)) from None


def _unavailable_reason(model: GraphModel) -> str | None:
    if model.output is None:
        return NOTHING_TO_DRAW
    return renderer.unavailable_reason(model)


def graph_response(model: GraphModel, expand: list[str] | None) -> GraphResponse:
    collapsed = renderer.plan(model, expand).collapsed if model.output is not None else []
    return GraphResponse.from_model(model, _unavailable_reason(model), collapsed)


def graph_json(request: GraphRequest) -> str:
    model = build_graph(request, allow_empty=True)
    return graph_response(model, request.expand).model_dump_json()


def graph_run_json(request: GraphRequest) -> str:
    """``graph_json``, with a program or size error in the body instead of as an HTTP error."""
    try:
        model = build_graph(request, allow_empty=True)
        graph = graph_response(model, request.expand)
    except HTTPException as exc:
        error = ErrorDetail.model_validate(exc.detail)
        return GraphRunResponse(graph=None, error=error, status=exc.status_code).model_dump_json()
    except RenderError as exc:
        error = ErrorDetail(message=exc.message, line=None, column=None)
        return GraphRunResponse(graph=None, error=error, status=exc.status_code).model_dump_json()
    return GraphRunResponse(graph=graph, error=None, status=200).model_dump_json()


def graph_svg(request: GraphRequest) -> str:
    return renderer.svg(graph_dot(request))


def graph_dot(request: GraphRequest) -> str:
    return renderer.dot_source(build_graph(request), request.rankdir, request.expand)


def graph_python(request: GraphRequest) -> str:
    return to_micrograd_script(build_graph(request))


@router.post(
    "/graph",
    response_model=GraphResponse,
    responses=_ERRORS,
    summary="Run a program and return its graph with data and grad on every node",
)
async def post_graph(request: GraphRequest) -> Response:
    """Non-finite numbers are the strings "NaN", "Infinity", "-Infinity"."""
    return Response(await evaluations.run(graph_json, request), media_type="application/json")


@router.post(
    "/graph/run",
    response_model=GraphRunResponse,
    responses={422: _ERRORS[422], 503: _ERRORS[503]},
    summary="Like POST /api/graph, but a program error is answered in the body with status 200",
)
async def post_graph_run(request: GraphRequest) -> Response:
    """For pages that run what a user types: ``error`` holds what would have been a 400 or 422.

    Only a request that does not match the schema is still a 422.
    """
    return Response(await evaluations.run(graph_run_json, request), media_type="application/json")


@router.post(
    "/graph/svg",
    response_class=Response,
    responses={200: {"content": {SVG_TYPE: {}}}, **_DRAW_ERRORS},
    summary="The graph drawn as SVG (micrograd draw_dot style)",
)
async def post_graph_svg(request: GraphRequest) -> Response:
    """Value shapes have ids ``node-n{i}``, ops ``op-n{i}``, edges ``edge-e{k}`` and ``opedge-n{i}``."""
    return Response(await evaluations.run(graph_svg, request), media_type=SVG_TYPE, headers=SVG_HEADERS)


@router.post(
    "/graph/dot",
    response_class=Response,
    responses={200: {"content": {DOT_TYPE: {}}}, **_ERRORS},
    summary="The graph as Graphviz DOT source",
)
async def post_graph_dot(request: GraphRequest) -> Response:
    return Response(await evaluations.run(graph_dot, request), media_type=DOT_TYPE)


@router.post(
    "/graph/python",
    response_class=Response,
    responses={200: {"content": {PYTHON_TYPE: {}}}, **_ERRORS},
    summary="A Python script that rebuilds the graph with micrograd and backpropagates",
)
async def post_graph_python(request: GraphRequest) -> Response:
    script = await evaluations.run(graph_python, request)
    return Response(
        script, media_type=PYTHON_TYPE, headers={"Content-Disposition": 'inline; filename="graph.py"'}
    )


SourceQuery = Annotated[
    str, Query(max_length=settings.max_source_chars, description="The program (URL-encoded).")
]
OutputQuery = Annotated[str | None, Query(max_length=200, description="The variable to backpropagate from.")]
RankdirQuery = Annotated[Literal["LR", "TB"], Query(description="Drawing direction.")]
ExpandQuery = Annotated[
    list[Annotated[str, Query(max_length=200)]] | None,
    Query(
        max_length=settings.max_render_nodes,
        description="A cluster id to draw open, repeated for each (?expand=D1.L1&expand=D1.L1.N2), as "
        "the 'expand' of POST /api/graph/draw: every other cluster is one box. Absent: the server "
        "collapses just enough to fit max_render_nodes. Over the limit: 413.",
    ),
]


@router.get(
    "/graph.svg",
    response_class=Response,
    responses={200: {"content": {SVG_TYPE: {}}}, **_DRAW_ERRORS},
    summary="The graph as SVG, for links and <img> tags",
)
async def get_graph_svg(
    source: SourceQuery, output: OutputQuery = None, rankdir: RankdirQuery = "LR", expand: ExpandQuery = None
) -> Response:
    request = GraphRequest(source=source, output=output, rankdir=rankdir, expand=expand)
    return Response(await evaluations.run(graph_svg, request), media_type=SVG_TYPE, headers=SVG_HEADERS)


@router.get(
    "/graph.dot",
    response_class=Response,
    responses={200: {"content": {DOT_TYPE: {}}}, **_ERRORS},
    summary="The graph as DOT source, for links",
)
async def get_graph_dot(
    source: SourceQuery, output: OutputQuery = None, rankdir: RankdirQuery = "LR", expand: ExpandQuery = None
) -> Response:
    request = GraphRequest(source=source, output=output, rankdir=rankdir, expand=expand)
    return Response(await evaluations.run(graph_dot, request), media_type=DOT_TYPE)


def drawn_graph(request: DrawRequest, fmt: str) -> str:
    """A graph posted as JSON, checked and read like any other (``engine.graph_input``)."""
    try:
        model = read_graph_json(
            [n.model_dump() for n in request.nodes],
            [e.model_dump() for e in request.edges],
            request.output,
            [c.model_dump() for c in request.clusters],
            check_gradients=request.check_gradients and fmt == "json",
        )
    except (GraphInputError, GraphReadError, GraphTooLarge) as exc:
        raise api_error(422, str(exc)) from None
    add_folds(model, settings.max_render_nodes, settings.max_render_layout_nodes)
    if fmt == "json":
        return graph_response(model, request.expand).model_dump_json()
    dot = renderer.dot_source(model, request.rankdir, request.expand)
    return dot if fmt == "dot" else renderer.svg(dot)


_DRAW_TYPES = {"svg": SVG_TYPE, "dot": DOT_TYPE, "json": "application/json"}


@router.post(
    "/graph/draw",
    response_class=Response,
    responses={
        200: {
            "content": {
                SVG_TYPE: {},
                DOT_TYPE: {},
                "application/json": {"schema": {"$ref": "#/components/schemas/GraphResponse"}},
            }
        },
        **_DRAW_ERRORS,
    },
    summary="Draw a graph you already have (graph JSON in; SVG, DOT or graph JSON out)",
)
async def draw_graph(
    request: DrawRequest,
    format: Annotated[Literal["svg", "dot", "json"], Query(description="What to answer.")] = "svg",
) -> Response:
    """The body is POST /api/graph's JSON as it is, or the minimal form ``{"nodes": [{"id", "op",
    "data", "grad", "label"?}], "edges": [{"source", "target"}], "output"}``: from Python mode, or
    from your own autograd engine. It is checked before anything is drawn: unique node ids, edges
    between existing nodes, an output that exists, no cycles, clusters whose parents exist (a 422
    naming the node or edge otherwise), and the same limits as a program's graph. Ops are known by
    name or by micrograd's symbol; others are drawn with no known derivative."""
    body = await evaluations.run(drawn_graph, request, format)
    headers = SVG_HEADERS if format == "svg" else None
    return Response(body, media_type=_DRAW_TYPES[format], headers=headers)
