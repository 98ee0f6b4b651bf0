"""The holder's writes to Redis, off the training threads: one thread sends them, in order, in batches.

A play thread used to publish each event itself, a blocking round trip to Redis made while holding
its session lock. On a busy 2-core machine the reply then waits for the GIL (up to
``sys.getswitchinterval()``, 5 ms) behind the other play thread and the event loop, so one process
on Redis ran out of time before it ran out of CPU (10-18 playing demo sessions at 0.7-1.0 cores,
where one in memory carries 20-24). Now a play thread queues its event and trains on; the outbox's
thread sends everything queued in ONE fenced script call (``redis_keys.PUBLISH``: events of any
sessions), at most every ``BATCH_SECONDS``, so a class of thirty sessions costs a few calls a tick
instead of thirty. The events of a session keep their order; a write whose request answers only
once it is in Redis (play, pause, reset, a step request's chunk, end, the release at hand-over)
waits for its batch, which then goes at once. A session whose write is refused (FENCED: another
worker holds it now) or fails (Redis unreachable) is given up here (``on_lost``) and its later
queued writes are dropped: the new holder restores the last event Redis has, and recomputes the
rest, so the stream has no gap.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import redis
from redis.exceptions import RedisError

from app.schemas.sessions import SessionEvent
from app.sessions import redis_keys as keys
from app.sessions import redis_state
from app.sessions.errors import ServerBusy
from app.sessions.session import Session
from engine.settings import Settings

log = logging.getLogger("uvicorn.error")

BATCH_SECONDS = 0.02  # a tick's events of every session go in a call or two (p99 budget: 200 ms)
WAIT_SECONDS = 15.0  # a waited-for write longer than this: Redis is in trouble (503)
FORGOTTEN_LEASES = 1_000  # holdings given up, remembered to drop their queued writes


@dataclass
class Write:
    """One queued write of the holder of ``sid`` (lease ``value``): an event (``args`` of PUBLISH)
    or any other fenced script call (``call``)."""

    sid: str
    value: str
    args: list[Any] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    call: Callable[[], Any] | None = None
    done: Future | None = None  # set when someone waits for it

    @property
    def holding(self) -> tuple[str, str]:
        """A lease value is unique per session only (its fence counts that session's holders)."""
        return self.sid, self.value


class Outbox:
    def __init__(self, client: redis.Redis, on_lost: Callable[[str, str], None], max_history: int):
        self._publish = client.register_script(keys.PUBLISH)
        self._max_history = max_history  # a session's history in Redis is compacted past twice this
        self._on_lost = on_lost
        self._queue: list[Write] = []
        self._urgent = False  # someone waits: send now
        self._idle = False  # the thread waits for work
        self._cond = threading.Condition()
        self._given_up: dict[tuple[str, str], None] = {}  # (session, lease value): insertion-ordered
        self.compact: set[str] = set()  # sessions whose Redis history grew past twice the limit
        self._thread: threading.Thread | None = None

    def put(self, write: Write, wait: bool) -> Any:
        """Queue ``write``; with ``wait``, block until it is in Redis (its result; 503 if refused)."""
        if wait:
            write.done = Future()
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="redis-outbox", daemon=True)
                self._thread.start()
            self._queue.append(write)
            if wait or self._idle:  # not in its pause between batches: that one ends by itself
                self._urgent = self._urgent or wait
                self._cond.notify()
        if write.done is None:
            return None
        try:
            return write.done.result(WAIT_SECONDS)
        except TimeoutError:
            raise ServerBusy(
                "the session store (Redis) did not answer in time; try again", retry_after=2
            ) from None

    def _run(self) -> None:
        while True:
            with self._cond:
                self._idle = True
                self._cond.wait_for(lambda: self._queue, timeout=None)
                batch, self._queue, self._urgent, self._idle = self._queue, [], False, False
            try:
                self._send(batch)
            except Exception:  # a bug: the writes are lost, their sessions given up
                log.exception("the Redis outbox failed")
                for write in batch:
                    self._give_up(write, "the session store failed")
            with self._cond:  # let a tick's events gather, unless someone waits
                self._cond.wait_for(lambda: self._urgent, timeout=BATCH_SECONDS)

    def _send(self, batch: list[Write]) -> None:
        events: list[Write] = []
        for write in batch:
            if write.holding in self._given_up:
                self._give_up(write, "FENCED")
            elif write.call is None:
                events.append(write)
            else:
                self._publish_all(events)
                events = []
                try:
                    result = write.call()
                except RedisError as exc:
                    self._give_up(write, str(exc))
                else:
                    if write.done is not None:
                        write.done.set_result(result)
        self._publish_all(events)

    def _publish_all(self, events: list[Write]) -> None:
        events = [w for w in events if w.holding not in self._given_up]  # an earlier one failed
        if not events:
            return
        argv: list[Any] = []
        for write in events:
            argv += [len(write.args), *write.args]
        try:
            lengths = self._publish(keys=[k for w in events for k in w.keys], args=argv)
        except RedisError as exc:
            for write in events:
                self._give_up(write, str(exc))
            return
        for write, length in zip(events, lengths):
            if write.holding in self._given_up or length < 0:
                self._give_up(write, "FENCED")
                continue
            if length > 2 * self._max_history:
                self.compact.add(write.sid)
            if write.done is not None:
                write.done.set_result(length)

    def _give_up(self, write: Write, reason: str) -> None:
        if write.holding not in self._given_up:
            self._given_up[write.holding] = None
            while len(self._given_up) > FORGOTTEN_LEASES:
                del self._given_up[next(iter(self._given_up))]
            self._on_lost(write.sid, write.value)
        if write.done is not None and not write.done.done():
            write.done.set_exception(
                ServerBusy(f"this session moved to another worker ({reason}); try again", retry_after=1)
            )


def publisher(
    outbox: Outbox, limits: Settings, value: str, rewrite: Callable[..., Any]
) -> Callable[[Session, SessionEvent, bool], None]:
    """How the holder (lease ``value``) publishes a session's events (called under the session lock,
    so a checkpoint is the state its event shows): with a checkpoint when one is due — with every
    event steps cannot reproduce, and once the steps since the last one took
    ``redis_checkpoint_seconds`` to compute, which is what a new holder would recompute."""
    every = limits.redis_checkpoint_seconds
    unsaved = math.inf  # seconds of training since the last checkpoint

    def publish(session: Session, event: SessionEvent, wait: bool = True) -> None:
        nonlocal unsaved
        if event.kind == "end":
            return  # the END script wrote it, with the session's removal
        if event.kind == "step":
            unsaved += sum(m.step_seconds for m in event.metrics)
        saved = ""
        if event.kind != "step" or unsaved >= every:
            saved, unsaved = redis_state.saved_state(session), 0.0
        sid, client = session.id, session.client
        if sid in outbox.compact:  # the history in Redis, compacted as the trainer keeps it
            outbox.compact.discard(sid)
            entries = [redis_state.metrics_json(m) for m in session.trainer.history]
            history = [keys.lease(sid), keys.hist(sid)]
            outbox.put(
                Write(sid, value, call=lambda: rewrite(keys=history, args=[value, *entries])), wait=False
            )
        write = Write(
            sid,
            value,
            keys=[
                keys.lease(sid),
                keys.ckpt(sid),
                keys.events(sid),
                keys.hist(sid),
                keys.PLAYING,
                keys.client_playing(client),
                keys.SESSIONS,
            ],
            args=[
                value,
                saved,
                event.model_dump_json(),
                event.kind,
                limits.redis_stream_events,
                "1" if event.kind == "reset" else "0",
                "1" if session.playing else "0",
                sid,
                int(time.time() * 1000),
                event.state.step,
                *(m.model_dump_json() for m in event.metrics),
            ],
        )
        outbox.put(write, wait)

    return publish
