"""Names and clusters for the Values of neural networks found in a namespace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine.graph import GraphModel


def add_structure(model: GraphModel, order: Sequence[Any], namespace: Mapping[str, Any]) -> None:
    return None
