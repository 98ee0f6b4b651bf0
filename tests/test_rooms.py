"""One link per lecture: rooms, their short codes and links, the replacement chain, bound addresses."""

from __future__ import annotations

import itertools
import re

from fastapi.testclient import TestClient

from app import addresses
from app.main import app
from app.sessions.tokens import ROOM_ALPHABET, ROOM_CODE_LENGTH

client = TestClient(app)
SMALL = {"hidden": [4], "n_points": 24, "seed": 3}


def create(room: str | None = None, token: str | None = None, **config) -> dict:
    headers = {"X-Owner-Token": token} if token else {}
    params = {"room": room} if room else {}
    response = client.post("/api/sessions", json={**SMALL, **config}, params=params, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_new_run_opens_a_room_with_a_short_unambiguous_code():
    body = create()
    code = body["room"]
    assert re.fullmatch(f"[{ROOM_ALPHABET}]{{{ROOM_CODE_LENGTH}}}", code)
    assert not set(code) & set("0O1IL25SZB8")
    assert body["room_url"] == f"/r/{code}" and body["state"]["room"] == code
    room = client.get(f"/api/rooms/{code}").json()
    assert room["session"] == body["id"] and room["url"] == f"/r/{code}"
    # Typed on a phone: lower case and a dash still find it.
    assert client.get(f"/api/rooms/{code[:3].lower()}-{code[3:]}").json()["session"] == body["id"]


def test_the_room_link_follows_every_change_of_settings():
    first = create()
    code, token = first["room"], first["owner_token"]
    runs = [first]
    for rate in (0.5, 0.1, 0.03):  # the teacher changes the learning rate three times
        runs.append(create(room=code, token=token, learning_rate=rate))
    current = runs[-1]
    assert {r["room"] for r in runs} == {code} and {r["owner_token"] for r in runs} == {token}
    link = client.get(f"/r/{code}", follow_redirects=False)
    assert link.status_code == 307
    assert link.headers["location"] == f"/train?watch={current['id']}&room={code}"
    assert client.get(f"/api/rooms/{code}").json()["session"] == current["id"]
    # Each replaced run answers 410 naming the run that replaced it: a page can follow the chain.
    for old, new in itertools.pairwise(runs):
        gone = client.get(f"/api/sessions/{old['id']}")
        assert gone.status_code == 410
        detail = gone.json()["detail"]
        assert detail["next_session"] == new["id"] and detail["room"] == code
        assert new["id"] in detail["message"]
    assert client.get(f"/api/sessions/{current['id']}").status_code == 200


def test_only_the_owner_continues_a_room():
    first = create()
    other = create()
    response = client.post("/api/sessions", json=SMALL, params={"room": first["room"]})
    assert response.status_code == 403 and "owner token" in response.json()["detail"]["message"]
    response = client.post(
        "/api/sessions",
        json=SMALL,
        params={"room": first["room"]},
        headers={"X-Owner-Token": other["owner_token"]},
    )
    assert response.status_code == 403
    assert client.get(f"/api/sessions/{first['id']}").status_code == 200  # nothing replaced
    unknown = client.post("/api/sessions", json=SMALL, params={"room": "XXXXXX"})
    assert unknown.status_code == 422 and "room" in unknown.json()["detail"]["message"]


def test_a_room_whose_run_was_deleted_is_gone_and_unknown_codes_are_404():
    body = create()
    client.delete(f"/api/sessions/{body['id']}", headers={"X-Owner-Token": body["owner_token"]})
    gone = client.get(f"/api/rooms/{body['room']}")
    assert gone.status_code == 410 and "deleted" in gone.json()["detail"]["message"]
    assert client.get("/api/rooms/QQQQQQ").status_code == 404
    assert client.get("/r/QQQQQQ", follow_redirects=False).status_code == 404


def test_owner_token_is_one_security_scheme_in_openapi():
    spec = app.openapi()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Owner-Token",
        "description": "The owner token from POST /api/sessions.",
    }
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
    paths = spec["paths"]
    for path, method in [
        ("/api/sessions/{session_id}/step", "post"),
        ("/api/sessions/{session_id}/play", "post"),
        ("/api/sessions/{session_id}/pause", "post"),
        ("/api/sessions/{session_id}/reset", "post"),
        ("/api/sessions/{session_id}", "delete"),
    ]:
        operation = paths[path][method]
        assert {"APIKeyHeader": []} in operation["security"] and {"HTTPBearer": []} in operation["security"]
        headers = [p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "x-owner-token" not in headers and "authorization" not in headers
    assert "security" not in paths["/api/sessions/{session_id}/network"]["get"]


# ------------------------------------------------------------------ where students can reach the server
# (a real server bound to 0.0.0.0: tests/test_redis.py, on its two workers without Redis)


def test_a_server_on_loopback_only_says_so_and_how_to_share(monkeypatch):
    monkeypatch.setattr(addresses, "listening", lambda: [("127.0.0.1", 8000), ("::1", 8000)])
    answer = client.get("/api/server/addresses").json()
    assert answer["loopback_only"] is True and answer["lan_urls"] == []
    assert "HOST=0.0.0.0" in answer["hint"] and "127.0.0.1" in answer["hint"]
    # Bound to one LAN address: that one, and no warning.
    monkeypatch.setattr(addresses, "listening", lambda: [("192.168.1.20", 8000)])
    answer = client.get("/api/server/addresses").json()
    assert answer["lan_urls"] == ["http://192.168.1.20:8000"] and answer["loopback_only"] is False
    # Bound to every IPv6 interface too: IPv6 addresses in brackets.
    monkeypatch.setattr(addresses, "listening", lambda: [("::", 8000)])
    monkeypatch.setattr(addresses, "lan_addresses", lambda: ["10.0.0.7", "fd00::7"])
    answer = client.get("/api/server/addresses").json()
    assert answer["lan_urls"] == ["http://10.0.0.7:8000", "http://[fd00::7]:8000"]
