"""Relays: each worker reads the event streams of the sessions its viewers watch, and fans them out.

Events live in a Redis stream per session (``redis_keys.events``), written by whichever worker
trains the session. A worker with viewers of a session keeps ONE ``Relay`` of it (not one per
viewer), which pushes every entry, formatted once, to the local viewers; and ONE ``Reader`` reads
every relayed stream in a single blocking XREAD, so a worker relaying thirty sessions makes one
Redis call per batch of events rather than one per event per session (each call costs ~0.4 ms of
the worker's CPU in redis-py; a class at 10 events/s per session spent more there than training).
An entry's stream id is its SSE ``id``, so a viewer reconnecting to any worker with
``Last-Event-ID`` gets what it missed.
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

# A blocked XREAD sees only the streams it was given; a session's first viewer here waits at most
# this long for its stream to be read (its hello comes at once, and nothing is missed meanwhile).
READ_BLOCK_MS = 100
READ_COUNT = 200  # entries per stream per read (a slow worker catches up in batches)
# After a read that brought something, the next one waits this long: a blocked XREAD returns as soon
# as ONE stream has an entry, so a worker relaying thirty sessions at 10 events/s each would read
# (and pay a call for) almost every event alone; this lets a tick's events come in a few reads.
READ_PAUSE_SECONDS = 0.02


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
    """One session's events in this worker, while it has viewers here (read by the ``Reader``)."""

    def __init__(self, session_id: str, max_queued: int, on_idle: Callable[[], None]):
        self.session_id = session_id
        self.key = keys.events(session_id)
        self.broadcast = Broadcast(max_viewers=1 << 30, max_queued=max_queued)
        self.position = "0-0"  # the last entry read
        self.last_data: str | None = None  # the latest event's JSON (its state ends a stream)
        self.stopped = False
        self.started = asyncio.Event()  # read from here on (viewers arriving meanwhile wait for it)
        self._on_idle = on_idle

    async def start(self, redis: aioredis.Redis) -> None:
        """Begin at the stream's latest entry (a viewer's hello shows the state up to there)."""
        try:
            latest = await redis.xrevrange(self.key, count=1)
        except BaseException:
            self.stop()
            raise
        finally:
            self.started.set()
        if latest:
            self.position = latest[0][0]
            self.last_data = latest[0][1]["e"]
        self.broadcast.position = self.position

    def subscribe(self, loop: asyncio.AbstractEventLoop, owner: bool, client: str) -> tuple[Viewer, str]:
        return self.broadcast.subscribe_at(loop, owner, client)

    def unsubscribe(self, viewer: Viewer) -> None:
        self.broadcast.unsubscribe(viewer)
        if len(self.broadcast) == 0:
            self.stop()

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self._on_idle()

    def push_to_all(self, message: str) -> None:
        """A message of this worker's own (its viewers must reconnect elsewhere), not from the stream."""
        self.broadcast.publish_raw(message, self.broadcast.position)

    def state(self) -> SessionState | None:
        return SessionEvent.model_validate_json(self.last_data).state if self.last_data else None

    async def since(self, redis: aioredis.Redis, last_event_id: str, until: str) -> list[str] | None:
        """The events after ``last_event_id`` up to ``until``; None if some are no longer kept."""
        after = stream_id(last_event_id)
        if after is None:
            return None
        first = await redis.xrange(self.key, count=1)
        if not first or stream_id(first[0][0]) > after:
            return None if after != (0, 0) else []
        entries = await redis.xrange(self.key, min=f"({last_event_id}", max=until)
        return [entry_message(entry_id, fields) for entry_id, fields in entries]

    def deliver(self, entries: list[tuple[str, dict]]) -> None:
        """Entries read from the stream, in order, to every local viewer; an ``end`` stops the relay."""
        for entry_id, fields in entries:
            self.position = entry_id
            message = entry_message(entry_id, fields)
            self.last_data = fields["e"]
            self.broadcast.publish_raw(message, entry_id)
            if is_end(message):
                with contextlib.suppress(Exception):
                    self.stop()
                return


class Reader:
    """The one stream reader of a worker: all its relays' streams in one blocking XREAD, while it
    has any (``relays`` is the worker's own registry: a stopped relay leaves it)."""

    def __init__(self, redis: aioredis.Redis, relays: dict[str, Relay]):
        self.redis = redis
        self.relays = relays
        self._task: asyncio.Task | None = None

    def wake(self) -> None:
        """A relay was added: make sure the reader runs (it picks the new stream up at its next read)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._read(), name="relay-reader")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _read(self) -> None:
        while self.relays:
            if not any(r.started.is_set() for r in self.relays.values()):
                await asyncio.sleep(0.01)
                continue
            relays = {r.key: r for r in self.relays.values() if r.started.is_set() and not r.stopped}
            try:
                answer = await self.redis.xread(
                    {key: r.position for key, r in relays.items()}, block=READ_BLOCK_MS, count=READ_COUNT
                )
            except asyncio.CancelledError:
                raise
            except RedisError as exc:  # Redis restarting: keep the viewers, try again shortly
                log.warning("relay reader: %s", exc)
                await asyncio.sleep(0.5)
                continue
            for key, entries in answer or ():
                relay = relays[key]
                if not relay.stopped:
                    relay.deliver(entries)
            if answer:
                await asyncio.sleep(READ_PAUSE_SECONDS)
