"""Live training sessions: Trainers behind owner tokens, a play loop each, and event fan-out.

A session is one ``engine.train.Trainer``. Whoever creates it gets an owner token, the only key
to change it (step, play, pause, reset, delete); anyone with the id may read it and follow its
server-sent events, which is how a whole class watches the teacher's run.

Threads, and why:

* Every method of ``Session`` blocks (training is pure Python); routes call them from worker
  threads, never on the event loop. One lock per session serializes everything that reads or
  moves the parameters, so parallel step requests add up exactly.
* A playing session has its own thread that steps in small chunks, releasing the lock between
  chunks so the owner's step/pause/reset requests get in.
* Fan-out: the producer (whoever just stepped) formats one SSE message and pushes it into every
  viewer's bounded queue. A slow viewer's queue drops its oldest messages; the run never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
import secrets
import signal
import threading
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import numpy as np

from app.errors import ApiError
from app.schemas.sessions import (
    BoundaryOut,
    DatasetOut,
    LiveBoundary,
    MetricsOut,
    NetworkOut,
    SampleOut,
    SessionDetail,
    SessionEvent,
    SessionState,
    TrainConfigIn,
)
from engine.losses import encode_target
from engine.neuron_graph import (
    CollapsedGraph,
    NeuronGraphError,
    collapse,
    expand_neuron,
    find_neurons,
    input_values,
    neuron_id,
    parse_neuron_id,
)
from engine.settings import Settings, settings
from engine.train import Metrics, TrainConfig, Trainer
from engine.value import Value

log = logging.getLogger(__name__)

PLAY_TICK_SECONDS = 0.1  # a playing session publishes about this often
DEFAULT_STEPS_PER_SECOND = 10.0
LIVE_BOUNDARY_SECONDS = 0.15  # a live boundary should take about this long; its grid adapts
MIN_LIVE_RESOLUTION = 16
# Play chunks of all sessions take turns. Training is GIL-bound, so two chunks never really run at
# once; letting 30 play threads try made them fight over the GIL (half the CPU went to the kernel
# and 30 sessions managed 13 of their 20 steps/s, see bench/sessions.py). Waiting on a lock is free.
PLAY_COMPUTE = threading.Lock()


class SessionError(ApiError):
    """A request a session cannot serve, with the HTTP status that says why."""


class SessionNotFound(SessionError):
    status_code = 404


class SessionGone(SessionError):
    status_code = 410


class NotOwner(SessionError):
    status_code = 403


class InvalidRequest(SessionError):
    status_code = 422


class ServerBusy(SessionError):
    status_code = 503


# ------------------------------------------------------------------ fan-out


def sse_message(event: SessionEvent) -> str:
    """One server-sent event; the JSON has no newlines, so it fits on one ``data:`` line."""
    return f"event: {event.kind}\ndata: {event.model_dump_json()}\n\n"


class Viewer:
    """One open event stream: a bounded queue that any thread fills and one event loop drains."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_queued: int, owner: bool = False):
        self.loop = loop
        self.owner = owner  # the owner's own page (self-declared; it only changes the watcher count)
        self.queue: deque[str] = deque(maxlen=max_queued)
        self.wake = asyncio.Event()
        self.dropped = 0

    def push(self, message: str) -> None:
        if len(self.queue) == self.queue.maxlen:
            self.dropped += 1  # deque(maxlen) drops the oldest: a slow viewer skips to the latest
        self.queue.append(message)
        # A closed event loop means the stream is over; it unsubscribes itself.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.wake.set)

    async def next_messages(self, timeout: float) -> list[str]:
        """Everything queued, waiting up to ``timeout`` seconds for something; [] on timeout."""
        deadline = time.monotonic() + timeout
        while not self.queue:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self.wake.wait(), remaining)
            except TimeoutError:
                return []
            self.wake.clear()
        messages = []
        while self.queue:
            messages.append(self.queue.popleft())
        return messages


class Broadcast:
    """The viewers of one session; ``publish`` never blocks on any of them."""

    def __init__(self, max_viewers: int, max_queued: int):
        self.max_viewers = max_viewers
        self.max_queued = max_queued
        self._viewers: set[Viewer] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._viewers)

    @property
    def watchers(self) -> int:
        with self._lock:
            return sum(not v.owner for v in self._viewers)

    def subscribe(self, loop: asyncio.AbstractEventLoop, owner: bool = False) -> Viewer:
        with self._lock:
            if len(self._viewers) >= self.max_viewers:
                raise ServerBusy(
                    f"this session already has {self.max_viewers} viewers (max_viewers_per_session)"
                )
            viewer = Viewer(loop, self.max_queued, owner)
            self._viewers.add(viewer)
            return viewer

    def unsubscribe(self, viewer: Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)

    def publish(self, message: str) -> None:
        with self._lock:
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.push(message)


# ------------------------------------------------------------------ conversions


def engine_config(config: TrainConfigIn) -> TrainConfig:
    """The engine's frozen config for a validated request body."""
    fields = config.model_dump()
    fields["hidden"] = tuple(config.hidden)
    fields["points"] = tuple(tuple(p) for p in config.points) if config.points is not None else None
    return TrainConfig(**fields)


def metrics_out(m: Metrics) -> MetricsOut:
    return MetricsOut.model_validate(m, from_attributes=True)


def live_boundary(boundary, n_classes: int) -> LiveBoundary:
    """The compact form of ``Trainer.boundary``: one integer per cell, row-major.

    Binary: P(class 1) as 0..255, NaN (a diverged model) as 128, undecided. numpy, because this
    runs for every live picture of every session (per-cell Python was a fifth of a playing server).
    """
    if n_classes == 2:
        share = np.nan_to_num(np.asarray(boundary.values, dtype=float), nan=0.5)
        cells = np.clip(np.rint(255 * share), 0, 255).astype(int).ravel().tolist()
    else:
        cells = np.asarray(boundary.classes, dtype=int).ravel().tolist()
    return LiveBoundary(
        x_min=boundary.x_min,
        x_max=boundary.x_max,
        y_min=boundary.y_min,
        y_max=boundary.y_max,
        resolution=boundary.resolution,
        n_classes=n_classes,
        cells=cells,
    )


# ------------------------------------------------------------------ one session


@dataclass
class SampleGraph:
    sample: SampleOut
    collapsed: CollapsedGraph
    expanded: Value | None  # the chosen neuron's own scalar graph (a copy), if one was asked for
    neuron: str | None


class Session:
    """One training run. Every method blocks: call it from a worker thread."""

    def __init__(self, session_id: str, config: TrainConfigIn, trainer: Trainer, limits: Settings):
        self.id = session_id
        self.owner_token = secrets.token_urlsafe(24)
        self.config = config
        self.trainer = trainer
        self.settings = limits
        self.lock = threading.Lock()  # held while the parameters are read or moved
        self._stepping = threading.Lock()  # one step request at a time
        self.broadcast = Broadcast(limits.max_viewers_per_session, limits.viewer_queue_events)
        self.created = self.last_active = time.monotonic()
        self.steps_per_second = DEFAULT_STEPS_PER_SECOND
        self.closed: str | None = None  # why the session ended (deleted, evicted, expired)
        self._control = threading.Lock()  # play/pause/close, so two of them never race
        self._play_stop: threading.Event | None = None
        self._play_thread: threading.Thread | None = None
        self._seconds_per_step = 0.0  # running average, to size play chunks
        self._boundary_at = -math.inf
        self._boundary_cost = 0.0
        self._live_resolution = limits.live_boundary_resolution

    # ---------------------------------------------------------------- reading

    @property
    def playing(self) -> bool:
        return self._play_stop is not None and not self._play_stop.is_set()

    @property
    def idle_seconds(self) -> float:
        return time.monotonic() - self.last_active

    def touch(self) -> None:
        self.last_active = time.monotonic()

    def state(self) -> SessionState:
        history = self.trainer.history
        return SessionState(
            id=self.id,
            step=self.trainer.step_count,
            playing=self.playing,
            steps_per_second=self.steps_per_second,
            viewers=len(self.broadcast),
            watchers=self.broadcast.watchers,
            executor=self.trainer.executor_name,
            fallback_reason=self.trainer.fallback_reason,
            metrics=metrics_out(history[-1]) if history else None,
        )

    def detail(self) -> SessionDetail:
        with self._locked():
            trainer = self.trainer
            data = trainer.dataset
            return SessionDetail(
                config=self.config,
                state=self.state(),
                history=[metrics_out(m) for m in thinned(trainer.history, self.settings.max_history_points)],
                dataset=DatasetOut(
                    X_train=data.X_train,
                    y_train=data.y_train,
                    X_test=data.X_test,
                    y_test=data.y_test,
                    n_classes=data.n_classes,
                ),
                layer_sizes=layer_sizes(trainer),
            )

    def boundary(self, resolution: int) -> BoundaryOut:
        with self._locked():
            try:
                b = self.trainer.boundary(resolution)
            except ValueError as exc:  # a dataset that is not 2-D has no boundary to draw
                raise InvalidRequest(str(exc)) from None
            return BoundaryOut(
                x_min=b.x_min,
                x_max=b.x_max,
                y_min=b.y_min,
                y_max=b.y_max,
                resolution=b.resolution,
                n_classes=self.trainer.dataset.n_classes,
                values=b.values,
                classes=b.classes,
            )

    def network(self) -> NetworkOut:
        with self._locked():
            layers = self.trainer.network()
            return NetworkOut.model_validate(
                {"step": self.trainer.step_count, "layer_sizes": layer_sizes(self.trainer), "layers": layers},
                from_attributes=True,
            )

    def sample_graph(self, index: int, split: str, neuron: str | None = None) -> SampleGraph:
        """One datapoint's graph, collapsed to neurons, and ``neuron`` ("L.N") expanded if asked."""
        with self._locked():
            trainer = self.trainer
            data = trainer.dataset
            X, y = (data.X_train, data.y_train) if split == "train" else (data.X_test, data.y_test)
            if not 0 <= index < len(X):
                raise InvalidRequest(
                    f"sample: the {split} split has {len(X)} points, so sample must be 0..{len(X) - 1}"
                    if X
                    else f"sample: the {split} split is empty"
                )
            try:
                root = trainer.sample_graph(index, split)
                model = trainer.model
                outputs = find_neurons(root, model)
                activations = [layer.neurons[0].activation for layer in model.layers]
                target = encode_target(trainer.config.loss, y[index], data.n_classes)
                inputs = input_values(outputs, activations[0])
                graph = collapse(root, outputs, activations, inputs, trainer.config.loss, target)
                expanded = nid = None
                if neuron is not None:
                    nid = neuron_id(*parse_neuron_id(neuron, layer_sizes(trainer)))
                    # A copy, made under the lock: training on would change the weights it reads.
                    expanded = expand_neuron(graph, nid)
            except NeuronGraphError as exc:
                raise InvalidRequest(str(exc)) from None
            sample = SampleOut(
                step=trainer.step_count, index=index, split=split, x=list(X[index]), label=y[index]
            )
            return SampleGraph(sample, graph, expanded, nid)

    def hello(self) -> SessionEvent:
        """The first event of a stream: where the run is, with a boundary to draw right away."""
        with self._locked():
            return self._event("hello", [], force=True)

    # ---------------------------------------------------------------- changing

    def step(self, steps: int) -> list[Metrics]:
        """Take ``steps`` steps (fewer if they outlast max_step_request_seconds); their metrics.

        Step requests queue up whole, so one request's steps are consecutive (unless the run is
        playing too). The session lock is let go between chunks of about a tick, so viewers get
        progress events, new viewers get in, and deleting the session (or stopping the server)
        ends a long request at the next chunk with a 410.
        """
        if not 1 <= steps <= self.settings.max_steps_per_request:
            raise InvalidRequest(
                f"steps: must be 1..{self.settings.max_steps_per_request} per request "
                f"(max_steps_per_request), not {steps}"
            )
        budget = self.settings.max_step_request_seconds
        started = time.monotonic()
        metrics: list[Metrics] = []
        with self._stepping:
            while len(metrics) < steps:
                with self._locked():
                    taken = self._timed_step(self._chunk_size(steps - len(metrics)))
                    metrics += taken
                    done = len(metrics) == steps or time.monotonic() - started >= budget
                    event = self._event("step", taken, force=done)
                self.broadcast.publish(sse_message(event))
                if done:
                    break
        return metrics

    def reset(self) -> None:
        """Back to step 0 with the same seed; a playing run pauses."""
        self.pause(picture=False)  # the reset event brings the picture
        with self._locked():
            self.trainer.reset()
            event = self._event("reset", self.trainer.history, force=True)
        self.broadcast.publish(sse_message(event))

    def play(self, steps_per_second: float) -> None:
        limit = self.settings.max_play_steps_per_second
        if not 0 < steps_per_second <= limit:
            raise InvalidRequest(
                f"steps_per_second: must be more than 0 and at most {limit:g} "
                f"(max_play_steps_per_second), not {steps_per_second:g}"
            )
        with self._control:
            self._check_open()
            self.steps_per_second = float(steps_per_second)
            if not self.playing:
                stop = threading.Event()
                self._play_stop = stop
                self._play_thread = threading.Thread(
                    target=self._play_loop, args=(stop,), name=f"play-{self.id}", daemon=True
                )
                self._play_thread.start()
        self._publish_state()

    def pause(self, picture: bool = True) -> None:
        """Stop playing; when this returns no further step happens until asked for.

        Viewers get the state with the final boundary and weights (the live ones are sent at most
        every so often, so the last one may be a few steps old), unless ``picture`` is False.
        """
        with self._control:
            thread = self._stop_play()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=60)
            if not picture:
                self._publish_state()
                return
            with self._locked():
                event = self._event("state", [], force=True)
            self.broadcast.publish(sse_message(event))

    def close(self, reason: str, next_session: str | None = None) -> None:
        """End the session: stop playing, refuse further requests, tell every viewer why."""
        with self._control:
            self._stop_play()
            self.closed = reason
        event = SessionEvent(kind="end", state=self.state(), message=reason, next_session=next_session)
        self.broadcast.publish(sse_message(event))

    # ---------------------------------------------------------------- internals

    def _locked(self):
        """The session lock, refusing to enter a closed session."""
        return _OpenSessionLock(self)

    def _check_open(self) -> None:
        if self.closed is not None:
            raise SessionGone(self.closed)

    def _stop_play(self) -> threading.Thread | None:
        thread = self._play_thread
        if self._play_stop is not None:
            self._play_stop.set()
        self._play_stop = None
        self._play_thread = None
        return thread

    def _chunk_size(self, remaining: int) -> int:
        """Steps that take about one play tick (one until the speed of a step is known)."""
        if not self._seconds_per_step:
            return 1
        return max(1, min(remaining, int(PLAY_TICK_SECONDS / self._seconds_per_step)))

    def _timed_step(self, steps: int) -> list[Metrics]:
        started = time.perf_counter()
        metrics = self.trainer.step(steps)
        per_step = (time.perf_counter() - started) / steps
        self._seconds_per_step = (
            per_step if not self._seconds_per_step else 0.7 * self._seconds_per_step + 0.3 * per_step
        )
        return metrics

    def _live_weights(self) -> list[list[list[float]]]:
        """Every neuron's weights then bias, to 4 significant digits (what a diagram can show)."""
        return [
            [[float(f"{w:.4g}") for w in n.weights] + [float(f"{n.bias:.4g}")] for n in layer]
            for layer in self.trainer.network()
        ]

    def _event(self, kind: str, metrics: list[Metrics], force: bool = False) -> SessionEvent:
        """An event with the state, ``metrics`` and, when due (or forced), a boundary and the weights.

        Call under the lock. The picture is refreshed at most every live_boundary_seconds, and never
        takes more than ~20% of the time, however slow the boundary of this model is to compute.
        A slow model gets a coarser grid (down to MIN_LIVE_RESOLUTION cells a side) rather than a
        picture that lags seconds behind the run.
        """
        now = time.monotonic()
        interval = max(self.settings.live_boundary_seconds, 4 * self._boundary_cost)
        boundary = weights = scores = None
        if force or now - self._boundary_at >= interval:
            started = time.perf_counter()
            if self.trainer.dataset.n_features == 2:
                raw = self.trainer.boundary(self._live_resolution)
                boundary = live_boundary(raw, self.trainer.dataset.n_classes)
            else:  # no plane to draw (the lecture's 3 features): the few training points' outputs
                scores = self.trainer.scores()
            weights = self._live_weights()
            self._boundary_cost = time.perf_counter() - started
            self._boundary_at = now
            self._live_resolution = live_resolution(
                self._live_resolution, self._boundary_cost, self.settings.live_boundary_resolution
            )
        return SessionEvent(
            kind=kind,
            state=self.state(),
            metrics=[metrics_out(m) for m in metrics],
            boundary=boundary,
            weights=weights,
            scores=scores,
        )

    def _publish_state(self, message: str | None = None) -> None:
        event = SessionEvent(kind="state", state=self.state(), message=message)
        self.broadcast.publish(sse_message(event))

    def _play_loop(self, stop: threading.Event) -> None:
        """Step at ``steps_per_second`` in chunks of about one tick until stopped."""
        started = last = time.monotonic()
        due = 0.0
        try:
            while not stop.is_set():
                now = time.monotonic()
                if now - started > self.settings.max_play_seconds:
                    self._auto_pause(stop, f"paused after {self.settings.max_play_seconds:g} s of play")
                    return
                rate = self.steps_per_second
                # One chunk is at most a tick's worth of steps, and at most as many as take a tick.
                chunk = max(
                    1.0, min(rate * PLAY_TICK_SECONDS, PLAY_TICK_SECONDS / (self._seconds_per_step or 1))
                )
                # Wait for a whole chunk (fewer, larger chunks: each one costs an event), and let a
                # late loop catch up by at most one more chunk rather than run a backlog.
                chunk = math.floor(chunk)
                due = min(due + (now - last) * rate, 2 * chunk)
                last = now
                if due < chunk:
                    stop.wait((chunk - due) / rate)
                    continue
                n = int(due)
                due -= n
                if not self._play_chunk(n, stop):
                    return
                time.sleep(0.002)  # let a waiting step/pause request take the lock
        except SessionGone:
            return
        except Exception as exc:  # a bug or a numeric blow-up must not kill the server quietly
            log.exception("play loop of session %s failed", self.id)
            self._auto_pause(stop, f"training stopped: {exc}")

    def _play_chunk(self, n: int, stop: threading.Event) -> bool:
        with PLAY_COMPUTE, self._locked():
            if stop.is_set():
                return False
            metrics = self._timed_step(n)
            event = self._event("step", metrics)
        self.broadcast.publish(sse_message(event))
        return True

    def _auto_pause(self, stop: threading.Event, message: str) -> None:
        with self._control:
            if self._play_stop is stop:
                self._stop_play()
        stop.set()
        self._publish_state(message)


class _OpenSessionLock:
    """``with session._locked():`` the session lock, raising 410 if the session has ended."""

    def __init__(self, session: Session):
        self.session = session

    def __enter__(self) -> Session:
        self.session.lock.acquire()
        if self.session.closed is not None:
            self.session.lock.release()
            raise SessionGone(self.session.closed)
        return self.session

    def __exit__(self, *exc) -> None:
        self.session.lock.release()


def live_resolution(current: int, seconds: float, most: int) -> int:
    """The grid for the next live boundary: cells scale with time, so aim at LIVE_BOUNDARY_SECONDS."""
    if seconds <= 0:
        return most
    wanted = int(current * math.sqrt(LIVE_BOUNDARY_SECONDS / seconds))
    wanted = max(min(MIN_LIVE_RESOLUTION, most), min(most, wanted))
    return wanted if abs(wanted - current) > 0.1 * current else current  # no flicker between sizes


def thinned(history: list[Metrics], limit: int) -> list[Metrics]:
    """At most ``limit`` entries, evenly spaced, always with the latest (charts stay cheap to send)."""
    if len(history) <= limit:
        return list(history)
    stride = math.ceil(len(history) / limit)
    picked = history[::stride]
    if picked[-1] is not history[-1]:
        picked[-1] = history[-1]
    return picked


def layer_sizes(trainer: Trainer) -> list[int]:
    layers = trainer.model.layers
    return [len(layers[0].neurons[0].w)] + [len(layer.neurons) for layer in layers]


# ------------------------------------------------------------------ the store


class SessionStore:
    """At most ``max_sessions`` sessions; when full, the least recently used idle one is evicted."""

    def __init__(self, limits: Settings = settings, make_trainer: Callable[..., Trainer] = Trainer):
        self.settings = limits
        self.make_trainer = make_trainer
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._gone: OrderedDict[str, str] = OrderedDict()  # id -> why it ended, for 410 answers
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, config: TrainConfigIn) -> Session:
        """A new session at step 0 (blocks while the dataset and model are built)."""
        engine_cfg = engine_config(config)
        self._check_limits(config)
        try:
            engine_cfg.validate(self.settings)
            trainer = self.make_trainer(engine_cfg, settings=self.settings)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        with self._lock:
            self._expire_idle()
            while len(self._sessions) >= self.settings.max_sessions:
                victim = self._idle_victim()
                if victim is None:
                    raise ServerBusy(
                        f"all {self.settings.max_sessions} training sessions are playing or being watched "
                        "(max_sessions); try again when one pauses"
                    )
                minutes = victim.idle_seconds / 60
                self._end(
                    victim,
                    f"session {victim.id} was evicted to make room for a new one "
                    f"(it had been idle for {minutes:.0f} min); start a new run",
                )
            session_id = secrets.token_urlsafe(9)
            session = Session(session_id, config, trainer, self.settings)
            self._sessions[session_id] = session
        return session

    def get(self, session_id: str) -> Session:
        with self._lock:
            self._expire_idle()
            session = self._sessions.get(session_id)
            if session is None:
                if session_id in self._gone:
                    raise SessionGone(self._gone[session_id])
                raise SessionNotFound(f"no training session has the id {session_id!r}")
            session.touch()
            self._sessions.move_to_end(session_id)
            return session

    def get_owned(self, session_id: str, token: str | None) -> Session:
        """The session, if ``token`` is its owner token; 403 otherwise, and nothing changes."""
        session = self.get(session_id)
        if not token or not hmac.compare_digest(token.encode(), session.owner_token.encode()):
            raise NotOwner(
                "this session can only be changed with its owner token (X-Owner-Token header or "
                "Authorization: Bearer); without it the session is read-only"
            )
        return session

    def delete(self, session: Session, next_session: str | None = None) -> None:
        """End ``session``; ``next_session`` (an open session's id) tells its viewers where to go on."""
        with self._lock:
            if next_session is not None and next_session not in self._sessions:
                raise InvalidRequest(f"next: no open session has the id {next_session!r}")
            if self._sessions.get(session.id) is session:
                reason = f"session {session.id} was deleted by its owner"
                if next_session is not None:
                    reason = f"the owner started a new run ({next_session}) with new settings"
                self._end(session, reason, next_session)

    def close_all(self) -> None:
        with self._lock:
            for session in list(self._sessions.values()):
                self._end(session, "the server is shutting down")

    # ---------------------------------------------------------------- internals (under self._lock)

    def _check_limits(self, config: TrainConfigIn) -> None:
        limit = self.settings.max_custom_points
        if config.points is not None and len(config.points) > limit:
            raise InvalidRequest(
                f"points: {len(config.points)} custom points, more than the limit of {limit} "
                "(max_custom_points)"
            )

    def _idle_victim(self) -> Session | None:
        """The least recently used session that is neither playing nor watched."""
        for session in self._sessions.values():  # oldest use first
            if not session.playing and len(session.broadcast) == 0:
                return session
        return None

    def _expire_idle(self) -> None:
        limit = self.settings.session_idle_seconds
        for session in list(self._sessions.values()):
            if session.idle_seconds > limit and not session.playing and len(session.broadcast) == 0:
                self._end(session, f"session {session.id} expired after {limit / 60:g} min without use")

    def _end(self, session: Session, reason: str, next_session: str | None = None) -> None:
        del self._sessions[session.id]
        self._gone[session.id] = reason
        while len(self._gone) > self.settings.evicted_ids_remembered:
            self._gone.popitem(last=False)
        session.close(reason, next_session)


async def event_stream(
    session: Session, loop: asyncio.AbstractEventLoop, owner: bool = False
) -> AsyncIterator[str]:
    """The SSE text of one viewer: a hello, then every published event, heartbeats, a time limit.

    The viewer subscribes inside the generator, so its ``finally`` always unsubscribes it.
    """
    limits = session.settings
    try:
        viewer = session.broadcast.subscribe(loop, owner)
    except SessionError as exc:
        yield sse_message(SessionEvent(kind="end", state=session.state(), message=exc.message))
        return
    try:
        # Subscribed first, so no step falls between the hello and the stream (a repeat is harmless:
        # events carry their step numbers).
        hello = await asyncio.to_thread(session.hello)
        yield f"retry: 3000\n{sse_message(hello)}"
        deadline = time.monotonic() + limits.max_stream_seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                message = (
                    f"this stream reached its time limit of {limits.max_stream_seconds:g} s "
                    "(max_stream_seconds); reconnect to keep watching"
                )
                end = SessionEvent(kind="end", state=session.state(), message=message, reconnect=True)
                yield sse_message(end)
                return
            messages = await viewer.next_messages(min(limits.sse_heartbeat_seconds, remaining))
            if not messages:
                yield ": heartbeat\n\n"
                continue
            for message in messages:
                yield message
                if message.startswith("event: end"):
                    return
    except SessionGone as exc:
        yield sse_message(SessionEvent(kind="end", state=session.state(), message=exc.message))
    finally:
        session.broadcast.unsubscribe(viewer)


store = SessionStore()


# ------------------------------------------------------------------ server shutdown

SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def end_sessions_on_shutdown_signals(sessions: SessionStore) -> Callable[[], None]:
    """Make SIGINT/SIGTERM end every session at once, then do what they did before.

    uvicorn waits for open responses to finish before it shuts the app down, and an event stream
    only finishes when its session ends: without this, Ctrl+C would wait for every viewer to
    leave. So the server's own handler is wrapped: ending the sessions sends each stream its
    ``end`` event (the streams close), stops the play threads and cuts long step requests short.
    Returns a function that puts the server's handlers back.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may set handlers (TestClient runs lifespans elsewhere)
    previous: dict[int, Callable] = {}

    def on_signal(signum: int, frame) -> None:
        # The handler may interrupt code that holds the store's lock: end the sessions in a thread.
        threading.Thread(target=sessions.close_all, name="end-sessions", daemon=True).start()
        previous[signum](signum, frame)

    for sig in SHUTDOWN_SIGNALS:
        handler = signal.getsignal(sig)
        if callable(handler):  # a server's handler (or Python's KeyboardInterrupt): chain onto it
            previous[sig] = handler
            signal.signal(sig, on_signal)

    def restore() -> None:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is on_signal:
                signal.signal(sig, handler)

    return restore


@contextlib.asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[None]:
    """The app's lifespan: sessions end on the first shutdown signal, and at the latest on shutdown."""
    restore = end_sessions_on_shutdown_signals(store)
    try:
        yield
    finally:
        restore()
        await asyncio.to_thread(store.close_all)
