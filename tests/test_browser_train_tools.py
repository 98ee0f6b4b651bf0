"""The /train page's TF Playground parity (issue 15) in Chromium, for the owner and a watcher:
the run options from the server, features, regression, views, hand edits, time travel, stop rules,
CSV upload, exports, and the share dialog on a loopback-only server."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from tests.train_page import SMALL, another_page, session_id, wait_live

pytestmark = pytest.mark.browser

# Pixels of a canvas in time travel's marker colour (base.css --warn, #b26a00), not the test curve's.
MARKED = """(sel) => {
  const canvas = document.querySelector(sel);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i] >= 165 && data[i] <= 190 && data[i + 1] >= 95 && data[i + 1] <= 115 && data[i + 2] <= 20) n++;
  }
  return n;
}"""


def test_the_controls_are_the_servers_options(page, live_server):
    options = httpx.get(f"{live_server}/api/train/options", timeout=30).json()
    page.goto("/train" + SMALL)
    wait_live(page)
    for field in ("activation", "loss", "regularization", "optimizer", "schedule"):
        shown = page.eval_on_selector(f"[data-field='{field}']", "s => [...s.options].map(o => o.value)")
        assert shown == [c["value"] for c in options["fields"][field]["choices"]], field
    rates = page.eval_on_selector(
        "[data-field='learning_rate']", "s => [...s.options].map(o => Number(o.value))"
    )
    assert rates == options["fields"]["learning_rate"]["presets"]
    tiles = page.eval_on_selector_all(".tile", "ts => ts.map(t => t.dataset.dataset)")
    assert tiles == [c["value"] for c in options["fields"]["dataset"]["choices"]]
    assert page.get_attribute("[data-field='n_points']", "max") == str(options["fields"]["n_points"]["max"])
    # Loss and accuracy at step 0, before any training (TF Playground shows them).
    assert page.text_content("#step-count") == "0" and page.text_content("#train-loss") != "–"
    assert page.text_content("#accuracy").endswith("%")


def test_features_feed_the_network_and_a_watcher_sees_them(page, browser, live_server):
    page.goto("/train" + SMALL)
    wait_live(page)
    page.click(".feature[data-feature='x1^2']")
    page.click(".feature[data-feature='sin(x2)']")
    page.wait_for_function("() => location.search.includes('features=x1,x2,x1%5E2,sin(x2)')")
    page.wait_for_function("() => backpropTrain.layerSizes?.join() === '4,6,4,1'", timeout=30_000)
    wait_live(page)
    labels = page.locator("#network .net-input .net-input-label").all_text_contents()
    assert labels == ["x1", "x2", "x1^2", "sin(x2)"]
    detail = httpx.get(f"{live_server}/api/sessions/{session_id(page)}", timeout=30).json()
    assert detail["config"]["features"] == ["x1", "x2", "x1^2", "sin(x2)"]
    with another_page(browser, live_server) as viewer:
        viewer.goto(f"/train?watch={session_id(page)}")
        wait_live(viewer)
        assert viewer.locator("#network .net-input .net-input-label").all_text_contents() == labels
        pressed = viewer.eval_on_selector_all(
            ".feature[aria-pressed='true']", "bs => bs.map(b => b.dataset.feature)"
        )
        assert pressed == ["x1", "x2", "x1^2", "sin(x2)"]


def test_regression_shows_values_with_a_legend_and_no_accuracy(page):
    # A link that names only the set gets the settings that suit it (squared error, tanh, 0.03).
    page.goto("/train?dataset=plane&hidden=4&n_points=60")
    wait_live(page)
    assert page.input_value("[data-field='loss']") == "mse"
    assert page.input_value("[data-field='activation']") == "tanh"
    assert page.locator(".legend .value-scale").is_visible()
    assert page.locator(".legend .scale-ticks span").all_text_contents() == ["-1", "-0.5", "0", "+0.5", "+1"]
    assert page.locator("#accuracy-metric").is_hidden() and page.locator("#acc-box").is_hidden()
    assert page.locator("#network text.net-input-label", has_text="value").count() == 1
    # Switching a classification run to a regression set brings the settings that suit it.
    page.goto("/train" + SMALL)
    wait_live(page)
    page.click(".tile[data-dataset='gauss']")
    page.wait_for_function("() => location.search.includes('dataset=gauss')")
    assert page.input_value("[data-field='loss']") == "mse"
    page.wait_for_function("() => document.querySelector('#notice').textContent.includes('suit Gauss')")


def test_views_test_data_discretize_and_a_neurons_output(page):
    page.goto("/train?hidden=6,4&n_points=60&seed=2&test_fraction=0.3")
    wait_live(page)
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("() => document.querySelector('#step-count').dataset.step === '10'")
    legend = page.text_content("#legend")
    assert "0" in legend and "1" in legend and "test" in legend
    x, y = page.evaluate("backpropTrain.pointPosition('test', 0)")
    assert page.evaluate(f"document.elementFromPoint({x}, {y}).id") == "boundary"
    page.uncheck("#show-test")
    page.check("#discretize")
    page.hover("#network .net-neuron >> nth=2")
    page.wait_for_selector("#boundary[data-overlay='yes']")
    assert page.text_content("#hover-note") == "h0.2: this neuron's output"
    page.mouse.move(5, 5)
    page.wait_for_selector("#boundary[data-overlay='no']")
    # The loss chart says the numbers under the pointer.
    box = page.locator("#loss-chart .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#loss-chart .chart-hover:not([hidden])")
    assert page.text_content("#loss-chart .chart-hover").startswith("step 10 · train 0.")


def test_a_hand_edit_time_travel_and_stop_rules_reach_a_watcher(page, browser, live_server):
    page.goto("/train" + SMALL)
    wait_live(page)
    sid = session_id(page)
    with another_page(browser, live_server) as viewer:
        viewer.goto(f"/train?watch={sid}")
        wait_live(viewer)
        # Stop rules: the owner sets one, the watcher sees it, play pauses there.
        page.fill("#stop-steps", "12")
        page.press("#stop-steps", "Enter")
        viewer.wait_for_function("() => document.querySelector('#stop-steps').value === '12'")
        assert viewer.locator("#stop-steps").is_disabled()
        page.click("#play-btn")
        page.wait_for_selector("#play-btn:not(.playing)", timeout=60_000)
        for p in (page, viewer):
            p.wait_for_function("() => document.querySelector('#step-count').dataset.step === '12'")
        assert "stop rule" in page.text_content("#notice")
        # A hand edit: the watcher is told, and its picture of the weights follows.
        page.click("#network .net-neuron >> nth=0")
        page.wait_for_selector("#edit-pop:not([hidden]) #edit-form:not([hidden])")
        page.fill("#edit-value", "-1.25")
        page.press("#edit-value", "Enter")
        viewer.wait_for_function(
            "() => document.querySelector('#notice').textContent.includes('set b0.0 to -1.25')"
        )
        # Time travel: the watcher scrubs back to step 3 and sees that step's numbers.
        history = httpx.get(f"{live_server}/api/sessions/{sid}", timeout=30).json()["history"]
        viewer.eval_on_selector("#scrubber", "el => { el.value = 3; el.dispatchEvent(new Event('input')); }")
        viewer.wait_for_function("() => backpropTrain.scrub === 3")
        assert viewer.text_content("#train-loss") == f"{history[3]['train_loss']:.4f}"
        assert "step 3 of 12" in viewer.text_content("#scrub-label")
        assert viewer.evaluate(MARKED, "#loss-chart canvas") > 20  # the charts mark step 3
        viewer.click("#scrub-live")
        viewer.wait_for_function("() => backpropTrain.scrub === null")
        assert viewer.evaluate(MARKED, "#loss-chart canvas") == 0
        # The owner too; playing again goes on from the latest step.
        page.eval_on_selector("#scrubber", "el => { el.value = 5; el.dispatchEvent(new Event('input')); }")
        page.wait_for_function("() => backpropTrain.scrub === 5")
        assert page.text_content("#train-loss") == f"{history[5]['train_loss']:.4f}"
        page.fill("#stop-steps", "")
        page.press("#stop-steps", "Enter")
        page.click("#play-btn")
        page.wait_for_function("() => backpropTrain.scrub === null")
        page.wait_for_function(
            "() => Number(document.querySelector('#step-count').dataset.step) > 13", timeout=60_000
        )
        page.click("#play-btn")


def test_a_csv_of_points_becomes_the_dataset_and_a_bad_row_is_named(browser, live_server, tmp_path):
    with another_page(browser, live_server, expected=("400 (Bad Request)",)) as page:
        upload_points(page, tmp_path)


def upload_points(page, tmp_path):
    page.goto("/train" + SMALL)
    wait_live(page)
    good = tmp_path / "points.csv"
    good.write_text("x,y,class\n0,0,0\n1,1,1\n0.2,0.9,1\n0.8,0.1,0\n")
    page.set_input_files("#upload-csv", str(good))
    page.wait_for_function("() => backpropTrain.points === 4", timeout=30_000)
    assert "dataset=custom" in page.url and "4 points in 2 classes" in page.text_content("#notice")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,class\n0,0,0\n1,oops,1\n")
    page.set_input_files("#upload-csv", str(bad))
    page.wait_for_selector("#notice.error")
    assert "bad.csv: Line 3, column 3: line 3: y 'oops' is not a number" in page.text_content("#notice")


def test_exports_download_from_the_menu(page):
    page.goto("/train" + SMALL)
    wait_live(page)
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_function("() => document.querySelector('#step-count').dataset.step === '10'")
    for name in ("metrics.csv", "weights.json", "micrograd.py", "boundary.svg", "boundary.png"):
        page.click("#export-btn")
        with page.expect_download() as info:
            page.click(f"[data-export='{name}']")
        download = info.value
        assert download.suggested_filename.endswith(f"-step10-{name}"), download.suggested_filename
        if name == "metrics.csv":
            rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
            assert [int(r["step"]) for r in rows] == list(range(11))


def test_the_share_dialog_on_a_loopback_only_server_explains_how_to_reach_students(page):
    page.goto("/train" + SMALL)
    wait_live(page)
    page.click("#share-btn")
    page.wait_for_selector("#share-warning:not([hidden])")
    warning = page.text_content("#share-warning")
    assert "is this computer only" in warning and "make run HOST=0.0.0.0" in warning
    code = page.text_content("#share-code")
    assert len(code) == 6 and page.input_value("#share-url").endswith(f"/r/{code}")
    assert page.locator("#share-qr svg path").count() == 1
    page.click("#project-share")
    page.wait_for_selector("#projector-warning:not([hidden])")  # the projector says it too
