"""Whole games over the real socket handlers while tabs come and go: every tab's view, built only from what it was
sent (whole views, then patches applied with ``server.client.apply_patch``), is its seat's true view after every
step, and nothing sent to a tab carries another seat's own parts.

Seeded and deterministic: Socket.IO's test clients run every handler synchronously. Each step does one thing a
table does: a seat opens a tab (with ``join``, or its token in the connect ``auth``) or a second one, a tab closes,
reconnects, turns to watching or to another seat, asks for ``sync``; someone spectates; a player joins before the
start; the clock runs out a turn or a vote; a broadcast fails half-way (and the server's clock sends the game's
views again on its next pass, with no move needed); the server lets go of its copy of the game; a seat moves (cards,
passes, notes, votes yes and no, ratings, the facilitator's skips, removals, closed votes, a take-over while the
facilitator is away).
"""

from __future__ import annotations

import contextlib
import logging
import random
from types import SimpleNamespace
from typing import Any

from serverkit import HR, FakeClock, make_app

from game.state import GameState
from game.views import OWN_KEYS, view_for
from server import socketio
from server.client import apply_patch, leaked_cards

NAMES = ("Kim", "Doug", "Sam", "Hannah")
AWAY = 5.0
"""FACILITATOR_AWAY_SECONDS in these games: a take-over comes within a few steps of the facilitator leaving."""


class Table:
    """The server, one game on it, and what every version of that game was (to check the tabs against)."""

    def __init__(self, bots: int, shared: bool) -> None:
        self.clock = FakeClock()
        self.app = make_app(FACILITATOR_AWAY_SECONDS=AWAY)
        self.rt = self.app.extensions["threatdeck"]
        self.rt.games.clock = self.clock
        self.http = self.app.test_client()
        self.states: dict[int, GameState] = {}
        self.truths: dict[tuple[int, int | None], dict[str, Any]] = {}
        self.behind = False
        """A broadcast failed, and none went out since: tabs may still hold the version before it."""
        self.published = -1
        """The newest version broadcast."""
        self.repeated: set[int] = set()
        """Versions broadcast again (whole views, after a failure): tabs that have them keep what they hold."""
        self.fail_in: int | None = None
        """Fail the broadcast's emit after this many more (None: do not)."""
        self.down = False
        """Fail every emit (the message queue is gone for a while)."""
        self.failures = 0
        self.sent = 0
        """Commands sent: each gets a fresh client id, whichever tab of its seat sends it."""
        broadcaster = self.rt.games.publish.__self__
        broadcaster.shared = shared  # rooms as several processes see them: each seat's room gets its own message
        emit, publish = broadcaster._emit, self.rt.games.publish

        def failing_emit(data: dict[str, Any], room: str, skip: list[str] | None = None) -> None:
            if self.down:
                self.failures += 1
                self.behind = True
                raise RuntimeError("the message queue is down")
            if self.fail_in is not None:
                if self.fail_in == 0:
                    self.fail_in = None
                    self.failures += 1
                    self.behind = True
                    raise RuntimeError("the message queue went away")
                self.fail_in -= 1
            emit(data, room, skip)

        def recording(live: Any, events: Any) -> None:
            self.states[live.version] = live.state
            if live.version <= self.published:
                self.repeated.add(live.version)
            self.published = max(self.published, live.version)
            failures = self.failures
            publish(live, events)
            if self.failures == failures:
                self.behind = False

        broadcaster._emit = failing_emit
        self.rt.games.publish = recording
        upload = self.http.post("/api/architectures", data=HR, content_type="application/yaml").json["id"]
        timing = {"turn_seconds": 30, "vote_seconds": 60, "play_seconds": None, "rating_seconds": None}
        created = self.http.post("/api/games", json={"architecture": upload, "name": NAMES[0], "seats": len(NAMES),
                                                      "bots": bots, "timing": timing}).json
        self.game_id: str = created["game_id"]
        self.tokens: list[str] = [created["facilitator"]["token"]]
        self.note()

    @property
    def state(self) -> GameState:
        return self.rt.games.live(self.game_id).state  # type: ignore[no-any-return]

    def note(self) -> None:
        self.states[self.state.version] = self.state

    def truth(self, version: int, seat: int | None) -> dict[str, Any]:
        key = (version, seat)
        if key not in self.truths:
            self.truths[key] = view_for(self.states[version], seat)
        return self.truths[key]

    def clock_pass(self) -> None:
        """One pass of the server's own clock loop, as its background task runs it every second."""
        with contextlib.suppress(ClockStopped):
            self.rt._clock_loop(OnePass())

    def join_seat(self) -> None:
        name = NAMES[len(self.tokens)]
        r = self.http.post(f"/api/games/{self.game_id}/seats", json={"name": name})
        assert r.status_code == 201, r.json
        self.tokens.append(r.json["token"])
        self.note()


class ClockStopped(Exception):
    """Ends the server's clock loop after its pass."""


class OnePass:
    """Stands in for socketio in the server's clock loop: it sleeps once, then the loop is stopped."""

    def __init__(self) -> None:
        self.slept = False

    def sleep(self, _seconds: float) -> None:
        if self.slept:
            raise ClockStopped
        self.slept = True


class Tab:
    """One browser tab: a Socket.IO test client keeping its view as web/src/connection.js does."""

    def __init__(self, table: Table, seat: int | None, via_auth: bool = False) -> None:
        self.table = table
        self.seat: int | None = None
        self.view: dict[str, Any] | None = None
        self.version = -1
        self.seen: list[tuple[Any, dict[str, Any]]] = []
        """Every payload with the view held right after it (for ``leaked_cards``)."""
        self.checked: dict[str, Any] | None = None
        """The view last found equal to the seat's true view."""
        auth = {"token": table.tokens[seat]} if via_auth and seat is not None else None
        self.c = socketio.test_client(table.app, auth=auth)
        if auth is not None:
            self.seat = seat
            self.pump()
            assert self.view is not None
        elif seat is None:
            self.spectate()
        else:
            self.join(seat)

    # ------------------------------------------------------------------ what the server says

    def take_ack(self, ack: dict[str, Any], sync: bool = False) -> None:
        assert ack["ok"], ack
        assert ack["seat"] == self.seat and ack["game_id"] == self.table.game_id
        # The whole view of the version it names, for this seat: nobody else's hand, moves, votes or ratings.
        assert ack["view"] == self.table.truth(ack["version"], self.seat), (self.seat, ack["version"])
        if not sync or ack["version"] > self.version:
            self.view, self.version = ack["view"], ack["version"]
        self.seen.append((ack, self.view))  # type: ignore[arg-type]

    def take_update(self, u: dict[str, Any]) -> None:
        assert u["game_id"] == self.table.game_id
        truth = self.table.truth(u["version"], self.seat)
        if u["version"] <= self.version:
            # Only the whole views sent again after a failed broadcast repeat a version: kept as it is held.
            assert u["base"] is None and u["version"] in self.table.repeated, (self.seat, u["version"], self.version)
            assert u["view"] == truth and u["version"] == self.version, (self.seat, u["version"], self.version)
            self.seen.append((u, self.view))
            return
        # One message a change, and never one the tab cannot take (it would have to sync).
        if u["base"] is None:
            assert u["view"] == truth, (self.seat, u["version"])
            self.view = dict(u["view"])
        else:
            assert u["base"] == self.version and self.view is not None, (self.seat, u["base"], self.version)
            for path, value in u["set"]:
                if path[0] in OWN_KEYS:  # a seat's own parts go only to that seat, and as they are
                    assert self.seat is not None, (path, u["version"])
                    node: Any = truth
                    for key in path:
                        node = node[key]
                    assert node == value, (self.seat, path, u["version"])
            for path, _ in u["sizes"]:
                assert path[0] not in OWN_KEYS or self.seat is not None, (path, u["version"])
            self.view = apply_patch(self.view, u)
        self.version = u["version"]
        self.seen.append((u, self.view))

    def pump(self) -> None:
        for m in self.c.get_received():
            if m["name"] == "joined":
                self.take_ack(m["args"][0])
            elif m["name"] == "update":
                self.take_update(m["args"][0])

    # ------------------------------------------------------------------ what the tab does

    def emit(self, event: str, payload: Any) -> Any:
        self.pump()  # what came before the answer is taken first, as a socket delivers it
        return self.c.emit(event, payload, callback=True)

    def join(self, seat: int) -> None:
        ack = self.emit("join", {"token": self.table.tokens[seat]})
        self.seat = seat
        self.take_ack(ack)

    def spectate(self) -> None:
        ack = self.emit("spectate", {"game_id": self.table.game_id})
        self.seat = None
        self.take_ack(ack)

    def sync(self) -> None:
        self.take_ack(self.emit("sync", {}), sync=True)

    def command(self, event: str, fields: dict[str, Any]) -> Any:
        self.table.sent += 1
        ack = self.emit(event, {"client_id": f"c{self.table.sent}", **fields})
        assert not ack.get("duplicate"), ack
        return ack

    def close(self) -> None:
        self.pump()
        self.c.disconnect()


def choose_move(rng: random.Random, state: GameState, view: dict[str, Any],
                steps: int) -> tuple[str, dict[str, Any]] | None:
    """A move the seat whose view this is may make now, picked at random (None: it has none)."""
    legal, seat = view["legal"], view["you"]
    options: list[tuple[float, str, dict[str, Any]]] = []
    if "StartGame" in legal["facilitator"] and len([s for s in view["seats"] if not s["bot"]]) >= 3:
        options.append((5, "start", {}))
    for card in legal["playable"]:
        target = rng.choice(legal["targets"].get(card) or [None])
        options.append((6 / len(legal["playable"]), "play_card",
                        {"card": card, "target": target, "text": f"{card} on {target}" if target else None}))
    if legal["can_pass"]:
        options.append((0.6, "pass", {}))
    if legal["can_add_threat"]:
        target = rng.choice(view["architecture"]["components"])["id"]
        options.append((0.2, "add_threat", {"target": target, "suit": rng.choice("STRIDE"), "text": f"note {steps}"}))
    for threat in legal["votable"]:
        options.append((2, "vote", {"threat": threat, "accept": rng.random() < 0.7}))
    for threat in legal["unrated"]:
        options.append((1, "rate", {"threat": threat, "likelihood": rng.randint(1, 5), "impact": rng.randint(1, 5)}))
    if legal["can_finish_rating"]:
        options.append((0.5 if legal["unrated"] else 2, "finish_rating", {}))
    if "SkipSeat" in legal["facilitator"] and state.turn is not None:
        options.append((0.2, "skip_seat", {"target_seat": state.turn}))
    if "CloseVote" in legal["facilitator"]:
        voting = [t["id"] for t in view["threats"] if t["status"] == "voting"]
        options.append((0.5, "close_vote", {"threat": rng.choice(voting)}))
    if "RemoveSeat" in legal["facilitator"] and view["phase"] != "setup" and all(s["present"] for s in view["seats"]):
        others = [s["seat"] for s in view["seats"] if s["present"] and s["seat"] != seat]
        options.append((0.05, "remove_seat", {"target_seat": rng.choice(others)}))
    # Games of a bounded length: the facilitator ends the play, then the game.
    if "EndPlay" in legal["facilitator"] and steps > 130:
        options.append((2, "end_play", {}))
    if "EndGame" in legal["facilitator"] and steps > 190:
        options.append((5, "end_game", {}))
    if not options:
        return None
    _, event, fields = rng.choices(options, weights=[w for w, _, _ in options])[0]
    return event, fields


def play(seed: int, bots: int, shared: bool) -> dict[str, int]:
    """Play one game, checking every tab after every step; returns how often each thing happened."""
    rng = random.Random(seed)
    table = Table(bots, shared)
    tabs: list[Tab] = []
    closed: list[Tab] = []
    counts: dict[str, int] = {}

    def count(what: str, n: int = 1) -> None:
        counts[what] = counts.get(what, 0) + n

    def open_tab(seat: int | None) -> Tab:
        tab = Tab(table, seat, via_auth=seat is not None and rng.random() < 0.5)
        tabs.append(tab)
        count("tabs")
        return tab

    def close(tab: Tab) -> None:
        tabs.remove(tab)
        closed.append(tab)
        tab.close()
        count("closed")

    ended = 0
    for steps in range(1000):
        state = table.state
        phase = state.phase.value
        if phase == "ended":  # tabs still come and go on the results
            ended += 1
            if ended > 12:
                break
        humans = [s.id for s in state.seats if not s.bot]
        facilitator = state.settings.facilitator
        roll = rng.random()
        if roll < 0.06 and len(tabs) < 8:  # a seat opens a tab (maybe its second), or someone watches
            open_tab(rng.choice(humans + [None]))
        elif roll < 0.11 and tabs:  # a tab closes (a laptop sleeps), sometimes to come straight back
            tab = rng.choice(tabs)
            close(tab)
            if rng.random() < 0.4:
                open_tab(tab.seat)
                count("reconnected")
        elif roll < 0.125:  # the facilitator steps out: all its tabs close
            for tab in [t for t in tabs if t.seat == facilitator]:
                close(tab)
        elif roll < 0.15 and tabs:  # a tab turns to watching (the shared screen), or to another seat's link
            tab = rng.choice(tabs)
            target = rng.choice(humans + [None])
            if target is None:
                tab.spectate()
            else:
                tab.join(target)
            count("switched")
        elif roll < 0.16 and tabs:
            rng.choice(tabs).sync()
        elif roll < 0.18 and phase in ("play", "rating"):  # the clock runs out a turn or a vote
            table.clock.advance(rng.choice([1, 20, 40, 70]))
            outcome = table.rt.games.tick(table.game_id)
            count("ticks", bool(outcome and outcome.applied))
        elif roll < 0.20:  # the next broadcast fails after a few of its messages
            table.fail_in = rng.randrange(4)
        elif roll < 0.21:  # the process lets go of its copy of the game (its cache is full): the next is loaded
            table.rt.games.forget(table.game_id)
            count("reloaded")
        elif roll < 0.25 and phase == "setup" and len(table.tokens) < len(NAMES):
            table.join_seat()
        elif roll < 0.31 and phase == "play" and not any(t.seat == facilitator for t in tabs):
            # Someone takes over once the facilitator has been away for long enough.
            takers = [t for t in tabs if t.seat is not None and t.seat != facilitator and state.seats[t.seat].present]
            if takers:
                table.clock.advance(AWAY + 1)
                count("take_over", bool(rng.choice(takers).command("take_over", {})["ok"]))
        else:  # a seat moves, from one of its tabs (opening one if it has none)
            movers = [(seat, move) for seat in humans
                      if (move := choose_move(rng, state, table.truth(state.version, seat), steps)) is not None]
            if movers:
                seat, (event, fields) = rng.choice(movers)
                mine = [t for t in tabs if t.seat == seat] or [open_tab(seat)]
                ack = rng.choice(mine).command(event, fields)
                count(event if ack["ok"] else f"refused:{ack['error']['code']}")
        table.note()
        if table.behind:  # a broadcast failed and nothing went out since: no move comes, only the server's clock
            table.clock_pass()
            table.note()
            count("resent", not table.behind)
        # Every tab, having taken what it was sent, holds its seat's true view of the game now.
        now = table.state
        for tab in tabs:
            tab.pump()
            assert tab.version == now.version, (steps, tab.seat, tab.version, now.version)
            if tab.checked is not tab.view:  # (a view the tab holds is never changed in place: see apply_patch)
                assert tab.view == table.truth(tab.version, tab.seat), (steps, tab.seat, tab.version)
                tab.checked = tab.view
    assert table.state.phase.value == "ended", counts
    for tab in tabs:
        tab.close()
    for tab in tabs + closed:
        assert leaked_cards(tab) == [], tab.seat  # type: ignore[arg-type]
        count("whole", sum(1 for p, _ in tab.seen if "base" in p and p["base"] is None))
        count("patches", sum(1 for p, _ in tab.seen if p.get("base") is not None))
    count("failures", table.failures)
    table.rt.stop()
    return counts


GAMES = [(1, 0, False), (2, 1, False), (3, 0, True), (4, 1, True)]
"""(seed, bots, shared rooms) of the games played: each seat's room gets its own message when rooms are shared."""


def test_every_tab_holds_its_seats_true_view_through_tabs_coming_and_going(monkeypatch: Any, caplog: Any) -> None:
    caplog.set_level(logging.CRITICAL, logger="threatdeck.games")  # the failed broadcasts are logged
    total: dict[str, int] = {}
    for seed, bots, shared in GAMES:
        # The deal is seeded too (the server draws a game's seed at random).
        monkeypatch.setattr("server.games.secrets", SimpleNamespace(randbits=random.Random(seed).getrandbits))
        counts = play(seed, bots, shared)
        assert counts["tabs"] > 10 and counts["closed"] > 5 and counts["patches"] > 100, (seed, counts)
        for what, n in counts.items():
            total[what] = total.get(what, 0) + n
    # Between them, the games went through what the test is about.
    for what in ("switched", "reconnected", "failures", "resent", "reloaded", "ticks", "take_over", "remove_seat",
                 "close_vote", "skip_seat", "pass", "play_card", "vote", "rate", "finish_rating", "end_play", "end_game"):
        assert total.get(what), (what, total)


def test_a_broadcast_that_failed_part_way_reaches_every_tab_with_no_move_after_it(caplog: Any) -> None:
    """A quiet moment (everyone waits for one seat): the rooms a failed broadcast missed are sent the game's views by
    the server's clock, at once, then less and less often while sending keeps failing; also for the last broadcast
    of a game, and when the process has let go of its copy of the game meanwhile."""
    caplog.set_level(logging.CRITICAL, logger="threatdeck.games")
    table = Table(bots=0, shared=False)
    table.join_seat()
    table.join_seat()
    tabs = [Tab(table, 0), Tab(table, 1), Tab(table, 2), Tab(table, None)]
    tabs[0].command("start", {})

    def held() -> set[int]:
        for tab in tabs:
            tab.pump()
        return {tab.version for tab in tabs}

    def every_tab_current() -> None:
        assert held() == {table.state.version}
        for tab in tabs:
            assert tab.view == table.truth(tab.version, tab.seat), tab.seat

    def move() -> None:  # the seat on turn plays its first playable card
        seat = table.state.turn
        assert seat is not None
        card = table.truth(table.state.version, seat)["legal"]["playable"][0]
        assert tabs[seat].command("play_card", {"card": card, "target": None, "text": None})["ok"]

    every_tab_current()
    # The part every seat sees alike reaches the game's room, then the player's own room fails.
    table.fail_in = 1
    move()
    version = table.state.version
    assert table.failures == 1 and held() == {version - 1, version}
    table.clock_pass()
    every_tab_current()
    assert version in table.repeated  # the tabs that had it were sent it again, and kept theirs

    # The queue is down: the broadcast fails, and so does the clock's first try at once; then it waits 2 s, 4 s...
    table.down = True
    move()
    assert table.failures == 2
    table.clock_pass()
    assert table.failures == 3
    table.clock_pass()
    assert table.failures == 3  # (not tried again within the 2 s)
    table.clock.advance(2)
    table.clock_pass()
    assert table.failures == 4
    table.down = False
    table.clock.advance(3)
    table.clock_pass()
    assert held() == {table.state.version - 1}
    table.clock.advance(1)
    table.clock_pass()
    every_tab_current()
    table.clock_pass()
    assert table.failures == 4 and not table.rt.games.resends_due()

    # The game's last broadcast fails, and the process lets go of its copy before the clock comes round.
    table.fail_in = 0
    assert tabs[0].command("end_game", {})["ok"]
    table.rt.games.forget(table.game_id)
    assert table.failures == 5 and table.state.phase.value == "ended"
    assert held() == {table.state.version - 1}
    table.clock_pass()
    every_tab_current()
    for tab in tabs:
        assert leaked_cards(tab) == [], tab.seat  # type: ignore[arg-type]
    table.rt.stop()
