"""``from micrograd.engine import Value``: Backprop Lab's Value (micrograd's API, and more ops)."""

from engine.value import Value

__all__ = ["Value"]
