"""Game states, commands and events as stored and sent, built on :mod:`game.serialize`.

The engine's snapshot (``state_to_dict``) is self-contained: it embeds the
board (architecture and every card in play), which never changes during a
game and is most of the bytes. The server stores the board once, when the game
is created (``games.board``), and per command only the rest (``games.snapshot``);
:func:`load_state` puts the two back together for ``state_from_dict``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from game.commands import Command
from game.events import Event
from game.serialize import FORMAT, command_from_dict, command_to_dict, event_to_dict, state_from_dict, to_data
from game.state import GameState

_FIELDS = tuple(f.name for f in dataclasses.fields(GameState) if f.name != "board")


class SnapshotWriter:
    """Turns states into snapshots, reusing the data of parts unchanged since the last state.

    States are immutable and the engine shares unchanged parts between
    versions, so a threat, trick or seat that is the same object as before
    serialises to the same data; the memo is keyed by object identity and
    keeps the objects alive so ids are not reused.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, Any]] = {}

    def _data(self, obj: object) -> Any:
        hit = self._memo.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        data = to_data(obj)
        self._memo[id(obj)] = (obj, data)
        return data

    def snapshot(self, state: GameState) -> dict[str, Any]:
        """Everything but the board, JSON-ready."""
        keep: dict[int, tuple[object, Any]] = {}
        out: dict[str, Any] = {"format": FORMAT}
        for name in _FIELDS:
            value = getattr(state, name)
            if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
                items = []
                for item in value:
                    data = self._data(item)
                    keep[id(item)] = (item, data)
                    items.append(data)
                out[name] = items
            else:
                out[name] = to_data(value)
        self._memo = keep
        return out


def board_data(state: GameState) -> Any:
    """The board (architecture and cards in play) as data: stored once per game.

    Worked out once per board: games on the same architecture and deck share one (``game.board.shared_board``;
    an upload of the same file again takes the same architecture, server/uploads.py). Read only, never changed.
    """
    board = state.board
    return board.memo(("board_data",), lambda: to_data(board))


def load_state(snapshot: dict[str, Any], board: Any) -> GameState:
    """The state a stored snapshot and board describe (raises ``InvalidSnapshot``)."""
    data = dict(snapshot)
    data["board"] = board
    return state_from_dict(data)


def command_data(command: Command) -> dict[str, Any]:
    """A command for the log."""
    return command_to_dict(command)


def command_from_data(data: Any) -> Command:
    """A logged command back."""
    return command_from_dict(data)


def events_data(events: Iterable[Event]) -> list[dict[str, Any]]:
    """Events for a broadcast (every event is public)."""
    return [event_to_dict(e) for e in events]
