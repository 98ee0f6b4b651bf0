"""Stop rules: pause a run by itself at a target accuracy or loss, or at a step.

A rule that already holds when training starts (play, or a step request) does not stop that
training: pressing play again after a stop goes on, as people expect, instead of stopping at once.
``arm`` says which rules are live for the next stretch; ``reached`` names the first one met.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.train import Metrics


@dataclass(frozen=True)
class StopRules:
    target_accuracy: float | None = None  # stop once the training accuracy is at least this (0..1]
    target_loss: float | None = None  # stop once the training loss is at most this
    max_steps: int | None = None  # stop on reaching this step

    def __post_init__(self) -> None:
        a, loss, n = self.target_accuracy, self.target_loss, self.max_steps
        if a is not None and (not _number(a) or not 0 < a <= 1):
            raise ValueError(f"target_accuracy: must be more than 0 and at most 1, not {a!r}")
        if loss is not None and (not _number(loss) or loss < 0):
            raise ValueError(f"target_loss: must be a number of 0 or more, not {loss!r}")
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            raise ValueError(f"max_steps: must be an integer of at least 1, not {n!r}")

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def active(self) -> bool:
        return any(v is not None for v in self.as_dict().values())

    def holding(self, metrics: Metrics) -> set[str]:
        """The rules that ``metrics`` meet."""
        met = set()
        if self.target_accuracy is not None and (metrics.train_accuracy or 0) >= self.target_accuracy:
            met.add("target_accuracy")
        if self.target_loss is not None and metrics.train_loss <= self.target_loss:
            met.add("target_loss")
        if self.max_steps is not None and metrics.step >= self.max_steps:
            met.add("max_steps")
        return met

    def armed(self, current: Metrics) -> frozenset[str]:
        """The rules that may stop the training starting now (those not already met)."""
        every = {name for name, value in self.as_dict().items() if value is not None}
        return frozenset(every - self.holding(current))

    def reached(self, metrics: Metrics, armed: frozenset[str]) -> str | None:
        """Why to stop after ``metrics``, in words, or None."""
        met = self.holding(metrics) & armed
        if "max_steps" in met:
            return f"paused at step {metrics.step} (stop rule: max_steps {self.max_steps})"
        if "target_accuracy" in met:
            return (
                f"paused at step {metrics.step}: training accuracy {metrics.train_accuracy:.1%} reached "
                f"the target of {self.target_accuracy:.1%} (stop rule)"
            )
        if "target_loss" in met:
            return (
                f"paused at step {metrics.step}: training loss {metrics.train_loss:.4f} reached the "
                f"target of {self.target_loss:g} (stop rule)"
            )
        return None


def _number(x: object) -> bool:
    return not isinstance(x, bool) and isinstance(x, (int, float)) and math.isfinite(x)
