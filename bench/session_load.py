"""Does one busy session starve the server? /healthz latency while requests pile up on one session.

Issue 14's load: 60 queued step requests on one session, or 50 boundary reads of one session (no
token needed). Starts uvicorn on 127.0.0.1 (from ``--root``, default this checkout: pass an older
checkout to measure "before"), puts the load on, and times /healthz every 100 ms meanwhile.

    .venv/bin/python bench/session_load.py
    .venv/bin/python bench/session_load.py --root /tmp/oldcode     # the same against another checkout
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from servers import ROOT, Uvicorn

PROBE_TIMEOUT = 30.0  # a /healthz that takes longer counts as this long

SCENARIOS = {
    "60 step requests": ("post", "step", {"json": {"steps": 1000}}, 60),
    "50 boundary reads": ("get", "boundary?resolution=200", {}, 50),
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def scenario(base: str, name: str, config: dict, seconds: float) -> list[float]:
    method, path, kwargs, count = SCENARIOS[name]
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=base, timeout=600, limits=limits) as c:
        body = (await c.post("/api/sessions", json=config)).raise_for_status().json()
        headers = {"X-Owner-Token": body["owner_token"]}
        url = f"/api/sessions/{body['id']}/{path}"
        load = [asyncio.create_task(getattr(c, method)(url, headers=headers, **kwargs)) for _ in range(count)]
        await asyncio.sleep(1.0)  # let them queue up
        latencies = []
        async with httpx.AsyncClient(base_url=base, timeout=PROBE_TIMEOUT) as probe:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                started = time.perf_counter()
                try:
                    (await probe.get("/healthz")).raise_for_status()
                    latencies.append(time.perf_counter() - started)
                except httpx.TimeoutException:
                    latencies.append(PROBE_TIMEOUT)  # no answer at all: counted as the timeout
                await asyncio.sleep(0.1)
        await c.delete(f"/api/sessions/{body['id']}", headers=headers)
        for task in load:
            task.cancel()
        await asyncio.gather(*load, return_exceptions=True)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--root", type=Path, default=None, help="checkout to serve (default: this one)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--executor", default="auto", choices=("auto", "compiled", "eager"))
    args = parser.parse_args()
    config = {"executor": args.executor, "total_steps": 1_000_000}
    with tempfile.TemporaryDirectory() as logs:
        server = Uvicorn(Path(logs), root=args.root or ROOT)
        try:
            print(
                f"/healthz latency (ms) while one session is loaded, {args.seconds:g} s each, "
                f"executor {args.executor}"
            )
            print(f"{'load':22}{'n':>6}{'p50':>10}{'p99':>10}{'max':>10}")
            for name in SCENARIOS:
                lat = asyncio.run(scenario(server.base, name, config, args.seconds))
                print(
                    f"{name:22}{len(lat):>6}{1000 * statistics.median(lat):>10.1f}"
                    f"{1000 * percentile(lat, 0.99):>10.1f}{1000 * max(lat):>10.1f}"
                )
        finally:
            server.stop(timeout=30)


if __name__ == "__main__":
    main()
