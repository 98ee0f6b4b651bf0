"""The live event stream: read through httpx from a real uvicorn, and its fan-out/limits in-process."""

from __future__ import annotations

import asyncio
import json
import signal
import threading

import httpx
import pytest
from servers import TLS, Uvicorn, http, read_events, steps_across_a_reconnect

from app.schemas.sessions import SessionEvent, TrainConfigIn
from app.sessions.errors import ServerBusy
from app.sessions.memory import MemoryStore
from app.sessions.sse import Broadcast, is_end, sse_message
from app.sessions.store import Client
from engine.settings import Settings

SMALL = {"hidden": [4], "n_points": 24, "seed": 5}


def create(base: str) -> tuple[str, dict[str, str]]:
    response = http.post(f"{base}/api/sessions", json=SMALL, timeout=30)
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"X-Owner-Token": body["owner_token"]}


def in_background(fn) -> threading.Thread:
    errors: list[BaseException] = []

    def run():
        try:
            fn()
        except BaseException as exc:  # surfaced by join_checked
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.errors = errors  # type: ignore[attr-defined]
    thread.start()
    return thread


def join_checked(thread: threading.Thread) -> None:
    thread.join(timeout=60)
    assert not thread.is_alive()
    if thread.errors:  # type: ignore[attr-defined]
        raise thread.errors[0]  # type: ignore[attr-defined]


# ------------------------------------------------------------------ through a real server


def test_stream_follows_steps_and_play_from_another_client(live_server):
    sid, owner = create(live_server)
    seen_steps: list[int] = []
    kinds: list[str] = []

    def drive():
        with httpx.Client(base_url=live_server, headers=owner, timeout=30, verify=TLS) as c:
            for _ in range(3):
                assert c.post(f"/api/sessions/{sid}/step", json={"steps": 2}).status_code == 200
            assert c.post(f"/api/sessions/{sid}/play", json={"steps_per_second": 25}).status_code == 200

    with http.stream("GET", f"{live_server}/api/sessions/{sid}/events", timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        driver = None
        for kind, data in read_events(response):
            kinds.append(kind)
            if kind == "hello":
                assert data["state"]["step"] == 0 and data["boundary"] is not None
                assert len(data["boundary"]["cells"]) == data["boundary"]["resolution"] ** 2
                driver = in_background(drive)  # only once we are surely subscribed
            for m in data["metrics"]:
                seen_steps.append(m["step"])
            if seen_steps and seen_steps[-1] >= 15:
                break
        join_checked(driver)
    http.post(f"{live_server}/api/sessions/{sid}/pause", headers=owner, timeout=30)
    assert kinds[0] == "hello"
    assert seen_steps == sorted(set(seen_steps)), "steps arrive once each, in order"
    assert seen_steps[:6] == [1, 2, 3, 4, 5, 6]  # the three manual steps, then play
    assert "state" in kinds  # play announced itself


def test_every_viewer_sees_the_same_run_and_the_end(live_server):
    sid, owner = create(live_server)
    results: dict[str, list] = {"a": [], "b": []}
    subscribed = threading.Barrier(3, timeout=30)

    def watch(name: str):
        with http.stream("GET", f"{live_server}/api/sessions/{sid}/events", timeout=30) as response:
            for kind, data in read_events(response):
                results[name].append((kind, data))
                if kind == "hello":
                    subscribed.wait()
                if kind == "end":
                    return

    viewers = [in_background(lambda n=n: watch(n)) for n in results]
    subscribed.wait()
    with httpx.Client(base_url=live_server, headers=owner, timeout=30, verify=TLS) as c:
        for _ in range(4):
            assert c.post(f"/api/sessions/{sid}/step", json={"steps": 1}).status_code == 200
        detail = c.get(f"/api/sessions/{sid}").json()
        assert detail["state"]["viewers"] == 2 and detail["state"]["watchers"] == 2
        assert c.delete(f"/api/sessions/{sid}").status_code == 204
    for viewer in viewers:
        join_checked(viewer)
    for events in results.values():
        steps = [m["step"] for kind, data in events for m in data["metrics"]]
        assert steps == [1, 2, 3, 4]
        kind, data = events[-1]
        assert kind == "end" and "deleted" in data["message"] and data["reconnect"] is False
    # after the end, the stream is refused with 410 and a reason
    gone = http.get(f"{live_server}/api/sessions/{sid}/events", timeout=30)
    assert gone.status_code == 410 and "deleted" in gone.json()["detail"]["message"]


def test_a_viewer_reconnecting_with_last_event_id_misses_nothing(live_server):
    """The events since Last-Event-ID come from the session's backlog (no hello): every step once."""
    sid, owner = create(live_server)
    first, steps = steps_across_a_reconnect(live_server, live_server, sid, owner)
    assert first == "step", first
    assert steps == list(range(1, steps[-1] + 1)), steps


def test_events_of_unknown_session_is_404(live_server):
    response = http.get(f"{live_server}/api/sessions/nope/events", timeout=30)
    assert response.status_code == 404


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_server_stops_promptly_with_a_stream_open_and_a_run_playing(sig, tmp_path):
    """Open streams and play threads must not hold up Ctrl+C: viewers get an `end` and uvicorn exits."""
    server = Uvicorn(tmp_path)
    proc, base = server.proc, server.base
    try:
        sid, owner = create(base)
        events: list[tuple[str, dict]] = []
        stepping = threading.Event()

        def watch():
            with http.stream("GET", f"{base}/api/sessions/{sid}/events", timeout=30) as response:
                for kind, data in read_events(response):
                    events.append((kind, data))
                    if kind == "hello":
                        play = http.post(
                            f"{base}/api/sessions/{sid}/play", json={"steps_per_second": 20}, headers=owner
                        )
                        assert play.status_code == 200
                    if data["metrics"]:
                        stepping.set()

        viewer = in_background(watch)
        assert stepping.wait(timeout=60), "the run never stepped"
        proc.send_signal(sig)
        proc.wait(timeout=15)  # raises TimeoutExpired if the stream or the play thread holds it up
        join_checked(viewer)  # the stream ended cleanly, not cut off
        kind, data = events[-1]
        assert kind == "end" and "shutting down" in data["message"] and data["reconnect"] is False
    finally:
        server.kill()


# ------------------------------------------------------------------ fan-out and limits, in-process


def test_pausing_sends_the_final_picture():
    """Live boundaries are rate-limited; the state event of a pause brings the exact last one."""
    store = MemoryStore(Settings(live_boundary_seconds=3600.0))  # no live boundary after the hello
    session, _ = store.open(TrainConfigIn(**SMALL))

    async def scenario():
        viewer, _ = session.broadcast.subscribe(asyncio.get_running_loop())
        await asyncio.to_thread(session.hello)
        await asyncio.to_thread(session.play, 50)
        seen: list[dict] = []
        while not any(data["metrics"] for data in seen):
            seen += [json.loads(m.split("data: ", 1)[1]) for m in await viewer.next_messages(timeout=30)]
        await asyncio.to_thread(session.pause)
        while not (seen[-1]["kind"] == "state" and not seen[-1]["state"]["playing"]):
            seen += [json.loads(m.split("data: ", 1)[1]) for m in await viewer.next_messages(timeout=30)]
        return seen

    events = asyncio.run(scenario())
    store.close_all()
    steps = [e for e in events if e["kind"] == "step"]
    assert steps and all(e["boundary"] is None for e in steps)
    final = events[-1]
    assert final["state"]["step"] == session.trainer.step_count >= 1
    assert final["boundary"] is not None and final["weights"] is not None
    network = session.trainer.network()
    assert final["weights"][0][0][0] == pytest.approx(network[0][0].weights[0], rel=1e-3)


def _event(step: int) -> SessionEvent:
    return SessionEvent(kind="state", state=_state(step), sent_at=0.0)


def _message(step: int) -> str:
    """What the ``step``-th publication of ``_event(step)`` sends (ids count from 1)."""
    return sse_message(_event(step), str(step + 1))


def test_a_slow_viewer_keeps_only_the_latest_events():
    async def scenario():
        broadcast = Broadcast(max_viewers=5, max_queued=4)
        slow, _ = broadcast.subscribe(asyncio.get_running_loop())
        for step in range(100):  # the producer never waits for the viewer
            broadcast.publish(_event(step))
        assert slow.dropped == 96
        return await slow.next_messages(timeout=1)

    assert asyncio.run(scenario()) == [_message(s) for s in (96, 97, 98, 99)]


def test_publish_from_a_training_thread_wakes_the_viewer():
    async def scenario():
        broadcast = Broadcast(max_viewers=5, max_queued=8)
        viewer, _ = broadcast.subscribe(asyncio.get_running_loop())
        producer = threading.Thread(target=lambda: [broadcast.publish(_event(s)) for s in range(3)])
        producer.start()
        got: list[str] = []
        while len(got) < 3:
            got += await viewer.next_messages(timeout=5)
        producer.join()
        broadcast.unsubscribe(viewer)
        return got, len(broadcast)

    got, left = asyncio.run(scenario())
    assert got == [_message(s) for s in range(3)] and left == 0


def test_viewer_limit():
    async def scenario():
        broadcast = Broadcast(max_viewers=2, max_queued=4)
        loop = asyncio.get_running_loop()
        broadcast.subscribe(loop)
        broadcast.subscribe(loop)
        with pytest.raises(ServerBusy, match="max_viewers_per_session"):
            broadcast.subscribe(loop)

    asyncio.run(scenario())


async def _read(store: MemoryStore, session_id: str, on_chunk=None) -> list[str]:
    """Every chunk of one viewer's stream, as the route sends them; its slot given back after."""
    stream, release = await store.events(session_id, Client("test"))
    chunks = []
    try:
        async for chunk in stream:
            chunks.append(chunk)
            if on_chunk is not None:
                await on_chunk(chunk)
    finally:
        release()
    return chunks


def test_stream_sends_heartbeats_and_ends_at_its_time_limit():
    store = MemoryStore(Settings(max_stream_seconds=0.4, sse_heartbeat_seconds=0.05))
    session, _ = store.open(TrainConfigIn(**SMALL))

    async def scenario():
        return await _read(store, session.id)

    chunks = asyncio.run(scenario())
    store.close_all()
    assert chunks[0].startswith("retry: ") and "event: hello" in chunks[0]
    assert ": heartbeat\n\n" in chunks
    assert is_end(chunks[-1])
    end = json.loads(chunks[-1].split("data: ", 1)[1])
    assert end["reconnect"] is True and "max_stream_seconds" in end["message"]
    assert len(session.broadcast) == 0  # the stream unsubscribed itself


def test_deleting_for_a_new_run_tells_viewers_where_to_go():
    store = MemoryStore(Settings())
    old, _ = store.open(TrainConfigIn(**SMALL))
    new, _ = store.open(TrainConfigIn(**SMALL))

    async def on_chunk(chunk: str) -> None:
        if "event: hello" in chunk:
            await asyncio.to_thread(store.end, old, new.id)

    async def scenario():
        return await _read(store, old.id, on_chunk)

    chunks = asyncio.run(scenario())
    store.close_all()
    end = json.loads(chunks[-1].split("data: ", 1)[1])
    assert is_end(chunks[-1]) and end["next_session"] == new.id


def test_events_are_one_line_of_json():
    event = SessionEvent(kind="state", state=_state(), message="two\nlines")
    text = sse_message(event)
    assert text.count("\n") == 3 and text.endswith("\n\n")
    assert json.loads(text.split("data: ", 1)[1])["message"] == "two\nlines"


def _state(step: int = 0):
    from app.schemas.sessions import SessionState

    return SessionState(
        id="x",
        step=step,
        playing=False,
        steps_per_second=1,
        viewers=0,
        watchers=0,
        executor="eager",
        fallback_reason=None,
        metrics=None,
    )
