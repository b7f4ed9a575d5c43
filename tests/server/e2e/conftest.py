"""Fixtures for the end-to-end tests (the harness is in harness.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import ServerProcess

from server.client import SeatClient


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers (stopped at the end); keyword arguments go to :class:`ServerProcess`."""
    started: list[ServerProcess] = []

    def start(**kwargs: Any) -> ServerProcess:
        server = ServerProcess(tmp_path, name=f"server{len(started)}", **kwargs).start()
        started.append(server)
        return server

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def clients() -> Iterator[list[SeatClient]]:
    made: list[SeatClient] = []
    yield made
    for c in made:
        c.close()
