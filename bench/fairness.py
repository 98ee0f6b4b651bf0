"""Does one class's heavy programs starve everyone else? /healthz latency while 40 programs run.

    .venv/bin/python bench/fairness.py [--clients 40] [--seconds 8]

Starts a real uvicorn on 127.0.0.1 twice: once with the evaluation gate effectively off
(max_concurrent_evaluations and evaluation_queue = 1000: every request runs at once, as before the
gate), once with two at a time and once with the defaults (one at a time, 8 waiting, the rest 503
+ Retry-After). Each time, ``--clients`` threads keep posting a program that runs until max_eval_seconds
(a forward pass of a wide MLP in an endless loop; after a 503 they wait what Retry-After says)
while another thread asks /healthz every 50 ms. Prints /healthz p50/p99/max and how the heavy
requests were answered.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, running_server, serve_command  # noqa: E402

HEAVY = "n = MLP(32, [32, 32])\nx = [1.0 for i in range(32)]\nfor i in range(10**9):\n  y = n(x)\n"


def measure(base: str, clients: int, seconds: float) -> tuple[list[float], Counter]:
    answers: Counter = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def heavy() -> None:
        with httpx.Client(timeout=60) as client:
            while time.monotonic() < stop:
                response = client.post(base + "/api/graph", json={"source": HEAVY})
                with lock:
                    answers[response.status_code] += 1
                if response.status_code == 503:  # as a polite client (the playground) does
                    time.sleep(float(response.headers.get("retry-after", "1")))

    latencies: list[float] = []

    def sample() -> None:  # /healthz every 50 ms, from 1 s in (the load is up) to the end
        with httpx.Client(timeout=60) as client:
            time.sleep(1.0)
            while True:
                t0 = time.perf_counter()
                client.get(base + "/healthz")
                latencies.append((time.perf_counter() - t0) * 1e3)
                if time.monotonic() > stop:
                    break
                time.sleep(0.05)

    threads = [threading.Thread(target=sample)] + [threading.Thread(target=heavy) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    print(f"{args.clients} clients posting a program that runs to max_eval_seconds, for {args.seconds:g} s")
    print(f"{'evaluations':<28}{'healthz p50':>12}{'p99':>8}{'max':>8}{'samples':>9}  heavy answers")
    for name, env in [
        ("no cap (as before the gate)", {"BACKPROP_LAB_MAX_CONCURRENT_EVALUATIONS": "1000",
                                         "BACKPROP_LAB_EVALUATION_QUEUE": "1000"}),
        ("2 at a time (+ 8 waiting)", {"BACKPROP_LAB_MAX_CONCURRENT_EVALUATIONS": "2"}),
        ("defaults (1 + 8 waiting)", {}),
    ]:  # fmt: skip
        port = free_port()
        command = serve_command(port)
        with (
            tempfile.TemporaryDirectory() as logs,
            running_server(command, port, Path(logs) / "server.log", ROOT, {**os.environ, **env}) as base,
        ):
            latencies, answers = measure(base, args.clients, args.seconds)
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(answers.items()))
        print(
            f"{name:<28}{statistics.median(latencies):>10.0f}ms{p99:>6.0f}ms{latencies[-1]:>6.0f}ms"
            f"{len(latencies):>9}  {shown}"
        )


if __name__ == "__main__":
    main()
