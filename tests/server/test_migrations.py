"""Alembic migrations: they build exactly the tables the ORM models describe, and go back down."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from server import migrations
from server.cli import main
from server.db import make_engine
from server.models import Base


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert migrations.current(engine) is None
    migrations.upgrade(engine)
    assert migrations.current(engine) == migrations.head()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], "server/models.py and server/migrations disagree"
    migrations.upgrade(engine)  # a second start changes nothing
    migrations.downgrade(engine, "base")
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'w.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_db_command_upgrades_and_reports(tmp_path: Path, capsys: object) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    assert main(["db", "current", "--database", url]) == 0
    assert main(["db", "downgrade", "--database", url]) == 2
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert f"database at revision {migrations.head()}" in out


@pytest.mark.parametrize(("args", "env", "expected"), [
    ((), {"THREATDECK_TICK_INTERVAL": "0"}, "threatdeck: THREATDECK_TICK_INTERVAL: must be positive, got 0.0"),
    (("--database", "postgresql://u:secret@db:five/x"), {}, "threatdeck: database error: invalid database URL"),
])
def test_the_db_command_says_what_is_wrong_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: tuple[str, ...], env: dict[str, str], expected: str) -> None:
    # Both were tracebacks: a bad setting in the environment, a port that is not a number.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["db", "current", "--data-dir", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1, err
