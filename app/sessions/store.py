"""The one interface of session stores, and what every store shares.

Routes talk to a ``SessionStore`` and never to a session directly, so the same routes serve one
process (``MemoryStore``: the sessions live in this process) or many (a store backed by Redis:
any worker answers for any session; the one holding a session's lease trains it). Everything a
store takes or gives is an API model or plain data, so a command can travel to another process.

What a store guarantees, whichever it is:

* one trainer per session; what can be asked of a session is ``ops.OPS`` (the owner ops, delete
  and room changes need the owner token, which the store keeps only as a hash);
* reads (detail, boundary, network, graph, events) are open to anyone with the id;
* a waiting request holds no thread, and one session uses at most one compute thread at a time
  (``app.sessions.compute``);
* limits hold for the whole service: sessions (least recently used idle one evicted when full),
  per-client sessions, streams and playing runs, viewers per session;
* rooms: a teacher's sessions share a room whose short code always leads to the current run; a
  session created in a room ends the previous one, naming its successor (410 and ``end`` events).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from app.schemas.sessions import RoomOut, SessionCreated, TrainConfigIn
from app.sessions.ops import Answer
from engine.settings import Settings


@dataclass(frozen=True)
class Client:
    """Who is asking: the address limits are counted by (a class behind one NAT is one client)."""

    address: str = ""


class SessionStore(ABC):
    settings: Settings

    # ---------------------------------------------------------------- lifecycle

    @abstractmethod
    async def start(self) -> None:
        """Connect what the store needs (the app's lifespan calls it)."""

    @abstractmethod
    async def stop(self) -> None:
        """The server is stopping: end (or hand over) every session this process runs."""

    @abstractmethod
    def stop_now(self) -> None:
        """The same from a signal handler's thread: viewers get their ``end`` at once."""

    # ---------------------------------------------------------------- sessions

    @abstractmethod
    async def create(
        self, config: TrainConfigIn, client: Client, room: str | None = None, token: str | None = None
    ) -> SessionCreated:
        """A new run at step 0; with ``room`` (and that room's owner token) it replaces the room's run."""

    @abstractmethod
    async def run(self, session_id: str, name: str, args: dict[str, Any], token: str | None = None) -> Answer:
        """``ops.OPS[name]`` on the session, wherever it is trained; the owner ops (``ops.OWNER_OPS``)
        need its owner token (403 otherwise, and nothing changes)."""

    @abstractmethod
    async def delete(self, session_id: str, token: str | None, next_session: str | None = None) -> None: ...

    @abstractmethod
    async def events(
        self, session_id: str, client: Client, owner: bool = False, last_event_id: str | None = None
    ) -> tuple[AsyncIterator[str], Callable[[], None]]:
        """The SSE text of one new viewer, and the function that lets its slot go (call it once the
        response is over, whether or not it started). Refusals (404, 410, 503) raise here, before
        anything is sent."""

    @abstractmethod
    async def room(self, code: str) -> RoomOut:
        """A room's current run (404 for an unknown code, 410 once its last run ended)."""
