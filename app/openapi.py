"""The OpenAPI document, made once from the routes and then corrected in one place.

- Operation ids are the route functions' names in camelCase (``create_session`` -> ``createSession``):
  ``operation_id`` is given to FastAPI as its ``generate_unique_id_function``.
- Errors as the server really sends them: FastAPI's default 422 body (``HTTPValidationError``) is
  replaced by the API's one error shape, and the answers the middleware can give any route are added
  where they apply (421 wrong Host, 403 cross-origin write, 413 body too large, 414 URL too long).
- An optional request body is documented as its model (clients leave it out), not ``model | null``.
- Non-JSON answers (SVG, DOT, Python, event streams) get a string schema, so client generators keep them;
  an event stream also names the model of each event's data (``x-event-data``: ``SessionEvent``).
- Models that no route returns as JSON but that clients need (``SessionEvent``: the data of each
  server-sent event) are added to the components.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.schemas.graph import ErrorResponse
from app.schemas.sessions import SessionEvent
from engine.settings import settings

REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": REF.format(model="ErrorResponse")}
EXTRA_MODELS: tuple[type[BaseModel], ...] = (ErrorResponse, SessionEvent)

EVENT_STREAM = {
    "type": "string",
    "description": "Server-sent events (`event:` the kind, `data:` one JSON SessionEvent, `id:`); "
    "comment lines are heartbeats.",
}
UNSAFE_METHODS = ("post", "put", "patch", "delete")
MIDDLEWARE_ERRORS = {
    "421": "The Host header names this server by a name it does not answer to (see allowed_hosts).",
    "403": "A page of another site sent this request (Origin / Sec-Fetch-Site): refused.",
    "413": "The request body is over max_request_body_bytes "
    f"({settings.max_request_body_bytes:,} bytes; /api/graph/draw: max_draw_body_bytes).",
    "414": f"The URL is over max_url_bytes ({settings.max_url_bytes:,} bytes).",
    "422": "The request does not match the schema (the message names the field).",
}


def operation_id(route: APIRoute) -> str:
    head, *rest = route.name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def _add_error(responses: dict[str, Any], status: str, description: str) -> None:
    """Adds ``status`` in the error shape; a route's own description of it comes first."""
    existing = responses.get(status)
    if existing is None:
        responses[status] = _error(description)
    elif description not in existing.get("description", ""):
        existing["description"] = f"{existing.get('description', '').rstrip()} {description}".strip()


def _optional_body_without_null(operation: dict[str, Any]) -> None:
    """An optional body is ``X | None`` in FastAPI's schema; clients send no body, not ``null``
    (openapi-python-client, given the ``null``, sends its "unset" marker as JSON and fails)."""
    body = operation.get("requestBody")
    if not body or body.get("required"):
        return
    for media in body.get("content", {}).values():
        variants = media.get("schema", {}).get("anyOf", [])
        if len(variants) == 2 and {"type": "null"} in variants:
            media["schema"] = next(v for v in variants if v != {"type": "null"})


def _fix_operation(method: str, operation: dict[str, Any]) -> None:
    _optional_body_without_null(operation)
    responses = operation.setdefault("responses", {})
    default_422 = responses.get("422", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if default_422.get("$ref", "").endswith("/HTTPValidationError"):
        responses["422"] = _error(MIDDLEWARE_ERRORS["422"])
    if "requestBody" in operation:
        _add_error(responses, "422", MIDDLEWARE_ERRORS["422"])
        _add_error(responses, "413", MIDDLEWARE_ERRORS["413"])
    if any(p.get("in") in ("query", "path") for p in operation.get("parameters", [])):
        _add_error(responses, "414", MIDDLEWARE_ERRORS["414"])  # where the URL carries the client's data
    if method in UNSAFE_METHODS:
        _add_error(responses, "403", MIDDLEWARE_ERRORS["403"])
    _add_error(responses, "421", MIDDLEWARE_ERRORS["421"])
    for status, response in responses.items():
        if int(status) >= 400:  # errors are always JSON, whatever the route's own answer is
            schemas = [m.get("schema") for m in response.get("content", {}).values() if m.get("schema")]
            response["content"] = {"application/json": {"schema": schemas[0] if schemas else ERROR_REF}}
            continue
        for media_type, media in response.get("content", {}).items():
            if media_type == "text/event-stream":
                media.setdefault("schema", {}).update(EVENT_STREAM)
                media["x-event-data"] = {"$ref": REF.format(model=SessionEvent.__name__)}
            elif not media.get("schema") and media_type != "application/json":
                media["schema"] = {"type": "string"}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        license_info=app.license_info,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in EXTRA_MODELS:
        model_schema = model.model_json_schema(ref_template=REF)
        for name, definition in model_schema.pop("$defs", {}).items():
            components.setdefault(name, definition)  # FastAPI's own (input/output) variants win
        components.setdefault(model.__name__, model_schema)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            _fix_operation(method, operation)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
