"""One definition of a training run's fields: type, default, choices, bounds, limits, help text.

Everything else reads this table: ``engine.run_config.TrainConfig`` (its defaults and ``validate``),
``engine.datasets`` (its argument checks), the API schema ``app.schemas.sessions.TrainConfigIn``
(built from it, so OpenAPI shows the same enums and bounds) and the /train page, which loads
``run_options()`` from ``GET /api/train/options`` instead of keeping copies. Each rule is checked
in one place, ``check_field``, with a message that names the field (and the settings limit).

``presets`` are the values the page offers in its short lists (any other valid value works too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.features import DEFAULT_FEATURES, FEATURES, check_features
from engine.losses import LOSSES, REGULARIZATIONS
from engine.nn import ACTIVATIONS
from engine.optim import OPTIMIZERS, SCHEDULES
from engine.settings import Settings

MAX_SEED = 2**32 - 1  # numpy's RandomState takes 32-bit seeds
MAX_NOISE = 1.0  # beyond this every shape drowns in its noise


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # for people
    title: str = ""  # a longer explanation


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # choice | int | number | ints | features | points
    default: Any
    description: str
    choices: tuple[Choice, ...] = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # value > low (else >=)
    high_open: bool = False  # value < high (else <=)
    limit: str | None = None  # the settings field that is the upper bound (of the length, for lists)
    item_limit: str | None = None  # for ints: the settings field bounding each item
    nullable: bool = False
    presets: tuple[Any, ...] = ()

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def upper(self, settings: Settings | None) -> float | None:
        """The upper bound in force: the settings limit if there is one (and settings are given)."""
        if self.limit is not None and self.kind in ("int", "number"):
            return getattr(settings, self.limit) if settings is not None else None
        return self.high


def _choices(*items: tuple[str, str] | tuple[str, str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(*item) for item in items)


def _named(values: tuple[str, ...], labels: dict[str, str | tuple[str, str]]) -> tuple[Choice, ...]:
    """The engine's own list of names, each with its label (a name without one fails at import)."""
    return tuple(Choice(v, *((labels[v],) if isinstance(labels[v], str) else labels[v])) for v in values)


DATASET_CHOICES = _choices(
    ("moons", "Moons", "Two interleaved half circles (micrograd's demo, sklearn's make_moons)"),
    ("circles", "Circles", "A ring around a disc"),
    ("xor", "XOR", "Class 1 where x and y have the same sign"),
    ("spiral", "Spiral", "Arms winding out from the centre (2 or more classes)"),
    ("blobs", "Blobs", "Round clusters, one per class"),
    ("linear", "Linear", "Two classes on either side of a line"),
    ("plane", "Plane", "Regression: the value rises across the plane (TF Playground's)"),
    ("gauss", "Gauss", "Regression: six bumps, three up and three down (TF Playground's)"),
    ("custom", "Draw", "Your own points with classes: click to draw them, or upload a CSV"),
    ("custom_regression", "Values", "Your own points with values to predict: upload a CSV"),
    ("lecture", "Lecture", "The micrograd lecture's 4 points with 3 inputs each"),
)

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("dataset", "choice", "moons", "Which dataset.", choices=DATASET_CHOICES),
    FieldSpec(
        "n_points", "int", 100, "Points generated (train + test).", low=2, limit="max_dataset_points",
        presets=(10, 10),  # the page's slider: from 10, in steps of 10
    ),
    FieldSpec("noise", "number", 0.1, "Noise of the generated points.", low=0.0, high=MAX_NOISE,
              presets=(0.0, 0.5, 0.05)),  # slider: from, to, step
    FieldSpec("test_fraction", "number", 0.0, "Share of the points held out for testing.", low=0.0, high=1.0,
              high_open=True, presets=(0.0, 0.5, 0.1)),
    FieldSpec("n_classes", "int", 2, "Classes of 'blobs' and 'spiral'.", low=2, limit="max_classes",
              presets=(2, 3, 4, 5)),
    FieldSpec(
        "points", "points", None,
        "The 'custom' dataset's [x, y, class] triples, or 'custom_regression''s [x, y, value].",
        limit="max_custom_points", nullable=True,
    ),
    FieldSpec(
        "features", "features", DEFAULT_FEATURES,
        "The network's inputs, computed from each point (x1, x2): any of " + ", ".join(FEATURES) + ".",
        choices=tuple(Choice(f.name, f.label) for f in FEATURES.values()),
    ),
    FieldSpec("hidden", "ints", (16, 16), "Neurons per hidden layer.", low=1, limit="max_hidden_layers",
              item_limit="max_layer_width"),
    FieldSpec(
        "activation", "choice", "relu", "The hidden neurons' activation.",
        choices=_named(
            ACTIVATIONS, {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}
        ),
    ),
    FieldSpec(
        "loss", "choice", "hinge", "The loss per point (regression sets take mse).",
        choices=_named(LOSSES, {
            "hinge": ("Hinge", "Max-margin, as in micrograd's demo"),
            "mse": ("MSE", "Mean squared error"),
            "bce": ("Binary CE", "Binary cross-entropy on the logit"),
            "softmax_ce": ("Softmax CE", "Softmax cross-entropy (one output per class)"),
        }),
    ),
    FieldSpec("regularization", "choice", "l2", "Penalty on the weights.",
              choices=_named(REGULARIZATIONS, {"none": "None", "l1": "L1", "l2": "L2"})),
    FieldSpec("reg_strength", "number", 1e-4, "Regularization rate.", low=0.0,
              presets=(0.0, 1e-5, 1e-4, 1e-3, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)),
    FieldSpec("optimizer", "choice", "sgd", "How gradients move the weights.",
              choices=_named(OPTIMIZERS, {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"})),
    FieldSpec("learning_rate", "number", 1.0, "The base learning rate.", low=0.0, low_open=True,
              presets=(0.001, 0.003, 0.01, 0.03, 0.05, 0.1, 0.3, 1.0, 3.0, 10.0)),
    FieldSpec("momentum", "number", 0.9, "The 'momentum' optimizer's momentum.", low=0.0, high=1.0,
              high_open=True),
    FieldSpec(
        "schedule", "choice", "linear",
        "Learning-rate schedule; linear is the demo's lr * (1 - 0.9 * step / total_steps).",
        choices=_named(SCHEDULES, {"constant": "Constant", "linear": "Linear", "cosine": "Cosine"}),
    ),
    FieldSpec("total_steps", "int", 100, "Horizon of the learning-rate schedule.", low=1),
    FieldSpec("batch_size", "int", None, "Points per step; null = full batch.", low=1, nullable=True,
              presets=(None, 1, 2, 4, 8, 16, 32, 64)),
    FieldSpec("seed", "int", 1337, "The dataset, the initial weights and the mini-batches.", low=0,
              high=MAX_SEED),
    FieldSpec(
        "executor", "choice", "auto", "auto = the compiled executor when it can run this model, else eager.",
        choices=_choices(("auto", "Auto"), ("compiled", "Compiled"), ("eager", "Eager")),
    ),
)  # fmt: skip

SPEC: dict[str, FieldSpec] = {f.name: f for f in FIELDS}

# Settings that suit a dataset, applied when a page switches to it (the run is still any config).
DATASET_PRESETS: dict[str, dict[str, Any]] = {
    # How the lecture trains its 4 points: MLP(3, [4, 4, 1]) of tanh neurons, squared error, plain SGD.
    "lecture": {
        "hidden": [4, 4], "activation": "tanh", "loss": "mse", "regularization": "none", "reg_strength": 0.0,
        "optimizer": "sgd", "learning_rate": 0.05, "schedule": "constant", "batch_size": None,
        "test_fraction": 0.0, "features": list(DEFAULT_FEATURES),
    },
    # TF Playground's regression defaults: squared error, a small rate, tanh.
    **{
        name: {"loss": "mse", "activation": "tanh", "learning_rate": 0.03, "schedule": "constant"}
        for name in ("plane", "gauss", "custom_regression")
    },
}  # fmt: skip


# ------------------------------------------------------------------ checking one field


def check_field(name: str, value: object, settings: Settings | None = None) -> None:
    """Raise ValueError naming ``name`` (and the settings limit) if ``value`` breaks its rule.

    Without ``settings`` the settings limits are not applied (the engine used as a library).
    """
    spec = SPEC[name]
    if value is None and spec.nullable:
        return
    if spec.kind == "choice":
        if value not in spec.values:
            raise ValueError(f"{name}: must be one of {', '.join(spec.values)}, not {value!r}")
    elif spec.kind == "int":
        _check_int(name, value, spec.low, spec.upper(settings), spec.limit if settings else None)
    elif spec.kind == "number":
        _check_number(name, value, spec, spec.upper(settings))
    elif spec.kind == "ints":
        _check_ints(name, value, spec, settings)
    elif spec.kind == "features":
        check_features(value)
    elif spec.kind == "points":
        limit = getattr(settings, spec.limit) if settings is not None else None
        if limit is not None and len(value) > limit:
            raise ValueError(
                f"points: {len(value)} custom points, more than the limit of {limit} ({spec.limit})"
            )


def _check_int(name: str, value: object, low: float | None, high: float | None, limit: str | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name}: must be an integer, not {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{name}: must be at least {int(low)}, not {value}")
    if high is not None and value > high:
        why = f" ({limit})" if limit else ""
        raise ValueError(f"{name}: must be at most {int(high)}{why}, not {value}")


def _check_number(name: str, value: object, spec: FieldSpec, high: float | None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name}: must be a finite number, not {value!r}")
    low = spec.low
    low_ok = low is None or (value > low if spec.low_open else value >= low)
    high_ok = high is None or (value < high if spec.high_open else value <= high)
    if low_ok and high_ok:
        return
    if low is not None and high is not None:
        rule = f"at least {low:g} and less than {high:g}" if spec.high_open else f"from {low:g} to {high:g}"
        raise ValueError(f"{name}: must be {rule}, not {value!r}")
    if low is not None:
        rule = f"more than {low:g}" if spec.low_open else f"{low:g} or more"
        raise ValueError(f"{name}: must be {rule}, not {value!r}")
    raise ValueError(f"{name}: must be at most {high:g}, not {value!r}")


def _check_ints(name: str, value: object, spec: FieldSpec, settings: Settings | None) -> None:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{name}: must be a list of layer widths, not {value!r}")
    if settings is not None and len(value) > getattr(settings, spec.limit):
        most = getattr(settings, spec.limit)
        raise ValueError(f"{name}: {len(value)} hidden layers, more than the limit of {most} ({spec.limit})")
    width = getattr(settings, spec.item_limit) if settings is not None else None
    for i, item in enumerate(value):
        _check_int(f"{name}[{i}]", item, spec.low, width, spec.item_limit if settings else None)


# ------------------------------------------------------------------ for the page and the API


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def run_options(settings: Settings) -> dict[str, Any]:
    """Fields, defaults, choices and limits of a run, as the page and API clients need them."""
    fields = {}
    for spec in FIELDS:
        entry: dict[str, Any] = {
            "kind": spec.kind,
            "default": _jsonable(spec.default),
            "description": spec.description,
            "nullable": spec.nullable,
        }
        if spec.choices:
            entry["choices"] = [
                {"value": c.value, "label": c.label, **({"title": c.title} if c.title else {})}
                for c in spec.choices
            ]
        if spec.low is not None:
            entry["min"] = spec.low
            entry["min_exclusive"] = spec.low_open
        upper = spec.upper(settings)
        if spec.kind in ("int", "number") and upper is not None:
            entry["max"] = upper
            entry["max_exclusive"] = spec.high_open
        if spec.limit is not None:
            entry["limit"] = {"name": spec.limit, "value": getattr(settings, spec.limit)}
        if spec.item_limit is not None:
            entry["item_limit"] = {"name": spec.item_limit, "value": getattr(settings, spec.item_limit)}
        if spec.presets:
            entry["presets"] = list(spec.presets)
        fields[spec.name] = entry
    from engine import datasets  # engine.datasets reads this module's SPEC

    kinds = {
        name: {
            "regression": name in datasets.REGRESSION,
            "multiclass": name in datasets.MULTICLASS,
            "custom": name in datasets.CUSTOM,
            "planar": name != "lecture",
            "presets": DATASET_PRESETS.get(name, {}),
        }
        for name in SPEC["dataset"].values
    }
    return {"fields": fields, "defaults": {f.name: _jsonable(f.default) for f in FIELDS}, "datasets": kinds}


def json_schema_extra(spec: FieldSpec, settings: Settings) -> dict[str, Any]:
    """What OpenAPI should say about a field: its enum and bounds (checked by ``check_field``)."""
    extra: dict[str, Any] = {}
    if spec.kind == "choice":
        extra["enum"] = list(spec.values)
    if spec.kind in ("int", "number"):
        if spec.low is not None:
            extra["exclusiveMinimum" if spec.low_open else "minimum"] = spec.low
        upper = spec.upper(settings)
        if upper is not None:
            extra["exclusiveMaximum" if spec.high_open else "maximum"] = upper
    if spec.kind == "ints":
        extra["maxItems"] = getattr(settings, spec.limit)
        extra["items"] = {
            "type": "integer",
            "minimum": spec.low,
            "maximum": getattr(settings, spec.item_limit),
        }
    if spec.kind == "features":
        extra["items"] = {"type": "string", "enum": list(spec.values)}
        extra["minItems"] = 1
    if spec.kind == "points":
        extra["maxItems"] = getattr(settings, spec.limit)
    return extra
