"""The HTTP statuses a session request can end in, as exceptions (``app.errors`` sends them)."""

from __future__ import annotations

from typing import Any

from app.errors import ApiError


class SessionError(ApiError):
    """A request a session cannot serve, with the HTTP status that says why."""


class SessionNotFound(SessionError):
    status_code = 404


class SessionGone(SessionError):
    """410: the session ended. A replaced run names its successor, so a page can follow the chain."""

    status_code = 410

    def __init__(self, message: str, next_session: str | None = None, room: str | None = None):
        super().__init__(message)
        self.next_session = next_session
        self.room = room

    def detail(self) -> dict[str, Any]:
        return {**super().detail(), "next_session": self.next_session, "room": self.room}


class NotOwner(SessionError):
    status_code = 403

    def __init__(self, message: str = ""):
        super().__init__(
            message
            or "this session can only be changed with its owner token (X-Owner-Token header or "
            "Authorization: Bearer); without it the session is read-only"
        )


class InvalidRequest(SessionError):
    status_code = 422


class ServerBusy(SessionError):
    """503 with ``Retry-After``: a limit is reached for now; the same request may work later."""

    status_code = 503

    def __init__(self, message: str, retry_after: float = 5.0):
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, round(retry_after)))}
