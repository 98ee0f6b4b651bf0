"""The process's store, and the server's lifespan: sessions end on the first shutdown signal.

Without ``redis_url`` the sessions live in this process: the server must then be ONE process. A
server started with several workers and no Redis would split every class between processes (a
session created on one worker is 404 on the others), so each worker says so loudly in its log and
every session request answers 503 with the fix, instead of working by chance.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import AsyncIterator, Callable

import psutil

from app.sessions.errors import ServerBusy
from app.sessions.memory import MemoryStore
from app.sessions.store import SessionStore
from engine.settings import settings

log = logging.getLogger("uvicorn.error")

ONE_PROCESS_ONLY = (
    "this server runs {n} worker processes but keeps its training sessions in memory, so every "
    "process would have sessions of its own: run one worker (`make run`), or share the sessions "
    "through Redis with BACKPROP_LAB_REDIS_URL=redis://host:6379/0 (README: Several processes)"
)


def make_store() -> SessionStore:
    if settings.redis_url:
        from app.sessions.redis_store import RedisStore

        return RedisStore(settings.redis_url)
    return MemoryStore()


def worker_processes() -> int:
    """How many worker processes serve this app: 1, unless uvicorn (or gunicorn) runs several."""
    if multiprocessing.parent_process() is None:
        return 1  # the server's own process: uvicorn without --workers
    try:
        command = psutil.Process().parent().cmdline()
    except psutil.Error:
        return 1
    for i, arg in enumerate(command):
        if arg in ("--workers", "-w") and i + 1 < len(command) and command[i + 1].isdigit():
            return int(command[i + 1])
        if arg.startswith("--workers="):
            return int(arg.split("=", 1)[1])
    concurrency = os.environ.get("WEB_CONCURRENCY", "")
    return int(concurrency) if concurrency.isdigit() else 1


class OneProcessOnly(MemoryStore):
    """Several workers and no Redis: every session request is refused, saying why and what to do."""

    def __init__(self, workers: int):
        super().__init__()
        self.message = ONE_PROCESS_ONLY.format(n=workers)

    def _refuse(self, *args, **kwargs):
        raise ServerBusy(self.message, retry_after=3600)

    create = run = delete = events = room = _refuse  # type: ignore[assignment]


store: SessionStore = make_store()

SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def current_store() -> SessionStore:
    """The routes' dependency (tests swap the store with ``app.dependency_overrides``)."""
    return store


def end_sessions_on_shutdown_signals(sessions: SessionStore) -> Callable[[], None]:
    """Make SIGINT/SIGTERM end every session at once, then do what they did before.

    uvicorn waits for open responses to finish before it shuts the app down, and an event stream
    only finishes when its session ends: without this, Ctrl+C would wait for every viewer to
    leave. So the server's own handler is wrapped: ending the sessions sends each stream its
    ``end`` event (the streams close), stops playing and cuts long step requests short.
    Returns a function that puts the server's handlers back.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may set handlers (TestClient runs lifespans elsewhere)
    previous: dict[int, Callable] = {}

    def on_signal(signum: int, frame) -> None:
        sessions.stop_now()  # in a thread of its own: the handler may interrupt code holding a lock
        previous[signum](signum, frame)

    for sig in SHUTDOWN_SIGNALS:
        handler = signal.getsignal(sig)
        if callable(handler):  # a server's handler (or Python's KeyboardInterrupt): chain onto it
            previous[sig] = handler
            signal.signal(sig, on_signal)

    def restore() -> None:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is on_signal:
                signal.signal(sig, handler)

    return restore


@contextlib.asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[None]:
    """The app's lifespan: the store starts, and stops on the first shutdown signal at the latest."""
    global store
    workers = worker_processes()
    if workers > 1 and isinstance(store, MemoryStore):
        log.error("Backprop Lab: %s", ONE_PROCESS_ONLY.format(n=workers))
        store = OneProcessOnly(workers)
    await store.start()
    restore = end_sessions_on_shutdown_signals(store)
    try:
        yield
    finally:
        restore()
        await store.stop()
