"""What a server process keeps of a game in its cache: the state, not the stored row's snapshot and board."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_pipelined_commands import games_on, note, started_game, stored_state

from server.db import make_engine
from server.migrations import upgrade
from server.repository import utcnow


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'games.db'}"
    upgrade(make_engine(url))
    yield url


def test_a_cached_game_keeps_only_the_static_parts_of_its_row(database: str) -> None:
    games, repo, _ = games_on(database)
    game_id = started_game(games)
    created = games.live(game_id)
    assert created.record.snapshot == {} and created.record.board == {}
    assert created.record.meta["humans"] == ["Kim", "Doug", "Sam", "Hannah"] and created.record.deck
    stored = repo.load(game_id, utcnow())
    assert stored.snapshot and stored.board  # the database has them, of course

    games.forget(game_id)  # as after a restart: loaded from the database
    loaded = games.live(game_id)
    assert loaded is not created and loaded.record.snapshot == {} and loaded.record.board == {}
    assert loaded.state == created.state and loaded.record.id == game_id
    assert note(games, game_id, 1, "HrApi", "after").applied  # and it plays on
    assert stored_state(repo, game_id) == games.live(game_id).state
