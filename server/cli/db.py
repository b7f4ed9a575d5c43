"""``threatdeck db``: the database schema (Alembic migrations).

``threatdeck db upgrade`` applies every migration (the server also does this on
start unless ``THREATDECK_AUTO_MIGRATE=0``); ``threatdeck db current`` prints
the revision the database is at.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(sub: Any) -> None:
    """Add the ``db`` subcommand."""
    p = sub.add_parser("db", help="manage the server's database schema",
                       description="Apply or inspect the server's database migrations.")
    p.add_argument("action", choices=("upgrade", "downgrade", "current", "heads"),
                   help="upgrade to the newest schema, downgrade to --revision, or show revisions")
    p.add_argument("--database", metavar="URL", default=None,
                   help="SQLAlchemy URL (default: $DATABASE_URL, else SQLite in the data folder)")
    p.add_argument("--data-dir", metavar="DIR", default=None,
                   help="folder of the SQLite database (default: $THREATDECK_DATA_DIR or ./data)")
    p.add_argument("--revision", default=None, help="target revision (default: head for upgrade)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one migration action; exit 0 on success, 2 on a problem."""
    import sqlalchemy as sa
    from alembic.util.exc import CommandError

    from server import config as config_module
    from server import migrations
    from server.db import MEMORY_URL, make_engine

    given: dict[str, Any] = {"TESTING": True}  # no secret key needed to migrate
    if args.database:
        given["DATABASE_URL"] = args.database
    if args.data_dir:
        given["DATA_DIR"] = args.data_dir
    try:
        settings = config_module.load(given)
    except config_module.ConfigError as exc:  # a THREATDECK_* variable the server could not use either
        print(f"threatdeck: {exc}", file=sys.stderr)
        return 2
    url = settings["DATABASE_URL"]
    if url == MEMORY_URL:
        print("threatdeck: the in-memory store has no schema", file=sys.stderr)
        return 2
    if args.action == "heads":
        print(migrations.head())
        return 0
    try:
        engine = make_engine(url, settings["SQLITE_SYNCHRONOUS"])
        if args.action == "upgrade":
            migrations.upgrade(engine, args.revision or "head")
            print(f"database at revision {migrations.current(engine)}")
        elif args.action == "downgrade":
            if not args.revision:
                print("threatdeck: downgrade needs --revision (use 'base' to remove every table)", file=sys.stderr)
                return 2
            migrations.downgrade(engine, args.revision)
            print(f"database at revision {migrations.current(engine)}")
        else:
            print(migrations.current(engine) or "(not migrated)")
        engine.dispose()
    except sa.exc.SQLAlchemyError as exc:
        print(f"threatdeck: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    except (migrations.UnknownRevision, CommandError, OSError) as exc:
        print(f"threatdeck: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return 2
    return 0
