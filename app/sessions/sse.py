"""Server-sent events: the wire format, and the fan-out of one session's events to its viewers.

The producer (whoever just stepped, in any thread) formats an event once and pushes the text into
every viewer's bounded queue; a slow viewer's queue drops its oldest messages, the run never waits.
Each message has an ``id:``; the last few are kept, so a viewer that reconnects with
``Last-Event-ID`` gets what it missed instead of a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque

from app.schemas.sessions import SessionEvent
from app.sessions.errors import ServerBusy

HEARTBEAT = ": heartbeat\n\n"


def sse_message(event: SessionEvent, event_id: str | None = None) -> str:
    """One server-sent event; the JSON has no newlines, so it fits on one ``data:`` line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event.kind}\ndata: {event.model_dump_json()}\n\n"


def is_end(message: str) -> bool:
    return "\nevent: end\n" in message or message.startswith("event: end\n")


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # a thread without a loop
        return None


class Viewer:
    """One open event stream: a bounded queue that any thread fills and one event loop drains."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, max_queued: int, owner: bool = False, client: str = ""
    ):
        self.loop = loop
        self.owner = owner  # the owner's own page (self-declared; it only changes the watcher count)
        self.client = client  # the address it came from (per-client stream limits)
        self.queue: deque[str] = deque(maxlen=max_queued)
        self.wake = asyncio.Event()
        self.dropped = 0

    def push(self, message: str) -> None:
        """Queue ``message`` and wake the viewer: directly when called in its own event loop (the
        relay), else through the loop's self-pipe (a training thread)."""
        if len(self.queue) == self.queue.maxlen:
            self.dropped += 1  # deque(maxlen) drops the oldest: a slow viewer skips to the latest
        self.queue.append(message)
        if _running_loop() is self.loop:
            self.wake.set()
            return
        # A closed event loop means the stream is over; it unsubscribes itself.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.wake.set)

    async def next_messages(self, timeout: float) -> list[str]:
        """Everything queued, waiting up to ``timeout`` seconds for something; [] on timeout."""
        deadline = time.monotonic() + timeout
        while not self.queue:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self.wake.wait(), remaining)
            except TimeoutError:
                return []
            self.wake.clear()
        messages = []
        while self.queue:
            messages.append(self.queue.popleft())
        return messages


class Broadcast:
    """The viewers of one session and its latest messages (``backlog`` characters of them at most);
    ``publish`` never blocks."""

    def __init__(self, max_viewers: int, max_queued: int, backlog: int = 256 * 1024):
        self.max_viewers = max_viewers
        self.max_queued = max_queued
        self.backlog = backlog
        self._viewers: set[Viewer] = set()
        self._recent: deque[tuple[int, str]] = deque()
        self._recent_size = 0
        self._next_id = 1
        self.position = "0-0"  # of the latest raw (relayed) event
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._viewers)

    @property
    def viewers(self) -> set[Viewer]:
        return self._viewers

    @property
    def watchers(self) -> int:
        with self._lock:
            return sum(not v.owner for v in self._viewers)

    def check_room(self) -> None:
        if len(self._viewers) >= self.max_viewers:
            raise ServerBusy(
                f"this session already has {self.max_viewers} viewers (max_viewers_per_session)",
                retry_after=30,
            )

    def subscribe(
        self,
        loop: asyncio.AbstractEventLoop,
        owner: bool = False,
        client: str = "",
        after: str | None = None,
    ) -> tuple[Viewer, list[str] | None]:
        """A new viewer, and the messages since event ``after`` (None if they are no longer kept).

        Both under one lock, so nothing published meanwhile is missed or sent twice.
        """
        with self._lock:
            self.check_room()
            viewer = Viewer(loop, self.max_queued, owner, client)
            self._viewers.add(viewer)
            return viewer, self._since(after)

    def unsubscribe(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)

    def publish_raw(self, message: str, event_id: str) -> None:
        """Send an event formatted elsewhere (a Redis stream's entry); ``event_id`` is its position.
        Called in the viewers' event loop (the worker's relay reader)."""
        with self._lock:
            self.position = event_id
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.push(message)

    def subscribe_at(
        self, loop: asyncio.AbstractEventLoop, owner: bool = False, client: str = ""
    ) -> tuple[Viewer, str]:
        """A new viewer and the id of the last event sent before it joined (``publish_raw``'s)."""
        with self._lock:
            viewer = Viewer(loop, self.max_queued, owner, client)
            self._viewers.add(viewer)
            return viewer, self.position

    def publish(self, event: SessionEvent) -> str:
        """Send ``event`` to every viewer; its id."""
        with self._lock:
            event_id = str(self._next_id)
            self._next_id += 1
            message = sse_message(event, event_id)
            self._recent.append((int(event_id), message))
            self._recent_size += len(message)
            while self._recent_size > self.backlog and len(self._recent) > 1:
                self._recent_size -= len(self._recent.popleft()[1])
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.push(message)
        return event_id

    def _since(self, after: str | None) -> list[str] | None:
        if after is None:
            return None
        try:
            last = int(after)
        except ValueError:
            return None
        if not self._recent or last < self._recent[0][0] - 1 or last >= self._next_id:
            return None  # too old (or not ours): start over with a hello
        return [message for event_id, message in self._recent if event_id > last]
