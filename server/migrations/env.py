"""Alembic environment: runs with the engine the server hands over (see ``server.migrations``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from server.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: take the URL from the environment
    import os

    from server.db import make_engine

    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///data/threatdeck.db"))


def run_migrations_online(connectable: sa.Engine) -> None:
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(url=str(engine.url), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online(engine)
