"""One error shape for the whole API.

``{"detail": {"message": str, "line": int | null, "column": int | null}}``
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def error_detail(message: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
    return {"message": message, "line": line, "column": column}


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
    return JSONResponse(status_code=422, content={"detail": error_detail(message)})
