"""A Trainer's whole state as JSON, and a Trainer rebuilt from it that continues bit for bit.

What a run depends on beyond its config: the parameters (and their ``grad``), the last step's
gradients, the optimizer's state, the mini-batch random state, the step count, the executor
actually in use (a compiled run that fell back to eager stays eager), the hand edits and stop rules,
and the metrics history. Time travel's keyframes go with the history (a checkpoint without them
keeps step 0's, rebuilt from the config: past steps are then replayed from there, just as exactly).
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

import numpy as np

from engine.executor import EagerExecutor
from engine.history import History
from engine.optim import SGD, Adam, Momentum, Optimizer
from engine.settings import Settings, settings
from engine.stop_rules import StopRules
from engine.time_travel import Keyframes, Snapshot, pack_optimizer, unpack_optimizer
from engine.train import Metrics, TrainConfig, Trainer, WeightEdit

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
        "edits": [dataclasses.astuple(e) for e in trainer.edits],
        "stop_rules": trainer.stop_rules.as_dict(),
        "stopped": trainer.stopped,
    }
    if history:
        state["history"] = history_state(trainer.history)
        state["keyframes"] = keyframes_state(trainer.keyframes)
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
            "features": tuple(config["features"]),
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
    trainer.edits = [WeightEdit(*e) for e in state["edits"]]
    trainer.stop_rules = StopRules(**state["stop_rules"])
    trainer.stopped = state["stopped"]
    trainer.keyframes.clear()
    if "keyframes" in state:
        trainer.keyframes = load_keyframes(state["keyframes"])
    else:
        trainer.keyframes.add(trainer.initial_snapshot())
    if "history" in state:
        trainer.history = load_history(state["history"], limits)
    else:
        trainer.history.clear()
    trainer.remeasure()  # the whole training set at the restored parameters (what the next step reuses)
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


def keyframes_state(frames: Keyframes) -> dict[str, Any]:
    return {
        "budget_bytes": frames.budget_bytes,
        "stride": frames.stride,
        "frames": [
            {
                "step": f.step,
                "params": f.params.tolist(),
                "optimizer": unpack_optimizer(f.optimizer),
                "batch_rng": None
                if f.batch_rng is None
                else [f.batch_rng[0], f.batch_rng[1].tolist(), f.batch_rng[2]],
            }
            for f in frames.snapshots()
        ],
    }


def load_keyframes(state: dict[str, Any]) -> Keyframes:
    frames = Keyframes(state["budget_bytes"])
    for f in state["frames"]:
        rng = f["batch_rng"]
        frames.add(
            Snapshot(
                step=f["step"],
                params=np.array(f["params"], dtype=float),
                optimizer=pack_optimizer(f["optimizer"]),
                batch_rng=None if rng is None else (rng[0], np.asarray(rng[1], dtype=np.uint32), rng[2]),
            )
        )
    frames.stride = state["stride"]
    return frames


def _rng_state(state: tuple) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def _rng_tuple(state: list) -> tuple:
    version, internal, gauss = state
    return (version, tuple(internal), gauss)
