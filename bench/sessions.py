"""Many live sessions through the real server: do they keep their pace, and how late are events?

Starts uvicorn on 127.0.0.1 (one worker, as ``make run`` does), creates ``--sessions`` demo runs
(moons, MLP(2, [16, 16, 1]), hinge + L2), opens ``--viewers`` event streams on each, plays all of
them at ``--rate`` steps/s for ``--seconds`` and reports:

* the achieved rate per session (steps gained while measuring / seconds), median and minimum;
* event latency: receive time minus the event's ``sent_at`` (same machine, same clock), p50/p99.

    .venv/bin/python bench/sessions.py                      # 30 sessions x 20 steps/s for 10 s
    .venv/bin/python bench/sessions.py --sessions 10 --executor eager
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ, BACKPROP_LAB_MAX_SESSIONS="1000")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


class Follower:
    """One viewer's event stream: the latest step seen and each event's lag."""

    def __init__(self) -> None:
        self.step = 0
        self.marks: list[tuple[float, int]] = []  # (receive time, step)
        self.latencies: list[float] = []

    async def follow(self, client: httpx.AsyncClient, url: str, stop: asyncio.Event) -> None:
        async with client.stream("GET", url, timeout=None) as response:
            async for line in response.aiter_lines():
                if stop.is_set():
                    return
                if not line.startswith("data: "):
                    continue
                received = time.time()
                event = json.loads(line[6:])
                self.step = event["state"]["step"]
                self.marks.append((time.monotonic(), self.step))
                if event["kind"] == "step":
                    self.latencies.append(received - event["sent_at"])


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


async def run(base: str, args: argparse.Namespace) -> None:
    config = {"executor": args.executor, "total_steps": 1_000_000}
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        sessions = []
        for _ in range(args.sessions):
            created = (await client.post("/api/sessions", json=config)).raise_for_status().json()
            sessions.append(created)
        executor = sessions[0]["state"]["executor"]
        stop = asyncio.Event()
        followers = [[Follower() for _ in range(args.viewers)] for _ in sessions]
        tasks = [
            asyncio.create_task(f.follow(client, f"/api/sessions/{s['id']}/events", stop))
            for s, fs in zip(sessions, followers)
            for f in fs
        ]
        await asyncio.sleep(1.0)  # every stream open
        for s in sessions:
            headers = {"X-Owner-Token": s["owner_token"]}
            await client.post(
                f"/api/sessions/{s['id']}/play", json={"steps_per_second": args.rate}, headers=headers
            )
        await asyncio.sleep(args.warmup)
        start = time.monotonic()
        await asyncio.sleep(args.seconds)
        end = time.monotonic()
        stop.set()
        for s in sessions:
            await client.post(f"/api/sessions/{s['id']}/pause", headers={"X-Owner-Token": s["owner_token"]})
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    rates = [rate_between(fs[0].marks, start, end) for fs in followers]
    latencies = [lag for fs in followers for f in fs for lag in f.latencies]
    print(
        f"{args.sessions} sessions x {args.viewers} viewer(s), target {args.rate:g} steps/s each, "
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
    kept_up = min(rates) >= 0.95 * args.rate
    print("kept up: yes" if kept_up else f"kept up: NO (slowest session {min(rates):.1f} steps/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--viewers", type=int, default=1, help="event streams per session")
    parser.add_argument("--rate", type=float, default=20.0, help="steps per second per session")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--executor", default="auto", choices=("auto", "compiled", "eager"))
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        asyncio.run(run(f"http://127.0.0.1:{port}", args))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
