"""Thousands of malformed and hostile payloads against every event and endpoint (in process, seeded)."""

from __future__ import annotations

import logging
import random
from typing import Any

from serverkit import new_game
from fuzzing import EVENTS, http_request, payload, safe_json

from server import socketio


def test_hostile_socket_payloads_get_error_acks_and_change_nothing_they_should_not(app: Any, client: Any,
                                                                                   caplog: Any) -> None:
    caplog.set_level(logging.ERROR)
    g = new_game(client)
    rng = random.Random(20261128)
    kim = socketio.test_client(app)
    doug = socketio.test_client(app)
    stranger = socketio.test_client(app)
    watcher = socketio.test_client(app)
    assert kim.emit("join", {"token": g["tokens"][0]}, callback=True)["ok"]
    assert doug.emit("join", {"token": g["tokens"][1]}, callback=True)["ok"]
    assert watcher.emit("spectate", {"game_id": g["game_id"]}, callback=True)["ok"]
    valid = {"client_id": "c1", "card": "S1", "target": "HrApi", "text": "x", "threat": "T1", "accept": True,
             "likelihood": 3, "impact": 3, "target_seat": 1, "token": g["tokens"][1], "game_id": g["game_id"]}
    sent = 0
    for _ in range(3000):
        who = rng.choice([kim, doug, stranger, watcher])
        event = rng.choice(EVENTS)
        data = payload(rng, valid)
        if not safe_json(data) or event in ("connect", "disconnect"):
            continue
        ack = who.emit(event, data, callback=True)
        sent += 1
        if event in ("update", "joined", "message", "*", "", "__proto__") or ack is None:
            continue
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), (event, data, ack)
        if not ack["ok"]:
            assert set(ack["error"]) >= {"code", "message", "field"}
            assert ack["error"]["code"] != "internal", (event, data, ack)
        who.get_received()
    assert sent > 2500
    assert "unhandled" not in caplog.text and "Traceback" not in caplog.text
    # Still serving, and the game still answers.
    assert kim.emit("sync", {}, callback=True)["ok"]
    assert client.get(f"/api/games/{g['game_id']}").status_code == 200


def test_hostile_http_requests_are_never_5xx(app: Any, client: Any, caplog: Any) -> None:
    caplog.set_level(logging.ERROR)
    g = new_game(client)
    rng = random.Random(42)
    statuses: dict[int, int] = {}
    for _ in range(1500):
        method, path, kwargs = http_request(rng, g["game_id"], g["tokens"][0])
        r = client.open(path, method=method, data=kwargs.get("data"), headers=kwargs["headers"])
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code < 500, (method, path, kwargs, r.data[:300])
        if path.startswith("/api/") and method != "HEAD" and r.status_code >= 400:
            assert r.is_json and set(r.json["error"]) == {"code", "message", "field"}, (method, path, r.data[:200])
    assert len(statuses) > 4
    assert "Traceback" not in caplog.text and "unhandled" not in caplog.text
