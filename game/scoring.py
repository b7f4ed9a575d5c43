"""Points: +1 per trick won, +1 per valid threat found first, and the scoreboard."""

from __future__ import annotations

import dataclasses
from typing import Any

from game.state import GameState, Seat, evolve


def award_trick(seat: Seat) -> Seat:
    """The seat after winning a trick."""
    return evolve(seat, points=seat.points + 1, tricks=seat.tricks + 1)


def award_threat(seat: Seat) -> Seat:
    """The seat after a threat it found was accepted.

    Only the first finder of a card on a target can get here: the engine
    refuses a duplicate while the first is accepted or being voted on.
    """
    return evolve(seat, points=seat.points + 1, threats=seat.threats + 1)


@dataclasses.dataclass(frozen=True)
class ScoreLine:
    """One seat on the scoreboard."""

    seat: int
    """Seat id."""
    name: str
    """Display name."""
    points: int
    """Tricks plus threats."""
    tricks: int
    """Tricks won."""
    threats: int
    """Valid threats found."""
    present: bool
    """False if the seat was removed (its points still count)."""
    bot: bool
    """Played by a bot."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dataclasses.asdict(self)


def scoreboard(state: GameState) -> tuple[ScoreLine, ...]:
    """Every seat, most points first; ties keep seat order."""
    lines = [ScoreLine(s.id, s.name, s.points, s.tricks, s.threats, s.present, s.bot) for s in state.seats]
    return tuple(sorted(lines, key=lambda line: (-line.points, line.seat)))
