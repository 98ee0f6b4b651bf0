"""Running dot: timeout that leaves no process behind, cache, size limits, bounded concurrency."""

from __future__ import annotations

import os
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app.render import (
    RenderBusy,
    Renderer,
    RenderError,
    RenderTimeout,
    RenderUnavailable,
    TooLargeToDraw,
)
from engine.dot import LAYOUT_LIMITS, to_dot
from engine.graph import GraphModel
from engine.settings import Settings
from engine.value import Value


def model_of(out: Value) -> GraphModel:
    out.backward()
    return GraphModel.from_root(out)


def long_product(factors: int) -> GraphModel:
    """x*x*...*x: x feeds every product, the layout dot finds hardest."""
    x = Value(1.0, label="x")
    p = x
    for _ in range(factors - 1):
        p = p * x
    return model_of(p)


def small_model() -> GraphModel:
    a = Value(2.0, label="a")
    return model_of(a * a + a)


def dot_children() -> list[str]:
    """``dot`` processes (running or unreaped) whose parent is this test process."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process just exited
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if comm == "dot" and int(fields[1]) == os.getpid():
            found.append(f"{stat.parent.name} state {fields[0]}")
    return found


def test_svg_is_well_formed_and_has_ids():
    svg = Renderer(Settings()).svg(to_dot(small_model()))
    root = ET.fromstring(svg)
    assert 'id="node-n0"' in svg and 'id="opedge-n2"' in svg  # readable in the text, not node&#45;n0
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {"node-n0", "node-n1", "node-n2", "op-n1", "op-n2", "edge-e0", "edge-e1", "opedge-n2"} <= ids


def test_timeout_kills_dot_and_leaves_no_process():
    renderer = Renderer(Settings(render_timeout_seconds=0.05))
    # Without the layout limits this graph keeps dot busy for minutes.
    limits = ", ".join(f"{name}={value}" for name, value in LAYOUT_LIMITS.items())
    source = to_dot(long_product(100)).replace(limits, "")
    with pytest.raises(RenderTimeout, match=r"longer than 0\.05 s") as info:
        renderer.svg(source)
    assert info.value.status_code == 503
    assert "JSON" in info.value.message
    assert dot_children() == []
    assert renderer.cache_size() == 0  # failures are not cached


def test_cache_hit_does_not_run_dot_again_and_evicts_oldest():
    renderer = Renderer(Settings(render_cache_entries=2))
    first, second, third = (
        to_dot(small_model(), rankdir=r, decimals=d) for r, d in (("LR", 4), ("TB", 4), ("LR", 2))
    )
    svg = renderer.svg(first)
    assert renderer.svg(first) == svg
    assert renderer.renders == 1
    renderer.svg(second)
    renderer.svg(third)  # evicts `first`
    assert renderer.renders == 3 and renderer.cache_size() == 2
    renderer.svg(first)
    assert renderer.renders == 4


def test_too_many_shapes_is_refused_before_running_dot():
    renderer = Renderer(Settings(max_render_nodes=10))
    x = Value(1.0)
    s = x
    for _ in range(10):
        s = s + 1.0
    model = model_of(s)
    reason = renderer.full_drawing_reason(model)
    assert reason is not None and "limit of 10" in reason and "JSON" in reason
    with pytest.raises(TooLargeToDraw) as info:
        renderer.check(model)
    assert info.value.status_code == 413
    assert renderer.renders == 0
    assert Renderer(Settings()).full_drawing_reason(model) is None
    assert renderer.unavailable_reason(model) is None  # it still has a drawing: collapsed (folded)


def test_long_edges_are_refused_by_layout_size():
    model = long_product(100)  # 199 shapes: under max_render_nodes, but a very long layout
    renderer = Renderer(Settings())
    with pytest.raises(TooLargeToDraw, match="layout is too large"):
        renderer.check(model)
    renderer.check(long_product(20))


def test_busy_renderers_answer_503_after_a_bounded_wait():
    renderer = Renderer(Settings(max_concurrent_renders=1, render_wait_seconds=0.05))
    assert renderer._slots.acquire(timeout=1)  # a render in progress
    try:
        with pytest.raises(RenderBusy, match="busy") as info:
            renderer.svg(to_dot(small_model()))
        assert info.value.status_code == 503
    finally:
        renderer._slots.release()
    assert renderer.svg(to_dot(small_model())).lstrip().startswith("<?xml")


def test_concurrent_renders_all_finish():
    renderer = Renderer(Settings(max_concurrent_renders=2, render_wait_seconds=30))
    sources = [to_dot(small_model(), decimals=d) for d in range(1, 7)]
    results: dict[int, str] = {}

    def work(i: int) -> None:
        results[i] = renderer.svg(sources[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sources))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == list(range(len(sources)))
    assert all("node-n0" in svg for svg in results.values())
    assert renderer._slots.acquire(blocking=False) and renderer._slots.acquire(blocking=False)


def test_missing_dot_is_a_clear_503():
    renderer = Renderer(Settings(), dot_command="no-such-graphviz-dot")
    assert "not installed" in renderer.unavailable_reason(small_model())
    with pytest.raises(RenderUnavailable) as info:
        renderer.svg(to_dot(small_model()))
    assert info.value.status_code == 503


def test_dot_syntax_error_is_reported_not_raised_raw():
    with pytest.raises(RenderError, match="could not draw") as info:
        Renderer(Settings()).svg("digraph {")
    assert info.value.status_code == 503
    assert dot_children() == []
