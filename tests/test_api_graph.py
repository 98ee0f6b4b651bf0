"""The graph API through FastAPI's TestClient: shapes, content types, limits and every error path."""

from __future__ import annotations

import json
import math
import re
import string
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

import app.routes.graph as graph_routes
import engine.graph
from app.main import app
from app.render import Renderer
from app.schemas.graph import README_PROGRAM
from engine.settings import Settings, settings
from tests.svg_layout import direction

client = TestClient(app)
SVG = "{http://www.w3.org/2000/svg}"


def strict_json(text: str):
    """json.loads that refuses NaN/Infinity tokens, as browsers' JSON.parse does."""

    def refuse(token: str):
        raise AssertionError(f"non-JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def post(path: str, **body):
    return client.post(path, json=body)


def graph(source: str, **options) -> dict:
    response = post("/api/graph", source=source, **options)
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def assert_error(response, status: int, *, located: bool = False) -> dict:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert set(detail) == {"message", "line", "column"}
    assert isinstance(detail["message"], str) and detail["message"]
    if located:
        assert isinstance(detail["line"], int) and detail["line"] >= 1
        assert isinstance(detail["column"], int) and detail["column"] >= 1
    return detail


def by_name(data: dict) -> dict[str, dict]:
    return {node["name"]: node for node in data["nodes"] if node["name"]}


# ------------------------------------------------------------------ JSON


def test_readme_program_numbers():
    data = graph(README_PROGRAM, output="g")
    nodes = by_name(data)
    assert f"{nodes['g']['data']:.4f}" == "24.7041"
    assert f"{nodes['a']['grad']:.4f}" == "138.8338"
    assert f"{nodes['b']['grad']:.4f}" == "645.5773"
    assert data["output"] == nodes["g"]["id"] and nodes["g"]["is_output"]
    assert data["nodes"][-1]["id"] == data["output"]
    assert data["svg_available"] is True and data["svg_unavailable_reason"] is None
    assert data["gradient_check"] is None
    assert data["stats"]["nodes"] == len(data["nodes"]) and data["stats"]["edges"] == len(data["edges"])


def test_json_shape_for_a_plus_a():
    data = graph("a = Value(3.0)\nb = a + a")
    assert [n["id"] for n in data["nodes"]] == ["n0", "n1"]
    a, b = data["nodes"]
    assert set(a) == {
        "id", "label", "name", "op", "op_symbol", "exponent", "data", "grad",
        "is_leaf", "is_output", "topo_index", "span", "cluster", "derivative_known", "note",
    }  # fmt: skip
    assert (a["cluster"], a["derivative_known"], a["note"]) == (None, True, None)
    assert (a["name"], a["op"], a["is_leaf"], a["grad"]) == ("a", "leaf", True, 2.0)
    assert (b["name"], b["op"], b["op_symbol"], b["is_output"]) == ("b", "add", "+", True)
    assert a["span"] is not None and a["span"]["line"] == 1
    assert set(a["span"]) == {"line", "column", "end_line", "end_column"}
    assert [(e["id"], e["source"], e["target"], e["position"]) for e in data["edges"]] == [
        ("e0", "n0", "n1", 0),
        ("e1", "n0", "n1", 1),
    ]
    assert all(e["local_grad"] == 1.0 and e["contribution"] == 1.0 for e in data["edges"])
    assert all(e["slots"] == 1 for e in data["edges"])  # a tuple _prev: two edges, one slot each
    assert data["forward_order"] == ["n0", "n1"] and data["backward_order"] == ["n1", "n0"]
    assert data["clusters"] == [] and set(data["ops"]) == {"add"}
    assert data["stats"] == {"nodes": 2, "edges": 2, "depth": 1}


def test_gradient_check_on_request():
    data = graph(README_PROGRAM, output="g", check_gradients=True)
    checks = data["gradient_check"]
    leaves = [n["id"] for n in data["nodes"] if n["is_leaf"]]
    assert [c["node"] for c in checks] == leaves
    assert all(c["ok"] for c in checks)
    a = next(c for c in checks if c["label"] == "a")
    assert math.isclose(a["numeric"], 138.8338, rel_tol=1e-5)


def test_non_finite_numbers_are_strings():
    data = graph("x = Value(-1.0)\ny = x.log()\nz = Value(0.0).log()\nw = y + z")
    values = [n["data"] for n in data["nodes"]]
    assert "NaN" in values and "-Infinity" in values
    grads = [n["grad"] for n in data["nodes"]]
    assert all(isinstance(g, float | int) or g in ("NaN", "Infinity", "-Infinity") for g in grads)


def test_infinity_from_overflow_is_a_string():
    data = graph("x = Value(1000.0)\ny = x.exp()")
    assert by_name(data)["y"]["data"] == "Infinity"
    assert by_name(data)["x"]["grad"] == "Infinity"


def test_output_picks_the_variable():
    data = graph("a = Value(2.0)\nb = a * 3\nc = a + 1", output="b")
    assert by_name(data)["b"]["is_output"]
    assert "c" not in by_name(data)
    assert by_name(data)["a"]["grad"] == 3.0


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "source",
    [
        "a = Value(2.0\n",
        "a = Value(1.0)\nb = a + zz\n",
        "a = Value(1.0)\nb = a +\n",
        "import os\nos.getcwd()\n",
    ],
)
def test_program_errors_are_400_with_line_and_column(source):
    detail = assert_error(post("/api/graph", source=source), 400, located=True)
    assert detail["line"] <= source.count("\n") + 1


def test_unknown_output_is_400():
    assert_error(post("/api/graph", source="a = Value(1.0)", output="nope"), 400)


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "source"),
        ({"source": 12}, "source"),
        ({"source": "a = Value(1.0)", "rankdir": "RL"}, "rankdir"),
        ({"source": "a = Value(1.0)", "check_gradients": "maybe"}, "check_gradients"),
        ({"source": "a = Value(1.0)", "unexpected": 1}, "unexpected"),
        ({"source": "x" * (settings.max_source_chars + 1)}, "source"),
    ],
)
def test_schema_errors_are_422_with_the_field_in_the_message(body, field):
    for path in ("/api/graph", "/api/graph/svg", "/api/graph/dot", "/api/graph/python"):
        detail = assert_error(client.post(path, json=body), 422)
        assert field in detail["message"]
        assert detail["line"] is None and detail["column"] is None


def test_invalid_json_body_is_422():
    response = client.post("/api/graph", content=b'{"source": ', headers={"content-type": "application/json"})
    assert "JSON" in assert_error(response, 422)["message"]
    response = client.post("/api/graph", content=b"\xff\xfe", headers={"content-type": "application/json"})
    assert_error(response, 422)


def test_too_many_nodes_is_a_clear_4xx(monkeypatch):
    monkeypatch.setattr(graph_routes, "settings", Settings(max_nodes=20))
    source = "x = Value(1.0)\ny = " + " + ".join(["x"] * 30)
    detail = assert_error(post("/api/graph", source=source), 400)
    assert "20" in detail["message"]


def test_gradient_check_over_its_limit_is_422(monkeypatch):
    monkeypatch.setattr(engine.graph, "settings", Settings(max_gradient_check_work=10))
    detail = assert_error(post("/api/graph", source=README_PROGRAM, check_gradients=True), 422)
    assert "gradient check" in detail["message"]
    assert post("/api/graph", source=README_PROGRAM).status_code == 200  # fine without the check


# ------------------------------------------------------------------ SVG / DOT / Python


def test_svg_content_type_ids_and_headers():
    response = post("/api/graph/svg", source=README_PROGRAM, output="g")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    root = ET.fromstring(response.text)
    ids = {g.get("id") for g in root.iter(SVG + "g")}
    data = graph(README_PROGRAM, output="g")
    for node in data["nodes"]:
        assert f"node-{node['id']}" in ids
        if not node["is_leaf"]:
            assert f"op-{node['id']}" in ids and f"opedge-{node['id']}" in ids
    for edge in data["edges"]:
        assert f"edge-{edge['id']}" in ids
    assert 'id="node-n0"' in response.text


def test_rankdir_changes_the_drawing():
    source = "a = Value(1.0)\nb = a * 2\nc = b.tanh()"
    lr = post("/api/graph/svg", source=source, rankdir="LR").text
    tb = post("/api/graph/svg", source=source, rankdir="TB").text
    assert direction(lr, "node-n0", "node-n3") == "LR" and direction(tb, "node-n0", "node-n3") == "TB"


def test_run_endpoint_answers_program_and_size_errors_in_the_body():
    """POST /api/graph/run, what the playground calls: a typo is an ordinary answer (200)."""
    bad = post("/api/graph/run", source="a = Value(1.0)\nb = a + zz")
    assert bad.status_code == 200
    assert bad.json() == {
        "graph": None,
        "error": {"message": "name 'zz' is not defined", "line": 2, "column": 9},
        "status": 400,
    }
    good = post("/api/graph/run", source=README_PROGRAM, check_gradients=True)
    assert good.status_code == 200 and good.json()["error"] is None and good.json()["status"] == 200
    assert good.json()["graph"] == graph(README_PROGRAM, check_gradients=True)
    too_much = post("/api/graph/run", source="a = Value(1.0)", expand=["nope"])
    assert too_much.json()["status"] == 422 and "no cluster 'nope'" in too_much.json()["error"]["message"]
    assert (
        post("/api/graph/run", source=3).status_code == 422
    )  # only a request off the schema is an HTTP error


def test_dot_endpoint():
    response = post("/api/graph/dot", source="a = Value(2.0)\nb = a*a + a")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/vnd.graphviz")
    assert response.text.startswith("digraph backprop {")
    assert response.text.count("n0 -> n1op") == 2


def test_python_endpoint_rebuilds_the_graph_with_micrograd():
    response = post("/api/graph/python", source=README_PROGRAM, output="g")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/x-python")
    script = response.text
    assert "from micrograd.engine import Value" in script
    namespace: dict = {"print": lambda *args: None}
    exec(compile(script, "graph.py", "exec"), namespace)  # the script from our own exporter, tests only
    data = graph(README_PROGRAM, output="g")
    for name, node in by_name(data).items():
        # micrograd keeps operands in a set, so its grads sum in hash order: equal up to rounding
        assert namespace[name].data == pytest.approx(node["data"], rel=1e-12), name
        assert namespace[name].grad == pytest.approx(node["grad"], rel=1e-12), name
    assert f"{namespace['a'].grad:.4f}" == "138.8338"


def test_get_svg_and_dot_for_links():
    params = {"source": "a = Value(2.0)\nb = a*a + a", "rankdir": "TB"}
    svg = client.get("/api/graph.svg", params=params)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert 'id="node-n0"' in svg.text
    assert direction(svg.text, "node-n0", "node-n2") == "TB"
    assert (
        direction(client.get("/api/graph.svg", params={**params, "rankdir": "LR"}).text, "node-n0", "node-n2")
        == "LR"
    )
    dot = client.get("/api/graph.dot", params={**params, "output": "b"})
    assert dot.status_code == 200 and "rankdir=TB" in dot.text
    assert_error(client.get("/api/graph.svg"), 422)
    assert_error(client.get("/api/graph.svg", params={"source": "a = ("}), 400, located=True)
    assert_error(client.get("/api/graph.dot", params={"source": "a = Value(1.0)", "rankdir": "XX"}), 422)


def folded_boxes(svg: str) -> list[int]:
    """The node counts written in the fold boxes of a drawing."""
    pattern = r'<g id="box-F[\d.]+" class="node box kind-fold">.*?(\d+) values<'
    return [int(n) for n in re.findall(pattern, svg, re.S)]


@pytest.mark.parametrize(
    "source",
    [
        "x = Value(1.0)\ny = " + " + ".join(["x"] * 250),  # 250 values + 249 ops: over max_render_nodes
        "x = Value(1.0)\np = " + " * ".join(["x"] * 100),  # few shapes, but long edges (layout size)
    ],
)
def test_too_big_to_draw_whole_is_drawn_folded(source):
    data = graph(source)
    assert data["svg_available"] is True and data["svg_unavailable_reason"] is None
    folds = [c for c in data["clusters"] if c["kind"] == "fold"]
    assert folds and data["collapsed"] == [c["id"] for c in folds if c["parent"] is None]
    drawings = post("/api/graph/svg", source=source), client.get("/api/graph.svg", params={"source": source})
    for response in drawings:
        assert response.status_code == 200, response.text
        boxes = folded_boxes(response.text)
        assert sum(boxes) == len(data["nodes"]) - 1  # every node but the output is in a box, once
        assert 'id="node-' + data["output"] + '"' in response.text
    # Opening a fold draws its nodes; asking for too much is a 413 naming the limit.
    # GET /api/graph.svg takes the same expand, repeated in the query (?expand=F1&expand=F2).
    first = folds[0]["id"]
    everything = [c["id"] for c in data["clusters"]]
    for draw in (
        lambda expand: post("/api/graph/svg", source=source, expand=expand),
        lambda expand: client.get("/api/graph.svg", params={"source": source, "expand": expand}),
    ):
        svg = draw([first]).text
        assert f'id="cluster-{first}"' in svg and f'id="box-{first}"' not in svg
        assert f'id="box-{folds[1]["id"]}"' in svg  # the others stay boxes
        assert "limit of 400" in assert_error(draw(everything), 413)["message"]
        assert "no cluster 'nope'" in assert_error(draw(["nope"]), 422)["message"]


def test_busy_and_slow_renderers_are_503(monkeypatch):
    busy = Renderer(Settings(max_concurrent_renders=1, render_wait_seconds=0.01))
    monkeypatch.setattr(graph_routes, "renderer", busy)
    assert busy._slots.acquire(timeout=1)
    try:
        response = post("/api/graph/svg", source=README_PROGRAM)
        assert "busy" in assert_error(response, 503)["message"]
        assert response.headers["retry-after"] == "1"  # render_wait_seconds 0.01, rounded up
    finally:
        busy._slots.release()
    monkeypatch.setattr(graph_routes, "renderer", Renderer(Settings(render_timeout_seconds=0.001)))
    assert "longer than" in assert_error(post("/api/graph/svg", source=README_PROGRAM), 503)["message"]


# ------------------------------------------------------------------ docs and fuzz


def test_openapi_documents_the_models_with_the_readme_example():
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert {"GraphRequest", "GraphResponse", "NodeOut", "EdgeOut", "ErrorResponse"} <= set(components)
    assert "NaN" in json.dumps(components["NodeOut"])
    assert components["GraphRequest"]["examples"][0]["source"] == README_PROGRAM
    paths = schema["paths"]
    assert {"/api/graph", "/api/graph/svg", "/api/graph/dot", "/api/graph/python", "/api/graph.svg"} <= set(
        paths
    )
    assert "400" in paths["/api/graph"]["post"]["responses"]


SOURCE_ALPHABET = string.printable + "ünï€\x00\ud7ff"
PROGRAM_PIECES = st.sampled_from(
    ["a", "b", "Value(", ")", "(", "2.0", "-1", "1e308", "+", "*", "**", "/", "-", ".relu()", ".tanh()",
     ".exp()", ".log()", ".sigmoid()", "=", "\n", " ", ";", "print(", ",", "backward()", ".", "#", "'", "0"]
)  # fmt: skip


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.one_of(
        st.text(alphabet=SOURCE_ALPHABET, max_size=200),
        st.lists(PROGRAM_PIECES, max_size=40).map("".join),
        st.lists(PROGRAM_PIECES, max_size=40).map(
            lambda p: "a = Value(1.5)\nb = Value(-2.0)\nc = " + "".join(p)
        ),
    ),
    output=st.one_of(st.none(), st.sampled_from(["a", "b", "c", "", "zz", "Value"])),
    check=st.booleans(),
)
def test_fuzz_programs_never_500(source, output, check):
    body = {"source": source, "output": output, "check_gradients": check}
    response = client.post("/api/graph", json=body)
    assert response.status_code in (200, 400, 422), response.text
    expected = response.status_code
    if response.status_code == 200:
        strict_json(response.text)
        if response.json()["output"] is None:  # nothing to draw: the JSON has the prints, DOT a 422
            expected = 422
    else:
        assert set(response.json()["detail"]) == {"message", "line", "column"}
    dot = client.post("/api/graph/dot", json=body)
    assert dot.status_code == expected


@hypothesis_settings(max_examples=100, deadline=None)
@given(
    body=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=10,
    )
)
def test_fuzz_json_bodies_never_500(body):
    response = client.post(
        "/api/graph", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code in (200, 400, 422), response.text
    assert (
        set(response.json()["detail"]) == {"message", "line", "column"}
        if response.status_code != 200
        else True
    )


@hypothesis_settings(max_examples=50, deadline=None)
@given(raw=st.binary(max_size=100))
def test_fuzz_raw_bytes_never_500(raw):
    response = client.post("/api/graph/svg", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (200, 400, 413, 422), response.text
