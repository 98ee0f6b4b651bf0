"""Where Graphviz put things in an SVG: for tests that check a drawing's layout, not its text."""

from __future__ import annotations

import re

_TEXT = re.compile(r'<g id="(node-n\d+)" class="[^"]*">.*?<text[^>]* x="([-\d.]+)" y="([-\d.]+)"', re.S)


def node_positions(svg: str) -> dict[str, tuple[float, float]]:
    """Each value record's first text position (x right, y down), by SVG id (``node-n3``)."""
    return {m[1]: (float(m[2]), float(m[3])) for m in _TEXT.finditer(svg)}


def direction(svg: str, first: str, last: str) -> str:
    """``LR`` if ``last`` is drawn right of ``first`` at about the same height, ``TB`` if below."""
    (x0, y0), (x1, y1) = node_positions(svg)[first], node_positions(svg)[last]
    return "LR" if abs(x1 - x0) > abs(y1 - y0) and x1 > x0 else "TB" if y1 > y0 else "other"
