"""Sessions shared through a real Redis by several uvicorn processes (issue 12).

One redis-server (Debian's, on a unix socket in a temporary directory, append-only so a restart
keeps its data) and two uvicorn processes for the whole module, all started at once (a killed one
is restarted in the background while the next test runs): created on one, a session is read,
stepped and watched on the other; kill -9 of the process training a playing session is survived
with a viewer's step counter going on (no step missed or repeated, the numbers of an uninterrupted
run, recomputed from an older checkpoint); SIGTERM hands sessions over; Redis restarting answers
503 and then recovers; limits hold across both processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import threading
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import redis
from servers import RedisServer, Uvicorn, http, read_events, steps_across_a_reconnect

from app import addresses
from app.schemas.sessions import MetricsOut, SessionEvent, TrainConfigIn
from app.sessions import redis_keys as keys
from app.sessions.convert import engine_config
from app.sessions.errors import ServerBusy, SessionGone
from app.sessions.redis_outbox import Outbox, Write, publisher
from app.sessions.redis_store import RedisStore
from app.sessions.session import Session
from app.sessions.store import Client
from engine.settings import Settings
from engine.train import Trainer

SMALL = {"hidden": [4], "n_points": 24, "seed": 3}
ENV = {
    "BACKPROP_LAB_MAX_SESSIONS_PER_CLIENT": "12",
    "BACKPROP_LAB_MAX_VIEWERS_PER_SESSION": "3",
    # Checkpoints only with play/pause/reset: a worker taking over always recomputes the steps since.
    "BACKPROP_LAB_REDIS_CHECKPOINT_SECONDS": "600",
}


class Workers:
    """The module's uvicorn processes by name, each waited for when a test first asks for it."""

    def __init__(self, logs, env: dict[str, str]):
        self.logs, self.env = logs, env
        self.servers: dict[str, Uvicorn] = {}

    def start(self, name: str) -> None:
        self.servers[name] = Uvicorn(self.logs, env=self.env, name=name, wait=False)

    def __getitem__(self, name: str) -> Uvicorn:
        return self.servers[name].ready()

    def kill(self) -> None:
        for server in self.servers.values():
            server.kill()


@pytest.fixture(scope="module")
def unshared(tmp_path_factory):
    """Two workers and no Redis, on every interface (started with the others, to overlap their start-up)."""
    server = Uvicorn(tmp_path_factory.mktemp("unshared"), host="0.0.0.0", args=("--workers", "2"), wait=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def workers(unshared, redis_server, tmp_path_factory):
    """Two uvicorn processes sharing the sessions through ``redis_server``."""
    pool = Workers(tmp_path_factory.mktemp("workers"), {"BACKPROP_LAB_REDIS_URL": redis_server.url, **ENV})
    for name in ("a", "b"):
        pool.start(name)
    yield pool
    pool.kill()


def create(base: str, **config) -> tuple[str, dict[str, str], dict]:
    response = http.post(f"{base}/api/sessions", json={**SMALL, **config}, timeout=30)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"X-Owner-Token": body["owner_token"]}, body


class Watcher:
    """A viewer in a thread: every step number it receives, and when each arrived."""

    def __init__(self, base: str, sid: str):
        self.steps: list[int] = []
        self.arrivals: list[tuple[float, int]] = []
        self.kinds: list[str] = []
        self.changed = threading.Condition()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(base, sid), daemon=True)
        self.thread.start()
        with self.changed:
            assert self.changed.wait_for(lambda: "hello" in self.kinds, 60), "no hello"

    def _run(self, base: str, sid: str) -> None:
        try:
            self._follow(base, sid)
        except httpx.HTTPError:
            if not self.stop.is_set():  # a stream cut while the test still watches is a failure
                raise

    def _follow(self, base: str, sid: str) -> None:
        with http.stream("GET", f"{base}/api/sessions/{sid}/events", timeout=60) as response:
            for kind, data in read_events(response):
                with self.changed:
                    self.kinds.append(kind)
                    for m in data["metrics"]:
                        self.steps.append(m["step"])
                        self.arrivals.append((time.monotonic(), m["step"]))
                    self.changed.notify_all()
                if self.stop.is_set() or kind == "end":
                    return

    def wait_for(self, step: int, timeout: float = 30) -> None:
        with self.changed:
            seen = self.changed.wait_for(lambda: self.steps and self.steps[-1] >= step, timeout)
            assert seen, f"the viewer saw only {self.steps[-3:]}"


def test_created_on_one_process_read_stepped_and_watched_on_the_other(workers):
    a, b = workers["a"], workers["b"]
    sid, owner, body = create(a.base)
    assert http.get(f"{b.base}/api/sessions/{sid}", timeout=30).json()["state"]["step"] == 0
    watcher = Watcher(b.base, sid)
    stepped = http.post(f"{b.base}/api/sessions/{sid}/step", json={"steps": 3}, headers=owner, timeout=30)
    assert stepped.status_code == 200 and [m["step"] for m in stepped.json()["metrics"]] == [1, 2, 3]
    wrong = http.post(f"{b.base}/api/sessions/{sid}/step", json={"steps": 1}, headers={"X-Owner-Token": "x"})
    assert wrong.status_code == 403
    watcher.wait_for(3)
    for base in (a.base, b.base):  # the same run, whichever process answers
        detail = http.get(f"{base}/api/sessions/{sid}", timeout=30).json()
        assert detail["state"]["step"] == 3 and [m["step"] for m in detail["history"]] == [0, 1, 2, 3]
        assert http.get(f"{base}/api/sessions/{sid}/network", timeout=30).json()["step"] == 3
        svg = http.get(f"{base}/api/sessions/{sid}/graph?sample=0&format=svg", timeout=30)
        assert svg.status_code == 200 and svg.text.lstrip().startswith("<")
        assert http.get(f"{base}/api/rooms/{body['room']}", timeout=30).json()["session"] == sid
    assert (
        http.post(
            f"{a.base}/api/sessions/{sid}/play", json={"steps_per_second": 30}, headers=owner
        ).status_code
        == 200
    )
    watcher.wait_for(12)
    assert (
        http.post(f"{b.base}/api/sessions/{sid}/pause", headers=owner, timeout=30).json()["playing"] is False
    )
    assert watcher.steps == list(range(1, watcher.steps[-1] + 1)), "every step once, in order"
    # A room continued on the other process ends the run there, naming its successor.
    continued = http.post(
        f"{b.base}/api/sessions", params={"room": body["room"]}, json=SMALL, headers=owner, timeout=30
    )
    assert continued.status_code == 201, continued.text
    new = continued.json()["id"]
    gone = http.get(f"{a.base}/api/sessions/{sid}", timeout=30)
    assert gone.status_code == 410 and gone.json()["detail"]["next_session"] == new
    watcher.thread.join(30)
    assert watcher.kinds[-1] == "end"


def test_a_viewer_reconnecting_with_last_event_id_misses_nothing(workers):
    """Cut off on one process, a viewer reconnects to the other with Last-Event-ID: it gets the
    events it missed from the session's Redis stream (no hello), then the live ones: every step once."""
    sid, owner, _ = create(workers["a"].base)
    first, steps = steps_across_a_reconnect(workers["b"].base, workers["a"].base, sid, owner)
    assert first == "step", first
    assert steps == list(range(1, steps[-1] + 1)), steps


def test_kill_9_mid_play_a_viewer_counts_on(workers):
    """SIGKILL of the process training a playing run: the other adopts it within 5 s, from exactly
    the last step it published, and a viewer's counter goes on with no step missed or repeated."""
    a, b = workers["a"], workers["b"]
    sid, owner, _ = create(a.base)  # a trains it
    watcher = Watcher(b.base, sid)  # b relays it
    assert (
        http.post(
            f"{a.base}/api/sessions/{sid}/play", json={"steps_per_second": 20}, headers=owner
        ).status_code
        == 200
    )
    watcher.wait_for(10)
    killed_at = time.monotonic()
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(10)
    last = watcher.steps[-1]
    watcher.wait_for(last + 20, timeout=30)
    resumed = next(t for t, step in watcher.arrivals if step > last)
    recovery = resumed - killed_at
    print(f"kill -9: the viewer's next step came {recovery:.2f} s after the kill")
    assert recovery < 5, f"took {recovery:.1f} s"
    assert watcher.steps == list(range(1, watcher.steps[-1] + 1)), "no step missed or repeated"
    history = http.get(f"{b.base}/api/sessions/{sid}", timeout=30).json()["history"]
    steps = [m["step"] for m in history]
    assert steps[0] <= 1 and steps == list(range(steps[0], steps[-1] + 1))
    http.post(f"{b.base}/api/sessions/{sid}/pause", headers=owner, timeout=30)
    watcher.stop.set()
    workers.start("a")  # in the background, while the next tests run
    # b restored the checkpoint saved at play (step 0) and recomputed what a had published since:
    adopted = re.findall(rf"adopted session {sid} .*recomputed (\d+) steps", b.log_path.read_text())
    recomputed = [int(n) for n in adopted]
    assert recomputed and recomputed[0] >= 10, recomputed
    # ... and the whole run has the numbers of one that was never interrupted.
    alone = Trainer(engine_config(TrainConfigIn(**SMALL)))
    alone.step(history[-1]["step"])
    expected = {m.step: (m.train_loss, m.train_accuracy) for m in alone.history}
    assert {m["step"]: (m["train_loss"], m["train_accuracy"]) for m in history} == expected


def test_sigterm_hands_sessions_over(workers):
    a, b = workers["a"], workers["b"]
    sid, owner, _ = create(b.base)  # b trains it
    watcher = Watcher(a.base, sid)
    http.post(f"{b.base}/api/sessions/{sid}/play", json={"steps_per_second": 20}, headers=owner, timeout=30)
    watcher.wait_for(5)
    stopped_at = time.monotonic()
    b.proc.send_signal(signal.SIGTERM)
    b.proc.wait(15)
    assert time.monotonic() - stopped_at < 8
    assert "Traceback" not in b.log_path.read_text(), "a hand-over is not a failure to log"
    last = watcher.steps[-1]
    watcher.wait_for(last + 10, timeout=15)
    assert watcher.steps == list(range(1, watcher.steps[-1] + 1))
    assert http.get(f"{a.base}/api/sessions/{sid}", timeout=30).json()["state"]["playing"] is True
    http.post(f"{a.base}/api/sessions/{sid}/pause", headers=owner, timeout=30)
    watcher.stop.set()
    workers.start("b")


def test_train_tools_work_on_either_process_and_survive_a_hand_over(workers):
    """Hand edits, stop rules, time travel and exports (issue 15) through Redis: asked of the process
    that does not train the run, and still there, the same, after that process hands it over."""
    a, b = workers["a"], workers["b"]
    sid, owner, _ = create(a.base, features=["x1", "x2", "x1*x2"])  # a trains it
    watcher = Watcher(b.base, sid)
    http.post(f"{a.base}/api/sessions/{sid}/step", json={"steps": 4}, headers=owner, timeout=30)
    edit = {"layer": 0, "neuron": 1, "index": 2, "value": 0.75}
    edited = http.post(f"{b.base}/api/sessions/{sid}/weights", json=edit, headers=owner, timeout=30)
    assert edited.status_code == 200, edited.text
    rules = {"target_accuracy": None, "target_loss": None, "max_steps": 9}
    assert http.put(f"{b.base}/api/sessions/{sid}/stop-rules", json=rules, headers=owner).status_code == 200
    stepped = http.post(f"{b.base}/api/sessions/{sid}/step", json={"steps": 20}, headers=owner, timeout=30)
    assert [m["step"] for m in stepped.json()["metrics"]][-1] == 9 and "stop rule" in stepped.json()[
        "message"
    ]
    watcher.wait_for(9)
    past = http.get(f"{b.base}/api/sessions/{sid}/steps/6", timeout=30).json()
    weights = http.get(f"{b.base}/api/sessions/{sid}/export/weights.json", timeout=30).json()
    network = http.get(f"{b.base}/api/sessions/{sid}/network", timeout=30).json()
    # a hands the run over to b (SIGTERM), which restores it from its checkpoint.
    a.proc.send_signal(signal.SIGTERM)
    a.proc.wait(15)
    assert "Traceback" not in a.log_path.read_text()
    try:
        detail = http.get(f"{b.base}/api/sessions/{sid}", timeout=30).json()
        assert detail["state"]["step"] == 9 and detail["state"]["stop_rules"] == rules
        assert http.get(f"{b.base}/api/sessions/{sid}/steps/6", timeout=30).json() == past
        assert http.get(f"{b.base}/api/sessions/{sid}/export/weights.json", timeout=30).json() == weights
        assert http.get(f"{b.base}/api/sessions/{sid}/network", timeout=30).json() == network
        # The edit is part of the run: step 4, rebuilt from the restored keyframes, has it.
        at_edit = http.get(f"{b.base}/api/sessions/{sid}/steps/4", timeout=30).json()
        assert at_edit["weights"][0][1][2] == 0.75
        more = http.post(f"{b.base}/api/sessions/{sid}/step", json={"steps": 2}, headers=owner, timeout=30)
        assert [m["step"] for m in more.json()["metrics"]] == [10, 11]  # the met rule does not stop it again
    finally:
        watcher.stop.set()
        workers.start("a")


def test_redis_down_is_503_and_the_service_recovers(workers, redis_server):
    a, b = workers["a"], workers["b"]
    sid, owner, _ = create(a.base)
    http.post(f"{a.base}/api/sessions/{sid}/step", json={"steps": 2}, headers=owner, timeout=30)
    redis_server.stop()
    try:
        for base in (a.base, b.base):
            down = http.get(f"{base}/api/sessions/{sid}", timeout=30)
            assert down.status_code == 503 and "Redis" in down.json()["detail"]["message"]
            assert "retry-after" in down.headers
            assert http.post(f"{base}/api/sessions", json=SMALL, timeout=30).status_code == 503
            assert http.get(f"{base}/healthz", timeout=30).status_code == 200
    finally:
        redis_server.start()
    deadline = time.monotonic() + 30
    while True:
        back = http.get(f"{b.base}/api/sessions/{sid}", timeout=30)
        if back.status_code == 200:
            break
        assert back.status_code == 503 and time.monotonic() < deadline, back.text
        time.sleep(0.2)
    assert back.json()["state"]["step"] == 2
    stepped = http.post(f"{b.base}/api/sessions/{sid}/step", json={"steps": 1}, headers=owner, timeout=30)
    assert stepped.status_code == 200 and stepped.json()["state"]["step"] == 3


def test_limits_hold_across_processes(workers):
    """max_sessions_per_client counts the sessions an address made on every process."""
    a, b = workers["a"], workers["b"]
    made = []
    for i in range(20):
        base = (a.base, b.base)[i % 2]
        response = http.post(f"{base}/api/sessions", json=SMALL, timeout=30)
        if response.status_code != 201:
            break
        made.append(response.json())
    assert response.status_code == 503 and "max_sessions_per_client" in response.json()["detail"]["message"]
    assert len(made) <= 12
    for body in made:
        http.delete(f"{a.base}/api/sessions/{body['id']}", headers={"X-Owner-Token": body["owner_token"]})


def test_a_sessions_viewer_limit_counts_every_process(workers):
    """max_viewers_per_session: three streams open, split over both processes; a fourth is refused
    on either, and a slot given back on one is free on the other."""
    a, b = workers["a"], workers["b"]
    sid, owner, _ = create(a.base)
    url = f"/api/sessions/{sid}/events"
    opened = [http.stream("GET", base + url) for base in (a.base, b.base, a.base)]
    try:
        assert all(stream.__enter__().status_code == 200 for stream in opened)
        for base in (a.base, b.base):
            refused = http.get(base + url)
            assert refused.status_code == 503, refused.text
            assert "max_viewers_per_session" in refused.json()["detail"]["message"]
        opened.pop(0).__exit__(None, None, None)  # a viewer on a leaves...
        deadline = time.monotonic() + 10
        while (response := http.stream("GET", b.base + url)).__enter__().status_code != 200:  # ...b has room
            response.__exit__(None, None, None)
            assert time.monotonic() < deadline, "the slot was never given back"
            time.sleep(0.1)
        opened.append(response)
    finally:
        for stream in opened:
            stream.__exit__(None, None, None)
        http.delete(f"{a.base}/api/sessions/{sid}", headers=owner)


def test_several_workers_without_redis_refuse_sessions_loudly(unshared):
    server = unshared.ready()
    response = http.post(f"{server.base}/api/sessions", json=SMALL, timeout=30)
    assert response.status_code == 503
    assert "BACKPROP_LAB_REDIS_URL" in response.json()["detail"]["message"]
    assert http.get(f"{server.base}/healthz", timeout=30).status_code == 200
    assert "BACKPROP_LAB_REDIS_URL" in server.log_path.read_text()


def test_a_server_on_every_interface_offers_its_lan_addresses(unshared):
    """Bound to 0.0.0.0 (``make run HOST=0.0.0.0``), a worker process reports the socket it inherited
    and a base URL for each of the machine's LAN IPv4 addresses, for the share dialog (issue 11)."""
    server = unshared.ready()
    answer = http.get(f"{server.base}/api/server/addresses").json()
    assert {"host": "0.0.0.0", "port": server.port} in answer["bound"]
    lan = [ip for ip in addresses.lan_addresses() if ":" not in ip]
    assert lan, "this machine has no LAN address: the test cannot check what the dialog offers"
    assert answer["lan_urls"] == [f"http://{ip}:{server.port}" for ip in lan]
    assert answer["loopback_only"] is False and answer["hint"] is None


def test_a_stalled_former_holder_cannot_write_after_losing_the_lease(redis_server):
    """Fencing, in the scripts every holder's write goes through: a worker that stalled past its
    lease (GC pause, swapped out) and lost the session to another can no longer publish, save a
    checkpoint, rewrite the history or end the session; the new holder can."""
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    sid = "fencing-test"
    lease, fence = keys.lease(sid), keys.fence(sid)
    acquire, publish = r.register_script(keys.ACQUIRE), r.register_script(keys.PUBLISH)
    rewrite, end = r.register_script(keys.REWRITE_HISTORY), r.register_script(keys.END)

    def publish_as(holder: str, step: int) -> int:
        """One event in a batch of two (the other one's lease is ``holder`` too): the history's length,
        or -1 when fenced."""
        event = json.dumps({"kind": "step", "step": step})
        stream = [lease, keys.ckpt(sid), keys.events(sid), keys.hist(sid), keys.PLAYING]
        args = [holder, "{}", event, "step", 100, "0", "1", sid, 1, step, f'{{"step":{step}}}']
        first, second = publish(
            keys=2 * [*stream, keys.client_playing("c"), keys.SESSIONS], args=2 * [len(args), *args]
        )
        assert first == -1 or second == first + 1, "both events of the batch are written, in order"
        return first

    try:
        old = f"old|{acquire(keys=[lease, fence], args=['old', 60_000])}"
        publish_as(old, 1)
        assert acquire(keys=[lease, fence], args=["new", 60_000]) is None, "a live lease is exclusive"
        r.delete(lease)  # the old holder stalls past its lease: it expires...
        new = f"new|{acquire(keys=[lease, fence], args=['new', 60_000])}"  # ...and another takes it
        assert new != old
        assert publish_as(old, 2) == -1, "FENCED: nothing written"
        for write in (
            lambda: rewrite(keys=[lease, keys.hist(sid)], args=[old, "x"]),
            lambda: end(
                keys=[lease, *(f"{keys.PREFIX}x{i}" for i in range(10))], args=[old, "", sid, "", 1, 1]
            ),
        ):
            with pytest.raises(redis.exceptions.ResponseError, match="FENCED"):
                write()
        assert r.hget(keys.ckpt(sid), "step") == "1" and r.xlen(keys.events(sid)) == 2
        assert publish_as(new, 2) == 3
        assert r.hget(keys.ckpt(sid), "step") == "2" and r.lrange(keys.hist(sid), 0, -1)[-1] == '{"step":2}'
    finally:
        r.delete(lease, fence, keys.ckpt(sid), keys.events(sid), keys.hist(sid))
        r.srem(keys.PLAYING, sid)
        r.close()


def test_checkpoints_go_with_every_change_and_after_enough_training():
    """The holder's cadence (no Redis needed: the script call is recorded): a checkpoint with every
    event steps cannot reproduce, and with a step event once the steps since the last checkpoint
    took ``redis_checkpoint_seconds`` to compute — what a new holder would have to recompute."""
    limits = Settings(redis_checkpoint_seconds=0.5)
    saved: list[bool] = []

    class Recorder:  # an outbox that records whether each event carries a checkpoint
        compact: frozenset[str] = frozenset()  # no history to compact

        def put(self, write: Write, wait: bool) -> None:
            saved.append(write.args[1] != "")

    config = TrainConfigIn(**SMALL)
    session = Session("s", config, Trainer(engine_config(config)), limits, room="R", client="c")
    publish = publisher(Recorder(), limits, "w|1", rewrite=None)

    def step_event(seconds: float) -> SessionEvent:
        metrics = MetricsOut.model_validate(session.trainer.step(1)[0], from_attributes=True)
        return SessionEvent(
            kind="step", state=session.state(), metrics=[metrics.model_copy(update={"step_seconds": seconds})]
        )

    publish(session, SessionEvent(kind="state", state=session.state()))  # play, pause, reset...: saved
    for seconds in (0.2, 0.2, 0.2, 0.1, 0.3, 0.05):
        publish(session, step_event(seconds))
    publish(session, SessionEvent(kind="reset", state=session.state()))
    #                state  0.2    0.4    0.6 -> 0  0.1    0.4    0.45   reset
    assert saved == [True, False, False, True, False, False, False, True]


def test_the_outbox_sends_queued_events_in_order_and_drops_a_lost_sessions_rest(redis_server):
    """A play thread's events go unwaited into the outbox; a later waited-for write returns only once
    everything queued before it is in Redis, in order. A session whose write fails (here: Redis
    errs on its step 3; FENCED is the script's own test above) is given up (``on_lost``, once) and its
    later queued writes are dropped even though its lease still holds: a new holder goes on from the
    last step in Redis, with no gap. The other session's events in the same batches are written."""
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    lost: list[tuple[str, str]] = []
    outbox = Outbox(r, lambda sid, value: lost.append((sid, value)), max_history=1_000)
    acquire = r.register_script(keys.ACQUIRE)
    sids = ["outbox-kept", "outbox-lost"]

    def event(sid: str, value: str, step: int) -> Write:
        args = [value, "", json.dumps({"step": step}), "step", 100, "0", "1", sid, 1, step, str(step)]
        stream = [keys.lease(sid), keys.ckpt(sid), keys.events(sid), keys.hist(sid), keys.PLAYING]
        return Write(sid, value, args=args, keys=[*stream, keys.client_playing("c"), keys.SESSIONS])

    def fails() -> None:
        raise redis.exceptions.ConnectionError("Redis went away for a moment")

    try:
        # Both leases are "w|1" (each session counts its own fences): giving one up must not drop the other.
        kept, gone = (f"w|{acquire(keys=[keys.lease(s), keys.fence(s)], args=['w', 60_000])}" for s in sids)
        for step in range(1, 6):
            outbox.put(event(sids[0], kept, step), wait=False)
            failing = Write(sids[1], gone, call=fails)
            outbox.put(event(sids[1], gone, step) if step != 3 else failing, wait=False)
        assert outbox.put(event(sids[0], kept, 6), wait=True) == 6
        assert r.lrange(keys.hist(sids[0]), 0, -1) == [str(s) for s in range(1, 7)]
        assert r.lrange(keys.hist(sids[1]), 0, -1) == ["1", "2"], "nothing after the failed write"
        assert r.hget(keys.ckpt(sids[1]), "step") == "2"
        assert lost == [(sids[1], gone)]
        with pytest.raises(ServerBusy, match="moved to another worker"):
            outbox.put(event(sids[1], gone, 9), wait=True)
        assert len(lost) == 1 and r.llen(keys.hist(sids[1])) == 2
    finally:
        for sid in sids:
            r.delete(keys.lease(sid), keys.fence(sid), keys.ckpt(sid), keys.events(sid), keys.hist(sid))
            r.srem(keys.PLAYING, sid)
        r.close()


@contextlib.asynccontextmanager
async def two_workers(redis_server, db: int, **limits) -> AsyncIterator[tuple[RedisStore, RedisStore]]:
    """Two workers' stores, started, in this process on a Redis database of their own (the module's
    sessions stay out of their counts): cheaper than two more uvicorn processes, and the same code
    between them (leases, routing over pub/sub, the shared sorted set)."""
    url = f"{redis_server.url}?db={db}"
    redis.Redis.from_url(url).flushdb()
    a, b = RedisStore(url, Settings(**limits)), RedisStore(url, Settings(**limits))
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.stop()
        await b.stop()


async def gone_reason(store: RedisStore, sid: str) -> str:
    with pytest.raises(SessionGone) as gone:
        await store.run(sid, "state", {})
    return gone.value.message


def test_eviction_counts_every_worker_and_spares_playing_sessions(redis_server):
    """max_sessions holds across workers: a new session on one worker evicts the least recently used
    idle session even when another worker trains it (410 with the reason, on either worker); a
    playing one is never the victim, even as the least recently used (at 0.2 steps/s its last
    event is seconds old)."""
    config, client = TrainConfigIn(**SMALL), Client("10.0.0.1")

    async def scenario() -> None:
        async with two_workers(redis_server, 1, max_sessions=2) as (a, b):
            first = await b.create(config, client)  # the least recently used, held by b
            second = await a.create(config, client)
            await a.run(second.id, "play", {"steps_per_second": 0.2}, second.owner_token)
            third = await a.create(config, client)  # full: b's idle session goes
            for store in (a, b):
                assert "evicted" in await gone_reason(store, first.id)
            fourth = await b.create(config, client)  # full again: the idle third, not the older second
            assert "evicted" in await gone_reason(b, third.id)
            assert (await b.run(second.id, "state", {})).playing
            assert (await a.run(fourth.id, "state", {})).step == 0
            await a.run(second.id, "pause", {}, second.owner_token)

    asyncio.run(scenario())


def test_idle_sessions_expire_on_every_worker_unless_played_or_watched_anywhere(redis_server):
    """session_idle_seconds holds across workers: an idle session created on one worker expires
    (every worker answers 410 with the reason); one playing, or watched through the OTHER worker than
    the one training it, stays until that ends."""
    config, client = TrainConfigIn(**SMALL), Client("10.0.0.2")

    async def scenario() -> None:
        async with two_workers(redis_server, 2, session_idle_seconds=1.0) as (a, b):
            idle = await a.create(config, client)
            playing = await a.create(config, client)
            watched = await b.create(config, client)
            # Slowly: its last event (a use) is seconds old when the janitors look.
            await a.run(playing.id, "play", {"steps_per_second": 0.2}, playing.owner_token)
            _, stop_watching = await a.events(watched.id, client)
            await asyncio.sleep(2.5)  # idle for more than a second, and the janitors ran
            for store in (a, b):
                assert "expired" in await gone_reason(store, idle.id)
            assert (await b.run(playing.id, "state", {})).playing
            assert (await b.run(watched.id, "state", {})).step == 0
            stop_watching()
            await a.run(playing.id, "pause", {}, playing.owner_token)
            await asyncio.sleep(2.5)
            for sid in (playing.id, watched.id):
                assert "expired" in await gone_reason(b, sid)

    asyncio.run(scenario())


def test_watched_sessions_do_not_hide_idle_ones_from_expiry(redis_server):
    """The janitor looks at the ten sessions idle longest; eleven watched ones ahead of an idle one
    must not keep it from expiring."""
    config, client = TrainConfigIn(**SMALL), Client("10.0.0.3")

    async def scenario() -> None:
        async with two_workers(redis_server, 3, session_idle_seconds=1.0) as (a, b):
            watched = [await a.create(config, client) for _ in range(11)]
            stops = [(await b.events(session.id, client))[1] for session in watched]
            idle = await a.create(config, client)  # the youngest: behind the watched ones
            await asyncio.sleep(2.5)
            assert "expired" in await gone_reason(b, idle.id)
            for session in watched:
                assert (await a.run(session.id, "state", {})).step == 0
            for stop in stops:
                stop()

    asyncio.run(scenario())


def test_eviction_finds_an_idle_session_behind_many_watched_ones(redis_server):
    """When full, the least recently used idle session goes, however many watched ones are older."""
    config, client = TrainConfigIn(**SMALL), Client("10.0.0.4")

    async def scenario() -> None:
        async with two_workers(redis_server, 4, max_sessions=23) as (a, b):
            watched = [await a.create(config, client) for _ in range(22)]
            stops = [(await b.events(session.id, client))[1] for session in watched]
            idle = await a.create(config, client)  # the youngest: behind the watched ones
            await b.create(config, client)  # full: the idle one goes, not a 503
            assert "evicted" in await gone_reason(a, idle.id)
            for stop in stops:
                stop()

    asyncio.run(scenario())
