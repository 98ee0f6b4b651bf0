"""The in-memory store: every session lives in this process (the default; one uvicorn worker)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from app.schemas.sessions import RoomOut, SessionCreated, TrainConfigIn
from app.sessions import compute, limits, ops
from app.sessions.convert import engine_config
from app.sessions.errors import InvalidRequest, NotOwner, ServerBusy, SessionNotFound
from app.sessions.ops import Answer
from app.sessions.session import Ending, Session
from app.sessions.store import Client, SessionStore
from app.sessions.stream import event_stream
from app.sessions.tokens import (
    new_room_code,
    new_session_id,
    new_token,
    normalize_room_code,
    token_hash,
    token_matches,
)
from engine.settings import Settings, settings
from engine.train import Trainer

ANONYMOUS = Client()


@dataclass
class Room:
    """A teacher's lecture: the runs its owner started, the current one last."""

    code: str
    owner_hash: str
    current: str
    ended: Ending | None = None


class MemoryStore(SessionStore):
    """At most ``max_sessions`` sessions; when full, the least recently used idle one is evicted."""

    def __init__(self, limits: Settings = settings, make_trainer: Callable[..., Trainer] = Trainer):
        self.settings = limits
        self.make_trainer = make_trainer
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._owners: dict[str, str] = {}  # session id -> hash of its owner token
        self._gone: OrderedDict[str, Ending] = OrderedDict()  # ended ids, for 410 answers
        self._rooms: OrderedDict[str, Room] = OrderedDict()
        self._streams: Counter[str] = Counter()  # open event streams per client address
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    # ---------------------------------------------------------------- the blocking core

    def open(
        self,
        config: TrainConfigIn,
        client: Client = ANONYMOUS,
        room: str | None = None,
        token: str | None = None,
    ) -> tuple[Session, str]:
        """A new session at step 0 and its owner token (blocks while the trainer is built)."""
        engine_cfg = engine_config(config)
        try:
            engine_cfg.validate(self.settings)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        replaced = self._room_to_continue(room, token) if room is not None else None
        with self._lock:
            limits.check(self._count(client), "max_sessions_per_client", self.settings)
        try:
            trainer = self.make_trainer(engine_cfg, settings=self.settings)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        with self._lock:
            self._make_space(client)
            session_id = new_session_id()
            if replaced is not None:
                code, owner = replaced.code, replaced.owner_hash
            else:
                token = new_token()
                code, owner = self._new_room_code(), token_hash(token)
            session = Session(session_id, config, trainer, self.settings, room=code, client=client.address)
            self._sessions[session_id] = session
            self._owners[session_id] = owner
            previous = self._rooms.get(code)
            self._rooms[code] = Room(code, owner, session_id)
            self._rooms.move_to_end(code)
            if previous is not None and previous.current in self._sessions:
                old = self._sessions[previous.current]
                self._end(
                    old,
                    Ending(f"the owner started a new run ({session_id}) with new settings", session_id, code),
                )
        return session, token

    def get(self, session_id: str) -> Session:
        with self._lock:
            self._expire_idle()
            session = self._sessions.get(session_id)
            if session is None:
                if session_id in self._gone:
                    raise self._gone[session_id].error()
                raise SessionNotFound(f"no training session has the id {session_id!r}")
            session.touch()
            self._sessions.move_to_end(session_id)
            return session

    def owned(self, session_id: str, token: str | None) -> Session:
        """The session, if ``token`` is its owner token; 403 otherwise, and nothing changes."""
        session = self.get(session_id)
        if not token_matches(token, self._owners[session_id]):
            raise NotOwner()
        return session

    def end(self, session: Session, next_session: str | None = None) -> None:
        """End ``session`` as its owner; ``next_session`` (an open session) tells its viewers where to go."""
        with self._lock:
            if next_session is not None and next_session not in self._sessions:
                raise InvalidRequest(f"next: no open session has the id {next_session!r}")
            if self._sessions.get(session.id) is session:
                ending = Ending(f"session {session.id} was deleted by its owner", room=session.room)
                if next_session is not None:
                    ending = Ending(
                        f"the owner started a new run ({next_session}) with new settings",
                        next_session,
                        session.room,
                    )
                self._end(session, ending)

    def close_all(self, reason: str = "the server is shutting down") -> None:
        with self._lock:
            for session in list(self._sessions.values()):
                self._end(session, Ending(reason, room=session.room))

    # ---------------------------------------------------------------- the interface

    async def start(self) -> None:
        pass  # nothing to connect

    async def stop(self) -> None:
        await asyncio.to_thread(self.close_all)

    def stop_now(self) -> None:
        threading.Thread(target=self.close_all, name="end-sessions", daemon=True).start()

    async def create(
        self, config: TrainConfigIn, client: Client, room: str | None = None, token: str | None = None
    ) -> SessionCreated:
        loop = asyncio.get_running_loop()
        session, token = await loop.run_in_executor(compute.pool, self.open, config, client, room, token)
        return created(session, token)

    async def run(self, session_id: str, name: str, args: dict[str, Any], token: str | None = None) -> Answer:
        if name not in ops.OWNER_OPS:
            return await ops.run(self.get(session_id), name, args)
        session = self.owned(session_id, token)
        if name == "play" and not session.playing:
            with self._lock:
                playing = sum(s.playing for s in self._sessions.values() if s.client == session.client)
            limits.check(playing, "max_playing_per_client", self.settings)
        return await ops.run(session, name, args)

    async def delete(self, session_id: str, token: str | None, next_session: str | None = None) -> None:
        self.end(self.owned(session_id, token), next_session)

    async def events(
        self, session_id: str, client: Client, owner: bool = False, last_event_id: str | None = None
    ) -> tuple[AsyncIterator[str], Callable[[], None]]:
        session = self.get(session_id)
        with self._lock:
            limits.check(sum(self._streams.values()), "max_streams", self.settings)
            limits.check(self._streams[client.address], "max_streams_per_client", self.settings)
            viewer, missed = session.broadcast.subscribe(
                asyncio.get_running_loop(), owner, client.address, last_event_id
            )
            self._streams[client.address] += 1

        def release() -> None:
            with self._lock:
                if viewer in session.broadcast.viewers:
                    session.broadcast.unsubscribe(viewer)
                    self._streams[client.address] -= 1
                    if self._streams[client.address] <= 0:
                        del self._streams[client.address]

        stream = event_stream(viewer, missed, lambda: ops.hello(session), session.state, self.settings)
        return stream, release

    async def room(self, code: str) -> RoomOut:
        code = normalize_room_code(code)
        with self._lock:
            room = self._rooms.get(code)
        if room is None:
            raise SessionNotFound(f"no room has the code {code!r}")
        session = self.get(room.current)  # 410 with the reason once the room's run ended
        return room_out(session)

    # ---------------------------------------------------------------- internals (under self._lock)

    def _room_to_continue(self, code: str, token: str | None) -> Room:
        code = normalize_room_code(code)
        with self._lock:
            room = self._rooms.get(code)
        if room is None:
            raise InvalidRequest(f"room: no room has the code {code!r}")
        if not token_matches(token, room.owner_hash):
            raise NotOwner("room: a run can only be added to a room with its owner token (X-Owner-Token)")
        return room

    def _new_room_code(self) -> str:
        while (code := new_room_code()) in self._rooms:
            pass
        return code

    def _count(self, client: Client) -> int:
        return sum(s.client == client.address for s in self._sessions.values())

    def _make_space(self, client: Client) -> None:
        self._expire_idle()
        limits.check(self._count(client), "max_sessions_per_client", self.settings)
        while len(self._sessions) >= self.settings.max_sessions:
            victim = self._idle_victim()
            if victim is None:
                raise ServerBusy(
                    f"all {self.settings.max_sessions} training sessions are playing or being watched "
                    "(max_sessions); try again when one pauses",
                    retry_after=60,
                )
            minutes = victim.idle_seconds / 60
            self._end(
                victim,
                Ending(
                    f"session {victim.id} was evicted to make room for a new one "
                    f"(it had been idle for {minutes:.0f} min); start a new run",
                    room=victim.room,
                ),
            )

    def _idle_victim(self) -> Session | None:
        """The least recently used session that is neither playing nor watched."""
        for session in self._sessions.values():  # oldest use first
            if not session.playing and len(session.broadcast) == 0:
                return session
        return None

    def _expire_idle(self) -> None:
        limit = self.settings.session_idle_seconds
        for session in list(self._sessions.values()):
            if session.idle_seconds > limit and not session.playing and len(session.broadcast) == 0:
                self._end(
                    session,
                    Ending(
                        f"session {session.id} expired after {limit / 60:g} min without use",
                        room=session.room,
                    ),
                )

    def _end(self, session: Session, ending: Ending) -> None:
        del self._sessions[session.id]
        del self._owners[session.id]
        self._gone[session.id] = ending
        while len(self._gone) > self.settings.evicted_ids_remembered:
            self._gone.popitem(last=False)
        while len(self._rooms) > self.settings.evicted_ids_remembered:
            self._rooms.popitem(last=False)
        session.close(ending)


# ------------------------------------------------------------------ shared by the stores


def created(session: Session, token: str) -> SessionCreated:
    return SessionCreated(
        id=session.id,
        owner_token=token,
        watch_url=f"/train?watch={session.id}",
        room=session.room,
        room_url=f"/r/{session.room}",
        state=session.state(),
    )


def room_out(session: Session) -> RoomOut:
    return RoomOut(
        code=session.room,
        session=session.id,
        url=f"/r/{session.room}",
        watch_url=f"/train?watch={session.id}",
        state=session.state(),
    )
