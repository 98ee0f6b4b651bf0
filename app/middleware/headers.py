"""Security headers on every answer, and the one Content-Security-Policy of the site.

The policy allows only what the pages need, all from this server:
- scripts: files under /static only (no inline ``<script>``, no ``onclick=``, no ``eval``/``new Function``);
  ``'wasm-unsafe-eval'`` lets Pyodide compile its WebAssembly, nothing else;
- styles: stylesheets under /static only (no ``<style>`` blocks, no ``style="..."`` attributes in markup
  or in HTML strings); setting ``element.style.x`` from a script is CSSOM and stays allowed;
- workers: same-origin scripts (Pyodide's module worker);
- images: this server, ``data:`` (the favicon) and ``blob:`` (exported drawings);
- connections (fetch, EventSource): this server only; no frames of this site inside other sites.

/redoc alone gets ``style-src 'unsafe-inline'`` and ``blob:`` workers: ReDoc's bundle injects its CSS as
``<style>`` elements at run time and builds its search worker from a blob (it has no other mode).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self' 'wasm-unsafe-eval'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Paths whose page needs more than POLICY, and what more (merged into POLICY's directives).
RELAXED: dict[str, dict[str, str]] = {
    "/redoc": {"style-src": "'self' 'unsafe-inline'", "worker-src": "'self' blob:"},
}


def content_security_policy(extra: dict[str, str] | None = None) -> str:
    return "; ".join(f"{name} {value}" for name, value in {**POLICY, **(extra or {})}.items())


CSP = content_security_policy()
_RELAXED_CSP = {path: content_security_policy(extra) for path, extra in RELAXED.items()}

# An SVG drawing (/api/graph.svg, a session's network.svg) opened on its own is a document: no script,
# no fetch, only its own inline styles (Graphviz writes some). A route answering SVG sends these.
SVG_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # a watch link's session id never leaves for another site
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP answer; an answer that sets its own CSP keeps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = _RELAXED_CSP.get(scope["path"], CSP)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in STATIC_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
