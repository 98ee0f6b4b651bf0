"""The train page's tools on a session: hand edits of weights, stop rules, time travel, exports.

Each is a function of a ``Session`` that blocks: ``app.sessions.ops`` runs them in the session's
compute turn, wherever the session is trained (edits and stop rules are owner ops). Edits and stop
rules are published to every viewer, so watchers see them as the owner does.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pydantic import BaseModel

from app.schemas.sessions import SessionEvent, SessionState
from app.schemas.train_tools import StepView
from app.sessions.convert import live_boundary, live_weights, metrics_out
from app.sessions.errors import InvalidRequest
from engine import train_export
from engine.stop_rules import StopRules
from engine.train import Metrics, Trainer

if TYPE_CHECKING:
    from app.sessions.session import Session

EXPORT_RESOLUTION = 60  # cells a side of an exported boundary


class ExportFile(BaseModel):
    """An exported file; base64 content, so it can travel between workers as JSON."""

    name: str  # the file name offered for saving
    media_type: str
    content_base64: str

    @property
    def content(self) -> bytes:
        return base64.b64decode(self.content_base64)


def edit_weight(session: Session, layer: int, neuron: int, index: int | None, value: float) -> SessionState:
    """Set a weight or bias by hand; viewers get the new weights, metrics and a note saying so."""
    with session._locked():
        trainer = session.trainer
        try:
            metrics = trainer.edit(layer, neuron, index, value)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        what = f"b{layer}.{neuron}" if index is None else f"w{layer}.{neuron}.{index}"
        message = f"the owner set {what} to {value:g} at step {trainer.step_count}"
        event = session._event("state", [metrics], picture=True)
        session._publish(event.model_copy(update={"message": message}))
    return session.state()


def set_stop_rules(
    session: Session,
    target_accuracy: float | None = None,
    target_loss: float | None = None,
    max_steps: int | None = None,
) -> SessionState:
    """When the run pauses by itself; every viewer's page shows the rules."""
    try:
        rules = StopRules(target_accuracy, target_loss, max_steps)
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    with session._locked():
        session.trainer.set_stop_rules(rules)
        session._publish(SessionEvent(kind="state", state=session.state()))
    return session.state()


@contextmanager
def _as_of(trainer: Trainer, step: int) -> Iterator[Metrics]:
    """The trainer as it was after ``step`` steps; a step it never had is a 422."""
    past = trainer.at_step(step)
    try:
        metrics = past.__enter__()
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    try:
        yield metrics
    finally:
        past.__exit__(None, None, None)


def at_step(session: Session, step: int) -> StepView:
    """The run after ``step`` steps: rebuilt from a keyframe (engine/time_travel.py), exactly."""
    with session._locked():
        trainer = session.trainer
        with _as_of(trainer, step) as metrics:
            boundary = scores = None
            if trainer.config.planar:
                raw = trainer.boundary(session.settings.live_boundary_resolution)
                boundary = live_boundary(raw, trainer.dataset.n_classes)
            else:
                scores = trainer.scores()
            weights = live_weights(trainer)
        return StepView(
            step=step, metrics=metrics_out(metrics), boundary=boundary, weights=weights, scores=scores
        )


EXPORTS = {
    "metrics.csv": "text/csv",
    "weights.json": "application/json",
    "micrograd.py": "text/x-python",
    "boundary.svg": "image/svg+xml",
    "boundary.png": "image/png",
}


def export(session: Session, name: str, step: int | None = None) -> ExportFile:
    """One of ``EXPORTS``, of the run now or (``step``) as it was then."""
    if name not in EXPORTS:
        raise InvalidRequest(f"name: must be one of {', '.join(EXPORTS)}, not {name!r}")
    with session._locked():
        trainer = session.trainer
        if step is None or step == trainer.step_count:
            step = trainer.step_count
            content = _export(trainer, name)
        else:
            with _as_of(trainer, step):
                content = _export(trainer, name)
    stem = f"backprop-lab-{session.id}-step{step}"
    encoded = base64.b64encode(content).decode()
    return ExportFile(name=f"{stem}-{name}", media_type=EXPORTS[name], content_base64=encoded)


def _export(trainer: Trainer, name: str) -> bytes:
    if name == "metrics.csv":
        history = [m for m in trainer.history if m.step <= trainer.step_count]
        return train_export.metrics_csv(history).encode()
    if name == "weights.json":
        return train_export.weights_json(trainer).encode()
    if name == "micrograd.py":
        return train_export.micrograd_script(trainer).encode()
    if not trainer.config.planar:
        raise InvalidRequest("the lecture set has 3 features: there is no 2-D boundary to draw")
    if name == "boundary.svg":
        return train_export.boundary_svg(trainer, EXPORT_RESOLUTION).encode()
    return train_export.boundary_png(trainer, EXPORT_RESOLUTION)
