"""The FastAPI application, as ``backprop-lab serve`` runs it (app/cli.py; not a bare
``uvicorn app.main:app``, whose HTTP parser refuses the long GETs the app itself answers)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import middleware, openapi
from app.errors import (
    ApiError,
    api_error_handler,
    http_error_handler,
    unexpected_error_handler,
    validation_error_handler,
)
from app.routes import docs, graph, pages, pyodide, rooms, sessions, train, train_sessions
from app.sessions.lifespan import lifespan
from app.web import static_files
from backprop_lab import __version__

app = FastAPI(
    title="Backprop Lab",
    description="Make backpropagation visible: expression graphs with data and grad on every node, "
    "and live MLP training sessions.\n\n"
    'Every error answer is `{"detail": {"message", "line", "column"}}`. '
    "Pages: [playground](/) · [live training](/train); these docs as [Swagger UI](/docs) or [ReDoc](/redoc).",
    version=__version__,  # the one version: the package's (hatch reads it too)
    license_info={"name": "MIT", "identifier": "MIT"},
    lifespan=lifespan,  # training sessions end on shutdown, so open event streams do not hold it up
    docs_url=None,  # served by app.routes.docs from the vendored Swagger UI and ReDoc
    redoc_url=None,
    swagger_ui_oauth2_redirect_url=None,
    generate_unique_id_function=openapi.operation_id,
)


@app.get("/healthz", tags=["meta"], summary="Liveness check")
async def healthz() -> dict[str, str]:
    """Answers ``{"status": "ok"}`` while the server is up.

    ``async``: it answers from the event loop. A plain ``def`` would wait for a worker thread, and
    under load those are all busy with graph and session work (bench/fairness.py)."""
    return {"status": "ok"}


app.add_exception_handler(RequestValidationError, validation_error_handler)
app.add_exception_handler(StarletteHTTPException, http_error_handler)
app.add_exception_handler(ApiError, api_error_handler)
app.add_exception_handler(Exception, unexpected_error_handler)
middleware.install(app)
openapi.install(app)
app.mount("/static", static_files, name="static")
app.include_router(pages.router)
app.include_router(docs.router)
app.include_router(graph.router)
app.include_router(sessions.router)
app.include_router(rooms.router)
app.include_router(pyodide.router)
app.include_router(train.router)
app.include_router(train_sessions.router)
