"""Votes: whether an undecided threat is accepted, and the likelihood × impact ratings.

The rule (see ``docs/engine.md``): the electorate is every *present* seat
other than the finder. A threat is accepted as soon as more than half the
electorate says yes, and rejected as soon as at least half says no, so a tie
rejects (the team did not agree it is a threat). With nobody else present it
is accepted. When the vote's time runs out or play ends, the votes cast so far
decide: accepted only if yes outnumbers no.

>>> decide((Vote(1, True), Vote(2, True)), electorate=(1, 2, 3))
True
>>> decide((Vote(1, False),), electorate=(1, 2)) is False
True
>>> decide((Vote(1, True),), electorate=(1, 2, 3)) is None
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable


@dataclasses.dataclass(frozen=True)
class Vote:
    """One seat's yes or no on a threat."""

    seat: int
    """Who voted."""
    accept: bool
    """Yes: it is a real threat."""


@dataclasses.dataclass(frozen=True)
class Rating:
    """One seat's likelihood and impact for an accepted threat."""

    seat: int
    """Who rated."""
    likelihood: int
    """1 to 5."""
    impact: int
    """1 to 5."""


def electorate(present: Iterable[int], finder: int) -> tuple[int, ...]:
    """The seats that vote on a threat: present and not its finder."""
    return tuple(s for s in present if s != finder)


@dataclasses.dataclass(frozen=True)
class Tally:
    """The votes that counted: the seats that said yes and no, in the order they voted."""

    yes: tuple[int, ...] = ()
    """Seats that voted yes."""
    no: tuple[int, ...] = ()
    """Seats that voted no."""


def tally(votes: Iterable[Vote], electorate: Collection[int]) -> Tally:
    """The votes of seats still in the electorate: a removed seat's ballot no longer counts."""
    yes: list[int] = []
    no: list[int] = []
    for v in votes:
        if v.seat in electorate:
            (yes if v.accept else no).append(v.seat)
    return Tally(tuple(yes), tuple(no))


def decide(votes: Iterable[Vote], electorate: Collection[int]) -> bool | None:
    """True (accepted), False (rejected) or None (still open) while the vote runs."""
    n = len(electorate)
    if n == 0:
        return True
    counted = tally(votes, electorate)
    if 2 * len(counted.yes) > n:
        return True
    if 2 * len(counted.no) >= n:
        return False
    return None


def close(votes: Iterable[Vote], electorate: Collection[int]) -> bool:
    """The outcome when time is up: the votes cast decide, and a tie (or no vote) rejects."""
    if not electorate:
        return True
    counted = tally(votes, electorate)
    return len(counted.yes) > len(counted.no)
