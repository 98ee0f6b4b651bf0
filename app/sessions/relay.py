"""Relays: one Redis reader per session per worker, fanning its events out to this worker's viewers.

Events live in a Redis stream per session (``redis_keys.events``), written by whichever worker
trains the session. Each worker with viewers of a session runs ONE reader of that stream (not one
per viewer), and pushes every entry, formatted once, to its local viewers. An entry's stream id is
its SSE ``id``, so a viewer reconnecting to any worker with ``Last-Event-ID`` gets what it missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from app.schemas.sessions import SessionEvent, SessionState
from app.sessions import redis_keys as keys
from app.sessions.sse import Broadcast, Viewer, is_end

log = logging.getLogger(__name__)

READ_BLOCK_MS = 5_000


def entry_message(entry_id: str, fields: dict) -> str:
    data = fields["e"]
    kind = SessionEvent.model_validate_json(data).kind if "k" not in fields else fields["k"]
    return f"id: {entry_id}\nevent: {kind}\ndata: {data}\n\n"


def stream_id(text: str) -> tuple[int, int] | None:
    """A stream id as numbers, to compare ("1700000000000-3" -> (1700000000000, 3)); None if not one."""
    ms, _, seq = text.partition("-")
    if not (ms.isdigit() and (seq.isdigit() or seq == "")) or len(text) > 40:
        return None
    return int(ms), int(seq or 0)


class Relay:
    """The stream reader of one session in this worker, while it has viewers here."""

    def __init__(self, redis: aioredis.Redis, session_id: str, max_queued: int, on_idle: Callable[[], None]):
        self.redis = redis
        self.session_id = session_id
        self.key = keys.events(session_id)
        self.broadcast = Broadcast(max_viewers=1 << 30, max_queued=max_queued)
        self.last_data: str | None = None  # the latest event's JSON (its state ends a stream)
        self._task: asyncio.Task | None = None
        self._on_idle = on_idle

    async def start(self) -> None:
        latest = await self.redis.xrevrange(self.key, count=1)
        self.broadcast.position = latest[0][0] if latest else "0-0"
        if latest:
            self.last_data = latest[0][1]["e"]
        self._task = asyncio.create_task(self._read(), name=f"relay-{self.session_id}")

    def subscribe(self, loop: asyncio.AbstractEventLoop, owner: bool, client: str) -> tuple[Viewer, str]:
        return self.broadcast.subscribe_at(loop, owner, client)

    def unsubscribe(self, viewer: Viewer) -> None:
        self.broadcast.unsubscribe(viewer)
        if len(self.broadcast) == 0:
            self.stop()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
            self._on_idle()

    def push_to_all(self, message: str) -> None:
        """A message of this worker's own (its viewers must reconnect elsewhere), not from the stream."""
        self.broadcast.publish_raw(message, self.broadcast.position)

    def state(self) -> SessionState | None:
        return SessionEvent.model_validate_json(self.last_data).state if self.last_data else None

    async def since(self, last_event_id: str, until: str) -> list[str] | None:
        """The events after ``last_event_id`` up to ``until``; None if some are no longer kept."""
        after = stream_id(last_event_id)
        if after is None:
            return None
        first = await self.redis.xrange(self.key, count=1)
        if not first or stream_id(first[0][0]) > after:
            return None if after != (0, 0) else []
        entries = await self.redis.xrange(self.key, min=f"({last_event_id}", max=until)
        return [entry_message(entry_id, fields) for entry_id, fields in entries]

    async def _read(self) -> None:
        position = self.broadcast.position
        while True:
            try:
                answer = await self.redis.xread({self.key: position}, block=READ_BLOCK_MS, count=200)
            except asyncio.CancelledError:
                raise
            except RedisError as exc:  # Redis restarting: keep the viewers, try again shortly
                log.warning("relay of %s: %s", self.session_id, exc)
                await asyncio.sleep(0.5)
                continue
            for _, entries in answer or ():
                for entry_id, fields in entries:
                    position = entry_id
                    message = entry_message(entry_id, fields)
                    self.last_data = fields["e"]
                    self.broadcast.publish_raw(message, entry_id)
                    if is_end(message):
                        with contextlib.suppress(Exception):
                            self.stop()
                        return
