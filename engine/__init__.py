"""Backprop Lab's engine: a micrograd-compatible scalar autograd library (no web imports)."""

from engine.value import Value

__all__ = ["Value"]
