"""The server's memoised views are exactly the engine's ``view_for``, for every seat at every version."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

import pytest
from serverkit import HR

from cards import load_deck
from game.bots import next_bot_command
from game.engine import apply, new_game
from game.importers import load_architecture
from game.state import SeatSpec, Settings
from game.views import view_for
from server.views import ViewBuilder


@pytest.mark.parametrize("seats,seed", [(4, 1), (6, 2), (3, 3)])
def test_memoised_views_equal_the_engines_views_through_whole_games(seats: int, seed: int) -> None:
    arch = load_architecture(HR, "hr.yaml")
    settings = Settings(seats=tuple(SeatSpec(f"P{i}", bot=True) for i in range(seats)),
                        turn_seconds=None, vote_seconds=None, play_seconds=None, rating_seconds=None)
    state = new_game(settings, arch, load_deck(), seed)
    builder = ViewBuilder()
    steps = 0
    while True:
        for seat in [*range(seats), None]:
            assert builder.view_for(state, seat) == view_for(state, seat), (state.version, seat)
        command = next_bot_command(state, float(steps))
        if command is None:
            break
        state, _ = apply(state, command)
        steps += 1
        if steps == 30:  # a seat removed changes electorates and present seats
            state, _ = apply(state, __import__("game.commands", fromlist=["RemoveSeat"]).RemoveSeat(
                seat=0, target_seat=seats - 1, now=float(steps)))
    assert state.phase.value == "ended" and steps > 50
    # Old states still render right (a reload, a lagging process).
    assert builder.view_for(dataclasses.replace(state), 0) == view_for(state, 0)


class _FakeSocketIO:
    """Records what each room is sent, as JSON, the way it leaves the server; its rooms are set by the test."""

    def __init__(self) -> None:
        self.rooms: dict[str, dict[str, str]] = {}
        self.server = SimpleNamespace(manager=SimpleNamespace(rooms={"/": self.rooms}), emit=self.emit)
        self.sent: list[tuple[str, list[str], dict[str, object]]] = []

    def emit(self, event: str, data: dict[str, object], to: str, skip_sid: Any = None, namespace: str = "/") -> None:
        import orjson

        assert event == "update" and namespace == "/"
        self.sent.append((to, list(skip_sid or ()), orjson.loads(orjson.dumps(data))))


class _Live:
    """What the broadcaster reads and keeps of a game (server.games.Live without the database)."""

    def __init__(self, state: Any) -> None:
        self.id, self.state, self.version, self.views = "g1", state, state.version, ViewBuilder()
        self.last_public: Any = None
        self.last_own: dict[int, Any] = {}

    def forget_views(self) -> None:
        self.last_public, self.last_own = None, {}


@pytest.mark.parametrize("seats,seed", [(4, 5), (6, 6)])
def test_patches_rebuild_every_seats_view_at_every_version(seats: int, seed: int) -> None:
    """What each connection holds after every ``update`` (whole or patch) is exactly ``view_for``; each gets one
    message a change, the same one for all whose own parts did not change."""
    from game.commands import RemoveSeat
    from server.client import apply_patch, next_move
    from server.sockets import ACTIONS, Broadcaster, game_room, seat_room, watch_room

    arch = load_architecture(HR, "hr.yaml")
    settings = Settings(seats=tuple(SeatSpec(f"P{i}") for i in range(seats)),
                        turn_seconds=None, vote_seconds=None, play_seconds=None, rating_seconds=None)
    state = new_game(settings, arch, load_deck(), seed)
    sio = _FakeSocketIO()
    live = _Live(state)
    broadcaster = Broadcaster(sio)
    held: dict[int | None, Any] = {}
    whole = patched = shared = own = 0
    steps = 0
    previous = state
    sids: dict[int | None, str] = {seat: f"sid{seat}" for seat in range(seats)}
    sids[None] = "watcher"

    def away(seat: int | None) -> bool:
        return seat == 1 and 40 <= steps < 60

    while True:
        # Seat 1 is away (its rooms empty) for a while; it comes back through a join (a whole view), then patches.
        here = [seat for seat in sids if not away(seat)]
        sio.rooms.clear()
        sio.rooms[game_room("g1")] = {sids[seat]: "e" for seat in here}
        sio.rooms[watch_room("g1")] = {"watcher": "e"}
        for seat in here:
            if seat is not None:
                sio.rooms[seat_room("g1", seat)] = {sids[seat]: "e"}
        if steps == 60:
            held[1] = view_for(previous, 1)  # the join's acknowledgement, before the next broadcast
        live.state, live.version = state, state.version
        sio.sent.clear()
        broadcaster.publish(live, ())  # type: ignore[arg-type]
        got: dict[int | None, list[dict[str, Any]]] = {seat: [] for seat in here}
        for room, skip, data in sio.sent:
            for seat in here:
                if sids[seat] in sio.rooms.get(room, {}) and sids[seat] not in skip:
                    got[seat].append(data)
        for seat in here:
            (data,) = got[seat]  # one message a connection
            if data["base"] is None:
                held[seat] = dict(data["view"])
                whole += 1
            else:
                assert held[seat]["version"] == data["base"], (seat, data["base"])
                held[seat] = apply_patch(held[seat], data)
                patched += 1
            assert held[seat] == view_for(state, seat), (state.version, seat)
        shared += sum(1 for room, _, _ in sio.sent if room == game_room("g1"))
        own += sum(1 for room, _, _ in sio.sent if room.startswith("game:g1:seat:"))
        # The players act as the load benchmark's seats do, through the socket layer's command builders.
        move = next((m, seat) for seat in range(seats) if (m := next_move(view_for(state, seat))) is not None) \
            if state.phase.value != "ended" else None
        if move is None:
            break
        (event, fields), seat = move
        data = {"expected_version": None, "card": None, "target": None, "text": None, "suit": None, **fields}
        previous = state
        state, _ = apply(state, ACTIONS[event].build(data, seat, float(steps)))
        steps += 1
        if steps == 25:
            state, _ = apply(state, RemoveSeat(seat=0, target_seat=seats - 1, now=float(steps)))
    assert state.phase.value == "ended"
    assert whole == seats + 1 and patched > 50 * seats
    assert shared == steps  # every change after the first went out once to the game's room
    # Most changes touch one or two seats' own parts (a rating: the rater's), not every seat's.
    assert steps < own < 2 * steps, (own, steps)


def test_an_ended_game_lets_go_of_its_views_and_still_shows_them() -> None:
    """After the last broadcast of a game, its views are not held for patches; asked for again, they are the same."""
    from server.client import next_move
    from server.games import Games, NewGame
    from server.repository import InMemoryGameRepository
    from server.sockets import ACTIONS

    published: list[int] = []

    def publish(live: Any, events: Any) -> None:  # as the broadcaster does: keep what was sent
        published.append(live.version)
        live.last_public = (live.version, live.views.public(live.state))
        live.last_own[0] = live.views.own(live.state, 0)

    games = Games(InMemoryGameRepository(), ttl=3600, upload_ttl=3600, max_components=100, publish=publish)
    arch = load_architecture(HR, "hr.yaml")
    timing = {"play_seconds": None, "rating_seconds": None, "turn_seconds": None, "vote_seconds": None}
    live, _, _ = games.create(NewGame(architecture=arch, document=HR, deck="serverless-stride", facilitator="Kim",
                                      max_seats=3, timing=timing))
    for name in ("Doug", "Sam"):
        games.join(live.id, name)
    for n in range(2000):
        state = games.live(live.id).state
        if state.phase.value == "ended":
            break
        views = {seat: games.view(live.id, seat)[2] for seat in range(3)}
        assert games.live(live.id).last_public[0] == state.version  # held for the next patch while it goes on
        event, fields, seat = next((*m, seat) for seat in range(3) if (m := next_move(views[seat])) is not None)
        data = {"expected_version": None, "card": None, "target": None, "text": None, "suit": None, **fields}
        games.submit(live.id, lambda _s, now, d=data, e=event, s=seat: ACTIONS[e].build(d, s, now),
                     client_id=f"c{n}", actor=f"seat {seat}", seat=seat)
    ended = games.live(live.id)
    assert ended.state.phase.value == "ended" and published[-1] == ended.version
    assert ended.last_public is None and ended.last_own == {} and ended.views._state is None  # let go at the end
    for seat in (0, 1, 2, None):
        assert games.view(live.id, seat)[2] == view_for(ended.state, seat)
