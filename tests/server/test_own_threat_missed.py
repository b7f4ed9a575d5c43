"""A threat's finder has no vote on it: when the others settle it while the finder is away, the finder is told in
its own view (``missed``, kind ``verdict``), and nobody else is: not the other seats, not spectators."""

from __future__ import annotations

import json
from typing import Any

from serverkit import new_game
from test_sockets import Seat

NO_LIMITS = {"turn_seconds": None, "vote_seconds": None, "play_seconds": None, "rating_seconds": None}
VERDICT = {"kind": "verdict", "threat": "T1"}


def test_a_vote_on_your_threat_settled_while_away_is_in_your_view_alone(app: Any, client: Any) -> None:
    g = new_game(client, ("Kim", "Doug", "Sam", "Hannah"), timing=NO_LIMITS)
    seats = [Seat(app, t) for t in g["tokens"]]
    kim, doug, sam, hannah = seats
    watcher = Seat(app)
    assert watcher.emit("spectate", {"game_id": g["game_id"]})["ok"]
    assert kim.command("start")["ok"]
    assert doug.command("add_threat", target="HrApi", suit="S", text="A replayed token passes as another user.")["ok"]
    for s in seats:
        s.pump()
    doug.c.disconnect()  # the finder's laptop sleeps
    assert kim.command("vote", threat="T1", accept=True)["ok"]
    assert sam.command("vote", threat="T1", accept=True)["ok"]  # two of three: accepted, Hannah's ballot not cast

    back = Seat(app, g["tokens"][1])
    back.n = doug.n  # its client ids go on from the old connection's
    assert back.view["threats"][0]["status"] == "accepted"  # type: ignore[index]
    assert back.view["missed"] == [VERDICT]  # type: ignore[index]
    # The others, as their updates left them and as a whole view now: Hannah missed the vote itself, not a verdict.
    for s in (kim, sam, hannah):
        s.pump()
    assert kim.view["missed"] == [] and sam.view["missed"] == []  # type: ignore[index]
    assert hannah.view["missed"] == [{"kind": "vote", "threat": "T1"}]  # type: ignore[index]
    for i, token in enumerate(g["tokens"]):
        if i != 1:
            assert VERDICT not in Seat(app, token).view["missed"]  # type: ignore[index]
    # Nothing another seat or a spectator was ever sent says it: no update, no patch, no whole view.
    for s in (kim, sam, hannah, watcher):
        s.pump()
        assert all('"verdict"' not in json.dumps(message) for message, _ in s.seen), s.view["you"]  # type: ignore[index]
    assert watcher.view["missed"] is None  # type: ignore[index]
    assert watcher.emit("sync")["view"]["missed"] is None
    assert client.get(f"/api/games/{g['game_id']}").json["view"]["missed"] is None

    # The finder's next command empties it.
    assert back.command("add_threat", target="HrApi", suit="T", text="A payroll record is edited in flight.")["ok"]
    back.pump()
    assert back.view["missed"] == []  # type: ignore[index]
