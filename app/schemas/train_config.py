"""``TrainConfigIn``: the request body of a training run, built from ``engine.run_spec``.

Pydantic checks only the JSON shapes (a number, a list of integers...). The rules (choices, bounds,
settings limits, how fields go together) are the engine's, checked once by ``TrainConfig.validate``
when the session is made, with a message naming the field; OpenAPI shows them from the same spec.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from engine.run_spec import FIELDS, FieldSpec, json_schema_extra
from engine.settings import settings

_TYPES: dict[str, Any] = {
    "choice": str,
    "int": int,
    "number": float,
    "ints": list[int],
    "features": list[str],
    "points": list[tuple[float, float, int | float]],
}


def _field(spec: FieldSpec) -> tuple[Any, Any]:
    kind = _TYPES[spec.kind]
    annotation = kind | None if spec.nullable else kind
    default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
    return annotation, Field(
        default=default, description=spec.description, json_schema_extra=json_schema_extra(spec, settings)
    )


class _Base(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"dataset": "moons", "hidden": [16, 16], "learning_rate": 1.0}]},
    )


TrainConfigIn = create_model(
    "TrainConfigIn",
    __base__=_Base,
    __doc__="A training run; the defaults are micrograd's demo (moons, MLP(2, [16, 16, 1]), hinge + L2, "
    "SGD). Choices, bounds and the settings limits are those of GET /api/train/options; breaking one "
    "is a 422 whose message names the field (and the limit).",
    **{spec.name: _field(spec) for spec in FIELDS},
)
