"""The OpenAPI document says what the server really does (app/openapi.py)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.main import app
from app.openapi import operation_id

client = TestClient(app)
SPEC = client.get("/openapi.json").json()
OPERATIONS = [
    (path, method, operation) for path, item in SPEC["paths"].items() for method, operation in item.items()
]


def _endpoint_names() -> set[str]:
    """The route functions of app.main and of every module in app/routes."""
    import importlib
    import pkgutil

    import app.routes as route_modules

    modules = pkgutil.iter_modules(route_modules.__path__)
    routers = [app.router] + [importlib.import_module(f"app.routes.{m.name}").router for m in modules]
    return {r.endpoint.__name__ for router in routers for r in router.routes if isinstance(r, APIRoute)}


def test_operation_ids_are_the_route_functions_in_camel_case():
    ids = [operation["operationId"] for _, _, operation in OPERATIONS]
    assert len(ids) == len(set(ids))
    names = _endpoint_names()
    for operation_name in ids:
        assert re.fullmatch(r"[a-z]+([A-Z][a-z0-9]*)*", operation_name), operation_name
        assert re.sub(r"([A-Z])", lambda m: "_" + m[1].lower(), operation_name) in names, operation_name
    assert {"postGraph", "getGraphSvg", "createSession", "stepSession", "sessionEvents"} <= set(ids)


@pytest.mark.parametrize("name, expected", [("create_session", "createSession"), ("healthz", "healthz")])
def test_operation_id_rule(name, expected):
    route = APIRoute("/x", lambda: None, name=name)
    assert operation_id(route) == expected


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_error_answer_is_documented_in_the_api_error_shape():
    assert "HTTPValidationError" not in str(SPEC) and "ValidationError" not in SPEC["components"]["schemas"]
    for path, method, operation in OPERATIONS:
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                body = _resolve(response["content"]["application/json"]["schema"])
                detail = _resolve(body["properties"]["detail"])
                assert {"message", "line", "column"} <= set(detail["properties"]), (method, path, status)


def test_refusals_are_documented_where_they_can_happen():
    for path, method, operation in OPERATIONS:
        statuses = set(operation["responses"])
        assert "421" in statuses, (method, path)  # the Host check applies to every request
        writes = method in ("post", "put", "patch", "delete")
        assert ("403" in statuses) == (writes or "security" in operation), (method, path)  # no 403 on reads
        if "requestBody" in operation:
            assert {"413", "422"} <= statuses, (method, path)
        if any(p["in"] in ("query", "path") for p in operation.get("parameters", [])):
            assert "414" in statuses, (method, path)  # a long session id is refused as a long program is


def test_every_answer_has_a_content_schema_so_generated_clients_keep_it():
    for path, method, operation in OPERATIONS:
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                assert media.get("schema"), (method, path, status, media_type)
    svg = SPEC["paths"]["/api/graph.svg"]["get"]["responses"]["200"]["content"]
    assert svg == {"image/svg+xml": {"schema": {"type": "string"}}}
    python = SPEC["paths"]["/api/graph/python"]["post"]["responses"]["200"]["content"]
    assert python["text/x-python"]["schema"] == {"type": "string"}


def test_the_event_stream_names_the_model_of_its_events():
    stream = SPEC["paths"]["/api/sessions/{session_id}/events"]["get"]["responses"]["200"]["content"]
    assert stream["text/event-stream"]["x-event-data"] == {"$ref": "#/components/schemas/SessionEvent"}
    event = SPEC["components"]["schemas"]["SessionEvent"]
    assert {"kind", "state"} <= set(event["properties"])
    for ref in re.findall(r"'\$ref': '#/components/schemas/(\w+)'", str(SPEC)):
        assert ref in SPEC["components"]["schemas"], ref  # every reference resolves


def test_the_owner_token_is_a_security_scheme_on_the_owner_operations():
    schemes = SPEC["components"]["securitySchemes"]
    assert {"in": "header", "name": "X-Owner-Token"}.items() <= next(
        s for s in schemes.values() if s["type"] == "apiKey"
    ).items()
    step = SPEC["paths"]["/api/sessions/{session_id}/step"]["post"]
    assert {next(iter(r)) for r in step["security"]} == set(schemes)
    assert "security" not in SPEC["paths"]["/api/sessions/{session_id}"]["get"]  # anyone may read


def test_the_docs_pages_load_nothing_from_other_hosts():
    for path in ("/docs", "/redoc"):
        html = client.get(path).text
        urls = re.findall(r'(?:src|href|spec-url)="([^"]+)"', html)
        assert urls, path
        assert all(u.startswith(("/", "http://testserver/")) for u in urls), urls


def test_the_api_version_is_the_packages():
    import backprop_lab

    assert SPEC["info"]["version"] == backprop_lab.__version__  # one version, which hatch also reads
