"""Database engines: one per app, made by the app factory, never at import time.

SQLite (the embedded default) runs in WAL mode with a busy timeout and foreign
keys on; PostgreSQL goes through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from server import fastjson
from server.config import SQLITE_SYNCHRONOUS as SYNCHRONOUS

log = logging.getLogger(__name__)

MEMORY_URL = "memory://"
"""The database URL that selects the in-memory repository (tests)."""

LOCK_KEY = 0x7468_6465_636B  # "thdeck": any fixed number, the same in every process
LOCK_TIMEOUT_MS = 5000
"""PostgreSQL: how long a statement waits for a row lock before it fails."""
CONNECT_TIMEOUT = 10
"""PostgreSQL: seconds to wait for a connection, unless the URL's ``connect_timeout`` or ``PGCONNECT_TIMEOUT``
says otherwise. psycopg's own default is 130 s: a server that accepts and never answers (a half-open firewall,
a hung host) kept ``threatdeck serve`` silent for two minutes."""


class DatabaseUnwritable(RuntimeError):
    """The database can be read but not written (a read-only file, a standby, a role without UPDATE)."""


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    """Whether the URL names an SQLite database."""
    return url.startswith("sqlite")


def describe(url: str) -> str:
    """The database URL for logs: without its password, whether in the user part or in the query
    (``?password=``, ``?sslpassword=``, which libpq reads as well)."""
    parsed = make_url(url)
    hidden = {key: "***" for key in parsed.query if "password" in key.lower()}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def unavailable(exc: BaseException) -> str | None:
    """One line saying why the database could not be used, when that is what ``exc`` is (else None).

    An OperationalError is the database's state, not the server's code: it refused a connection, dropped one,
    timed out, or was locked past the busy timeout. While PostgreSQL restarted, the clock logged a traceback
    a second and every request another; these are told in one line instead.
    """
    orig: BaseException
    if isinstance(exc, sa.exc.OperationalError):
        orig = exc.orig if exc.orig is not None else exc
    elif any(cls.__name__ == "OperationalError" for cls in type(exc).__mro__):
        orig = exc  # the driver's own (PEP 249 names it so in every driver), raised past SQLAlchemy's wrapping
    else:
        return None
    return next((line.strip() for line in str(orig).splitlines() if line.strip()), type(orig).__name__)


def database_file(url: sa.URL) -> str | None:
    """The file of an SQLite URL (None for an in-memory database), also when given as a URI filename."""
    database = url.database
    if database and database.startswith("file:") and url.query.get("uri") == "true":
        database = database[len("file:"):]  # sqlite:///file:/path/db?mode=ro&uri=true, as SQLAlchemy documents
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return None
    return database


def make_engine(url: str, synchronous: str = "NORMAL") -> sa.Engine:
    """An engine for the URL; for SQLite, the folder is created and the pragmas set on every connection."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ValueError as exc:  # a port that is not a number: a ValueError with a traceback, not an ArgumentError
        raise sa.exc.ArgumentError(f"invalid database URL: {exc}") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        # A typo in the scheme read "Can't load plugin", and mysql:// "No module named 'MySQLdb'".
        raise sa.exc.ArgumentError(f"expected an sqlite:/// or postgresql:// database URL, "
                                   f"got a {parsed.drivername}:// URL")
    if is_sqlite(url):
        sync = synchronous.upper()
        if sync not in SYNCHRONOUS:
            raise ValueError(f"SQLITE_SYNCHRONOUS: expected one of {', '.join(SYNCHRONOUS)}, got {synchronous!r}")
        database = database_file(parsed)
        if database:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                  json_serializer=fastjson.dumps, json_deserializer=fastjson.loads)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute(f"PRAGMA synchronous={sync}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    # A row locked from outside (an operator's open transaction) would hold a group commit, and every game's
    # commands with it, for as long as it is held: after LOCK_TIMEOUT_MS the batch fails and each change is
    # committed alone, so only that game's commands wait.
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        given = parsed.query.get("options", "")  # the URL's own options (a search_path, say) are kept
        given = " ".join(given) if isinstance(given, tuple) else given
        connect_args["options"] = f"{given} -c lock_timeout={LOCK_TIMEOUT_MS}".strip()
        if "connect_timeout" not in parsed.query and not os.environ.get("PGCONNECT_TIMEOUT"):
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800,
                            connect_args=connect_args, json_serializer=fastjson.dumps, json_deserializer=fastjson.loads)


def close(engine: sa.Engine) -> None:
    """Close the engine's connections; for SQLite, fold the write-ahead log into the database file first.

    The last connection to close would fold it in, but a request or background task still holding one as the
    server stops keeps it open until the process is gone, and the games written since the last automatic
    checkpoint would stay in ``threatdeck.db-wal``: a backup that copies the database file alone missed them.
    """
    if engine.dialect.name == "sqlite" and database_file(engine.url):
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except sa.exc.DBAPIError as exc:  # stopping goes on: what is in the log is safe, only not yet in the file
            log.warning("could not fold the write-ahead log into the database: %s", exc.orig)
    engine.dispose()


def check_writable(engine: sa.Engine) -> None:
    """Raise :class:`DatabaseUnwritable` unless a change can be written (then rolled back).

    A server on a database it can only read started, then failed every upload, game and move with a
    traceback. The probe rewrites the schema's revision with itself, which every migrated database has.
    """
    try:
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                conn.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                tx.rollback()
    except sa.exc.DBAPIError as exc:
        problem = next((line for line in str(exc.orig).splitlines() if line.strip()), type(exc.orig).__name__)
        raise DatabaseUnwritable(f"the database cannot be written: {problem}") from exc


@contextlib.contextmanager
def migration_lock(engine: sa.Engine) -> Iterator[None]:
    """Hold a lock across processes while migrating, so servers starting together don't race.

    PostgreSQL: a session advisory lock; SQLite: an ``flock`` on a file beside the database.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SET lock_timeout = 0"))  # wait for another process's migration, however long
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                conn.commit()
        return
    database = database_file(engine.url)
    if engine.dialect.name != "sqlite" or not database:
        yield
        return
    lock_path = Path(database + ".migrate-lock")
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
