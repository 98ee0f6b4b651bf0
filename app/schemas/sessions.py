"""Request and response models of the live training API (``/api/sessions*``).

Numbers follow the graph API's rule (``app.schemas.graph.JsonNumber``): a diverging run's NaN or
infinite loss is sent as the string ``"NaN"``/``"Infinity"``/``"-Infinity"``, never as invalid JSON.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.graph import GraphResponse, JsonNumber
from app.schemas.stop_rules import StopRulesOut
from app.schemas.train_config import TrainConfigIn

__all__ = ["TrainConfigIn"]


class MetricsOut(BaseModel):
    """The model after ``step`` steps on the whole training set and test split (step 0: untrained)."""

    step: int
    train_loss: JsonNumber = Field(description="Data loss + regularization, on the training set.")
    data_loss: JsonNumber
    test_loss: JsonNumber | None = Field(description="null without a test split.")
    train_accuracy: JsonNumber | None = Field(description="null for a regression set.")
    test_accuracy: JsonNumber | None
    learning_rate: JsonNumber = Field(description="The rate this step used (after the schedule).")
    step_seconds: JsonNumber


class SessionState(BaseModel):
    """Where a run is now."""

    id: str
    step: int
    playing: bool
    steps_per_second: float = Field(description="Play speed (also kept while paused).")
    viewers: int = Field(description="Open event streams.")
    watchers: int = Field(description="Open event streams other than the owner's own page (?role=owner).")
    executor: str = Field(description="The executor actually computing: eager or compiled.")
    fallback_reason: str | None = Field(description="Why the compiled executor was not used, if asked for.")
    metrics: MetricsOut | None = Field(description="The latest step's metrics.")
    room: str | None = Field(
        default=None, description="The room (lecture) this run belongs to: its short code."
    )
    stop_rules: StopRulesOut | None = Field(default=None, description="When the run pauses by itself.")


class SessionCreated(BaseModel):
    id: str
    owner_token: str = Field(
        description="Send it as `X-Owner-Token` (or `Authorization: Bearer ...`) to step, play, "
        "pause, reset or delete. One token per room: every run of the room takes the same one."
    )
    watch_url: str = Field(description="A read-only page that follows this run live.")
    room: str = Field(description="The room's short code (6 characters, no look-alikes such as 0/O or 1/I).")
    room_url: str = Field(
        description="The link for the whole lecture (`/r/{room}`): it always opens the room's current run."
    )
    state: SessionState


class RoomOut(BaseModel):
    """A room: the run its owner is on now. A room's link outlives every change of settings."""

    code: str
    session: str = Field(description="The id of the room's current run.")
    url: str = Field(description="The short link to share: `/r/{code}`.")
    watch_url: str = Field(description="The read-only page of the current run.")
    state: SessionState


class GoneDetail(BaseModel):
    message: str
    line: None = None
    column: None = None
    next_session: str | None = Field(
        default=None,
        description="The run that replaced this one (its owner changed the settings): follow it.",
    )
    room: str | None = Field(default=None, description="The room this run belonged to.")


class GoneResponse(BaseModel):
    """410: the session ended; ``next_session`` names its successor when its owner replaced it."""

    detail: GoneDetail


class DatasetOut(BaseModel):
    X_train: list[list[float]] = Field(description="[x, y] per point; [x1, x2, x3] for 'lecture'.")
    y_train: list[int | float] = Field(description="Classes; values for a regression set.")
    X_test: list[list[float]]
    y_test: list[int | float]
    n_classes: int = Field(description="0 for a regression set (plane, gauss, custom_regression).")


class SessionDetail(BaseModel):
    config: TrainConfigIn
    state: SessionState
    history: list[MetricsOut] = Field(
        description="One entry per step since the last reset (evenly thinned beyond max_history_points)."
    )
    dataset: DatasetOut
    layer_sizes: list[int] = Field(description="Inputs, each hidden layer, outputs.")


class StepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"steps": 10}]})
    steps: int = Field(
        default=1, ge=1, description="Optimizer steps to take (at most max_steps_per_request)."
    )


class StepResponse(BaseModel):
    state: SessionState
    metrics: list[MetricsOut] = Field(description="One entry per step taken.")
    message: str | None = Field(
        default=None, description="Why fewer steps were taken than asked for (max_step_request_seconds)."
    )


class PlayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"steps_per_second": 20}]})
    steps_per_second: float = Field(
        default=10.0, gt=0.0, description="Target speed (at most max_play_steps_per_second)."
    )


class BoundaryOut(BaseModel):
    """The model's answer on a grid over the data: row-major, ``values[iy][ix]``, y grows upwards."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    resolution: int
    n_classes: int
    values: list[list[JsonNumber]] = Field(
        description="Binary: P(class 1) in [0, 1]. More classes: the predicted class index."
    )
    classes: list[list[int]] = Field(description="Predicted class of each cell.")


class LiveBoundary(BaseModel):
    """A compact boundary for live events: ``cells`` is row-major, one small integer per cell."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float
    resolution: int
    n_classes: int
    cells: list[int] = Field(
        description="Binary: round(255 * P(class 1)). More classes: the predicted class index."
    )


class NeuronOut(BaseModel):
    weights: list[JsonNumber]
    bias: JsonNumber
    weight_grads: list[JsonNumber] = Field(description="d loss / d w of the last step's batch.")
    bias_grad: JsonNumber
    activation: str


class NetworkOut(BaseModel):
    step: int
    layer_sizes: list[int]
    layers: list[list[NeuronOut]] = Field(description="Per layer (hidden layers, then outputs), per neuron.")


class GraphNodeOut(BaseModel):
    id: str = Field(description='"x1", "x2" (inputs), "L.N" (neuron N of layer L, both from 0), "loss".')
    kind: Literal["input", "neuron", "loss"]
    layer: int = Field(description="-1 for inputs, the layer index for neurons, len(layers) for the loss.")
    index: int
    label: str
    data: JsonNumber = Field(description="The neuron's output (after its activation).")
    grad: JsonNumber = Field(description="d loss / d output for this datapoint.")
    pre_activation: JsonNumber | None = Field(description="w·x + b, for neurons.")
    pre_activation_grad: JsonNumber | None
    bias: JsonNumber | None
    bias_grad: JsonNumber | None
    activation: str | None
    scalar_values: int = Field(description="How many Values of the full graph this node stands for.")


class GraphEdgeOut(BaseModel):
    source: str
    target: str
    weight: JsonNumber
    weight_grad: JsonNumber = Field(description="d loss / d w for this datapoint alone.")


class LossSummaryOut(BaseModel):
    kind: str
    formula: str
    value: JsonNumber
    target: list[float]
    scores: list[JsonNumber]
    scalar_values: int


class SampleOut(BaseModel):
    step: int = Field(description="The training step whose weights the graph uses.")
    index: int
    split: Literal["train", "test"]
    x: list[float]
    label: int | float = Field(description="The class; the value for a regression set.")


class CollapsedGraphOut(BaseModel):
    """One datapoint's graph through the network, one node per neuron."""

    sample: SampleOut
    nodes: list[GraphNodeOut]
    edges: list[GraphEdgeOut]
    loss: LossSummaryOut
    scalar_values: int = Field(description="Values in the full scalar graph this collapses.")


class ExpandedNeuronOut(BaseModel):
    """One neuron's own scalar graph (w_i * x_i, the sum, the activation) for one datapoint."""

    sample: SampleOut
    neuron: str
    graph: GraphResponse


class SessionEvent(BaseModel):
    """The ``data`` of every server-sent event (``event:`` says which kind)."""

    kind: Literal["hello", "step", "reset", "state", "end"]
    state: SessionState
    metrics: list[MetricsOut] = Field(default=[], description="The steps since the previous event.")
    boundary: LiveBoundary | None = Field(default=None, description="Only for a 2-D dataset.")
    weights: list[list[list[JsonNumber]]] | None = Field(
        default=None,
        description="Sent with each picture: per layer, per neuron, its weights then its bias (4 digits).",
    )
    scores: list[list[JsonNumber]] | None = Field(
        default=None,
        description="Instead of a boundary, for a dataset that is not 2-D: the model's outputs on each "
        "training point, sent with the weights.",
    )
    message: str | None = None
    reconnect: bool = Field(
        default=False, description="On `end`: the session goes on; only this stream hit its time limit."
    )
    next_session: str | None = Field(
        default=None,
        description="On `end`: the run its owner replaced this one with (new settings); viewers follow it.",
    )
    sent_at: float = Field(
        default_factory=time.time, description="Server clock (Unix seconds) when the event was made."
    )


class BoundAddress(BaseModel):
    host: str = Field(description="0.0.0.0 or :: mean every interface of the machine.")
    port: int


class ServerAddresses(BaseModel):
    """Where this server listens, so a share dialog can offer a link other devices can open."""

    bound: list[BoundAddress] = Field(description="The listening sockets of the server process.")
    loopback_only: bool = Field(
        description="True when it listens on loopback addresses only: links work on this computer alone."
    )
    lan_urls: list[str] = Field(
        description="Base URLs other devices can try (the machine's LAN addresses when listening on "
        "every interface), private IPv4 first."
    )
    hint: str | None = Field(description="What to do when nobody else can reach the server.")
