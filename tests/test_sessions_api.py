"""The live training API through TestClient: lifecycle, tokens, limits, eviction, concurrency, graphs."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.schemas.sessions import TrainConfigIn
from app.sessions import ops
from app.sessions.errors import SessionGone
from app.sessions.lifespan import current_store
from app.sessions.memory import MemoryStore
from app.sessions.session import live_resolution
from engine.settings import Settings, settings
from engine.train import Trainer

client = TestClient(app)

SMALL = {"hidden": [4], "n_points": 24, "seed": 3}  # quick to train, still the real trainer


def strict_json(text: str):
    """json.loads that refuses NaN/Infinity tokens, as browsers' JSON.parse does."""

    def refuse(token: str):
        raise AssertionError(f"non-JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def create(**config) -> tuple[str, dict[str, str]]:
    response = client.post("/api/sessions", json={**SMALL, **config})
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"X-Owner-Token": body["owner_token"]}


def state(sid: str) -> dict:
    response = client.get(f"/api/sessions/{sid}")
    assert response.status_code == 200, response.text
    return strict_json(response.text)


def error_message(response, status: int) -> str:
    assert response.status_code == status, response.text
    message = response.json()["detail"]["message"]
    assert isinstance(message, str) and message
    return message


def use_store(store: MemoryStore):
    """Routes use ``store`` until the test ends (see the ``routes_store`` fixture)."""
    app.dependency_overrides[current_store] = lambda: store
    return store


@pytest.fixture(autouse=True)
def routes_store():
    yield
    store = app.dependency_overrides.pop(current_store, None)
    if store is not None:
        store().close_all()


@pytest.fixture
def small_store():
    """Routes use a fresh store with room for two sessions."""
    return use_store(MemoryStore(Settings(max_sessions=2)))


# ------------------------------------------------------------------ lifecycle


def test_defaults_are_the_micrograd_demo():
    response = client.post("/api/sessions")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["watch_url"] == f"/train?watch={body['id']}"
    assert body["state"]["step"] == 0 and body["state"]["playing"] is False
    detail = state(body["id"])
    config = detail["config"]
    assert config["dataset"] == "moons" and config["hidden"] == [16, 16]
    assert (config["loss"], config["regularization"], config["optimizer"]) == ("hinge", "l2", "sgd")
    assert config["learning_rate"] == 1.0 and config["reg_strength"] == 1e-4
    assert detail["layer_sizes"] == [2, 16, 16, 1]
    assert len(detail["dataset"]["X_train"]) == len(detail["dataset"]["y_train"]) == 100
    client.delete(f"/api/sessions/{body['id']}", headers={"X-Owner-Token": body["owner_token"]})


def test_step_then_state_and_history():
    sid, owner = create()
    response = client.post(f"/api/sessions/{sid}/step", json={"steps": 3}, headers=owner)
    assert response.status_code == 200, response.text
    body = strict_json(response.text)
    assert [m["step"] for m in body["metrics"]] == [1, 2, 3]
    assert body["state"]["step"] == 3
    detail = state(sid)
    assert detail["state"]["step"] == 3
    assert [m["step"] for m in detail["history"]][-3:] == [1, 2, 3]
    assert all(math.isfinite(m["train_loss"]) for m in detail["history"])
    assert detail["state"]["executor"] in ("eager", "compiled")


def test_bearer_token_works_too():
    sid, owner = create()
    bearer = {"Authorization": "Bearer " + owner["X-Owner-Token"]}
    assert client.post(f"/api/sessions/{sid}/step", json={"steps": 1}, headers=bearer).status_code == 200
    assert state(sid)["state"]["step"] == 1


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "step", {"steps": 2}),
        ("post", "play", {"steps_per_second": 5}),
        ("post", "pause", None),
        ("post", "reset", None),
        ("delete", "", None),
    ],
)
@pytest.mark.parametrize(
    "headers", [{}, {"X-Owner-Token": "not-the-token"}, {"Authorization": "Bearer nope"}]
)
def test_changes_need_the_owner_token(method, path, body, headers):
    sid, owner = create()
    client.post(f"/api/sessions/{sid}/step", json={"steps": 1}, headers=owner)
    before = state(sid)
    url = f"/api/sessions/{sid}/{path}".rstrip("/")
    kwargs = {"headers": headers} if body is None else {"headers": headers, "json": body}
    message = error_message(getattr(client, method)(url, **kwargs), 403)
    assert "owner token" in message
    after = state(sid)  # still there, same step, same history, not playing
    assert after["state"]["step"] == before["state"]["step"] == 1
    assert after["history"] == before["history"]
    assert after["state"]["playing"] is False


def test_unknown_id_is_404_and_deleted_is_410():
    assert "no training session" in error_message(client.get("/api/sessions/nope"), 404)
    sid, owner = create()
    assert client.delete(f"/api/sessions/{sid}", headers=owner).status_code == 204
    for response in (
        client.get(f"/api/sessions/{sid}"),
        client.get(f"/api/sessions/{sid}/boundary"),
        client.post(f"/api/sessions/{sid}/step", json={"steps": 1}, headers=owner),
    ):
        assert "deleted" in error_message(response, 410)


def test_delete_names_the_run_that_replaces_it():
    old, old_owner = create()
    new, _ = create()
    bad = client.delete(f"/api/sessions/{old}?next=nope", headers=old_owner)
    assert "next" in error_message(bad, 422)
    assert client.delete(f"/api/sessions/{old}?next={new}", headers=old_owner).status_code == 204
    assert new in error_message(client.get(f"/api/sessions/{old}"), 410)


def test_reset_restores_the_initial_weights():
    sid, owner = create()
    initial = client.get(f"/api/sessions/{sid}/network").json()
    client.post(f"/api/sessions/{sid}/step", json={"steps": 4}, headers=owner)
    trained = client.get(f"/api/sessions/{sid}/network").json()
    assert trained["layers"] != initial["layers"]
    response = client.post(f"/api/sessions/{sid}/reset", headers=owner)
    assert response.status_code == 200 and response.json()["step"] == 0
    again = client.get(f"/api/sessions/{sid}/network").json()
    weights = lambda net: [[n["weights"] + [n["bias"]] for n in layer] for layer in net["layers"]]  # noqa: E731
    assert weights(again) == weights(initial)


def test_play_then_pause_stops_stepping():
    sid, owner = create()
    response = client.post(f"/api/sessions/{sid}/play", json={"steps_per_second": 40}, headers=owner)
    assert response.status_code == 200 and response.json()["playing"] is True
    deadline = time.monotonic() + 30
    while state(sid)["state"]["step"] < 3:
        assert time.monotonic() < deadline, "play made no progress"
        time.sleep(0.05)
    paused = client.post(f"/api/sessions/{sid}/pause", headers=owner).json()
    assert paused["playing"] is False
    time.sleep(0.3)
    assert state(sid)["state"]["step"] == paused["step"]
    # Steps still add up exactly after a play run.
    client.post(f"/api/sessions/{sid}/step", json={"steps": 2}, headers=owner)
    assert state(sid)["state"]["step"] == paused["step"] + 2


# ------------------------------------------------------------------ limits


@pytest.mark.parametrize(
    "config, words",
    [
        ({"hidden": [4] * (settings.max_hidden_layers + 1)}, ["hidden"]),
        ({"hidden": [settings.max_layer_width + 1]}, ["hidden"]),
        ({"n_points": settings.max_dataset_points + 1}, ["n_points"]),
        (
            {"dataset": "custom", "points": [[0.1, 0.2, 1]] * (settings.max_custom_points + 1)},
            ["points", "max_custom_points"],
        ),
        ({"loss": "cubic"}, ["loss"]),
        ({"learning_rate": -1}, ["learning_rate"]),
        ({"surprise": 1}, ["surprise"]),
    ],
)
def test_bad_configs_are_422_with_a_message(config, words):
    message = error_message(client.post("/api/sessions", json={**SMALL, **config}), 422)
    for word in words:
        assert word in message


def test_request_limits_are_422():
    sid, owner = create()
    too_many = settings.max_steps_per_request + 1
    message = error_message(
        client.post(f"/api/sessions/{sid}/step", json={"steps": too_many}, headers=owner), 422
    )
    assert "max_steps_per_request" in message
    too_fast = settings.max_play_steps_per_second * 2
    message = error_message(
        client.post(f"/api/sessions/{sid}/play", json={"steps_per_second": too_fast}, headers=owner), 422
    )
    assert "max_play_steps_per_second" in message
    assert state(sid)["state"]["step"] == 0 and state(sid)["state"]["playing"] is False


def test_boundary_resolution_limit():
    sid, _ = create()
    limit = settings.max_boundary_resolution
    for bad in (limit + 1, 1, 0):
        message = error_message(client.get(f"/api/sessions/{sid}/boundary?resolution={bad}"), 422)
        assert "max_boundary_resolution" in message
    body = strict_json(client.get(f"/api/sessions/{sid}/boundary?resolution=7").text)
    assert body["resolution"] == 7 and len(body["values"]) == 7 and all(len(r) == 7 for r in body["values"])
    assert all(0.0 <= v <= 1.0 for row in body["values"] for v in row)
    assert {c for row in body["classes"] for c in row} <= {0, 1}
    assert body["x_min"] < body["x_max"] and body["y_min"] < body["y_max"]


def test_a_step_request_stops_at_its_time_limit_and_says_so():
    use_store(MemoryStore(Settings(max_step_request_seconds=0.0)))
    sid, owner = create()
    response = client.post(f"/api/sessions/{sid}/step", json={"steps": 5}, headers=owner)
    assert response.status_code == 200, response.text
    body = response.json()
    assert 1 <= len(body["metrics"]) < 5 and body["state"]["step"] == len(body["metrics"])
    assert "max_step_request_seconds" in body["message"] and "of 5 steps" in body["message"]
    full = client.post(f"/api/sessions/{sid}/step", json={"steps": 1}, headers=owner).json()
    assert full["message"] is None and len(full["metrics"]) == 1


def test_deleting_a_session_cuts_a_long_step_request_short():
    """A step request lets go of the session between chunks: deleting the session ends it (410)."""
    entered, release = threading.Event(), threading.Event()

    class Held(Trainer):
        def step(self, n: int = 1):
            entered.set()
            assert release.wait(timeout=30)
            return super().step(n)

    store = MemoryStore(Settings(), make_trainer=Held)
    session, _ = store.open(TrainConfigIn(**SMALL))
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(asyncio.run(ops.step(session, 50)))
        except SessionGone as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert entered.wait(timeout=30)
    store.end(session)
    release.set()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert isinstance(outcome[0], SessionGone) and "deleted" in outcome[0].message
    assert session.trainer.step_count < 50


# ------------------------------------------------------------------ eviction


def test_full_store_evicts_the_least_recently_used_idle_session(small_store):
    first, _ = create()
    second, _ = create()
    state(first)  # first is now the more recently used one
    third, _ = create()
    assert "evicted" in error_message(client.get(f"/api/sessions/{second}"), 410)
    assert state(first)["state"]["step"] == 0 and state(third)["state"]["step"] == 0
    assert len(small_store) == 2


def test_playing_sessions_are_not_evicted(small_store):
    ids = []
    for _ in range(2):
        sid, owner = create()
        assert (
            client.post(f"/api/sessions/{sid}/play", json={"steps_per_second": 1}, headers=owner).status_code
            == 200
        )
        ids.append((sid, owner))
    message = error_message(client.post("/api/sessions", json=SMALL), 503)
    assert "max_sessions" in message
    for sid, owner in ids:
        assert state(sid)["state"]["playing"] is True
        client.post(f"/api/sessions/{sid}/pause", headers=owner)


# ------------------------------------------------------------------ concurrency


def test_parallel_steps_are_serialized():
    sid, owner = create()

    def step(_):
        return client.post(f"/api/sessions/{sid}/step", json={"steps": 3}, headers=owner).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(step, range(8)))
    assert codes == [200] * 8
    detail = state(sid)
    assert detail["state"]["step"] == 24
    assert [m["step"] for m in detail["history"]][-24:] == list(range(1, 25))


# ------------------------------------------------------------------ network and graphs


def test_network_shapes():
    sid, owner = create(hidden=[3, 5])
    client.post(f"/api/sessions/{sid}/step", json={"steps": 1}, headers=owner)
    net = strict_json(client.get(f"/api/sessions/{sid}/network").text)
    assert net["layer_sizes"] == [2, 3, 5, 1] and net["step"] == 1
    assert [len(layer) for layer in net["layers"]] == [3, 5, 1]
    for fan_in, layer in zip([2, 3, 5], net["layers"]):
        for neuron in layer:
            assert len(neuron["weights"]) == len(neuron["weight_grads"]) == fan_in
    assert {n["activation"] for n in net["layers"][0]} == {"relu"}
    assert net["layers"][-1][0]["activation"] == "linear"


def _a_sample_with_loss(sid: str, owner: dict) -> int:
    """A training point whose hinge loss is positive (so its gradients are not all zero)."""
    for i in range(24):
        graph = client.get(f"/api/sessions/{sid}/graph?sample={i}").json()
        if graph["loss"]["value"] > 0:
            return i
    raise AssertionError("every point already has zero loss")


def test_collapsed_graph_is_one_node_per_neuron():
    sid, owner = create(hidden=[4, 3])
    client.post(f"/api/sessions/{sid}/step", json={"steps": 2}, headers=owner)
    i = _a_sample_with_loss(sid, owner)
    graph = strict_json(client.get(f"/api/sessions/{sid}/graph?sample={i}&split=train").text)
    kinds = [n["kind"] for n in graph["nodes"]]
    assert kinds.count("input") == 2 and kinds.count("neuron") == 4 + 3 + 1 and kinds.count("loss") == 1
    assert len(graph["edges"]) == 2 * 4 + 4 * 3 + 3 * 1
    # Every Value of the full graph is in exactly one box: a ReLU neuron with n inputs holds 3n + 2 of
    # them (w, x*w, + per input; the bias; the ReLU), the linear output 3n + 1, the loss the rest.
    per_neuron = 4 * (3 * 2 + 2) + 3 * (3 * 4 + 2) + (3 * 3 + 1)
    assert graph["loss"]["scalar_values"] > 0
    assert graph["scalar_values"] == 2 + per_neuron + graph["loss"]["scalar_values"]
    detail = state(sid)
    assert graph["sample"]["x"] == detail["dataset"]["X_train"][i]
    assert graph["sample"]["label"] == detail["dataset"]["y_train"][i]
    # The loss is the hinge of the score, and backprop through it is visible: d loss / d score = -y.
    score = next(n for n in graph["nodes"] if n["label"] == "score")
    y = graph["loss"]["target"][0]
    assert graph["loss"]["value"] == pytest.approx(max(0.0, 1 - y * score["data"]))
    assert score["grad"] == pytest.approx(-y)
    loss = next(n for n in graph["nodes"] if n["kind"] == "loss")
    assert loss["grad"] == 1.0
    # Each neuron: data = act(pre_activation); every edge's weight grad = d loss/d pre * input data.
    nodes = {n["id"]: n for n in graph["nodes"]}
    for edge in graph["edges"]:
        target = nodes[edge["target"]]
        source = nodes[edge["source"]]
        assert edge["weight_grad"] == pytest.approx(target["pre_activation_grad"] * source["data"], abs=1e-12)
    for node in graph["nodes"]:
        if node["kind"] == "neuron" and node["activation"] == "relu":
            assert node["data"] == pytest.approx(max(0.0, node["pre_activation"]))


def test_expanded_neuron_is_its_own_scalar_graph():
    sid, owner = create(hidden=[4, 3])
    client.post(f"/api/sessions/{sid}/step", json={"steps": 2}, headers=owner)
    i = _a_sample_with_loss(sid, owner)
    collapsed = client.get(f"/api/sessions/{sid}/graph?sample={i}").json()
    body = strict_json(client.get(f"/api/sessions/{sid}/graph?sample={i}&neuron=1.2").text)
    assert body["neuron"] == "1.2"
    graph = body["graph"]
    fan_in = 4  # products w*x, partial sums, leaves (w, x, b), the ReLU
    assert graph["stats"]["nodes"] == 4 * fan_in + 2
    ops = [n["op"] for n in graph["nodes"]]
    assert ops.count("mul") == fan_in and ops.count("add") == fan_in and ops.count("relu") == 1
    labels = {n["label"] for n in graph["nodes"]}
    assert {"h0.0", "h0.1", "h0.2", "h0.3", "b1.2"} <= labels
    out = next(n for n in graph["nodes"] if n["is_output"])
    neuron = next(n for n in collapsed["nodes"] if n["id"] == "1.2")
    assert out["data"] == pytest.approx(neuron["data"]) and out["grad"] == pytest.approx(neuron["grad"])
    assert graph["svg_available"] is True
    # Each weight leaf's grad is its edge's grad in the collapsed view (this datapoint's alone).
    edges = {e["source"]: e for e in collapsed["edges"] if e["target"] == "1.2"}
    weights = {n["label"]: n for n in graph["nodes"] if n["label"].startswith("w1.2.")}
    for j in range(fan_in):
        assert weights[f"w1.2.{j}"]["grad"] == pytest.approx(edges[f"0.{j}"]["weight_grad"])


def test_graph_svg_formats_and_errors():
    sid, _ = create(hidden=[4, 3])
    for query in ("sample=0&format=svg", "sample=0&neuron=0.1&format=svg"):
        response = client.get(f"/api/sessions/{sid}/graph?{query}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert ET.fromstring(response.text).tag.endswith("svg")
    assert "sample" in error_message(client.get(f"/api/sessions/{sid}/graph?sample=999"), 422)
    assert "split" in error_message(client.get(f"/api/sessions/{sid}/graph?sample=0&split=test"), 422)
    for bad in ("9.0", "0.9", "x", "1.2.3"):
        assert "neuron" in error_message(client.get(f"/api/sessions/{sid}/graph?sample=0&neuron={bad}"), 422)


def test_default_network_graph_stays_small_enough_to_draw():
    """One datapoint through MLP(2, [16, 16, 1]) is ~1,000 Values; collapsed it is 36 nodes."""
    response = client.post("/api/sessions", json={"hidden": [16, 16], "n_points": 20})
    sid = response.json()["id"]
    graph = client.get(f"/api/sessions/{sid}/graph?sample=0").json()
    assert len(graph["nodes"]) == 2 + 16 + 16 + 1 + 1
    assert graph["scalar_values"] > 900
    expanded = client.get(f"/api/sessions/{sid}/graph?sample=0&neuron=1.15").json()["graph"]
    assert expanded["stats"]["nodes"] == 4 * 16 + 2 and expanded["svg_available"]
    # Drawn one weight per row (a ladder), not micrograd's staircase ~6,000 points wide: taller than wide.
    ladder = ET.fromstring(client.get(f"/api/sessions/{sid}/graph?sample=0&neuron=1.15&format=svg").text)
    _, _, width, height = (float(v) for v in ladder.get("viewBox").split())
    assert height > width and width < 2_000
    assert all(f"w1.15.{j}" in ET.tostring(ladder, encoding="unicode") for j in range(16))
    svg = client.get(f"/api/sessions/{sid}/graph?sample=0&format=svg")
    # The playground's drawing path: a box per neuron, a weight on each link into one.
    assert svg.status_code == 200 and svg.text.count('class="node box kind-neuron"') == 16 + 16 + 1
    assert svg.text.count('class="edge link weight"') == 2 * 16 + 16 * 16 + 16


def test_diverging_run_still_sends_valid_json():
    sid, owner = create(learning_rate=1e8, loss="mse", regularization="none", activation="tanh", hidden=[4])
    response = client.post(f"/api/sessions/{sid}/step", json={"steps": 30}, headers=owner)
    assert response.status_code == 200
    losses = [m["train_loss"] for m in strict_json(response.text)["metrics"]]
    assert "NaN" in losses or "Infinity" in losses, f"the run did not diverge: {losses[-3:]}"
    network = strict_json(client.get(f"/api/sessions/{sid}/network").text)
    assert "NaN" in str(network["layers"]), "no NaN weight reached the JSON"
    detail = strict_json(client.get(f"/api/sessions/{sid}").text)
    assert any(m["train_loss"] in ("NaN", "Infinity") for m in detail["history"])
    boundary = strict_json(client.get(f"/api/sessions/{sid}/boundary?resolution=5").text)
    assert boundary["resolution"] == 5


def test_a_failing_step_pauses_the_run_and_says_why():
    class Exploding(Trainer):
        def step(self, n: int = 1):
            raise RuntimeError("the step blew up")

    store = MemoryStore(Settings(), make_trainer=Exploding)
    session, _ = store.open(TrainConfigIn(**SMALL))

    async def scenario():
        viewer, _ = session.broadcast.subscribe(asyncio.get_running_loop())
        await asyncio.to_thread(session.play, 20)
        while True:
            for message in await viewer.next_messages(timeout=30):
                data = json.loads(message.split("data: ", 1)[1])
                if data["message"]:
                    return data

    data = asyncio.run(scenario())
    assert "the step blew up" in data["message"] and data["state"]["playing"] is False
    assert session.playing is False
    store.close_all()


def test_a_slow_model_gets_a_coarser_live_boundary():
    assert live_resolution(40, 0.0, 40) == 40
    assert live_resolution(40, 0.01, 40) == 40  # fast: the full grid
    slow = live_resolution(40, 1.2, 40)  # 8x too slow: about sqrt(8) times fewer cells a side
    assert 12 <= slow <= 16
    assert live_resolution(slow, 0.15, 40) == slow  # on target: it stays
    assert live_resolution(16, 100.0, 40) == 16  # never below the floor
    assert live_resolution(16, 0.01, 40) == 40  # faster again: back up


def test_a_long_run_keeps_a_bounded_history_with_the_latest_steps_exact():
    store = use_store(MemoryStore(Settings(max_history_points=40)))
    sid, owner = create()
    for _ in range(3):
        assert client.post(f"/api/sessions/{sid}/step", json={"steps": 100}, headers=owner).status_code == 200
    steps = [m["step"] for m in state(sid)["history"]]
    assert len(steps) <= 40 and steps[0] == 0  # step 0: the untrained model
    assert steps[-10:] == list(range(291, 301))  # the latest quarter, one by one
    older = steps[:-10]
    assert len({b - a for a, b in itertools.pairwise(older)}) == 1 and len(older) >= 15  # evenly spaced
    assert len(store.get(sid).trainer.history) == len(steps)


# ------------------------------------------------------------------ the lecture's 3-feature set

LECTURE = {
    "dataset": "lecture",
    "hidden": [4, 4],
    "activation": "tanh",
    "loss": "mse",
    "regularization": "none",
    "reg_strength": 0.0,
    "learning_rate": 0.05,
    "schedule": "constant",
}


def test_the_lecture_set_trains_through_the_api():
    sid, owner = create(**LECTURE)
    detail = state(sid)
    assert detail["dataset"]["X_train"] == [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    assert detail["dataset"]["y_train"] == [1, 0, 0, 1] and detail["dataset"]["X_test"] == []
    assert detail["layer_sizes"] == [3, 4, 4, 1]
    response = client.post(f"/api/sessions/{sid}/step", json={"steps": 100}, headers=owner)
    assert response.status_code == 200, response.text
    metrics = response.json()["metrics"]
    assert metrics[-1]["train_accuracy"] == 1.0 and metrics[-1]["train_loss"] < 0.01
    net = client.get(f"/api/sessions/{sid}/network").json()
    assert [len(n["weights"]) for n in net["layers"][0]] == [3, 3, 3, 3]


def test_the_lecture_set_has_no_boundary_but_its_events_carry_scores():
    sid, owner = create(**LECTURE)
    message = error_message(client.get(f"/api/sessions/{sid}/boundary"), 422)
    assert message == "the lecture set has 3 features: there is no 2-D decision boundary"
    session = current_store().get(sid)
    client.post(f"/api/sessions/{sid}/step", json={"steps": 50}, headers=owner)
    event = session.hello()
    assert event.boundary is None and event.weights is not None
    assert [len(neuron) for neuron in event.weights[0]] == [4, 4, 4, 4]  # 3 weights and a bias
    assert len(event.scores) == 4
    # The scores are the model's outputs now: their signs are the classes (all right by step 50).
    assert [1 if s[0] > 0 else 0 for s in event.scores] == [1, 0, 0, 1]
    # A 2-D run's events have a boundary and no scores.
    moons = current_store().get(create()[0]).hello()
    assert moons.boundary is not None and moons.scores is None


def test_the_lecture_sample_graph_has_three_inputs():
    sid, _ = create(**LECTURE)
    graph = strict_json(client.get(f"/api/sessions/{sid}/graph?sample=1").text)
    inputs = [n for n in graph["nodes"] if n["kind"] == "input"]
    assert [n["id"] for n in inputs] == ["x1", "x2", "x3"]
    assert [n["data"] for n in inputs] == [3.0, -1.0, 0.5]
    assert len(graph["edges"]) == 3 * 4 + 4 * 4 + 4
    assert graph["sample"]["x"] == [3.0, -1.0, 0.5] and graph["loss"]["target"] == [-1.0]
    response = client.get(f"/api/sessions/{sid}/graph?sample=1&neuron=0.0&format=svg")
    assert response.status_code == 200 and ET.fromstring(response.text).tag.endswith("svg")


def test_the_lecture_set_refuses_a_test_split():
    response = client.post("/api/sessions", json={**LECTURE, "test_fraction": 0.25})
    assert "test_fraction: the lecture's set" in error_message(response, 422)
