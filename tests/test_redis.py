"""Sessions shared through a real Redis by several uvicorn processes (issue 12).

One redis-server (Debian's, on a unix socket in a temporary directory, append-only so a restart
keeps its data) and two uvicorn processes for the whole module: created on one, a session is read,
stepped and watched on the other; kill -9 of the process training a playing session is survived
with a viewer's step counter going on (no step missed or repeated); SIGTERM hands sessions over;
Redis restarting answers 503 and then recovers; limits hold across both processes.
"""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest
from servers import RedisServer, Uvicorn, read_events

SMALL = {"hidden": [4], "n_points": 24, "seed": 3}
LIMITS = {"BACKPROP_LAB_MAX_SESSIONS_PER_CLIENT": "12"}


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def workers(redis_server, tmp_path_factory):
    """Two uvicorn processes sharing the sessions through ``redis_server``; a test may replace one."""
    logs = tmp_path_factory.mktemp("workers")
    env = {"BACKPROP_LAB_REDIS_URL": redis_server.url, **LIMITS}
    started = {name: Uvicorn(logs, env=env, name=name) for name in ("a", "b")}
    started["_logs"] = logs
    started["_env"] = env
    yield started
    for name, server in started.items():
        if not name.startswith("_"):
            server.kill()


def restart(workers: dict, name: str) -> Uvicorn:
    workers[name] = Uvicorn(workers["_logs"], env=workers["_env"], name=name)
    return workers[name]


def create(base: str, **config) -> tuple[str, dict[str, str], dict]:
    response = httpx.post(f"{base}/api/sessions", json={**SMALL, **config}, timeout=30)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"X-Owner-Token": body["owner_token"]}, body


class Watcher:
    """A viewer in a thread: every step number it receives, and when each arrived."""

    def __init__(self, base: str, sid: str):
        self.steps: list[int] = []
        self.arrivals: list[tuple[float, int]] = []
        self.kinds: list[str] = []
        self.hello = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(base, sid), daemon=True)
        self.thread.start()
        assert self.hello.wait(30), "no hello"

    def _run(self, base: str, sid: str) -> None:
        try:
            self._follow(base, sid)
        except httpx.HTTPError:
            if not self.stop.is_set():  # a stream cut while the test still watches is a failure
                raise

    def _follow(self, base: str, sid: str) -> None:
        with httpx.stream("GET", f"{base}/api/sessions/{sid}/events", timeout=60) as response:
            for kind, data in read_events(response):
                self.kinds.append(kind)
                if kind == "hello":
                    self.hello.set()
                for m in data["metrics"]:
                    self.steps.append(m["step"])
                    self.arrivals.append((time.monotonic(), m["step"]))
                if self.stop.is_set() or kind == "end":
                    return

    def wait_for(self, step: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.steps or self.steps[-1] < step:
            assert time.monotonic() < deadline, f"the viewer saw only {self.steps[-3:]}"
            time.sleep(0.02)


def test_created_on_one_process_read_stepped_and_watched_on_the_other(workers):
    a, b = workers["a"], workers["b"]
    sid, owner, body = create(a.base)
    assert httpx.get(f"{b.base}/api/sessions/{sid}", timeout=30).json()["state"]["step"] == 0
    watcher = Watcher(b.base, sid)
    stepped = httpx.post(f"{b.base}/api/sessions/{sid}/step", json={"steps": 3}, headers=owner, timeout=30)
    assert stepped.status_code == 200 and [m["step"] for m in stepped.json()["metrics"]] == [1, 2, 3]
    wrong = httpx.post(f"{b.base}/api/sessions/{sid}/step", json={"steps": 1}, headers={"X-Owner-Token": "x"})
    assert wrong.status_code == 403
    watcher.wait_for(3)
    for base in (a.base, b.base):  # the same run, whichever process answers
        detail = httpx.get(f"{base}/api/sessions/{sid}", timeout=30).json()
        assert detail["state"]["step"] == 3 and [m["step"] for m in detail["history"]] == [1, 2, 3]
        assert httpx.get(f"{base}/api/sessions/{sid}/network", timeout=30).json()["step"] == 3
        svg = httpx.get(f"{base}/api/sessions/{sid}/graph?sample=0&format=svg", timeout=30)
        assert svg.status_code == 200 and svg.text.lstrip().startswith("<")
        assert httpx.get(f"{base}/api/rooms/{body['room']}", timeout=30).json()["session"] == sid
    assert (
        httpx.post(
            f"{a.base}/api/sessions/{sid}/play", json={"steps_per_second": 30}, headers=owner
        ).status_code
        == 200
    )
    watcher.wait_for(12)
    assert (
        httpx.post(f"{b.base}/api/sessions/{sid}/pause", headers=owner, timeout=30).json()["playing"] is False
    )
    assert watcher.steps == list(range(1, watcher.steps[-1] + 1)), "every step once, in order"
    # A room continued on the other process ends the run there, naming its successor.
    continued = httpx.post(
        f"{b.base}/api/sessions", params={"room": body["room"]}, json=SMALL, headers=owner, timeout=30
    )
    assert continued.status_code == 201, continued.text
    new = continued.json()["id"]
    gone = httpx.get(f"{a.base}/api/sessions/{sid}", timeout=30)
    assert gone.status_code == 410 and gone.json()["detail"]["next_session"] == new
    watcher.thread.join(30)
    assert watcher.kinds[-1] == "end"


def test_kill_9_mid_play_a_viewer_counts_on(workers):
    """SIGKILL of the process training a playing run: the other adopts it within 5 s, from exactly
    the last step it published, and a viewer's counter goes on with no step missed or repeated."""
    a, b = workers["a"], workers["b"]
    sid, owner, _ = create(a.base)  # a trains it
    watcher = Watcher(b.base, sid)  # b relays it
    assert (
        httpx.post(
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
    history = httpx.get(f"{b.base}/api/sessions/{sid}", timeout=30).json()["history"]
    assert [m["step"] for m in history] == list(range(1, len(history) + 1))
    httpx.post(f"{b.base}/api/sessions/{sid}/pause", headers=owner, timeout=30)
    watcher.stop.set()
    restart(workers, "a")


def test_sigterm_hands_sessions_over(workers):
    a, b = workers["a"], workers["b"]
    sid, owner, _ = create(b.base)  # b trains it
    watcher = Watcher(a.base, sid)
    httpx.post(f"{b.base}/api/sessions/{sid}/play", json={"steps_per_second": 20}, headers=owner, timeout=30)
    watcher.wait_for(5)
    stopped_at = time.monotonic()
    b.proc.send_signal(signal.SIGTERM)
    b.proc.wait(15)
    assert time.monotonic() - stopped_at < 8
    last = watcher.steps[-1]
    watcher.wait_for(last + 10, timeout=15)
    assert watcher.steps == list(range(1, watcher.steps[-1] + 1))
    assert httpx.get(f"{a.base}/api/sessions/{sid}", timeout=30).json()["state"]["playing"] is True
    httpx.post(f"{a.base}/api/sessions/{sid}/pause", headers=owner, timeout=30)
    watcher.stop.set()
    restart(workers, "b")


def test_redis_down_is_503_and_the_service_recovers(workers, redis_server):
    a, b = workers["a"], workers["b"]
    sid, owner, _ = create(a.base)
    httpx.post(f"{a.base}/api/sessions/{sid}/step", json={"steps": 2}, headers=owner, timeout=30)
    redis_server.stop()
    try:
        for base in (a.base, b.base):
            down = httpx.get(f"{base}/api/sessions/{sid}", timeout=30)
            assert down.status_code == 503 and "Redis" in down.json()["detail"]["message"]
            assert "retry-after" in down.headers
            assert httpx.post(f"{base}/api/sessions", json=SMALL, timeout=30).status_code == 503
            assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
    finally:
        redis_server.start()
    deadline = time.monotonic() + 30
    while True:
        back = httpx.get(f"{b.base}/api/sessions/{sid}", timeout=30)
        if back.status_code == 200:
            break
        assert back.status_code == 503 and time.monotonic() < deadline, back.text
        time.sleep(0.2)
    assert back.json()["state"]["step"] == 2
    stepped = httpx.post(f"{b.base}/api/sessions/{sid}/step", json={"steps": 1}, headers=owner, timeout=30)
    assert stepped.status_code == 200 and stepped.json()["state"]["step"] == 3


def test_limits_hold_across_processes(workers):
    """max_sessions_per_client counts the sessions an address made on every process."""
    a, b = workers["a"], workers["b"]
    made = []
    for i in range(20):
        base = (a.base, b.base)[i % 2]
        response = httpx.post(f"{base}/api/sessions", json=SMALL, timeout=30)
        if response.status_code != 201:
            break
        made.append(response.json())
    assert response.status_code == 503 and "max_sessions_per_client" in response.json()["detail"]["message"]
    assert len(made) <= 12
    for body in made:
        httpx.delete(f"{a.base}/api/sessions/{body['id']}", headers={"X-Owner-Token": body["owner_token"]})


def test_several_workers_without_redis_refuse_sessions_loudly(tmp_path):
    server = Uvicorn(tmp_path, args=("--workers", "2"))
    try:
        response = httpx.post(f"{server.base}/api/sessions", json=SMALL, timeout=30)
        assert response.status_code == 503
        assert "BACKPROP_LAB_REDIS_URL" in response.json()["detail"]["message"]
        assert httpx.get(f"{server.base}/healthz", timeout=30).status_code == 200
    finally:
        server.stop()
    assert "BACKPROP_LAB_REDIS_URL" in server.log_path.read_text()
