"""The real-time protocol over Socket.IO test clients: joins, commands, refusals, views, the clock."""

from __future__ import annotations

import json
from typing import Any

from serverkit import FakeClock, make_app, new_game

from game.predicates import Truth
from game.views import OWN_KEYS

from server import socketio
from server.client import apply_patch, leaked_cards, next_move


class Seat:
    """A test client holding its view the way a browser would."""

    def __init__(self, app: Any, token: str | None = None, **kwargs: Any) -> None:
        self.c = socketio.test_client(app, **kwargs)
        self.view: dict[str, Any] | None = None
        self.version = -1
        self.seen: list[tuple[Any, dict[str, Any]]] = []
        self.n = 0
        if token is not None:
            ack = self.emit("join", {"token": token})
            assert ack["ok"], ack

    def emit(self, event: str, payload: Any = None) -> Any:
        ack = self.c.emit(event, payload, callback=True)
        if isinstance(ack, dict) and ack.get("ok") and "view" in ack:
            self.view, self.version = ack["view"], ack["version"]
            self.seen.append((ack, ack["view"]))
        return ack

    def command(self, event: str, **fields: Any) -> Any:
        self.n += 1
        return self.emit(event, {"client_id": f"c{self.n}", **fields})

    def pump(self) -> list[dict[str, Any]]:
        updates = []
        for m in self.c.get_received():
            if m["name"] == "joined" and m["args"][0].get("ok"):
                ack = m["args"][0]
                self.view, self.version = ack["view"], ack["version"]
                self.seen.append((ack, ack["view"]))
            if m["name"] != "update":
                continue
            u = m["args"][0]
            updates.append(u)
            if u["base"] is None:
                self.view, self.version = u["view"], u["version"]
            else:
                assert u["base"] == self.version, (u["base"], self.version)
                self.view, self.version = apply_patch(self.view, u), u["version"]  # type: ignore[arg-type]
            self.seen.append((u, self.view))
        return updates


def seats_of(app: Any, g: dict[str, Any]) -> list[Seat]:
    return [Seat(app, t) for t in g["tokens"]]


def play_out(seats: list[Seat], limit: int = 3000) -> int:
    moves = 0
    for _ in range(limit):
        for s in seats:
            s.pump()
        for s in seats:
            move = next_move(s.view)  # type: ignore[arg-type]
            if move is not None:
                ack = s.command(move[0], **move[1])
                assert ack["ok"], (s.view["you"], move, ack)  # type: ignore[index]
                moves += 1
                break
        else:
            return moves
    return moves


def test_join_gives_the_seat_its_private_view(app: Any, game: dict[str, Any]) -> None:
    kim = Seat(app)
    ack = kim.emit("join", {"token": game["tokens"][0]})
    assert ack["ok"] and ack["seat"] == 0 and ack["role"] == "facilitator" and ack["name"] == "Kim"
    assert ack["view"]["you"] == 0 and ack["view"]["legal"]["facilitator"] == ["StartGame", "RemoveSeat", "HandOver"]
    doug = Seat(app, game["tokens"][1])
    assert doug.view["you"] == 1 and doug.view["legal"]["facilitator"] == []  # type: ignore[index]


def test_a_token_in_the_connect_auth_joins_at_once(app: Any, game: dict[str, Any]) -> None:
    s = Seat(app, auth={"token": game["tokens"][2]})
    s.pump()
    assert s.view is not None and s.view["you"] == 2
    bad = Seat(app, auth={"token": "nope"})
    joined = [m for m in bad.c.get_received() if m["name"] == "joined"]
    assert joined[0]["args"][0]["error"]["code"] == "invalid_token"


def test_a_whole_game_over_sockets_ends_with_the_final_list_and_leaks_no_card(app: Any, game: dict[str, Any]) -> None:
    seats = seats_of(app, game)
    watcher = Seat(app)
    assert watcher.emit("spectate", {"game_id": game["game_id"]})["ok"]
    assert seats[0].command("start")["ok"]
    moves = play_out(seats)
    watcher.pump()
    assert moves > 20 and seats[0].view["phase"] == "ended"  # type: ignore[index]
    final = seats[0].view["final"]["threats"]  # type: ignore[index]
    assert final and final == watcher.view["final"]["threats"]  # type: ignore[index]
    for s in seats + [watcher]:
        assert leaked_cards(s) == [], s.view["you"]  # type: ignore[index]
        assert s.version == seats[0].version
    # The log holds every accepted command after creation; the audit trail says who.
    rt = app.extensions["threatdeck"]
    log = rt.repo.commands(game["game_id"])
    assert [c.seq for c in log] == list(range(1, seats[0].version + 1))
    assert {c.type for c in log} >= {"JoinSeat", "StartGame", "PlayCard", "RateThreat", "FinishRating"}


def test_patches_rebuild_exactly_the_view_the_seat_would_get_whole(app: Any, game: dict[str, Any]) -> None:
    seats = seats_of(app, game)
    seats[0].command("start")
    for _ in range(40):
        for s in seats:
            s.pump()
        s = next(s for s in seats if next_move(s.view) is not None)  # type: ignore[arg-type]
        move = next_move(s.view)  # type: ignore[arg-type]
        assert move is not None and s.command(move[0], **move[1])["ok"]
    for s in seats:
        s.pump()
        whole = s.emit("sync", {})
        assert whole["view"] == s.view


def test_a_retried_command_is_applied_once(app: Any, game: dict[str, Any]) -> None:
    kim = Seat(app, game["tokens"][0])
    first = kim.emit("start", {"client_id": "same"})
    again = kim.emit("start", {"client_id": "same"})
    assert first == {"ok": True, "version": 4, "duplicate": False}
    assert again == {"ok": True, "version": 4, "duplicate": True}
    # Client ids are per seat: another seat may use the same one (applied, or refused by the rules).
    doug = Seat(app, game["tokens"][1])
    ack = doug.emit("pass", {"client_id": "same"})
    assert ack.get("duplicate") is not True
    assert ack["ok"] if doug.view["turn"] == 1 else ack["error"]["code"] == "not_your_turn"  # type: ignore[index]


def test_refusals_change_nothing_and_say_why(app: Any, game: dict[str, Any]) -> None:
    kim, doug = Seat(app, game["tokens"][0]), Seat(app, game["tokens"][1])
    stranger = Seat(app)
    assert stranger.command("pass")["error"]["code"] == "not_joined"
    assert doug.command("start")["error"] == {"code": "forbidden", "message": "only the facilitator can do that",
                                              "field": None}
    assert doug.command("pass", seat=0)["error"]["field"] == "seat"
    assert kim.command("pass")["error"]["code"] == "wrong_phase"
    assert kim.emit("start", {"client_id": "x", "expected_version": 1})["error"]["code"] == "stale_state"
    assert kim.emit("rate", {"client_id": "x", "threat": "T1", "likelihood": 6, "impact": 1})["error"]["field"] == "likelihood"
    assert kim.emit("vote", {"client_id": "x", "threat": "T1", "accept": 1})["error"]["field"] == "accept"
    assert kim.emit("play_card", {"client_id": "x", "card": "S1", "text": "x" * 501})["error"]["field"] == "text"
    assert kim.emit("play_card", "not an object")["error"]["code"] == "invalid_request"
    assert kim.emit("nonsense", {})["error"]["code"] == "unknown_event"
    assert app.extensions["threatdeck"].games.live(game["game_id"]).version == 3
    denied = [a.action for a in app.extensions["threatdeck"].repo.audit(game["game_id"]) if a.action.startswith("denied")]
    assert denied == ["denied:start", "denied:pass"]


def test_spectators_see_the_public_view_and_cannot_act(app: Any, game: dict[str, Any]) -> None:
    watcher = Seat(app)
    ack = watcher.emit("spectate", {"game_id": game["game_id"]})
    assert ack["role"] == "spectator" and ack["view"]["hand"] is None and ack["view"]["legal"] is None
    assert watcher.command("start")["error"]["code"] == "forbidden"
    assert watcher.emit("spectate", {"game_id": "abcdefabcdef"})["error"]["code"] == "not_found"
    Seat(app, game["tokens"][0]).command("start")
    updates = watcher.pump()
    assert updates and watcher.view["phase"] == "play" and watcher.view["hand"] is None  # type: ignore[index]


def test_a_connection_is_rate_limited() -> None:
    app = make_app(RATE_EVENTS_BURST=5, RATE_EVENTS_PER_SECOND=0.001)
    s = Seat(app)
    codes = [s.emit("sync", {})["error"]["code"] for _ in range(7)]
    assert codes[:5] == ["not_joined"] * 5 and codes[5:] == ["rate_limited"] * 2
    assert s.emit("sync", {})["error"]["retry_after"] > 0


def test_the_clock_passes_a_turn_when_its_time_is_up(clock: FakeClock) -> None:
    app = make_app()
    rt = app.extensions["threatdeck"]
    rt.games.clock = clock
    g = new_game(app.test_client(), timing={"turn_seconds": 30, "vote_seconds": 60})
    seats = seats_of(app, g)
    seats[0].command("start")
    for s in seats:
        s.pump()
    turn = seats[0].view["turn"]  # type: ignore[index]
    assert rt.games.due() == []
    clock.advance(31)
    assert rt.games.due() == [g["game_id"]]
    outcome = rt.games.tick(g["game_id"])
    assert outcome is not None and outcome.applied
    updates = seats[1].pump()
    types = [e["type"] for e in updates[-1]["events"]]
    assert "TurnPassed" in types and seats[1].view["turn"] != turn  # type: ignore[index]
    assert rt.repo.commands(g["game_id"])[-1].actor == "clock"
    # Nothing due: a tick changes nothing and is not stored.
    assert rt.games.tick(g["game_id"]).applied is False  # type: ignore[union-attr]


def test_a_seat_back_after_its_turn_ran_out_is_told_in_its_own_view(clock: FakeClock) -> None:
    """The update that passed its turn went to nobody on the seat: the view it joins with says so, and only its."""
    app = make_app()
    rt = app.extensions["threatdeck"]
    rt.games.clock = clock
    g = new_game(app.test_client(), timing={"turn_seconds": 30, "vote_seconds": 60})
    seats = seats_of(app, g)
    seats[0].command("start")
    for s in seats:
        s.pump()
    turn = seats[0].view["turn"]  # type: ignore[index]
    seats[turn].c.disconnect()  # the laptop sleeps
    clock.advance(31)
    assert rt.games.tick(g["game_id"]).applied  # type: ignore[union-attr]
    back = Seat(app, g["tokens"][turn])
    # Its client ids go on from the old connection's: "c1" again would be seat 0's "start" retried (a duplicate,
    # applied once) whenever seat 0 holds the opening card.
    back.n = seats[turn].n
    assert back.view["missed"] == [{"kind": "turn", "trick": 1, "reason": "timeout"}]  # type: ignore[index]
    others = [Seat(app, t) for i, t in enumerate(g["tokens"]) if i != turn]
    assert all(o.view["missed"] == [] for o in others)  # type: ignore[index]
    watcher = Seat(app)
    assert watcher.emit("spectate", {"game_id": g["game_id"]})["view"]["missed"] is None
    assert back.command("add_threat", target="HrApi", suit="S", text="A replayed token passes as another user.")["ok"]
    back.pump()
    assert back.view["missed"] == []  # type: ignore[index]


def test_stale_games_expire(clock: FakeClock) -> None:
    app = make_app(GAME_TTL=600)
    rt = app.extensions["threatdeck"]
    rt.games.clock = clock
    g = new_game(app.test_client())
    clock.advance(599)
    assert rt.games.expire() == []
    clock.advance(2)
    assert rt.games.expire() == [g["game_id"]]
    s = Seat(app)
    assert s.emit("join", {"token": g["tokens"][0]})["error"]["code"] == "invalid_token"
    assert app.test_client().get(f"/api/games/{g['game_id']}").status_code == 404


def test_bots_fill_seats_and_play_their_turns(app: Any, client: Any) -> None:
    g = new_game(client, ("Kim",), bots=3, timing={"turn_seconds": None, "vote_seconds": None,
                                                     "play_seconds": None, "rating_seconds": None})
    kim = Seat(app, g["tokens"][0])
    assert [s["bot"] for s in kim.view["seats"]] == [False, True, True, True]  # type: ignore[index]
    kim.command("start")
    play_out([kim])
    assert kim.view["phase"] == "ended"  # type: ignore[index]
    assert leaked_cards(kim) == []


def test_a_bad_stored_state_is_a_logged_error_not_a_crash(app: Any, game: dict[str, Any], caplog: Any) -> None:
    kim = Seat(app, game["tokens"][0])
    games = app.extensions["threatdeck"].games

    def broken(live: Any, events: Any) -> None:
        raise RuntimeError("broadcast broke")

    games.publish = broken
    ack = kim.command("start")
    assert ack["ok"], "the command was committed; a failed broadcast does not undo it"
    assert "broadcast of version 4 failed" in caplog.text


def test_a_game_reloads_from_its_snapshot_and_log_exactly(tmp_path: Any) -> None:
    from server.codec import SnapshotWriter

    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'g.db'}", SNAPSHOT_EVERY=7)
    rt = app.extensions["threatdeck"]
    g = new_game(app.test_client())
    seats = seats_of(app, g)
    seats[0].command("start")
    for _ in range(45):
        for s in seats:
            s.pump()
        s = next(s for s in seats if next_move(s.view) is not None)  # type: ignore[arg-type]
        move = next_move(s.view)  # type: ignore[arg-type]
        assert move is not None and s.command(move[0], **move[1])["ok"]
    before = rt.games.live(g["game_id"])
    assert before.version - before.snapshot_version < 7 and before.version > before.snapshot_version
    rt.games.forget(g["game_id"])
    after = rt.games.live(g["game_id"])
    assert after is not before and after.version == before.version
    assert SnapshotWriter().snapshot(after.state) == SnapshotWriter().snapshot(before.state)
    assert after.client_ids == before.client_ids


def test_the_join_ack_carries_the_version_of_its_view(app: Any, game: dict[str, Any]) -> None:
    """A change broadcast between building the view and answering (another thread, in threading mode) must not
    make the answer claim a version its view is not at: the client would drop that version's patch as old."""
    from game.commands import StartGame

    games = app.extensions["threatdeck"].games
    real_view = games.view

    def view(game_id: str, seat: Any, *, fresh: bool = False) -> Any:
        answer = real_view(game_id, seat, fresh=fresh)
        # another thread's command is committed and broadcast right after the lock is let go
        games.submit(game_id, lambda _s, now: StartGame(seat=0, now=now), client_id="start", actor="Kim", seat=0)
        return answer

    games.view = view
    kim = Seat(app)
    ack = kim.emit("join", {"token": game["tokens"][0]})
    assert ack["ok"]
    assert (ack["version"], ack["view"]["phase"]) == (ack["view"]["version"], "setup")


def test_a_bot_move_that_fails_to_commit_leaves_the_players_move_acknowledged(app: Any, client: Any) -> None:
    """The bots move after the player's command is committed and broadcast: a bot's commit failing (the database
    gone for a moment) must not answer that stored command as failed, or the player would send it again."""
    g = new_game(client, ("Kim",), bots=3, timing={"turn_seconds": None, "vote_seconds": None,
                                                     "play_seconds": None, "rating_seconds": None})
    rt = app.extensions["threatdeck"]
    kim = Seat(app, g["tokens"][0])
    real_commit = rt.repo.commit
    bot_tried: list[str] = []

    def commit(game_id: str, expected: int, change: Any) -> None:
        if change.command.client_id.startswith("bot:"):
            bot_tried.append(change.command.client_id)
            raise RuntimeError("database is locked")
        real_commit(game_id, expected, change)

    rt.repo.commit = commit
    event, fields = "start", {}
    for _ in range(20):  # Kim moves until a bot wants to move after her
        before = rt.repo.version(g["game_id"])
        ack = kim.command(event, **fields)
        if bot_tried:
            break
        kim.pump()
        move = next_move(kim.view)
        assert move is not None
        event, fields = move
    assert bot_tried
    assert rt.repo.version(g["game_id"]) == before + 1
    assert rt.repo.commands(g["game_id"])[-1].client_id == f"s0:c{kim.n}"
    assert ack["ok"], ack


def test_a_game_that_fails_to_tick_does_not_stop_the_clock_for_the_others() -> None:
    import dataclasses

    from game.commands import StartGame

    class OneRound:
        """Stands in for socketio in the clock loop: one round, then stop."""

        def __init__(self, rt: Any) -> None:
            self.rt, self.rounds = rt, 0

        def sleep(self, _seconds: float) -> None:
            self.rounds += 1
            if self.rounds > 1:
                self.rt.stop()

    clock = FakeClock()
    app = make_app(DATABASE_URL="memory://")
    rt = app.extensions["threatdeck"]
    rt.games.clock = clock
    client = app.test_client()
    timing = {"turn_seconds": 30, "vote_seconds": 60}
    broken, healthy = (new_game(client, timing=timing)["game_id"] for _ in range(2))
    for gid in (broken, healthy):
        rt.games.submit(gid, lambda _s, now: StartGame(seat=0, now=now), client_id="start", actor="Kim", seat=0)
    # The broken game no longer loads (a damaged snapshot), and is not in this process's cache.
    record = rt.repo._games[broken]
    rt.repo._games[broken] = dataclasses.replace(record, snapshot={**record.snapshot, "version": "damaged"})
    rt.games.forget(broken)
    clock.advance(31)
    assert rt.games.due() == [broken, healthy]  # the broken one's passed deadline comes first
    before = rt.repo.version(healthy)
    rt._clock_loop(OneRound(rt))
    assert rt.repo.version(healthy) == before + 1  # its turn deadline took effect


def test_the_export_keeps_every_seats_ratings_secret_until_the_game_ends(
        app: Any, client: Any, game: dict[str, Any]) -> None:
    """The export asks for no token: while seats are still rating it must not show how anyone rated (their views
    show only how many ratings there are); once the game has ended it shows them all."""
    seats = seats_of(app, game)
    seats[0].command("start")
    for _ in range(400):  # play until a threat is accepted, then end play
        for s in seats:
            s.pump()
        if any(t["status"] == "accepted" for t in seats[0].view["threats"]):
            break
        mover = next(s for s in seats if next_move(s.view) is not None)
        event, fields = next_move(mover.view)  # type: ignore[misc]
        assert mover.command(event, **fields)["ok"]
    assert seats[0].command("end_play")["ok"]
    for s in seats:
        s.pump()
    tid = seats[1].view["legal"]["unrated"][0]
    assert seats[1].command("rate", threat=tid, likelihood=5, impact=1)["ok"]
    url = f"/api/games/{game['game_id']}/export"
    row = next(t for t in client.get(url + "?format=json").json["threats"] if t["threat_id"] == tid)
    assert (row["votes"], row["likelihood"], row["risk"]) == ([], None, None)
    import csv

    rows = {r["threat_id"]: r for r in csv.DictReader(client.get(url + "?format=csv").get_data(as_text=True).splitlines())}
    assert (rows[tid]["likelihood"], rows[tid]["impact"], rows[tid]["risk"]) == ("", "", "")
    assert seats[0].command("end_game")["ok"]
    row = next(t for t in client.get(url + "?format=json").json["threats"] if t["threat_id"] == tid)
    assert row["votes"] == [{"seat": 1, "name": "Doug", "likelihood": 5, "impact": 1}]


def test_a_rating_sends_everyone_the_same_update_and_the_rater_its_own_changes_with_it(
        app: Any, game: dict[str, Any]) -> None:
    seats = seats_of(app, game)
    watcher = Seat(app)
    assert watcher.emit("spectate", {"game_id": game["game_id"]})["ok"]
    assert seats[0].command("start")["ok"]
    for _ in range(3000):  # play until the rating phase
        for s in seats + [watcher]:
            s.pump()
        if seats[0].view["phase"] == "rating":  # type: ignore[index]
            break
        move = next((s, m) for s in seats if (m := next_move(s.view)) is not None)  # type: ignore[arg-type]
        assert move[0].command(move[1][0], **move[1][1])["ok"]
    rater = next(s for s in seats if s.view["legal"]["unrated"])  # type: ignore[index]
    threat = rater.view["legal"]["unrated"][0]  # type: ignore[index]
    assert rater.command("rate", threat=threat, likelihood=4, impact=5)["ok"]
    got = {id(s): s.pump() for s in seats + [watcher]}
    assert all(len(u) == 1 for u in got.values())  # one message a connection
    (mine,) = got.pop(id(rater))
    others = [u for (u,) in got.values()]
    assert all(u == others[0] for u in others)  # the same message for every other seat and the spectator
    assert all(path[0] not in OWN_KEYS for path, _ in others[0]["set"])
    assert [["mine", "ratings", threat], {"likelihood": 4, "impact": 5}] in mine["set"]
    # The rater's own parts: its rating, its moves, and what it missed (votes settled without it) now cleared.
    assert [op for op in mine["set"] if op[0][0] not in ("mine", "legal", "missed")] == others[0]["set"]
    assert rater.view["missed"] == []  # type: ignore[index]
    assert rater.view["mine"]["ratings"][threat] == {"likelihood": 4, "impact": 5}  # type: ignore[index]
    assert all(s.view == {**rater.view, **{k: s.view[k] for k in OWN_KEYS}}
               for s in seats + [watcher])  # type: ignore[index]


def test_the_facilitator_calls_a_vote_a_sleeping_voter_holds_up(app: Any, client: Any) -> None:
    g = new_game(client, timing={"play_seconds": None, "rating_seconds": None, "turn_seconds": None,
                                 "vote_seconds": None})
    kim, doug, sam, _hannah = seats_of(app, g)
    assert kim.command("start")["ok"]
    target = doug.view["architecture"]["components"][0]["id"]  # type: ignore[index]
    assert doug.command("add_threat", target=target, suit="S", text="a forged token is accepted")["ok"]
    assert sam.command("vote", threat="T1", accept=True)["ok"]
    for s in (kim, doug, sam):
        s.pump()
    assert "CloseVote" in kim.view["legal"]["facilitator"]  # type: ignore[index]
    refused = sam.command("close_vote", threat="T1")
    assert refused["error"]["code"] == "forbidden"
    assert kim.command("close_vote", threat="T1")["ok"]
    update = kim.pump()[-1]
    assert [e["type"] for e in update["events"]] == ["VoteCalled", "ThreatAccepted"]
    assert kim.view["threats"][0]["status"] == "accepted"  # type: ignore[index]
    assert kim.view["threats"][0]["vote"] == {"yes": [2], "no": []}  # type: ignore[index]
    assert kim.command("close_vote", threat="T1")["error"]["code"] == "vote_closed"


def test_no_cookie_session_is_opened_for_a_socket_event_or_a_request(app: Any, game: dict[str, Any],
                                                                      monkeypatch: Any) -> None:
    """Nothing uses Flask's session; opening it (a signer built per request context) cost a twentieth of the
    server's work when every seat of a hundred games came back at once."""
    from flask import session
    from flask.sessions import SecureCookieSessionInterface

    def refuse(*_: Any) -> Any:
        raise AssertionError("a cookie session was opened")

    monkeypatch.setattr(SecureCookieSessionInterface, "open_session", refuse)
    kim = Seat(app, game["tokens"][0])
    assert kim.command("start")["ok"]
    kim.c.disconnect()
    r = app.test_client().get(f"/api/games/{game['game_id']}")
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    with app.test_request_context("/"):
        try:
            session["x"] = 1
        except RuntimeError:
            pass  # a null session refuses a write: nothing can start depending on one unnoticed
        else:
            raise AssertionError("the session took a write")


def test_an_unknown_verdict_tells_every_seat_and_the_rest_api_what_the_model_lacks(app: Any, client: Any) -> None:
    """A rule that cannot decide sends, beside its reason, the attributes the model lacks (``gaps``) to every
    seat, in the patch that adds the threat, and in the public view of ``GET /api/games/<id>``."""
    game = new_game(client, ("Kim", "Doug", "Sam"), start_suit="E")  # E6, E8 and E5 wait on facts the fixture lacks
    seats = seats_of(app, game)
    assert seats[0].command("start")["ok"]
    state = app.extensions["threatdeck"].games.live(game["game_id"]).state
    card = state.card(state.must_lead)
    waiting = [(t, v) for t in state.board.targets(card) if (v := state.board.judge(card, t)).truth is Truth.UNKNOWN]
    assert waiting, card.id
    target, verdict = waiting[0]
    gaps = [{"kind": g.kind, "id": g.id, "attr": g.attr} for g in verdict.gaps]
    assert gaps
    leader = seats[state.turn]
    for s in seats:
        s.pump()
    assert leader.command("play_card", card=card.id, target=target.id)["ok"]
    for s in seats:
        updates = s.pump()
        threat = s.view["threats"][0]  # type: ignore[index]
        assert (threat["truth"], threat["reason"], threat["gaps"]) == ("unknown", verdict.reason, gaps)
        assert any(json.dumps(gaps) in json.dumps(u) for u in updates)
    public = client.get(f"/api/games/{game['game_id']}").json["view"]
    assert public["threats"][0]["gaps"] == gaps
    described = client.get("/api/openapi.json").json["components"]["schemas"]["Game"]["properties"]["view"]
    assert "gaps: [{kind: component|flow, id, attr}]" in described["description"]
