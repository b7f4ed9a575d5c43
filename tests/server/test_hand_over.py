"""Handing facilitating over: the facilitator chooses the next one (leaving early, a newcomer runs the next round)."""

from __future__ import annotations

from typing import Any

from serverkit import new_game
from test_sockets import Seat


def _events(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for u in updates for e in u["events"]]


def _audit(client: Any, game: dict[str, Any], token: str) -> Any:
    return client.get(f"/api/games/{game['game_id']}/audit", headers={"Authorization": f"Bearer {token}"})


def test_the_facilitator_hands_over_and_every_seat_sees_its_own_view_of_it(
        app: Any, game: dict[str, Any], client: Any) -> None:
    kim, doug, sam = (Seat(app, t) for t in game["tokens"][:3])
    watcher = Seat(app)
    assert watcher.emit("spectate", {"game_id": game["game_id"]})["ok"]
    assert kim.command("start")["ok"]
    for s in (kim, doug, sam, watcher):
        s.pump()
    assert "HandOver" in kim.view["legal"]["facilitator"]  # type: ignore[index]
    assert "HandOver" not in doug.view["legal"]["facilitator"]  # type: ignore[index]

    ack = kim.command("hand_over", target_seat=1)
    assert ack["ok"] and not ack["duplicate"]
    news = {"type": "FacilitatorChanged", "seat": 1, "previous": 0, "reason": "hand_over"}
    for s in (kim, doug, sam, watcher):
        assert news in _events(s.pump())
        assert s.view["facilitator"] == 1 and s.version == ack["version"]  # type: ignore[index]
    # Each seat's own moves: the powers moved from Kim to Doug, and Sam has none.
    assert doug.view["legal"]["facilitator"][:2] == ["EndPlay", "EndGame"]  # type: ignore[index]
    assert "HandOver" in doug.view["legal"]["facilitator"]  # type: ignore[index]
    assert kim.view["legal"]["facilitator"] == [] and sam.view["legal"]["facilitator"] == []  # type: ignore[index]
    assert watcher.view["legal"] is None  # type: ignore[index]

    # Kim plays on as a player: refused as one, and her link joins as a player.
    assert kim.command("end_play")["error"]["code"] == "forbidden"
    assert kim.command("hand_over", target_seat=0)["error"]["code"] == "forbidden"  # no taking it back
    again = Seat(app, game["tokens"][0])
    assert again.seen[-1][0]["role"] == "player"
    assert Seat(app, game["tokens"][1]).seen[-1][0]["role"] == "facilitator"
    assert doug.command("end_play")["ok"]

    # The audit trail says who handed it to whom, and is now the new facilitator's to read.
    assert _audit(client, game, game["tokens"][0]).status_code == 403
    trail = _audit(client, game, game["tokens"][1])
    assert trail.status_code == 200
    lines = [(a["actor"], a["action"], a["detail"].get("target_seat")) for a in trail.json["audit"]
             if a["action"] in ("HandOver", "denied:hand_over", "denied:end_play", "EndPlay")]
    assert lines == [
        ("seat 0 (Kim) facilitator", "HandOver", 1),
        ("seat 0 (Kim)", "denied:end_play", None),
        ("seat 0 (Kim)", "denied:hand_over", None),
        ("seat 1 (Doug) facilitator", "EndPlay", None),
    ]


def test_only_the_facilitator_may_hand_over_and_a_spectator_not_at_all(app: Any, game: dict[str, Any]) -> None:
    kim, doug = Seat(app, game["tokens"][0]), Seat(app, game["tokens"][1])
    watcher = Seat(app)
    assert watcher.emit("spectate", {"game_id": game["game_id"]})["ok"]
    version = kim.version
    refused = doug.command("hand_over", target_seat=1)
    assert refused["error"] == {"code": "forbidden", "message": "only the facilitator can do that", "field": None}
    assert watcher.command("hand_over", target_seat=1)["error"]["code"] == "forbidden"
    assert Seat(app).command("hand_over", target_seat=1)["error"]["code"] == "not_joined"
    # Acting for another seat is refused before the engine is asked.
    assert doug.command("hand_over", target_seat=1, seat=0)["error"] == {
        "code": "forbidden", "message": "this connection acts for seat 1, not seat 0", "field": "seat"}
    assert kim.pump() == [] and kim.view["facilitator"] == 0 and kim.version == version  # type: ignore[index]


def test_a_hand_over_is_refused_to_oneself_a_bot_a_removed_seat_and_a_bad_seat(app: Any, client: Any) -> None:
    g = new_game(client, ("Kim", "Doug", "Sam"), bots=1)  # seat 3 is a bot
    kim = Seat(app, g["tokens"][0])
    assert kim.view["seats"][3]["bot"]  # type: ignore[index]
    assert kim.command("hand_over", target_seat=0)["error"]["code"] == "already_facilitator"
    assert kim.command("hand_over", target_seat=3)["error"]["code"] == "invalid_command"
    assert kim.command("hand_over", target_seat=9)["error"]["code"] == "unknown_seat"
    assert kim.command("remove_seat", target_seat=2)["ok"]
    assert kim.command("hand_over", target_seat=2)["error"]["code"] == "seat_removed"
    for bad in ({"target_seat": "1"}, {"target_seat": -1}, {"target_seat": 12}, {"target_seat": True}, {},
                {"target_seat": 1, "to": 2}):
        refused = kim.command("hand_over", **bad)
        assert refused["error"]["code"] == "invalid_request", (bad, refused)
    assert kim.command("start")["ok"] and kim.command("end_game")["ok"]
    assert kim.command("hand_over", target_seat=1)["error"]["code"] == "game_over"


def test_a_retried_hand_over_is_applied_once(app: Any, game: dict[str, Any]) -> None:
    kim = Seat(app, game["tokens"][0])
    first = kim.emit("hand_over", {"client_id": "h1", "target_seat": 1})
    again = kim.emit("hand_over", {"client_id": "h1", "target_seat": 1})
    assert first["ok"] and again == {"ok": True, "version": first["version"], "duplicate": True}


def test_a_hand_over_that_is_not_stored_is_sent_to_nobody(app: Any, game: dict[str, Any]) -> None:
    rt = app.extensions["threatdeck"]
    kim, doug = Seat(app, game["tokens"][0]), Seat(app, game["tokens"][1])
    kim.pump(), doug.pump()
    real_commit = rt.repo.commit

    def commit(game_id: str, expected: int, change: Any) -> None:
        if change.command.type == "HandOver":
            raise RuntimeError("disk I/O error")
        real_commit(game_id, expected, change)

    rt.repo.commit = commit
    assert not kim.command("hand_over", target_seat=1)["ok"]
    assert kim.pump() == [] and doug.pump() == []
    assert rt.repo.version(game["game_id"]) == kim.version
    rt.repo.commit = real_commit
    ack = kim.command("hand_over", target_seat=1)
    assert ack["ok"] and ack["version"] == kim.version + 1
    assert [u["version"] for u in doug.pump()] == [ack["version"]] and doug.view["facilitator"] == 1  # type: ignore[index]
