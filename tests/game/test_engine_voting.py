"""Votes on undecided threats: majority of the other present seats, ties reject, deadlines close."""

from __future__ import annotations

import pytest
from gamekit import table

from game import voting
from game.architecture import Architecture
from game.cards import Suit
from game.commands import AddThreat, CastVote, CloseVote, EndGame, EndPlay, PlayCard, RemoveSeat, Tick
from game.deck import Deck
from game.engine import apply, legal_moves
from game.errors import NotFacilitator, VoteClosed
from game.events import ThreatAccepted, ThreatRejected, VoteCast
from game.exports import FORMATS, render
from game.priority import final_list
from game.result import result_of
from game.state import GameState
from game.threats import JudgedBy, ThreatStatus
from game.views import view_for
from game.voting import Vote


def four(arch: Architecture, deck: Deck, **kw: object) -> GameState:
    """Four seats and one open note by Bob (T1): the electorate is Ann, Cat and Dan."""
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)], **kw)  # type: ignore[arg-type]
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Token replay", now=0.0))
    return s


def test_decide_and_close() -> None:
    yes, no = Vote(1, True), Vote(2, False)
    assert voting.decide((), ()) is True
    assert voting.decide((yes,), (1, 2, 3)) is None
    assert voting.decide((yes, Vote(3, True)), (1, 2, 3)) is True
    assert voting.decide((no,), (1, 2)) is False  # half says no: a tie can no longer pass
    assert voting.decide((yes, no), (1, 2, 3, 4)) is None
    assert voting.decide((Vote(9, True),), (1,)) is None  # a vote from outside the electorate does not count
    assert voting.close((yes,), (1, 2, 3)) is True
    assert voting.close((yes, no), (1, 2, 3)) is False
    assert voting.close((), (1, 2)) is False
    assert voting.close((), ()) is True
    assert voting.electorate([0, 1, 2], 1) == (0, 2)


def test_a_majority_accepts_and_the_finder_scores(arch: Architecture, deck: Deck) -> None:
    s = four(arch, deck)
    s, events = apply(s, CastVote(seat=0, threat_id="T1", accept=True))
    assert events == [VoteCast(threat_id="T1", seat=0)] and s.threats[0].status is ThreatStatus.VOTING
    s, events = apply(s, CastVote(seat=2, threat_id="T1", accept=True))
    accepted = events[-1]
    assert isinstance(accepted, ThreatAccepted) and accepted.judged_by is JudgedBy.VOTE and accepted.yes == (0, 2) and accepted.no == ()
    assert s.threats[0].status is ThreatStatus.ACCEPTED and s.seats[1].points == 1


def test_rejected_once_half_says_no(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)])
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"))
    s, events = apply(s, CastVote(seat=0, threat_id="T1", accept=False))
    rejected = events[-1]
    assert isinstance(rejected, ThreatRejected) and rejected.reason == "the vote went 0 yes to 1 no" and rejected.no == (0,)
    assert s.seats[1].points == 0


def test_the_deadline_closes_with_the_votes_cast(arch: Architecture, deck: Deck) -> None:
    s = four(arch, deck, turn_seconds=None)
    s, _ = apply(s, CastVote(seat=0, threat_id="T1", accept=True, now=10.0))
    same, _ = apply(s, Tick(now=119.0))
    assert same is s
    s, events = apply(s, Tick(now=120.0))
    assert isinstance(events[0], ThreatAccepted) and s.threats[0].status is ThreatStatus.ACCEPTED


def test_no_votes_at_the_deadline_rejects(arch: Architecture, deck: Deck) -> None:
    s = four(arch, deck, turn_seconds=None)
    s, events = apply(s, Tick(now=500.0))
    assert isinstance(events[0], ThreatRejected)


def test_end_of_play_closes_open_votes(arch: Architecture, deck: Deck) -> None:
    s = four(arch, deck)
    s, _ = apply(s, CastVote(seat=0, threat_id="T1", accept=True))
    s, events = apply(s, EndPlay(seat=0))
    assert isinstance(events[0], ThreatAccepted) and s.threats[0].status is ThreatStatus.ACCEPTED


def test_removing_a_voter_can_decide_the_vote(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)])
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"))
    s, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=True))
    assert s.threats[0].status is ThreatStatus.VOTING  # 1 of 2: not yet a majority
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=2))
    # Cat left: her vote no longer counts, and Ann alone now decides.
    assert s.threats[0].status is ThreatStatus.VOTING
    s, _ = apply(s, CastVote(seat=0, threat_id="T1", accept=True))
    assert s.threats[0].status is ThreatStatus.ACCEPTED


def test_with_nobody_else_present_a_threat_is_accepted(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "TA3")], names=("Solo",))
    s, events = apply(s, PlayCard(seat=0, card_id="TA3", target="Api"))
    assert s.threats[0].status is ThreatStatus.ACCEPTED and s.seats[0].threats == 1
    assert any(isinstance(e, ThreatAccepted) and e.judged_by is JudgedBy.VOTE for e in events)


def test_legal_votes(arch: Architecture, deck: Deck) -> None:
    s = four(arch, deck)
    assert legal_moves(s, 0).votable == ("T1",)
    assert legal_moves(s, 1).votable == ()  # the finder
    s, _ = apply(s, CastVote(seat=0, threat_id="T1", accept=False))
    assert legal_moves(s, 0).votable == ()


@pytest.mark.parametrize("accept", [True, False])
def test_votes_are_recorded_in_order(accept: bool, arch: Architecture, deck: Deck) -> None:
    s = four(arch, deck)
    s, _ = apply(s, CastVote(seat=3, threat_id="T1", accept=accept))
    assert s.threats[0].votes == (Vote(3, accept),)


def six_with_a_departed_no(arch: Architecture, deck: Deck) -> tuple[GameState, ThreatAccepted]:
    """Six seats; Cat votes no on Bob's note T1 and is removed; Ann, Dan and Eve then accept it 3 to 0."""
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",), ("SP3",), ("SP4",)])
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Token replay"))
    s, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=False))
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=2))
    for seat in (0, 3):
        s, _ = apply(s, CastVote(seat=seat, threat_id="T1", accept=True))
    assert s.threats[0].status is ThreatStatus.VOTING
    s, events = apply(s, CastVote(seat=4, threat_id="T1", accept=True))
    accepted = events[-1]
    assert isinstance(accepted, ThreatAccepted) and accepted.yes == (0, 3, 4) and accepted.no == ()
    return s, accepted


def test_the_final_list_shows_the_tally_that_settled_the_vote(arch: Architecture, deck: Deck) -> None:
    s, accepted = six_with_a_departed_no(arch, deck)
    # Cat's no was cast but no longer counted when the vote settled; the list says what the event said.
    assert s.threats[0].votes[0] == Vote(2, False)
    s, _ = apply(s, EndGame(seat=0))
    (entry,) = final_list(s)
    assert entry.reason.startswith(f"accepted by vote, {len(accepted.yes)} to {len(accepted.no)}: ")
    assert view_for(s, None)["threats"][0]["vote"] == {"yes": [0, 3, 4], "no": []}
    assert view_for(s, 2)["mine"]["votes"] == {"T1": False}  # Cat still sees her own ballot
    assert s.threats[0].tally == voting.Tally(yes=accepted.yes, no=accepted.no)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_export_shows_the_tally_that_settled_the_vote(fmt: str, arch: Architecture, deck: Deck) -> None:
    s, _ = six_with_a_departed_no(arch, deck)
    s, _ = apply(s, EndGame(seat=0))
    text = render(fmt, result_of(s))
    assert "accepted by vote, 3 to 0" in text and "3 to 1" not in text


def test_a_rejection_keeps_its_tally(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)])
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"))
    s, _ = apply(s, CastVote(seat=3, threat_id="T1", accept=True))
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=3))
    s, events = apply(s, CastVote(seat=2, threat_id="T1", accept=False))
    rejected = events[-1]
    assert isinstance(rejected, ThreatRejected) and rejected.reason == "the vote went 0 yes to 1 no"
    assert view_for(s, None)["threats"][0]["vote"] == {"yes": [], "no": [2]}
    assert s.threats[0].tally == voting.Tally(yes=(), no=(2,))


def test_the_facilitator_settles_an_open_vote_on_the_ballots_cast(arch: Architecture, deck: Deck) -> None:
    # Dan's laptop slept and the game has no vote time limit: Ann calls the vote on the two ballots cast.
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)], vote_seconds=None)
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"))
    s, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=True))
    assert "CloseVote" in legal_moves(s, 0).facilitator and "CloseVote" not in legal_moves(s, 2).facilitator
    with pytest.raises(NotFacilitator):
        apply(s, CloseVote(seat=2, threat_id="T1"))
    s, events = apply(s, CloseVote(seat=0, threat_id="T1"))
    assert [type(e).__name__ for e in events] == ["VoteCalled", "ThreatAccepted"]
    assert s.threats[0].status is ThreatStatus.ACCEPTED and s.threats[0].tally == voting.Tally(yes=(2,), no=())
    assert "CloseVote" not in legal_moves(s, 0).facilitator
    with pytest.raises(VoteClosed):
        apply(s, CloseVote(seat=0, threat_id="T1"))


def test_a_called_vote_with_no_ballots_rejects_as_a_tie(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], vote_seconds=None)
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"))
    s, events = apply(s, CloseVote(seat=0, threat_id="T1"))
    assert s.threats[0].status is ThreatStatus.REJECTED and events[-1].reason == "the vote went 0 yes to 0 no"
