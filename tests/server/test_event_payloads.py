"""A socket event's payload loads to what marshmallow gives, or fails as it does, whichever way it is loaded.

``server.schemas.EventPayload`` answers the payloads marshmallow would take as they are without running
marshmallow; these compare it with ``schema.load`` on valid payloads and on every field of them changed into
something else (missing, null, another type, a value a validator refuses, a string a regular expression almost
takes), and on unknown fields and payloads that are not objects.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from marshmallow import ValidationError

from server.schemas import EventPayload, build

SCHEMAS = build(max_text=20, max_name=12)

VALID: dict[str, list[dict[str, Any]]] = {
    "join": [{"token": "a" * 43}],
    "spectate": [{"game_id": "Ab3_-Ab3_-Ab"}],
    "sync": [{}],
    "start": [{"client_id": "c1"}, {"client_id": "c.1:x-y_z", "expected_version": 0, "seat": 11}],
    "play_card": [{"client_id": "c1", "card": "T3", "target": "lambda-fn", "text": "T3 threatens lambda-fn"[:20]},
                  {"client_id": "c1", "card": "T3"}, {"client_id": "c1", "card": "E.9", "target": None, "text": None}],
    "add_threat": [{"client_id": "c1", "target": "db", "card": "S4", "suit": "S", "text": "leaks"},
                   {"client_id": "c1", "target": "db"}],
    "pass": [{"client_id": "c1", "expected_version": 12}],
    "vote": [{"client_id": "c1", "threat": "T4", "accept": True}, {"client_id": "c1", "threat": "T123456789", "accept": False}],
    "close_vote": [{"client_id": "c1", "threat": "T4", "seat": 0}],
    "rate": [{"client_id": "c1", "threat": "T4", "likelihood": 1, "impact": 5}],
    "finish_rating": [{"client_id": "c1", "seat": None, "expected_version": None}],
    "skip_seat": [{"client_id": "c1", "target_seat": 3}],
    "remove_seat": [{"client_id": "c1", "target_seat": 0}],
    "end_play": [{"client_id": "c1"}],
    "end_game": [{"client_id": "c1"}],
    "take_over": [{"client_id": "c1"}],
    "hand_over": [{"client_id": "c1", "target_seat": 11}],
}

# What each field is changed into: absent, null, other types, values at and past the validators' bounds, and
# strings a validator's regular expression almost takes ("$" also matches before a final newline).
OTHERS: list[Any] = [
    ..., None, True, False, 0, 1, 5, 6, 11, 12, -1, 10**9, 10**9 + 1, 2**70, 3.0, 3.5, "3", "", " ", "T4", "T4\n",
    "t4", "S", "x" * 20, "x" * 21, "a" * 43, "a" * 43 + "\n", "a" * 44, "c\x01", "\ud800", b"T4", ["T4"], {"a": 1},
]


def _outcome(load: Any, payload: Any) -> tuple[str, Any]:
    try:
        data = load(payload)
    except ValidationError as exc:
        return "refused", exc.messages
    return "loaded", [(key, type(value), value) for key, value in data.items()]


def _payloads(event: str) -> list[Any]:
    out: list[Any] = [None, [], "x", 3, {"client_id": "c1", "unknown": 1}]
    for valid in VALID[event]:
        out.append(dict(valid))
        out.append({**valid, "surplus": True})
        names = set(SCHEMAS.events[event].schema.load_fields) | set(valid)
        for name, other in itertools.product(sorted(names), OTHERS):
            changed = dict(valid)
            if other is ...:
                changed.pop(name, None)
            else:
                changed[name] = other
            out.append(changed)
    return out


@pytest.mark.parametrize("event", sorted(VALID))
def test_loads_as_marshmallow_does(event: str) -> None:
    payload_of = SCHEMAS.events[event]
    loaded = 0
    for payload in _payloads(event):
        quick = _outcome(payload_of.load, payload)
        assert quick == _outcome(payload_of.schema.load, payload), payload
        loaded += quick[0] == "loaded"
    assert loaded >= len(VALID[event])  # the valid payloads, at least


def test_command_payloads_skip_marshmallow() -> None:
    """Every command event's fields are plain, so a valid payload never reaches marshmallow."""
    for event, payload_of in SCHEMAS.events.items():
        assert payload_of._fields is not None, event


def test_a_schema_with_hooks_always_goes_to_marshmallow() -> None:
    from marshmallow import Schema, fields, pre_load

    class Hooked(Schema):
        name = fields.String()

        @pre_load
        def upper(self, data: Any, **_: Any) -> Any:
            return {"name": data["name"].upper()}

    payload_of = EventPayload(Hooked())
    assert payload_of._fields is None
    assert payload_of.load({"name": "x"}) == {"name": "X"}
