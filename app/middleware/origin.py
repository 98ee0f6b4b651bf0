"""Who may talk to this server from a browser: the Host allow-list and the cross-origin refusal.

**Host** (against DNS rebinding: a page at ``evil.example`` whose name is re-pointed at the teacher's
laptop). A request is served when its Host names the server as a browser reaches it directly:
``localhost`` (or a ``*.localhost`` name), an IP address (a rebinding page's Host is its own name,
never an IP address), the address the connection arrived on, or a name listed in the
``allowed_hosts`` setting (``*`` allows any, for a server behind a proxy that checks names itself).
Otherwise: 421 Misdirected Request.

**Cross-origin writes** (against a page on another site posting to a server in the room): a
POST/PUT/PATCH/DELETE whose ``Sec-Fetch-Site`` says another site made it, or whose ``Origin`` is not
this server's, gets 403. A request with neither header (curl, scripts, generated clients) is not
from a browser page and passes. This is the algorithm of Go's ``http.CrossOriginProtection``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import error_response
from engine.settings import Settings, settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def split_host(value: str) -> str:
    """The host part of a Host header, lower case, without the port (``[::1]:8000`` -> ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_allowed(host: str, server_host: str | None, allowed: frozenset[str]) -> bool:
    return (
        "*" in allowed
        or host in allowed
        or host == "localhost"
        or host.endswith(".localhost")
        or _is_ip(host)
        or host == (server_host or "").lower()
    )


class HostAndOriginMiddleware:
    def __init__(self, app: ASGIApp, limits: Settings = settings) -> None:
        self.app = app
        self.allowed = frozenset(
            split_host(name) if name.strip() != "*" else "*" for name in limits.allowed_hosts.split(",")
        ) - {""}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host_header = headers.get("host", "")
        server = scope.get("server")
        if host_header and not host_allowed(split_host(host_header), server and server[0], self.allowed):
            response = error_response(
                421,
                f"this server does not answer to the name {split_host(host_header)!r}: open it by its "
                "IP address or localhost, or add the name to allowed_hosts (BACKPROP_LAB_ALLOWED_HOSTS)",
            )
            await response(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not same_origin(headers, host_header):
            response = error_response(
                403, "cross-origin request refused: a page of another site cannot change anything here"
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def same_origin(headers: Headers, host_header: str) -> bool:
    """False when a browser says another origin made this request (see the module docstring)."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc.lower() == host_header.strip().lower()
