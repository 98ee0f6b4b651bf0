"""Request size limits, enforced before anything is read into memory.

- ``max_request_body_bytes``: a body whose Content-Length is over the limit is refused before a byte
  of it is read; a chunked body is counted as it arrives and refused when it passes the limit.
  ``POST /api/graph/draw`` takes a whole graph (up to max_nodes nodes, ~9 MB of JSON), so its limit is
  ``max_draw_body_bytes``.
- ``max_url_bytes``: a path plus query string over the limit is refused with 414. The default fits
  any program within ``max_source_chars`` sent to ``GET /api/graph.svg``, even fully percent-encoded
  (up to 12 bytes per character); ``backprop-lab serve`` sets the HTTP parser's own limit above it,
  so the parser never answers first.

Both answer in the API's error shape, naming the limit. (Starlette's RequestBodyLimitMiddleware
answers plain text when the endpoint does not read the body, so it is not used.)
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_detail, error_response
from engine.settings import Settings, settings

# Paths whose bodies may be larger, and the setting that says how large.
LARGER_BODIES = {"/api/graph/draw": "max_draw_body_bytes"}


def body_too_large_message(limit: int, setting: str) -> str:
    return f"the request body is larger than {limit:,} bytes ({setting})"


class BodyTooLarge(HTTPException):
    """Raised from ``receive``: FastAPI passes HTTPExceptions raised while reading the body through."""

    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(413, error_detail(body_too_large_message(limit, setting)))


class RequestLimitsMiddleware:
    def __init__(self, app: ASGIApp, limits: Settings = settings) -> None:
        self.app = app
        self.limits = limits
        self.max_url = limits.max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
        if url_bytes > self.max_url:
            message = f"the URL is longer than {self.max_url:,} bytes (max_url_bytes)"
            await error_response(414, f"{message}: send the program with POST")(scope, receive, send)
            return
        try:
            declared = int(Headers(scope=scope).get("content-length", "0"))
        except ValueError:
            declared = 0
        setting = LARGER_BODIES.get(scope["path"], "max_request_body_bytes")
        max_body = getattr(self.limits, setting)
        if declared > max_body:
            await error_response(413, body_too_large_message(max_body, setting))(scope, receive, send)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise BodyTooLarge(max_body, setting)
            return message

        await self.app(scope, counting_receive, send)
