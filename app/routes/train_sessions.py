"""The train page's tools on a session (app/sessions/tools.py): hand edits of weights and stop
rules (owner), time travel and exports (anyone with the id)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from app.routes.sessions import _OWNER_ERRORS, _READ_ERRORS, OwnerToken, Store, as_response
from app.schemas.sessions import SessionState
from app.schemas.stop_rules import StopRulesIn
from app.schemas.train_tools import StepView, WeightEditIn
from app.sessions.tools import EXPORTS

router = APIRouter(prefix="/api/sessions", tags=["training sessions"])

ExportName = Literal["metrics.csv", "weights.json", "micrograd.py", "boundary.svg", "boundary.png"]
assert set(ExportName.__args__) == set(EXPORTS)  # one list: the route's choices are the tools'


@router.post(
    "/{session_id}/weights",
    response_model=SessionState,
    summary="Set a weight or bias by hand",
    responses=_OWNER_ERRORS,
)
async def edit_weight(session_id: str, edit: WeightEditIn, store: Store, token: OwnerToken) -> SessionState:
    """The new value takes effect at once: the step's metrics are measured again, the edit is kept in
    the run's history (time travel and the exported script replay it) and every viewer sees it."""
    return await store.run(session_id, "edit_weight", edit.model_dump(), token)


@router.put(
    "/{session_id}/stop-rules",
    response_model=SessionState,
    summary="Pause by itself at a target accuracy, loss or step",
    responses=_OWNER_ERRORS,
)
async def set_stop_rules(
    session_id: str, rules: StopRulesIn, store: Store, token: OwnerToken
) -> SessionState:
    """Playing (and step requests) stop after the first step that meets a rule, with a message that
    says which. A rule that already holds when training starts does not stop that training; null turns
    a rule off. The state of the run shows its rules to every viewer."""
    return await store.run(session_id, "set_stop_rules", rules.model_dump(), token)


@router.get(
    "/{session_id}/steps/{step}",
    response_model=StepView,
    summary="Time travel: the run as it was at a past step",
    responses={**_READ_ERRORS, 422: _OWNER_ERRORS[422]},
)
async def get_step(
    session_id: str, step: Annotated[int, Path(ge=0, description="From 0 to the current step.")], store: Store
) -> StepView:
    """The metrics, picture and weights of step ``step``, rebuilt exactly from the nearest keyframe
    (training is deterministic; time_travel_bytes bounds the keyframes). The live run goes on."""
    return as_response(await store.run(session_id, "at_step", {"step": step}))


def _export_schema(media_type: str) -> dict:
    """What an exported file is, for generated clients: JSON an object, a PNG bytes, the rest text."""
    if media_type == "application/json":
        return {"type": "object"}
    if media_type == "image/png":
        return {"type": "string", "format": "binary"}
    return {"type": "string"}


@router.get(
    "/{session_id}/export/{name}",
    summary="Export the run: metrics CSV, weights JSON, boundary SVG/PNG, a micrograd script",
    response_class=Response,
    responses={
        **_READ_ERRORS,
        422: _OWNER_ERRORS[422],
        200: {
            "description": "The file (Content-Disposition names it).",
            "content": {media: {"schema": _export_schema(media)} for media in EXPORTS.values()},
        },
    },
)
async def export_run(
    session_id: str,
    name: ExportName,
    store: Store,
    step: Annotated[int | None, Query(ge=0, description="A past step (time travel); default: now.")] = None,
) -> Response:
    """``micrograd.py`` rebuilds the run with the real micrograd package (same points, same initial
    weights, same steps and hand edits) and checks each step's loss against this run's."""
    exported = await store.run(session_id, "export", {"name": name, "step": step})
    return Response(
        exported.content,
        media_type=exported.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{exported.name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
