"""A Trainer's whole state as JSON, and a Trainer rebuilt from it that continues bit for bit.

What a run depends on beyond its config: the parameters (and their ``grad``), the last step's
gradients, the optimizer's state, the mini-batch random state, the step count, the executor
actually in use (a compiled run that fell back to eager stays eager) and the metrics history.
The dataset and the model's structure are rebuilt from the config (the same seed gives the same
points). Floats are written with ``repr`` (exact for float64) and NaN/±inf as JSON's extensions,
so a restored trainer's next steps equal the original's to the last bit.

Whoever adds state to ``Trainer`` adds it here (``tests/test_checkpoint.py`` compares every
attribute of a restored trainer with the original's, so a forgotten one fails it).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from engine.executor import EagerExecutor
from engine.history import History
from engine.optim import SGD, Adam, Momentum, Optimizer
from engine.settings import Settings, settings
from engine.train import Metrics, TrainConfig, Trainer

FORMAT = 1


def dump(trainer: Trainer, history: bool = True) -> dict[str, Any]:
    """The trainer's state as a JSON-able dict (``history=False`` leaves the metrics out, for a
    store that keeps them apart and appends to them step by step)."""
    params = trainer.model.parameters()
    state: dict[str, Any] = {
        "format": FORMAT,
        "config": dataclasses.asdict(trainer.config),
        "executor": trainer.executor_name,
        "fallback_reason": trainer.fallback_reason,
        "step": trainer.step_count,
        "params": [p.data for p in params],
        "param_grads": [p.grad for p in params],
        "grads": list(trainer._grads),
        "optimizer": optimizer_state(trainer.optimizer),
        "batch_rng": _rng_state(trainer._batch_rng.getstate()),
    }
    if history:
        state["history"] = history_state(trainer.history)
    return state


def dumps(trainer: Trainer, history: bool = True) -> bytes:
    return json.dumps(dump(trainer, history), separators=(",", ":")).encode()


def load(state: dict[str, Any], limits: Settings = settings) -> Trainer:
    """A trainer in exactly the state ``dump`` saw (the history empty if it was left out)."""
    if state.get("format") != FORMAT:
        raise ValueError(f"checkpoint: format {state.get('format')!r} is not {FORMAT}")
    config = state["config"]
    config = TrainConfig(
        **{
            **config,
            "hidden": tuple(config["hidden"]),
            "points": tuple(tuple(p) for p in config["points"]) if config["points"] is not None else None,
        }
    )
    executor = EagerExecutor() if state["executor"] == "eager" else None
    trainer = Trainer(config, executor=executor, settings=limits)
    if trainer.executor_name != state["executor"]:
        raise ValueError(f"checkpoint: the {state['executor']} executor is not available here")
    trainer.fallback_reason = state["fallback_reason"]
    params = trainer.model.parameters()
    if len(params) != len(state["params"]):
        raise ValueError("checkpoint: the parameters do not fit the model of its config")
    for p, data, grad in zip(params, state["params"], state["param_grads"]):
        p.data, p.grad = data, grad
    trainer._grads = list(state["grads"])
    trainer.optimizer = load_optimizer(state["optimizer"], config)
    trainer._batch_rng.setstate(_rng_tuple(state["batch_rng"]))
    trainer.step_count = state["step"]
    if "history" in state:
        trainer.history = load_history(state["history"], limits)
    return trainer


def loads(data: bytes, limits: Settings = settings) -> Trainer:
    return load(json.loads(data), limits)


# ------------------------------------------------------------------ parts


def optimizer_state(optimizer: Optimizer) -> dict[str, Any]:
    if isinstance(optimizer, Adam):
        return {"kind": "adam", "t": optimizer.t, "m": optimizer.m, "v": optimizer.v}
    if isinstance(optimizer, Momentum):
        return {"kind": "momentum", "velocity": optimizer.velocity}
    if type(optimizer) is SGD:
        return {"kind": "sgd"}
    raise ValueError(f"checkpoint: no state format for {type(optimizer).__name__}")


def load_optimizer(state: dict[str, Any], config: TrainConfig) -> Optimizer:
    kind = state["kind"]
    if kind == "adam":
        optimizer = Adam()
        optimizer.t, optimizer.m, optimizer.v = state["t"], state["m"], state["v"]
        return optimizer
    if kind == "momentum":
        optimizer = Momentum(config.momentum)
        optimizer.velocity = state["velocity"]
        return optimizer
    return SGD()


def metrics_state(m: Metrics) -> list:
    return [getattr(m, f.name) for f in dataclasses.fields(Metrics)]


def load_metrics(values: list) -> Metrics:
    return Metrics(*values)


def history_state(history: History[Metrics]) -> dict[str, Any]:
    older, recent = history.parts()
    return {
        "capacity": history.capacity,
        "exact": history.exact,
        "stride": history.stride,
        "demoted": history.demoted,
        "older": [metrics_state(m) for m in older],
        "recent": [metrics_state(m) for m in recent],
    }


def load_history(state: dict[str, Any], limits: Settings = settings) -> History[Metrics]:
    return History.from_parts(
        state["capacity"],
        state["exact"],
        state["stride"],
        state["demoted"],
        [load_metrics(m) for m in state["older"]],
        [load_metrics(m) for m in state["recent"]],
    )


def _rng_state(state: tuple) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def _rng_tuple(state: list) -> tuple:
    version, internal, gauss = state
    return (version, tuple(internal), gauss)
