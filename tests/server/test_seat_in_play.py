"""Someone arrives after the start: the join page seats them in a free seat during play, and everyone sees it."""

from __future__ import annotations

from typing import Any

from serverkit import new_game
from test_sockets import Seat, play_out

from server.client import leaked_cards
from server.codec import SnapshotWriter

NO_LIMITS = {"turn_seconds": None, "vote_seconds": None, "play_seconds": None, "rating_seconds": None}


def error(r: Any) -> dict[str, Any]:
    return r.json["error"]  # type: ignore[no-any-return]


def test_a_late_joiner_takes_a_free_seat_in_play_and_every_seat_sees_them_arrive(app: Any, client: Any) -> None:
    g = new_game(client, ("Kim", "Doug"), seats=3, bots=1, timing=NO_LIMITS)
    game_id = g["game_id"]
    kim, doug = Seat(app, g["tokens"][0]), Seat(app, g["tokens"][1])
    assert kim.command("start")["ok"]
    for s in (kim, doug):
        s.pump()
    assert kim.view["phase"] == "play"  # type: ignore[index]
    public = client.get(f"/api/games/{game_id}").json
    assert public["phase"] == "play" and public["free_seats"] == 1
    hands_before = [s["hand_size"] for s in kim.view["seats"]]  # type: ignore[index]

    r = client.post(f"/api/games/{game_id}/seats", json={"name": "Sam"})
    assert r.status_code == 201, r.json
    assert (r.json["seat"], r.json["name"], r.json["role"]) == (3, "Sam", "player")
    # Every seat already at the table is told, in an update, after the commit.
    for s in (kim, doug):
        updates = s.pump()
        joined = [e for u in updates for e in u["events"] if e["type"] == "SeatJoined"]
        assert joined and joined[0]["seat"] == 3 and joined[0]["name"] == "Sam"
        assert [x["name"] for x in s.view["seats"]] == ["Kim", "Doug", "Bot 1", "Sam"]  # type: ignore[index]
        # The patch that brought the new seat rebuilds exactly the whole view.
        assert s.view == app.extensions["threatdeck"].games.view(game_id, s.view["you"])[2]  # type: ignore[index]
    sizes = [x["hand_size"] for x in kim.view["seats"]]  # type: ignore[index]
    assert sizes[3] > 0 and max(sizes) - min(sizes) <= 1, "an even share"
    assert sum(sizes[:3]) < sum(hands_before), "the newcomer's cards came out of the others' hands"

    sam = Seat(app, r.json["token"])
    assert sam.view["you"] == 3 and len(sam.view["hand"]) == sizes[3]  # type: ignore[index]
    assert client.get(f"/api/games/{game_id}").json["free_seats"] == 0
    # The table is full now, and the game plays on to its end with the newcomer, the bot playing its turns.
    assert error(client.post(f"/api/games/{game_id}/seats", json={"name": "Hannah"}))["code"] == "seats_full"
    play_out([kim, doug, sam])
    for s in (kim, doug, sam):
        s.pump()
        assert s.view["phase"] == "ended" and leaked_cards(s) == []  # type: ignore[index]
    final = kim.view["final"]  # type: ignore[index]
    assert "Sam" in [line["name"] for line in final["scoreboard"]]

    lines = client.get(f"/api/games/{game_id}/audit", headers={"Authorization": f"Bearer {g['tokens'][0]}"}).json["audit"]
    late = [a for a in lines if a["action"] == "JoinLate"]
    assert len(late) == 1 and late[0]["actor"] == "seat 3 (Sam)"


def test_a_late_join_replays_from_the_log(app: Any, client: Any) -> None:
    rt = app.extensions["threatdeck"]
    g = new_game(client, ("Kim", "Doug"), seats=3, timing=NO_LIMITS)
    kim = Seat(app, g["tokens"][0])
    assert kim.command("start")["ok"]
    assert client.post(f"/api/games/{g['game_id']}/seats", json={"name": "Sam"}).status_code == 201
    log = rt.games.repo.commands(g["game_id"])
    assert log[-1].type == "JoinLate" and log[-1].payload["name"] == "Sam"
    before = rt.games.live(g["game_id"])
    rt.games.forget(g["game_id"])
    after = rt.games.live(g["game_id"])
    assert after is not before and after.state.seats[-1].name == "Sam" and len(after.state.seats) == 3
    assert SnapshotWriter().snapshot(after.state) == SnapshotWriter().snapshot(before.state)


def test_a_late_join_keeps_names_unique_and_stops_when_play_ends(app: Any, client: Any) -> None:
    g = new_game(client, ("Kim", "Doug"), seats=4, timing=NO_LIMITS)
    game_id = g["game_id"]
    kim = Seat(app, g["tokens"][0])
    assert kim.command("start")["ok"]
    r = client.post(f"/api/games/{game_id}/seats", json={"name": " doug "})
    assert r.status_code == 422 and error(r)["code"] == "invalid_setup" and "Doug" in error(r)["message"]
    assert client.post(f"/api/games/{game_id}/seats", json={"name": "Sam"}).status_code == 201
    kim.pump()
    assert kim.command("end_play")["ok"]
    assert client.get(f"/api/games/{game_id}").json["free_seats"] == 0
    r = client.post(f"/api/games/{game_id}/seats", json={"name": "Hannah"})
    assert r.status_code == 409 and error(r)["code"] == "already_started"
    assert [s["name"] for s in client.get(f"/api/games/{game_id}").json["seats"]] == ["Kim", "Doug", "Sam"]


def test_the_facilitator_can_remove_a_late_joiner(app: Any, client: Any) -> None:
    g = new_game(client, ("Kim", "Doug"), seats=3, timing=NO_LIMITS)
    kim = Seat(app, g["tokens"][0])
    assert kim.command("start")["ok"]
    r = client.post(f"/api/games/{g['game_id']}/seats", json={"name": "Sam"})
    kim.pump()
    assert kim.command("remove_seat", target_seat=r.json["seat"])["ok"]
    kim.pump()
    assert kim.view["seats"][r.json["seat"]]["present"] is False  # type: ignore[index]


def test_a_bot_whose_turn_came_with_a_late_join_plays_it(app: Any, client: Any, clock: Any) -> None:
    """A join applies the deadlines passed by then, as any command does: a bot put on turn by them plays at once."""
    rt = app.extensions["threatdeck"]
    g = new_game(client, ("Kim",), seats=2, bots=1, timing={**NO_LIMITS, "turn_seconds": 30})
    kim = Seat(app, g["tokens"][0])
    assert kim.command("start")["ok"]
    state = rt.games.live(g["game_id"]).state
    assert state.turn == 0, "the bot has played up to Kim's turn"
    clock.advance(31)  # Kim's turn runs out; no tick has come yet
    r = client.post(f"/api/games/{g['game_id']}/seats", json={"name": "Sam"})
    assert r.status_code == 201
    log = rt.games.repo.commands(g["game_id"])
    types = [c.type for c in log]
    late = types.index("JoinLate")
    assert any(c.actor.endswith("bot") for c in log[late + 1:]), types[late:]
    after = rt.games.live(g["game_id"]).state
    assert after.turn is None or not after.seats[after.turn].bot, "nobody waits on the bot"
