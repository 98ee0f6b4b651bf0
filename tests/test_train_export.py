"""Exports of a run (issue 15): the micrograd script rebuilds the run with the real micrograd package
and reproduces its losses to 1e-9; metrics CSV, weights JSON, boundary SVG and PNG; the API."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

import pytest
from fastapi.testclient import TestClient

from app.main import app
from engine.train import TrainConfig, Trainer
from engine.train_export import boundary_png, boundary_svg, metrics_csv, micrograd_script, weights_json

CONFIGS = {
    "the demo's kind": {"hidden": (4,), "n_points": 30, "seed": 2},
    "features, bce, adam, mini-batches": {
        "hidden": (3, 3), "n_points": 30, "activation": "tanh", "loss": "bce", "optimizer": "adam",
        "batch_size": 7, "learning_rate": 0.05, "features": ("x1", "x2", "x1*x2", "sin(x1)"),
    },
    "3 classes, softmax, l1, momentum": {
        "dataset": "blobs", "n_classes": 3, "loss": "softmax_ce", "hidden": (5,), "activation": "sigmoid",
        "regularization": "l1", "optimizer": "momentum", "n_points": 30, "learning_rate": 0.1,
    },
    "regression": {"dataset": "gauss", "loss": "mse", "hidden": (4,), "n_points": 40, "learning_rate": 0.03},
}  # fmt: skip


def run_script(script: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [float(v) for v in re.findall(r"^step \d+ loss (\S+)$", out.stdout, flags=re.MULTILINE)]


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_the_micrograd_script_reproduces_the_run(config):
    trainer = Trainer(TrainConfig(**config))
    trainer.step(6)
    trainer.edit(0, 0, 1, 0.3)  # a hand edit is replayed at its step
    trainer.step(4)
    script = micrograd_script(trainer)
    assert "from micrograd.engine import Value" in script and "import engine" not in script
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    losses = [float(v) for v in re.findall(r"^step \d+ loss (\S+)$", out.stdout, flags=re.MULTILINE)]
    assert len(losses) == 11
    worst = float(re.search(r"largest difference from Backprop Lab's losses: (\S+)", out.stdout).group(1))
    assert worst < 1e-9, out.stdout
    ours = [m.train_loss for m in trainer.history]
    assert losses == pytest.approx(ours, abs=1e-6)  # printed with 6 decimals


def test_a_script_that_differs_says_so():
    """The control: a wrong weight in the script shows up as a large difference."""
    trainer = Trainer(TrainConfig(**CONFIGS["the demo's kind"]))
    trainer.step(3)
    script = micrograd_script(trainer).replace("WEIGHTS = [[[", "WEIGHTS = [[[0.123 + ", 1)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    worst = float(re.search(r"largest difference from Backprop Lab's losses: (\S+)", out.stdout).group(1))
    assert worst > 1e-6


def test_metrics_weights_and_pictures():
    trainer = Trainer(TrainConfig(**{**CONFIGS["the demo's kind"], "test_fraction": 0.2}))
    trainer.step(3)
    rows = list(csv.DictReader(io.StringIO(metrics_csv(trainer.history))))
    assert [int(r["step"]) for r in rows] == [0, 1, 2, 3]
    assert float(rows[3]["train_loss"]) == trainer.history[-1].train_loss and rows[0]["test_loss"] != ""
    doc = json.loads(weights_json(trainer))
    assert doc["step"] == 3 and doc["layer_sizes"] == [2, 4, 1] and doc["inputs"] == ["x1", "x2"]
    assert doc["layers"][0][1]["weights"] == trainer.network()[0][1].weights
    svg = ET.fromstring(boundary_svg(trainer, resolution=10))
    tags = [el.tag.split("}")[1] for el in svg.iter()]
    assert tags.count("rect") == 100 and tags.count("circle") == 30
    png = boundary_png(trainer, resolution=10, scale=4)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (40, 40)
    idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
    assert len(zlib.decompress(idat)) == height * (1 + 3 * width)


def test_the_api_exports_now_and_at_a_past_step():
    with TestClient(app) as client:
        created = client.post("/api/sessions", json={"hidden": [4], "n_points": 30, "seed": 2}).json()
        sid, owner = created["id"], {"X-Owner-Token": created["owner_token"]}
        client.post(f"/api/sessions/{sid}/step", json={"steps": 5}, headers=owner)
        media = {
            "metrics.csv": "text/csv", "weights.json": "application/json", "micrograd.py": "text/x-python",
            "boundary.svg": "image/svg+xml", "boundary.png": "image/png",
        }  # fmt: skip
        for name, kind in media.items():
            answer = client.get(f"/api/sessions/{sid}/export/{name}")
            assert answer.status_code == 200 and answer.headers["content-type"].startswith(kind), name
            assert f'-step5-{name}"' in answer.headers["content-disposition"]
        past = client.get(f"/api/sessions/{sid}/export/metrics.csv?step=2").text
        assert past.strip().splitlines()[-1].startswith("2,")
        script = client.get(f"/api/sessions/{sid}/export/micrograd.py?step=3").text
        assert len(run_script(script)) == 4
        assert client.get(f"/api/sessions/{sid}/export/nope").status_code == 422
        bad = client.get(f"/api/sessions/{sid}/export/metrics.csv?step=9")
        assert bad.status_code == 422 and "steps 0..5" in bad.json()["detail"]["message"]
        lecture = client.post("/api/sessions", json={"dataset": "lecture", "hidden": [4, 4]}).json()["id"]
        assert (
            "no 2-D boundary"
            in client.get(f"/api/sessions/{lecture}/export/boundary.png").json()["detail"]["message"]
        )
