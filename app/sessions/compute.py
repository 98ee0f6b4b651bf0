"""Where session work runs: a small pool of threads of its own, reached in turn, without waiting in one.

Training and reading the weights block (pure Python), so they run in threads; but a request that
only *waits* for its session must not hold a thread, or 60 queued requests on one session would
starve the whole server (issue 14). So every session has a ``Turnstile``: a FIFO queue of
coroutines, one of which at a time runs its job in the ``compute`` pool. A session can use at most
one pool thread, so a busy session cannot take the pool from the others, and its queue is capped
(``max_waiting_requests_per_session``, then 503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from app.sessions.errors import ServerBusy
from engine.settings import settings

T = TypeVar("T")

pool = ThreadPoolExecutor(max_workers=settings.session_compute_threads, thread_name_prefix="session")


class Turnstile:
    """A FIFO lock for coroutines of any event loop (TestClient runs one per request)."""

    def __init__(self, max_waiting: int):
        self.max_waiting = max_waiting
        self._lock = threading.Lock()
        self._held = False
        self._waiting: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self._held:
                self._held = True
                return
            if len(self._waiting) >= self.max_waiting:
                raise ServerBusy(
                    f"{self.max_waiting} requests are already waiting for this session "
                    "(max_waiting_requests_per_session); try again in a moment",
                    retry_after=2,
                )
            turn = loop.create_future()
            self._waiting.append((loop, turn))
        try:
            await turn
        except asyncio.CancelledError:
            with self._lock:
                if (loop, turn) in self._waiting:
                    self._waiting.remove((loop, turn))
                    raise
            if turn.done() and not turn.cancelled():
                self._release()  # the turn reached us as we were cancelled: pass it on
            raise  # (a cancelled turn is passed on by _hand_over)

    async def __aexit__(self, *exc) -> None:
        self._release()

    def _release(self) -> None:
        with self._lock:
            while self._waiting:
                loop, turn = self._waiting.popleft()
                try:
                    loop.call_soon_threadsafe(self._hand_over, turn)
                    return
                except RuntimeError:  # that request's event loop is gone
                    continue
            self._held = False

    def _hand_over(self, turn: asyncio.Future) -> None:
        """In the waiter's loop: its turn now, unless it was cancelled meanwhile (then the next one's)."""
        if turn.cancelled():
            self._release()
        elif not turn.done():
            turn.set_result(None)


async def run(turnstile: Turnstile, fn: Callable[..., T], *args) -> T:
    """``fn(*args)`` in the compute pool, when it is this session's turn."""
    async with turnstile:
        return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
