"""Issue 14 for the graph endpoints: no 500 for any program, uncalled methods refused, a fair share."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

import app.routes.graph as graph_routes
from app.gate import Gate
from app.main import app
from engine.settings import Settings

client = TestClient(app)
POSTS = ["/api/graph", "/api/graph/run", "/api/graph/svg", "/api/graph/dot", "/api/graph/python"]
HUGE = "9" * 309  # >= 2**1024: no float can hold it


def post(path: str, source: str):
    body = json.dumps({"source": source})  # ASCII: a lone surrogate in a string travels escaped
    return client.post(path, content=body, headers={"content-type": "application/json"})


def error_of(response) -> dict:
    if response.request.url.path.endswith("/run"):
        assert response.status_code == 200, response.text
        return response.json()["error"]
    assert 400 <= response.status_code < 500, response.text
    return response.json()["detail"]


@pytest.mark.parametrize("path", POSTS)
def test_huge_integer_literals_are_a_located_400(path):
    detail = error_of(post(path, f"a = Value(1.0)\nb = a * {HUGE}"))
    assert "a 309-digit integer" in detail["message"] and (detail["line"], detail["column"]) == (2, 9)
    for get in ("/api/graph.svg", "/api/graph.dot"):
        response = client.get(get, params={"source": f"a = {HUGE}"})
        assert response.status_code == 400 and "too large" in response.json()["detail"]["message"]


@pytest.mark.parametrize(
    "source",
    [
        "a = Value(1.0)\nprint('\\ud800')",
        "a = Value(1.0)\na.label = '\\udfff'",
        "a = Value(1.0, label='\\ud83d\\ude00')",
        "a = Value(1.0)\nb = f'{a.data:\\ud800}'",
        "print('\\ud800')",
    ],
)
@pytest.mark.parametrize("path", POSTS)
def test_lone_surrogates_never_500(path, source):
    response = post(path, source)
    assert response.status_code < 500, response.text
    text = response.text
    assert "\\ud800" not in text and "\\udfff" not in text  # JSON escapes of lone surrogates


def test_what_surrogates_become():
    data = post(
        "/api/graph",
        "a = Value(1.0, label='\\ud83d\\ude00')\nb = Value(2.0)\nb.label = 'x\\udfff'\nc = a * b",
    ).json()
    assert {n["label"] for n in data["nodes"]} == {"😀", "x\ufffd", "c"}
    data = post("/api/graph", "print('\\ud800')").json()
    assert data["prints"] == [{"line": 1, "text": "\ufffd"}]


@pytest.mark.parametrize(
    ("source", "where", "message"),
    [
        ("a = Value(1.0)\nb = a.relu", (2, 7), "a.relu is a method but is not called: write a.relu()"),
        ("a = Value(1.0)\na.tanh", (2, 3), "a.tanh is a method but is not called: write a.tanh()"),
        ("b = tanh", (1, 5), "tanh is a function but is not called: write tanh()"),
    ],
)
def test_a_method_named_but_not_called_is_refused(source, where, message):
    detail = error_of(post("/api/graph", source))
    assert detail["message"] == message and (detail["line"], detail["column"]) == where


def run_gate(gate: Gate, jobs: int, seconds: float) -> list:
    async def main():
        return await asyncio.gather(
            *(gate.run(time.sleep, seconds) for _ in range(jobs)), return_exceptions=True
        )

    return asyncio.run(main())


def test_the_gate_queues_a_few_and_refuses_the_rest_with_retry_after():
    gate = Gate(Settings(max_concurrent_evaluations=2, evaluation_queue=2, evaluation_wait_seconds=5))
    results = run_gate(gate, 6, 0.2)
    refused = [r for r in results if isinstance(r, HTTPException)]
    assert len(refused) == 2 and results.count(None) == 4  # 2 run, 2 wait and run, 2 refused at once
    assert refused[0].status_code == 503 and refused[0].headers == {"Retry-After": "3"}  # max_eval_seconds
    assert "busy" in refused[0].detail["message"]


def test_a_long_wait_ends_in_503():
    gate = Gate(Settings(max_concurrent_evaluations=1, evaluation_queue=5, evaluation_wait_seconds=0.1))
    results = run_gate(gate, 2, 0.5)
    assert (
        results[0] is None
        and isinstance(results[1], HTTPException)
        and "no slot" in results[1].detail["message"]
    )


def test_the_api_answers_503_with_retry_after_when_full(monkeypatch):
    gate = Gate(Settings(max_concurrent_evaluations=1, evaluation_queue=0))
    monkeypatch.setattr(graph_routes, "evaluations", gate)
    started = threading.Event()
    original = graph_routes.graph_json

    def slow_graph_json(request):  # an evaluation that holds its slot for a while
        started.set()
        time.sleep(1.0)
        return original(request)

    monkeypatch.setattr(graph_routes, "graph_json", slow_graph_json)
    body = {"source": "a = Value(1.0)"}
    first: list = []
    with TestClient(app) as one_loop:  # one event loop for both requests, as in the server
        worker = threading.Thread(target=lambda: first.append(one_loop.post("/api/graph", json=body)))
        worker.start()
        assert started.wait(10)
        response = one_loop.post("/api/graph/svg", json=body)
        worker.join()
    assert response.status_code == 503 and response.headers["retry-after"] == "3"
    assert "busy" in response.json()["detail"]["message"] and first[0].status_code == 200
