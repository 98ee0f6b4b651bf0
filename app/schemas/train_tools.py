"""Models of the train page's tools on a session: hand edits, stop rules, time travel, exports."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.graph import JsonNumber
from app.schemas.sessions import LiveBoundary, MetricsOut
from app.schemas.stop_rules import StopRulesIn, StopRulesOut

__all__ = ["StepView", "StopRulesIn", "StopRulesOut", "WeightEditIn"]


class WeightEditIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"layer": 0, "neuron": 2, "index": 1, "value": 0.5}]}
    )
    layer: int = Field(description="The layer, from 0 (the first hidden layer).")
    neuron: int = Field(description="The neuron in its layer, from 0.")
    index: int | None = Field(description="The weight's input, from 0; null for the bias.")
    value: float = Field(description="The new value (at most max_weight_edit from 0).")


class StepView(BaseModel):
    """The run as it was after ``step`` steps (with the hand edits made then), rebuilt exactly."""

    step: int
    metrics: MetricsOut
    boundary: LiveBoundary | None = Field(description="The picture at that step (2-D data).")
    weights: list[list[list[JsonNumber]]] = Field(description="Per layer, per neuron: weights then bias.")
    scores: list[list[JsonNumber]] | None = Field(description="For the lecture's set: outputs per point.")
