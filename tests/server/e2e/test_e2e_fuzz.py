"""Thousands of hostile payloads against a real server: no 5xx, no unhandled error, and it keeps serving."""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import requests
from harness import NO_TIMEOUTS, Autoplayer, create_game

from server.client import SeatClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fuzzing import EVENTS, http_request, payload, safe_json  # noqa: E402

UNLIMITED = {"THREATDECK_RATE_EVENTS_BURST": "1000000", "THREATDECK_RATE_HTTP_BURST": "1000000",
             "THREATDECK_RATE_CREATE_BURST": "1000000"}


def test_hostile_payloads_do_not_break_the_server(start_server: Any, clients: list[SeatClient]) -> None:
    server = start_server(env=UNLIMITED)
    game = create_game(server.url, 4, timing=NO_TIMEOUTS)
    seats = [SeatClient(server.url, t).connect() for t in game["tokens"]]
    stranger = SeatClient(server.url).connect()
    watcher = SeatClient(server.url).connect()
    clients.extend(seats + [stranger, watcher])
    assert watcher.spectate(game["game_id"])["ok"]
    rng = random.Random(7)
    valid = {"client_id": "c1", "card": "S1", "target": "HrApi", "text": "x", "threat": "T1", "accept": True,
             "likelihood": 3, "impact": 3, "target_seat": 1, "token": game["tokens"][1], "game_id": game["game_id"]}
    acks: list[Any] = []
    sent = 0
    for _ in range(3000):
        who = rng.choice(seats[:2] + [stranger, watcher])
        data = payload(rng, valid)
        if not safe_json(data) or len(json.dumps(data)) > 15_000:
            continue  # larger than MAX_EVENT_BYTES: the connection would be closed (tested below)
        who.sio.emit(rng.choice(EVENTS), data, callback=lambda *a: acks.append(a[0] if a else None))
        sent += 1
    deadline = time.monotonic() + 30
    while len(acks) < sent * 0.8 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(acks) > sent * 0.8, f"only {len(acks)} of {sent} answered"
    internal = [a for a in acks if isinstance(a, dict) and not a.get("ok") and a["error"]["code"] == "internal"]
    assert internal == []

    statuses: dict[int, int] = {}
    session = requests.Session()
    for _ in range(1500):
        method, path, kwargs = http_request(rng, game["game_id"], game["tokens"][0])
        r = session.request(method, server.url + path, timeout=10, **kwargs)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code < 500, (method, path, r.text[:300])

    # An event over the size limit closes that connection only.
    big = SeatClient(server.url).connect()
    clients.append(big)
    big.sio.reconnection = False
    big.sio.emit("sync", {"x": "a" * 20_000})
    assert big.wait_for(lambda: not big.sio.connected, 10)
    assert seats[0].call("sync", {})["ok"]

    # Still serving: the game can be played to the end on fresh connections.
    assert server.alive() and requests.get(server.url + "/api/health", timeout=5).ok
    fresh = [SeatClient(server.url, t).connect() for t in game["tokens"]]
    clients.extend(fresh)
    Autoplayer(fresh).play(until=lambda: fresh[0].version > 40)
    assert fresh[0].version > 40
    assert server.unhandled_errors() == [], server.unhandled_errors()[:5]
