"""Running Graphviz ``dot`` safely: size limits, a hard timeout, bounded concurrency, a cache.

``dot`` runs as a subprocess in its own process group; on timeout the whole group is killed, so
no ``dot`` outlives its request. At most ``max_concurrent_renders`` run at once; a request that
cannot get a slot within ``render_wait_seconds`` gets a 503 instead of queueing forever.
Everything here blocks: call it from a worker thread (``run_in_threadpool``), never the event loop.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import shutil
import signal
import subprocess
import threading
from collections import OrderedDict

from app.errors import ApiError
from engine.dot import to_dot
from engine.drawing import DrawingTooLarge, Plan, drawn_node_count, layout_size, plan
from engine.graph import GraphModel
from engine.settings import Settings, settings

JSON_STILL_WORKS = "the JSON graph (POST /api/graph) still works"


class RenderError(ApiError):
    """A graph that could not be drawn, with the HTTP status that says why."""

    status_code = 503


class TooLargeToDraw(RenderError):
    status_code = 413


class UnknownCluster(RenderError):
    status_code = 422


class RenderBusy(RenderError):
    """Every render slot stayed busy for render_wait_seconds: try again after about that long."""

    status_code = 503

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}


class RenderTimeout(RenderError):
    status_code = 503


class RenderUnavailable(RenderError):
    status_code = 503


class Renderer:
    """Turns DOT text into SVG with ``dot -Tsvg`` under the limits of ``settings``."""

    def __init__(self, config: Settings = settings, dot_command: str = "dot"):
        self.settings = config
        self.dot_command = dot_command
        self._slots = threading.BoundedSemaphore(config.max_concurrent_renders)
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.renders = 0  # dot processes started, for tests and benchmarks

    def unavailable_reason(self, model: GraphModel) -> str | None:
        """Why ``model`` will not be drawn as SVG (no Graphviz), or None: any graph has a drawing,
        collapsed to fit the limits if need be (``plan``)."""
        if shutil.which(self.dot_command) is None:
            return f"Graphviz `dot` is not installed on the server; {JSON_STILL_WORKS}"
        return None

    def full_drawing_reason(self, model: GraphModel) -> str | None:
        """Why ``model`` drawn whole, nothing collapsed, is over a limit (or no Graphviz), else None."""
        limits = self.settings
        shapes = drawn_node_count(model)
        if shapes > limits.max_render_nodes:
            return (
                f"the graph has {shapes} shapes to draw (values and ops), more than the limit of "
                f"{limits.max_render_nodes} for SVG; {JSON_STILL_WORKS}"
            )
        size = layout_size(model)
        if size > limits.max_render_layout_nodes:
            return (
                f"the graph's layout is too large to draw ({size} layout nodes, limit "
                f"{limits.max_render_layout_nodes}): values used by ops far downstream make long edges; "
                f"{JSON_STILL_WORKS}"
            )
        if shutil.which(self.dot_command) is None:
            return f"Graphviz `dot` is not installed on the server; {JSON_STILL_WORKS}"
        return None

    def plan(self, model: GraphModel, expand: list[str] | None = None) -> Plan:
        """Which clusters the drawing collapses to fit the render limits (``engine.drawing.plan``)."""
        limits = self.settings
        try:
            return plan(model, limits.max_render_nodes, limits.max_render_layout_nodes, expand)
        except KeyError as exc:
            known = ", ".join(c.id for c in model.clusters[:20]) or "none"
            raise UnknownCluster(
                f"expand: the graph has no cluster {exc.args[0]!r} (its clusters: {known})"
            ) from None
        except DrawingTooLarge as exc:
            raise TooLargeToDraw(f"{exc}; {JSON_STILL_WORKS}") from None

    def dot_source(self, model: GraphModel, rankdir: str = "LR", expand: list[str] | None = None) -> str:
        """The DOT text of ``model``'s drawing, clusters collapsed as ``plan`` decides."""
        return to_dot(model, rankdir, collapsed=self.plan(model, expand).collapsed)

    def check(self, model: GraphModel) -> None:
        """Raise the ``RenderError`` that ``full_drawing_reason`` describes, if any."""
        reason = self.full_drawing_reason(model)
        if reason is None:
            return
        if reason.startswith("Graphviz"):
            raise RenderUnavailable(reason)
        raise TooLargeToDraw(reason)

    def svg(self, dot_source: str) -> str:
        """The SVG of ``dot_source``, from the cache when the same DOT text was drawn before."""
        key = hashlib.sha256(dot_source.encode("utf-8")).hexdigest()
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        if not self._slots.acquire(timeout=self.settings.render_wait_seconds):
            raise RenderBusy(
                f"all {self.settings.max_concurrent_renders} graph renderers are busy; "
                f"try again in a moment ({JSON_STILL_WORKS})",
                self.settings.render_wait_seconds,
            )
        try:
            svg = self._run_dot(dot_source)
        finally:
            self._slots.release()
        with self._cache_lock:
            self._cache[key] = svg
            while len(self._cache) > self.settings.render_cache_entries:
                self._cache.popitem(last=False)
        return svg

    def _run_dot(self, dot_source: str) -> str:
        path = shutil.which(self.dot_command)
        if path is None:
            raise RenderUnavailable(f"Graphviz `dot` is not installed on the server; {JSON_STILL_WORKS}")
        timeout = self.settings.render_timeout_seconds
        self.renders += 1
        # A session of its own makes dot a process-group leader, so killpg reaches anything it forks.
        proc = subprocess.Popen(
            [path, "-Tsvg"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(dot_source.encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RenderTimeout(
                f"drawing the graph took longer than {timeout:g} s and was stopped; {JSON_STILL_WORKS}"
            ) from None
        finally:
            if proc.returncode is None:
                _kill_group(proc)
        if proc.returncode != 0:
            detail = err.decode("utf-8", "replace").strip()[:300]
            raise RenderError(f"Graphviz could not draw this graph (dot exit {proc.returncode}): {detail}")
        return _readable_ids(out.decode("utf-8"))

    def cache_size(self) -> int:
        with self._cache_lock:
            return len(self._cache)


_ID_ATTRIBUTE = re.compile(r' (id|class)="([^"]*)"')


def _readable_ids(svg: str) -> str:
    """``id="node&#45;n3"`` -> ``id="node-n3"`` (classes too): the same value, but findable in the text."""
    return _ID_ATTRIBUTE.sub(lambda m: f' {m.group(1)}="' + m.group(2).replace("&#45;", "-") + '"', svg)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group of ``proc`` and reap it."""
    with contextlib.suppress(ProcessLookupError):  # it may have exited just now
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


renderer = Renderer()
