"""Starting and stopping real servers in tests: a free port, a process whose log goes to a file,
and a wait until it answers /healthz; ``Uvicorn`` for tests that signal or kill their server
(several workers, SIGTERM, kill -9), and reading server-sent events."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import httpx

ROOT = Path(__file__).resolve().parent.parent

# One client for the requests tests make to their servers: each new httpx client loads the CA
# bundle (~30 ms of CPU, ~0.1 s on a busy machine) and tests make hundreds. httpx clients are
# thread-safe; the pool is unbounded because some tests hold a hundred requests open at once.
http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=None, max_keepalive_connections=32))
# For a client that needs a transport of its own (another source address): the same, loaded once.
TLS = ssl.create_default_context()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The server as users run it (`backprop-lab serve`: h11, the URL limit), not a bare uvicorn."""
    return [sys.executable, "-m", "backprop_lab", "serve", "--host", host, "--port", str(port)]


@contextlib.contextmanager
def running_server(
    command: Sequence[str | Path], port: int, log_path: Path, cwd: Path, env: dict[str, str], wait: float = 60
) -> Iterator[str]:
    """Runs ``command`` (a server on 127.0.0.1:``port``) until the block ends; yields its base URL.

    The log goes to a file: a pipe nobody reads fills up after ~64 KB of access log and then blocks
    the server.
    """
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    if http.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Uvicorn:
    """``uvicorn app.main:app`` in a process of its own, started and waited for."""

    def __init__(
        self,
        log_dir: Path,
        env: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        args: tuple[str, ...] = (),
        name: str = "server",
        root: Path = ROOT,
        wait: bool = True,
    ):
        """Starts the server and waits until it answers; ``wait=False`` leaves that to ``ready()``
        (start several at once: each spends ~2 s of CPU importing the app)."""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                host,
                "--port",
                str(self.port),
                *args,
            ],
            cwd=root,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._ready = False
        if wait:
            self.ready()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def ready(self, timeout: float = 120) -> Uvicorn:
        """Wait until it answers /healthz (once: later calls return at once)."""
        deadline = time.monotonic() + timeout
        while not self._ready:
            with contextlib.suppress(httpx.HTTPError):
                self._ready = http.get(self.base + "/healthz", timeout=1).status_code == 200
            if self._ready:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"uvicorn did not start:\n{self.log_path.read_text()}")
            time.sleep(0.05)
        return self

    def signal(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 10) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


class Event(NamedTuple):
    id: str | None  # the SSE id (a reconnecting client sends the last one as Last-Event-ID)
    kind: str
    data: dict


def read_sse(response: httpx.Response) -> Iterator[Event]:
    """Each server-sent event of a streaming response; heartbeats are skipped."""
    event_id, kind, data = None, None, []
    for line in response.iter_lines():
        if line.startswith("id:"):
            event_id = line[len("id:") :].strip()
        elif line.startswith("event:"):
            kind = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:") :].strip())
        elif line == "" and kind is not None:
            yield Event(event_id, kind, json.loads("\n".join(data)))
            event_id, kind, data = None, None, []


def read_events(response: httpx.Response) -> Iterator[tuple[str, dict]]:
    """(kind, data) for each server-sent event of a streaming response; heartbeats are skipped."""
    for event in read_sse(response):
        yield event.kind, event.data


class RedisServer:
    """redis-server on a unix socket in ``folder``; stop() keeps its data (append-only file)."""

    def __init__(self, folder: Path):
        assert shutil.which("redis-server"), "redis-server is missing: `make test` installs it with apt-get"
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        log = (self.folder / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--dir",
                str(self.folder),
                "--appendonly",
                "yes",  # a restart keeps the sessions; fsync every second, as deployed (compose.yaml)
                "--save",
                "",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            assert self.proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: redis-server flushes its append-only file and exits
            self.proc.wait(timeout=10)
        self.socket.unlink(missing_ok=True)


def steps_across_a_reconnect(
    first: str, second: str, session: str, owner: dict[str, str]
) -> tuple[str, list[int]]:
    """Watch a session on server ``first`` while it plays, drop the stream at step 5, come back
    half a second later on ``second`` with ``Last-Event-ID``, and watch 15 more steps. Returns the
    kind of the first event after coming back (what was missed, not a ``hello``) and every step seen."""
    url = f"/api/sessions/{session}/events"
    steps: list[int] = []
    with http.stream("GET", first + url) as response:
        for event in read_sse(response):
            if event.kind == "hello":
                assert http.post(
                    f"{first}/api/sessions/{session}/play", json={"steps_per_second": 20}, headers=owner
                ).is_success
            steps += [m["step"] for m in event.data["metrics"] if event.kind == "step"]
            last_id = event.id
            if steps and steps[-1] >= 5:
                break
    time.sleep(0.5)  # ~10 steps go by unseen
    with http.stream("GET", second + url, headers={"Last-Event-ID": last_id}) as response:
        kinds = []
        for event in read_sse(response):
            kinds.append(event.kind)
            steps += [m["step"] for m in event.data["metrics"] if event.kind == "step"]
            if steps[-1] >= 20:
                break
    assert http.post(f"{second}/api/sessions/{session}/pause", headers=owner).is_success
    return kinds[0], steps
