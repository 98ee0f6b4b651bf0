"""The process's store, and the server's lifespan: sessions end on the first shutdown signal."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Callable

from app.sessions.memory import MemoryStore
from app.sessions.store import SessionStore

store: SessionStore = MemoryStore()

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
    await store.start()
    restore = end_sessions_on_shutdown_signals(store)
    try:
        yield
    finally:
        restore()
        await store.stop()
