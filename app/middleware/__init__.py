"""What every request passes through before a route sees it (outermost first):

1. ``SecurityHeadersMiddleware``: CSP, nosniff and frame policy on every answer (refusals included);
2. ``HostAndOriginMiddleware``: the Host allow-list (421) and the cross-origin write refusal (403);
3. ``RequestLimitsMiddleware``: the URL (414) and request-body (413) limits.

All pure ASGI (no BaseHTTPMiddleware), so event streams pass through unbuffered.
"""

from __future__ import annotations

from fastapi import FastAPI

from app.middleware.headers import SecurityHeadersMiddleware
from app.middleware.limits import RequestLimitsMiddleware
from app.middleware.origin import HostAndOriginMiddleware


def install(app: FastAPI) -> None:
    # add_middleware puts each new one outside the ones before it.
    app.add_middleware(RequestLimitsMiddleware)
    app.add_middleware(HostAndOriginMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
