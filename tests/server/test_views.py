"""The server's memoised views are exactly the engine's ``view_for``, for every seat at every version."""

from __future__ import annotations

import dataclasses

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
