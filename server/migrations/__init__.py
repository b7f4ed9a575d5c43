"""Alembic migrations of the server's database, applied on start (``AUTO_MIGRATE``) or by ``threatdeck db upgrade``.

The Alembic configuration is built in code (:func:`alembic_config`), so no
``alembic.ini`` is needed and an installed package migrates the same way.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from server.db import migration_lock

HERE = Path(__file__).parent


def alembic_config(engine: sa.Engine | None = None) -> Config:
    """An Alembic config pointing at this folder; ``engine`` is handed to env.py."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["engine"] = engine
    return cfg


class UnknownRevision(RuntimeError):
    """The database is at a schema revision this threatdeck does not have (made by a newer version)."""


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (under a cross-process lock)."""
    with migration_lock(engine):
        check_known(engine)
        command.upgrade(alembic_config(engine), revision)


def check_known(engine: sa.Engine) -> None:
    """Raise :class:`UnknownRevision` if the database is at a revision not in this folder."""
    at = current(engine)
    if at is None:
        return
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if at not in known:
        raise UnknownRevision(f"the database schema is at revision {at!r}, which this threatdeck does not know "
                              f"(its newest is {head()!r}): it was migrated by a newer version; run that one")


class SchemaBehind(RuntimeError):
    """The database is not at this threatdeck's newest revision, and the server was told not to migrate it."""


def check_current(engine: sa.Engine) -> None:
    """Raise unless the database is at the newest revision (for a server started with migrations off).

    Started on an older schema, or an empty database, the server answered every request with a 500.
    """
    check_known(engine)
    at, newest = current(engine), head()
    if at != newest:
        where = f"at revision {at!r}" if at else "not migrated"
        raise SchemaBehind(f"the database schema is {where} and this threatdeck needs {newest!r}; "
                           "run 'threatdeck db upgrade' (THREATDECK_AUTO_MIGRATE is off)")


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Take the schema back to ``revision``."""
    with migration_lock(engine):
        command.downgrade(alembic_config(engine), revision)


def current(engine: sa.Engine) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    """The newest revision in this folder."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
