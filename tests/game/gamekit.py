"""Helpers for the game engine's tests: a tiny architecture and deck, and literal states.

The tiny deck's card ids (``SP2``, ``TA3``…) are chosen so that they cannot
appear by accident in any other text of a view, which lets the leak tests
search serialised views for them as plain substrings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cards.schema import parse_deck
from game.architecture import Architecture
from game.deck import Deck
from game.engine import new_game
from game.importers import load_architecture
from game.state import GameState, Phase, SeatSpec, Settings, evolve
from game.trick import Play, Trick

FIXTURES = Path(__file__).parent / "fixtures"

TINY_MODEL = """
threatdeck: 1
name: Tiny
boundaries:
  - {id: net, name: Internet}
  - {id: aws, name: AWS}
components:
  - {id: User, type: actor, boundary: net, attributes: {kind: end_user}}
  - {id: Api, type: api_gateway, boundary: aws, attributes: {authorizer: none}}
  - {id: Fn, type: lambda, boundary: aws, attributes: {validates_input: false}}
  - {id: Bucket, type: s3, boundary: aws, attributes: {public_read: true}}
  - {id: Role, type: iam_role, boundary: aws}
flows:
  - {id: user-api, source: User, target: Api, attributes: {public_network: true, encrypted: false}}
  - {id: api-fn, source: Api, target: Fn}
  - {id: Fn, source: Fn, target: Bucket}
"""

TINY_DECK = """
deck: tiny
title: Tiny deck
cards:
  - {id: SP2, suit: Spoofing, rank: 2, title: No authorizer, question: "Can anyone call it?", applies_to: [api_gateway],
     rule: {attr: authorizer, eq: none}, mitigation: Add an authorizer., explanation: x}
  - {id: SP3, suit: Spoofing, rank: 3, title: Open spoofing, question: "Who could pretend here?", applies_to: [actor, api_gateway],
     rule: null, mitigation: Authenticate., explanation: x}
  - {id: SP4, suit: Spoofing, rank: 4, title: Own login, question: "Does it do its own login?", applies_to: [lambda],
     rule: {attr: implements_auth, is: true}, mitigation: Use a provider., explanation: x}
  - {id: TA2, suit: Tampering, rank: 2, title: Trusts input, question: "Could crafted input hurt?", applies_to: [lambda],
     rule: {attr: validates_input, is: false}, mitigation: Validate., explanation: x}
  - {id: TA3, suit: Tampering, rank: 3, title: Unthrottled, question: "Could a flood hurt?", applies_to: [api_gateway],
     rule: {attr: throttling, is: false}, mitigation: Throttle., explanation: x}
  - {id: TA4, suit: Tampering, rank: 4, title: Plain text, question: "Could it be changed in transit?", applies_to: [flow],
     rule: {attr: encrypted, is: false}, mitigation: Use TLS., explanation: x}
  - {id: RE2, suit: Repudiation, rank: 2, title: No access logs, question: "Who read it?", applies_to: [s3],
     rule: {attr: access_logging, is: false}, mitigation: Log access., explanation: x}
  - {id: IN2, suit: Information Disclosure, rank: 2, title: Public objects, question: "Can anyone read it?", applies_to: [s3],
     rule: {attr: public_read, is: true}, mitigation: Block public access., explanation: x}
  - {id: IN3, suit: Information Disclosure, rank: 3, title: Open disclosure, question: "Who could see too much?", applies_to: [api_gateway, s3],
     rule: null, mitigation: Restrict reads., explanation: x}
  - {id: DO2, suit: Denial of Service, rank: 2, title: Validates, question: "Does it validate?", applies_to: [lambda],
     rule: {attr: validates_input, is: true}, mitigation: None needed., explanation: x}
  - {id: EL2, suit: Elevation of Privilege, rank: 2, title: Admin role, question: "Is it admin?", applies_to: [iam_role],
     rule: {attr: admin, is: true}, mitigation: Scope it., explanation: x}
  - {id: EL3, suit: Elevation of Privilege, rank: 3, title: Trusting handler, question: "Could input escalate?", applies_to: [lambda],
     rule: {attr: validates_input, is: false}, mitigation: Validate., explanation: x}
"""

TINY_IDS = ("SP2", "SP3", "SP4", "TA2", "TA3", "TA4", "RE2", "IN2", "IN3", "DO2", "EL2", "EL3")


def tiny_architecture() -> Architecture:
    return load_architecture(TINY_MODEL, "tiny.yaml")


def tiny_deck() -> Deck:
    return parse_deck(TINY_DECK, "tiny-deck.yaml")


def leejames() -> Architecture:
    path = FIXTURES / "leejames-before.yaml"
    return load_architecture(path.read_bytes(), "tests/game/fixtures/leejames-before.yaml")


def practice_deck() -> Deck:
    path = FIXTURES / "practice-deck.yaml"
    return parse_deck(path.read_text(encoding="utf-8"), "tests/game/fixtures/practice-deck.yaml")


def settings(names: Sequence[str] = ("Ann", "Bob", "Cat"), bots: Iterable[int] = (), **kw: Any) -> Settings:
    bot_seats = set(bots)
    return Settings(seats=tuple(SeatSpec(n, bot=i in bot_seats) for i, n in enumerate(names)), **kw)


def table(
    arch: Architecture,
    deck: Deck,
    hands: Sequence[Sequence[str]],
    *,
    turn: int = 0,
    plays: Sequence[tuple[int, str]] = (),
    leader: int | None = None,
    names: Sequence[str] | None = None,
    clock: float = 0.0,
    **kw: Any,
) -> GameState:
    """A literal state in play: these hands, this trick so far, the rest of the deck set aside.

    Deadlines are those StartGame would set at ``clock``.
    """
    names = names or ("Ann", "Bob", "Cat", "Dan", "Eve", "Fay")[: len(hands)]
    state = new_game(settings(names, **kw), arch, deck, seed=1)
    held = {c for h in hands for c in h} | {c for _, c in plays}
    led = deck.card(plays[0][1]).suit if plays else None
    trick = Trick(1, leader if leader is not None else (plays[0][0] if plays else turn), tuple(Play(s, c) for s, c in plays), (), led)
    s = state.settings
    return evolve(
        state,
        phase=Phase.PLAY,
        hands=tuple(tuple(h) for h in hands),
        set_aside=tuple(c.id for c in deck.cards if c.id not in held),
        trick=trick,
        turn=turn,
        clock=clock,
        play_deadline=None if s.play_seconds is None else clock + s.play_seconds,
        turn_deadline=None if s.turn_seconds is None else clock + s.turn_seconds,
    )


def card_places(state: GameState) -> list[str]:
    """Every card id wherever it is: hands, trick in progress, finished tricks, set aside."""
    places = [c for h in state.hands for c in h]
    if state.trick is not None:
        places += [p.card_id for p in state.trick.plays]
    places += [p.card_id for t in state.tricks for p in t.plays]
    places += list(state.set_aside)
    return places
