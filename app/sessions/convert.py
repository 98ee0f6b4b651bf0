"""Conversions between the engine's objects and the API's models (``app.schemas.sessions``)."""

from __future__ import annotations

import numpy as np

from app.schemas.sessions import LiveBoundary, MetricsOut, TrainConfigIn
from engine.train import Metrics, TrainConfig, Trainer
from engine.train_views import boundary_shares


def engine_config(config: TrainConfigIn) -> TrainConfig:
    """The engine's frozen config for a validated request body."""
    fields = config.model_dump()
    fields["hidden"] = tuple(config.hidden)
    fields["points"] = tuple(tuple(p) for p in config.points) if config.points is not None else None
    return TrainConfig(**fields)


def metrics_out(m: Metrics) -> MetricsOut:
    return MetricsOut.model_validate(m, from_attributes=True)


def layer_sizes(trainer: Trainer) -> list[int]:
    layers = trainer.model.layers
    return [len(layers[0].neurons[0].w)] + [len(layer.neurons) for layer in layers]


def live_boundary(boundary, n_classes: int) -> LiveBoundary:
    """The compact form of ``Trainer.boundary``: one integer per cell, row-major.

    Two classes or a regression set: the cell on the two-colour scale as 0..255 (engine
    ``boundary_shares``: P(class 1), or the prediction from [-1, 1]; NaN is 128, undecided). More
    classes: the class index. numpy, because this runs for every live picture of every session.
    """
    shares = boundary_shares(boundary, n_classes)
    if shares is not None:
        cells = np.clip(np.rint(255 * shares), 0, 255).astype(int).ravel().tolist()
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


def live_weights(trainer: Trainer) -> list[list[list[float]]]:
    """Every neuron's weights then bias, to 4 significant digits (what a diagram can show)."""
    return [
        [[float(f"{w:.4g}") for w in n.weights] + [float(f"{n.bias:.4g}")] for n in layer]
        for layer in trainer.network()
    ]
