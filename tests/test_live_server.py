import httpx


def test_real_uvicorn_answers_healthz(live_server):
    response = httpx.get(live_server + "/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
