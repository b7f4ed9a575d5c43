"""Alembic migrations: they build exactly the tables the ORM models describe, and go back down."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from test_repository import T0, sql_database

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


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_uploads_stored_before_their_file_name_was_keep_the_label_their_games_had(tmp_path: Path, kind: str) -> None:
    """0004 adds the file name to an upload; uploads already stored are named as every game on them was parsed
    until then. Down again, the uploads stay, without their names."""
    def uploads(*more: str) -> sa.TableClause:
        stamps = [sa.column(c, sa.DateTime(timezone=True)) for c in ("created_at", "expires_at")]
        return sa.table("uploads", *(sa.column(c, sa.String) for c in ("id", "name", "source_format", "document",
                                                                       *more)), *stamps)

    row = {"name": "HR", "source_format": "native", "document": "name: HR", "created_at": T0, "expires_at": T0}
    with sql_database(kind, tmp_path, "0003") as url:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(uploads().insert(), [dict(row, id="u1"), dict(row, id="u2")])
        migrations.upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT id, filename, document FROM uploads ORDER BY id")).all() == [
                ("u1", "upload u1", "name: HR"), ("u2", "upload u2", "name: HR")]
            conn.execute(uploads("filename").insert(), [dict(row, id="u3", filename="hr.yaml")])
        assert {c["name"]: c["nullable"] for c in sa.inspect(engine).get_columns("uploads")}["filename"] is False
        assert "ix_uploads_expires_at" in {i["name"] for i in sa.inspect(engine).get_indexes("uploads")}
        migrations.downgrade(engine, "0003")
        assert "filename" not in {c["name"] for c in sa.inspect(engine).get_columns("uploads")}
        assert "ix_uploads_expires_at" in {i["name"] for i in sa.inspect(engine).get_indexes("uploads")}
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT id FROM uploads ORDER BY id")).scalars().all() == ["u1", "u2", "u3"]
        engine.dispose()


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
