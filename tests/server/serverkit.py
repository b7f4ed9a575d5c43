"""Helpers for the server's unit tests: an app on the in-memory repository, a fake clock, a seated game."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server import create_app

FIXTURES = Path(__file__).parent / "fixtures"
HR = (FIXTURES / "hr.yaml").read_text(encoding="utf-8")


class FakeClock:
    """A clock the tests move by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_app(**config: Any) -> Any:
    settings = {
        "TESTING": True,
        "DATABASE_URL": "memory://",
        "BACKGROUND_TASKS": False,
        "RATE_EVENTS_BURST": 10_000,
        "RATE_HTTP_BURST": 10_000,
        "RATE_CREATE_BURST": 10_000,
    }
    settings.update(config)
    return create_app(settings)


def new_game(client: Any, names: tuple[str, ...] = ("Kim", "Doug", "Sam", "Hannah"), **options: Any) -> dict[str, Any]:
    """Upload the HR fixture, create a game with the first name facilitating, seat the others.

    Returns ``{"game_id", "tokens": [...by seat], "created": ...}``.
    """
    r = client.post("/api/architectures", data=HR, content_type="application/yaml")
    assert r.status_code == 201, r.json
    body = {"architecture": r.json["id"], "name": names[0], "seats": max(2, len(names))}
    body.update(options)
    r = client.post("/api/games", json=body)
    assert r.status_code == 201, r.json
    created = r.json
    game_id = created["game_id"]
    tokens = [created["facilitator"]["token"]]
    for name in names[1:]:
        r = client.post(f"/api/games/{game_id}/seats", json={"name": name})
        assert r.status_code == 201, r.json
        tokens.append(r.json["token"])
    return {"game_id": game_id, "tokens": tokens, "created": created}
