"""DOT in micrograd's draw_dot style: structure, ids, number format, and escaping of hostile labels."""

from __future__ import annotations

import math
import re
import subprocess
import xml.etree.ElementTree as ET

import graphviz
import pytest

from engine.dot import (
    LAYOUT_LIMITS,
    build_digraph,
    draw_dot,
    drawn_node_count,
    escape_label,
    format_number,
    layout_size,
    to_dot,
)
from engine.graph import GraphModel
from engine.value import Value
from tests.svg_layout import direction

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"

HOSTILE = [
    'a{b}|c<d>"e\\',
    "</script><script>alert(1)</script>",
    "\\N \\n \\l \\G \\E",
    "&lt; &amp; & ; &#60;",
    "<b>html</b>",
    "<<b>only html>>",
    "]]><!-- -->",
    "\\",
    "end\\\\",
    '\\"',
    '"',
    "ünïcødé € 漢字",
    "  spaced   out  ",
    "tab\there\nnewline\x00nul",
    "lone\ud800surrogate",
]


def svg_text(dot_source: str) -> str:
    result = subprocess.run(
        ["dot", "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8").replace("&#45;", "-")


def svg_of(dot_source: str) -> ET.Element:
    result = subprocess.run(
        ["dot", "-Tsvg"], input=dot_source.encode("utf-8"), capture_output=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert not result.stderr, result.stderr  # no warnings either
    return ET.fromstring(result.stdout)  # raises if the SVG is not well-formed XML


def by_id(svg: ET.Element, element_id: str) -> ET.Element:
    found = [g for g in svg.iter(SVG + "g") if g.get("id") == element_id]
    assert len(found) == 1, element_id
    return found[0]


def shown(text: str) -> str:
    """How Graphviz shows a label: runs of spaces collapse (it emits no-break spaces for them)."""
    return " ".join(text.replace("\xa0", " ").split())


def expected(label: str) -> str:
    """Characters XML cannot hold are replaced by U+FFFD before drawing."""
    return shown("".join(ch if ch.isprintable() or ch == " " else "\ufffd" for ch in label))


def product_model(a_label: str = "a") -> GraphModel:
    a = Value(2.0, label=a_label)
    out = a * a + a
    out.backward()
    return GraphModel.from_root(out)


def test_micrograd_style_records_ops_and_edges():
    model = product_model()
    source = to_dot(model)
    assert "rankdir=LR" in source
    assert re.search(r'n0 \[label="\{ a \| data 2\.0000 \| grad 5\.0000 \}"', source)
    assert 'n1op [label="*"' in source and 'n2op [label="+"' in source
    assert "n1op -> n1" in source and "n2op -> n2" in source
    assert source.count("n0 -> n1op") == 2  # a * a: two operand edges
    assert source.count("n0 -> n2op") == 1
    for name, value in LAYOUT_LIMITS.items():
        assert f"{name}={value}" in source
    assert drawn_node_count(model) == 5  # 3 values + 2 ops


def test_rankdir_tb_and_decimals_are_options():
    model = product_model()
    source = to_dot(model, rankdir="TB", decimals=2)
    assert "data 2.00 | grad 5.00" in source
    assert direction(svg_text(source), "node-n0", "node-n2") == "TB"
    assert direction(svg_text(to_dot(model, rankdir="LR")), "node-n0", "node-n2") == "LR"
    with pytest.raises(ValueError):
        to_dot(model, rankdir="RL; evil")


def test_svg_has_stable_ids_classes_and_tooltips():
    model = product_model()
    svg = svg_of(to_dot(model))
    for node in model.nodes:
        value = by_id(svg, f"node-{node.id}")
        assert "value" in value.get("class").split()
        if not node.is_leaf:
            assert "op" in by_id(svg, f"op-{node.id}").get("class").split()
            assert "opedge" in by_id(svg, f"opedge-{node.id}").get("class").split()
    for edge in model.edges:
        assert "operand" in by_id(svg, f"edge-{edge.id}").get("class").split()
    assert set(by_id(svg, "node-n0").get("class").split()) >= {"value", "leaf"}
    assert set(by_id(svg, "node-n2").get("class").split()) >= {"value", "result", "output"}
    assert "op-mul" in by_id(svg, "op-n1").get("class").split()
    tips = [a.get(XLINK_TITLE) for a in by_id(svg, "node-n0").iter(SVG + "a")]
    assert tips == ["a (leaf): data 2.0, grad 5.0"]
    texts = [t.text for t in by_id(svg, "node-n0").iter(SVG + "text")]
    assert texts == ["a", "data 2.0000", "grad 5.0000"]


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_are_escaped_in_dot_and_svg(label, rankdir):
    model = product_model(label)
    source = to_dot(model, rankdir=rankdir)
    # The structure is intact: exactly one record line per value and no stray statements.
    assert source.count("shape=record") == 3
    svg = svg_of(source)
    node = by_id(svg, "node-n0")
    texts = [t.text for t in node.iter(SVG + "text")]
    assert len(texts) == 3, texts  # the label did not split the record into more fields
    assert shown(texts[0]) == expected(label)
    assert [shown(t) for t in texts[1:]] == ["data 2.0000", "grad 5.0000"]
    tip = next(a.get(XLINK_TITLE) for a in node.iter(SVG + "a"))
    assert shown(tip) == shown(expected(label) + " (leaf): data 2.0, grad 5.0")
    # No element came out of a label: only Graphviz's own tags are in the SVG.
    assert {el.tag.removeprefix(SVG) for el in svg.iter()} <= {
        "svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "a",
    }  # fmt: skip


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_plain_labels_round_trip(label):
    dot = graphviz.Digraph()
    dot.node("x", id="x", label=escape_label(label))
    texts = [t.text for t in by_id(svg_of(dot.source), "x").iter(SVG + "text")]
    assert shown("".join(texts)) == expected(label)


def test_format_number():
    assert format_number(1.23456) == "1.2346"
    assert format_number(-4.0) == "-4.0000"
    assert format_number(0.0) == "0.0000"
    assert format_number(math.nan) == "nan"
    assert format_number(math.inf) == "inf" and format_number(-math.inf) == "-inf"
    assert format_number(1e12) == "1.0000e+12"
    assert format_number(1e-7) == "1.0000e-07"
    assert format_number(0.5, decimals=2) == "0.50"


def test_non_finite_values_draw():
    x = Value(-1.0, label="x")
    out = x.log() * Value(math.inf)
    out.backward()
    source = to_dot(GraphModel.from_root(out))
    assert "data nan" in source and "data inf" in source
    svg_of(source)


def test_unlabelled_values_draw_as_data_and_grad_only():
    out = Value(1.0) + Value(2.0)
    out.backward()
    assert '"{ data 1.0000 | grad 1.0000 }"' in to_dot(GraphModel.from_root(out))


def test_draw_dot_returns_a_digraph_like_microgrades():
    a = Value(-4.0, label="a")
    out = (a * 2).relu() + a
    out.backward()
    dot = draw_dot(out)
    assert isinstance(dot, graphviz.Digraph)
    assert dot.format == "svg"
    assert "node-n0" in dot.source
    assert draw_dot(out, format="png", rankdir="TB").format == "png"
    assert build_digraph(GraphModel.from_root(out)).source == dot.source


def test_layout_size_counts_long_edges():
    x = Value(1.0)
    chain = x
    for _ in range(9):
        chain = chain + 1.0
    chain.backward()
    short = GraphModel.from_root(chain)
    assert layout_size(short) == drawn_node_count(short)  # every edge spans one rank
    p = x
    for _ in range(9):
        p = p * x  # x feeds every product: its edges reach further and further
    p.backward()
    long = GraphModel.from_root(p)
    assert layout_size(long) > drawn_node_count(long) + 50
