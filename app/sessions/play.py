"""Playing: a few threads per process step every playing session, the one most overdue first.

A session playing at r steps/s wants a chunk of about a tick's worth of steps every tick
(``PLAY_TICK_SECONDS``): fewer, larger chunks, because each costs an event. Training is GIL-bound,
so a couple of threads do it all (``play_threads``); thirty play threads fighting over the GIL had
left each session at 13 of its 20 steps/s. When the machine cannot keep up, every playing session
slows down alike. No lock is shared between sessions: a chunk holds only its own session's lock, its
work is bounded (a tick's worth of steps, at least one; an eager step is budgeted by
``max_eager_work``), and while one session's chunk is slow the other threads play the others.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import threading
import time
from typing import TYPE_CHECKING

from app.sessions.errors import SessionGone
from engine.settings import settings

if TYPE_CHECKING:
    from app.sessions.session import Session

log = logging.getLogger(__name__)

PLAY_TICK_SECONDS = 0.1


class PlayRun:
    """One play of a session, from ``play`` to its pause: the pacing of its chunks."""

    def __init__(self, session: Session):
        self.session = session
        self.started = self.last = time.monotonic()
        self.due = 0.0  # steps owed

    def tick(self) -> float | None:
        """Take a chunk if one is due; the seconds until the next tick, or None when the run is over."""
        session = self.session
        limits = session.settings
        now = time.monotonic()
        if now - self.started > limits.max_play_seconds:
            session.auto_pause(self, f"paused after {limits.max_play_seconds:g} s of play")
            return None
        rate = session.steps_per_second
        per_step = session.seconds_per_step or 1.0
        # One chunk is at most a tick's worth of steps, and at most as many as take a tick.
        chunk = math.floor(max(1.0, min(rate * PLAY_TICK_SECONDS, PLAY_TICK_SECONDS / per_step)))
        # A late run catches up by at most one more chunk rather than run a backlog.
        self.due = min(self.due + (now - self.last) * rate, 2 * chunk)
        self.last = now
        if self.due < chunk:
            return (chunk - self.due) / rate
        n = int(self.due)
        self.due -= n
        try:
            if not session.play_chunk(self, n):
                return None
        except SessionGone:
            return None
        except Exception as exc:  # a bug or a numeric blow-up must not kill the player quietly
            if session.ended is not None:  # it moved to another worker (or ended) mid-chunk: no failure
                return None
            log.exception("play of session %s failed", session.id)
            session.auto_pause(self, f"training stopped: {exc}")
            return None
        return 0.0


class Player:
    """The threads that play: a heap of runs by the time their next tick is due (a run being
    stepped is out of the heap, so no two threads step one session)."""

    def __init__(self, threads: int) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, PlayRun]] = []
        self._active: set[PlayRun] = set()
        self._order = itertools.count()
        self._size = threads
        self._threads: list[threading.Thread] = []

    def __len__(self) -> int:
        return len(self._active)

    def add(self, run: PlayRun) -> None:
        with self._cond:
            self._active.add(run)
            heapq.heappush(self._heap, (time.monotonic(), next(self._order), run))
            if not self._threads:
                for i in range(self._size):
                    thread = threading.Thread(target=self._loop, name=f"player-{i}", daemon=True)
                    thread.start()
                    self._threads.append(thread)
            self._cond.notify()

    def remove(self, run: PlayRun) -> None:
        with self._cond:
            self._active.discard(run)  # its heap entry is skipped when it comes up

    def _next(self) -> PlayRun:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2] not in self._active:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                due, _, run = self._heap[0]
                wait = due - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                return run

    def _loop(self) -> None:
        while True:
            run = self._next()
            wait = run.tick()
            with self._cond:
                if wait is None:
                    self._active.discard(run)
                elif run in self._active:
                    # A tiny pause after a chunk lets a waiting request take the session lock.
                    heapq.heappush(self._heap, (time.monotonic() + max(wait, 0.002), next(self._order), run))


player = Player(settings.play_threads)
