"""When a game next needs the clock: the soonest of its turn, play, rating and open-vote deadlines."""

from __future__ import annotations

import dataclasses

from serverkit import HR

from cards import load_deck
from game import engine
from game.cards import Suit
from game.commands import AddThreat, StartGame
from game.importers import load_architecture
from game.state import GameState, SeatSpec, Settings
from game.threats import ThreatStatus
from server.games import next_deadline


def reference(state: GameState) -> float | None:
    times = [t for t in (state.turn_deadline, state.play_deadline, state.rating_deadline) if t is not None]
    times += [t.vote_deadline for t in state.threats if t.status is ThreatStatus.VOTING and t.vote_deadline is not None]
    return min(times) if times else None


def test_the_soonest_deadline_of_every_kind() -> None:
    arch = load_architecture(HR, "hr.yaml")
    settings = Settings(seats=tuple(SeatSpec(n) for n in ("Kim", "Doug", "Sam", "Hannah")), facilitator=0,
                        vote_seconds=30.0, turn_seconds=90.0, play_seconds=None, rating_seconds=None)
    state = engine.new_game(settings, arch, load_deck("serverless-stride"), 7)
    assert next_deadline(state) is None  # setup: nothing is due
    state, _ = engine.apply(state, StartGame(seat=0, now=1000.0))
    assert next_deadline(state) == reference(state) == state.turn_deadline == 1090.0
    for seat, (now, target) in enumerate([(1001.0, "HrApi"), (1002.0, "PayslipTable")], start=1):
        state, _ = engine.apply(state, AddThreat(seat=seat, target=target, suit=Suit.TAMPERING,
                                                 text=f"{target} can be changed", now=now))
    voting = [t for t in state.threats if t.status is ThreatStatus.VOTING]
    assert len(voting) == 2 and voting[0].vote_deadline == 1031.0
    assert next_deadline(state) == reference(state) == 1031.0  # the first open vote, before the turn's end
    late = dataclasses.replace(state, turn_deadline=1010.0)
    assert next_deadline(late) == reference(late) == 1010.0
    closed = dataclasses.replace(state, threats=tuple(dataclasses.replace(t, status=ThreatStatus.ACCEPTED)
                                                      for t in state.threats))
    assert next_deadline(closed) == reference(closed) == 1090.0
