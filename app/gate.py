"""A fair share of the server for graph work: a cap on concurrent evaluations, a short queue, then 503.

Running a program, reading a graph and drawing it are CPU work under the GIL: a second one at once
gains no throughput, only halves each one's share, and more hold worker threads and the GIL the
rest of the server needs (/healthz, pages, live sessions). So at most ``max_concurrent_evaluations`` run at
once; up to ``evaluation_queue`` more wait, on the event loop (a waiting request holds no worker
thread), for at most ``evaluation_wait_seconds``; anything beyond gets 503 with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import HTTPException
from fastapi.concurrency import run_in_threadpool

from app.errors import error_detail
from engine.settings import Settings, settings

T = TypeVar("T")


class Gate:
    def __init__(self, config: Settings = settings):
        self.settings = config
        # One semaphore per event loop (tests run several loops; the server has one).
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self.waiting = 0
        self.running = 0
        self.refused = 0

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._slots:
            self._slots[loop] = asyncio.Semaphore(self.settings.max_concurrent_evaluations)
        return self._slots[loop]

    def busy(self, why: str) -> HTTPException:
        self.refused += 1
        retry = max(1, math.ceil(self.settings.max_eval_seconds))
        message = f"the server is busy running other graphs ({why}); try again in {retry} s"
        return HTTPException(503, error_detail(message), headers={"Retry-After": str(retry)})

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker thread once a slot is free; 503 if the queue is full or the wait long."""
        slots = self._semaphore()
        if slots.locked():
            if self.waiting >= self.settings.evaluation_queue:
                raise self.busy(f"{self.waiting} requests already wait")
            self.waiting += 1
            try:
                await asyncio.wait_for(slots.acquire(), self.settings.evaluation_wait_seconds)
            except TimeoutError:
                raise self.busy(f"no slot came free in {self.settings.evaluation_wait_seconds:g} s") from None
            finally:
                self.waiting -= 1
        else:
            await slots.acquire()
        self.running += 1
        try:
            return await run_in_threadpool(fn, *args)
        finally:
            self.running -= 1
            slots.release()


evaluations = Gate()
