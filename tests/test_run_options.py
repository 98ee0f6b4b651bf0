"""One definition of a training run (issue 15): the engine's spec is what the config, the API
schema, OpenAPI and GET /api/train/options all say, and the engine alone checks the rules."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.schemas.sessions import TrainConfigIn
from engine import datasets, features, losses, nn, optim
from engine.run_spec import FIELDS, SPEC
from engine.settings import settings
from engine.train import EXECUTORS, TrainConfig

client = TestClient(app)


def test_the_config_the_api_and_the_options_have_the_same_fields_and_defaults():
    names = [f.name for f in FIELDS]
    assert [f.name for f in dataclasses.fields(TrainConfig)] == names
    assert list(TrainConfigIn.model_fields) == names
    options = client.get("/api/train/options").json()
    assert list(options["fields"]) == names
    engine_defaults = {f.name: getattr(TrainConfig(), f.name) for f in dataclasses.fields(TrainConfig)}
    api_defaults = TrainConfigIn().model_dump()
    as_json = {k: list(v) if isinstance(v, tuple) else v for k, v in engine_defaults.items()}
    assert api_defaults == as_json == options["defaults"]
    assert {k: v["default"] for k, v in options["fields"].items()} == options["defaults"]


def test_choices_are_the_engines_own_lists():
    options = client.get("/api/train/options").json()["fields"]
    choices = {name: [c["value"] for c in entry["choices"] or []] for name, entry in options.items()}
    assert choices["dataset"] == list(datasets.DATASETS)
    assert choices["activation"] == list(nn.ACTIVATIONS)
    assert choices["loss"] == list(losses.LOSSES)
    assert choices["regularization"] == list(losses.REGULARIZATIONS)
    assert choices["optimizer"] == list(optim.OPTIMIZERS)
    assert choices["schedule"] == list(optim.SCHEDULES)
    assert choices["executor"] == list(EXECUTORS)
    assert choices["features"] == list(features.FEATURES)
    assert all(c["label"] for entry in options.values() for c in entry["choices"] or [])


def test_limits_come_from_the_settings():
    body = client.get("/api/train/options").json()
    fields = body["fields"]
    assert fields["n_points"]["max"] == settings.max_dataset_points
    assert fields["n_points"]["limit"] == {"name": "max_dataset_points", "value": settings.max_dataset_points}
    assert fields["hidden"]["limit"]["value"] == settings.max_hidden_layers
    assert fields["hidden"]["item_limit"]["value"] == settings.max_layer_width
    assert fields["points"]["limit"]["value"] == settings.max_custom_points
    assert fields["n_classes"]["max"] == settings.max_classes
    assert fields["learning_rate"]["min"] == 0 and fields["learning_rate"]["min_exclusive"] is True
    assert body["limits"]["max_play_steps_per_second"] == settings.max_play_steps_per_second
    assert max(body["speeds"]) <= settings.max_play_steps_per_second


def test_openapi_shows_the_same_enums_and_bounds():
    schema = client.get("/openapi.json").json()["components"]["schemas"]["TrainConfigIn"]["properties"]
    assert schema["loss"]["enum"] == list(SPEC["loss"].values)
    assert schema["n_points"]["maximum"] == settings.max_dataset_points
    assert schema["hidden"]["maxItems"] == settings.max_hidden_layers
    assert schema["hidden"]["items"]["maximum"] == settings.max_layer_width
    assert schema["learning_rate"]["exclusiveMinimum"] == 0
    assert schema["features"]["items"]["enum"] == list(features.FEATURES)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"loss": "cubic"}, "loss: must be one of mse, hinge, bce, softmax_ce, not 'cubic'"),
        ({"n_points": 1}, "n_points: must be at least 2, not 1"),
        ({"noise": 1.5}, "noise: must be from 0 to 1, not 1.5"),
        ({"momentum": 1}, "momentum: must be at least 0 and less than 1, not 1"),
        ({"hidden": [4, 0]}, "hidden[1]: must be at least 1, not 0"),
        ({"features": []}, "features: the network needs at least one input feature"),
        ({"features": ["x1", "x1"]}, "features: 'x1' is listed twice"),
        ({"dataset": "plane", "loss": "hinge"}, "loss: 'hinge' is for classes and 'plane' has values"),
        ({"dataset": "lecture", "features": ["x1"]}, "features: the lecture's set has its own 3 inputs"),
    ],
)
def test_the_engine_checks_each_rule_once_and_the_api_says_so(body, message):
    """One message per rule: the engine's, whether the config comes from the API or from Python."""
    response = client.post("/api/sessions", json={"hidden": [2], "n_points": 20, **body})
    assert response.status_code == 422
    assert message in response.json()["detail"]["message"]
    config = TrainConfig(**{"hidden": (2,), "n_points": 20, **body})
    with pytest.raises(ValueError) as raised:
        config.validate(settings)
    assert message in str(raised.value)


def test_shapes_stay_pydantics_job():
    message = client.post("/api/sessions", json={"hidden": "16"}).json()["detail"]["message"]
    assert message.startswith("body.hidden: ")
