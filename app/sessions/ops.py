"""What can be asked of a session, by name: the one place both stores run requests on a session.

A store finds (or restores) the session and calls ``run(session, name, args)``; the Redis store
also receives these names from other workers, so every answer is an API model (or SVG text) that
can travel as JSON. Work that touches the trainer runs in the compute pool in the session's turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from app.render import renderer
from app.schemas.graph import GraphResponse
from app.schemas.sessions import (
    CollapsedGraphOut,
    ExpandedNeuronOut,
    SessionEvent,
    SessionState,
    StepResponse,
)
from app.sessions import compute, tools
from app.sessions.session import SampleGraph, Session
from engine.dot import to_dot
from engine.graph import GraphModel


class JsonText(str):
    """An answer already serialized (in the compute pool: a 200 x 200 boundary's JSON takes tens of
    milliseconds, which on the event loop would delay every other request). Routes send it as is."""


Answer = BaseModel | str | None


def _json(make: Callable[[], BaseModel]) -> Callable[[], JsonText]:
    return lambda: JsonText(make().model_dump_json())


async def detail(session: Session) -> JsonText:  # a SessionDetail
    return await compute.run(session.turn, _json(session.detail))


async def boundary(session: Session, resolution: int) -> JsonText:  # a BoundaryOut
    return await compute.run(session.turn, _json(lambda: session.boundary(resolution)))


async def network(session: Session) -> JsonText:  # a NetworkOut
    return await compute.run(session.turn, _json(session.network))


async def hello(session: Session) -> SessionEvent:
    return await compute.run(session.turn, session.hello)


async def state(session: Session) -> SessionState:
    return session.state()


async def graph(
    session: Session, sample: int, split: str, neuron: str | None, format: str
) -> CollapsedGraphOut | ExpandedNeuronOut | str:
    """One datapoint's graph as JSON, or drawn (SVG text) by the renderer (its own pool and cap)."""
    view = await compute.run(session.turn, session.sample_graph, sample, split, neuron, format == "svg")
    if format == "svg":
        return await run_in_threadpool(_draw, view)
    return await run_in_threadpool(lambda: JsonText(_describe(view).model_dump_json()))


async def step(session: Session, steps: int) -> StepResponse:
    """A step request: chunks of about a tick, each its own turn, so reads and pauses get in between.

    Step requests queue up whole (``session.stepping``), so one request's steps are consecutive
    (unless the run is playing too). Deleting the session or stopping the server ends a long
    request at the next chunk (410); so does its time limit (max_step_request_seconds).
    """
    session.check_steps(steps)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + session.settings.max_step_request_seconds
    metrics = []
    async with session.stepping:
        while len(metrics) < steps:
            last = loop.time() >= deadline
            metrics += await compute.run(session.turn, session.step_chunk, steps - len(metrics), last)
            if last or session.stopped:  # out of time, or a stop rule was met
                break
    return session.step_response(metrics, steps)


async def play(session: Session, steps_per_second: float) -> SessionState:
    return await compute.run(session.turn, session.play, steps_per_second)


async def pause(session: Session) -> SessionState:
    return await compute.run(session.turn, session.pause)


async def reset(session: Session) -> SessionState:
    return await compute.run(session.turn, session.reset)


# The train page's tools (app/sessions/tools.py): hand edits and stop rules (owner), time travel
# and exports (reads).


async def edit_weight(session: Session, **edit: Any) -> SessionState:
    return await compute.run(session.turn, lambda: tools.edit_weight(session, **edit))


async def set_stop_rules(session: Session, **rules: Any) -> SessionState:
    return await compute.run(session.turn, lambda: tools.set_stop_rules(session, **rules))


async def at_step(session: Session, step: int) -> JsonText:  # a StepView
    return await compute.run(session.turn, _json(lambda: tools.at_step(session, step)))


async def export(session: Session, name: str, step: int | None = None) -> tools.ExportFile:
    return await compute.run(session.turn, lambda: tools.export(session, name, step))


# name -> (the function, what its answer is read back into when it comes from another worker)
OPS: dict[str, tuple[Callable[..., Awaitable[Any]], type[BaseModel] | None]] = {
    "detail": (detail, JsonText),
    "boundary": (boundary, JsonText),
    "network": (network, JsonText),
    "hello": (hello, SessionEvent),
    "state": (state, SessionState),
    "graph": (graph, None),  # JsonText of either graph model, or SVG text
    "step": (step, StepResponse),
    "play": (play, SessionState),
    "pause": (pause, SessionState),
    "reset": (reset, SessionState),
    "edit_weight": (edit_weight, SessionState),
    "set_stop_rules": (set_stop_rules, SessionState),
    "at_step": (at_step, JsonText),
    "export": (export, tools.ExportFile),
}
# need the owner token (so do delete and room changes)
OWNER_OPS = {"step", "play", "pause", "reset", "edit_weight", "set_stop_rules"}


async def run(session: Session, name: str, args: dict[str, Any]) -> Answer:
    return await OPS[name][0](session, **args)


def _describe(view: SampleGraph) -> CollapsedGraphOut | ExpandedNeuronOut:
    if view.expanded is None:
        collapsed = view.collapsed
        return CollapsedGraphOut.model_validate(
            {
                "sample": view.sample,
                "nodes": collapsed.nodes,
                "edges": collapsed.edges,
                "loss": collapsed.loss,
                "scalar_values": collapsed.scalar_values,
            },
            from_attributes=True,
        )
    model = GraphModel.from_root(view.expanded)
    return ExpandedNeuronOut(
        sample=view.sample,
        neuron=view.neuron,
        graph=GraphResponse.from_model(model, renderer.unavailable_reason(model)),
    )


def _draw(view: SampleGraph) -> str:
    """The one drawing path (engine.drawing, engine.dot) the playground's graphs take: the datapoint
    with each neuron one box, or the expanded neuron's own graph, one weight per row."""
    if view.expanded is None:
        assert view.drawing is not None
        layers = [c.id for c in view.drawing.clusters if c.kind != "neuron"]  # open: neurons are boxes
        return renderer.svg(renderer.dot_source(view.drawing, "LR", layers))
    model = GraphModel.from_root(view.expanded)
    renderer.check(model)
    return renderer.svg(to_dot(model, ladder=True))
