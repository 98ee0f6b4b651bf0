"""A dropped graph is freed by reference counting alone: Value graphs hold no reference cycles."""

from __future__ import annotations

import gc
import random
import tracemalloc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import micrograd.engine

from engine.nn import MLP
from engine.value import Value


@contextmanager
def gc_disabled() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.collect()  # start from a clean heap so leftovers of earlier tests do not count
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def big_graph(
    value_class: Callable[[float], object] = Value, n: int = 100_000
) -> tuple[object, list[object]]:
    """About ``n`` nodes: a sum of tanh-free products and relus, with shared leaves and reuse."""
    rng = random.Random(0)
    xs = [value_class(rng.uniform(-1, 1)) for _ in range(100)]
    total = value_class(0.0)
    for i in range(n // 4):
        x = xs[i % 100]
        total = total + (x * x).relu() * xs[(i * 7) % 100]
    samples = [xs[0], total]
    return total, samples


def test_graph_is_freed_without_the_cyclic_collector():
    with gc_disabled():
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            root, samples = big_graph()
            assert len(root.topo()) > 100_000 - 200
            root.backward()
            built, _ = tracemalloc.get_traced_memory()
            refs = [weakref.ref(v) for v in [*samples, *root._prev, root._prev[1]._prev[0]]]
            del root, samples
            after, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert all(ref() is None for ref in refs)
        assert built - before > 10_000_000  # the graph really was big ...
        # ... and reference counting gave it back: what stays is CPython's free lists of small
        # tuples and floats (a few thousand blocks, ~200 KB), a small fraction of the graph.
        assert after - before < 1_000_000


def test_training_step_graph_is_freed_without_the_cyclic_collector():
    model = MLP(2, [16, 16, 1], seed=0)
    with gc_disabled():
        points = [[Value(0.1 * i), Value(-0.2 * i)] for i in range(30)]
        model.zero_grad()
        loss = sum(((1 - model(x)).relu() for x in points), Value(0.0)) + 1e-4 * sum(
            p * p for p in model.parameters()
        )
        loss.backward()
        refs = [weakref.ref(loss), weakref.ref(points[0][0]), weakref.ref(loss._prev[0])]
        assert any(p.grad != 0 for p in model.parameters())
        del loss, points
        assert all(ref() is None for ref in refs)


def test_the_check_detects_a_graph_with_cycles():
    """Control: micrograd 0.1.0's closures are cycles, so the same check must see its graph survive."""
    with gc_disabled():
        root, samples = big_graph(micrograd.engine.Value, n=2_000)
        root.backward()
        refs = [weakref.ref(v) for v in [*samples, *root._prev]]
        del root, samples
        assert any(ref() is not None for ref in refs)
    gc.collect()
    assert all(ref() is None for ref in refs)  # only the cyclic collector frees it
