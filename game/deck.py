"""A deck: an ordered set of cards with a name."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from game.cards import Card, Suit


class DeckError(ValueError):
    """A deck is inconsistent (duplicate ids or ranks)."""


@dataclasses.dataclass(frozen=True)
class Deck:
    """The cards a game is dealt from, in a fixed order before shuffling."""

    name: str
    """Machine name, e.g. ``serverless-stride``."""
    title: str
    """Display title."""
    cards: tuple[Card, ...]
    """Every card, in deck-file order."""
    description: str = ""
    """What the deck is for."""

    def __post_init__(self) -> None:
        ids: set[str] = set()
        ranks: set[tuple[Suit, int]] = set()
        for c in self.cards:
            if c.id in ids:
                raise DeckError(f"deck {self.name}: card id {c.id!r} is used twice")
            if (c.suit, c.rank) in ranks:
                raise DeckError(f"deck {self.name}: card {c.id}: {c.suit.category} already has rank {c.rank}")
            ids.add(c.id)
            ranks.add((c.suit, c.rank))
        object.__setattr__(self, "_by_id", {c.id: c for c in self.cards})

    def card(self, card_id: str) -> Card:
        """The card with that id; ``KeyError`` if there is none."""
        by_id: dict[str, Card] = getattr(self, "_by_id")
        return by_id[card_id]

    def has(self, card_id: str) -> bool:
        """Whether the deck has a card with that id."""
        return card_id in getattr(self, "_by_id")

    def __iter__(self) -> Iterator[Card]:
        return iter(self.cards)

    def __len__(self) -> int:
        return len(self.cards)

    def suit(self, suit: Suit) -> tuple[Card, ...]:
        """The cards of one suit, by rank."""
        return tuple(sorted((c for c in self.cards if c.suit is suit), key=lambda c: c.rank))
