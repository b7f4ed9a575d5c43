"""Replaying a game: the same seed and commands always give the same game.

The server keeps a snapshot and the commands applied since; a golden test
keeps a seed and a command list. Both come back through :func:`replay`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from game.architecture import Architecture
from game.commands import Command
from game.deck import Deck
from game.engine import apply, new_game
from game.events import Event
from game.serialize import command_from_dict, command_to_dict, from_data, to_data
from game.state import GameState, Settings


def replay(start: GameState, commands: Iterable[Command]) -> tuple[GameState, list[Event]]:
    """Apply each command in turn; a refused command raises its :class:`~game.errors.GameError`."""
    state = start
    events: list[Event] = []
    for command in commands:
        state, more = apply(state, command)
        events.extend(more)
    return state, events


@dataclasses.dataclass(frozen=True)
class Recording:
    """A game as a seed and the commands applied to it (the architecture and deck are kept elsewhere)."""

    settings: Settings
    """How the game was set up."""
    seed: int
    """The seed of :func:`~game.engine.new_game`."""
    commands: tuple[Command, ...]
    """Every accepted command, in order."""

    def play(self, architecture: Architecture, deck: Deck, *, baseline: Architecture | None = None) -> tuple[GameState, list[Event]]:
        """Start a new game on this architecture and deck and replay the commands."""
        return replay(new_game(self.settings, architecture, deck, self.seed, baseline=baseline), self.commands)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "settings": to_data(self.settings),
            "seed": self.seed,
            "commands": [command_to_dict(c) for c in self.commands],
        }

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Recording:
        """Read what :meth:`to_dict` wrote."""
        return Recording(
            settings=from_data(Settings, data["settings"]),
            seed=int(data["seed"]),
            commands=tuple(command_from_dict(c) for c in data["commands"]),
        )
