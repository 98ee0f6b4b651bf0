"""The Redis worker's background jobs: its heartbeat (alive key, lease renewals), the janitor
(adopting playing sessions nobody trains, expiring idle ones) and the shared reads they need.

A part of ``RedisWorker`` (redis_worker.py), kept apart so each file has one job: these run on
their own, forever (``_forever``: Redis down or a bug is logged, and the job goes on).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from app.sessions import redis_keys as keys
from app.sessions.errors import ServerBusy, SessionGone, SessionNotFound

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from app.sessions.ops import Answer
    from app.sessions.session import Session
    from engine.settings import Settings

log = logging.getLogger("uvicorn.error")

JANITOR_SECONDS = 0.3


class BackgroundJobs:
    """What ``RedisWorker`` runs besides requests (it provides the attributes annotated here)."""

    redis: aioredis.Redis
    worker: str
    lease_ms: int
    settings: Settings
    _held: dict[str, tuple[Session, str]]
    _stopping: bool
    _viewers: Callable[..., Awaitable[int]]  # the VIEWERS script

    def _lost(self, sid: str, value: str) -> None: ...
    async def _adopt(self, sid: str) -> bool: ...
    async def _route(self, sid: str, name: str, args: dict) -> Answer: ...

    async def _forever(self, job) -> None:
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down, or a bug: log, wait, go on
                log.warning("%s: %s", job.__name__, exc)
                await asyncio.sleep(0.5)

    async def _heartbeat(self) -> None:
        while True:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.set(keys.alive(self.worker), "1", px=3 * self.lease_ms)
                pipe.sadd(keys.WORKERS, self.worker)
                pipe.expire(keys.worker_streams(self.worker), 60)
                await pipe.execute()
            held = list(self._held.items())
            if held:  # every lease renewed in one round trip
                async with self.redis.pipeline(transaction=False) as pipe:
                    for sid, (_, value) in held:
                        await self._renew(keys=[keys.lease(sid)], args=[value, self.lease_ms], client=pipe)
                    renewed = await pipe.execute()
                for (sid, (_, value)), ok in zip(held, renewed):
                    if not ok:
                        self._lost(sid, value)
            await asyncio.sleep(self.lease_ms / 4000)

    async def _janitor(self) -> None:
        """Adopt playing sessions nobody trains (a fair share each), expire idle ones."""
        while True:
            await asyncio.sleep(JANITOR_SECONDS)
            if self._stopping:
                return
            playing = await self.redis.smembers(keys.PLAYING)
            orphans = [sid for sid in playing if sid not in self._held]
            if orphans:
                leases = await self.redis.mget([keys.lease(sid) for sid in orphans])
                workers = max(1, len(await self._live_workers()))
                share = -(-len(playing) // workers) + 1
                mine = sum(session.playing for session, _ in self._held.values())
                for sid, holder in zip(orphans, leases):
                    if holder is None and mine < share and await self._adopt(sid):
                        mine += 1
            await self._expire_idle()

    async def _expire_idle(self) -> None:
        idle = self.settings.session_idle_seconds
        cutoff = int((time.time() - idle) * 1000)
        for sid in await self.redis.zrangebyscore(keys.SESSIONS, 0, cutoff, start=0, num=10):
            if await self._pinned(sid):
                # In use (playing or watched): its idle time starts again, and it leaves the ten
                # oldest, which would otherwise hide every idle session behind ten watched ones.
                await self.redis.zadd(keys.SESSIONS, {sid: int(time.time() * 1000)}, xx=True)
                continue
            reason = f"session {sid} expired after {idle / 60:g} min without use"
            with contextlib.suppress(ServerBusy, SessionGone, SessionNotFound):
                await self._route(sid, "_end", {"reason": reason})

    async def _pinned(self, sid: str) -> bool:
        """Playing or watched: not to be evicted or expired."""
        if await self.redis.sismember(keys.PLAYING, sid):
            return True
        return await self._viewers(keys=[keys.viewers(sid)], args=[keys.PREFIX]) > 0

    async def _live_workers(self) -> list[str]:
        workers = sorted(await self.redis.smembers(keys.WORKERS))
        if not workers:
            return []
        alive = await self.redis.mget([keys.alive(w) for w in workers])
        dead = [w for w, a in zip(workers, alive) if a is None]
        if dead:
            await self.redis.srem(keys.WORKERS, *dead)
            await self.redis.delete(*(keys.worker_streams(w) for w in dead))
        return [w for w, a in zip(workers, alive) if a is not None]
