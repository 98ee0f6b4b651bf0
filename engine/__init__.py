"""Backprop Lab's engine: a micrograd-compatible scalar autograd library (no web imports)."""

from engine.value import Value


def draw_dot(root: Value, rankdir: str = "LR", **kwargs):
    """micrograd's ``draw_dot``: a ``graphviz.Digraph`` of ``root``'s graph (renders inline in Jupyter)."""
    from engine.dot import draw_dot as _draw_dot  # graphviz is imported only when drawing

    return _draw_dot(root, rankdir=rankdir, **kwargs)


__all__ = ["Value", "draw_dot"]
