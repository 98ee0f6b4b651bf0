"""The HTML pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.web import templates
from engine.settings import settings

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def playground(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "playground.html", {"active": "playground", "limits": settings}
    )


@router.get("/train", response_class=HTMLResponse)
def train(request: Request) -> HTMLResponse:
    """Live MLP training; ``?watch=<session id>`` follows someone else's run read-only."""
    return templates.TemplateResponse(request, "train.html", {"active": "train"})
