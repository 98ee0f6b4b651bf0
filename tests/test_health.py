import asyncio
import threading

import anyio.to_thread
import httpx
from fastapi.testclient import TestClient

from app.main import app


def test_healthz_answers_ok():
    response = TestClient(app).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_while_every_worker_thread_is_busy():
    """Under load every worker thread runs graph or session work; /healthz answers from the event loop."""

    async def main() -> int:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 2  # this loop's own limiter: two threads, both kept busy below
        release = threading.Event()
        busy = [asyncio.create_task(anyio.to_thread.run_sync(release.wait)) for _ in range(2)]
        await asyncio.sleep(0.05)
        assert limiter.borrowed_tokens == 2
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                response = await asyncio.wait_for(client.get("/healthz"), 5)
            return response.status_code
        finally:
            release.set()
            await asyncio.gather(*busy)

    assert asyncio.run(main()) == 200
