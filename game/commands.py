"""What players, the facilitator and the server's clock ask the engine to do.

Commands are small frozen, keyword-only dataclasses named in the imperative.
They carry no authority of their own: ``seat`` is the seat the server
authenticated the sender as, and :func:`game.engine.check` decides whether the
command is allowed. ``now`` is the caller's clock in seconds (the engine never
reads one); every command carries it, so a command that arrives after a
deadline first lets that deadline pass (see ``docs/engine.md``).

>>> PlayCard(seat=1, card_id="T3", target="EmployeeApi", now=12.5)
PlayCard(now=12.5, expected_version=None, seat=1, card_id='T3', target='EmployeeApi', text=None)
"""

from __future__ import annotations

import dataclasses

from game.cards import Suit


@dataclasses.dataclass(frozen=True, kw_only=True)
class Command:
    """Base of every command."""

    now: float = 0.0
    """The caller's clock, in seconds (monotonic or epoch, but always the same clock for a game)."""
    expected_version: int | None = None
    """If set, the command is refused with ``stale_state`` unless the game is at this version."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeatCommand(Command):
    """A command sent on behalf of one seat."""

    seat: int
    """The seat sending it (0-based)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class StartGame(SeatCommand):
    """Facilitator: shuffle, deal and start the clocks."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PlayCard(SeatCommand):
    """Play a card into the current trick, naming the component or flow it threatens."""

    card_id: str
    """A card in the seat's hand."""
    target: str | None = None
    """Id of a component or flow; None plays the card without proposing a threat."""
    text: str | None = None
    """The threat as the player words it; None or blank uses the card's question."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class PassTurn(SeatCommand):
    """Let the turn go without playing; the seat keeps its cards."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AddThreat(SeatCommand):
    """A sticky note: propose a threat at any time during play, out of turn."""

    target: str
    """Id of a component or flow."""
    card_id: str | None = None
    """A card already played face up whose rule judges the note; None for a free note the players vote on."""
    suit: Suit | None = None
    """STRIDE category; required without a card, and must match the card's suit with one."""
    text: str | None = None
    """The threat; required without a card, else defaults to the card's question."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class CastVote(SeatCommand):
    """Vote on a threat the rules could not decide."""

    threat_id: str
    """e.g. ``T4``."""
    accept: bool
    """Whether the seat agrees it is a real threat."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Tick(Command):
    """The server's clock: lets due deadlines pass (turns, votes, time boxes). Sent by no seat."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class SkipSeat(SeatCommand):
    """Facilitator: pass the turn of the seat on turn (someone stepped away)."""

    target_seat: int
    """The seat to skip; it must be on turn."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RemoveSeat(SeatCommand):
    """Facilitator: take a seat out of the game; its hand is set aside, its points stay."""

    target_seat: int
    """The seat to remove; not the facilitator's own."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class CloseVote(SeatCommand):
    """Facilitator: settle an open vote now on the ballots cast, as its time limit would (a voter is away and
    the game has no vote time limit)."""

    threat_id: str
    """e.g. ``T4``."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EndPlay(SeatCommand):
    """Facilitator: stop playing cards and move on to prioritising."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class RateThreat(SeatCommand):
    """Rate an accepted threat for likelihood and impact, 1 to 5; rating again replaces it."""

    threat_id: str
    """e.g. ``T4``."""
    likelihood: int
    """1 (rare) to 5 (almost certain)."""
    impact: int
    """1 (negligible) to 5 (severe)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class FinishRating(SeatCommand):
    """Say the seat has rated all it wants to; the game ends when every present seat is done."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EndGame(SeatCommand):
    """Facilitator: end the game now (from play or from rating) and produce the final list."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TakeOver(SeatCommand):
    """Become the facilitator. The engine knows nothing of connections: the server sends it only once the
    facilitator has been away long enough, so a game without time limits never waits on an absent host."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class JoinLate(Command):
    """Seat someone who arrives after the game started: a new seat after the last one, dealt a share of the
    face-down cards. Sent by no seat (the newcomer has none yet); the server sends it for the join page."""

    name: str
    """The newcomer's display name, unique at the table."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class HandOver(SeatCommand):
    """Facilitator: hand facilitating to another seat (leaving early, or letting a newcomer run the next round).
    The other side of :class:`TakeOver`: the facilitator chooses, so the server waits for no absence."""

    target_seat: int
    """The new facilitator: a seat still in the game, not a bot, not the facilitator's own."""


#: Every concrete command class by name, for deserialising.
COMMANDS: dict[str, type[Command]] = {
    c.__name__: c
    for c in (
        StartGame,
        PlayCard,
        PassTurn,
        AddThreat,
        CastVote,
        CloseVote,
        Tick,
        SkipSeat,
        RemoveSeat,
        EndPlay,
        RateThreat,
        FinishRating,
        EndGame,
        TakeOver,
        JoinLate,
        HandOver,
    )
}
