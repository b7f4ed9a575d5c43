"""TakeOver and HandOver: another seat becomes the facilitator, and the facilitator's powers move with it."""

from __future__ import annotations

import pytest

from game import errors
from game.architecture import Architecture
from game.commands import EndGame, EndPlay, HandOver, PlayCard, RemoveSeat, SkipSeat, StartGame, TakeOver
from game.deck import Deck
from game.engine import apply, legal_moves, new_game
from game.events import FacilitatorChanged
from game.serialize import state_from_dict, state_to_dict
from game.state import Phase, Settings
from game.views import view_for

from gamekit import settings, table

HANDS = (("TA2", "SP2"), ("TA3", "SP3"), ("IN2", "EL3"))


def test_take_over_in_setup_lets_the_new_facilitator_start(arch: Architecture, deck: Deck) -> None:
    s = new_game(settings(), arch, deck, 3)
    with pytest.raises(errors.NotFacilitator):
        apply(s, StartGame(seat=1))
    s, events = apply(s, TakeOver(seat=1))
    assert events == [FacilitatorChanged(seat=1, previous=0, reason="take_over")]
    assert s.settings.facilitator == 1 and s.version == 1
    assert legal_moves(s, 1).facilitator == ("StartGame", "RemoveSeat", "HandOver")
    assert legal_moves(s, 0).facilitator == ()
    with pytest.raises(errors.NotFacilitator):
        apply(s, StartGame(seat=0))
    s, _ = apply(s, StartGame(seat=1))
    assert s.phase is Phase.PLAY


def test_the_new_facilitator_may_skip_remove_and_end_and_the_old_one_may_not(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(table(arch, deck, HANDS), TakeOver(seat=2))
    assert view_for(s, 0)["facilitator"] == 2
    for command in (SkipSeat(seat=0, target_seat=0), EndPlay(seat=0), EndGame(seat=0), RemoveSeat(seat=0, target_seat=1)):
        with pytest.raises(errors.NotFacilitator):
            apply(s, command)
    # The old facilitator's seat is an ordinary seat now: it can be removed, the new one's cannot.
    with pytest.raises(errors.FacilitatorSeat):
        apply(s, RemoveSeat(seat=2, target_seat=2))
    removed, _ = apply(s, RemoveSeat(seat=2, target_seat=0))
    assert not removed.seats[0].present
    ended, _ = apply(s, EndGame(seat=2))
    assert ended.phase is Phase.ENDED


def test_take_over_is_refused_to_the_facilitator_a_removed_seat_a_bot_and_after_the_end(
        arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, HANDS)
    with pytest.raises(errors.AlreadyFacilitator):
        apply(s, TakeOver(seat=0))
    gone, _ = apply(s, RemoveSeat(seat=0, target_seat=1))
    with pytest.raises(errors.SeatRemoved):
        apply(gone, TakeOver(seat=1))
    ended, _ = apply(s, EndGame(seat=0))
    with pytest.raises(errors.GameOver):
        apply(ended, TakeOver(seat=1))
    with_bot = new_game(Settings.for_names("Ann", "Bob", bots=1), arch, deck, 3)
    with pytest.raises(errors.InvalidCommand, match="bot"):
        apply(with_bot, TakeOver(seat=2))


def test_the_facilitator_survives_a_snapshot(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(table(arch, deck, HANDS), TakeOver(seat=1))
    back = state_from_dict(state_to_dict(s))
    assert back.settings.facilitator == 1
    assert back == s


def test_the_facilitator_hands_over_to_a_chosen_seat_in_any_phase_but_the_end(arch: Architecture, deck: Deck) -> None:
    s = new_game(settings(), arch, deck, 3)
    s, events = apply(s, HandOver(seat=0, target_seat=2))
    assert events == [FacilitatorChanged(seat=2, previous=0, reason="hand_over")]
    assert s.settings.facilitator == 2 and s.version == 1
    assert legal_moves(s, 0).facilitator == () and legal_moves(s, 2).facilitator == ("StartGame", "RemoveSeat", "HandOver")
    with pytest.raises(errors.NotFacilitator):
        apply(s, StartGame(seat=0))
    s, _ = apply(s, StartGame(seat=2))
    assert s.phase is Phase.PLAY
    # In play and in rating it moves on again; the old facilitator plays on and may be removed like anyone.
    s, _ = apply(table(arch, deck, HANDS), PlayCard(seat=0, card_id="TA2", target="Fn"))  # a valid threat, to rate
    s, _ = apply(s, HandOver(seat=0, target_seat=1))
    assert view_for(s, 2)["facilitator"] == 1 and "SkipSeat" in legal_moves(s, 1).facilitator
    s, _ = apply(s, EndPlay(seat=1))
    s, events = apply(s, HandOver(seat=1, target_seat=2))
    assert events == [FacilitatorChanged(seat=2, previous=1, reason="hand_over")] and s.phase is Phase.RATING
    removed, _ = apply(s, RemoveSeat(seat=2, target_seat=1))
    assert not removed.seats[1].present


def test_only_the_facilitator_hands_over_and_only_to_a_seat_that_can_facilitate(arch: Architecture, deck: Deck) -> None:
    s = new_game(Settings.for_names("Ann", "Bob", bots=1), arch, deck, 3)  # seat 2 is a bot
    with pytest.raises(errors.NotFacilitator):
        apply(s, HandOver(seat=1, target_seat=1))  # not even to oneself
    with pytest.raises(errors.AlreadyFacilitator):
        apply(s, HandOver(seat=0, target_seat=0))
    with pytest.raises(errors.InvalidCommand, match="bot"):
        apply(s, HandOver(seat=0, target_seat=2))
    with pytest.raises(errors.UnknownSeat):
        apply(s, HandOver(seat=0, target_seat=7))
    with pytest.raises(errors.InvalidCommand, match="seat number"):
        apply(s, HandOver(seat=0, target_seat="1"))  # type: ignore[arg-type]
    gone, _ = apply(s, RemoveSeat(seat=0, target_seat=1))
    with pytest.raises(errors.SeatRemoved):
        apply(gone, HandOver(seat=0, target_seat=1))
    # With nobody left to hand it to (a bot cannot take it), it is not offered.
    assert "HandOver" in legal_moves(s, 0).facilitator and "HandOver" not in legal_moves(gone, 0).facilitator
    ended, _ = apply(apply(s, StartGame(seat=0))[0], EndGame(seat=0))
    with pytest.raises(errors.GameOver):
        apply(ended, HandOver(seat=0, target_seat=1))
    assert legal_moves(ended, 0).facilitator == ()
