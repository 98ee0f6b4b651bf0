"""The live training API: create a session, step/play it as its owner, watch it as anyone.

Thin over a ``SessionStore`` (``app.sessions``): every call that trains or reads the weights runs
in the store's compute pool; waiting for a session holds no thread.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from app.middleware.headers import SVG_HEADERS
from app.schemas.graph import ErrorResponse
from app.schemas.sessions import (
    BoundaryOut,
    CollapsedGraphOut,
    ExpandedNeuronOut,
    GoneResponse,
    NetworkOut,
    PlayRequest,
    SessionCreated,
    SessionDetail,
    SessionState,
    StepRequest,
    StepResponse,
    TrainConfigIn,
)
from app.sessions.lifespan import current_store
from app.sessions.ops import JsonText
from app.sessions.store import Client, SessionStore
from app.sessions.stream import EventStreamResponse

router = APIRouter(prefix="/api/sessions", tags=["training sessions"])


_ERR = {"model": ErrorResponse}
_BUSY = {
    503: {
        **_ERR,
        "description": "A limit is reached for now (waiting requests, per-client or server-wide); "
        "`Retry-After` says when to try again.",
    }
}
_READ_ERRORS = {
    404: {**_ERR, "description": "No session has this id."},
    410: {
        "model": GoneResponse,
        "description": "The session ended (deleted, evicted, expired or replaced); the message says "
        "which, and `next_session` names the run that replaced it.",
    },
    **_BUSY,
}
_OWNER_ERRORS = {
    **_READ_ERRORS,
    403: {**_ERR, "description": "Missing or wrong owner token; nothing changed."},
    422: {**_ERR, "description": "Over a limit or invalid; the message names the field and the limit."},
}

# ------------------------------------------------------------------ dependencies

_api_key = APIKeyHeader(
    name="X-Owner-Token", auto_error=False, description="The owner token from POST /api/sessions."
)
_bearer = HTTPBearer(auto_error=False, description="Or `Authorization: Bearer <owner token>`.")


def owner_token(
    key: Annotated[str | None, Security(_api_key)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> str | None:
    """The owner token of a request, from either header (checked by the store: 403 if wrong)."""
    return key or (bearer.credentials if bearer else None)


def client_of(request: Request) -> Client:
    """Who asks, for per-client limits: the peer address (behind a proxy, run uvicorn with
    --proxy-headers so it is the client's)."""
    return Client(request.client.host if request.client else "")


def as_response(answer):
    """A model's JSON made in the compute pool (``ops.JsonText``) goes out as it is: FastAPI would
    validate and serialize a model again on the event loop."""
    return Response(answer, media_type="application/json") if isinstance(answer, JsonText) else answer


OwnerToken = Annotated[str | None, Depends(owner_token)]
Store = Annotated[SessionStore, Depends(current_store)]
ClientOf = Annotated[Client, Depends(client_of)]

# ------------------------------------------------------------------ lifecycle


@router.post(
    "",
    status_code=201,
    response_model=SessionCreated,
    summary="Start a training session",
    responses={
        403: {**_ERR, "description": "`room` given without that room's owner token."},
        422: {**_ERR, "description": "A field is invalid or over a limit (or the room is unknown)."},
        **_BUSY,
    },
)
async def create_session(
    store: Store,
    client: ClientOf,
    token: OwnerToken,
    config: Annotated[TrainConfigIn | None, Body()] = None,
    room: Annotated[
        str | None,
        Query(
            max_length=16,
            description="Continue this room (its owner token required): the new run becomes the room's "
            "current one, the previous run ends and its viewers move over (`next_session`).",
        ),
    ] = None,
) -> SessionCreated:
    """A new run at step 0. Keep the ``owner_token``: it is the only way to change the run (and every
    later run of its room). Everyone else can watch it at ``watch_url``, or at ``room_url`` for the
    whole lecture."""
    return await store.create(config or TrainConfigIn(), client, room, token)


@router.get(
    "/{session_id}",
    response_model=SessionDetail,
    summary="Config, state, history, dataset",
    responses=_READ_ERRORS,
)
async def get_session(session_id: str, store: Store) -> SessionDetail:
    return as_response(await store.run(session_id, "detail", {}))


@router.delete("/{session_id}", status_code=204, summary="End a session", responses=_OWNER_ERRORS)
async def delete_session(
    session_id: str,
    store: Store,
    token: OwnerToken,
    next: Annotated[
        str | None,
        Query(max_length=64, description="The run replacing this one: its viewers switch to it."),
    ] = None,
) -> Response:
    """Ends the run; its viewers get an ``end`` event (with ``next_session`` when ``next`` is given)."""
    await store.delete(session_id, token, next)
    return Response(status_code=204)


# ------------------------------------------------------------------ training (owner only)


@router.post(
    "/{session_id}/step", response_model=StepResponse, summary="Take n steps", responses=_OWNER_ERRORS
)
async def step_session(
    session_id: str,
    store: Store,
    token: OwnerToken,
    request: Annotated[StepRequest | None, Body()] = None,
) -> StepResponse:
    """Steps one after another, published to the session's viewers as they go. A request that
    outlasts max_step_request_seconds stops there and says so in ``message``."""
    return await store.run(session_id, "step", {"steps": (request or StepRequest()).steps}, token)


@router.post(
    "/{session_id}/play", response_model=SessionState, summary="Train continuously", responses=_OWNER_ERRORS
)
async def play_session(
    session_id: str,
    store: Store,
    token: OwnerToken,
    request: Annotated[PlayRequest | None, Body()] = None,
) -> SessionState:
    """Steps in the background at ``steps_per_second`` (as fast as it can, if that is slower) until
    paused, reset or deleted, or for at most max_play_seconds. Calling it while playing changes the speed."""
    speed = (request or PlayRequest()).steps_per_second
    return await store.run(session_id, "play", {"steps_per_second": speed}, token)


@router.post(
    "/{session_id}/pause", response_model=SessionState, summary="Stop playing", responses=_OWNER_ERRORS
)
async def pause_session(session_id: str, store: Store, token: OwnerToken) -> SessionState:
    return await store.run(session_id, "pause", {}, token)


@router.post(
    "/{session_id}/reset", response_model=SessionState, summary="Back to step 0", responses=_OWNER_ERRORS
)
async def reset_session(session_id: str, store: Store, token: OwnerToken) -> SessionState:
    """Pauses, then restores the initial weights (same seed, same data)."""
    return await store.run(session_id, "reset", {}, token)


# ------------------------------------------------------------------ reading (anyone with the id)


@router.get(
    "/{session_id}/boundary",
    response_model=BoundaryOut,
    summary="Decision boundary on a grid (2-D datasets only: 422 for 'lecture')",
    responses={
        **_READ_ERRORS,
        422: {
            **_ERR,
            "description": "Resolution out of range or over the eager executor's work budget "
            "(max_eager_work; the message gives the finest allowed), or no 2-D data.",
        },
    },
)
async def get_boundary(
    session_id: str,
    store: Store,
    resolution: Annotated[int, Query(description="Cells per side (at most max_boundary_resolution).")] = 50,
) -> BoundaryOut:
    return as_response(await store.run(session_id, "boundary", {"resolution": resolution}))


@router.get(
    "/{session_id}/network",
    response_model=NetworkOut,
    summary="Weights and gradients per layer",
    responses=_READ_ERRORS,
)
async def get_network(session_id: str, store: Store) -> NetworkOut:
    return as_response(await store.run(session_id, "network", {}))


@router.get(
    "/{session_id}/graph",
    response_model=CollapsedGraphOut | ExpandedNeuronOut,
    summary="One datapoint's graph: collapsed to neurons, or one neuron expanded",
    responses={
        **_READ_ERRORS,  # an open read: no owner token, so no 403
        200: {"content": {"application/json": {}, "image/svg+xml": {}}, "description": "JSON or SVG."},
        413: {**_ERR, "description": "Too large to draw as SVG; the JSON still works."},
        503: {**_ERR, "description": "Renderers busy, too slow, or Graphviz missing."},
    },
)
async def get_graph(
    session_id: str,
    store: Store,
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
    args = {"sample": sample, "split": split, "neuron": neuron, "format": format}
    answer = await store.run(session_id, "graph", args)
    if isinstance(answer, JsonText):
        return as_response(answer)
    return Response(answer, media_type="image/svg+xml", headers=SVG_HEADERS)


# ------------------------------------------------------------------ live events


def _json(model: type, description: str) -> dict:
    """An error answer of a route whose own media type is not JSON (its errors still are)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


@router.get(
    "/{session_id}/events",
    summary="Follow a session live (server-sent events)",
    response_class=EventStreamResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "hello, step, reset, state, end events."},
        404: _json(ErrorResponse, _READ_ERRORS[404]["description"]),
        410: _json(GoneResponse, _READ_ERRORS[410]["description"]),
        422: _json(ErrorResponse, "An invalid `role` or `Last-Event-ID`."),
        503: _json(
            ErrorResponse,
            "Too many viewers on this session, streams from this address or streams in all; "
            "`Retry-After` says when to try again. Nothing is streamed.",
        ),
    },
)
async def session_events(
    session_id: str,
    store: Store,
    client: ClientOf,
    role: Annotated[
        Literal["viewer", "owner"],
        Query(description="owner: the owner's own page, not counted among the watchers."),
    ] = "viewer",
    last_event_id: Annotated[
        str | None,
        Header(
            max_length=64,
            description="Sent by a reconnecting EventSource: the events after it are sent first "
            "(if still kept), instead of a hello.",
        ),
    ] = None,
) -> EventStreamResponse:
    """A ``text/event-stream`` that anyone with the id can follow; it never slows the run down.

    Events: ``hello`` (the state and a boundary, first), ``step`` (the metrics of the steps since the
    last event, a compact boundary every so often; for the 3-feature 'lecture' set the training
    points' ``scores`` instead), ``reset``, ``state`` (play/pause/speed changes),
    ``end`` (the session ended, or the stream reached max_stream_seconds: reconnect). Each event's
    ``data`` is a JSON ``SessionEvent`` and its ``id`` lets a reconnecting viewer resume
    (``Last-Event-ID``). Comment lines are heartbeats."""
    stream, release = await store.events(session_id, client, role == "owner", last_event_id)
    return EventStreamResponse(stream, on_close=release)
