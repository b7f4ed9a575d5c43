"""Threats: what a played card or a sticky note claims about a component or flow.

A threat is judged the moment it is proposed. Its card's rule holding makes it
accepted, not holding makes it rejected (with the reason, so everyone learns
why), and an unknown answer or an open-threat card opens a vote. Ids are
``T1``, ``T2``… in order of creation, so a replay gives the same ids.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from game.board import TargetKind
from game.cards import Suit
from game.predicates import Gap, Truth
from game.voting import Rating, Tally, Vote

MAX_TEXT = 500
"""Longest threat text, in characters."""


class ThreatStatus(StrEnum):
    """Where a threat stands."""

    VOTING = "voting"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ThreatSource(StrEnum):
    """How a threat came up."""

    PLAY = "play"
    """A card played into a trick."""
    NOTE = "note"
    """A sticky note added at any time during play."""


class JudgedBy(StrEnum):
    """What decided a threat."""

    RULE = "rule"
    VOTE = "vote"


@dataclasses.dataclass(frozen=True)
class Threat:
    """A proposed threat and everything decided about it."""

    id: str
    """``T1``, ``T2``… in order of creation."""
    found_by: int
    """The seat that proposed it."""
    suit: Suit
    """STRIDE category (the card's suit, or the note's)."""
    card_id: str | None
    """The card that judges it; None for a free note."""
    target: str
    """Id of the component or flow."""
    target_kind: TargetKind
    """Whether ``target`` is a component or a flow."""
    text: str
    """The threat in the player's words."""
    truth: Truth
    """The rule's answer (unknown for open cards and free notes)."""
    reason: str
    """Why, in one line naming the component and the fact."""
    status: ThreatStatus
    """Voting, accepted or rejected."""
    source: ThreatSource
    """Played card or sticky note."""
    trick: int | None = None
    """The trick it was played in (None for a note)."""
    judged_by: JudgedBy | None = None
    """Rule or vote, once decided."""
    vote_deadline: float | None = None
    """When the vote closes with the votes cast (None: at the end of play)."""
    votes: tuple[Vote, ...] = ()
    """Yes/no votes, in the order cast; secret until the vote closes."""
    ratings: tuple[Rating, ...] = ()
    """Likelihood and impact from each seat that rated it, by seat; secret until the game ends."""
    tally: Tally | None = None
    """The votes that decided it, counted among the electorate when the vote settled (None until then,
    for a rule's verdict, and in snapshots saved before tallies were stored: see :meth:`settled_tally`)."""
    gaps: tuple[Gap, ...] = ()
    """What the model does not give that the rule's unknown answer waits on (empty for any other answer, for
    open cards and free notes, and in snapshots saved before gaps were stored)."""

    def settled_tally(self) -> Tally:
        """Who said yes and who said no when the vote settled: what the final list and the views show.

        Ballots of seats removed before the vote settled are kept in ``votes`` but did not count.
        A snapshot saved before the tally was stored has only the ballots: every one of them
        counts, as those games showed it.
        """
        if self.tally is not None:
            return self.tally
        return Tally(tuple(v.seat for v in self.votes if v.accept), tuple(v.seat for v in self.votes if not v.accept))

    def key(self) -> tuple[str, ...]:
        """What makes two threats the same finding: the card on the target, or the same note."""
        if self.card_id is not None:
            return ("card", self.card_id, self.target_kind.value, self.target)
        return ("note", self.suit.value, self.target_kind.value, self.target, normalise(self.text))


def normalise(text: str) -> str:
    """Text compared for duplicates: case and runs of whitespace do not matter."""
    return " ".join(text.split()).casefold()


def threat_id(n: int) -> str:
    """The id of the n-th threat (1-based)."""
    return f"T{n}"
