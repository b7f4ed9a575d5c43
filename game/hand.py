"""A seat's hand: dealing, ordering, and which cards may follow the led suit."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from game.cards import Card, Suit


_ORDER = {suit: i for i, suit in enumerate(Suit)}


def sort_hand(card_ids: Sequence[str], cards: Mapping[str, Card]) -> tuple[str, ...]:
    """A hand in STRIDE order, then by rank, as players like to hold it."""
    return tuple(sorted(card_ids, key=lambda i: (_ORDER[cards[i].suit], cards[i].rank)))


def deal(
    card_ids: Sequence[str], seats: Sequence[int], n_seats: int, rng: random.Random, cards: Mapping[str, Card]
) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """Shuffle and deal evenly to ``seats``; return (a hand per seat of ``n_seats``, set-aside remainder).

    Every seat gets ``len(card_ids) // len(seats)`` cards, dealt one at a
    time in seat order; the few that do not divide evenly are set aside face
    down, so no seat starts with more cards than another.
    """
    shuffled = list(card_ids)
    rng.shuffle(shuffled)
    per = len(shuffled) // len(seats)
    hands: list[tuple[str, ...]] = [() for _ in range(n_seats)]
    for k, seat in enumerate(seats):
        hands[seat] = sort_hand(shuffled[k : per * len(seats) : len(seats)], cards)
    rest = shuffled[per * len(seats) :]
    return tuple(hands), sort_hand(rest, cards)


def holds_suit(hand: Sequence[str], suit: Suit, cards: Mapping[str, Card]) -> bool:
    """Whether the hand has a card of the suit (then the seat must follow it)."""
    return any(cards[i].suit is suit for i in hand)


def playable(hand: Sequence[str], led: Suit | None, cards: Mapping[str, Card]) -> tuple[str, ...]:
    """The cards that may be played to a trick whose led suit is ``led`` (None: leading)."""
    if led is None or not holds_suit(hand, led, cards):
        return tuple(hand)
    return tuple(i for i in hand if cards[i].suit is led)


def lowest_of_suit(
    hands: Sequence[Sequence[str]], suit: Suit, cards: Mapping[str, Card]
) -> tuple[int, str] | None:
    """(seat, card id) of the lowest card of ``suit`` held by anyone, or None."""
    best: tuple[int, int, str] | None = None
    for seat, hand in enumerate(hands):
        for i in hand:
            card = cards[i]
            if card.suit is suit and (best is None or card.rank < best[0]):
                best = (card.rank, seat, i)
    return None if best is None else (best[1], best[2])


def opening_lead(
    hands: Sequence[Sequence[str]], start: Suit, cards: Mapping[str, Card]
) -> tuple[int, str] | None:
    """Who leads first and with what: the lowest card of ``start``.

    If nobody was dealt that suit (a small delta deck), the next suits in
    STRIDE order are tried in turn.
    """
    suits = list(Suit)
    first = suits.index(start)
    for k in range(len(suits)):
        found = lowest_of_suit(hands, suits[(first + k) % len(suits)], cards)
        if found is not None:
            return found
    return None


def deal_late(
    hands: Sequence[Sequence[str]],
    donors: Sequence[int],
    set_aside: Sequence[str],
    rng: random.Random,
    cards: Mapping[str, Card],
    keep: str | None = None,
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """A hand for a seat that joins during play: (its hand, every seat's hand after it, the set-aside pile after it).

    The newcomer gets an even share of the cards nobody has seen: the cards in
    the ``donors``' hands and the set-aside pile, divided among the donors and
    the newcomer, rounded down. It is drawn at random from the set-aside pile
    first (those cards belong to nobody), then one card at a time, at random,
    from the donor holding the most cards (the lowest seat among equals), so the
    hands even out and no donor is left with fewer cards than the newcomer.
    ``keep`` (the card that must open the game) never moves.
    """
    held = [list(h) for h in hands]
    share = (sum(len(held[d]) for d in donors) + len(set_aside)) // (len(donors) + 1)
    pile = list(set_aside)
    rng.shuffle(pile)
    new, rest = pile[:share], pile[share:]
    while len(new) < share:
        giving = [d for d in donors if any(i != keep for i in held[d])]
        if not giving:  # only the opening card is left to give
            break
        donor = max(giving, key=lambda d: (len(held[d]), -d))
        choices = [i for i in held[donor] if i != keep]
        card_id = choices[rng.randrange(len(choices))]
        held[donor].remove(card_id)
        new.append(card_id)
    return sort_hand(new, cards), tuple(tuple(h) for h in held), sort_hand(rest, cards)
