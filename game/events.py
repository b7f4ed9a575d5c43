"""What happened: small frozen dataclasses named in the past tense.

:func:`game.engine.apply` returns them; the server turns them into broadcasts
and log rows. Every event is public: nothing in one reveals a hand, the
undealt cards, an open vote's ballots or a rating before the game ends. What
each seat may see privately comes from :func:`game.views.view_for`.

``reason`` values: TurnPassed ``pass`` | ``timeout`` | ``skipped`` |
``removed``; FacilitatorChanged ``take_over`` | ``hand_over``; PlayEnded
``tricks`` | ``time`` | ``facilitator``; GameEnded ``rated`` | ``time`` |
``facilitator``.
"""

from __future__ import annotations

import dataclasses

from game.board import TargetKind
from game.cards import Suit
from game.predicates import Truth
from game.scoring import ScoreLine
from game.threats import JudgedBy, ThreatSource


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class GameStarted(Event):
    """The facilitator started the game."""

    seats: tuple[str, ...]
    """Seat names, by seat id."""
    facilitator: int
    """The facilitator's seat."""
    start_suit: Suit
    """The suit whose lowest card opens the game."""
    deck: str
    """Name of the deck."""
    play_deadline: float | None
    """When play ends at the latest."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class CardsDealt(Event):
    """The cards were shuffled and dealt evenly."""

    hand_sizes: tuple[int, ...]
    """Cards in each seat's hand, by seat id."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TurnStarted(Event):
    """A seat is on turn."""

    seat: int
    """Whose turn it is."""
    trick: int
    """Number of the trick."""
    deadline: float | None
    """When the turn passes automatically."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class CardPlayed(Event):
    """A card was played face up into the trick."""

    seat: int
    """Who played it."""
    card_id: str
    """The card."""
    trick: int
    """Number of the trick."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreatJudged(Event):
    """A threat was proposed and its card's rule answered."""

    threat_id: str
    """``T1``, ``T2``…"""
    seat: int
    """Who proposed it."""
    suit: Suit
    """STRIDE category."""
    card_id: str | None
    """The card (None for a free note)."""
    target: str
    """Component or flow id."""
    target_kind: TargetKind
    """Component or flow."""
    text: str
    """The threat."""
    truth: Truth
    """holds, does_not_hold or unknown."""
    reason: str
    """Why, for everyone to learn from."""
    source: ThreatSource
    """Played card or sticky note."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class VoteOpened(Event):
    """The rule could not decide; the other players vote."""

    threat_id: str
    """The threat."""
    electorate: tuple[int, ...]
    """Seats that may vote."""
    deadline: float | None
    """When the votes cast decide (None: at the end of play)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class VoteCast(Event):
    """A seat voted; how stays secret until the vote closes."""

    threat_id: str
    """The threat."""
    seat: int
    """Who voted."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreatAccepted(Event):
    """A threat is valid and goes on the list."""

    threat_id: str
    """The threat."""
    seat: int
    """Who found it, and scored a point."""
    judged_by: JudgedBy
    """Rule or vote."""
    yes: tuple[int, ...] = ()
    """Seats that voted yes (a vote only)."""
    no: tuple[int, ...] = ()
    """Seats that voted no (a vote only)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreatRejected(Event):
    """A threat does not count."""

    threat_id: str
    """The threat."""
    judged_by: JudgedBy
    """Rule or vote."""
    reason: str
    """Why: the rule's reason, or the vote's result."""
    yes: tuple[int, ...] = ()
    """Seats that voted yes (a vote only)."""
    no: tuple[int, ...] = ()
    """Seats that voted no (a vote only)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrickWon(Event):
    """A trick was taken (+1 point); the winner leads next."""

    trick: int
    """Number of the trick."""
    seat: int
    """The winner."""
    card_id: str
    """The winning card."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrickPassed(Event):
    """Every seat let its turn go; nobody takes the trick."""

    trick: int
    """Number of the trick."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TurnPassed(Event):
    """A seat's turn went by without a card."""

    seat: int
    """Whose turn it was."""
    trick: int
    """Number of the trick."""
    reason: str
    """pass, timeout, skipped or removed."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class VoteCalled(Event):
    """The facilitator settled an open vote before every voter had voted; its verdict event follows."""

    threat_id: str
    by: int
    """The facilitator."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeatSkipped(Event):
    """The facilitator skipped the seat on turn."""

    seat: int
    """The skipped seat."""
    by: int
    """The facilitator."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeatRemoved(Event):
    """The facilitator removed a seat; its hand is set aside, its points stay."""

    seat: int
    """The removed seat."""
    by: int
    """The facilitator."""
    cards_set_aside: int
    """How many cards it still held."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class FacilitatorChanged(Event):
    """Another seat facilitates now: it took over (the facilitator was away), or the facilitator handed it over."""

    seat: int
    """The new facilitator."""
    previous: int
    """The seat that facilitated until now; it plays on."""
    reason: str
    """take_over (the new facilitator asked) or hand_over (the previous one chose it)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlayEnded(Event):
    """No more cards; prioritising starts."""

    reason: str
    """tricks, time or facilitator."""
    rating_deadline: float | None
    """When rating ends at the latest."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreatRated(Event):
    """A seat rated a threat; the numbers stay secret until the end."""

    threat_id: str
    """The threat."""
    seat: int
    """Who rated."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RatingFinished(Event):
    """A seat has rated all it wants to."""

    seat: int
    """Who finished."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class GameEnded(Event):
    """The game is over: the final scoreboard; ``final_list`` gives the threats."""

    reason: str
    """rated, time or facilitator."""
    scoreboard: tuple[ScoreLine, ...]
    """Most points first."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeatJoined(Event):
    """Someone took a new seat during play; it sits out the trick in progress."""

    seat: int
    """The new seat (after the last one)."""
    name: str
    """Its display name."""
    hand_sizes: tuple[int, ...]
    """Cards in each seat's hand afterwards, by seat id (the newcomer's share came from the face-down cards)."""


#: Every concrete event class by name, for deserialising.
EVENTS: dict[str, type[Event]] = {
    e.__name__: e
    for e in (
        GameStarted,
        CardsDealt,
        TurnStarted,
        CardPlayed,
        ThreatJudged,
        VoteOpened,
        VoteCast,
        ThreatAccepted,
        ThreatRejected,
        TrickWon,
        TrickPassed,
        TurnPassed,
        SeatSkipped,
        VoteCalled,
        SeatRemoved,
        FacilitatorChanged,
        PlayEnded,
        ThreatRated,
        RatingFinished,
        GameEnded,
        SeatJoined,
    )
}
