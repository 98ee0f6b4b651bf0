"""Every size limit of Backprop Lab, in one place.

Each field can be overridden with an environment variable ``BACKPROP_LAB_<FIELD NAME IN CAPS>``,
e.g. ``BACKPROP_LAB_MAX_NODES=50000``. The README's "Limits" table documents each one.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

ENV_PREFIX = "BACKPROP_LAB_"


@dataclass(frozen=True)
class Settings:
    # Expression language
    max_source_chars: int = 20_000
    max_statements: int = 500
    max_nodes: int = 20_000
    max_nesting_depth: int = 50
    max_literal_magnitude: float = 1e15
    max_exponent: float = 100.0
    # CPU time of the thread running the program (waiting for the CPU is not charged). 3 s: the
    # lecture's 1,000-step training loop takes 1.6-2.0 s of CPU here (bench/interpreter.py); one
    # evaluation runs at a time (max_concurrent_evaluations), so a longer one delays only the queue.
    max_eval_seconds: float = 3.0
    max_eval_wall_seconds: float = 10.0  # wall time, so a program starved of CPU still ends
    max_eval_steps: int = 100_000  # statements run + comprehension items (max_statements counts the text)
    max_label_chars: int = 100  # a .label / label= string, and a variable name
    max_print_chars: int = 20_000  # print(...) output kept per program; the rest is cut off

    # Graph rendering (Graphviz dot)
    max_render_nodes: int = 400
    render_timeout_seconds: float = 5.0
    max_concurrent_renders: int = 2
    render_cache_entries: int = 256
    # dot's layout cost grows with edge length: shapes plus ranks skipped by edges (engine.dot.layout_size)
    max_render_layout_nodes: int = 4_000
    render_wait_seconds: float = 2.0  # wait for a free render slot this long, then answer 503
    # Numerical gradient check: 2 * leaves * ops node recomputations at most (about 1 s per 10^6)
    max_gradient_check_work: int = 2_000_000

    # Graph area: drawing graphs people bring, and fair shares of the server between requests
    max_draw_edges: int = 60_000  # edges of a graph posted to /api/graph/draw (nodes: max_nodes)
    # Graph requests at once: CPU work under the GIL, so a second one at once only halves each one's
    # share; one at a time kept /healthz at 38 ms p50 under 40 heavy clients (bench/fairness.py).
    max_concurrent_evaluations: int = 1
    evaluation_queue: int = 8  # requests that may wait for an evaluation slot; more get 503 at once
    evaluation_wait_seconds: float = 5.0  # wait for a slot this long, then 503 with Retry-After

    # Training
    max_dataset_points: int = 1_000
    max_hidden_layers: int = 6
    max_layer_width: int = 32
    max_classes: int = 10  # classes of 'blobs', 'spiral' and 'custom' (softmax_ce has one output each)
    max_steps_per_request: int = 1_000
    max_step_request_seconds: float = 30.0  # a step request stops here and answers with the steps taken
    max_boundary_resolution: int = 200
    max_sessions: int = 256  # across all workers; when full the least recently used idle one is evicted
    session_idle_seconds: float = 3_600.0
    max_stream_seconds: float = 1_800.0
    # Live training sessions (app/sessions/)
    max_play_steps_per_second: float = 50.0
    max_play_seconds: float = 1_800.0  # a play run pauses itself after this long (an abandoned tab stops)
    max_viewers_per_session: int = 200  # open event streams per session (a lecture hall)
    max_custom_points: int = 500  # hand-drawn points of the 'custom' dataset
    live_boundary_resolution: int = 40  # grid of the boundary sent with live events
    live_boundary_seconds: float = 0.25  # at most one live boundary per this many seconds
    viewer_queue_events: int = 32  # events a slow viewer may lag behind before the oldest are dropped
    sse_heartbeat_seconds: float = 15.0
    evicted_ids_remembered: int = 4_096  # evicted/deleted ids (and rooms) that still answer 410, not 404
    max_history_points: int = 2_000  # metrics kept per session: the latest quarter exact, older ones thinned
    event_backlog_bytes: int = 262_144  # latest events kept per session, for viewers resuming (Last-Event-ID)
    # Fair shares and work budgets (sessions area, issue 14): a class of 60 behind one NAT is one
    # client and must still work
    max_sessions_per_client: int = 100  # 60 students' runs and the teacher's, with room for reloads
    max_streams_per_client: int = 300  # 60 x (the teacher's run + their own), reloads overlapping
    max_playing_per_client: int = 80  # 60 students each playing their own run
    max_streams: int = 2_000  # open event streams in all
    max_waiting_requests_per_session: int = 200  # requests queued on one session, then 503 + Retry-After
    session_compute_threads: int = 2  # threads for session work (training, boundaries): GIL-bound, 2 suffice
    play_threads: int = 2  # threads that step playing sessions (a slow one holds up only its own)
    max_eager_work: int = 1_000_000  # scalar operations of one eager step or boundary grid (~1 s)
    # Several processes (sessions area, issue 12): sessions shared through Redis when a URL is set
    redis_url: str = ""  # redis://host:port/db or unix:///path/redis.sock; empty = one process, in memory
    redis_lease_seconds: float = 2.0  # a session's trainer renews its lease; if it dies, another takes over
    redis_stream_events: int = 1_000  # events kept per session in its Redis stream (Last-Event-ID resume)
    redis_checkpoint_seconds: float = 0.5  # training between a run's checkpoints (a new holder redoes it)
    # Training runs: time travel, hand edits, uploads (engine/train.py, engine/upload.py)
    time_travel_bytes: int = 2_000_000  # keyframes a run keeps to rebuild past steps (engine/time_travel.py)
    max_weight_edit: float = 1_000.0  # a weight or bias set by hand: at most this far from 0
    max_upload_bytes: int = 200_000  # a CSV of points uploaded to /train
    # Compiled executor (engine/compiled)
    compiled_cache_entries: int = 32  # captured programs an executor keeps (one per model structure + loss)
    compiled_predict_rows: int = 1_024  # rows per vectorized predict chunk (bounds memory on big grids)
    # Platform: requests (app/middleware)
    max_request_body_bytes: int = 1_048_576  # refused with 413 before the body is read
    max_draw_body_bytes: int = 12_582_912  # POST /api/graph/draw alone: a max_nodes graph's JSON (~9 MB)
    max_url_bytes: int = 262_144  # path + query; fits max_source_chars fully percent-encoded (12 B/char)
    allowed_hosts: str = ""  # extra Host names, comma-separated ("*": any); IPs and localhost always

    # Playground Python mode (the program runs in the browser's Pyodide worker, never on the server)
    python_run_seconds: float = 5.0  # a program still running then is stopped (its worker is terminated)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Defaults, overridden by any ``BACKPROP_LAB_*`` variables present."""
        environ = os.environ if environ is None else environ
        overrides = {}
        for field in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + field.name.upper())
            if raw is not None:
                overrides[field.name] = type(getattr(cls, field.name))(raw)
        return cls(**overrides)


settings = Settings.from_env()
