"""Serialisation: every state, command and event round-trips through JSON; bad input is refused."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from gamekit import leejames, practice_deck, settings, table

from game.architecture import Architecture
from game.bots import autoplay
from game.cards import Suit
from game.commands import (COMMANDS, AddThreat, CastVote, CloseVote, Command, EndGame, HandOver, JoinLate, PassTurn,
                           PlayCard, RateThreat, RemoveSeat, SkipSeat, TakeOver, Tick)
from game.deck import Deck
from game.engine import apply, new_game
from game.errors import InvalidCommand, InvalidSnapshot
from game.events import EVENTS, Event
from game.importers.cloudformation import parse_template
from game.priority import final_list
from game.serialize import (
    command_from_dict,
    command_to_dict,
    event_from_dict,
    event_to_dict,
    state_from_dict,
    state_to_dict,
)
from game.state import GameState, Settings
from game.views import view_for
from game.voting import Tally


def through_json(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(data))
    return out


def recorded_game(arch: Architecture, deck: Deck, seed: int = 3) -> tuple[list[GameState], list[Command], list[Event]]:
    start = new_game(settings(bots=range(3)), arch, deck, seed)
    _, commands, _ = autoplay(start)
    states = [start]
    events: list[Event] = []
    for c in commands:
        s, more = apply(states[-1], c)
        states.append(s)
        events += more
    return states, commands, events


def test_states_round_trip_at_every_step(arch: Architecture, deck: Deck) -> None:
    states, commands, _ = recorded_game(arch, deck)
    for s in states:
        back = state_from_dict(through_json(state_to_dict(s)))
        assert back == s
        assert view_for(back, 0) == view_for(s, 0)


def test_a_restored_state_plays_on_identically(arch: Architecture, deck: Deck) -> None:
    states, commands, _ = recorded_game(arch, deck)
    middle = len(commands) // 2
    restored = state_from_dict(through_json(state_to_dict(states[middle])))
    for c in commands[middle:]:
        restored, _ = apply(restored, c)
    assert state_to_dict(restored) == state_to_dict(states[-1])


def test_a_snapshot_is_self_contained_and_deterministic() -> None:
    s, _, _ = autoplay(new_game(Settings.for_names(bots=4), leejames(), practice_deck(), 9))
    data = state_to_dict(s)
    assert data["format"] == 1 and data["seed"] == 9
    assert data["board"]["architecture"]["name"] == "LeeJames HR"
    assert len(data["board"]["deck"]["cards"]) == 54
    card = next(c for c in data["board"]["deck"]["cards"] if c["id"] == "E2")
    assert card["rule"] == {"referenced_by": "role", "types": ["lambda"], "min": 2}
    assert json.dumps(data, sort_keys=True) == json.dumps(state_to_dict(state_from_dict(through_json(data))), sort_keys=True)


def test_every_command_type_round_trips() -> None:
    samples: list[Command] = [
        PlayCard(seat=1, card_id="T3", target="Api", text="words", now=3.5, expected_version=7),
        AddThreat(seat=0, target="user-api", suit=Suit.INFORMATION_DISCLOSURE, text="leak"),
        CastVote(seat=2, threat_id="T4", accept=False),
        CloseVote(seat=0, threat_id="T4"),
        RateThreat(seat=1, threat_id="T2", likelihood=4, impact=5),
        Tick(now=12.0),
        JoinLate(name="Dee", now=4.0),
    ]
    for name, cls in COMMANDS.items():
        if not any(type(c) is cls for c in samples):
            fields = {f.name: (0 if f.type in ("int",) else None) for f in dataclasses.fields(cls) if f.name not in ("now", "expected_version")}
            samples.append(cls(**fields))
    assert {type(c).__name__ for c in samples} == set(COMMANDS)
    for c in samples:
        data = through_json(command_to_dict(c))
        assert data["type"] == type(c).__name__
        assert command_from_dict(data) == c


def test_every_event_type_round_trips(arch: Architecture, deck: Deck) -> None:
    _, _, events = recorded_game(arch, deck)
    # Bots never pass, skip, call a vote, remove, take over, hand over or join late: a short literal game does.
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)])
    for c in (AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"), CloseVote(seat=0, threat_id="T1"),
              PassTurn(seat=0), SkipSeat(seat=0, target_seat=1), RemoveSeat(seat=0, target_seat=2), TakeOver(seat=1),
              HandOver(seat=1, target_seat=0), JoinLate(name="Dan")):
        s, more = apply(s, c)
        events += more
    assert {type(e).__name__ for e in events} == set(EVENTS)
    for e in events:
        data = through_json(event_to_dict(e))
        assert data["type"] == type(e).__name__
        assert event_from_dict(data) == e


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "object with a 'type'"),
        ({"type": "Teleport"}, "unknown command type 'Teleport'"),
        ({"type": "PlayCard", "seat": 0}, "PlayCard.card_id: is required"),
        ({"type": "PlayCard", "seat": "0", "card_id": "T2"}, "PlayCard.seat: expected a whole number"),
        ({"type": "PlayCard", "seat": True, "card_id": "T2"}, "PlayCard.seat: expected a whole number"),
        ({"type": "PlayCard", "seat": 0, "card_id": "T2", "cheat": 1}, "unknown field 'cheat'"),
        ({"type": "Tick", "now": "soon"}, "Tick.now"),
        ({"type": "Tick", "now": float("nan")}, "Tick.now"),
        ({"type": "CastVote", "seat": 0, "threat_id": "T1", "accept": 1}, "CastVote.accept: expected true or false"),
        ({"type": "AddThreat", "seat": 0, "target": "Api", "suit": "Q"}, "AddThreat.suit"),
    ],
)
def test_bad_commands_are_refused(data: Any, message: str) -> None:
    with pytest.raises(InvalidCommand) as exc:
        command_from_dict(data)
    assert message in exc.value.message


def test_ints_are_accepted_for_floats() -> None:
    c = command_from_dict({"type": "Tick", "now": 5})
    assert isinstance(c, Tick) and c.now == 5.0 and isinstance(c.now, float)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format=2), "format"),
        (lambda d: d.pop("seed"), "seed: is required"),
        (lambda d: d.update(phase="lunch"), "phase: expected one of"),
        (lambda d: d["board"]["deck"]["cards"][0].update(rule={"attr": "nonsense", "is": True}), "rule"),
        (lambda d: d["board"]["architecture"]["flows"].append({"id": "x", "source": "Nowhere", "target": "Api"}), "unknown component"),
    ],
)
def test_bad_snapshots_are_refused(mutate: Any, message: str, arch: Architecture, deck: Deck) -> None:
    data = through_json(state_to_dict(new_game(settings(), arch, deck, 1)))
    mutate(data)
    with pytest.raises(InvalidSnapshot) as exc:
        state_from_dict(data)
    assert message in exc.value.message


def test_a_snapshot_from_before_stored_gaps_still_loads(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)])
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Fn"))
    s, _ = apply(s, PlayCard(seat=1, card_id="TA3", target="Api"))
    data = through_json(state_to_dict(s))
    assert data["threats"][1]["gaps"] == [{"kind": "component", "id": "Api", "attr": "throttling"}]
    assert state_from_dict(data) == s
    del data["threats"][1]["gaps"]
    old = state_from_dict(data)
    # Those games showed the reason alone: so does the view, and the game plays on.
    assert old.threats[1].gaps == () and "gaps" not in view_for(old, 0)["threats"][1]
    assert old.threats[1].reason == s.threats[1].reason
    apply(old, EndGame(seat=0))


def test_a_snapshot_from_before_stored_tallies_still_loads(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)])
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Token replay"))
    for seat in (0, 2):
        s, _ = apply(s, CastVote(seat=seat, threat_id="T1", accept=True))
    data = through_json(state_to_dict(s))
    assert data["threats"][0]["tally"] == {"yes": [0, 2], "no": []}
    del data["threats"][0]["tally"]
    old = state_from_dict(data)
    assert old.threats[0].tally is None
    # Without a stored tally, every ballot counts: what those games showed.
    assert old.threats[0].settled_tally() == Tally(yes=(0, 2), no=())
    assert final_list(old)[0].reason == final_list(s)[0].reason
    assert view_for(old, 0) == view_for(s, 0)
    # It plays on, and saves as it was read.
    assert state_from_dict(through_json(state_to_dict(old))) == old
    apply(old, EndGame(seat=0))


def test_a_snapshot_keeps_where_each_flow_attribute_came_from(deck: Deck) -> None:
    template = """
Metadata:
  threatdeck:
    actors: [{id: User, name: User, kind: end_user}]
    flows: [{source: User, target: Api, label: call}]
Resources:
  Api: {Type: AWS::Serverless::HttpApi}
"""
    arch = parse_template(template, "t.yaml")
    assert arch.flows[0].provenance["encrypted"].startswith("AWS: ")
    start = new_game(settings(), arch, deck, 1)
    back = state_from_dict(through_json(state_to_dict(start)))
    assert back == start
    assert dict(back.board.architecture.flows[0].provenance) == dict(arch.flows[0].provenance)
