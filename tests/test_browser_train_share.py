"""One link for the whole lecture (issue 11), in Chromium, against a server that listens on every
interface (0.0.0.0), as `make run HOST=0.0.0.0` does for a classroom. The pages are opened at
127.0.0.1 only: no request goes to another address.

* The teacher changes the settings three times; a student opening the original link afterwards (the
  room's short link, or the first run's own watch link) sees the current run, its step advancing.
* The share dialog on 127.0.0.1 warns that students cannot reach that address and offers the
  machine's LAN address instead, with a short code and a QR code.
"""

from __future__ import annotations

import os

import httpx
import pytest
from servers import ROOT, free_port, running_server, serve_command

from tests.train_page import SMALL, another_page, session_id, step_count, wait_live

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The server on 0.0.0.0 (every interface) for this module; the tests talk to it at 127.0.0.1."""
    port = free_port()
    command = serve_command(port, host="0.0.0.0")
    log_path = tmp_path_factory.mktemp("server-any") / "server.log"
    with running_server(command, port, log_path, ROOT, dict(os.environ, PYTHONUNBUFFERED="1")) as base:
        yield base


def test_the_original_link_shows_the_current_run_after_three_changes(page, browser, live_server):
    page.goto("/train" + SMALL)
    wait_live(page)
    first = session_id(page)
    page.click("#share-btn")
    room_link = page.input_value("#share-url").replace(live_server.replace("127.0.0.1", ""), "")
    code = page.text_content("#share-code")
    page.click("#share-btn")
    for field, value in (("learning_rate", "0.3"), ("activation", "tanh"), ("loss", "mse")):
        before = session_id(page)
        page.select_option(f"[data-field='{field}']", value)
        page.wait_for_function(
            f"() => backpropTrain.sessionId && backpropTrain.sessionId !== {before!r}", timeout=30_000
        )
        wait_live(page)
    current = session_id(page)
    assert current != first
    room = httpx.get(f"{live_server}/api/rooms/{code}", timeout=30).json()
    assert room["session"] == current
    page.click("#play-btn")
    try:
        # The room's link, the first run's own link, and the code as a student types it.
        for link in (f"/r/{code}", f"/train?watch={first}", f"/train?room={code.lower()}"):
            with another_page(browser, live_server, expected=("410 (Gone)",)) as student:
                student.goto(link)
                wait_live(student)
                student.wait_for_function(f"() => backpropTrain.sessionId === {current!r}", timeout=30_000)
                assert f"watch={current}" in student.url  # the address follows the chain
                assert student.input_value("[data-field='loss']") == "mse"
                seen = step_count(student)
                advanced = f"() => Number(document.querySelector('#step-count').dataset.step) > {seen}"
                student.wait_for_function(advanced, timeout=60_000)
    finally:
        page.click("#play-btn")
    assert room_link.endswith(f"/r/{code}")
    # A mistyped code: the API answers JSON, a browser gets the page saying so in words.
    assert httpx.get(f"{live_server}/r/NOPE12", timeout=30).status_code == 404
    with another_page(browser, live_server, expected=("404 (Not Found)",)) as student:
        student.goto("/r/NOPE12")
        student.wait_for_selector("#ended:not([hidden])")
        assert student.text_content("#ended-title") == "Code not found"
        assert "No class has the code NOPE12" in student.text_content("#ended-text")


def test_the_share_dialog_offers_the_lan_address_when_the_server_listens_on_it(page, live_server):
    port = live_server.rsplit(":", 1)[1]
    addresses = httpx.get(f"{live_server}/api/server/addresses", timeout=30).json()
    assert addresses["lan_urls"], "this machine has no LAN address to offer"
    lan = addresses["lan_urls"][0]
    page.goto("/train" + SMALL)
    wait_live(page)
    page.click("#share-btn")
    page.wait_for_selector("#share-warning:not([hidden])")
    warning = page.text_content("#share-warning")
    assert f"127.0.0.1:{port} is this computer only" in warning and lan in warning
    code = page.text_content("#share-code")
    assert page.input_value("#share-url") == f"{lan}/r/{code}"
    assert page.get_attribute("#share-qr svg", "aria-label") == f"QR code: {lan}/r/{code}"
    assert int(page.get_attribute("#share-qr svg", "data-modules")) >= 21
    # The projector view: the same link, large, for the back of the room; Escape closes it.
    page.click("#project-share")
    page.wait_for_selector("#projector:not([hidden])")
    assert page.text_content("#projector-url") == f"{lan}/r/{code}".split("://", 1)[1]
    assert page.text_content("#projector-code") == code
    assert page.locator("#projector-warning").is_hidden()  # the LAN address is reachable
    assert page.get_attribute("#projector-qr svg", "aria-label") == f"QR code: {lan}/r/{code}"
    qr = page.locator("#projector-qr svg").bounding_box()
    assert qr["width"] >= 0.4 * page.viewport_size["height"], "a QR code readable from the back"
    page.keyboard.press("Escape")
    page.wait_for_selector("#projector", state="hidden")
