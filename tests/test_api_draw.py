"""POST /api/graph/draw: a graph someone already has, drawn; every kind of bad graph is a clear 4xx."""

from __future__ import annotations

import html
import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from app.main import app
from tests.reference_programs import README_SOURCE

client = TestClient(app)


def draw(body: dict, fmt: str = "svg"):
    # json.dumps escapes what UTF-8 cannot carry (a lone surrogate travels as \\ud800, as in JavaScript).
    content = json.dumps(body)
    return client.post(
        f"/api/graph/draw?format={fmt}", content=content, headers={"content-type": "application/json"}
    )


def error(body: dict, status: int = 422) -> str:
    response = draw(body)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert set(detail) == {"message", "line", "column"}
    return detail["message"]


def minimal(**changes) -> dict:
    body = {
        "nodes": [
            {"id": "a", "op": "leaf", "data": 3.0, "grad": 2.0, "label": "a"},
            {"id": "b", "op": "add", "data": 6.0, "grad": 1.0, "label": "b"},
        ],
        "edges": [{"source": "a", "target": "b"}, {"source": "a", "target": "b"}],
        "output": "b",
    }
    body.update(changes)
    return body


def test_the_json_of_post_graph_draws_as_post_graph_svg_does():
    graph = client.post("/api/graph", json={"source": README_SOURCE}).json()
    again = draw(graph, "json").json()
    assert [(n["label"], n["op"], n["data"], n["grad"]) for n in again["nodes"]] == [
        (n["label"], n["op"], n["data"], n["grad"]) for n in graph["nodes"]
    ]
    assert [(e["source"], e["target"], e["local_grad"]) for e in again["edges"]] == [
        (e["source"], e["target"], e["local_grad"]) for e in graph["edges"]
    ]
    svg = draw(graph)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.count('class="node value') == len(graph["nodes"])
    dot = draw(graph, "dot")
    assert dot.status_code == 200 and dot.text.startswith("digraph")


def test_the_minimal_form_with_symbols_and_unknown_ops():
    data = draw(minimal(), "json").json()
    assert data["nodes"][1]["op"] == "add" and [e["local_grad"] for e in data["edges"]] == [1.0, 1.0]
    body = {
        "nodes": [
            {"id": "x", "data": 2.0},
            {"id": "y", "op": "**2", "data": 4.0, "grad": 1.0},
            {"id": "z", "op": "frobnicate", "data": 9.0, "grad": 1.0, "label": "z"},
        ],
        "edges": [{"source": "x", "target": "y"}, {"source": "y", "target": "z"}],
        "output": "z",
    }
    data = draw(body, "json").json()
    assert [n["op"] for n in data["nodes"]] == ["leaf", "pow", "unknown"]
    assert data["nodes"][1]["exponent"] == 2.0 and data["edges"][0]["local_grad"] == 4.0
    assert data["nodes"][2]["derivative_known"] is False and data["edges"][1]["local_grad"] is None
    assert ">frobnicate<" in draw(body).text


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"nodes": [{"id": "a", "data": 1.0}, {"id": "a", "data": 2.0}], "edges": [], "output": "a"},
         "nodes[1]: the id 'a' is used twice"),
        ({"edges": [{"source": "a", "target": "c"}]}, "edges[0] ('a' -> 'c'): no node 'c' (target)"),
        ({"edges": [{"source": "q", "target": "b"}]}, "edges[0] ('q' -> 'b'): no node 'q' (source)"),
        ({"output": "zz"}, "output 'zz' is not one of the nodes"),
        ({"edges": [{"source": "b", "target": "b"}]}, "cycle: node 'b'"),
        ({"nodes": [{"id": "a", "op": "mul", "data": 1.0}, {"id": "b", "op": "add", "data": 2.0}],
          "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "a"}]}, "cycle"),
        ({"nodes": [{"id": "a", "data": 1.0}, {"id": "b", "data": 2.0}]}, "node 'b' has operands but no op"),
        ({"nodes": [{"id": "a", "data": 1.0}, {"id": "b", "op": "pow", "data": 1.0}],
          "edges": [{"source": "a", "target": "b"}]}, "node 'b': a pow node needs a finite 'exponent'"),
        ({"nodes": [{"id": "a", "data": 1.0}, {"id": "b", "op": "**x", "data": 1.0}],
          "edges": [{"source": "a", "target": "b"}]}, "'**x' is not a power"),
        ({"clusters": [{"id": "c", "kind": "neuron", "parent": "nope"}]}, "no parent cluster 'nope'"),
        ({"clusters": [{"id": "c", "kind": "layer", "parent": "d"},
                       {"id": "d", "kind": "layer", "parent": "c"}]}, "its parents form a loop"),
        ({"clusters": [{"id": "c", "kind": "layer"}, {"id": "c", "kind": "layer"}]}, "clusters[1]: the id"),
        ({"nodes": [{"id": "a", "data": 1.0, "cluster": "ghost"}, {"id": "b", "op": "+", "data": 2.0}],
          "clusters": [{"id": "c", "kind": "layer"}]}, "node 'a': no cluster 'ghost'"),
    ],
)  # fmt: skip
def test_bad_graphs_are_422_naming_the_node_or_edge(change, needle):
    assert needle in error(minimal(**change))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"nodes": []}, "body.nodes"),
        ({"nodes": [{"id": "a"}]}, "body.nodes.0.data: Field required"),
        ({"nodes": [{"id": "a", "data": "many"}]}, "body.nodes.0.data"),
        ({"nodes": [{"id": "", "data": 1.0}]}, "body.nodes.0.id"),
        ({"nodes": [{"id": "a" * 101, "data": 1.0}]}, "body.nodes.0.id"),
        ({"nodes": [{"id": "a", "data": 1.0, "label": "x" * 101}]}, "body.nodes.0.label"),
        ({"edges": [{"source": "a"}]}, "body.edges.0.target: Field required"),
        ({"edges": [{"source": "a", "target": "b", "slots": 3}]}, "body.edges.0.slots"),
        ({"clusters": [{"id": "c", "kind": "galaxy"}]}, "body.clusters.0.kind"),
        ({"nodes": [{"id": str(i), "data": 1.0} for i in range(20_001)]}, "body.nodes"),
        ({"expand": ["nope"]}, "no cluster 'nope'"),
    ],
)
def test_schema_and_limits(change, needle):
    assert needle in error(minimal(**change))


def test_labels_are_escaped_and_surrogates_drawn_safely():
    hostile = '</text></svg><script>alert(1)</script>\\N"{|}&amp;'
    body = minimal(nodes=[{"id": "a", "data": 3.0, "label": hostile}, {"id": "b", "op": "+", "data": 6.0}])
    svg = draw(body).text
    assert "<script" not in svg and hostile in html.unescape(svg)  # drawn as text, nothing more
    # A lone surrogate is not text: the schema refuses it. A pair is the character it encodes.
    body = minimal(nodes=[{"id": "a", "data": 3.0, "label": "x\ud800"}, {"id": "b", "op": "+", "data": 6.0}])
    assert "body.nodes.0.label" in error(body)
    body = minimal(
        nodes=[{"id": "a", "data": 3.0, "label": "\ud83d\ude00"}, {"id": "b", "op": "+", "data": 6.0}]
    )
    assert draw(body, "json").json()["nodes"][0]["label"] == "😀" and "😀" in draw(body).text


def test_non_finite_numbers_come_in_as_strings():
    body = minimal(
        nodes=[{"id": "a", "data": "NaN", "grad": "Infinity"}, {"id": "b", "op": "+", "data": "NaN"}]
    )
    data = draw(body, "json").json()
    assert data["nodes"][0]["data"] == "NaN" and data["nodes"][0]["grad"] == "Infinity"
    assert "data nan" in draw(body).text


def test_a_big_graph_is_drawn_folded_and_clusters_collapse():
    n = 600
    nodes = [{"id": "x0", "data": 1.0}] + [{"id": f"x{i}", "op": "tanh", "data": 0.5} for i in range(1, n)]
    edges = [{"source": f"x{i - 1}", "target": f"x{i}"} for i in range(1, n)]
    svg = draw({"nodes": nodes, "edges": edges, "output": f"x{n - 1}"}).text
    assert 'class="node box kind-fold"' in svg
    clusters = [{"id": "L1", "kind": "layer", "output": "b"}]
    body = minimal(
        nodes=[
            {"id": "a", "data": 3.0, "cluster": "L1"},
            {"id": "b", "op": "+", "data": 6.0, "cluster": "L1"},
        ],
    )
    data = draw({**body, "clusters": clusters}, "json").json()
    assert data["clusters"] == [
        {"id": "L1", "kind": "layer", "label": "L1", "parent": None, "output": "n1", "size": 2}
    ]
    svg = draw({**body, "clusters": clusters, "expand": []}).text
    assert 'id="box-L1"' in svg and 'id="node-n0"' not in svg


GRAPH_IDS = st.sampled_from(["a", "b", "c", "d"])


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nodes=st.lists(
        st.fixed_dictionaries(
            {"id": GRAPH_IDS, "data": st.floats() | st.sampled_from(["NaN", "x"])},
            optional={"op": st.sampled_from(["add", "mul", "pow", "**2", "tanh", "?", ""]),
                      "exponent": st.floats(), "label": st.text(max_size=5), "cluster": GRAPH_IDS},
        ),
        max_size=5,
    ),
    edges=st.lists(st.fixed_dictionaries({"source": GRAPH_IDS, "target": GRAPH_IDS}), max_size=6),
    output=GRAPH_IDS,
    clusters=st.lists(st.fixed_dictionaries({"id": GRAPH_IDS, "kind": st.just("layer")},
                                            optional={"parent": GRAPH_IDS}), max_size=3),
)  # fmt: skip
def test_fuzzed_graphs_never_500(nodes, edges, output, clusters):
    body = {"nodes": nodes, "edges": edges, "output": output, "clusters": clusters}
    for fmt in ("svg", "json"):
        response = draw(body, fmt)
        assert response.status_code in (200, 413, 422), response.text
        if response.status_code != 200:
            assert response.json()["detail"]["message"]
