"""What the game settles for a seat without it (a turn passed, a vote decided) is kept until the seat acts again,
and shown only in its own view: a player who comes back is told from the committed state."""

from __future__ import annotations

from gamekit import table

from game.architecture import Architecture
from game.cards import Suit
from game.commands import AddThreat, CastVote, CloseVote, EndPlay, PassTurn, PlayCard, RemoveSeat, SkipSeat, Tick
from game.deck import Deck
from game.engine import apply
from game.serialize import state_from_dict, state_to_dict
from game.state import MAX_MISSED, Missed, evolve
from game.threats import ThreatStatus
from game.views import view_for


def test_a_turn_that_times_out_is_kept_for_its_seat_until_it_acts(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "RE2"), ("TA3",), ("TA4",)], clock=0.0)
    s, _ = apply(s, Tick(now=90.0))  # Ann's turn runs out
    assert s.seats[0].missed == (Missed("turn", trick=1, reason="timeout"),)
    assert s.seats[1].missed == () and s.seats[2].missed == ()
    assert view_for(s, 0)["missed"] == [{"kind": "turn", "trick": 1, "reason": "timeout"}]
    assert view_for(s, 1)["missed"] == [] and view_for(s, None)["missed"] is None
    assert all("missed" not in seat for seat in view_for(s, 1)["seats"])  # never in what the others see
    # Someone else's move does not clear it; Ann's own does (a sticky note: she is back).
    s, _ = apply(s, PlayCard(seat=1, card_id="TA3", now=91.0))
    assert s.seats[0].missed
    s, _ = apply(s, AddThreat(seat=0, target="Api", suit=Suit.SPOOFING, text="Token replay", now=92.0))
    assert s.seats[0].missed == () and view_for(s, 0)["missed"] == []


def test_a_skipped_turn_is_kept_and_a_pass_is_not(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "RE2"), ("TA3", "IN2"), ("TA4", "DO2")])
    s, _ = apply(s, SkipSeat(seat=0, target_seat=0))  # the facilitator skips herself: her own command
    assert s.seats[0].missed == ()
    s, _ = apply(s, SkipSeat(seat=0, target_seat=1))
    assert s.seats[1].missed == (Missed("turn", trick=1, reason="skipped"),)
    s, _ = apply(s, PassTurn(seat=2))
    assert s.seats[2].missed == ()


def test_a_vote_settled_without_a_ballot_is_kept_for_the_seats_that_did_not_vote(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)], clock=0.0, vote_seconds=60.0)
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Token replay", now=0.0))
    s, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=True, now=1.0))
    s, _ = apply(s, Tick(now=61.0))  # the vote's time is up: Cat's yes decides, without Ann and Dan
    assert s.threats[0].judged_by is not None
    assert s.seats[0].missed[-1] == Missed("vote", threat="T1")
    assert s.seats[3].missed == (Missed("vote", threat="T1"),)
    assert s.seats[2].missed == ()  # Cat voted
    assert s.seats[1].missed == (Missed("verdict", threat="T1"),)  # Bob found it: no vote, told the outcome
    assert view_for(s, 3)["missed"] == [{"kind": "vote", "threat": "T1"}]


def test_a_vote_closed_by_the_facilitator_is_kept_too(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], vote_seconds=None)
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Token replay", now=0.0))
    s, _ = apply(s, CloseVote(seat=0, threat_id="T1", now=1.0))
    assert s.seats[2].missed == (Missed("vote", threat="T1"),)
    assert s.seats[0].missed == ()  # she closed it: her own command


def test_only_the_latest_are_kept_and_they_survive_a_snapshot(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)])
    many = tuple(Missed("vote", threat=f"T{n}") for n in range(1, MAX_MISSED + 1))
    s = evolve(s, seats=(evolve(s.seats[0], missed=many),) + s.seats[1:])
    s, _ = apply(s, Tick(now=90.0))  # and then her turn runs out
    assert len(s.seats[0].missed) == MAX_MISSED
    assert s.seats[0].missed[0] == Missed("vote", threat="T2") and s.seats[0].missed[-1].kind == "turn"
    assert state_from_dict(state_to_dict(s)) == s


def test_an_older_snapshot_without_it_loads(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)])
    data = state_to_dict(s)
    for seat in data["seats"]:
        del seat["missed"]
    assert state_from_dict(data) == s


def test_a_vote_on_your_own_threat_settled_while_you_were_away_is_kept_for_you(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], vote_seconds=None)
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Token replay", now=0.0))
    assert s.seats[1].missed == ()  # open: nothing settled yet
    s, _ = apply(s, CastVote(seat=0, threat_id="T1", accept=True, now=1.0))
    s, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=False, now=2.0))  # one to one: rejected
    assert s.threats[0].status is ThreatStatus.REJECTED
    assert s.seats[1].missed == (Missed("verdict", threat="T1"),)
    assert s.seats[0].missed == () and s.seats[2].missed == ()  # both voted
    assert view_for(s, 1)["missed"] == [{"kind": "verdict", "threat": "T1"}]
    assert view_for(s, 0)["missed"] == [] and view_for(s, 2)["missed"] == [] and view_for(s, None)["missed"] is None
    # Kept through a snapshot, and emptied by the finder's next command like any other.
    assert state_from_dict(state_to_dict(s)) == s
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.TAMPERING, text="Edited payroll", now=3.0))
    assert s.seats[1].missed == ()


def test_accepted_by_a_majority_or_at_the_end_of_play_the_finder_is_told_too(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], vote_seconds=None)
    s, _ = apply(s, AddThreat(seat=2, target="Api", suit=Suit.SPOOFING, text="Token replay", now=0.0))
    s, _ = apply(s, AddThreat(seat=2, target="Api", suit=Suit.TAMPERING, text="Edited payroll", now=0.0))
    s, _ = apply(s, CastVote(seat=0, threat_id="T1", accept=True, now=1.0))
    s, _ = apply(s, CastVote(seat=1, threat_id="T1", accept=True, now=1.0))
    assert s.threats[0].status is ThreatStatus.ACCEPTED
    assert s.seats[2].missed == (Missed("verdict", threat="T1"),)
    s, _ = apply(s, EndPlay(seat=0, now=2.0))  # T2's vote closes with play, nobody having voted: rejected
    assert s.threats[1].status is ThreatStatus.REJECTED
    assert s.seats[2].missed == (Missed("verdict", threat="T1"), Missed("verdict", threat="T2"))


def test_the_finder_that_settles_its_own_vote_has_missed_nothing(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], vote_seconds=None)
    s, _ = apply(s, AddThreat(seat=0, target="Api", suit=Suit.SPOOFING, text="Token replay", now=0.0))
    s, _ = apply(s, CloseVote(seat=0, threat_id="T1", now=1.0))  # the facilitator closes the vote on her own threat
    assert s.threats[0].status is ThreatStatus.REJECTED
    assert s.seats[0].missed == ()
    assert s.seats[1].missed == s.seats[2].missed == (Missed("vote", threat="T1"),)


def test_a_removed_finder_is_not_kept_anything(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], vote_seconds=None)
    s, _ = apply(s, AddThreat(seat=2, target="Api", suit=Suit.SPOOFING, text="Token replay", now=0.0))
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=2, now=1.0))
    s, _ = apply(s, CloseVote(seat=0, threat_id="T1", now=2.0))
    assert s.threats[0].status is ThreatStatus.REJECTED and s.seats[2].missed == ()


def test_a_bot_is_never_told_what_it_missed(arch: Architecture, deck: Deck) -> None:
    # Nobody reads a bot's notices, so they would only grow its snapshot to the cap and stay there.
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)], clock=0.0, vote_seconds=60.0)
    s = evolve(s, seats=tuple(evolve(seat, bot=seat.id in (1, 3)) for seat in s.seats))
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Token replay", now=0.0))
    s, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=True, now=1.0))
    s, _ = apply(s, Tick(now=61.0))  # settled without Ann and Dan; Bob found it
    assert s.threats[0].judged_by is not None
    assert s.seats[0].missed[-1] == Missed("vote", threat="T1")  # Ann is a person: she is told
    assert s.seats[1].missed == () and s.seats[3].missed == ()  # the bots are not
