"""The database tables, as SQLAlchemy ORM classes. Only ``server/`` knows them.

A game is one small row of ``games`` holding its ``version`` (checked on every
write); ``boards`` holds what it is played on (written once); ``snapshots`` the
engine state at some version (written every few commands, and at every change
of phase); every accepted command is one row of ``commands`` (append-only,
``seq`` equal to the version it produced), so the state at ``version`` is the
snapshot plus the commands after it; ``seats`` holds who may act for the
game (hashed tokens only); ``audit`` records who did what, including refusals.
Schema changes go through ``server/migrations`` (Alembic); keep both in step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
"""JSON in SQLite (text) and JSONB in PostgreSQL."""


class Base(DeclarativeBase):
    """Declarative base; ``Base.metadata`` is what the migrations describe."""


class Upload(Base):
    """An architecture uploaded and checked, waiting to be used by a new game."""

    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(200))
    """The name of the file as uploaded: every parse of ``document`` names its source locations after it."""
    source_format: Mapped[str] = mapped_column(sa.String(32))
    document: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


class Game(Base):
    """One game: its latest snapshot and the version that snapshot is at."""

    __tablename__ = "games"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    phase: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    deck: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    architecture_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    meta: Mapped[Any] = mapped_column(JSONType, nullable=False)
    """The server's own settings of the game: most human seats, bots."""
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False, index=True)
    deadline_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True, index=True)
    """When the engine next needs a clock tick (a turn timeout), if ever."""


class Board(Base):
    """What a game is played on, written once: the document as uploaded and the engine's board.

    Kept out of ``games`` so that the row updated on every command stays small
    (SQLite rewrites a whole row, large values included, on any update).
    """

    __tablename__ = "boards"

    game_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)
    architecture: Mapped[str] = mapped_column(sa.Text, nullable=False)
    """The architecture document exactly as uploaded (for people and exports)."""
    board: Mapped[Any] = mapped_column(JSONType, nullable=False)
    """The engine's board (architecture and cards in play) as data: it never changes during a game."""


class Snapshot(Base):
    """The engine state at ``version`` without the board; commands after it are replayed on load."""

    __tablename__ = "snapshots"

    game_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    snapshot: Mapped[Any] = mapped_column(JSONType, nullable=False)


class Command(Base):
    """One accepted command: the append-only log a game can be replayed from."""

    __tablename__ = "commands"
    __table_args__ = (sa.UniqueConstraint("game_id", "client_id", name="uq_commands_game_client"),)

    game_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    seat: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    actor: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    payload: Mapped[Any] = mapped_column(JSONType, nullable=False)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Seat(Base):
    """Someone who may act in a game: a player's seat or the facilitator (``seat`` is None)."""

    __tablename__ = "seats"
    __table_args__ = (
        sa.UniqueConstraint("game_id", "seat", name="uq_seats_game_seat"),
        sa.UniqueConstraint("token_hash", name="uq_seats_token_hash"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    game_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("games.id", ondelete="CASCADE"), index=True)
    seat: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    role: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Audit(Base):
    """One line of a game's audit trail: who did what, when, and whether it was allowed."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    game_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("games.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    action: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    detail: Mapped[Any] = mapped_column(JSONType, nullable=False)


class Presence(Base):
    """How many connections one server process holds for a seat, and when it last said so.

    Each process writes only its own rows and refreshes them on a heartbeat, so a
    process that died leaves rows that go stale instead of a seat that looks
    connected for ever (``server.presence``).
    """

    __tablename__ = "presence"

    game_id: Mapped[str] = mapped_column(sa.String(32), sa.ForeignKey("games.id", ondelete="CASCADE"), primary_key=True)
    seat: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(32), primary_key=True, index=True)  # each beat updates by holder
    connections: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    seen_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)


class Process(Base):
    """A server process serving this database: whether it has a message queue, and until when it counts as alive.

    Each process writes only its own row, on every presence heartbeat, and deletes it when it stops. A process
    that finds another one alive, when the two share no message queue, knows that their games are split
    between them (``server.peers``).
    """

    __tablename__ = "processes"

    holder: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # the process's name in presence rows
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    shared: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
    alive_until: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), nullable=False)
