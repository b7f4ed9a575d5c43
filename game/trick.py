"""A trick: one card from each seat in turn; Elevation of Privilege is trump."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from game.cards import Card, Suit

TRUMP = Suit.ELEVATION_OF_PRIVILEGE
"""The trump suit: blast radius beats everything."""


@dataclasses.dataclass(frozen=True)
class Play:
    """One card played into a trick."""

    seat: int
    """Who played it."""
    card_id: str
    """The card, face up."""


@dataclasses.dataclass(frozen=True)
class Trick:
    """A trick in progress or finished."""

    number: int
    """1-based, in order of play."""
    leader: int
    """The seat whose turn opened it."""
    plays: tuple[Play, ...] = ()
    """Cards played, in order."""
    passed: tuple[int, ...] = ()
    """Seats that let their turn go (timed out, passed, skipped or removed) without playing, and the seats that
    joined the game during this trick (see ``joined``)."""
    led: Suit | None = None
    """Suit of the first card played; the others must follow it if they can."""
    winner: int | None = None
    """The seat that took it, once finished; None while in progress, or if nobody played or play ended first."""
    joined: tuple[int, ...] = ()
    """Seats that joined the game during this trick and sit it out; they are in ``passed`` too, so the turn
    order skips them, but they never had a turn to let go."""

    def acted(self, seat: int) -> bool:
        """Whether the seat has played or passed in this trick."""
        return seat in self.passed or any(p.seat == seat for p in self.plays)

    def card_ids(self) -> tuple[str, ...]:
        """The cards in it, in order of play."""
        return tuple(p.card_id for p in self.plays)


def winning_play(plays: tuple[Play, ...], cards: Mapping[str, Card]) -> Play:
    """The highest trump, else the highest card of the led suit (the first card's suit)."""
    if not plays:
        raise ValueError("an empty trick has no winner")
    led = cards[plays[0].card_id].suit
    trumps = [p for p in plays if cards[p.card_id].suit is TRUMP]
    contenders = trumps or [p for p in plays if cards[p.card_id].suit is led]
    return max(contenders, key=lambda p: cards[p.card_id].rank)
