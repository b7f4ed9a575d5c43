"""JSON-ready dicts for game states, commands and events, and back.

The server stores a snapshot (``state_to_dict``) and an append-only log of
commands (``command_to_dict``), and replays the log on the snapshot. A
snapshot is self-contained: it embeds the architecture and the cards in play
(with each card's rule as written, recompiled on load), so a game replays the
same even after the team edits its model or a deck file changes.

Loading is strict, because commands come from clients: every field is
type-checked against the dataclass's annotations, unknown and missing fields
are refused, and a bad value raises :class:`~game.errors.InvalidCommand`
(commands and events) or :class:`~game.errors.InvalidSnapshot` (states), naming
the field.

>>> from game.commands import PlayCard
>>> data = command_to_dict(PlayCard(seat=2, card_id="T3", target="Api", now=4.0))
>>> data["type"], data["card_id"]
('PlayCard', 'T3')
>>> command_from_dict(data) == PlayCard(seat=2, card_id="T3", target="Api", now=4.0)
True
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from enum import Enum
from functools import lru_cache
from typing import Any, TypeVar, Union

from game.architecture import ArchitectureError, ComponentType
from game.cards import FLOW_TARGET, Card, Reference, Suit
from game.commands import COMMANDS, Command
from game.deck import DeckError
from game.errors import GameError, InvalidCommand, InvalidSnapshot
from game.events import EVENTS, Event
from game.predicates import PredicateError, compile_predicate
from game.state import GameState

FORMAT = 1
"""Version of the snapshot format; bump it when a stored field changes meaning."""

T = TypeVar("T")


class DataError(ValueError):
    """A value does not fit its field; carries the path (``threats[0].risk``) and the problem."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# --- to data -------------------------------------------------------------------


_PLAIN = frozenset({type(None), bool, int, str, float})
"""The types that are JSON data as they are (by exact type: a subclass, such as a str enum, takes the long way)."""

_RECORDS: dict[type, tuple[str, ...]] = {}
"""The dataclasses :func:`to_data` found to be none of the other kinds it knows, with their field names."""


def to_data(obj: object) -> Any:
    """Any engine value as JSON data: dataclasses as dicts, enums as values, tuples as lists."""
    # Every command, event and snapshot goes through here, value by value: the common kinds are found by exact
    # type first (a class's answers to the checks below do not change).
    cls = type(obj)
    if cls in _PLAIN:
        return obj
    names = _RECORDS.get(cls)
    if names is not None:
        return {name: to_data(getattr(obj, name)) for name in names}
    if obj is None or isinstance(obj, (bool, int, str, float)):
        return obj
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (tuple, list)):
        return [to_data(x) for x in obj]
    if isinstance(obj, (frozenset, set)):
        return sorted(to_data(x) for x in obj)
    if isinstance(obj, Mapping):
        return {str(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, Card):
        return _card_to_data(obj)
    names = _field_names(cls)
    if names is not None:
        _RECORDS[cls] = names
        return {name: to_data(getattr(obj, name)) for name in names}
    raise TypeError(f"cannot serialise {type(obj).__name__}")


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """A dataclass's field names (None for any other type), looked up once per class: snapshots ask per value."""
    try:
        return _FIELD_NAMES[cls]
    except KeyError:
        names = tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None
        _FIELD_NAMES[cls] = names
        return names


def _card_to_data(card: Card) -> dict[str, Any]:
    # The compiled rule is not data; the rule as written is, and compiles back to it.
    return {
        "id": card.id,
        "suit": card.suit.value,
        "rank": card.rank,
        "title": card.title,
        "question": card.question,
        "applies_to": sorted(card.applies_to),
        "rule": to_data(card.rule_source),
        "mitigation": card.mitigation,
        "explanation": card.explanation,
        "references": [to_data(r) for r in card.references],
    }


# --- from data -------------------------------------------------------------------


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(tp: Any, data: Any, path: str = "") -> Any:
    """Build a value of type ``tp`` from JSON data, checking every field; raise ``DataError``."""
    if tp is Any or tp is object:
        return data
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        args = typing.get_args(tp)
        if data is None:
            if type(None) in args:
                return None
            raise DataError(path, "must not be null")
        problems: list[str] = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return from_data(arg, data, path)
            except DataError as exc:
                problems.append(str(exc))
        raise DataError(path, f"not a valid value ({problems[0] if len(problems) == 1 else 'no alternative fits'})")
    if tp is type(None):
        if data is not None:
            raise DataError(path, "must be null")
        return None
    if origin in (tuple, frozenset, list):
        if not isinstance(data, list):
            raise DataError(path, "expected a list")
        (item,) = typing.get_args(tp)[:1]
        items = [from_data(item, x, f"{path}[{i}]") for i, x in enumerate(data)]
        return frozenset(items) if origin is frozenset else tuple(items) if origin is tuple else items
    if origin in (dict, Mapping):
        if not isinstance(data, dict):
            raise DataError(path, "expected an object")
        _, value_type = typing.get_args(tp)
        return {str(k): from_data(value_type, v, f"{path}.{k}") for k, v in data.items()}
    if tp is bool:
        if not isinstance(data, bool):
            raise DataError(path, "expected true or false")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise DataError(path, "expected a whole number")
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)) or not math.isfinite(data):
            raise DataError(path, "expected a finite number")
        return float(data)
    if tp is str:
        if not isinstance(data, str):
            raise DataError(path, "expected text")
        return data
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except ValueError:
            raise DataError(path, f"expected one of {', '.join(str(m.value) for m in tp)}") from None
    if tp is Card:
        return _card_from_data(data, path)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_from_data(tp, data, path)
    raise DataError(path, f"cannot read a {tp!r}")


def _dataclass_from_data(cls: type[T], data: Any, path: str, skip: frozenset[str] = frozenset()) -> T:
    if not isinstance(data, dict):
        raise DataError(path, "expected an object")
    hints = _hints(typing.cast(type, cls))
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init and f.name not in skip}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields) - skip)
    if unknown:
        raise DataError(f"{path}.{unknown[0]}" if path else unknown[0], f"unknown field {unknown[0]!r}")
    kwargs: dict[str, Any] = {}
    for name, f in fields.items():
        where = f"{path}.{name}" if path else name
        if name in data:
            kwargs[name] = from_data(hints[name], data[name], where)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise DataError(where, "is required")
    try:
        return cls(**kwargs)
    except (ArchitectureError, DeckError, ValueError) as exc:
        raise DataError(path, str(exc)) from None


def _card_from_data(data: Any, path: str) -> Card:
    if not isinstance(data, dict):
        raise DataError(path, "expected an object")
    expected = {"id", "suit", "rank", "title", "question", "applies_to", "rule", "mitigation", "explanation", "references"}
    if set(data) != expected:
        odd = sorted(set(data) ^ expected)[0]
        raise DataError(path, f"unexpected or missing field {odd!r}")
    applies_to = from_data(frozenset[str], data["applies_to"], f"{path}.applies_to")
    card_id = from_data(str, data["id"], f"{path}.id")
    try:
        types_ = [ComponentType(t) for t in applies_to if t != FLOW_TARGET]
        rule_source = data["rule"]
        rule = None if rule_source is None else compile_predicate(rule_source, types=types_, on_flows=FLOW_TARGET in applies_to, where=f"card {card_id}: rule")
    except (PredicateError, ValueError) as exc:
        raise DataError(f"{path}.rule", str(exc)) from None
    return Card(
        id=card_id,
        suit=from_data(Suit, data["suit"], f"{path}.suit"),
        rank=from_data(int, data["rank"], f"{path}.rank"),
        title=from_data(str, data["title"], f"{path}.title"),
        question=from_data(str, data["question"], f"{path}.question"),
        applies_to=applies_to,
        rule=rule,
        rule_source=rule_source,
        mitigation=from_data(str, data["mitigation"], f"{path}.mitigation"),
        explanation=from_data(str, data["explanation"], f"{path}.explanation"),
        references=from_data(tuple[Reference, ...], data["references"], f"{path}.references"),
    )


# --- the public pairs ---------------------------------------------------------------


def state_to_dict(state: GameState) -> dict[str, Any]:
    """A self-contained JSON-ready snapshot of a game (it includes the secret seed and every hand)."""
    data: dict[str, Any] = {"format": FORMAT}
    data.update(to_data(state))
    return data


def state_from_dict(data: Any) -> GameState:
    """The game a snapshot describes; raise :class:`InvalidSnapshot` naming the bad field."""
    if not isinstance(data, dict):
        raise InvalidSnapshot("a snapshot is an object")
    if data.get("format") != FORMAT:
        raise InvalidSnapshot(f"snapshot format {data.get('format')!r} is not {FORMAT}")
    body = {k: v for k, v in data.items() if k != "format"}
    try:
        state: GameState = _dataclass_from_data(GameState, body, "")
    except DataError as exc:
        raise InvalidSnapshot(str(exc)) from None
    return state


def _tagged_to_dict(obj: object) -> dict[str, Any]:
    data: dict[str, Any] = {"type": type(obj).__name__}
    data.update(to_data(obj))
    return data


def _tagged_from_dict(registry: Mapping[str, type[T]], data: Any, what: str, error: type[GameError]) -> T:
    if not isinstance(data, dict):
        raise error(f"a {what} is an object with a 'type'")
    name = data.get("type")
    cls = registry.get(name) if isinstance(name, str) else None
    if cls is None:
        raise error(f"unknown {what} type {name!r}; expected one of {', '.join(sorted(registry))}")
    body = {k: v for k, v in data.items() if k != "type"}
    try:
        return _dataclass_from_data(cls, body, str(name))
    except DataError as exc:
        raise error(str(exc)) from None


def command_to_dict(command: Command) -> dict[str, Any]:
    """``{"type": "PlayCard", "seat": 0, ...}``."""
    return _tagged_to_dict(command)


def command_from_dict(data: Any) -> Command:
    """The command a dict describes; raise :class:`InvalidCommand` naming the bad field."""
    return _tagged_from_dict(COMMANDS, data, "command", InvalidCommand)


def event_to_dict(event: Event) -> dict[str, Any]:
    """``{"type": "CardPlayed", "seat": 0, ...}``."""
    return _tagged_to_dict(event)


def event_from_dict(data: Any) -> Event:
    """The event a dict describes; raise :class:`InvalidCommand` naming the bad field."""
    return _tagged_from_dict(EVENTS, data, "event", InvalidCommand)
