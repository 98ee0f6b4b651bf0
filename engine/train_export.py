"""What a training run exports: its metrics (CSV), its weights (JSON), its boundary (SVG, PNG) and a
Python script that rebuilds and trains the same run with the real ``micrograd`` package.

The script is data written as code: numbers are ``repr`` floats, names come from the engine's own
lists, and no user text is ever written into it. It builds micrograd ``Value``s for the very
points, initial weights, losses, optimizer and mini-batches of the run (hand edits at their
steps), trains to the exported step and checks each step's loss against the one Backprop Lab
measured (they agree to ~1e-15; tests/test_train_export.py runs it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.export import HELPERS
from engine.palette import CLASS_COLORS, tint
from engine.png import encode_png
from engine.train_views import boundary_shares

if TYPE_CHECKING:
    from engine.train import Metrics, Trainer

METRIC_FIELDS = (
    "step",
    "train_loss",
    "data_loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
    "learning_rate",
)


def _json_number(x: float) -> float | str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def metrics_csv(history: Sequence[Metrics]) -> str:
    """One row per kept step; empty cells where a metric does not apply (no test split, regression)."""
    rows = [",".join(METRIC_FIELDS)]
    for m in history:
        cells = [getattr(m, name) for name in METRIC_FIELDS]
        rows.append(",".join("" if v is None else repr(v) for v in cells))
    return "\n".join(rows) + "\n"


def weights_json(trainer: Trainer) -> str:
    """The model's parameters at the trainer's step, with what they mean."""
    layers = [
        [{"weights": [_json_number(w) for w in n.weights], "bias": _json_number(n.bias)} for n in layer]
        for layer in trainer.network()
    ]
    doc = {
        "step": trainer.step_count,
        "inputs": list(trainer.input_names),
        "activation": trainer.config.activation,
        "output": "linear",
        "layer_sizes": [len(trainer.input_names)] + [len(layer) for layer in layers],
        "layers": layers,
    }
    return json.dumps(doc, indent=1) + "\n"


# ------------------------------------------------------------------ the boundary as a picture

POINT_RADIUS = 5.0


def _cell_rgb(share_or_class: float, n_classes: int) -> tuple[int, int, int]:
    if n_classes > 2:
        return tint(int(share_or_class), 0.55, 1.0)
    p = share_or_class
    return tint(1, (p - 0.5) * 2) if p >= 0.5 else tint(0, (0.5 - p) * 2)


def _point_rgb(label: float, n_classes: int) -> tuple[int, int, int]:
    if n_classes == 0:  # a value from -1 (orange) to +1 (blue)
        v = max(-1.0, min(1.0, label))
        return tint(1, v, 1.0) if v >= 0 else tint(0, -v, 1.0)
    return _hex(CLASS_COLORS[int(label) % len(CLASS_COLORS)])


def _hex(color: str) -> tuple[int, int, int]:
    n = int(color[1:], 16)
    return (n >> 16) & 255, (n >> 8) & 255, n & 255


def _picture(trainer: Trainer, resolution: int):
    b = trainer.boundary(resolution)
    k = trainer.dataset.n_classes
    shares = boundary_shares(b, k)
    grid = shares if shares is not None else b.classes
    return b, k, grid


def _points(trainer: Trainer):
    data = trainer.dataset
    yield from ((x, y, c, False) for (x, y), c in zip(data.X_train, data.y_train))
    yield from ((x, y, c, True) for (x, y), c in zip(data.X_test, data.y_test))


def boundary_svg(trainer: Trainer, resolution: int = 40, size: int = 480) -> str:
    """The boundary as cells and the points as circles (test points ringed in dark), ``size`` px."""
    b, k, grid = _picture(trainer, resolution)
    cell = size / resolution
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">',
        f"<title>Boundary of a Backprop Lab run at step {trainer.step_count}</title>",
        '<g shape-rendering="crispEdges">',
    ]
    for iy in range(resolution):
        for ix in range(resolution):
            r, g, bl = _cell_rgb(float(grid[iy][ix]), k)
            y = (resolution - 1 - iy) * cell  # row 0 is y_min: the bottom of the picture
            parts.append(
                f'<rect x="{ix * cell:.2f}" y="{y:.2f}" width="{cell + 0.05:.2f}" height="{cell + 0.05:.2f}" '
                f'fill="#{r:02x}{g:02x}{bl:02x}"/>'
            )
    parts.append("</g><g>")
    sx, sy = size / (b.x_max - b.x_min), size / (b.y_max - b.y_min)
    for x, y, c, test in _points(trainer):
        r, g, bl = _point_rgb(c, k)
        stroke = "#1d2433" if test or k == 0 else "#ffffff"  # a value near 0 is near white
        parts.append(
            f'<circle cx="{(x - b.x_min) * sx:.2f}" cy="{(b.y_max - y) * sy:.2f}" r="{POINT_RADIUS}" '
            f'fill="#{r:02x}{g:02x}{bl:02x}" stroke="{stroke}" stroke-width="{2 if test else 1.4}"/>'
        )
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"


def boundary_png(trainer: Trainer, resolution: int = 40, scale: int = 12) -> bytes:
    """The same picture as pixels: each cell ``scale`` px a side, points as discs."""
    import numpy as np

    b, k, grid = _picture(trainer, resolution)
    size = resolution * scale
    colors = np.array(
        [[_cell_rgb(float(grid[iy][ix]), k) for ix in range(resolution)] for iy in range(resolution)],
        dtype=np.uint8,
    )[::-1]  # row 0 of the grid is y_min: the bottom row of the image
    image = np.repeat(np.repeat(colors, scale, axis=0), scale, axis=1)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    sx, sy = size / (b.x_max - b.x_min), size / (b.y_max - b.y_min)
    for x, y, c, test in _points(trainer):
        px, py = (x - b.x_min) * sx, (b.y_max - y) * sy
        d2 = (xx - px) ** 2 + (yy - py) ** 2
        image[d2 <= (POINT_RADIUS + 1.5) ** 2] = (29, 36, 51) if test or k == 0 else (255, 255, 255)
        image[d2 <= POINT_RADIUS**2] = _point_rgb(c, k)
    return encode_png(image)


# ------------------------------------------------------------------ the micrograd script

_SCRIPT_HEAD = '''"""A Backprop Lab training run, rebuilt and trained with micrograd (pip install micrograd).

The same points (after the input features {inputs}), the same initial weights, the same {loss} loss
with {reg}, the same {optimizer} steps and mini-batches{edits}. It trains {steps} steps and checks every
step's training loss against the one Backprop Lab measured.
"""

import math
import random

from micrograd.engine import Value

'''

_SCRIPT_BODY = """

class Neuron:
    def __init__(self, weights, bias, activation):
        self.w = [Value(w) for w in weights]
        self.b = Value(bias)
        self.activation = activation

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        if self.activation == "linear":
            return act
        if self.activation == "relu":
            return act.relu()
        if self.activation == "tanh":
            return tanh(act)
        return sigmoid(act)


layers = [
    [Neuron(n[:-1], n[-1], ACTIVATION if i < len(WEIGHTS) - 1 else "linear") for n in layer]
    for i, layer in enumerate(WEIGHTS)
]
params = [p for layer in layers for n in layer for p in n.w + [n.b]]


def model(x):
    for layer in layers:
        x = [n(x) for n in layer]
    return x


def absolute(x):
    return x.relu() + (-x).relu()


def sample_loss(scores, target):
    if LOSS == "hinge":
        return (1 + -target[0] * scores[0]).relu()
    if LOSS == "mse":
        return sum(((s - t) ** 2 for s, t in zip(scores, target)), Value(0.0)) * (1.0 / len(scores))
    if LOSS == "bce":
        s, t = scores[0], target[0]
        return log(1 + exp(-absolute(s))) + s.relu() - t * s
    log_sum_exp = log(sum((exp(s) for s in scores), Value(0.0)))
    return log_sum_exp - sum((t * s for s, t in zip(scores, target)), Value(0.0))


def regularization():
    if REGULARIZATION == "l2":
        return STRENGTH * sum(p * p for p in params)
    if REGULARIZATION == "l1":
        return STRENGTH * sum(absolute(p) for p in params)
    return Value(0.0)


def total_loss(X, targets):
    losses = [sample_loss(model([Value(v) for v in x]), t) for x, t in zip(X, targets)]
    return sum(losses) * (1.0 / len(losses)) + regularization()


def rate(step):
    progress = min(step, TOTAL_STEPS) / TOTAL_STEPS
    if SCHEDULE == "constant":
        return LEARNING_RATE
    if SCHEDULE == "linear":
        return LEARNING_RATE * (1.0 - (1.0 - 0.1) * progress)
    return LEARNING_RATE * (0.1 + (1.0 - 0.1) * 0.5 * (1.0 + math.cos(math.pi * progress)))


state = {"velocity": None, "t": 0, "m": None, "v": None}


def update(grads, lr):
    values = [p.data for p in params]
    if OPTIMIZER == "sgd":
        new = [p - lr * g for p, g in zip(values, grads)]
    elif OPTIMIZER == "momentum":
        if state["velocity"] is None:
            state["velocity"] = list(grads)
        else:
            state["velocity"] = [MOMENTUM * v + g for v, g in zip(state["velocity"], grads)]
        new = [p - lr * v for p, v in zip(values, state["velocity"])]
    else:  # adam
        b1, b2, eps = 0.9, 0.999, 1e-8
        m = state["m"] or [0.0] * len(grads)
        v = state["v"] or [0.0] * len(grads)
        state["t"] += 1
        state["m"] = [b1 * mi + (1 - b1) * g for mi, g in zip(m, grads)]
        state["v"] = [b2 * vi + (1 - b2) * g * g for vi, g in zip(v, grads)]
        c1, c2 = 1 - b1 ** state["t"], 1 - b2 ** state["t"]
        steps = zip(values, state["m"], state["v"])
        new = [p - lr * (mi / c1) / (math.sqrt(vi / c2) + eps) for p, mi, vi in steps]
    for p, value in zip(params, new):
        p.data = value


batches = random.Random(f"batches:{SEED}")


def batch():
    if BATCH_SIZE is None or BATCH_SIZE >= len(X_TRAIN):
        return X_TRAIN, Y_TRAIN
    picked = batches.sample(range(len(X_TRAIN)), BATCH_SIZE)
    return [X_TRAIN[i] for i in picked], [Y_TRAIN[i] for i in picked]


worst = 0.0
for step in range(STEPS + 1):
    for at, layer, neuron, index, value in EDITS:
        if at == step:
            unit = layers[layer][neuron]
            (unit.b if index is None else unit.w[index]).data = value
    full = total_loss(X_TRAIN, Y_TRAIN)  # the model after `step` steps
    if step in EXPECTED:
        worst = max(worst, abs(full.data - EXPECTED[step]))
    print(f"step {step} loss {full.data:.6f}")
    if step == STEPS:
        break
    X, targets = batch()
    loss = full if X is X_TRAIN else total_loss(X, targets)
    for p in params:
        p.grad = 0.0
    loss.backward()
    update([p.grad for p in params], rate(step))

print(f"largest difference from Backprop Lab's losses: {worst:.3g}")
"""


def micrograd_script(trainer: Trainer) -> str:
    """A script that trains this run from step 0 to the trainer's step with micrograd."""
    c = trainer.config
    steps = trainer.step_count
    expected = {
        m.step: m.train_loss for m in trainer.history if m.step <= steps and math.isfinite(m.train_loss)
    }
    edits = [(e.step, e.layer, e.neuron, e.index, e.new) for e in trainer.edits if e.step <= steps]
    weights = [[[*n.weights, n.bias] for n in layer] for layer in _initial_layers(trainer)]
    needed = {"exp", "log"} if c.loss in ("bce", "softmax_ce") else set()
    needed |= {c.activation} & {"tanh", "sigmoid"}
    head = _SCRIPT_HEAD.format(
        inputs=", ".join(trainer.input_names),
        loss=c.loss,
        reg=f"{c.regularization} regularization" if c.regularization != "none" else "no regularization",
        optimizer=c.optimizer,
        edits=" (and the hand edits of weights, at their steps)" if edits else "",
        steps=steps,
    )
    helpers = "\n\n".join(HELPERS[name] for name in sorted(needed))
    data = [
        f"ACTIVATION = {c.activation!r}",
        f"LOSS = {c.loss!r}",
        f"REGULARIZATION = {c.regularization!r}",
        f"STRENGTH = {c.reg_strength!r}",
        f"OPTIMIZER = {c.optimizer!r}",
        f"MOMENTUM = {c.momentum!r}",
        f"LEARNING_RATE = {c.learning_rate!r}",
        f"SCHEDULE = {c.schedule!r}",
        f"TOTAL_STEPS = {c.total_steps!r}",
        f"BATCH_SIZE = {c.batch_size!r}",
        f"SEED = {c.seed!r}",
        f"STEPS = {steps!r}",
        f"X_TRAIN = {_floats(trainer.inputs_train)}",
        f"Y_TRAIN = {_floats(trainer.train_targets)}",
        f"WEIGHTS = {_floats(weights)}  # per layer, per neuron: its weights, then its bias (at step 0)",
        f"EDITS = {edits!r}  # (step, layer, neuron, input or None for the bias, new value)",
        f"EXPECTED = {expected!r}  # Backprop Lab's training loss at each kept step",
    ]
    return head + (helpers + "\n\n" if helpers else "") + "\n".join(data) + "\n" + _SCRIPT_BODY


def _floats(nested) -> str:
    """A nested list of numbers as Python source (every float round-trips exactly)."""
    if isinstance(nested, (list, tuple)):
        return "[" + ", ".join(_floats(x) for x in nested) + "]"
    x = float(nested)
    if math.isnan(x):
        return 'float("nan")'
    if math.isinf(x):
        return 'float("inf")' if x > 0 else '-float("inf")'
    return repr(x)


def _initial_layers(trainer: Trainer):
    """Each neuron's weights and bias at step 0 (before any hand edit)."""
    from engine.train_views import NeuronState

    fresh = trainer.initial_model()
    return [
        [NeuronState([w.data for w in n.w], n.b.data, [], 0.0, n.activation) for n in layer.neurons]
        for layer in fresh.layers
    ]
