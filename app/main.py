"""The FastAPI application: ``uvicorn app.main:app``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from app.errors import ApiError, api_error_handler, validation_error_handler
from app.routes import graph, pages, pyodide, rooms, sessions
from app.sessions.lifespan import lifespan
from app.web import static_files

app = FastAPI(
    title="Backprop Lab",
    description="Make backpropagation visible: expression graphs with data and grad on every node, "
    "and live MLP training sessions.",
    version="0.1.0",
    lifespan=lifespan,  # training sessions end on shutdown, so open event streams do not hold it up
)


@app.get("/healthz", tags=["meta"], summary="Liveness check")
def healthz() -> dict[str, str]:
    """Answers ``{"status": "ok"}`` while the server is up."""
    return {"status": "ok"}


app.add_exception_handler(RequestValidationError, validation_error_handler)
app.add_exception_handler(ApiError, api_error_handler)
app.mount("/static", static_files, name="static")
app.include_router(pages.router)
app.include_router(graph.router)
app.include_router(sessions.router)
app.include_router(rooms.router)
app.include_router(pyodide.router)
