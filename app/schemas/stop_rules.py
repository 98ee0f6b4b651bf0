"""Stop rules of a run (engine/stop_rules.py), as the API takes and shows them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class StopRulesIn(BaseModel):
    """Pause by itself (playing or stepping) at a target; null turns a rule off. A rule that already
    holds when training starts does not stop that training."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"target_accuracy": 0.95}]})
    target_accuracy: float | None = Field(default=None, description="Training accuracy to stop at, 0..1.")
    target_loss: float | None = Field(default=None, description="Training loss to stop at (or below).")
    max_steps: int | None = Field(default=None, description="The step to stop at.")


StopRulesOut = StopRulesIn
