"""What every request passes through: security headers, the Host allow-list, the cross-origin
refusal, the URL and body limits, and the one error shape for every refusal (app/middleware)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.errors import error_detail
from app.main import app
from app.middleware.headers import CSP, SVG_HEADERS
from app.middleware.limits import RequestLimitsMiddleware
from app.middleware.origin import HostAndOriginMiddleware, split_host
from engine.settings import Settings, settings

client = TestClient(app)


class ProgramBody(BaseModel):
    source: str


PROGRAM = {"source": "a = Value(2.0)\nb = a*a + a"}


def assert_error(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert set(detail) == {"message", "line", "column"}, detail
    for word in words:
        assert word in detail["message"], detail


# ------------------------------------------------------------------ security headers


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/", None),
        ("GET", "/train", None),
        ("GET", "/docs", None),
        ("GET", "/healthz", None),
        ("GET", "/static/css/base.css", None),
        ("GET", "/openapi.json", None),
        ("POST", "/api/graph", PROGRAM),
        ("POST", "/api/graph", {"source": "a = "}),  # 400
        ("GET", "/no/such/page", None),  # 404
        ("GET", "/", "evil"),  # 421 from the Host check: refusals carry the headers too
    ],
)
def test_every_answer_carries_the_security_headers(method, path, body):
    headers = {"host": "evil.example"} if body == "evil" else {}
    response = client.request(method, path, json=None if body == "evil" else body, headers=headers)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["referrer-policy"] == "same-origin"


def test_the_policy_allows_no_inline_script_no_eval_and_no_framing():
    directives = dict(part.split(" ", 1) for part in CSP.split("; "))
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval'"  # Pyodide compiles WebAssembly
    assert directives["style-src"] == "'self'"
    assert directives["worker-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in CSP and "'unsafe-eval'" not in CSP


def test_redoc_alone_gets_inline_styles_and_blob_workers():
    policy = client.get("/redoc").headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "worker-src 'self' blob:" in policy
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy  # scripts stay as strict as everywhere


def test_an_svg_answer_keeps_its_own_stricter_policy():
    with TestClient(app) as with_sessions:  # the lifespan starts the session store
        created = with_sessions.post("/api/sessions", json={}).json()
        drawings = [
            with_sessions.get("/api/graph.svg", params={"source": PROGRAM["source"]}),
            with_sessions.get(f"/api/sessions/{created['id']}/graph", params={"sample": 0, "format": "svg"}),
        ]
    for response in drawings:
        assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
        assert response.headers["content-security-policy"] == SVG_HEADERS["Content-Security-Policy"]
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_scripts_handlers_or_style_attributes():
    import re

    for path in ("/", "/train", "/docs", "/redoc"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path  # every script is a file
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert not re.search(r"\sstyle\s*=", html), path
        assert "<style" not in html, path


def test_the_pages_and_their_own_files_load_nothing_from_another_host():
    """No CDN (a classroom may have no internet): templates and our JS, CSS and Python name no other
    host, except XML namespaces (identifiers, never fetched). static/vendor is checked where it runs:
    the CSP refuses other hosts, a refusal is a console error, and that fails any browser test."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    kinds = (".html", ".js", ".mjs", ".css", ".py")
    files = [p for folder in ("templates", "static") for p in (root / folder).rglob("*") if p.is_file()]
    ours = [p for p in files if "vendor" not in p.parts and p.suffix in kinds]
    assert len(ours) > 20
    for path in ours:
        text = path.read_text(encoding="utf-8")
        urls = re.findall(r"https?://[^\s\"'`)]+", text)
        urls += re.findall(r"""(?:src|href)\s*=\s*["']//[^"']+""", text)  # protocol-relative
        assert all(url.startswith("http://www.w3.org/") for url in urls), (path, urls)


# ------------------------------------------------------------------ Host allow-list


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8000",
        "LOCALHOST:8000",
        "lab.localhost:8000",
        "127.0.0.1:8000",
        "192.168.1.20:8000",
        "[::1]:8000",
        "[fe80::1]",
        "testserver",
    ],
)
def test_hosts_a_browser_uses_to_reach_the_server_are_served(host):
    assert client.get("/healthz", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "localhost.evil"])
def test_other_names_are_refused_against_dns_rebinding(host):
    response = client.get("/healthz", headers={"host": host})
    assert_error(response, 421, "allowed_hosts", split_host(host))


def _guarded(limits: Settings) -> TestClient:
    inner = FastAPI()
    inner.get("/")(lambda: {"ok": True})
    inner.post("/")(lambda: {"ok": True})
    inner.add_middleware(HostAndOriginMiddleware, limits=limits)
    return TestClient(inner)


def test_allowed_hosts_adds_names_and_star_allows_any():
    named = _guarded(Settings(allowed_hosts="Lab.School.Example, other.example:8000"))
    assert named.get("/", headers={"host": "lab.school.example:8000"}).status_code == 200
    assert named.get("/", headers={"host": "other.example"}).status_code == 200
    assert named.get("/", headers={"host": "third.example"}).status_code == 421
    assert _guarded(Settings(allowed_hosts="*")).get("/", headers={"host": "any.example"}).status_code == 200


# ------------------------------------------------------------------ cross-origin writes


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "null"},
        {"origin": "http://testserver:8001"},  # another port is another origin
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site", "origin": "http://testserver"},  # the browser's word wins
    ],
)
def test_a_write_from_another_origin_is_refused_before_anything_changes(headers):
    for method, path in [("POST", "/api/sessions"), ("POST", "/api/graph"), ("DELETE", "/api/sessions/x")]:
        response = client.request(method, path, json={} if method == "POST" else None, headers=headers)
        assert_error(response, 403, "cross-origin")


@pytest.mark.parametrize(
    "headers",
    [{}, {"origin": "http://testserver"}, {"sec-fetch-site": "same-origin"}, {"sec-fetch-site": "none"}],
)
def test_same_origin_pages_and_non_browser_clients_may_write(headers):
    assert client.post("/api/graph", json=PROGRAM, headers=headers).status_code == 200


def test_reads_from_another_origin_are_answered():
    """Links and <img> of /api/graph.svg on a course page are reads; CORS keeps their bodies private."""
    response = client.get(
        "/api/graph.svg", params={"source": "a = Value(1.0)"}, headers={"sec-fetch-site": "cross-site"}
    )
    assert response.status_code == 200


# ------------------------------------------------------------------ body and URL limits


def test_a_body_over_the_limit_is_refused_by_its_declared_length():
    body = b'{"source": "' + b"a" * settings.max_request_body_bytes + b'"}'
    response = client.post("/api/graph", content=body, headers={"content-type": "application/json"})
    assert_error(response, 413, "max_request_body_bytes", f"{settings.max_request_body_bytes:,}")


def test_a_chunked_body_is_counted_as_it_arrives_and_refused_midway():
    """Driven at the ASGI level: the test client would buffer the whole body before sending it."""
    import asyncio

    async def endpoint(body: ProgramBody) -> dict:
        return {"ok": True}

    inner = FastAPI()
    inner.post("/")(endpoint)
    guarded = RequestLimitsMiddleware(inner, limits=Settings(max_request_body_bytes=1_000))
    pulled, sent = [], []

    async def receive():
        pulled.append(1)
        return {"type": "http.request", "body": b"x" * 100, "more_body": len(pulled) < 100}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
        "root_path": "",
    }
    asyncio.run(guarded(scope, receive, send))
    assert sent[0]["status"] == 413
    assert b"max_request_body_bytes" in sent[1]["body"]
    assert len(pulled) == 11  # 1,100 bytes read of 10,000: refused as soon as it passed 1,000


def test_a_body_to_a_route_that_reads_none_is_still_refused_by_length():
    response = client.post("/api/sessions/x/pause", content=b"x" * (settings.max_request_body_bytes + 1))
    assert_error(response, 413, "max_request_body_bytes")


def test_a_body_within_the_limit_is_served():
    padded = {**PROGRAM, "source": PROGRAM["source"] + "\n#" + "x" * 15_000}
    assert client.post("/api/graph", json=padded).status_code == 200


def test_a_url_over_the_limit_is_a_414_naming_it():
    inner = FastAPI()
    inner.get("/")(lambda: {"ok": True})
    inner.add_middleware(RequestLimitsMiddleware, limits=Settings(max_url_bytes=100))
    small = TestClient(inner)
    assert small.get("/", params={"q": "x" * 80}).status_code == 200
    assert_error(small.get("/", params={"q": "x" * 120}), 414, "max_url_bytes", "POST")


def test_the_url_limit_fits_any_program_within_max_source_chars_fully_encoded():
    longest_query = len("/api/graph.svg?source=") + 12 * settings.max_source_chars  # %XX of 4 UTF-8 bytes
    longest_query += len("&output=") + 12 * 200 + len("&rankdir=LR")
    assert longest_query <= settings.max_url_bytes


# ------------------------------------------------------------------ bodies that cannot be parsed


@pytest.mark.parametrize(
    "body, reason",
    [
        (b'{"source": "a = Value(1.0)\xff"}', "UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"source": "a = Value(1.0)" ', "not valid JSON"),
        (b"\xfe\xff\x00{", "not valid JSON"),
    ],
)
def test_an_unparsable_body_is_a_422_in_the_error_shape(body, reason):
    for path in ("/api/graph", "/api/graph/run", "/api/graph/svg", "/api/sessions"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert_error(response, 422, "request body", reason)


def test_unknown_paths_and_wrong_methods_answer_in_the_error_shape():
    assert_error(client.get("/api/nothing"), 404, "Not Found")
    assert_error(client.put("/api/graph", json=PROGRAM), 405, "Method Not Allowed")


def test_an_unexpected_exception_is_a_500_in_the_error_shape(monkeypatch):
    import app.routes.graph as graph_routes

    def broken(request):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(graph_routes, "graph_json", broken)
    response = TestClient(app, raise_server_exceptions=False).post("/api/graph", json=PROGRAM)
    assert response.status_code == 500
    assert response.json() == {
        "detail": error_detail("internal error (ZeroDivisionError); it has been logged")
    }


def test_a_drawing_may_be_as_large_as_max_nodes_allows_but_no_larger():
    """POST /api/graph/draw has its own body limit, sized for a graph of max_nodes nodes."""
    assert settings.max_draw_body_bytes >= settings.max_nodes * 450  # bytes per node of graph JSON, measured
    padding = b" " * (settings.max_request_body_bytes + 1)  # over the general limit, under the drawing's
    response = client.post(
        "/api/graph/draw", content=b'{"nodes": []}' + padding, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422  # read and validated, not refused by size
    over = b" " * (settings.max_draw_body_bytes + 1)
    response = client.post("/api/graph/draw", content=over, headers={"content-type": "application/json"})
    assert_error(response, 413, "max_draw_body_bytes")
