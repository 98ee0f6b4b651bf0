"""The colours of classes and values, one definition for the page (GET /api/train/options sends
them) and the exported pictures: TensorFlow Playground's orange and blue first (class 0 and 1, and
negative and positive values and weights), then one colour per class up to max_classes."""

from __future__ import annotations

CLASS_COLORS: tuple[str, ...] = (
    "#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
HEAT_STRENGTH = 0.62  # how far a heatmap cell goes from white towards its colour (points stay visible)


def tint(k: int, t: float, strength: float = HEAT_STRENGTH) -> tuple[int, int, int]:
    """A colour between white (t = 0) and class colour k (t = 1, times ``strength``)."""
    n = int(CLASS_COLORS[k % len(CLASS_COLORS)][1:], 16)
    a = max(0.0, min(1.0, t)) * strength
    return tuple(round(255 + (c - 255) * a) for c in ((n >> 16) & 255, (n >> 8) & 255, n & 255))  # type: ignore[return-value]
