"""The Redis store's worker side: holding sessions, routing requests to their holders, hand-over.

Each session is trained by exactly one worker, the holder of its lease (``redis_keys``: fenced,
renewed by a heartbeat). A request reaching another worker is checked there (owner token hash,
limits) and handed to the holder over pub/sub; if nobody holds the lease, the receiving worker
takes it and restores the session (``redis_state``: the latest checkpoint, then the steps published
since, recomputed), so the numbers go on from exactly the last step the viewers saw, even after the
holder died (SIGKILL): no step missed or repeated. The holder's events go out through its outbox
(``redis_outbox``: one thread, batches of events in one fenced script, so training never waits on
Redis), with a checkpoint only when one is due (``redis_state``). Playing sessions nobody trains
(their worker died or stopped) are adopted by the living workers (``redis_jobs``); SIGTERM hands a
worker's sessions over at once. Redis unreachable: requests answer 503, and everything resumes when
it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import secrets
import socket
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from app.schemas.sessions import SessionEvent
from app.sessions import compute, ops, redis_state
from app.sessions import redis_keys as keys
from app.sessions.errors import ServerBusy, SessionGone, SessionNotFound
from app.sessions.ops import Answer
from app.sessions.redis_jobs import BackgroundJobs
from app.sessions.redis_outbox import Outbox, Write, publisher
from app.sessions.relay import Reader, Relay
from app.sessions.session import Ending, Session
from app.sessions.sse import sse_message
from engine.settings import Settings, settings
from engine.train import Trainer

log = logging.getLogger("uvicorn.error")  # in the server's log: adoptions, hand-overs, Redis trouble

GONE_SECONDS = 86_400  # an ended session answers 410 (not 404) this long
ENDED_STREAM_SECONDS = 300  # an ended session's events stay this long (late viewers see the end)
RETRIES = 3


class StoreUnavailable(ServerBusy):
    pass


class RemoteError(ServerBusy):
    """An error answered by the worker that trains the session, passed on as it was."""

    def __init__(self, status: int, detail: dict, headers: dict | None):
        super().__init__(detail.get("message", "error"))
        self.status_code = status
        self._detail = detail
        self.headers = headers

    def detail(self) -> dict:
        return self._detail


class RedisWorker(BackgroundJobs):
    """One process's part in the Redis store (``RedisStore`` adds the routes' interface)."""

    def __init__(self, url: str, limits: Settings = settings, make_trainer: Callable[..., Trainer] = Trainer):
        self.url = url
        self.settings = limits
        self.make_trainer = make_trainer
        self.worker = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.lease_ms = int(limits.redis_lease_seconds * 1000)
        # A few quick retries ride through a blip; Redis down is a 503 within ~0.5 s (redis-py's
        # default, 10 retries up to 1 s apart, would hold requests and a session's lock for seconds).
        backoff = ExponentialWithJitterBackoff(base=0.02, cap=0.2)
        self.redis = aioredis.Redis.from_url(
            url, decode_responses=True, socket_timeout=10, retry=AsyncRetry(backoff, RETRIES)
        )
        self.sync = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=5, retry=Retry(backoff, RETRIES)
        )
        self._held: dict[str, tuple[Session, str]] = {}  # session id -> (session, lease value)
        self._relays: dict[str, Relay] = {}  # session id -> its relay, while it has viewers here
        self._reader = Reader(self.redis, self._relays)
        self._waiting: dict[str, asyncio.Future] = {}  # request id -> its answer
        self._tasks: list[asyncio.Task] = []
        self._serving: set[asyncio.Task] = set()  # requests from other workers being answered
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self.outbox = Outbox(self.sync, self._lost, limits.max_history_points)
        self._end_script = self.sync.register_script(keys.END)
        self._rewrite = self.sync.register_script(keys.REWRITE_HISTORY)
        self._release_sync = self.sync.register_script(keys.RELEASE)
        self._acquire = self.redis.register_script(keys.ACQUIRE)
        self._renew = self.redis.register_script(keys.RENEW)
        self._release = self.redis.register_script(keys.RELEASE)
        self._reserve = self.redis.register_script(keys.RESERVE_STREAM)
        self._unreserve = self.redis.register_script(keys.RELEASE_STREAM)
        self._viewers = self.redis.register_script(keys.VIEWERS)

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for job in (self._heartbeat, self._listen, self._janitor):
            self._tasks.append(asyncio.create_task(self._forever(job), name=job.__name__))

    def stop_now(self) -> None:
        """SIGTERM: stop training here and hand every session over (released leases: the other
        workers adopt the playing ones at once); local viewers are told to reconnect."""
        self._stopping = True
        threading.Thread(target=self._hand_over, name="hand-over", daemon=True).start()

    async def stop(self) -> None:
        self._stopping = True
        await asyncio.to_thread(self._hand_over)
        for task in self._tasks:
            task.cancel()
        for relay in list(self._relays.values()):
            relay.stop()
        self._reader.stop()
        with contextlib.suppress(RedisError):
            await self.redis.delete(keys.alive(self.worker), keys.worker_streams(self.worker))
            await self.redis.srem(keys.WORKERS, self.worker)
        await self.redis.aclose()
        self.sync.close()

    def _hand_over(self) -> None:
        moved = Ending("the worker training this session is restarting", moved=True)
        for sid, (session, value) in list(self._held.items()):
            session.halt(moved)
            self._held.pop(sid, None)
            release = Write(
                sid,
                value,
                call=lambda sid=sid, value=value: self._release_sync(keys=[keys.lease(sid)], args=[value]),
            )
            with contextlib.suppress(ServerBusy):  # after its queued events: the new holder starts there
                self.outbox.put(release, wait=True)
        if self._loop is not None:
            end = "the server is restarting; reconnect to keep watching"
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._tell_viewers_to_reconnect, end)

    def _tell_viewers_to_reconnect(self, message: str) -> None:
        for relay in list(self._relays.values()):
            state = relay.state()
            if state is not None:
                event = SessionEvent(kind="end", state=state, message=message, reconnect=True)
                relay.push_to_all(sse_message(event))

    @contextlib.asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        """Redis unreachable or restarting: 503 with a message, never a 500."""
        try:
            yield
        except RedisError as exc:
            raise StoreUnavailable(
                f"the session store (Redis) is unreachable ({exc.__class__.__name__}); try again in a moment",
                retry_after=2,
            ) from None

    async def _listen(self) -> None:
        """Requests for the sessions this worker trains, and answers to its own requests."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(keys.commands(self.worker), keys.replies(self.worker))
        try:
            async for message in pubsub.listen():
                data = json.loads(message["data"])
                if message["channel"] == keys.replies(self.worker):
                    future = self._waiting.pop(data["rid"], None)
                    if future is not None and not future.done():
                        future.set_result(data)
                else:
                    task = asyncio.create_task(self._serve(data))
                    self._serving.add(task)
                    task.add_done_callback(self._serving.discard)
        finally:
            await pubsub.aclose()

    async def _serve(self, request: dict) -> None:
        reply: dict[str, Any] = {"rid": request["rid"]}
        try:
            answer = await self._local(request["sid"], request["name"], request["args"])
            if isinstance(answer, ops.JsonText):
                reply.update(kind="json", answer=answer)
            elif isinstance(answer, str):
                reply.update(kind="text", answer=answer)
            elif answer is None:
                reply.update(kind="none")
            else:
                reply.update(kind="model", answer=answer.model_dump_json())
        except ServerBusy as exc:
            reply.update(kind="error", status=exc.status_code, detail=exc.detail(), headers=exc.headers)
        except Exception as exc:
            from app.errors import ApiError

            if not isinstance(exc, ApiError):
                log.exception("request %s on %s failed", request["name"], request["sid"])
                exc = ServerBusy(f"the request failed on the worker training this session: {exc}")
            reply.update(kind="error", status=exc.status_code, detail=exc.detail(), headers=exc.headers)
        with contextlib.suppress(RedisError):
            await self.redis.publish(keys.replies(request["from"]), json.dumps(reply))

    # ---------------------------------------------------------------- routing

    async def _route(self, sid: str, name: str, args: dict[str, Any]) -> Answer:
        """``name`` on the session, run by its holder: this worker, another one, or (nobody) us."""
        for _ in range(20):
            holder = await self.redis.get(keys.lease(sid))
            if holder is None:
                if not await self.redis.exists(keys.ckpt(sid)):
                    raise await self._missing(sid)
                await self._adopt(sid)
                continue
            worker = holder.rsplit("|", 1)[0]
            if worker == self.worker:
                held = self._held.get(sid)
                if held is not None and held[1] == holder:
                    return await self._local(sid, name, args)
                await self._release(keys=[keys.lease(sid)], args=[holder])  # ours, but lost: adopt anew
                continue
            if not await self.redis.exists(keys.alive(worker)):
                await self._release(keys=[keys.lease(sid)], args=[holder])  # its worker died
                continue
            answer = await self._ask(worker, sid, name, args)
            if answer is not _AGAIN:
                return answer
            await asyncio.sleep(0.05)
        raise ServerBusy("the session is changing hands between workers; try again", retry_after=1)

    async def _ask(self, worker: str, sid: str, name: str, args: dict[str, Any]) -> Answer:
        rid = secrets.token_hex(8)
        future = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        request = {"rid": rid, "from": self.worker, "sid": sid, "name": name, "args": args}
        try:
            # Our own listener reconnecting (Redis restarted) would miss the answer: wait for it.
            [(_, listening)] = await self.redis.pubsub_numsub(keys.replies(self.worker))
            if not listening or not await self.redis.publish(keys.commands(worker), json.dumps(request)):
                return _AGAIN  # a listener is reconnecting (or its worker just died): look again
            wait = self.settings.max_step_request_seconds + 15 if name == "step" else 30
            try:
                reply = await asyncio.wait_for(future, wait)
            except TimeoutError:
                raise ServerBusy("the worker training this session did not answer; try again") from None
        finally:
            self._waiting.pop(rid, None)
        if reply["kind"] == "error":
            if reply["status"] == 503 and "try again" in reply["detail"].get("message", ""):
                return _AGAIN if name != "step" else self._raise_remote(reply)
            self._raise_remote(reply)
        if reply["kind"] == "text":
            return reply["answer"]
        if reply["kind"] == "json":
            return ops.JsonText(reply["answer"])
        if reply["kind"] == "none":
            return None
        return ops.OPS[name][1].model_validate_json(reply["answer"])

    @staticmethod
    def _raise_remote(reply: dict):
        raise RemoteError(reply["status"], reply["detail"], reply.get("headers"))

    async def _local(self, sid: str, name: str, args: dict[str, Any]) -> Answer:
        held = self._held.get(sid)
        if held is None:
            raise ServerBusy("this session just moved to another worker; try again", retry_after=1)
        session = held[0]
        if name == "_end":
            await asyncio.get_running_loop().run_in_executor(
                compute.pool, self._end_held, sid, Ending(args["reason"], args.get("next"), session.room)
            )
            return None
        return await ops.run(session, name, args)

    # ---------------------------------------------------------------- holding sessions

    async def _adopt(self, sid: str) -> bool:
        """Take the lease of a session nobody trains and restore it from its checkpoint."""
        fence = await self._acquire(
            keys=[keys.lease(sid), keys.fence(sid)], args=[self.worker, self.lease_ms]
        )
        if fence is None:
            return False
        value = f"{self.worker}|{fence}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(keys.ckpt(sid)).hgetall(keys.meta(sid)).lrange(keys.hist(sid), 0, -1)
                saved, meta, history = await pipe.execute()
            if not saved or not meta:
                await self._release(keys=[keys.lease(sid)], args=[value])
                return False
            loop = asyncio.get_running_loop()
            session, state = await loop.run_in_executor(
                compute.pool, redis_state.restore, sid, saved, meta, history, self.settings
            )
        except BaseException:
            with contextlib.suppress(RedisError):
                await self._release(keys=[keys.lease(sid)], args=[value])
            raise
        self._hold(session, value)
        if state["playing"]:
            await ops.play(session, state["steps_per_second"])
        log.info(
            "worker %s adopted session %s at step %d (recomputed %d steps since its checkpoint)",
            self.worker,
            sid,
            session.trainer.step_count,
            state["recomputed"],
        )
        return True

    def _hold(self, session: Session, value: str) -> None:
        session.publisher = publisher(self.outbox, self.settings, value, self._rewrite)
        self._held[session.id] = (session, value)

    def _lost(self, sid: str, value: str) -> None:
        """Another worker has this session now (or Redis lost our lease): stop training it here."""
        held = self._held.get(sid)
        if held is not None and held[1] == value:
            del self._held[sid]
            held[0].halt(Ending("this session moved to another worker", moved=True))

    def _end_held(self, sid: str, ending: Ending) -> None:
        session, value = self._held[sid]
        meta_client = session.client
        event = SessionEvent(
            kind="end", state=session.state(), message=ending.reason, next_session=ending.next_session
        )
        gone = json.dumps({"reason": ending.reason, "next_session": ending.next_session, "room": ending.room})
        end = functools.partial(
            self._end_script,
            keys=[
                keys.lease(sid),
                keys.meta(sid),
                keys.ckpt(sid),
                keys.hist(sid),
                keys.events(sid),
                keys.gone(sid),
                keys.SESSIONS,
                keys.PLAYING,
                keys.client_sessions(meta_client),
                keys.client_playing(meta_client),
                keys.viewers(sid),
            ],
            args=[value, gone, sid, event.model_dump_json(), GONE_SECONDS, ENDED_STREAM_SECONDS],
        )
        self.outbox.put(Write(sid, value, call=end), wait=True)  # after its queued events
        del self._held[sid]
        session.close(ending)

    async def _missing(self, sid: str) -> Exception:
        raw = await self.redis.get(keys.gone(sid))
        if raw:
            gone = json.loads(raw)
            return SessionGone(gone["reason"], gone["next_session"], gone["room"])
        return SessionNotFound(f"no training session has the id {sid!r}")

    async def _meta(self, sid: str) -> dict:
        meta = await self.redis.hgetall(keys.meta(sid))
        if not meta:
            raise await self._missing(sid)
        return meta


_AGAIN = object()  # "ask again": the lease is moving
