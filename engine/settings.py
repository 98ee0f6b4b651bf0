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
    max_eval_seconds: float = 2.0

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

    # Training
    max_dataset_points: int = 1_000
    max_hidden_layers: int = 6
    max_layer_width: int = 32
    max_steps_per_request: int = 1_000
    max_boundary_resolution: int = 200
    max_sessions: int = 64
    session_idle_seconds: float = 3_600.0
    max_stream_seconds: float = 1_800.0

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
