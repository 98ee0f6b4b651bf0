"""Time travel's cost: the memory its keyframes take and how long rebuilding a past step takes.

    .venv/bin/python bench/time_travel.py [--steps 2000] [--probes 20]

Trains micrograd's demo (and a mini-batch Adam run, whose keyframes also hold optimizer and
generator state) for --steps steps with the default time_travel_bytes, then rebuilds --probes
random past steps, checking each against the weights recorded on the way (exactness), and prints
the keyframes' bytes, their interval (stride) and the median and worst rebuild times.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.settings import settings
from engine.train import TrainConfig, Trainer

RUNS = {
    "demo (SGD, full batch)": TrainConfig(),
    "Adam, batch 16, 2-16-16-1": TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=16),
}


def measure(name: str, config: TrainConfig, steps: int, probes: int) -> None:
    trainer = Trainer(config)
    recorded = {0: [p.data for p in trainer.model.parameters()]}
    started = time.perf_counter()
    for k in range(1, steps + 1):
        trainer.step()
        if k % 97 == 0 or k == steps:
            recorded[k] = [p.data for p in trainer.model.parameters()]
    train_seconds = time.perf_counter() - started
    frames = trainer.keyframes
    rng = random.Random(0)
    picks = rng.sample(sorted(recorded), min(probes, len(recorded)))
    seconds = []
    for k in picks:
        t0 = time.perf_counter()
        with trainer.at_step(k):
            weights = [p.data for p in trainer.model.parameters()]
        seconds.append(time.perf_counter() - t0)
        assert weights == recorded[k], f"step {k} was not rebuilt exactly"
    params = len(trainer.model.parameters())
    print(
        f"{name}: {params} parameters, {steps} steps in {train_seconds:.1f} s; "
        f"{len(frames)} keyframes every {frames.stride} steps = {frames.nbytes:,} bytes "
        f"(budget {settings.time_travel_bytes:,}); rebuilding a step: median "
        f"{1000 * statistics.median(seconds):.0f} ms, worst {1000 * max(seconds):.0f} ms "
        f"({len(picks)} steps, all exact)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--probes", type=int, default=20)
    args = parser.parse_args()
    for name, config in RUNS.items():
        measure(name, config, args.steps, args.probes)


if __name__ == "__main__":
    main()
