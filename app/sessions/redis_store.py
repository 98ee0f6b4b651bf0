"""The Redis store: any number of uvicorn workers, on any number of hosts, serve the same sessions.

Set ``BACKPROP_LAB_REDIS_URL`` (``redis://host:port/db`` or ``unix:///path.sock``) and every
worker shares the sessions, rooms and limits through Redis; ``RedisWorker`` (redis_worker.py)
holds the sessions this process trains and routes everything else to their holders.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from redis.exceptions import RedisError

from app.schemas.sessions import RoomOut, SessionCreated, SessionState, TrainConfigIn
from app.sessions import compute, limits, ops
from app.sessions import redis_keys as keys
from app.sessions.convert import engine_config
from app.sessions.errors import InvalidRequest, NotOwner, ServerBusy, SessionGone, SessionNotFound
from app.sessions.memory import created
from app.sessions.ops import Answer
from app.sessions.redis_state import metrics_json
from app.sessions.redis_worker import RedisWorker
from app.sessions.relay import Relay
from app.sessions.session import Session
from app.sessions.store import Client, SessionStore
from app.sessions.stream import event_stream
from app.sessions.tokens import (
    new_room_code,
    new_session_id,
    new_token,
    normalize_room_code,
    token_hash,
    token_matches,
)
from engine import checkpoint


class RedisStore(RedisWorker, SessionStore):
    async def create(
        self, config: TrainConfigIn, client: Client, room: str | None = None, token: str | None = None
    ) -> SessionCreated:
        async with self._guard():
            engine_cfg = engine_config(config)
            try:
                engine_cfg.validate(self.settings)
            except ValueError as exc:
                raise InvalidRequest(str(exc)) from None
            previous, owner = None, None
            if room is not None:
                room = normalize_room_code(room)
                saved = await self.redis.hgetall(keys.room(room))
                if not saved:
                    raise InvalidRequest(f"room: no room has the code {room!r}")
                if not token_matches(token, saved["owner"]):
                    raise NotOwner(
                        "room: a run can only be added to a room with its owner token (X-Owner-Token)"
                    )
                previous, owner = saved.get("current"), saved["owner"]
            count = await self.redis.scard(keys.client_sessions(client.address))
            limits.check(count, "max_sessions_per_client", self.settings)
            await self._make_space()
            loop = asyncio.get_running_loop()
            try:
                trainer = await loop.run_in_executor(
                    compute.pool, lambda: self.make_trainer(engine_cfg, settings=self.settings)
                )
            except ValueError as exc:
                raise InvalidRequest(str(exc)) from None
            if owner is None:
                token = new_token()
                owner = token_hash(token)
                room = new_room_code()
                while not await self.redis.hsetnx(keys.room(room), "owner", owner):
                    room = new_room_code()
            sid = new_session_id()
            fence = await self._acquire(
                keys=[keys.lease(sid), keys.fence(sid)], args=[self.worker, self.lease_ms]
            )
            session = Session(sid, config, trainer, self.settings, room=room, client=client.address)
            dumped = await loop.run_in_executor(compute.pool, checkpoint.dump, trainer, False)
            saved = json.dumps(
                {"trainer": dumped, "steps_per_second": session.steps_per_second, "playing": False}
            )
            meta = {
                "config": config.model_dump_json(),
                "owner": owner,
                "room": room,
                "client": client.address,
            }
            history = [metrics_json(m) for m in trainer.history]
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(keys.meta(sid), mapping=meta)
                pipe.hset(keys.ckpt(sid), mapping={"state": saved, "step": trainer.step_count})
                if history:
                    pipe.rpush(keys.hist(sid), *history)
                pipe.zadd(keys.SESSIONS, {sid: int(time.time() * 1000)})
                pipe.sadd(keys.client_sessions(client.address), sid)
                pipe.hset(keys.room(room), "current", sid)
                await pipe.execute()
            self._hold(session, f"{self.worker}|{fence}")
            if previous is not None:
                reason = f"the owner started a new run ({sid}) with new settings"
                with contextlib.suppress(ServerBusy, SessionNotFound, SessionGone):  # ended already
                    await self._route(previous, "_end", {"reason": reason, "next": sid})
            return created(session, token)

    async def run(self, session_id: str, name: str, args: dict[str, Any], token: str | None = None) -> Answer:
        async with self._guard():
            meta = await self._meta(session_id)
            if name in ops.OWNER_OPS:
                if not token_matches(token, meta["owner"]):
                    raise NotOwner()
                if name == "play" and not await self.redis.sismember(keys.PLAYING, session_id):
                    count = await self.redis.scard(keys.client_playing(meta["client"]))
                    limits.check(count, "max_playing_per_client", self.settings)
            await self.redis.zadd(keys.SESSIONS, {session_id: int(time.time() * 1000)}, xx=True)
            return await self._route(session_id, name, args)

    async def delete(self, session_id: str, token: str | None, next_session: str | None = None) -> None:
        async with self._guard():
            meta = await self._meta(session_id)
            if not token_matches(token, meta["owner"]):
                raise NotOwner()
            if next_session is not None and not await self.redis.exists(keys.meta(next_session)):
                raise InvalidRequest(f"next: no open session has the id {next_session!r}")
            reason = f"session {session_id} was deleted by its owner"
            if next_session is not None:
                reason = f"the owner started a new run ({next_session}) with new settings"
            await self._route(session_id, "_end", {"reason": reason, "next": next_session})

    async def room(self, code: str) -> RoomOut:
        async with self._guard():
            code = normalize_room_code(code)
            current = await self.redis.hget(keys.room(code), "current")
            if current is None:
                raise SessionNotFound(f"no room has the code {code!r}")
            state = await self.run(current, "state", {})
            return RoomOut(
                code=code, session=current, url=f"/r/{code}", watch_url=f"/train?watch={current}", state=state
            )

    async def events(
        self, session_id: str, client: Client, owner: bool = False, last_event_id: str | None = None
    ) -> tuple[AsyncIterator[str], Callable[[], None]]:
        async with self._guard():
            await self._meta(session_id)
            others = [w for w in await self._live_workers() if w != self.worker]
            refused, count = await self._reserve(
                keys=[
                    keys.viewers(session_id),
                    keys.worker_streams(self.worker),
                    *(keys.worker_streams(w) for w in others),
                ],
                args=[
                    self.worker,
                    client.address,
                    self.settings.max_viewers_per_session,
                    self.settings.max_streams_per_client,
                    self.settings.max_streams,
                    keys.PREFIX,
                ],
            )
            if refused != "ok":
                if refused == "max_viewers_per_session":
                    raise ServerBusy(
                        f"this session already has {count} viewers (max_viewers_per_session)", retry_after=30
                    )
                limits.check(int(count), refused, self.settings)
            relay = self._relays.get(session_id)
            if relay is None:
                relay = Relay(
                    session_id,
                    self.settings.viewer_queue_events,
                    on_idle=lambda: self._relays.pop(session_id, None),
                )
                self._relays[session_id] = relay
                await relay.start(self.redis)
                self._reader.wake()
            else:
                await relay.started.wait()
                if relay.stopped:  # its start failed: Redis is unreachable
                    raise RedisError("the session's event stream could not be read")
            viewer, position = relay.subscribe(asyncio.get_running_loop(), owner, client.address)
            missed = await relay.since(self.redis, last_event_id, position) if last_event_id else None

        def release() -> None:
            relay.unsubscribe(viewer)
            asyncio.get_running_loop().create_task(self._give_back(session_id, client.address))

        async def hello():
            event = await self.run(session_id, "hello", {})
            relay.last_data = relay.last_data or event.model_dump_json()
            return event

        def state() -> SessionState:
            return relay.state() or SessionState(
                id=session_id,
                step=0,
                playing=False,
                steps_per_second=0,
                viewers=0,
                watchers=0,
                executor="",
                fallback_reason=None,
                metrics=None,
            )

        return event_stream(viewer, missed, hello, state, self.settings), release

    async def _give_back(self, session_id: str, address: str) -> None:
        async with self._guard():
            await self._unreserve(
                keys=[keys.viewers(session_id), keys.worker_streams(self.worker)], args=[self.worker, address]
            )

    async def _make_space(self) -> None:
        """Evict the least recently used idle session(s) while the store is full (all workers)."""
        while await self.redis.zcard(keys.SESSIONS) >= self.settings.max_sessions:
            # Every session, least recently used first (at most max_sessions; this runs only when
            # full): a window of the oldest could hold only watched ones and refuse with idle ones left.
            for sid in await self.redis.zrange(keys.SESSIONS, 0, -1):
                if not await self._pinned(sid):
                    reason = f"session {sid} was evicted to make room for a new one; start a new run"
                    try:
                        await self._route(sid, "_end", {"reason": reason})
                    except (SessionNotFound, SessionGone):
                        await self.redis.zrem(keys.SESSIONS, sid)
                    break
            else:
                raise ServerBusy(
                    f"all {self.settings.max_sessions} training sessions are playing or being watched "
                    "(max_sessions); try again when one pauses",
                    retry_after=60,
                )
