"""engine.checkpoint: a restored trainer continues with the original's numbers, to the last bit.

The comparison is generic: every attribute of the Trainer (and of what it holds: model, optimizer,
random state, history) is compared, so state added to Trainer later and left out of the
checkpoint fails here. Add the new feature's settings to CASES so its state is exercised.
"""

from __future__ import annotations

import json
import math
import random
import struct

import numpy as np
import pytest

from engine import checkpoint
from engine.executor import EagerExecutor
from engine.history import History
from engine.settings import Settings
from engine.stop_rules import StopRules
from engine.train import TrainConfig, Trainer
from engine.value import Value

LIMITS = Settings(max_history_points=12)  # small, so the history's thinned part is in play too
BASE = {"hidden": (4, 3), "n_points": 30, "seed": 11, "total_steps": 20}
CASES = {
    "sgd": {},
    "momentum": {"optimizer": "momentum", "momentum": 0.8},
    "adam": {"optimizer": "adam", "learning_rate": 0.05, "schedule": "cosine"},
    "minibatch": {"batch_size": 7, "optimizer": "momentum"},
    "test split": {"test_fraction": 0.3, "optimizer": "adam", "learning_rate": 0.02},
    "softmax": {"dataset": "spiral", "n_classes": 3, "loss": "softmax_ce", "optimizer": "adam"},
    "bce tanh": {"loss": "bce", "activation": "tanh", "regularization": "l1", "batch_size": 5},
    "custom points": {"dataset": "custom", "points": ((0.1, 0.2, 0), (0.5, -0.3, 1), (-0.4, 0.6, 1))},
    "lecture": {
        "dataset": "lecture",
        "hidden": (4, 4),
        "activation": "tanh",
        "loss": "mse",
        "regularization": "none",
    },
    "diverging": {"learning_rate": 1e8, "loss": "mse", "regularization": "none", "activation": "tanh"},
    "features, regression": {"dataset": "gauss", "loss": "mse", "features": ("x1", "sin(x2)", "x1*x2")},
}


def bits(x: float) -> str:
    return struct.pack(">d", x).hex()


def state_of(obj, seen=None):
    """Everything an object holds, floats as their bits, for a deep comparison."""
    seen = set() if seen is None else seen
    if isinstance(obj, float):
        return ("float", bits(obj))
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, np.ndarray):
        return ("array", obj.dtype.str, obj.shape, obj.tobytes().hex())
    if isinstance(obj, random.Random):
        return ("random", obj.getstate())
    if isinstance(obj, (list, tuple, History)):
        return [state_of(x, seen) for x in obj]
    if isinstance(obj, dict):
        return {k: state_of(v, seen) for k, v in obj.items()}
    if id(obj) in seen:
        return ("seen", type(obj).__name__)
    seen.add(id(obj))
    if isinstance(obj, Value):
        return ("Value", bits(obj.data), bits(obj.grad), obj.label)
    if hasattr(obj, "__dict__") or hasattr(obj, "__slots__"):
        fields = dict(vars(obj)) if hasattr(obj, "__dict__") else {}
        for name in getattr(type(obj), "__slots__", ()):
            if hasattr(obj, name):
                fields[name] = getattr(obj, name)
        if type(obj).__name__ == "CompiledExecutor":
            return ("CompiledExecutor",)  # its captures are a cache, rebuilt on demand
        return (type(obj).__name__, {k: state_of(v, seen) for k, v in sorted(fields.items())})
    return (type(obj).__name__, repr(obj))


def without_time(metrics) -> list:
    return [state_of({**vars(m), "step_seconds": None}) for m in metrics]


@pytest.mark.parametrize("executor", ["eager", "compiled"])
@pytest.mark.parametrize("case", list(CASES))
def test_a_restored_trainer_continues_bit_for_bit(case, executor):
    config = TrainConfig(**{**BASE, **CASES[case], "executor": executor})
    original = Trainer(config, settings=LIMITS)
    original.step(8)
    original.edit(0, 1, 0, 0.25)  # a hand edit, and stop rules, are part of a run's state too
    original.set_stop_rules(StopRules(max_steps=100, target_loss=1e-9))
    original.step(9)  # past the history's capacity, so its thinned part is restored too
    saved = checkpoint.dumps(original)
    json.loads(saved)  # plain JSON text (NaN/Infinity as Python's json writes them)
    restored = checkpoint.loads(saved, LIMITS)
    assert restored.executor_name == original.executor_name
    assert state_of(vars(restored)) == state_of(vars(original))
    ahead = original.step(9)
    again = restored.step(9)
    assert without_time(again) == without_time(ahead)
    assert state_of({**vars(restored), "history": None}) == state_of({**vars(original), "history": None})
    assert without_time(restored.history) == without_time(original.history)
    if case == "diverging":
        assert any(math.isnan(p.data) for p in original.model.parameters()), "it did not diverge"


def test_a_run_that_fell_back_to_eager_stays_eager():
    original = Trainer(TrainConfig(**BASE), executor=EagerExecutor(), settings=LIMITS)
    original.fallback_reason = "the compiled executor failed: a test"
    original.step(3)
    restored = checkpoint.loads(checkpoint.dumps(original), LIMITS)
    assert restored.executor_name == "eager" and restored.fallback_reason == original.fallback_reason


def test_the_comparison_notices_state_the_checkpoint_forgot():
    """The control: state left out of a checkpoint is caught by the comparison above."""
    original = Trainer(TrainConfig(**{**BASE, "optimizer": "adam"}), settings=LIMITS)
    original.step(5)
    state = checkpoint.dump(original)
    del state["optimizer"]["m"]
    state["optimizer"]["m"] = None  # as if the checkpoint had not saved Adam's first moments
    restored = checkpoint.load(state, LIMITS)
    assert state_of(vars(restored)) != state_of(vars(original))
    original.new_feature = 0.5  # a new attribute a checkpoint does not know about
    restored = checkpoint.loads(checkpoint.dumps(original), LIMITS)
    assert state_of(vars(restored)) != state_of(vars(original))


def test_a_checkpoint_without_history_restores_the_rest():
    original = Trainer(TrainConfig(**BASE), settings=LIMITS)
    original.step(4)
    restored = checkpoint.load(checkpoint.dump(original, history=False), LIMITS)
    assert len(restored.history) == 0 and restored.step_count == 4
    assert without_time(restored.step(2)) == without_time(original.step(2))


def test_a_wrong_checkpoint_is_refused():
    with pytest.raises(ValueError, match="format"):
        checkpoint.load({"format": 99})
