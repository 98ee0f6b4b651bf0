"""The graph API over real HTTP: uvicorn serving app.main:app, driven with httpx."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import httpx

from app.schemas.graph import README_PROGRAM


def test_readme_program_json_and_svg_over_http(live_server):
    with httpx.Client(base_url=live_server, timeout=30) as http:
        response = http.post(
            "/api/graph", json={"source": README_PROGRAM, "output": "g", "check_gradients": True}
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        data = json.loads(
            response.text, parse_constant=lambda token: (_ for _ in ()).throw(ValueError(token))
        )
        named = {node["name"]: node for node in data["nodes"] if node["name"]}
        assert f"{named['g']['data']:.4f}" == "24.7041"
        assert f"{named['a']['grad']:.4f}" == "138.8338"
        assert f"{named['b']['grad']:.4f}" == "645.5773"
        assert all(check["ok"] for check in data["gradient_check"])

        svg = http.post("/api/graph/svg", json={"source": README_PROGRAM, "output": "g"})
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        ids = {g.get("id") for g in ET.fromstring(svg.text).iter("{http://www.w3.org/2000/svg}g")}
        assert {f"node-{node['id']}" for node in data["nodes"]} <= ids
        assert {f"edge-{edge['id']}" for edge in data["edges"]} <= ids

        link = http.get("/api/graph.svg", params={"source": "a = Value(2.0)\nb = a*a + a"})
        assert link.status_code == 200 and 'id="edge-e1"' in link.text


def test_errors_over_http_have_line_and_column(live_server):
    response = httpx.post(
        f"{live_server}/api/graph", json={"source": "a = Value(1.0)\nb = a +\n"}, timeout=30
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["line"] == 2 and isinstance(detail["column"], int)
    response = httpx.post(f"{live_server}/api/graph", content=b"not json", timeout=30)
    assert response.status_code == 422 and response.json()["detail"]["line"] is None
