"""One training run: a ``Trainer`` behind a lock, its state machine, and the events it publishes.

A session is created by a store, which gives it an id and keeps it; whoever created it holds the
owner token (the store checks it). Every method blocks (training is pure Python): the store runs
them in the compute pool (``app.sessions.compute``), one job of a session at a time. The session
lock serializes everything that reads or moves the parameters, against the play thread too.

States: paused (the start) -> playing (``play``) -> paused (``pause``, ``reset``, ``max_play_seconds``
or a failing step) and, from any state, -> ended (``close``: deleted, evicted, expired, replaced,
server stopping); an ended session refuses everything with 410 and its reason. Each change is an
event for its viewers (``app.sessions.sse``); what a command returns is an API model, so a store
can hand a command to another process and send its answer back as JSON (``app.sessions.ops``
names what can be asked).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.schemas.sessions import (
    BoundaryOut,
    DatasetOut,
    NetworkOut,
    SampleOut,
    SessionDetail,
    SessionEvent,
    SessionState,
    StepResponse,
    TrainConfigIn,
)
from app.sessions.compute import Turnstile
from app.sessions.convert import layer_sizes, live_boundary, live_weights, metrics_out
from app.sessions.errors import InvalidRequest, ServerBusy, SessionGone
from app.sessions.play import PLAY_TICK_SECONDS, PlayRun, player
from app.sessions.sse import Broadcast
from engine import work
from engine.graph import GraphModel
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
from engine.reader import read_graph
from engine.settings import Settings
from engine.train import Metrics, Trainer
from engine.value import Value

log = logging.getLogger(__name__)

DEFAULT_STEPS_PER_SECOND = 10.0
LIVE_BOUNDARY_SECONDS = 0.15  # a live boundary should take about this long; its grid adapts
MIN_LIVE_RESOLUTION = 16


@dataclass
class SampleGraph:
    sample: SampleOut
    collapsed: CollapsedGraph
    expanded: Value | None  # the chosen neuron's own scalar graph (a copy), if one was asked for
    neuron: str | None
    drawing: GraphModel | None = None  # the datapoint's whole graph, named and clustered, to draw


@dataclass
class Ending:
    """Why a session ended, and the run that replaced it (if one did)."""

    reason: str
    next_session: str | None = None
    room: str | None = None
    moved: bool = False  # not ended: another worker trains it now (a Redis store); ask again

    def error(self) -> SessionGone | ServerBusy:
        if self.moved:
            return ServerBusy(f"{self.reason}; try again", retry_after=1)
        return SessionGone(self.reason, self.next_session, self.room)


class Session:
    """One training run. Every method blocks: call it from a worker thread."""

    def __init__(
        self,
        session_id: str,
        config: TrainConfigIn,
        trainer: Trainer,
        limits: Settings,
        room: str | None = None,
        client: str = "",
    ):
        self.id = session_id
        self.room = room
        self.client = client  # the address that created it (per-client limits)
        self.config = config
        self.trainer = trainer
        self.settings = limits
        self.lock = threading.Lock()  # held while the parameters are read or moved
        self.turn = Turnstile(limits.max_waiting_requests_per_session)  # one compute job at a time
        self.stepping = Turnstile(limits.max_waiting_requests_per_session)  # one step request at a time
        self.broadcast = Broadcast(
            limits.max_viewers_per_session, limits.viewer_queue_events, limits.event_backlog_bytes
        )
        self.created = self.last_active = time.monotonic()
        self.steps_per_second = DEFAULT_STEPS_PER_SECOND
        self.ended: Ending | None = None
        # How events leave: to this process's viewers, or (a Redis store) saved with a checkpoint
        # and sent to every worker's viewers. Called under the session lock.
        self.publisher: Callable[[Session, SessionEvent, bool], None] = publish_locally
        self._control = threading.Lock()  # play/pause/close, so two of them never race
        self._play: PlayRun | None = None
        self._seconds_per_step = 0.0  # running average, to size chunks
        self._picture: tuple[float, int, dict] | None = None  # (when, step, fields) of the last one
        self._boundary_cost = 0.0
        self._live_resolution = min(limits.live_boundary_resolution, self._resolution_budget())

    # ---------------------------------------------------------------- reading

    @property
    def playing(self) -> bool:
        return self._play is not None

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
            room=self.room,
            stop_rules=self.trainer.stop_rules.as_dict(),
        )

    def detail(self) -> SessionDetail:
        with self._locked():
            trainer = self.trainer
            data = trainer.dataset
            return SessionDetail(
                config=self.config,
                state=self.state(),
                history=[metrics_out(m) for m in trainer.history],
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
        limit = self.settings.max_boundary_resolution
        if not 2 <= resolution <= limit:
            raise InvalidRequest(
                f"resolution: must be 2..{limit} (max_boundary_resolution), not {resolution}"
            )
        if resolution > self._resolution_budget():
            sizes = layer_sizes(self.trainer)
            raise InvalidRequest(
                f"resolution: a {resolution} x {resolution} grid of this network on the eager executor is "
                f"about {work.boundary_work(sizes, resolution):,} scalar operations, more than "
                f"max_eager_work ({self.settings.max_eager_work:,}); at most resolution="
                f"{self._resolution_budget()} for this session"
            )
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

    def sample_graph(
        self, index: int, split: str, neuron: str | None = None, drawing: bool = False
    ) -> SampleGraph:
        """One datapoint's graph, collapsed to neurons, and ``neuron`` ("L.N") expanded if asked;
        with ``drawing``, also read as a GraphModel to draw (under the lock: training on would
        change the weights it reads)."""
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
                whole = read_graph(root, structure={"model": model}) if drawing and neuron is None else None
            except NeuronGraphError as exc:
                raise InvalidRequest(str(exc)) from None
            sample = SampleOut(
                step=trainer.step_count, index=index, split=split, x=list(X[index]), label=y[index]
            )
            return SampleGraph(sample, graph, expanded, nid, whole)

    def hello(self) -> SessionEvent:
        """The first event of a stream: where the run is, with a picture to draw right away.

        A picture less than live_boundary_seconds old is reused: a class connecting at once costs
        one boundary, not sixty.
        """
        with self._locked():
            return self._event("hello", [], picture=True)

    # ---------------------------------------------------------------- changing

    def check_steps(self, steps: int) -> None:
        if not 1 <= steps <= self.settings.max_steps_per_request:
            raise InvalidRequest(
                f"steps: must be 1..{self.settings.max_steps_per_request} per request "
                f"(max_steps_per_request), not {steps}"
            )

    def step_chunk(self, remaining: int, last: bool) -> list[Metrics]:
        """Up to a tick's worth of the ``remaining`` steps of a step request, published as one event.

        ``last``: the request ends with this chunk whatever it takes (its time is up), so the event
        carries a fresh picture.
        """
        with self._locked():
            taken = self._timed_step(self.chunk_size(remaining))
            done = last or len(taken) == remaining or self.stopped is not None
            self._publish(self._event("step", taken, picture=done))
        return taken

    @property
    def stopped(self) -> str | None:
        """Why the last steps stopped early (a stop rule was met: engine/stop_rules.py), if they did."""
        return getattr(self.trainer, "stopped", None)

    def step_response(self, metrics: list[Metrics], asked: int) -> StepResponse:
        message = None
        if len(metrics) < asked and self.stopped:
            message = self.stopped
        elif len(metrics) < asked:
            message = (
                f"stopped after {self.settings.max_step_request_seconds:g} s (max_step_request_seconds): "
                f"{len(metrics)} of {asked} steps taken"
            )
        return StepResponse(state=self.state(), metrics=[metrics_out(m) for m in metrics], message=message)

    def reset(self) -> SessionState:
        """Back to step 0 with the same seed; a playing run pauses."""
        self.pause(picture=False)  # the reset event brings the picture
        with self._locked():
            self.trainer.reset()
            self._publish(self._event("reset", list(self.trainer.history), picture=True))
        return self.state()

    def play(self, steps_per_second: float) -> SessionState:
        limit = self.settings.max_play_steps_per_second
        if not 0 < steps_per_second <= limit:
            raise InvalidRequest(
                f"steps_per_second: must be more than 0 and at most {limit:g} "
                f"(max_play_steps_per_second), not {steps_per_second:g}"
            )
        with self._control:
            self._check_open()
            self.steps_per_second = float(steps_per_second)
            if self._play is None:
                self._play = PlayRun(self)
                player.add(self._play)
        self._publish_state()
        return self.state()

    def pause(self, picture: bool = True) -> SessionState:
        """Stop playing; when this returns no further step happens until asked for.

        Viewers get the state with the final picture (the live ones are sent at most every so often,
        so the last one may be a few steps old), unless ``picture`` is False.
        """
        with self._control:
            run = self._stop_play()
        if run is not None:
            with self.lock:  # a chunk under way finishes first; the next one sees it stopped
                pass
            if not picture:
                self._publish_state()
            else:
                with self._locked():
                    self._publish(self._event("state", [], picture=True))
        return self.state()

    def halt(self, ending: Ending) -> None:
        """Stop here without a word: this process no longer trains the session (another does)."""
        with self._control:
            self._stop_play()
            self.ended = ending

    def close(self, ending: Ending) -> None:
        """End the session: stop playing, refuse further requests, tell every viewer why."""
        with self._control:
            self._stop_play()
            self.ended = ending
        event = SessionEvent(
            kind="end", state=self.state(), message=ending.reason, next_session=ending.next_session
        )
        self.publisher(self, event, True)  # not under the lock: a chunk under way may hold it a while

    # ---------------------------------------------------------------- play (the player thread)

    def play_chunk(self, run: PlayRun, n: int) -> bool:
        """Take ``n`` steps for ``run`` if it is still this session's; False once it is not."""
        with self._locked():
            if self._play is not run:
                return False
            metrics = self._timed_step(n)
            # Not waited for: a play chunk's event may reach other processes a moment later.
            self._publish(self._event("step", metrics, picture=self.stopped is not None), wait=False)
        if self.stopped:
            self.auto_pause(run, self.stopped)
            return False
        return True

    def auto_pause(self, run: PlayRun, message: str) -> None:
        with self._control:
            if self._play is not run:
                return
            self._stop_play()
        self._publish_state(message)

    # ---------------------------------------------------------------- internals

    def _locked(self):
        """The session lock, refusing to enter an ended session."""
        return _OpenSessionLock(self)

    def _check_open(self) -> None:
        if self.ended is not None:
            raise self.ended.error()

    def _stop_play(self) -> PlayRun | None:
        run, self._play = self._play, None
        if run is not None:
            player.remove(run)
        return run

    def chunk_size(self, remaining: int) -> int:
        """Steps that take about one play tick (one until the speed of a step is known)."""
        if not self._seconds_per_step:
            return 1
        return max(1, min(remaining, int(PLAY_TICK_SECONDS / self._seconds_per_step)))

    @property
    def seconds_per_step(self) -> float:
        return self._seconds_per_step

    def _timed_step(self, steps: int) -> list[Metrics]:
        started = time.perf_counter()
        metrics = self.trainer.step(steps)
        per_step = (time.perf_counter() - started) / steps
        self._seconds_per_step = (
            per_step if not self._seconds_per_step else 0.7 * self._seconds_per_step + 0.3 * per_step
        )
        return metrics

    def _resolution_budget(self) -> int:
        """The finest boundary grid this session may compute (the eager executor's work budget)."""
        if self.trainer.executor_name != "eager":
            return self.settings.max_boundary_resolution
        return work.max_resolution(layer_sizes(self.trainer), self.settings.max_eager_work)

    def _picture_fields(self) -> dict:
        """A boundary (2-D data) or the training points' scores, and the weights. Under the lock.

        It never takes more than ~20% of the time however slow this model's boundary is: a slow
        model gets a coarser grid (down to MIN_LIVE_RESOLUTION cells a side) rather than a picture
        that lags seconds behind the run.
        """
        started = time.perf_counter()
        fields: dict = {"boundary": None, "scores": None}
        if self.trainer.dataset.n_features == 2:
            if self._live_resolution >= 2:
                raw = self.trainer.boundary(self._live_resolution)
                fields["boundary"] = live_boundary(raw, self.trainer.dataset.n_classes)
        else:  # no plane to draw (the lecture's 3 features): the few training points' outputs
            fields["scores"] = self.trainer.scores()
        fields["weights"] = live_weights(self.trainer)
        self._boundary_cost = time.perf_counter() - started
        self._live_resolution = min(
            self._resolution_budget(),
            live_resolution(
                self._live_resolution, self._boundary_cost, self.settings.live_boundary_resolution
            ),
        )
        return fields

    def _event(self, kind: str, metrics: list[Metrics], picture: bool = False) -> SessionEvent:
        """An event with the state, ``metrics`` and, when due (or asked for), a picture. Under the lock.

        Pictures are made at most every live_boundary_seconds (longer for a slow model); one asked
        for is reused while it is that fresh and of the current step.
        """
        now = time.monotonic()
        interval = max(self.settings.live_boundary_seconds, 4 * self._boundary_cost)
        last = self._picture
        fields: dict = {}
        if picture and last is not None and last[1] == self.trainer.step_count and now - last[0] < interval:
            fields = last[2]
        elif picture or last is None or now - last[0] >= interval:
            fields = self._picture_fields()
            self._picture = (now, self.trainer.step_count, fields)
        return SessionEvent(
            kind=kind, state=self.state(), metrics=[metrics_out(m) for m in metrics], **fields
        )

    def _publish_state(self, message: str | None = None) -> None:
        with self.lock:
            self._publish(SessionEvent(kind="state", state=self.state(), message=message))

    def _publish(self, event: SessionEvent, wait: bool = True) -> None:
        """Send ``event`` to the viewers, under the session lock: what a store's publisher saves
        with it (a checkpoint) is the state the event describes. ``wait``: return only once it is
        sent (a Redis store: saved in Redis), so a request's answer never runs ahead of its event."""
        self.publisher(self, event, wait)


def publish_locally(session: Session, event: SessionEvent, wait: bool = True) -> None:
    session.broadcast.publish(event)


class _OpenSessionLock:
    """``with session._locked():`` the session lock, raising 410 if the session has ended."""

    def __init__(self, session: Session):
        self.session = session

    def __enter__(self) -> Session:
        self.session.lock.acquire()
        if self.session.ended is not None:
            self.session.lock.release()
            raise self.session.ended.error()
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
