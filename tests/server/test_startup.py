"""What the app does at start with a database it cannot use, with the database when it stops, and with logs.

Each of these used to start a server that then failed every request with a
traceback (or, for the timeout, sat silent for two minutes).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import sqlite3
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from serverkit import make_app, new_game

from server import db, migrations
from server.runtime import Runtime
from server.config import ConfigError


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_a_database_the_server_can_only_read_is_refused_at_start(tmp_path: Path) -> None:
    path = tmp_path / "threatdeck.db"
    engine = db.make_engine(sqlite_url(path))
    migrations.upgrade(engine)
    engine.dispose()
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"  # what a file the server's user cannot write gives
    with pytest.raises(db.DatabaseUnwritable, match="the database cannot be written: attempt to write a readonly"):
        make_app(DATABASE_URL=read_only)


@pytest.mark.parametrize("revision", [None, "0001"])
def test_a_schema_behind_is_refused_when_migrations_are_off(tmp_path: Path, revision: str | None) -> None:
    path = tmp_path / "threatdeck.db"
    engine = db.make_engine(sqlite_url(path))
    if revision:
        migrations.upgrade(engine, revision)
    else:
        with engine.begin() as conn:  # an empty database, as a new PostgreSQL one is
            conn.execute(sa.text("CREATE TABLE unrelated (x INTEGER)"))
    engine.dispose()
    where = f"at revision '{revision}'" if revision else "not migrated"
    with pytest.raises(migrations.SchemaBehind, match=f"schema is {where} .* run 'threatdeck db upgrade'"):
        make_app(DATABASE_URL=sqlite_url(path), AUTO_MIGRATE=False)
    make_app(DATABASE_URL=sqlite_url(path), AUTO_MIGRATE=True).extensions["threatdeck"].stop()
    make_app(DATABASE_URL=sqlite_url(path), AUTO_MIGRATE=False).extensions["threatdeck"].stop()  # now at head


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_database_is_refused(url: str) -> None:
    # It started, migrated one connection's database and answered "no such table" from the next.
    with pytest.raises(ConfigError, match="DATABASE_URL: an in-memory SQLite database"):
        make_app(DATABASE_URL=url)


def test_a_port_that_is_not_a_number_is_a_bad_url_not_a_crash() -> None:
    with pytest.raises(sa.exc.ArgumentError, match="invalid database URL: .*'five'"):
        db.make_engine("postgresql://threatdeck:secret@db.example:five/threatdeck")


def test_a_postgresql_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "CONNECT_TIMEOUT", 2)  # psycopg waits at least 2 s
    monkeypatch.delenv("PGCONNECT_TIMEOUT", raising=False)
    with socket.socket() as silent:  # accepts (the kernel does) and never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        engine = db.make_engine(f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/test")
        outcome: list[BaseException] = []

        def connect() -> None:
            try:
                engine.connect().close()
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                outcome.append(exc)

        attempt = threading.Thread(target=connect, daemon=True)
        attempt.start()
        attempt.join(8)  # psycopg's own default was 130 s
        assert not attempt.is_alive(), "the connection attempt is still waiting"
    assert outcome and isinstance(outcome[0], sa.exc.OperationalError), outcome
    assert "timeout" in str(outcome[0]).lower()


def test_stopping_folds_the_write_ahead_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "threatdeck.db"
    app = make_app(DATABASE_URL=sqlite_url(path))
    game = new_game(app.test_client())
    app.extensions["threatdeck"].stop()
    shutil.copyfile(path, tmp_path / "backup.db")  # a backup that copies the database file alone
    with contextlib.closing(sqlite3.connect(tmp_path / "backup.db")) as copy:
        assert copy.execute("SELECT count(*) FROM games WHERE id = ?", (game["game_id"],)).fetchone() == (1,)


def test_the_socket_libraries_log_once_through_the_apps_handlers(tmp_path: Path) -> None:
    # Given logger=False they added a handler of their own: a lost message queue printed each error twice.
    make_app().extensions["threatdeck"].stop()
    for name in ("socketio.server", "engineio.server"):
        logger = logging.getLogger(name)
        assert logger.handlers == [] and logger.propagate, name
        assert logger.getEffectiveLevel() == logging.WARNING, name


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://td:hunter2@db:5432/td", "postgresql://td:***@db:5432/td"),
    # libpq reads a password from the query as well; it was printed at every start
    ("postgresql://td@db/td?password=hunter2&application_name=threatdeck",
     "postgresql://td@db/td?application_name=threatdeck&password=***"),
    ("postgresql://td@db/td?sslpassword=hunter2", "postgresql://td@db/td?sslpassword=***"),
    ("sqlite:////var/lib/threatdeck/threatdeck.db", "sqlite:////var/lib/threatdeck/threatdeck.db"),
])
def test_the_database_is_described_without_its_password(url: str, shown: str) -> None:
    assert db.describe(url) == shown


@pytest.mark.parametrize(("url", "shown"), [
    ("redis://:hunter2@cache:6380/1", "redis://cache:6380/1"),
    ("unix:///run/redis/redis.sock?db=0&password=hunter2", "unix:///run/redis/redis.sock"),  # was unix://None:6379/…
])
def test_the_message_queue_is_described_without_its_password(url: str, shown: str) -> None:
    assert Runtime.describe_redis(SimpleNamespace(settings={"REDIS_URL": url})) == shown  # type: ignore[arg-type]
