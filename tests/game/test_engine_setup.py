"""Setting up and dealing: seats, validation, an even deal, the opening lead."""

from __future__ import annotations

from collections import Counter

import pytest
from gamekit import TINY_IDS, card_places, settings

from game.architecture import Architecture
from game.cards import Suit
from game.commands import RemoveSeat, StartGame
from game.deck import Deck
from game.engine import apply, new_game
from game.errors import InvalidSetup, MustLeadStartCard
from game.events import CardsDealt, GameStarted, TurnStarted
from game.state import Phase, SeatSpec, Settings


def test_new_game_is_seated_not_dealt(arch: Architecture, deck: Deck) -> None:
    s = new_game(settings(), arch, deck, 42)
    assert s.phase is Phase.SETUP and s.version == 0
    assert [x.name for x in s.seats] == ["Ann", "Bob", "Cat"]
    assert s.hands == ((), (), ()) and s.trick is None and s.turn is None
    assert s.board.architecture is arch and s.board.deck is deck


def test_defaults_follow_the_session() -> None:
    s = Settings.for_names("Kim", "Doug", bots=2)
    assert [(x.name, x.bot) for x in s.seats] == [("Kim", False), ("Doug", False), ("Bot 1", True), ("Bot 2", True)]
    assert (s.play_seconds, s.rating_seconds, s.turn_seconds) == (2700.0, 900.0, 90.0)
    assert s.start_suit is Suit.TAMPERING and s.facilitator == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seats": ()}, "1 to 12 seats"),
        ({"seats": tuple(SeatSpec(f"B{i}", bot=True) for i in range(13))}, "1 to 12 seats"),
        ({"seats": tuple(SeatSpec(f"H{i}") for i in range(9))}, "at most 8 human"),
        ({"seats": (SeatSpec("Kim"), SeatSpec(" kim "))}, "two seats are called"),
        ({"seats": (SeatSpec(""),)}, "1 to 40 characters"),
        ({"seats": (SeatSpec("Kim"),), "facilitator": 1}, "facilitator"),
        ({"seats": (SeatSpec("Kim"),), "turn_seconds": 0}, "turn_seconds"),
        ({"seats": (SeatSpec("Kim"),), "play_seconds": float("nan")}, "play_seconds"),
    ],
)
def test_bad_settings(kwargs: dict[str, object], message: str, arch: Architecture, deck: Deck) -> None:
    with pytest.raises(InvalidSetup, match=message):
        new_game(Settings(**kwargs), arch, deck, 1)  # type: ignore[arg-type]


def test_eight_humans_and_bots_fit(arch: Architecture, deck: Deck) -> None:
    seats = tuple(SeatSpec(f"H{i}") for i in range(8)) + (SeatSpec("B", bot=True),)
    assert len(new_game(Settings(seats=seats), arch, deck, 1).seats) == 9


@pytest.mark.parametrize("seed", [-1, True, 2**63, 1.5])
def test_bad_seed(seed: object, arch: Architecture, deck: Deck) -> None:
    with pytest.raises(InvalidSetup, match="seed"):
        new_game(settings(), arch, deck, seed)  # type: ignore[arg-type]


def test_deck_smaller_than_table(arch: Architecture, deck: Deck) -> None:
    names = [f"P{i}" for i in range(12)]
    small = Deck(deck.name, deck.title, deck.cards[:11])
    with pytest.raises(InvalidSetup, match="only 11 cards for 12 seats"):
        new_game(settings(names, bots=range(5, 12)), arch, small, 1)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7])
def test_deal_is_even_and_every_card_has_one_place(n: int, arch: Architecture, deck: Deck) -> None:
    names = [f"P{i}" for i in range(n)]
    s, events = apply(new_game(settings(names), arch, deck, 9), StartGame(seat=0, now=100.0))
    per = len(deck) // n
    assert [len(h) for h in s.hands] == [per] * n
    assert len(s.set_aside) == len(deck) - per * n
    assert Counter(card_places(s)) == Counter(TINY_IDS)
    assert s.phase is Phase.PLAY and s.version == 1 and s.clock == 100.0
    assert s.play_deadline == 100.0 + 2700 and s.turn_deadline == 100.0 + 90
    assert [type(e) for e in events] == [GameStarted, CardsDealt, TurnStarted]
    dealt = events[1]
    assert isinstance(dealt, CardsDealt) and dealt.hand_sizes == (per,) * n


def test_hands_are_sorted_stride_then_rank(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(new_game(settings(), arch, deck, 5), StartGame(seat=0))
    for hand in s.hands:
        keys = [(deck.card(c).suit.order, deck.card(c).rank) for c in hand]
        assert keys == sorted(keys)


def test_lowest_start_suit_card_leads(arch: Architecture, deck: Deck) -> None:
    for seed in range(20):
        s, _ = apply(new_game(settings(), arch, deck, seed), StartGame(seat=0))
        tampering = [(deck.card(c).rank, seat, c) for seat, h in enumerate(s.hands) for c in h if deck.card(c).suit is Suit.TAMPERING]
        rank, seat, card = min(tampering)
        assert s.turn == seat and s.must_lead == card and s.trick is not None and s.trick.leader == seat


def test_start_suit_is_configurable_and_falls_back(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(new_game(settings(start_suit=Suit.REPUDIATION), arch, deck, 3), StartGame(seat=0))
    # The tiny deck has one Repudiation card: if it was set aside, the lowest Information Disclosure card leads.
    lead = deck.card(s.must_lead or "")
    if "RE2" in s.set_aside:
        assert lead.suit is Suit.INFORMATION_DISCLOSURE and lead.rank == min(
            deck.card(c).rank for h in s.hands for c in h if deck.card(c).suit is Suit.INFORMATION_DISCLOSURE
        )
    else:
        assert lead.id == "RE2"


def test_the_opening_card_must_be_led(arch: Architecture, deck: Deck) -> None:
    from game.commands import PlayCard

    s, _ = apply(new_game(settings(), arch, deck, 11), StartGame(seat=0))
    assert s.turn is not None and s.must_lead is not None
    other = next((c for c in s.hands[s.turn] if c != s.must_lead), None)
    if other is not None:
        with pytest.raises(MustLeadStartCard) as refused:
            apply(s, PlayCard(seat=s.turn, card_id=other))
        # Named by the title printed on its face: a newcomer never sees the card's id.
        assert deck.card(s.must_lead).title in refused.value.message
    s2, _ = apply(s, PlayCard(seat=s.turn, card_id=s.must_lead))
    assert s2.must_lead is None


def test_same_seed_same_deal_other_seed_other_deal(arch: Architecture, deck: Deck) -> None:
    def deal(seed: int) -> tuple[tuple[str, ...], ...]:
        return apply(new_game(settings(), arch, deck, seed), StartGame(seat=0))[0].hands

    assert deal(1) == deal(1)
    assert len({deal(seed) for seed in range(10)}) > 1


def test_a_seat_removed_before_the_deal_gets_no_cards(arch: Architecture, deck: Deck) -> None:
    s = new_game(settings(("Ann", "Bob", "Cat", "Dan")), arch, deck, 4)
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=2))
    s, _ = apply(s, StartGame(seat=0))
    assert s.hands[2] == () and [len(h) for i, h in enumerate(s.hands) if i != 2] == [4, 4, 4]
    assert Counter(card_places(s)) == Counter(TINY_IDS)
