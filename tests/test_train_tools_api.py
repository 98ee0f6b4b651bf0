"""The train page's tools through the API (issue 15): hand edits, stop rules, time travel, CSV
points, and step 0's metrics."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from app.main import app

SMALL = {"hidden": [4], "n_points": 30, "seed": 2}


@pytest.fixture(scope="module")
def client():
    with TestClient(app) as c:
        yield c


def create(client, **config):
    created = client.post("/api/sessions", json={**SMALL, **config}).json()
    return created["id"], {"X-Owner-Token": created["owner_token"]}


def test_step_zero_has_its_metrics(client):
    sid, _ = create(client, test_fraction=0.2)
    detail = client.get(f"/api/sessions/{sid}").json()
    zero = detail["state"]["metrics"]
    assert zero["step"] == 0 and zero["train_loss"] > 0 and zero["test_loss"] > 0
    assert 0 <= zero["train_accuracy"] <= 1 and [m["step"] for m in detail["history"]] == [0]


def test_a_hand_edit_changes_the_weight_and_the_metrics_of_the_step(client):
    sid, owner = create(client)
    client.post(f"/api/sessions/{sid}/step", json={"steps": 3}, headers=owner)
    before = client.get(f"/api/sessions/{sid}").json()["history"]
    edit = {"layer": 0, "neuron": 1, "index": None, "value": -0.75}
    assert client.post(f"/api/sessions/{sid}/weights", json=edit).status_code == 403  # owner only
    state = client.post(f"/api/sessions/{sid}/weights", json=edit, headers=owner).json()
    assert state["step"] == 3
    assert client.get(f"/api/sessions/{sid}/network").json()["layers"][0][1]["bias"] == -0.75
    after = client.get(f"/api/sessions/{sid}").json()["history"]
    assert len(after) == len(before) and after[-1]["train_loss"] != before[-1]["train_loss"]
    bad = client.post(f"/api/sessions/{sid}/weights", json={**edit, "neuron": 7}, headers=owner)
    assert bad.status_code == 422 and "neuron: layer 0 has neurons 0..3" in bad.json()["detail"]["message"]
    big = client.post(f"/api/sessions/{sid}/weights", json={**edit, "value": 1e6}, headers=owner)
    assert big.status_code == 422 and "max_weight_edit" in big.json()["detail"]["message"]


def test_stop_rules_pause_play_and_end_step_requests(client):
    sid, owner = create(client)
    assert client.put(f"/api/sessions/{sid}/stop-rules", json={"max_steps": 6}).status_code == 403
    state = client.put(f"/api/sessions/{sid}/stop-rules", json={"max_steps": 6}, headers=owner).json()
    assert state["stop_rules"] == {"target_accuracy": None, "target_loss": None, "max_steps": 6}
    answer = client.post(f"/api/sessions/{sid}/step", json={"steps": 50}, headers=owner).json()
    assert answer["state"]["step"] == 6 and "stop rule" in answer["message"]
    rules = {"target_accuracy": 0.8, "max_steps": None}
    client.put(f"/api/sessions/{sid}/stop-rules", json=rules, headers=owner)
    client.post(f"/api/sessions/{sid}/play", json={"steps_per_second": 50}, headers=owner)
    deadline = time.monotonic() + 60
    while client.get(f"/api/sessions/{sid}").json()["state"]["playing"] and time.monotonic() < deadline:
        time.sleep(0.05)
    history = client.get(f"/api/sessions/{sid}").json()["history"]
    assert history[-1]["train_accuracy"] >= 0.8 > history[-2]["train_accuracy"]
    bad = client.put(f"/api/sessions/{sid}/stop-rules", json={"target_accuracy": 2}, headers=owner)
    assert bad.status_code == 422 and "target_accuracy" in bad.json()["detail"]["message"]


def test_time_travel_rebuilds_any_past_step(client):
    sid, owner = create(client, optimizer="adam", batch_size=5, learning_rate=0.05)
    client.post(f"/api/sessions/{sid}/step", json={"steps": 4}, headers=owner)
    client.post(
        f"/api/sessions/{sid}/weights",
        json={"layer": 0, "neuron": 0, "index": 0, "value": 1.5},
        headers=owner,
    )
    client.post(f"/api/sessions/{sid}/step", json={"steps": 8}, headers=owner)
    history = {m["step"]: m for m in client.get(f"/api/sessions/{sid}").json()["history"]}
    live_weights = client.get(f"/api/sessions/{sid}/network").json()
    for step in (0, 3, 4, 5, 12):
        view = client.get(f"/api/sessions/{sid}/steps/{step}").json()
        assert view["step"] == step and view["metrics"]["train_loss"] == history[step]["train_loss"]
        assert len(view["boundary"]["cells"]) == view["boundary"]["resolution"] ** 2 and view["weights"]
    assert client.get(f"/api/sessions/{sid}/steps/4").json()["weights"][0][0][0] == 1.5  # the edit
    assert client.get(f"/api/sessions/{sid}/network").json() == live_weights  # the live run is untouched
    gone = client.get(f"/api/sessions/{sid}/steps/13")
    assert gone.status_code == 422 and "steps 0..12" in gone.json()["detail"]["message"]


def test_csv_points_make_a_run(client):
    parsed = client.post("/api/train/points", content="x,y,class\n0,0,0\n1,1,1\n0.5,0.2,1\n").json()
    assert parsed == {"points": [[0, 0, 0], [1, 1, 1], [0.5, 0.2, 1]], "dataset": "custom", "n_classes": 2,
                      "header": True}  # fmt: skip
    sid, _ = create(client, dataset=parsed["dataset"], points=parsed["points"])
    assert client.get(f"/api/sessions/{sid}").json()["dataset"]["y_train"] == [0, 1, 1]
    values = client.post("/api/train/points", content="0,0,0.5\n1,1,-0.25\n").json()
    sid, _ = create(client, dataset=values["dataset"], points=values["points"], loss="mse")
    assert client.get(f"/api/sessions/{sid}").json()["dataset"]["n_classes"] == 0
    bad = client.post("/api/train/points", content="0,0,0\n1,x,1\n")
    assert bad.status_code == 400
    assert bad.json()["detail"] == {"message": "line 2: y 'x' is not a number", "line": 2, "column": 3}
    big = client.post("/api/train/points", content="0,0,0\n" * 70_000)
    assert big.status_code == 413 and "max_upload_bytes" in big.json()["detail"]["message"]
