"""Who takes a trick: the highest trump, else the highest card of the led suit."""

from __future__ import annotations

import pytest

from game.deck import Deck
from game.trick import TRUMP, Play, Trick, winning_play


def win(deck: Deck, *cards: str) -> str:
    plays = tuple(Play(seat, c) for seat, c in enumerate(cards))
    return winning_play(plays, {c.id: c for c in deck.cards}).card_id


def test_highest_of_led_suit(deck: Deck) -> None:
    assert win(deck, "TA2", "TA4", "TA3") == "TA4"


def test_off_suit_cannot_win_however_high(deck: Deck) -> None:
    assert win(deck, "SP2", "TA4", "IN3") == "SP2"


def test_trump_beats_led_suit(deck: Deck) -> None:
    assert TRUMP.category == "Elevation of Privilege"
    assert win(deck, "TA4", "EL2", "TA3") == "EL2"


def test_highest_trump(deck: Deck) -> None:
    assert win(deck, "SP4", "EL2", "EL3", "SP3") == "EL3"


def test_trump_led(deck: Deck) -> None:
    assert win(deck, "EL2", "SP4") == "EL2"


def test_single_card(deck: Deck) -> None:
    assert win(deck, "RE2") == "RE2"


def test_empty_trick_has_no_winner(deck: Deck) -> None:
    with pytest.raises(ValueError):
        winning_play((), {})


def test_acted() -> None:
    t = Trick(1, 0, (Play(0, "A"),), passed=(2,))
    assert t.acted(0) and t.acted(2) and not t.acted(1)
    assert t.card_ids() == ("A",)
