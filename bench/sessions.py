"""Many live sessions through the real server: do they keep their pace, and how late are events?

Starts uvicorn on 127.0.0.1 (one process, as ``make run`` does; ``--workers N --redis``: N processes
sharing the sessions through a redis-server of its own, each session watched through another
process than the one it was made on), creates ``--sessions`` demo runs
(moons, MLP(2, [16, 16, 1]), hinge + L2), opens ``--viewers`` event streams on each, plays all of
them at ``--rate`` steps/s for ``--seconds`` and reports:

* the achieved rate per session (steps gained while measuring / seconds), median and minimum;
* event latency: receive time minus the event's ``sent_at`` (same machine, same clock), p50/p99.

    .venv/bin/python bench/sessions.py                      # 30 sessions x 20 steps/s for 10 s
    .venv/bin/python bench/sessions.py --sessions 10 --executor eager
    .venv/bin/python bench/sessions.py --workers 2 --redis --sessions 40
    .venv/bin/python bench/sessions.py --capacity   # most sessions carried: 1 process in memory,
                                                     # 1 on Redis, 2 on Redis (>= 19 steps/s, p99 <= 200 ms)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import RedisServer, Uvicorn  # noqa: E402

# What a viewer needs from an event, read without parsing its JSON (an event with a boundary is
# ~8 KB of numbers): its kind and step (the first fields) and when it was sent (the last).
EVENT_HEAD = re.compile(rb'^data: \{"kind":"(\w+)","state":\{"id":"[^"]*","step":(\d+)', re.M)
SENT_AT = re.compile(rb'"sent_at":([0-9.eE+-]+)\}\s*$')


class Follower:
    """One viewer's event stream: the latest step seen and each event's lag.

    It speaks HTTP/1.1 over a bare asyncio connection: the bench shares the machine's two cores
    with the servers it measures, and httpx's streaming (plus json.loads of every event) cost
    ~1 ms of CPU per event, a tenth of a core for a dozen sessions, taken from the servers."""

    def __init__(self) -> None:
        self.step = 0
        self.marks: list[tuple[float, int]] = []  # (receive time, step)
        self.latencies: list[float] = []

    async def follow(self, url: str, stop: asyncio.Event) -> None:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            request = (
                f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n"
            )
            writer.write(request.encode())
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200") and b"chunked" in head.lower(), head
            pending = b""
            while not stop.is_set():
                size = int((await reader.readline()).strip(), 16)  # chunked transfer encoding
                if size == 0:
                    return
                pending += (await reader.readexactly(size + 2))[:-2]
                *events, pending = pending.split(b"\n\n")
                for event in events:
                    self._seen(event)
        finally:
            writer.close()

    def _seen(self, event: bytes) -> None:
        received = time.time()
        head = EVENT_HEAD.search(event)
        if head is None:
            return  # a heartbeat or the retry line
        self.step = int(head[2])
        self.marks.append((time.monotonic(), self.step))
        if head[1] == b"step":
            self.latencies.append(received - float(SENT_AT.search(event)[1]))


def rate_between(marks: list[tuple[float, int]], start: float, end: float) -> float:
    """Steps per second gained between the last marks at or before ``start`` and ``end``."""
    before = [step for t, step in marks if t <= start]
    until = [step for t, step in marks if t <= end]
    if not before or not until:
        return 0.0
    return (until[-1] - before[-1]) / (end - start)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_seconds(processes: dict[str, psutil.Process]) -> dict[str, float]:
    return {name: sum(p.cpu_times()[:2]) for name, p in processes.items()}


async def measure(setup: Setup, n_sessions: int, args: argparse.Namespace) -> tuple[list, list, str, dict]:
    """Play ``n_sessions`` demo runs (spread over the setup's processes) with viewers: per-session
    rates, event lags, and each process's CPU use while measuring (in cores: 1.0 = one core busy)."""
    bases = setup.bases
    config = {"executor": args.executor, "total_steps": 1_000_000}
    # keep-alive shorter than uvicorn's 5 s: the deletes after 12 s idle must not reuse a closed connection
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None, keepalive_expiry=2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        sessions: list[tuple[str, dict]] = []
        tasks: list[asyncio.Task] = []
        try:
            for i in range(n_sessions):
                base = bases[i % len(bases)]
                created = (await client.post(f"{base}/api/sessions", json=config)).raise_for_status().json()
                sessions.append((base, created))
            executor = sessions[0][1]["state"]["executor"]
            stop = asyncio.Event()
            followers = [[Follower() for _ in range(args.viewers)] for _ in sessions]
            tasks = [  # each session watched through another process than the one it was made on
                asyncio.create_task(
                    f.follow(f"{bases[(i + 1) % len(bases)]}/api/sessions/{s['id']}/events", stop)
                )
                for i, ((_, s), fs) in enumerate(zip(sessions, followers))
                for f in fs
            ]
            await asyncio.sleep(1.0)  # every stream open
            for base, s in sessions:
                headers = {"X-Owner-Token": s["owner_token"]}
                await client.post(
                    f"{base}/api/sessions/{s['id']}/play",
                    json={"steps_per_second": args.rate},
                    headers=headers,
                )
            await asyncio.sleep(args.warmup)
            start, cpu_start = time.monotonic(), cpu_seconds(setup.processes)
            await asyncio.sleep(args.seconds)
            end, cpu_end = time.monotonic(), cpu_seconds(setup.processes)
            stop.set()
        finally:  # a failed trial too: sessions left playing would slow down every later trial
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for base, s in sessions:
                headers = {"X-Owner-Token": s["owner_token"]}
                for _ in range(5):  # a 503 "try again" (it is changing hands, the server is overloaded)
                    with contextlib.suppress(httpx.HTTPError):
                        answer = await client.delete(f"{base}/api/sessions/{s['id']}", headers=headers)
                        if answer.status_code != 503:
                            break
                    await asyncio.sleep(0.5)
    rates = [rate_between(fs[0].marks, start, end) for fs in followers]
    latencies = [lag for fs in followers for f in fs for lag in f.latencies]
    cores = {name: (cpu_end[name] - cpu_start[name]) / (end - start) for name in cpu_start}
    return rates, latencies, executor, cores


def cpu_line(cores: dict[str, float]) -> str:
    return "CPU (cores): " + ", ".join(f"{name} {used:.2f}" for name, used in cores.items())


def report(
    n_sessions: int, rates: list, latencies: list, executor: str, cores: dict, args: argparse.Namespace
) -> None:
    print(
        f"{n_sessions} sessions x {args.viewers} viewer(s), target {args.rate:g} steps/s each, "
        f"{args.seconds:g} s measured, executor {executor}, {os.cpu_count()} cores"
    )
    print(f"{'':24}{'median':>10}{'min':>10}{'p99':>10}")
    print(
        f"{'achieved steps/s':24}{statistics.median(rates):>10.2f}{min(rates):>10.2f}"
        f"{'':>10}   ({sum(rates):.0f} steps/s in total)"
    )
    if latencies:
        print(
            f"{'event latency ms':24}{1000 * statistics.median(latencies):>10.1f}"
            f"{1000 * min(latencies):>10.1f}{1000 * percentile(latencies, 0.99):>10.1f}"
            f"   ({len(latencies)} events)"
        )
    print(cpu_line(cores))
    kept_up = min(rates) >= 0.95 * args.rate
    print("kept up: yes" if kept_up else f"kept up: NO (slowest session {min(rates):.1f} steps/s)")


def failed_request(exc: httpx.HTTPError) -> str:
    try:
        return f" ({exc.request.method} {exc.request.url.path})"
    except RuntimeError:  # an error without its request
        return ""


def carried(rates: list, latencies: list, args: argparse.Namespace) -> bool:
    """The capacity rule: every session at >= 95% of the rate, event latency p99 <= 200 ms."""
    return min(rates) >= 0.95 * args.rate and (not latencies or percentile(latencies, 0.99) <= 0.2)


def most_sessions(setup: Setup, args: argparse.Namespace) -> tuple[int, str]:
    """The most sessions carried: double until one fails, then bisect (each trial a fresh set)."""
    best, n, failed, executor = 0, args.start, None, "?"
    while failed is None or failed - best > args.step:
        try:
            rates, latencies, executor, cores = asyncio.run(measure(setup, n, args))
        except httpx.HTTPError as exc:  # a refused or dropped request: this many were not carried
            print(f"  {n:4} sessions: {exc.__class__.__name__} {exc}{failed_request(exc)}: no")
            ok = False
        else:
            ok = carried(rates, latencies, args)
            p99 = 1000 * percentile(latencies, 0.99) if latencies else 0
            print(
                f"  {n:4} sessions: slowest {min(rates):5.1f} steps/s, p99 {p99:6.1f} ms: "
                f"{'ok' if ok else 'no'}   {cpu_line(cores)}"
            )
        if ok:
            best = n
            n = n * 2 if failed is None else (n + failed) // 2
        else:
            failed = n
            n = (best + failed) // 2
        if n <= best:
            break
    return best, executor


class Setup:
    """The servers of one configuration: processes, and Redis if asked for."""

    def __init__(self, workers: int, redis: bool, logs: Path):
        env = {
            "BACKPROP_LAB_MAX_SESSIONS": "1000",
            "BACKPROP_LAB_MAX_SESSIONS_PER_CLIENT": "1000",
            "BACKPROP_LAB_MAX_PLAYING_PER_CLIENT": "1000",
        }
        self.redis = RedisServer(logs) if redis else None
        if self.redis:
            env["BACKPROP_LAB_REDIS_URL"] = self.redis.url
        self.servers = [Uvicorn(logs, env=env, name=f"worker{i}") for i in range(workers)]
        self.bases = [s.base for s in self.servers]
        self.processes = {f"worker{i}": psutil.Process(s.pid) for i, s in enumerate(self.servers)}
        if self.redis:
            self.processes["redis"] = psutil.Process(self.redis.proc.pid)
        self.processes["bench client"] = psutil.Process()

    def stop(self) -> None:
        for server in self.servers:
            server.stop(timeout=30)
        if self.redis:
            self.redis.stop()


def capacity(args: argparse.Namespace) -> None:
    rows = []
    for workers, redis in ((1, False), (1, True), (2, True)):
        with tempfile.TemporaryDirectory() as logs:
            label = f"{workers} process{'es' if workers > 1 else ''}, {'Redis' if redis else 'in memory'}"
            print(label)
            setup = Setup(workers, redis, Path(logs))
            try:
                rows.append((label, *most_sessions(setup, args)))
            finally:
                setup.stop()
    print(
        f"\nMost demo sessions playing at {args.rate:g} steps/s (each >= {0.95 * args.rate:g}, "
        f"event p99 <= 200 ms), {os.cpu_count()} cores:"
    )
    print("| setup | sessions |\n|---|---|")
    for label, best, _ in rows:
        print(f"| {label} | {best} |")
    if rows[0][1]:
        print(
            f"2 processes on Redis carry {rows[2][1] / rows[1][1]:.2f}x one on Redis, "
            f"{rows[2][1] / rows[0][1]:.2f}x one in memory"
        )


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # killed: still stop the servers (finally)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--viewers", type=int, default=1, help="event streams per session")
    parser.add_argument("--rate", type=float, default=20.0, help="steps per second per session")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--executor", default="auto", choices=("auto", "compiled", "eager"))
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn processes (more than 1 needs --redis)"
    )
    parser.add_argument("--redis", action="store_true", help="share the sessions through a redis-server")
    parser.add_argument(
        "--capacity", action="store_true", help="the most sessions carried: memory, Redis, 2x Redis"
    )
    parser.add_argument("--start", type=int, default=8, help="--capacity: sessions of the first trial")
    parser.add_argument("--step", type=int, default=2, help="--capacity: stop bisecting within this many")
    args = parser.parse_args()
    if args.capacity:
        capacity(args)
        return
    with tempfile.TemporaryDirectory() as logs:
        setup = Setup(args.workers, args.redis, Path(logs))
        try:
            report(args.sessions, *asyncio.run(measure(setup, args.sessions, args)), args)
        finally:
            setup.stop()


if __name__ == "__main__":
    main()
