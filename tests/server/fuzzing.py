"""Hostile payloads for every socket event and REST endpoint, from a seeded generator.

Shared by the unit fuzz test (test clients) and the end-to-end one (a real server).
"""

from __future__ import annotations

import json
import random
import string
from typing import Any

EVENTS = ["join", "spectate", "sync", "start", "play_card", "add_threat", "pass", "vote", "close_vote", "rate",
          "finish_rating", "skip_seat", "remove_seat", "end_play", "end_game", "take_over", "hand_over", "connect", "disconnect", "message", "*", "", "__proto__",
          "update", "joined"]
FIELDS = ["client_id", "expected_version", "seat", "token", "game_id", "card", "target", "text", "suit", "threat",
          "accept", "likelihood", "impact", "target_seat", "__proto__", "constructor", "$where", ""]
NASTY_STRINGS = [
    "", " ", "\x00", "\u202e", "'; DROP TABLE games; --", "<script>alert(1)</script>", "../../etc/passwd", "%s%n%x",
    "{{7*7}}", "${jndi:ldap://x}", "A" * 100_000, "T1", "S1", "Employee->HrApi", "\ud800", "null", "NaN", "💥" * 500,
    "T999999999999", "-1", "0" * 43, "x" * 43,
]
NUMBERS: list[Any] = [0, -1, 1, 5, 6, 11, 12, 2**31, 2**63, -(2**63), 10**400, 0.5, float("inf"), float("nan"), True, False]


def value(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value (and a few that JSON cannot carry), biased to nasty ones."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(NASTY_STRINGS)
    if roll < 0.45:
        return rng.choice(NUMBERS)
    if roll < 0.55:
        return None
    if roll < 0.65:
        return "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 60)))
    if depth > 3:
        return rng.choice([[], {}])
    if roll < 0.8:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {rng.choice(FIELDS + NASTY_STRINGS[:6]): value(rng, depth + 1) for _ in range(rng.randint(0, 6))}


def payload(rng: random.Random, valid: dict[str, Any] | None = None) -> Any:
    """A payload for an event: random, or a valid one with a field broken, added or removed."""
    roll = rng.random()
    if valid and roll < 0.5:
        data = dict(valid)
        action = rng.random()
        if action < 0.4 and data:
            data[rng.choice(list(data))] = value(rng)
        elif action < 0.7:
            data[rng.choice(FIELDS)] = value(rng)
        elif data:
            data.pop(rng.choice(list(data)))
        return data
    if roll < 0.8:
        return {f: value(rng) for f in rng.sample(FIELDS, rng.randint(0, 5))}
    return value(rng)


def safe_json(obj: Any) -> bool:
    """Whether python-socketio can send it (its JSON refuses nothing; NaN/inf go through as in JS)."""
    try:
        json.dumps(obj)
    except (TypeError, ValueError):
        return False
    return True


def http_request(rng: random.Random, game_id: str, token: str) -> tuple[str, str, dict[str, Any]]:
    """(method, path, requests-style kwargs) for a hostile HTTP request."""
    paths = ["/api/health", "/api/limits", "/api/openapi.json", "/api/architectures", "/api/examples", "/api/examples/x/y",
             "/api/decks", "/api/decks/serverless-stride", f"/api/games/{game_id}", f"/api/games/{game_id}/seats",
             f"/api/games/{game_id}/export", f"/api/games/{game_id}/audit", "/api/games", "/api/games/%00",
             "/api/../../etc/passwd", f"/play/{game_id}", "/", "/api/decks/" + "a" * 5000]
    path = rng.choice(paths)
    if rng.random() < 0.3:
        path += "?" + rng.choice(["format=csv", "format=../../x", "filename=" + "a" * 300, "format=%00", "x=1&x=2"])
    method = rng.choice(["GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
    kwargs: dict[str, Any] = {"headers": {}}
    roll = rng.random()
    if roll < 0.4:
        body = payload(rng, {"name": "Zed", "architecture": "abcdefabcdef", "example": "hr/before", "document": "x"})
        if safe_json(body):
            kwargs["data"] = json.dumps(body).encode()
        kwargs["headers"]["Content-Type"] = "application/json"
    elif roll < 0.6:
        kwargs["data"] = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 400)))
        kwargs["headers"]["Content-Type"] = rng.choice(["application/yaml", "application/octet-stream", "text/plain",
                                                        "multipart/form-data; boundary=x", "application/json"])
    elif roll < 0.7:
        kwargs["data"] = rng.choice([b"threatdeck: 1\nname: x\ncomponents: []\n", b"{" * 5000, b"a: &a [*a]",
                                     b"!!python/object/apply:os.system ['true']", b"Resources: {X: {Type: 1}}"])
        kwargs["headers"]["Content-Type"] = "application/yaml"
    if rng.random() < 0.3:
        kwargs["headers"]["Authorization"] = rng.choice([f"Bearer {token}", "Bearer x", "Basic eA==", "Bearer " + "A" * 43])
    return method, path, kwargs
