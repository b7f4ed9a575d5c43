"""A player whose seat the facilitator removed during play comes back through the join link, under the same
name, in a new seat; the removed seat keeps its score. Two seats still in the game never share a name."""

from __future__ import annotations

from typing import Any

from serverkit import new_game
from test_sockets import Seat

NO_LIMITS = {"turn_seconds": None, "vote_seconds": None, "play_seconds": None, "rating_seconds": None}


def error(r: Any) -> dict[str, Any]:
    return r.json["error"]  # type: ignore[no-any-return]


def test_a_removed_player_takes_a_seat_again_under_the_same_name(app: Any, client: Any) -> None:
    g = new_game(client, ("Kim", "Doug", "Sam"), seats=4, timing=NO_LIMITS)
    game_id = g["game_id"]
    kim, doug, sam = (Seat(app, t) for t in g["tokens"])
    assert kim.command("start")["ok"]
    assert doug.command("add_threat", target="HrApi", suit="S", text="A replayed token passes as another user.")["ok"]
    assert client.get(f"/api/games/{game_id}").json["free_seats"] == 1
    assert kim.command("remove_seat", target_seat=1)["ok"]  # Doug's laptop died mid-game
    game = client.get(f"/api/games/{game_id}").json
    assert game["free_seats"] == 2  # his seat is free again
    assert [(s["name"], s["present"]) for s in game["seats"]] == [("Kim", True), ("Doug", False), ("Sam", True)]

    r = client.post(f"/api/games/{game_id}/seats", json={"name": "Doug"})
    assert r.status_code == 201, r.json
    assert (r.json["seat"], r.json["name"]) == (3, "Doug")
    for s in (kim, sam):
        joined = [e for u in s.pump() for e in u["events"] if e["type"] == "SeatJoined"]
        assert [(e["seat"], e["name"]) for e in joined] == [(3, "Doug")]
        assert [(x["name"], x["present"]) for x in s.view["seats"]] == [  # type: ignore[index]
            ("Kim", True), ("Doug", False), ("Sam", True), ("Doug", True)]
    back = Seat(app, r.json["token"])
    assert back.view["you"] == 3 and back.view["hand"]  # type: ignore[index]
    assert back.view["threats"][0]["found_by"] == 1  # type: ignore[index]  # the removed seat's, as it was
    # The old link still opens the removed seat, which cannot act; the new one plays.
    assert doug.command("add_threat", target="HrApi", suit="T", text="x")["error"]["code"] == "seat_removed"
    assert back.command("add_threat", target="HrApi", suit="T", text="A payroll record is edited in flight.")["ok"]

    # Two seats still in the game never share a name.
    for name in ("doug", " DOUG ", "Kim"):
        r = client.post(f"/api/games/{game_id}/seats", json={"name": name})
        assert r.status_code == 422 and error(r)["code"] == "invalid_setup", (name, r.json)
        assert error(r)["message"].startswith("Someone at this table is already called ")
    assert client.post(f"/api/games/{game_id}/seats", json={"name": "Hannah"}).status_code == 201
    assert client.get(f"/api/games/{game_id}").json["free_seats"] == 0
    assert error(client.post(f"/api/games/{game_id}/seats", json={"name": "Lee"}))["code"] == "seats_full"

    # Stored and loaded again (the log replays the late join), the game is the same.
    rt = app.extensions["threatdeck"]
    rt.games.forget(game_id)
    seats = client.get(f"/api/games/{game_id}").json["seats"]
    assert [(s["seat"], s["name"], s["present"]) for s in seats] == [
        (0, "Kim", True), (1, "Doug", False), (2, "Sam", True), (3, "Doug", True), (4, "Hannah", True)]


def test_before_the_start_a_removed_seat_stays_removed_and_keeps_its_name(app: Any, client: Any) -> None:
    # Before the start the server seats everyone again from their names, so a name is never taken twice there.
    g = new_game(client, ("Kim", "Doug"), seats=4, bots=1, timing=NO_LIMITS)
    kim = Seat(app, g["tokens"][0])
    assert kim.command("remove_seat", target_seat=1)["ok"]
    r = client.post(f"/api/games/{g['game_id']}/seats", json={"name": "Doug"})
    assert r.status_code == 422 and error(r)["code"] == "invalid_setup"
    # Someone else's seat does not bring Doug's back (everyone was seated again, present, from the names).
    assert kim.command("remove_seat", target_seat=2)["ok"]  # the bot, too
    assert client.post(f"/api/games/{g['game_id']}/seats", json={"name": "Sam"}).status_code == 201
    seats = client.get(f"/api/games/{g['game_id']}").json["seats"]
    assert [(s["name"], s["present"]) for s in seats] == [("Kim", True), ("Doug", False), ("Sam", True),
                                                          ("Bot 1", False)]
    kim.pump()
    assert kim.command("start")["ok"]
    kim.pump()
    assert [s["hand_size"] > 0 for s in kim.view["seats"]] == [True, False, True, False]  # type: ignore[index]
