"""The whole state of one game, as an immutable value.

Every accepted command produces a new :class:`GameState` with ``version``
one higher; the old one is untouched, so replays, undo and per-seat views
cost nothing. Nothing here is secret by itself: :mod:`game.views` decides what
each seat may see.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from game.backlog import Backlog
from game.board import Board
from game.cards import Card, Suit
from game.threats import Threat
from game.trick import Trick

T = TypeVar("T")

MAX_SEATS = 12
"""Most seats at a table, bots included."""
MAX_HUMANS = 8
"""Most human seats (a team that fits round one screen)."""
MAX_NAME = 40
"""Longest seat name."""
MAX_MISSED = 32
"""Most things a seat missed that it keeps (the latest): a seat away for a whole game misses a turn a trick and
many votes, and its view carries them all."""


class Phase(StrEnum):
    """Where the game is."""

    SETUP = "setup"
    """Seated, not dealt yet."""
    PLAY = "play"
    """Tricks and threats (the 45-minute evil brainstorm)."""
    RATING = "rating"
    """Every seat rates the accepted threats (the 10-15 minutes of prioritising)."""
    ENDED = "ended"
    """Final scoreboard and prioritised list."""


@dataclasses.dataclass(frozen=True)
class SeatSpec:
    """A seat as the game is set up."""

    name: str
    """Display name, unique among the seats still in the game (a late joiner may take a removed seat's)."""
    bot: bool = False
    """Whether :mod:`game.bots` plays it."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """How a game is set up. Times are seconds; None switches a limit off."""

    seats: tuple[SeatSpec, ...]
    """The seats in playing order (clockwise)."""
    facilitator: int = 0
    """The seat that starts, skips, removes and ends; it plays too. A :class:`~game.commands.TakeOver` or
    :class:`~game.commands.HandOver` moves it."""
    start_suit: Suit = Suit.TAMPERING
    """The holder of its lowest card leads it to open the game."""
    play_seconds: float | None = 45 * 60.0
    """Time box for play; when it passes, play ends."""
    rating_seconds: float | None = 15 * 60.0
    """Time box for prioritising; when it passes, the game ends with the ratings given."""
    turn_seconds: float | None = 90.0
    """How long a seat has to play before its turn passes automatically."""
    vote_seconds: float | None = 120.0
    """How long a vote stays open before the votes cast decide."""
    backlog: Backlog | None = None
    """Threats of earlier sessions, re-checked against this architecture (:func:`game.backlog.carry_over`):
    the game does not play them, its result lists them with their status."""

    @staticmethod
    def for_names(*names: str, bots: int = 0) -> Settings:
        """Human seats with these names, then ``bots`` bot seats; every default otherwise."""
        seats = [SeatSpec(n) for n in names] + [SeatSpec(f"Bot {k + 1}", bot=True) for k in range(bots)]
        return Settings(seats=tuple(seats))


@dataclasses.dataclass(frozen=True)
class Missed:
    """Something the game settled for a seat without it, since the seat last acted: so a player coming back (a
    laptop asleep, a tab closed) is told, from the committed state, and not only whoever was connected then."""

    kind: str
    """``turn``: its turn passed without it; ``vote``: a vote it could have cast was settled without its ballot;
    ``verdict``: the vote on a threat it found was settled (accepted or rejected: the threat says which)."""
    trick: int | None = None
    """The turn's trick."""
    reason: str | None = None
    """Why the turn passed: ``timeout`` or ``skipped`` (by the facilitator)."""
    threat: str | None = None
    """The vote's threat (``vote`` and ``verdict``)."""


@dataclasses.dataclass(frozen=True)
class Seat:
    """One seat during the game: who, whether still here, and the score."""

    id: int
    """0-based position at the table."""
    name: str
    """Display name."""
    bot: bool = False
    """Played by :mod:`game.bots`."""
    present: bool = True
    """False once the facilitator removed it: it no longer plays, votes or rates."""
    points: int = 0
    """Tricks won plus valid threats found."""
    tricks: int = 0
    """Tricks won."""
    threats: int = 0
    """Threats found that were accepted (by rule or by vote)."""
    rated: int = 0
    """How many accepted threats it has rated."""
    finished: bool = False
    """It said it has finished rating."""
    missed: tuple[Missed, ...] = ()
    """What the game settled without it since its last accepted command (the latest :data:`MAX_MISSED`); its
    next command clears it. Only the seat's own view shows it."""


@dataclasses.dataclass(frozen=True)
class GameState:
    """Everything about one game. Build it with :func:`game.engine.new_game`."""

    settings: Settings
    """As set up."""
    board: Board
    """Architecture and cards in play."""
    seed: int
    """Seeds the shuffle and the bots; secret, since it would reveal every hand."""
    seats: tuple[Seat, ...]
    """One per seat of the settings, by id."""
    version: int = 0
    """How many commands have been accepted."""
    phase: Phase = Phase.SETUP
    """Where the game is."""
    hands: tuple[tuple[str, ...], ...] = ()
    """Card ids in each seat's hand, by seat id (sorted STRIDE, rank)."""
    set_aside: tuple[str, ...] = ()
    """Face-down cards in no hand: the undealt remainder and removed seats' hands."""
    trick: Trick | None = None
    """The trick in progress (None outside play)."""
    tricks: tuple[Trick, ...] = ()
    """Finished tricks, in order; their cards stay there face up."""
    turn: int | None = None
    """The seat expected to play now."""
    must_lead: str | None = None
    """The card the first leader must lead (the lowest of the start suit), until then."""
    threats: tuple[Threat, ...] = ()
    """Every threat proposed, in order of creation."""
    clock: float = 0.0
    """The latest ``now`` of an accepted command; time never runs backwards."""
    turn_deadline: float | None = None
    """When the turn passes automatically."""
    play_deadline: float | None = None
    """When play ends automatically."""
    rating_deadline: float | None = None
    """When rating ends automatically."""
    end_reason: str | None = None
    """Why play ended, then why the game ended: tricks, time, facilitator or rated."""
    open_votes: int = 0
    """How many threats are being voted on (so the engine looks for due votes only when there are some)."""
    to_rate: tuple[str, ...] = ()
    """Ids of the threats accepted when play ended: what each seat is asked to rate."""

    def card(self, card_id: str) -> Card:
        """A card in play, by id."""
        return self.board.cards[card_id]

    def present(self) -> Iterator[int]:
        """Ids of the seats still in the game."""
        return (s.id for s in self.seats if s.present)

    def face_up(self) -> frozenset[str]:
        """Every card played so far (in finished tricks and in the trick in progress)."""
        played = {p.card_id for t in self.tricks for p in t.plays}
        if self.trick is not None:
            played.update(p.card_id for p in self.trick.plays)
        return frozenset(played)

    def threat(self, threat_id: str) -> Threat | None:
        """The threat with that id, or None."""
        # Ids are T1, T2… in creation order, so the index is in the id.
        digits = threat_id[1:]
        if threat_id[:1] == "T" and 0 < len(digits) <= 9 and digits.isascii() and digits.isdigit():
            n = int(digits)
            if 1 <= n <= len(self.threats) and self.threats[n - 1].id == threat_id:
                return self.threats[n - 1]
        return None


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def evolve(obj: T, **changes: Any) -> T:
    """A copy of a frozen engine value with some fields changed: ``dataclasses.replace``, fast.

    ``replace`` re-runs ``__init__`` over every field, which made it most of
    the cost of a command; the engine's values (GameState, Seat, Trick,
    Threat) have no ``__post_init__`` to re-run, so copying the instance
    dictionary is equivalent. Not for classes that validate in ``__post_init__``.
    """
    cls: type = type(obj)
    if __debug__ and not _field_names(cls).issuperset(changes):
        raise TypeError(f"{cls.__name__} has no field {sorted(set(changes) - _field_names(cls))[0]!r}")
    fields = obj.__dict__.copy()
    fields.update(changes)
    new: T = _new(cls)
    _set(new, "__dict__", fields)
    return new


_new = object.__new__
_set = object.__setattr__
