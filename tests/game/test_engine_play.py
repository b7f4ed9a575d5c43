"""Tricks and turns: following suit, winning, leading, passing, timeouts, absent seats, the end of play."""

from __future__ import annotations

from collections import Counter

import pytest
from gamekit import TINY_IDS, card_places, table

from game.architecture import Architecture
from game.commands import Command, EndGame, EndPlay, PassTurn, PlayCard, RemoveSeat, SkipSeat, Tick
from game.deck import Deck
from game.engine import apply, legal_moves, playable
from game.errors import MustFollowSuit, NotYourTurn
from game.events import (
    CardPlayed,
    Event,
    GameEnded,
    PlayEnded,
    SeatRemoved,
    SeatSkipped,
    TrickPassed,
    TrickWon,
    TurnPassed,
    TurnStarted,
)
from game.state import GameState, Phase


def run(state: GameState, *commands: Command) -> tuple[GameState, list[Event]]:
    events: list[Event] = []
    for c in commands:
        state, more = apply(state, c)
        events += more
    return state, events


def kinds(events: list[Event]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_a_trick_goes_round_and_the_winner_leads(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "SP2"), ("TA4", "SP3"), ("TA3", "IN2")])
    s, events = run(s, PlayCard(seat=0, card_id="TA2"), PlayCard(seat=1, card_id="TA4"), PlayCard(seat=2, card_id="TA3", now=5.0))
    assert kinds(events) == ["CardPlayed", "TurnStarted", "CardPlayed", "TurnStarted", "CardPlayed", "TrickWon", "TurnStarted"]
    won = events[5]
    assert isinstance(won, TrickWon) and (won.seat, won.card_id, won.trick) == (1, "TA4", 1)
    assert s.seats[1].points == 1 and s.seats[1].tricks == 1
    assert s.turn == 1 and s.trick is not None and s.trick.number == 2 and s.trick.leader == 1
    assert s.tricks[0].winner == 1 and s.tricks[0].card_ids() == ("TA2", "TA4", "TA3")
    assert s.turn_deadline == 5.0 + 90
    assert s.version == 3


def test_must_follow_suit_but_may_slough_without_it(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3", "SP3"), ("IN2", "EL3")])
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2"))
    with pytest.raises(MustFollowSuit):
        apply(s, PlayCard(seat=1, card_id="SP3"))
    assert playable(s, 1) == ("TA3",)
    moves = legal_moves(s, 1)
    assert moves.playable == ("TA3",) and [(b.card_id, b.code) for b in moves.blocked] == [("SP3", "must_follow_suit")]
    s, _ = apply(s, PlayCard(seat=1, card_id="TA3"))
    # Cat has no Tampering: anything goes, and trump wins.
    assert playable(s, 2) == ("IN2", "EL3")
    s, events = apply(s, PlayCard(seat=2, card_id="EL3"))
    assert any(isinstance(e, TrickWon) and e.seat == 2 for e in events)


def test_not_your_turn_lists_nothing_playable(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)])
    assert playable(s, 1) == ()
    assert [b.code for b in legal_moves(s, 1).blocked] == ["not_your_turn"]
    with pytest.raises(NotYourTurn):
        apply(s, PassTurn(seat=1))


def test_pass_keeps_the_card_and_moves_the_turn(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)])
    s, events = run(s, PlayCard(seat=0, card_id="TA2"), PassTurn(seat=1))
    assert kinds(events)[-2:] == ["TurnPassed", "TurnStarted"]
    assert s.hands[1] == ("TA3",) and s.turn == 2 and s.trick is not None and s.trick.passed == (1,)
    s, _ = apply(s, PlayCard(seat=2, card_id="TA4"))
    # Bob passed and still holds a card, so the game goes on with him.
    assert s.phase is Phase.PLAY and s.tricks[-1].winner == 2 and s.turn == 1


def test_timeout_passes_on_tick_and_on_any_late_command(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], clock=0.0)
    same, events = apply(s, Tick(now=89.0))
    assert same is s and events == []
    s2, events = apply(s, Tick(now=90.0))
    assert kinds(events) == ["TurnPassed", "TurnStarted"]
    passed = events[0]
    assert isinstance(passed, TurnPassed) and passed.reason == "timeout" and passed.seat == 0
    assert s2.turn == 1 and s2.turn_deadline == 180.0 and s2.version == s.version + 1
    # Ann's late card: her turn passed first, so she is told it is not her turn, and nothing changes.
    with pytest.raises(NotYourTurn):
        apply(s, PlayCard(seat=0, card_id="TA2", now=95.0))
    # Bob plays late but on time for him: Ann's timeout happens in the same step.
    s3, events = apply(s, PlayCard(seat=1, card_id="TA3", now=100.0))
    assert kinds(events)[:3] == ["TurnPassed", "TurnStarted", "CardPlayed"]
    assert s3.trick is not None and s3.trick.passed == (0,)


def test_one_timeout_per_step(arch: Architecture, deck: Deck) -> None:
    """A tick long after the deadline passes one turn; the next seat gets a full turn from now."""
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], clock=0.0)
    s, events = apply(s, Tick(now=1000.0))
    assert kinds(events) == ["TurnPassed", "TurnStarted"] and s.turn == 1 and s.turn_deadline == 1090.0


def test_time_never_runs_backwards(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)], clock=50.0)
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", now=10.0))
    assert s.clock == 50.0 and s.turn_deadline == 140.0


def test_no_turn_limit(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)], turn_seconds=None, play_seconds=None)
    assert s.turn_deadline is None and s.play_deadline is None
    same, events = apply(s, Tick(now=10_000.0))
    assert same is s and events == []


def test_everyone_passing_moves_the_lead_on(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)])
    s, events = run(s, PassTurn(seat=0), PassTurn(seat=1), PassTurn(seat=2))
    assert "TrickPassed" in kinds(events)
    assert s.tricks[-1].winner is None and s.tricks[-1].plays == ()
    assert s.turn == 1 and s.trick is not None and s.trick.leader == 1 and s.trick.number == 2


def test_facilitator_skips_the_seat_on_turn(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], turn=1, leader=1)
    s, events = apply(s, SkipSeat(seat=0, target_seat=1))
    assert isinstance(events[0], SeatSkipped) and isinstance(events[1], TurnPassed) and events[1].reason == "skipped"
    assert s.turn == 2


def test_removing_a_seat_sets_its_hand_aside_and_keeps_its_points(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "SP2"), ("TA3", "SP3"), ("TA4", "IN2")])
    s, _ = run(s, PlayCard(seat=0, card_id="TA2"), PlayCard(seat=1, card_id="TA3"), PlayCard(seat=2, card_id="TA4"))
    assert s.seats[2].points == 1 and s.turn == 2
    s, events = apply(s, RemoveSeat(seat=0, target_seat=2))
    removed = events[0]
    assert isinstance(removed, SeatRemoved) and removed.cards_set_aside == 1
    assert [type(e) for e in events[1:]] == [TurnPassed, TurnStarted]
    assert s.hands[2] == () and "IN2" in s.set_aside and not s.seats[2].present and s.seats[2].points == 1
    assert Counter(card_places(s)) == Counter(TINY_IDS)
    # The removed winner no longer leads: the next trick carries on with the others.
    assert s.turn == 0


def test_play_ends_when_the_cards_run_out_and_rating_starts(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)])
    s, events = run(s, PlayCard(seat=0, card_id="TA2", target="Fn"), PlayCard(seat=1, card_id="TA3", now=30.0))
    assert kinds(events)[-2:] == ["TrickWon", "PlayEnded"]
    ended = events[-1]
    assert isinstance(ended, PlayEnded) and ended.reason == "tricks" and ended.rating_deadline == 30.0 + 900
    assert s.phase is Phase.RATING and s.turn is None and s.trick is None and s.to_rate == ("T1",)


def test_play_without_accepted_threats_ends_the_game(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)])
    s, events = run(s, PlayCard(seat=0, card_id="TA2"), PlayCard(seat=1, card_id="TA3"))
    assert kinds(events)[-2:] == ["PlayEnded", "GameEnded"] and s.phase is Phase.ENDED


def test_end_play_leaves_the_unfinished_trick_with_its_cards(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "SP2"), ("TA3",), ("TA4",)])
    s, events = run(s, PlayCard(seat=0, card_id="TA2", target="Fn"), EndPlay(seat=0))
    assert s.phase is Phase.RATING and s.end_reason == "facilitator"
    assert s.tricks[-1].card_ids() == ("TA2",) and s.tricks[-1].winner is None
    assert s.hands[0] == ("SP2",)
    assert Counter(card_places(s)) == Counter(TINY_IDS)


def test_play_time_box(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)], play_seconds=600.0, turn_seconds=None)
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Fn", now=10.0))
    s, events = apply(s, Tick(now=600.0))
    assert s.phase is Phase.RATING and isinstance(events[0], PlayEnded) and events[0].reason == "time"


def test_end_game_from_play(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)])
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Fn"))
    s, events = apply(s, EndGame(seat=0))
    assert kinds(events) == ["PlayEnded", "GameEnded"] and s.phase is Phase.ENDED
    assert isinstance(events[1], GameEnded) and events[1].reason == "facilitator"


def test_card_played_event_and_hand(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "SP2"), ("TA3",)])
    s2, events = apply(s, PlayCard(seat=0, card_id="TA2"))
    assert events[0] == CardPlayed(seat=0, card_id="TA2", trick=1)
    assert isinstance(events[1], TurnStarted) and events[1].seat == 1
    assert s2.hands[0] == ("SP2",) and s.hands[0] == ("TA2", "SP2")
