"""What a training run can be: its fields, defaults, choices and limits (one JSON for the page and
for programs), and reading a CSV of points into a dataset."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.errors import api_error
from app.schemas.graph import ErrorResponse
from engine.palette import CLASS_COLORS
from engine.run_spec import run_options
from engine.settings import settings
from engine.upload import parse_points_csv

router = APIRouter(prefix="/api/train", tags=["training sessions"])

PLAY_SPEEDS = (1, 2, 5, 10, 20, 50)  # steps per second the page offers (up to max_play_steps_per_second)
# The settings a page needs beyond each field's own limits.
PAGE_LIMITS = (
    "max_play_steps_per_second",
    "max_steps_per_request",
    "max_upload_bytes",
    "max_weight_edit",
    "max_boundary_resolution",
)


class Choice(BaseModel):
    value: str
    label: str
    title: str | None = None


class Limit(BaseModel):
    name: str = Field(description="The settings field (README Limits table; BACKPROP_LAB_<NAME> sets it).")
    value: int | float


class FieldOptions(BaseModel):
    kind: str = Field(description="choice, int, number, ints (hidden), features or points.")
    default: Any
    description: str
    nullable: bool
    choices: list[Choice] | None = None
    min: int | float | None = None
    min_exclusive: bool | None = None
    max: int | float | None = None
    max_exclusive: bool | None = None
    limit: Limit | None = Field(default=None, description="The settings limit on the value (or list length).")
    item_limit: Limit | None = Field(default=None, description="For lists of numbers: the limit of each.")
    presets: list[Any] | None = Field(
        default=None, description="Values a page offers in short lists or sliders (others work too)."
    )


class DatasetKind(BaseModel):
    regression: bool = Field(description="Values to predict (n_classes 0) instead of classes.")
    multiclass: bool = Field(description="Takes n_classes.")
    custom: bool = Field(description="Its points come with the config (`points`).")
    planar: bool = Field(description="2-D points (a boundary to draw, features to pick).")
    presets: dict[str, Any] = Field(description="Settings that suit it, applied when a page switches to it.")


class RunOptions(BaseModel):
    """Everything a page needs to build a run's settings: nothing about a run is copied elsewhere."""

    fields: dict[str, FieldOptions]
    defaults: dict[str, Any] = Field(description="A run with every field at its default (micrograd's demo).")
    datasets: dict[str, DatasetKind]
    limits: dict[str, int | float] = Field(description="Server settings a page needs (README Limits table).")
    speeds: list[int] = Field(description="Play speeds to offer, steps per second.")
    palette: list[str] = Field(description="Class colours: class 0 and negative values first, then 1, ...")


@router.get(
    "/options",
    response_model=RunOptions,
    summary="Fields, defaults, choices and limits of a run",
)
def get_train_options() -> RunOptions:
    options = run_options(settings)
    limits = {name: getattr(settings, name) for name in PAGE_LIMITS}
    speeds = [s for s in PLAY_SPEEDS if s <= settings.max_play_steps_per_second]
    return RunOptions(**options, limits=limits, speeds=speeds, palette=list(CLASS_COLORS))


class PointsOut(BaseModel):
    points: list[tuple[float, float, int | float]]
    dataset: str = Field(description="custom (a class per point) or custom_regression (a value per point).")
    n_classes: int = Field(description="0 for values.")
    header: bool = Field(description="Whether the first line was a header (skipped).")


@router.post(
    "/points",
    response_model=PointsOut,
    summary="Read a CSV of points (x, y, class or value)",
    responses={
        400: {"model": ErrorResponse, "description": "A bad row: the message and `line` name it."},
        413: {"model": ErrorResponse, "description": "Over max_upload_bytes or max_custom_points."},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
    },
)
async def read_points_csv(request: Request) -> PointsOut:
    """A CSV with one point per line: ``x,y,class`` (classes 0, 1, ...) or ``x,y,value`` (any
    numbers: a regression set). An optional header line is skipped; ``,`` ``;`` or tabs separate.
    Send the file as the request body (``Content-Type: text/csv``); the answer is the points for
    ``POST /api/sessions`` (``dataset`` and ``points``). Nothing is kept on the server."""
    limit = settings.max_upload_bytes
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise api_error(413, f"the file is larger than {limit:,} bytes (max_upload_bytes)")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise api_error(400, f"the file is not UTF-8 text (byte {exc.start + 1})") from None
    parsed = parse_points_csv(text, settings)
    if parsed.error is not None:
        raise api_error(parsed.status, parsed.error, parsed.line, parsed.column)
    return PointsOut(
        points=parsed.points, dataset=parsed.dataset, n_classes=parsed.n_classes, header=parsed.header
    )
