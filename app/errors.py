"""One error shape for the whole API.

``{"detail": {"message": str, "line": int | null, "column": int | null}}``

Every error answer has it, whoever raised it: our routes (``ApiError``, ``api_error``), FastAPI's
validation (422), Starlette's own answers (404 unknown path, 405 wrong method), a body FastAPI could
not parse, the middleware's refusals, and, as a last resort, an unexpected exception (a logged 500).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("backprop_lab")


def error_detail(message: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
    return {"message": message, "line": line, "column": column}


def error_response(status_code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status_code, content={"detail": error_detail(message)}, headers=headers)


class ApiError(Exception):
    """A request the app cannot serve, with the HTTP status that says why (the handler below sends it)."""

    status_code = 400
    headers: dict[str, str] | None = None  # e.g. Retry-After on a 503

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def detail(self) -> dict[str, Any]:
        """The body's ``detail``; a subclass may add fields (a 410 names the run that replaced it)."""
        return error_detail(self.message)


async def api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail()}, headers=exc.headers)


def api_error(status_code: int, message: str, line: int | None = None, column: int | None = None):
    """An ``HTTPException`` whose body has the API's error shape."""
    return HTTPException(status_code, error_detail(message, line, column))


def _describe(error: dict[str, Any]) -> str:
    """``body.source: Field required``; the offending input itself is left out (it may be huge)."""
    where = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "json_invalid":
        reason = (error.get("ctx") or {}).get("error")
        return (
            f"the request body is not valid JSON ({reason})"
            if reason
            else "the request body is not valid JSON"
        )
    return f"{where}: {message}" if where else message


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Pydantic's 422 answers, in the API's error shape, with the field names in the message."""
    message = "; ".join(_describe(error) for error in exc.errors()[:10]) or "invalid request"
    return error_response(422, message)


def _unparsable_body_message(cause: BaseException) -> str:
    if isinstance(cause, UnicodeError):
        return "the request body is not valid JSON (it is not UTF-8 text)"
    if isinstance(cause, RecursionError):
        return "the request body is not valid JSON (nested too deeply)"
    return "the request body is not valid JSON"


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Any HTTPException in the API's shape; a body FastAPI could not parse is a 422 like bad JSON."""
    headers = getattr(exc, "headers", None)
    if isinstance(exc.detail, dict) and "message" in exc.detail:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail}, headers=headers)
    if exc.status_code == 400 and exc.__cause__ is not None:  # FastAPI: "There was an error parsing the body"
        return error_response(422, _unparsable_body_message(exc.__cause__), headers)
    return error_response(exc.status_code, str(exc.detail), headers)


async def unexpected_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The safety net: a bug answers a 500 in the API's shape (and is logged), never a bare page."""
    # Starlette re-raises it after this answer, so the server logs the traceback; this names the request.
    logger.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return error_response(500, f"internal error ({type(exc).__name__}); it has been logged")
