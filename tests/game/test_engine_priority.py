"""Prioritising: rating accepted threats, risk = mean likelihood × mean impact, the final list."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from gamekit import table

from game.architecture import Architecture
from game.cards import Suit
from game.commands import AddThreat, CastVote, Command, EndGame, EndPlay, FinishRating, PlayCard, RateThreat, RemoveSeat, Tick
from game.deck import Deck
from game.engine import apply, legal_moves
from game.errors import AlreadyFinished
from game.events import GameEnded, ThreatRated
from game.priority import final_list, risk
from game.state import GameState, Phase
from game.voting import Rating


def run(state: GameState, *commands: Command) -> GameState:
    for c in commands:
        state, _ = apply(state, c)
    return state


def rating(arch: Architecture, deck: Deck) -> GameState:
    """Three threats accepted: T1 TA2 on Fn (T, rule), T2 IN2 on Bucket (I, rule), T3 a spoofing note (S, vote)."""
    s = table(arch, deck, [("TA2", "IN2"), ("TA3",), ("TA4", "SP2")])
    return run(
        s,
        PlayCard(seat=0, card_id="TA2", target="Fn"),
        AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Replay a token"),
        CastVote(seat=0, threat_id="T2", accept=True),
        CastVote(seat=2, threat_id="T2", accept=True),
        AddThreat(seat=2, target="Bucket", card_id=None, suit=Suit.INFORMATION_DISCLOSURE, text="Enumerate keys"),
        CastVote(seat=0, threat_id="T3", accept=True),
        CastVote(seat=1, threat_id="T3", accept=True),
        EndPlay(seat=0, now=100.0),
    )


def test_risk_is_exact() -> None:
    assert risk(()) is None
    assert risk((Rating(0, 3, 4), Rating(1, 4, 5))) == (Fraction(7, 2), Fraction(9, 2), Fraction(63, 4))


def test_rating_flow_ends_the_game_when_everyone_has_rated(arch: Architecture, deck: Deck) -> None:
    s = rating(arch, deck)
    assert s.phase is Phase.RATING and s.to_rate == ("T1", "T2", "T3") and s.rating_deadline == 1000.0
    assert legal_moves(s, 0).unrated == ("T1", "T2", "T3")
    s, events = apply(s, RateThreat(seat=0, threat_id="T1", likelihood=5, impact=4))
    assert events == [ThreatRated(threat_id="T1", seat=0)]
    s = run(s, RateThreat(seat=0, threat_id="T1", likelihood=4, impact=4))  # rating again replaces it
    assert s.threats[0].ratings == (Rating(0, 4, 4),) and s.seats[0].rated == 1
    assert legal_moves(s, 0).unrated == ("T2", "T3")
    s = run(s, *[RateThreat(seat=seat, threat_id=t, likelihood=2, impact=2) for seat in (1, 2) for t in ("T1", "T2", "T3")])
    s = run(s, RateThreat(seat=0, threat_id="T2", likelihood=1, impact=1))
    assert s.phase is Phase.RATING
    s, events = apply(s, RateThreat(seat=0, threat_id="T3", likelihood=1, impact=1))
    assert isinstance(events[-1], GameEnded) and events[-1].reason == "rated" and s.phase is Phase.ENDED


def test_finish_rating_and_removed_seats(arch: Architecture, deck: Deck) -> None:
    s = rating(arch, deck)
    s = run(s, FinishRating(seat=0), RemoveSeat(seat=0, target_seat=1))
    with pytest.raises(AlreadyFinished):
        apply(s, FinishRating(seat=0))
    with pytest.raises(AlreadyFinished):
        apply(s, RateThreat(seat=0, threat_id="T1", likelihood=1, impact=1))
    s, events = apply(s, FinishRating(seat=2))
    assert s.phase is Phase.ENDED and isinstance(events[-1], GameEnded)


def test_rating_time_box(arch: Architecture, deck: Deck) -> None:
    s = run(rating(arch, deck), RateThreat(seat=1, threat_id="T2", likelihood=3, impact=3, now=200.0))
    same, _ = apply(s, Tick(now=999.0))
    assert same is s
    s, events = apply(s, Tick(now=1000.0))
    assert s.phase is Phase.ENDED and isinstance(events[0], GameEnded) and events[0].reason == "time"


def test_order_risk_then_agreement_then_stride_then_found(arch: Architecture, deck: Deck) -> None:
    s = rating(arch, deck)
    # T1 (Tampering) and T3 (Information Disclosure) both 3 × 3 = 9 from two raters; T2 (Spoofing) 9 from one.
    s = run(
        s,
        RateThreat(seat=0, threat_id="T1", likelihood=3, impact=3),
        RateThreat(seat=1, threat_id="T1", likelihood=3, impact=3),
        RateThreat(seat=0, threat_id="T3", likelihood=3, impact=3),
        RateThreat(seat=1, threat_id="T3", likelihood=3, impact=3),
        RateThreat(seat=2, threat_id="T2", likelihood=3, impact=3),
    )
    assert [f.threat_id for f in final_list(s)] == ["T1", "T3", "T2"]
    s = run(s, RateThreat(seat=2, threat_id="T3", likelihood=4, impact=3))
    assert [f.threat_id for f in final_list(s)] == ["T3", "T1", "T2"]


def test_unrated_threats_come_last(arch: Architecture, deck: Deck) -> None:
    s = run(rating(arch, deck), RateThreat(seat=0, threat_id="T3", likelihood=1, impact=1), EndGame(seat=0))
    final = final_list(s)
    # The unrated two follow in STRIDE order: Spoofing (T2) before Tampering (T1).
    assert [f.threat_id for f in final] == ["T3", "T2", "T1"]
    assert final[1].risk is None and final[1].likelihood is None and final[1].agreement == 0 and final[1].votes == ()


def test_final_entry(arch: Architecture, deck: Deck) -> None:
    s = run(
        rating(arch, deck),
        RateThreat(seat=2, threat_id="T1", likelihood=5, impact=4),
        RateThreat(seat=0, threat_id="T1", likelihood=4, impact=4),
        RateThreat(seat=1, threat_id="T1", likelihood=4, impact=3),
        EndGame(seat=0),
    )
    top = final_list(s)[0]
    assert top.to_dict() == {
        "rank": 1,
        "threat_id": "T1",
        "category": "Tampering",
        "suit": "T",
        "component": "Fn",
        "target_kind": "component",
        "card": "TA2",
        "card_title": "Trusts input",
        "text": "Could crafted input hurt?",
        "reason": "Fn: validates_input is false",
        "mitigation": "Validate.",
        "found_by": "Ann",
        "judged_by": "rule",
        "votes": [
            {"seat": 2, "name": "Cat", "likelihood": 5, "impact": 4},
            {"seat": 0, "name": "Ann", "likelihood": 4, "impact": 4},
            {"seat": 1, "name": "Bob", "likelihood": 4, "impact": 3},
        ],
        "likelihood": 4.33,
        "impact": 3.67,
        "risk": 15.89,
        "agreement": 3,
    }
    every_field = dataclasses.asdict(top)  # what to_dict builds by hand: no field left out
    assert top.to_dict() == {**every_field, "votes": list(every_field["votes"])}
    note = next(f for f in final_list(s) if f.threat_id == "T2")
    assert note.card is None and note.card_title is None and note.mitigation == "" and note.judged_by == "vote"
    assert note.reason.startswith("accepted by vote, 2 to 0: ")


def test_a_rating_after_the_time_box_is_too_late(arch: Architecture, deck: Deck) -> None:
    from game.errors import GameOver

    s = rating(arch, deck)
    with pytest.raises(GameOver):
        apply(s, RateThreat(seat=0, threat_id="T1", likelihood=3, impact=3, now=1500.0))
    s, events = apply(s, Tick(now=1500.0))
    assert s.phase is Phase.ENDED
    with pytest.raises(GameOver):
        apply(s, Tick(now=1600.0))
