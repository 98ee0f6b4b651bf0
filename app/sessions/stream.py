"""One viewer's event stream: what was missed (or a hello), then every event, heartbeats, a time limit."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from app.schemas.sessions import SessionEvent, SessionState
from app.sessions.errors import SessionGone
from app.sessions.sse import HEARTBEAT, Viewer, is_end, sse_message
from engine.settings import Settings

RETRY = "retry: 3000\n"  # EventSource waits this long (ms) before reconnecting


async def event_stream(
    viewer: Viewer,
    missed: list[str] | None,
    hello: Callable[[], Awaitable[SessionEvent]],
    state: Callable[[], SessionState],
    limits: Settings,
) -> AsyncIterator[str]:
    """The SSE text of one subscribed ``viewer``.

    ``missed``: the events since the viewer's Last-Event-ID, or None to start with a ``hello``
    (subscribed first, so no step falls between the hello and the stream; a repeat is harmless:
    events carry their step numbers).
    """
    try:
        if missed is None:
            yield RETRY + sse_message(await hello())
        else:
            yield RETRY + "".join(missed) if missed else RETRY + "\n"
            if any(is_end(m) for m in missed):
                return
        deadline = time.monotonic() + limits.max_stream_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                message = (
                    f"this stream reached its time limit of {limits.max_stream_seconds:g} s "
                    "(max_stream_seconds); reconnect to keep watching"
                )
                yield sse_message(SessionEvent(kind="end", state=state(), message=message, reconnect=True))
                return
            messages = await viewer.next_messages(min(limits.sse_heartbeat_seconds, remaining))
            if not messages:
                yield HEARTBEAT
                continue
            for message in messages:
                yield message
                if is_end(message):
                    return
    except SessionGone as exc:
        yield sse_message(
            SessionEvent(kind="end", state=state(), message=exc.message, next_session=exc.next_session)
        )


class EventStreamResponse(StreamingResponse):
    """A ``text/event-stream`` that calls ``on_close`` however it ends, even if it never started.

    The viewer's slot is taken before the response is returned (so a refusal is a real 503, not a
    200 followed by an ``end``); this gives it back when the client goes, whatever happens.
    """

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[str], on_close: Callable[[], None], status_code: int = 200):
        super().__init__(
            content, status_code, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        self.on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            aclose = getattr(self.body_iterator, "aclose", None)
            if aclose is not None:
                await aclose()
            self.on_close()
