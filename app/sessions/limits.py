"""Per-client limits: one address cannot take the whole server (issue 14).

A class behind one NAT is one address, so the defaults let 60 students each run and watch while
keeping a share for everyone else (README, Limits). The counts live wherever the store keeps its
sessions; this module only words the refusals, the same for every store.
"""

from __future__ import annotations

from app.sessions.errors import ServerBusy
from engine.settings import Settings

# limit name -> (what is counted, who has it, what to do, seconds to retry after)
_LIMITS = {
    "max_sessions_per_client": (
        "training sessions",
        "this address",
        "delete one or wait until one expires",
        60,
    ),
    "max_streams_per_client": ("open event streams", "this address", "close some pages", 30),
    "max_streams": ("open event streams", "the server", "try again soon", 30),
    "max_playing_per_client": ("runs playing", "this address", "pause one first", 30),
}


def check(count: int, name: str, limits: Settings) -> None:
    """503 with Retry-After when ``count`` has reached the limit ``name`` of ``limits``."""
    limit = getattr(limits, name)
    if count >= limit:
        what, who, advice, retry_after = _LIMITS[name]
        raise ServerBusy(f"{who} already has {count} {what} ({name} {limit}); {advice}", retry_after)
