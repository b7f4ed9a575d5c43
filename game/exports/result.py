"""The threatdeck JSON export: a whole :class:`~game.result.GameResult`, and reading it back.

::

    {
      "threatdeck_result": 1,            # the format version; checked on reading
      "game_id": null, "scope": "a1b2c3d4e5f6", "phase": "ended", "final": true, "game_version": 212,
      "deck": {"name": "serverless-stride", "title": "Serverless STRIDE"},
      "settings": {...},                 # seats, facilitator, time boxes, delta focus
      "architecture": {"threatdeck": 1, ...},   # the native document (game/exports/native.py)
      "architecture_format": "sam",      # which importer first read it
      "findings": [...],                 # every rule that holds on the architecture
      "threats": [...],                  # the prioritised list, with each seat's ratings ("votes")
      "earlier": [...],                  # threats of earlier sessions and their status now
      "baseline": "",                    # the architecture those were found on
      "scoreboard": [...]
    }

``result_from_dict(result_to_dict(r)) == r`` for every result. Reading is
strict: an unknown or missing field, or a value of the wrong type, raises
:class:`ResultError` naming the field, because a result file may come from
anywhere.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from game.backlog import CarriedThreat
from game.exports.native import native_document, portable
from game.importers.documents import MAX_BYTES, shortened, shown
from game.priority import FinalThreat
from game.result import FindingLine, GameResult, SettingsSummary
from game.scoring import ScoreLine
from game.serialize import DataError, from_data, to_data

FORMAT_KEY = "threatdeck_result"
"""The key that marks a threatdeck result document; its value is the format version."""
FORMAT = 1
"""The only format version so far."""

T = TypeVar("T")


class ResultError(ValueError):
    """A result document cannot be read: the message names the field and what was expected."""

    code = "invalid_result"

    def __init__(self, path: str, message: str) -> None:
        path, message = shortened(path), shortened(message)  # both can echo the file, which may be 40 MB
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def is_result(data: Any) -> bool:
    """Whether parsed JSON looks like a threatdeck result (whatever its version)."""
    return isinstance(data, Mapping) and FORMAT_KEY in data


def result_to_dict(result: GameResult) -> dict[str, Any]:
    """The threatdeck JSON export of a result, JSON-ready."""
    return {
        FORMAT_KEY: FORMAT,
        "game_id": result.game_id,
        "scope": result.scope,
        "phase": result.phase,
        "final": result.final,
        "game_version": result.game_version,
        "deck": {"name": result.deck, "title": result.deck_title},
        "settings": to_data(result.settings),
        "architecture": native_document(result.architecture),
        "architecture_format": result.architecture.source_format,
        "findings": [to_data(f) for f in result.findings],
        "threats": [t.to_dict() for t in result.threats],
        "earlier": [to_data(c) for c in result.carried],
        "baseline": result.baseline,
        "scoreboard": [line.to_dict() for line in result.scoreboard],
    }


# --------------------------------------------------------------------------- reading


_TOP = {
    FORMAT_KEY, "game_id", "scope", "phase", "final", "game_version", "deck", "settings", "architecture",
    "architecture_format", "findings", "threats", "earlier", "baseline", "scoreboard",
}


def _field(data: Mapping[str, Any], name: str, tp: Any) -> Any:
    if name not in data:
        raise DataError(name, "is missing")
    return from_data(tp, data[name], name)


def _list_of(cls: type[T], data: Mapping[str, Any], name: str) -> tuple[T, ...]:
    value = data.get(name)
    if not isinstance(value, list):
        raise DataError(name, "expected a list")
    return tuple(from_data(cls, item, f"{name}[{i}]") for i, item in enumerate(value))


def result_from_dict(data: Any, source: str = "<result>") -> GameResult:
    """The result a threatdeck JSON export describes; raise :class:`ResultError` naming the bad field."""
    from game.importers import ModelError
    from game.importers.native import from_document

    try:
        if not isinstance(data, Mapping):
            raise DataError("", "expected a threatdeck result (an object with 'threatdeck_result')")
        if data.get(FORMAT_KEY) != FORMAT:
            raise DataError(FORMAT_KEY, f"expected {FORMAT} (the only result format), found {shown(data.get(FORMAT_KEY))}")
        unknown = sorted(set(data) - _TOP)
        if unknown:
            raise DataError(unknown[0], "unknown field")
        deck = data.get("deck")
        if not isinstance(deck, Mapping) or set(deck) != {"name", "title"}:
            raise DataError("deck", "expected an object with name and title")
        try:
            architecture = from_document(data.get("architecture"), f"{source}: architecture")
        except ModelError as exc:
            raise DataError("architecture" + (f".{exc.path}" if exc.path else ""), exc.message) from None
        architecture_format = _field(data, "architecture_format", str)
        threats_data = data.get("threats")
        if not isinstance(threats_data, list):
            raise DataError("threats", "expected a list")
        result = GameResult(
            architecture=portable(dataclasses.replace(architecture, source_format=architecture_format)),
            deck=from_data(str, deck["name"], "deck.name"),
            deck_title=from_data(str, deck["title"], "deck.title"),
            threats=tuple(from_data(FinalThreat, t, f"threats[{i}]") for i, t in enumerate(threats_data)),
            scoreboard=_list_of(ScoreLine, data, "scoreboard"),
            findings=_list_of(FindingLine, data, "findings"),
            settings=from_data(SettingsSummary, data.get("settings"), "settings"),
            scope=_field(data, "scope", str),
            carried=_list_of(CarriedThreat, data, "earlier"),
            game_id=_field(data, "game_id", str | None),
            phase=_field(data, "phase", str),
            game_version=_field(data, "game_version", int),
            baseline=_field(data, "baseline", str),
        )
        if _field(data, "final", bool) != result.final:
            raise DataError("final", f"says {shown(data['final'])} but the phase is {shown(result.phase)}")
        _check_targets(result)
    except DataError as exc:
        raise ResultError(f"{source}: {exc.path}" if exc.path else source, exc.message) from None
    return result


_ID = re.compile(r"[^`|\s]{1,256}")
"""The shape of any component or flow id an importer makes (an earlier threat's may be gone from the architecture)."""


def _check_targets(result: GameResult) -> None:
    arch = result.architecture
    for i, t in enumerate(result.threats):
        known = arch.has_flow(t.component) if t.target_kind == "flow" else arch.has_component(t.component)
        if not known:
            raise DataError(f"threats[{i}].component", f"names no {t.target_kind} of the architecture ({shown(t.component)})")
    for i, c in enumerate(result.carried):
        if not _ID.fullmatch(c.component):
            raise DataError(f"earlier[{i}].component", "expected an id: 1 to 256 characters, no spaces, | or `")


def load_result(data: bytes | str, source: str = "<result>", *, max_bytes: int = MAX_BYTES) -> GameResult:
    """Parse a threatdeck JSON export from at most ``max_bytes`` of a file's bytes (a reader of results that
    large games wrote allows :func:`~game.importers.documents.max_file_bytes`); raise :class:`ResultError`
    naming what is wrong."""
    from game.importers import ModelError
    from game.importers.documents import as_text, load_json

    try:
        parsed = load_json(as_text(data, source, max_bytes), source)
    except ModelError as exc:
        raise ResultError(source, exc.message) from None
    if not is_result(parsed):
        hint = ""
        if isinstance(parsed, Mapping) and set(parsed) == {"scoreboard", "threats"}:
            hint = " (this is `threatdeck play --json` output; save a result with `threatdeck play --result FILE`)"
        raise ResultError(source, f"not a threatdeck result: no '{FORMAT_KEY}' key{hint}")
    return result_from_dict(parsed, source)
