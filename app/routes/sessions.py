"""The live training API: create a session, step/play it as its owner, watch it as anyone.

Thin over ``app.sessions``: every call that trains or reads the weights runs in a worker thread;
the event stream is the only thing that lives on the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from app.errors import api_error
from app.render import renderer
from app.schemas.graph import ErrorResponse, GraphResponse
from app.schemas.sessions import (
    BoundaryOut,
    CollapsedGraphOut,
    ExpandedNeuronOut,
    NetworkOut,
    PlayRequest,
    SessionCreated,
    SessionDetail,
    SessionState,
    StepRequest,
    StepResponse,
    TrainConfigIn,
)
from app.sessions import SampleGraph, Session, event_stream, metrics_out, store
from engine.graph import GraphModel
from engine.neuron_graph import collapsed_dot, expanded_dot

router = APIRouter(prefix="/api/sessions", tags=["training sessions"])

SVG_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}

_ERR = {"model": ErrorResponse}
_READ_ERRORS = {
    404: {**_ERR, "description": "No session has this id."},
    410: {**_ERR, "description": "The session ended (deleted, evicted or expired); the message says which."},
}
_OWNER_ERRORS = {
    **_READ_ERRORS,
    403: {**_ERR, "description": "Missing or wrong owner token; nothing changed."},
    422: {**_ERR, "description": "Over a limit or invalid; the message names the field and the limit."},
}

OwnerHeader = Annotated[
    str | None, Header(description="The owner token from POST /api/sessions.", alias="X-Owner-Token")
]
AuthHeader = Annotated[str | None, Header(description="Or: `Bearer <owner token>`.")]


def _token(x_owner_token: str | None, authorization: str | None) -> str | None:
    if x_owner_token:
        return x_owner_token
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


async def _run(fn, *args):
    """``fn(*args)`` in a worker thread: sessions block (their errors are ApiErrors, sent as such)."""
    return await run_in_threadpool(fn, *args)


def _get(session_id: str) -> Session:
    return store.get(session_id)


def _owned(session_id: str, x_owner_token: str | None, authorization: str | None) -> Session:
    return store.get_owned(session_id, _token(x_owner_token, authorization))


# ------------------------------------------------------------------ lifecycle


@router.post(
    "",
    status_code=201,
    response_model=SessionCreated,
    summary="Start a training session",
    responses={
        422: {**_ERR, "description": "A field is invalid or over a limit."},
        503: {**_ERR, "description": "Every session slot is playing or watched."},
    },
)
async def create_session(config: Annotated[TrainConfigIn | None, Body()] = None) -> SessionCreated:
    """A new run at step 0. Keep the ``owner_token``: it is the only way to change the run.
    Everyone else can watch it at ``watch_url``."""
    session = await _run(store.create, config or TrainConfigIn())
    return SessionCreated(
        id=session.id,
        owner_token=session.owner_token,
        watch_url=f"/train?watch={session.id}",
        state=session.state(),
    )


@router.get(
    "/{session_id}",
    response_model=SessionDetail,
    summary="Config, state, history, dataset",
    responses=_READ_ERRORS,
)
async def get_session(session_id: str) -> SessionDetail:
    return await _run(_get(session_id).detail)


@router.delete("/{session_id}", status_code=204, summary="End a session", responses=_OWNER_ERRORS)
async def delete_session(
    session_id: str,
    next: Annotated[
        str | None,
        Query(max_length=64, description="The run replacing this one: its viewers switch to it."),
    ] = None,
    x_owner_token: OwnerHeader = None,
    authorization: AuthHeader = None,
) -> Response:
    """Ends the run; its viewers get an ``end`` event (with ``next_session`` when ``next`` is given)."""
    session = _owned(session_id, x_owner_token, authorization)
    await _run(store.delete, session, next)
    return Response(status_code=204)


# ------------------------------------------------------------------ training (owner only)


@router.post(
    "/{session_id}/step", response_model=StepResponse, summary="Take n steps", responses=_OWNER_ERRORS
)
async def step_session(
    session_id: str,
    request: Annotated[StepRequest | None, Body()] = None,
    x_owner_token: OwnerHeader = None,
    authorization: AuthHeader = None,
) -> StepResponse:
    """Steps one after another, published to the session's viewers as they go. A request that
    outlasts max_step_request_seconds stops there and says so in ``message``."""
    asked = (request or StepRequest()).steps
    session = _owned(session_id, x_owner_token, authorization)
    metrics = await _run(session.step, asked)
    message = None
    if len(metrics) < asked:
        message = (
            f"stopped after {session.settings.max_step_request_seconds:g} s (max_step_request_seconds): "
            f"{len(metrics)} of {asked} steps taken"
        )
    return StepResponse(state=session.state(), metrics=[metrics_out(m) for m in metrics], message=message)


@router.post(
    "/{session_id}/play", response_model=SessionState, summary="Train continuously", responses=_OWNER_ERRORS
)
async def play_session(
    session_id: str,
    request: Annotated[PlayRequest | None, Body()] = None,
    x_owner_token: OwnerHeader = None,
    authorization: AuthHeader = None,
) -> SessionState:
    """Steps in the background at ``steps_per_second`` (as fast as it can, if that is slower) until
    paused, reset or deleted, or for at most max_play_seconds. Calling it while playing changes the speed."""
    session = _owned(session_id, x_owner_token, authorization)
    await _run(session.play, (request or PlayRequest()).steps_per_second)
    return session.state()


@router.post(
    "/{session_id}/pause", response_model=SessionState, summary="Stop playing", responses=_OWNER_ERRORS
)
async def pause_session(
    session_id: str, x_owner_token: OwnerHeader = None, authorization: AuthHeader = None
) -> SessionState:
    session = _owned(session_id, x_owner_token, authorization)
    await _run(session.pause)
    return session.state()


@router.post(
    "/{session_id}/reset", response_model=SessionState, summary="Back to step 0", responses=_OWNER_ERRORS
)
async def reset_session(
    session_id: str, x_owner_token: OwnerHeader = None, authorization: AuthHeader = None
) -> SessionState:
    """Pauses, then restores the initial weights (same seed, same data)."""
    session = _owned(session_id, x_owner_token, authorization)
    await _run(session.reset)
    return session.state()


# ------------------------------------------------------------------ reading (anyone with the id)


@router.get(
    "/{session_id}/boundary",
    response_model=BoundaryOut,
    summary="Decision boundary on a grid (2-D datasets only: 422 for 'lecture')",
    responses=_OWNER_ERRORS,
)
async def get_boundary(
    session_id: str,
    resolution: Annotated[int, Query(description="Cells per side (at most max_boundary_resolution).")] = 50,
) -> BoundaryOut:
    session = _get(session_id)
    limit = session.settings.max_boundary_resolution
    if not 2 <= resolution <= limit:
        raise api_error(422, f"resolution: must be 2..{limit} (max_boundary_resolution), not {resolution}")
    return await _run(session.boundary, resolution)


@router.get(
    "/{session_id}/network",
    response_model=NetworkOut,
    summary="Weights and gradients per layer",
    responses=_READ_ERRORS,
)
async def get_network(session_id: str) -> NetworkOut:
    return await _run(_get(session_id).network)


@router.get(
    "/{session_id}/graph",
    response_model=CollapsedGraphOut | ExpandedNeuronOut,
    summary="One datapoint's graph: collapsed to neurons, or one neuron expanded",
    responses={
        **_OWNER_ERRORS,
        200: {"content": {"application/json": {}, "image/svg+xml": {}}, "description": "JSON or SVG."},
        413: {**_ERR, "description": "Too large to draw as SVG; the JSON still works."},
        503: {**_ERR, "description": "Renderers busy, too slow, or Graphviz missing."},
    },
)
async def get_graph(
    session_id: str,
    sample: Annotated[int, Query(ge=0, description="Index of the datapoint in its split.")] = 0,
    split: Annotated[Literal["train", "test"], Query()] = "train",
    neuron: Annotated[
        str | None, Query(max_length=12, description='"L.N": expand neuron N of layer L (both from 0).')
    ] = None,
    format: Annotated[Literal["json", "svg"], Query()] = "json",
):
    """The scalar graph of one datapoint through the current model, with data and grad on every node.

    The full graph has ~1,700 Values for the default network, so it comes **collapsed**: one node per
    input and per neuron (its output's data and grad), one edge per weight (its value and this
    datapoint's gradient), the loss summarized. ``neuron=L.N`` gives that neuron's own scalar graph
    instead: the ``w_i * x_i`` products, the sum from the bias, the activation."""
    session = _get(session_id)
    view = await _run(session.sample_graph, sample, split, neuron)
    if format == "svg":
        svg = await run_in_threadpool(_draw, view, session.settings.max_graph_svg_edges)
        return Response(svg, media_type="image/svg+xml", headers=SVG_HEADERS)
    return await run_in_threadpool(_describe, view)


def _describe(view: SampleGraph) -> CollapsedGraphOut | ExpandedNeuronOut:
    if view.expanded is None:
        graph = view.collapsed
        return CollapsedGraphOut.model_validate(
            {
                "sample": view.sample,
                "nodes": graph.nodes,
                "edges": graph.edges,
                "loss": graph.loss,
                "scalar_values": graph.scalar_values,
            },
            from_attributes=True,
        )
    model = GraphModel.from_root(view.expanded)
    return ExpandedNeuronOut(
        sample=view.sample,
        neuron=view.neuron,
        graph=GraphResponse.from_model(model, renderer.unavailable_reason(model)),
    )


def _draw(view: SampleGraph, max_edges: int) -> str:
    if view.expanded is None:
        return renderer.svg(collapsed_dot(view.collapsed, max_edges))
    model = GraphModel.from_root(view.expanded)
    renderer.check(model)
    return renderer.svg(expanded_dot(model))


# ------------------------------------------------------------------ live events


@router.get(
    "/{session_id}/events",
    summary="Follow a session live (server-sent events)",
    response_class=StreamingResponse,
    responses={
        **_READ_ERRORS,
        200: {"content": {"text/event-stream": {}}, "description": "hello, step, reset, state, end events."},
        503: {**_ERR, "description": "Too many viewers on this session."},
    },
)
async def session_events(
    session_id: str,
    role: Annotated[
        Literal["viewer", "owner"],
        Query(description="owner: the owner's own page, not counted among the watchers."),
    ] = "viewer",
) -> StreamingResponse:
    """A ``text/event-stream`` that anyone with the id can follow; it never slows the run down.

    Events: ``hello`` (the state and a boundary, first), ``step`` (the metrics of the steps since the
    last event, a compact boundary every so often; for the 3-feature 'lecture' set the training
    points' ``scores`` instead), ``reset``, ``state`` (play/pause/speed changes),
    ``end`` (the session ended, or the stream reached max_stream_seconds: reconnect). Each event's
    ``data`` is a JSON ``SessionEvent``. Comment lines are heartbeats."""
    session = _get(session_id)
    if len(session.broadcast) >= session.broadcast.max_viewers:
        raise api_error(
            503, f"this session already has {session.broadcast.max_viewers} viewers (max_viewers_per_session)"
        )
    return StreamingResponse(
        event_stream(session, asyncio.get_running_loop(), owner=role == "owner"),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
