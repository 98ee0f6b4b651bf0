"""Size limits through a real server (``backprop-lab serve``): its HTTP parser must let every program
within max_source_chars reach the app by GET, and the app answers what is over a limit in JSON."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote, urlsplit

from engine.settings import settings

PROGRAM = "a = Value(2.0)\nb = a*a + a\n"


def raw_get(base: str, target: str) -> tuple[int, str, bytes]:
    """A GET with no client-side URL limit (httpx refuses URLs over 64 KB before sending them)."""
    where = urlsplit(base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read()
    finally:
        connection.close()


def test_the_longest_program_works_by_get_even_fully_percent_encoded(live_server):
    comment = "# " + "😀" * (settings.max_source_chars - len(PROGRAM) - 3)  # 4 UTF-8 bytes, 12 URL bytes
    source = PROGRAM + comment
    assert len(source) <= settings.max_source_chars
    target = "/api/graph.svg?source=" + quote(source, safe="")
    assert len(target) > 200_000  # far past httptools' 64 KB
    status, content_type, body = raw_get(live_server, target)
    assert status == 200, body[:300]
    assert content_type.startswith("image/svg+xml") and b"<svg" in body


def test_a_url_over_the_limit_is_a_json_414_naming_it(live_server):
    target = "/api/graph.svg?source=" + "x" * (settings.max_url_bytes + 10)
    status, content_type, body = raw_get(live_server, target)
    assert status == 414 and content_type == "application/json"
    assert "max_url_bytes" in json.loads(body)["detail"]["message"]


def test_a_program_over_max_source_chars_by_get_is_a_json_422(live_server):
    status, _, body = raw_get(live_server, "/api/graph.svg?source=" + "x" * (settings.max_source_chars + 1))
    assert status == 422 and "source" in json.loads(body)["detail"]["message"]


def test_a_chunked_body_over_the_limit_is_refused_in_json(live_server):
    where = urlsplit(live_server)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=60)
    chunk = b"x" * 65_536
    chunks = (chunk for _ in range(2 * settings.max_request_body_bytes // len(chunk)))
    try:
        connection.request(
            "POST",
            "/api/graph",
            body=chunks,
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 413
        assert "max_request_body_bytes" in json.loads(response.read())["detail"]["message"]
    finally:
        connection.close()
