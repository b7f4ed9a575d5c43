"""Golden games: a recorded seeded bot game replays to the same final list, byte for byte.

Regenerate after an intended change of rules or bots with::

    REGENERATE_GOLDEN=1 .venv/bin/pytest tests/game/test_engine_golden.py

``practice`` uses this folder's fixtures and is always checked. ``shipped``
uses examples/leejames-hr/before.yaml and the shipped deck; it records their
hashes, and an edit of either fails the test with a request to regenerate it,
so a change of the deck's rules is always looked at in the golden diff.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
from gamekit import FIXTURES

from cards import available_decks, load_deck, parse_deck
from game.bots import autoplay
from game.engine import new_game
from game.importers import load_architecture
from game.priority import final_list
from game.replay import Recording
from game.scoring import scoreboard
from game.serialize import command_to_dict, event_to_dict
from game.state import Settings

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("REGENERATE_GOLDEN") == "1"

GAMES = {
    "practice": (FIXTURES / "leejames-before.yaml", FIXTURES / "practice-deck.yaml"),
    "shipped": (ROOT / "examples" / "leejames-hr" / "before.yaml", ROOT / "cards" / "decks" / "serverless-stride.yaml"),
}
SEED = 7
SEATS = 6


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inputs(name: str) -> tuple[Any, Any]:
    model, deck_path = GAMES[name]
    architecture = load_architecture(model.read_bytes(), model.name)
    if name == "shipped":
        assert "serverless-stride" in available_decks()
        deck = load_deck()
    else:
        deck = parse_deck(deck_path.read_text(encoding="utf-8"), deck_path.name)
    return architecture, deck


def record(name: str) -> dict[str, Any]:
    architecture, deck = inputs(name)
    model, deck_path = GAMES[name]
    settings = Settings.for_names(bots=SEATS)
    state, commands, events = autoplay(new_game(settings, architecture, deck, SEED))
    return {
        "inputs": {"model": model.relative_to(ROOT).as_posix(), "model_sha256": sha(model), "deck": deck_path.relative_to(ROOT).as_posix(), "deck_sha256": sha(deck_path)},
        **Recording(settings, SEED, tuple(commands)).to_dict(),
        "events": len(events),
        "scoreboard": [line.to_dict() for line in scoreboard(state)],
        "final": [f.to_dict() for f in final_list(state)],
    }


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", sorted(GAMES))
def test_golden_game(name: str) -> None:
    model, deck_path = GAMES[name]
    path = GOLDEN / f"{name}-leejames-seed{SEED}.json"
    if REGENERATE:
        path.write_text(dump(record(name)), encoding="utf-8")
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert golden["inputs"]["model_sha256"] == sha(model) and golden["inputs"]["deck_sha256"] == sha(deck_path), (
        f"{name}: {model.name} or {deck_path.name} changed since the golden game was recorded; "
        "regenerate it with REGENERATE_GOLDEN=1 and review the diff"
    )
    architecture, deck = inputs(name)
    recording = Recording.from_dict(golden)
    state, events = recording.play(architecture, deck)
    # Replaying the recorded commands gives the recorded list and scoreboard…
    assert [f.to_dict() for f in final_list(state)] == golden["final"]
    assert [line.to_dict() for line in scoreboard(state)] == golden["scoreboard"]
    assert len(events) == golden["events"]
    # …and the bots, given the same seed, still choose exactly those commands.
    again = record(name)
    assert again["commands"] == golden["commands"]
    assert dump(again) == path.read_text(encoding="utf-8")


def test_recording_round_trip() -> None:
    architecture, deck = inputs("practice")
    state, commands, events = autoplay(new_game(Settings.for_names(bots=3), architecture, deck, 1))
    rec = Recording(Settings.for_names(bots=3), 1, tuple(commands))
    back = Recording.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert back == rec
    replayed, replay_events = back.play(architecture, deck)
    assert replayed == state
    assert [event_to_dict(e) for e in replay_events] == [event_to_dict(e) for e in events]
    assert [command_to_dict(c) for c in back.commands] == [command_to_dict(c) for c in commands]
