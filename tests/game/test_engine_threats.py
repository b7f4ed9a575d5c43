"""Threats: judged by the card's rule when played or noted; valid ones score once."""

from __future__ import annotations

import pytest
from gamekit import table

from game.architecture import Architecture
from game.board import TargetKind
from game.cards import Suit
from game.commands import AddThreat, CastVote, PlayCard
from game.deck import Deck
from game.engine import apply
from game.errors import CardNotFaceUp, DuplicateThreat
from game.events import ThreatAccepted, ThreatJudged, ThreatRejected, VoteOpened
from game.predicates import Gap, Truth
from game.state import GameState
from game.threats import JudgedBy, ThreatSource, ThreatStatus, normalise


def three(arch: Architecture, deck: Deck) -> GameState:
    return table(arch, deck, [("TA2", "DO2", "SP2"), ("TA3", "SP3", "RE2"), ("TA4", "IN2", "EL2")])


def test_a_rule_that_holds_is_a_valid_threat_and_scores(arch: Architecture, deck: Deck) -> None:
    s, events = apply(three(arch, deck), PlayCard(seat=0, card_id="TA2", target="Fn"))
    judged, accepted = events[1], events[2]
    assert isinstance(judged, ThreatJudged)
    assert (judged.threat_id, judged.truth, judged.reason, judged.text) == ("T1", Truth.HOLDS, "Fn: validates_input is false", "Could crafted input hurt?")
    assert isinstance(accepted, ThreatAccepted) and accepted.judged_by is JudgedBy.RULE
    t = s.threats[0]
    assert (t.id, t.status, t.found_by, t.card_id, t.target, t.target_kind, t.source, t.trick) == (
        "T1", ThreatStatus.ACCEPTED, 0, "TA2", "Fn", TargetKind.COMPONENT, ThreatSource.PLAY, 1
    )
    assert s.seats[0].points == 1 and s.seats[0].threats == 1


def test_a_rule_that_does_not_hold_scores_nothing_and_says_why(arch: Architecture, deck: Deck) -> None:
    s, events = apply(three(arch, deck), PlayCard(seat=0, card_id="DO2", target="Fn", text="  my words  "))
    rejected = events[2]
    assert isinstance(rejected, ThreatRejected) and rejected.reason == "Fn: validates_input is false"
    assert s.threats[0].status is ThreatStatus.REJECTED and s.threats[0].text == "my words"
    assert s.seats[0].points == 0


def test_a_card_on_a_type_it_does_not_fit(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(three(arch, deck), PlayCard(seat=0, card_id="TA2", target="Bucket"))
    assert s.threats[0].status is ThreatStatus.REJECTED
    assert s.threats[0].reason == "Bucket is s3; TA2 applies to lambda"


def test_unknown_facts_open_a_vote(arch: Architecture, deck: Deck) -> None:
    s = three(arch, deck)
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2"))
    s, events = apply(s, PlayCard(seat=1, card_id="TA3", target="Api", now=10.0))
    opened = events[2]
    assert isinstance(opened, VoteOpened) and opened.electorate == (0, 2) and opened.deadline == 130.0
    t = s.threats[0]
    assert t.status is ThreatStatus.VOTING and t.truth is Truth.UNKNOWN and t.reason == "Api: throttling is not known"
    assert t.gaps == (Gap("component", "Api", "throttling"),)  # the same fact as data, for the client
    assert s.seats[1].points == 0


def test_open_cards_are_voted_on(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("SP2", "SP3"), ("SP4",), ("IN3",)], turn=0)
    s, events = apply(s, PlayCard(seat=0, card_id="SP3", target="User"))
    assert s.threats[0].status is ThreatStatus.VOTING
    assert s.threats[0].reason == "SP3 is an open threat on User: the players judge it"
    assert s.threats[0].gaps == ()  # nothing the model could add decides it


def test_a_flow_target(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(three(arch, deck), PlayCard(seat=0, card_id="TA2"))
    s, _ = apply(s, PlayCard(seat=1, card_id="TA3"))
    s, _ = apply(s, PlayCard(seat=2, card_id="TA4", target="user-api"))
    t = s.threats[-1]
    assert t.target_kind is TargetKind.FLOW and t.status is ThreatStatus.ACCEPTED and "flow User -> Api" in t.reason


def test_an_id_naming_a_component_and_a_flow(arch: Architecture, deck: Deck) -> None:
    """The tiny model has a component and a flow both called Fn: the card decides which is meant."""
    s, _ = apply(three(arch, deck), PlayCard(seat=0, card_id="TA2", target="Fn"))
    assert s.threats[0].target_kind is TargetKind.COMPONENT
    s, _ = apply(s, PlayCard(seat=1, card_id="TA3"))
    s, _ = apply(s, PlayCard(seat=2, card_id="TA4", target="Fn"))
    assert s.threats[-1].target_kind is TargetKind.FLOW


def test_playing_without_a_target_proposes_nothing(arch: Architecture, deck: Deck) -> None:
    s, events = apply(three(arch, deck), PlayCard(seat=0, card_id="TA2"))
    assert s.threats == () and not any(isinstance(e, ThreatJudged) for e in events)


def test_a_note_out_of_turn_with_a_face_up_card(arch: Architecture, deck: Deck) -> None:
    s = three(arch, deck)
    with pytest.raises(CardNotFaceUp):
        apply(s, AddThreat(seat=2, target="Fn", card_id="TA2"))
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Bucket"))
    s, events = apply(s, AddThreat(seat=2, target="Fn", card_id="TA2"))
    t = s.threats[-1]
    assert (t.id, t.source, t.found_by, t.status, t.trick) == ("T2", ThreatSource.NOTE, 2, ThreatStatus.ACCEPTED, None)
    assert s.seats[2].points == 1 and s.turn == 1  # notes never take a turn


def test_only_the_first_finder_scores(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(three(arch, deck), PlayCard(seat=0, card_id="TA2", target="Fn"))
    with pytest.raises(DuplicateThreat, match="T1 already says that"):
        apply(s, AddThreat(seat=1, target="Fn", card_id="TA2", text="same card, same target, other words"))


def test_a_rejected_threat_may_be_proposed_again(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(three(arch, deck), AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Replay the login"))
    s, _ = apply(s, CastVote(seat=0, threat_id="T1", accept=False))
    assert s.threats[0].status is ThreatStatus.REJECTED
    s, _ = apply(s, AddThreat(seat=2, target="Api", suit=Suit.SPOOFING, text="replay the LOGIN"))
    assert s.threats[1].status is ThreatStatus.VOTING


def test_a_free_note_is_voted_on(arch: Architecture, deck: Deck) -> None:
    s, events = apply(three(arch, deck), AddThreat(seat=1, target="user-api", suit=Suit.REPUDIATION, text="No audit of logins"))
    t = s.threats[0]
    assert (t.card_id, t.suit, t.truth, t.status, t.target_kind) == (None, Suit.REPUDIATION, Truth.UNKNOWN, ThreatStatus.VOTING, TargetKind.FLOW)
    judged = events[0]
    assert isinstance(judged, ThreatJudged) and judged.source is ThreatSource.NOTE


def test_normalise() -> None:
    assert normalise("  Replay   the\tLOGIN ") == "replay the login"


def test_threat_ids_are_in_creation_order(arch: Architecture, deck: Deck) -> None:
    s = three(arch, deck)
    for i, text in enumerate(["a", "b", "c"]):
        s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text=text))
    assert [t.id for t in s.threats] == ["T1", "T2", "T3"]
    assert s.threat("T2") is s.threats[1] and s.threat("T4") is None and s.threat("T²") is None and s.threat("X1") is None
