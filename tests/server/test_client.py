"""The Python client (server/client.py) keeps the newest view whatever order its messages come in."""

from __future__ import annotations

from typing import Any

from server.client import SeatClient


def _client() -> tuple[SeatClient, list[Any]]:
    """A client never connected (its handlers are fed by hand), and the background tasks it started (a sync)."""
    client = SeatClient("http://127.0.0.1:9", "t" * 43)
    started: list[Any] = []
    client.sio.start_background_task = lambda fn, *args: started.append(fn)
    return client, started


def _ack(version: int, turn: int) -> dict[str, Any]:
    return {"ok": True, "game_id": "g", "seat": 0, "role": "player", "name": "Kim", "version": version,
            "view": {"version": version, "turn": turn}, "presence": None}


def _update(version: int, base: int, turn: int) -> dict[str, Any]:
    return {"game_id": "g", "version": version, "base": base, "events": [], "sizes": [],
            "set": [[["version"], version], [["turn"], turn]]}


def test_an_update_that_came_before_the_join_answer_is_applied_once_the_answer_comes() -> None:
    """The server joins the seat's rooms, then reads the view for its answer: a change broadcast in between (or
    while the answer is on its way) can arrive first, as a patch on the version the answer carries."""
    client, started = _client()
    client._update(_update(6, 5, turn=2))  # held: no view to apply it to yet
    client._joined(_ack(5, turn=1))
    assert (client.version, client.view) == (6, {"version": 6, "turn": 2})
    client._update(_update(7, 6, turn=3))
    assert (client.version, client.view) == (7, {"version": 7, "turn": 3})
    assert started == []  # nothing was missed: no need to fetch the whole view


def test_an_answer_older_than_the_view_held_is_not_taken() -> None:
    client, _ = _client()
    client._joined(_ack(5, turn=1))
    client._update(_update(6, 5, turn=2))
    client._joined(_ack(5, turn=1))  # a reconnect's answer, read before the update it came after
    assert (client.version, client.view) == (6, {"version": 6, "turn": 2})


def test_a_patch_that_does_not_fit_makes_the_client_sync() -> None:
    client, started = _client()
    client._joined(_ack(5, turn=1))
    broken = dict(_update(6, 5, turn=2), set=[[["threats", 3, "status"], "accepted"]])
    client._update(broken)
    assert client.version == 5 and client.view == {"version": 5, "turn": 1}
    assert started == [client.sync]  # as the browser does: fetch the whole view
