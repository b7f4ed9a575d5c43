"""Fixtures for the server's unit tests (helpers in serverkit.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from parsegate import Gate
from serverkit import FakeClock, make_app, new_game

import server.games
from server import socketio


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> Iterator[Any]:
    application = make_app()
    application.extensions["threatdeck"].games.clock = clock
    yield application
    application.extensions["threatdeck"].stop()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def sio(app: Any) -> Iterator[Callable[..., Any]]:
    """Make Socket.IO test clients (disconnected at the end)."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        c = socketio.test_client(app, **kwargs)
        made.append(c)
        return c

    yield make
    for c in made:
        if c.is_connected():
            c.disconnect()


@pytest.fixture
def game(client: Any) -> dict[str, Any]:
    return new_game(client)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """The server's parses go through a :class:`~parsegate.Gate`; the held one is let go at the end."""
    g = Gate()
    monkeypatch.setattr(server.games, "load_architecture", g.parse)
    yield g
    g.open()
