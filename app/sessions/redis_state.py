"""A session's state in Redis: what its holder saves, and how a new holder gets the run back.

The holder publishes every event with the step it shows (``redis_keys.PUBLISH``) and a checkpoint
(``engine.checkpoint``, without the history, which Redis keeps as a list of its own) now and then:
with every event that steps cannot reproduce (play, pause, reset, edits: they change what comes
next), and while it steps, once the steps since the last one took ``redis_checkpoint_seconds`` to
compute (a checkpoint costs about two steps of the demo: one with each event had tripled a step's
cost). Training is deterministic, so a new holder restores the checkpoint and recomputes the steps
published since, silently: it goes on from exactly the last step the viewers saw, with the same
numbers, after at most ``redis_checkpoint_seconds`` of recomputation.
"""

from __future__ import annotations

import json

from app.schemas.sessions import MetricsOut, TrainConfigIn
from app.sessions.session import Session
from engine import checkpoint
from engine.settings import Settings
from engine.train import Metrics


def saved_state(session: Session) -> str:
    """The checkpoint of a session (under its lock) with its play state."""
    return json.dumps(
        {
            "trainer": checkpoint.dump(session.trainer, history=False),
            "steps_per_second": session.steps_per_second,
            "playing": session.playing,
        },
        separators=(",", ":"),
    )


def metrics_json(metrics: Metrics) -> str:
    """One history entry as Redis keeps it (what events carry: ``MetricsOut``)."""
    return MetricsOut.model_validate(metrics, from_attributes=True).model_dump_json()


def restore(
    sid: str, saved: dict[str, str], meta: dict[str, str], history: list[str], limits: Settings
) -> tuple[Session, dict]:
    """The session as its viewers last saw it, and its saved play state (plus ``recomputed``: the
    steps replayed since the checkpoint). ``saved`` is the ``redis_keys.ckpt`` hash."""
    state = json.loads(saved["state"])
    trainer = checkpoint.load(state["trainer"], limits)
    published = int(saved["step"])
    state["recomputed"] = published - trainer.step_count
    if state["recomputed"] > 0:
        trainer.step(state["recomputed"])
    if trainer.step_count != published:
        raise RuntimeError(
            f"session {sid}: its checkpoint recomputed to step {trainer.step_count}, not {published}"
        )
    trainer.history.clear()  # the recomputed steps' metrics are in Redis already (with their timings)
    trainer.history.extend(Metrics(**MetricsOut.model_validate_json(entry).model_dump()) for entry in history)
    config = TrainConfigIn.model_validate_json(meta["config"])
    session = Session(sid, config, trainer, limits, room=meta["room"], client=meta["client"])
    session.steps_per_second = state["steps_per_second"]
    return session, state
