"""Schema fuzzing: schemathesis generates requests from /openapi.json, valid ones and invalid ones,
and sends them to a real server; every answer must be as documented: no 500, a documented status,
a documented content type, a body that matches its schema. Session operations get a real session
(and its owner token, except on DELETE, so the session lives through the run); /events is read up
to its first event.

Bounded and repeatable: ``EXAMPLES`` requests per operation, derandomized (about a minute in all).
"""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks

from app.main import app

EXAMPLES = 30
EVENT_EXAMPLES = 8
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
OWNER_OPERATIONS = {"stepSession", "playSession", "pauseSession", "resetSession"}
SPEC = app.openapi()
OPERATIONS = sorted(
    (operation["operationId"], path, method.upper())
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
)


@pytest.fixture(scope="module")
def real_session(live_server):
    created = httpx.post(live_server + "/api/sessions", json={}, timeout=60).json()
    yield created["id"], created["owner_token"]
    httpx.delete(
        f"{live_server}/api/sessions/{created['id']}", headers={"X-Owner-Token": created["owner_token"]}
    )


@pytest.fixture(scope="module")
def api_schema(live_server):
    return schemathesis.openapi.from_url(live_server + "/openapi.json")


def cases(api_schema, path: str, method: str, session) -> st.SearchStrategy:
    """Valid and invalid requests for one operation, aimed at the real session where it takes one."""
    operation = api_schema[path][method]
    operation_id = operation.definition.raw["operationId"]
    session_id, token = session
    aim = {"path_parameters": {"session_id": session_id}} if "{session_id}" in path else {}
    if operation_id in OWNER_OPERATIONS:
        aim["headers"] = {"X-Owner-Token": token}
    return st.one_of(*(operation.as_strategy(mode, **aim) for mode in GenerationMode))


@pytest.mark.parametrize(
    "operation_id, path, method", [o for o in OPERATIONS if not o[1].endswith("/events")], ids=lambda v: v
)
def test_no_input_gets_a_500_or_an_undocumented_answer(
    operation_id, path, method, api_schema, real_session, live_server
):
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(case=cases(api_schema, path, method, real_session))
    def fuzz(case):
        case.call_and_validate(base_url=live_server, checks=CHECKS, timeout=60, allow_redirects=False)

    fuzz()


def test_the_event_stream_answers_as_documented(api_schema, real_session, live_server):
    (path,) = [p for _, p, _ in OPERATIONS if p.endswith("/events")]
    documented = SPEC["paths"][path]["get"]["responses"]

    @settings(
        max_examples=EVENT_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(case=cases(api_schema, path, "GET", real_session))
    def fuzz(case):
        request = case.as_transport_kwargs(base_url=live_server)
        request = {k: v for k, v in request.items() if k in ("method", "url", "headers", "params")}
        with httpx.stream(**request, timeout=30) as response:
            assert str(response.status_code) in documented, response.status_code
            if response.status_code != 200:
                assert set(json.loads(response.read())["detail"]) >= {"message", "line", "column"}
                return
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if line.startswith("data:"):
                    event = json.loads(line[5:])
                    assert event["kind"] in ("hello", "step", "reset", "state", "end") and "state" in event
                    return
            raise AssertionError("the stream ended before its first event")

    fuzz()


def test_the_checks_catch_a_500_and_an_undocumented_status(api_schema, live_server):
    """Control: the checks above do fail on what a broken server would send."""
    case = api_schema["/api/graph"]["POST"].Case(body={"source": "a = Value(1.0)"})
    answer = case.call(base_url=live_server)
    assert answer.status_code == 200
    case.validate_response(answer, checks=CHECKS)  # the real answer passes
    for status in (500, 418):
        broken = schemathesis.Response(
            status_code=status,
            headers={"content-type": ["application/json"]},
            content=json.dumps({"detail": "x"}).encode(),
            request=answer.request,
            elapsed=0.0,
            verify=False,
        )
        with pytest.raises(checks.FailureGroup):
            case.validate_response(broken, checks=CHECKS)
