"""One link per lecture: rooms and their short links, and where the server can be reached."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from app.addresses import server_addresses
from app.routes.sessions import Store
from app.schemas.graph import ErrorResponse
from app.schemas.sessions import GoneResponse, RoomOut, ServerAddresses
from app.sessions.errors import SessionError
from app.sessions.lifespan import current_store
from app.sessions.store import SessionStore

router = APIRouter(tags=["rooms"])

RoomCode = Annotated[str, Path(max_length=16, description="The room's short code (case and dashes ignored).")]
_ROOM_ERRORS = {
    404: {"model": ErrorResponse, "description": "No room has this code."},
    410: {"model": GoneResponse, "description": "The room's last run ended (deleted, evicted or expired)."},
}


@router.get(
    "/api/rooms/{code}", response_model=RoomOut, summary="A room's current run", responses=_ROOM_ERRORS
)
async def get_room(code: RoomCode, store: Store) -> RoomOut:
    """The run a room's owner is on now: however often the settings changed, the room's link
    leads here."""
    return await store.room(code)


@router.get(
    "/r/{code}",
    response_class=RedirectResponse,
    status_code=307,
    summary="The short link of a room: opens its current run",
    responses=_ROOM_ERRORS,
)
async def open_room(
    code: RoomCode, request: Request, store: Annotated[SessionStore, Depends(current_store)]
) -> RedirectResponse:
    """A browser given a code that leads nowhere (mistyped, or the class is over) gets the train
    page, which says so in words, instead of this API's JSON error."""
    try:
        room = await store.room(code)
    except SessionError:
        if "text/html" not in request.headers.get("accept", ""):
            raise
        return RedirectResponse(f"/train?{urlencode({'room': code})}", status_code=307)
    return RedirectResponse(f"{room.watch_url}&room={room.code}", status_code=307)


@router.get(
    "/api/server/addresses",
    response_model=ServerAddresses,
    tags=["meta"],
    summary="Where this server listens (for share links)",
)
async def get_server_addresses() -> ServerAddresses:
    """The listening sockets and, when listening on every interface, the LAN base URLs other
    devices can use; ``loopback_only`` and ``hint`` when nobody else can reach it."""
    return await run_in_threadpool(server_addresses)
