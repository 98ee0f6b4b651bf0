"""``TrainConfig``: everything a run depends on, with its defaults and rules from ``engine.run_spec``.

``TrainConfig()`` is micrograd's demo: 100 moons with noise 0.1, ``MLP(2, [16, 16, 1])`` with ReLU,
hinge loss plus 1e-4 L2, SGD at ``1.0 - 0.9 * k / 100``, full batch, seed 1337. ``validate`` checks
each field against its spec, then the rules that tie fields together (a 3-class set needs a
multi-class loss, a regression set takes mse, ...): the only place a run's settings are checked.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from engine import datasets
from engine.run_spec import SPEC, check_field
from engine.settings import Settings, settings

BINARY_LOSSES = ("hinge", "mse", "bce")
_D = {name: spec.default for name, spec in SPEC.items()}


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run depends on; the same config gives the same numbers, step for step.

    Lists (``hidden``, ``features``, ``points``) may be given as lists: they are kept as tuples.
    """

    dataset: str = _D["dataset"]
    n_points: int = _D["n_points"]
    noise: float = _D["noise"]
    test_fraction: float = _D["test_fraction"]
    n_classes: int = _D["n_classes"]  # blobs and spiral only; the other generated sets have 2 classes
    points: tuple[tuple[float, float, float], ...] | None = _D["points"]  # custom sets: (x, y, class | value)
    features: tuple[str, ...] = _D["features"]
    hidden: tuple[int, ...] = _D["hidden"]
    activation: str = _D["activation"]
    loss: str = _D["loss"]
    regularization: str = _D["regularization"]
    reg_strength: float = _D["reg_strength"]
    optimizer: str = _D["optimizer"]
    learning_rate: float = _D["learning_rate"]
    momentum: float = _D["momentum"]  # the 'momentum' optimizer's
    schedule: str = _D["schedule"]
    total_steps: int = _D["total_steps"]  # horizon of the schedules
    batch_size: int | None = _D["batch_size"]  # None (or at least the training set) = full batch
    seed: int = _D["seed"]  # the dataset, the initial weights and the mini-batches
    executor: str = _D["executor"]

    def __post_init__(self) -> None:
        for name in ("hidden", "features"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
        if isinstance(self.points, list):
            object.__setattr__(
                self, "points", tuple(tuple(p) if isinstance(p, list) else p for p in self.points)
            )

    @property
    def is_regression(self) -> bool:
        return self.dataset in datasets.REGRESSION

    @property
    def planar(self) -> bool:
        """Whether the points lie in a plane (every set but the lecture's 3-input one)."""
        return self.dataset != "lecture"

    def n_dataset_classes(self) -> int:
        """How many classes the dataset will have (0 for regression; checks custom points first)."""
        if self.is_regression:
            return 0
        if self.dataset == "custom":
            return datasets.check_points(self.points or ())
        return self.n_classes if self.dataset in datasets.MULTICLASS else 2

    def n_inputs(self) -> int:
        return len(self.features) if self.planar else len(datasets.LECTURE_XS[0])

    def validate(self, settings: Settings = settings) -> None:
        """Raise ValueError naming the first bad field (and the settings limit it breaks, if any)."""
        for f in fields(self):
            if f.name == "n_points" and self.dataset in datasets.CUSTOM:
                continue  # custom points are counted against max_custom_points instead
            check_field(f.name, getattr(self, f.name), settings)
        if self.dataset == "lecture" and self.test_fraction != 0:
            datasets.make_dataset("lecture", test_fraction=self.test_fraction)  # raises, saying why
        if self.dataset == "lecture" and tuple(self.features) != SPEC["features"].default:
            raise ValueError(
                "features: the lecture's set has its own 3 inputs (x1, x2, x3); leave features at "
                f"{list(SPEC['features'].default)}"
            )
        if self.dataset == "custom_regression":
            datasets.check_value_points(self.points or ())
        k = self.n_dataset_classes()
        if k > settings.max_classes:
            raise ValueError(
                f"points: {k} classes, more than the limit of {settings.max_classes} (max_classes)"
            )
        if self.dataset in datasets.MULTICLASS and self.n_classes > self.n_points:
            raise ValueError(
                f"n_classes: {self.n_classes} classes need at least as many points, not {self.n_points}"
            )
        if self.is_regression and self.loss != "mse":
            raise ValueError(
                f"loss: {self.loss!r} is for classes and '{self.dataset}' has values to predict; use mse"
            )
        if k > 2 and self.loss in BINARY_LOSSES:
            raise ValueError(
                f"loss: {self.loss!r} separates 2 classes and this dataset has {k}; use softmax_ce"
            )
