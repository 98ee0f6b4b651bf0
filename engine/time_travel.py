"""Time travel: the model of any past step, rebuilt from keyframes, within a memory budget.

Training is deterministic, so a past step needs no copy of its own: a keyframe (the parameters,
the optimizer's state and the mini-batch generator's state at some step) and the steps and weight
edits after it rebuild it exactly. Keyframes are kept every ``stride`` steps; when they outgrow
``budget_bytes``, every other one goes and the stride doubles. So memory stays under the budget
however long a run plays, and rebuilding a step replays fewer than ``stride`` steps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

SNAPSHOT_OVERHEAD_BYTES = 400  # the Python objects around a snapshot's arrays (measured: ~330)


@dataclass(frozen=True)
class Snapshot:
    step: int
    params: np.ndarray
    optimizer: dict  # lists as float64 arrays
    batch_rng: tuple | None  # random.Random state as (version, uint32 array, gauss_next)

    @property
    def nbytes(self) -> int:
        arrays = [self.params, *(v for v in self.optimizer.values() if isinstance(v, np.ndarray))]
        if self.batch_rng is not None:
            arrays.append(self.batch_rng[1])
        return SNAPSHOT_OVERHEAD_BYTES + sum(a.nbytes for a in arrays)


def pack_optimizer(state: dict) -> dict:
    return {k: np.asarray(v, dtype=float) if isinstance(v, list) else v for k, v in state.items()}


def unpack_optimizer(state: dict) -> dict:
    return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in state.items()}


def pack_rng(rng: random.Random) -> tuple:
    version, internal, gauss_next = rng.getstate()
    return version, np.asarray(internal, dtype=np.uint32), gauss_next


def unpack_rng(rng: random.Random, packed: tuple) -> None:
    version, internal, gauss_next = packed
    rng.setstate((version, tuple(int(x) for x in internal), gauss_next))


class Keyframes:
    """Snapshots every ``stride`` steps, at most ``budget_bytes`` of them (step 0 always kept)."""

    def __init__(self, budget_bytes: int):
        self.budget_bytes = budget_bytes
        self.stride = 1
        self._frames: dict[int, Snapshot] = {}
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    def clear(self) -> None:
        self._frames.clear()
        self.nbytes = 0
        self.stride = 1

    def wants(self, step: int) -> bool:
        return step % self.stride == 0 and step not in self._frames

    def add(self, snapshot: Snapshot) -> None:
        self._frames[snapshot.step] = snapshot
        self.nbytes += snapshot.nbytes
        while self.nbytes > self.budget_bytes and len(self._frames) > 1:
            self.stride *= 2
            for step in [s for s in self._frames if s % self.stride and s != 0]:
                self.nbytes -= self._frames.pop(step).nbytes

    def snapshots(self) -> list[Snapshot]:
        return [self._frames[step] for step in sorted(self._frames)]

    def at_or_before(self, step: int) -> Snapshot:
        best = max(s for s in self._frames if s <= step)
        return self._frames[best]

    def drop_after(self, step: int) -> None:
        """Forget keyframes past ``step`` (the run went back there, e.g. by a reset)."""
        for s in [s for s in self._frames if s > step]:
            self.nbytes -= self._frames.pop(s).nbytes
