"""Issue 14 in a room of students: fair shares, work budgets, bounded memory, refusals, SIGTERM.

Each test here failed against the code before the fix (checked by running it there), and would
fail again if the fix broke. They go through a real uvicorn, with its limits set by environment
variables, and tell clients apart by their source address (127.0.0.2, 127.0.0.3, ...).
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient
from servers import TLS, Uvicorn, http, read_events

from app.main import app
from app.schemas.sessions import TrainConfigIn
from app.sessions.convert import engine_config
from app.sessions.memory import MemoryStore
from engine.settings import Settings
from engine.train import Trainer

LIMITS = {
    "BACKPROP_LAB_MAX_SESSIONS": "8",
    "BACKPROP_LAB_MAX_SESSIONS_PER_CLIENT": "3",
    "BACKPROP_LAB_MAX_STREAMS_PER_CLIENT": "5",
    "BACKPROP_LAB_MAX_VIEWERS_PER_SESSION": "3",
    "BACKPROP_LAB_MAX_PLAYING_PER_CLIENT": "2",
}
EAGER_DEMO = {"executor": "eager"}  # micrograd's demo on the eager executor: ~0.1-0.5 s a step
TINY = {"hidden": [2], "n_points": 8, "seed": 1}


def as_client(server: Uvicorn, n: int, **kwargs) -> httpx.Client:
    """A client whose connections come from 127.0.0.n: the server counts it as another address."""
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{n}", verify=TLS)
    return httpx.Client(base_url=server.base, transport=transport, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Uvicorn(tmp_path_factory.mktemp("fair"), env=LIMITS)
    yield s
    s.stop()


def create(c: httpx.Client, **config) -> tuple[str, dict[str, str]]:
    response = c.post("/api/sessions", json={**TINY, **config})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"X-Owner-Token": body["owner_token"]}


def established(pid: int, port: int) -> int:
    """Open TCP connections to the server's port (requests it has accepted)."""
    return sum(
        c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
        for c in psutil.Process(pid).net_connections(kind="tcp")
    )


# ------------------------------------------------------------------ 2. one user starves everyone


def test_requests_waiting_on_one_session_hold_no_threads(server):
    """60 queued step requests and 50 boundary reads on one session: /healthz still answers at once,
    and the server has no more threads than its fixed pools (before: 40 busy worker threads, 7.3 s)."""
    c = as_client(server, 2)
    sid, owner = create(c, **EAGER_DEMO, n_points=100, hidden=[16, 16])
    process = psutil.Process(server.pid)
    threads_before = process.num_threads()
    base_connections = established(server.pid, server.port)
    pool = ThreadPoolExecutor(max_workers=110)
    # one client, one connection per request (a client each would spend seconds loading CA bundles)
    crowd = httpx.Client(verify=TLS, timeout=120, limits=httpx.Limits(max_connections=None))
    url = f"{server.base}/api/sessions/{sid}"
    step = lambda _: crowd.post(f"{url}/step", json={"steps": 1000}, headers=owner)  # noqa: E731
    read = lambda _: crowd.get(f"{url}/boundary?resolution=30")  # noqa: E731
    futures = [pool.submit(step, i) for i in range(60)] + [pool.submit(read, i) for i in range(50)]
    try:
        deadline = time.monotonic() + 30
        while established(server.pid, server.port) + sum(f.done() for f in futures) < base_connections + 110:
            assert time.monotonic() < deadline, "the requests never reached the server"
            time.sleep(0.05)
        health = http.get(f"{server.base}/healthz", timeout=5)  # raises ReadTimeout if starved
        assert health.status_code == 200
        pools = Settings().session_compute_threads + Settings().play_threads
        # before: one of the 40 worker threads per waiting request; now the fixed pools and a few
        assert process.num_threads() <= threads_before + pools + 10, "waiting requests hold threads"
    finally:
        c.delete(f"/api/sessions/{sid}", headers=owner)
        codes = [f.result().status_code for f in futures]
        pool.shutdown()
        crowd.close()
    assert set(codes) <= {200, 410, 503}, codes


# ------------------------------------------------------------------ 3. work budget


def test_an_eager_run_over_the_work_budget_is_refused_with_the_numbers():
    client = TestClient(app)
    response = client.post("/api/sessions", json={"hidden": [32] * 6, "n_points": 1000, "executor": "eager"})
    assert response.status_code == 422, response.text
    message = response.json()["detail"]["message"]
    assert "max_eager_work" in message and "scalar operations" in message and "compiled" in message
    # The same network on the compiled executor is cheap: allowed.
    assert client.post("/api/sessions", json={"hidden": [32] * 6, "n_points": 1000}).status_code == 201


def test_an_eager_run_over_the_budget_is_refused_before_any_of_its_work(monkeypatch):
    """The estimate comes first: not even step 0's metrics are computed (on [32]*6 x 1000 points
    eager, measuring step 0 alone took minutes, and the refusal came after it)."""

    def measured(*_):
        raise AssertionError("the run was measured before it was refused")

    monkeypatch.setattr(Trainer, "_measure", measured)
    config = TrainConfigIn(hidden=[32] * 6, n_points=1000, executor="eager")
    with pytest.raises(ValueError, match="max_eager_work"):
        Trainer(engine_config(config))


def test_an_eager_boundary_over_the_budget_is_refused_and_names_the_finest_allowed():
    client = TestClient(app)
    sid = client.post("/api/sessions", json={"executor": "eager", "n_points": 100}).json()["id"]
    response = client.get(f"/api/sessions/{sid}/boundary?resolution=200")
    assert response.status_code == 422
    message = response.json()["detail"]["message"]
    assert "max_eager_work" in message and "at most resolution=39" in message
    allowed = client.get(f"/api/sessions/{sid}/boundary?resolution=39")
    assert allowed.status_code == 200 and allowed.json()["resolution"] == 39


def test_a_slow_session_does_not_freeze_the_other_classes():
    """While one session's chunk is stuck, another keeps playing (before: one global play lock)."""
    stuck, release = threading.Event(), threading.Event()

    class Stuck(Trainer):
        def step(self, n: int = 1):
            stuck.set()
            assert release.wait(timeout=60)
            return super().step(n)

    slow_store = MemoryStore(Settings(), make_trainer=Stuck)
    store = MemoryStore(Settings())
    slow, _ = slow_store.open(TrainConfigIn(**TINY))
    other, _ = store.open(TrainConfigIn(**TINY))
    try:
        slow.play(20)
        assert stuck.wait(timeout=30)
        other.play(20)
        deadline = time.monotonic() + 30
        while other.trainer.step_count < 10:
            assert time.monotonic() < deadline, "the other session froze with the slow one"
            time.sleep(0.02)
        assert slow.trainer.step_count == 0
    finally:
        release.set()
        slow_store.close_all()
        store.close_all()


# ------------------------------------------------------------------ 4. lock-out


def test_one_address_cannot_take_every_session_slot(server):
    """One client pinning sessions (each watched) stops at its share; others still get sessions."""
    greedy = as_client(server, 3)
    streams, made = [], []
    for _ in range(8):
        response = greedy.post("/api/sessions", json=TINY)
        if response.status_code != 201:
            break
        made.append(response.json())
        stream = greedy.stream("GET", f"/api/sessions/{made[-1]['id']}/events")
        streams.append(stream)
        stream.__enter__()
    try:
        assert response.status_code == 503 and len(made) == 3
        assert "max_sessions_per_client" in response.json()["detail"]["message"]
        assert response.headers["retry-after"]
        with as_client(server, 4) as other:
            for _ in range(3):
                create(other)  # the rest of the class is not locked out
    finally:
        for stream in streams:
            stream.__exit__(None, None, None)
        for body in made:
            greedy.delete(f"/api/sessions/{body['id']}", headers={"X-Owner-Token": body["owner_token"]})


def test_one_address_cannot_hold_every_stream(server):
    with as_client(server, 5) as c, as_client(server, 6) as other, as_client(server, 8) as third:
        sid, owner = create(c)
        targets = [sid, sid, create(other)[0], create(other)[0], create(third)[0]]
        opened = []
        try:
            for target in targets:  # max_streams_per_client streams, on sessions with room for viewers
                stream = c.stream("GET", f"/api/sessions/{target}/events")
                assert stream.__enter__().status_code == 200
                opened.append(stream)
            refused = c.get(f"/api/sessions/{sid}/events")
            assert refused.status_code == 503
            assert "max_streams_per_client" in refused.json()["detail"]["message"]
            with other.stream("GET", f"/api/sessions/{sid}/events") as response:
                assert response.status_code == 200  # someone else still can
        finally:
            for stream in opened:
                stream.__exit__(None, None, None)
            c.delete(f"/api/sessions/{sid}", headers=owner)


def test_one_address_cannot_play_every_run(server):
    """Playing runs are a share per address too (before: 64 playing runs of one client made every
    new session 503 for everyone)."""
    with as_client(server, 10) as c, as_client(server, 11) as other:
        runs = [create(c) for _ in range(3)]
        theirs = create(other)
        try:
            play = {"json": {"steps_per_second": 1}}
            for sid, owner in runs[:2]:
                assert c.post(f"/api/sessions/{sid}/play", headers=owner, **play).status_code == 200
            refused = c.post(f"/api/sessions/{runs[2][0]}/play", headers=runs[2][1], **play)
            assert refused.status_code == 503 and refused.headers["retry-after"]
            assert "max_playing_per_client" in refused.json()["detail"]["message"]
            assert other.post(f"/api/sessions/{theirs[0]}/play", headers=theirs[1], **play).status_code == 200
            # Pausing one gives the share back.
            assert c.post(f"/api/sessions/{runs[0][0]}/pause", headers=runs[0][1]).status_code == 200
            assert c.post(f"/api/sessions/{runs[2][0]}/play", headers=runs[2][1], **play).status_code == 200
        finally:
            for (sid, owner), who in [*((run, c) for run in runs), (theirs, other)]:
                who.delete(f"/api/sessions/{sid}", headers=owner)


# ------------------------------------------------------------------ 6. /events' shapes


def test_refused_viewers_get_a_refusal_status_not_200_and_an_end(server):
    """50 viewers ask at the same instant for a session with room for 3: 3 streams, 47 refusals
    (before: the check and the subscription were apart, and most got 200 and then an `end`)."""
    with as_client(server, 7) as c:
        sid, _ = create(c)
    url = f"{server.base}/api/sessions/{sid}/events"

    outcomes: list[tuple[int, str]] = []

    async def ask(viewer: httpx.AsyncClient, go: asyncio.Event, done: asyncio.Event) -> None:
        await viewer.get(f"{server.base}/healthz")  # connected already: all asks arrive together
        await go.wait()
        async with viewer.stream("GET", url) as response:
            if response.status_code != 200:
                await response.aread()
                outcomes.append((response.status_code, response.json()["detail"]["message"]))
            else:
                lines = response.aiter_lines()  # kept: closing it would close the connection
                async for line in lines:
                    if line.startswith("event:"):
                        outcomes.append((200, line.split(":", 1)[1].strip()))
                        break
            if len(outcomes) == 50:
                done.set()
            await done.wait()  # an accepted viewer stays until every ask has its answer

    async def scenario() -> None:
        go, done = asyncio.Event(), asyncio.Event()
        viewers = [
            httpx.AsyncClient(
                transport=httpx.AsyncHTTPTransport(local_address=f"127.0.1.{n}", verify=TLS), timeout=30
            )
            for n in range(1, 51)
        ]
        try:
            asks = [asyncio.create_task(ask(v, go, done)) for v in viewers]
            await asyncio.sleep(1.0)
            go.set()
            await asyncio.wait_for(asyncio.gather(*asks), 60)
        finally:
            for viewer in viewers:
                await viewer.aclose()

    asyncio.run(scenario())
    accepted = [o for o in outcomes if o[0] == 200]
    refused = [o for o in outcomes if o[0] == 503]
    assert len(accepted) == 3 and {o[1] for o in accepted} == {"hello"}, accepted
    assert len(refused) == 47 and all("max_viewers_per_session" in o[1] for o in refused), outcomes


def test_events_422_is_the_documented_error_shape():
    client = TestClient(app)
    sid = client.post("/api/sessions", json=TINY).json()["id"]
    response = client.get(f"/api/sessions/{sid}/events?role=teacher")
    assert response.status_code == 422
    assert (
        set(response.json()["detail"]) >= {"message", "line", "column"}
        and "role" in response.json()["detail"]["message"]
    )
    documented = app.openapi()["paths"]["/api/sessions/{session_id}/events"]["get"]["responses"]
    for status in ("404", "410", "422", "503"):
        assert list(documented[status]["content"]) == ["application/json"], status
    assert documented["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")


# ------------------------------------------------------------------ 5. bounded memory


def test_memory_stays_flat_while_a_class_plays(tmp_path):
    """A compressed soak: a class of runs plays flat out with viewers; after the warm-up (histories,
    event backlogs and time travel's keyframes full), the server's RSS grows by less than MARGIN
    over tens of thousands of steps (before: ~385 bytes a step, forever)."""
    margin = 3 * 2**20
    env = {
        "BACKPROP_LAB_MAX_PLAY_STEPS_PER_SECOND": "5000",
        "BACKPROP_LAB_MAX_HISTORY_POINTS": "100",
        "BACKPROP_LAB_EVENT_BACKLOG_BYTES": "65536",
        "BACKPROP_LAB_TIME_TRAVEL_BYTES": "65536",  # time travel's keyframes: full within the warm-up too
    }
    server = Uvicorn(tmp_path, env=env)
    process = psutil.Process(server.pid)
    stop = threading.Event()
    try:
        with httpx.Client(base_url=server.base, timeout=30) as c:
            runs = [create(c, hidden=[1], n_points=2, seed=i) for i in range(6)]

            def watch(sid: str) -> None:
                with http.stream("GET", f"{server.base}/api/sessions/{sid}/events", timeout=30) as response:
                    for _ in read_events(response):
                        if stop.is_set():
                            return

            viewers = [threading.Thread(target=watch, args=(sid,), daemon=True) for sid, _ in runs]
            for viewer in viewers:
                viewer.start()
            for sid, owner in runs:
                assert c.post(f"/api/sessions/{sid}/play", json={"steps_per_second": 5000}, headers=owner)

            def steps() -> int:
                return sum(c.get(f"/api/sessions/{sid}").json()["state"]["step"] for sid, _ in runs)

            def wait_for(total: int) -> None:
                deadline = time.monotonic() + 120
                while steps() < total:
                    assert time.monotonic() < deadline, f"the class played only {steps()} steps"
                    time.sleep(0.2)

            wait_for(6 * 1000)  # warm: every history (100 kept) and event backlog (64 KiB) is full
            start_steps, start_rss = steps(), process.memory_info().rss
            wait_for(start_steps + 15_000)
            grown = process.memory_info().rss - start_rss
            played = steps() - start_steps
    finally:
        stop.set()
        server.stop()
    print(f"soak: {played} steps, RSS grew {grown / 2**20:.2f} MiB (margin {margin / 2**20:.0f} MiB)")
    assert grown < margin, f"RSS grew {grown / 2**20:.1f} MiB over {played} steps"


# ------------------------------------------------------------------ SIGTERM


def test_sigterm_ends_within_seconds_whatever_is_running(tmp_path):
    """The heaviest run the server accepts, playing and watched, with a step request and the
    heaviest boundary read in flight: SIGTERM still ends the server within seconds (before: a
    [32]*6 eager run's single step took minutes, and shutdown waited for it)."""
    server = Uvicorn(tmp_path)
    try:
        with httpx.Client(base_url=server.base, timeout=120) as c:
            response = c.post(
                "/api/sessions", json={"executor": "eager", "hidden": [32] * 6, "n_points": 200}
            )
            if response.status_code == 422:  # over max_eager_work: then the demo, which is within it
                response = c.post("/api/sessions", json={**EAGER_DEMO, "n_points": 100, "hidden": [16, 16]})
            body = response.json()
            sid, owner = body["id"], {"X-Owner-Token": body["owner_token"]}
            url = f"/api/sessions/{sid}"

            def watch() -> None:
                with http.stream("GET", f"{server.base}{url}/events", timeout=600) as response:
                    for _ in read_events(response):
                        pass

            threading.Thread(target=watch, daemon=True).start()
            pool = ThreadPoolExecutor(max_workers=4)
            in_flight = [
                pool.submit(c.post, f"{url}/step", json={"steps": 1000}, headers=owner),
                pool.submit(c.get, f"{url}/boundary?resolution=200"),
                pool.submit(c.get, f"{url}/boundary?resolution=39"),
            ]
            assert c.post(f"{url}/play", json={"steps_per_second": 50}, headers=owner).status_code == 200
            time.sleep(1.0)  # let them start (what matters is that whatever runs is bounded)
            started = time.monotonic()
            server.signal()
            server.proc.wait(timeout=60)
            elapsed = time.monotonic() - started
            pool.shutdown(wait=False, cancel_futures=True)
            ended = [f.done() for f in in_flight]
    finally:
        server.kill()
    assert elapsed < 8, f"SIGTERM took {elapsed:.1f} s"
    assert all(ended) or elapsed < 8
