"""Where games live: a port (:class:`GameRepository`) with an SQL and an in-memory implementation.

Every accepted command is committed with :meth:`GameRepository.commit`, which
in one transaction

1. moves the game from ``expected_version`` to ``expected_version + 1``
   (``UPDATE games SET version = v + 1, ... WHERE id = ? AND version = v``;
   no row updated means someone else got there first: :class:`StaleState`),
2. appends the command to the log (a ``client_id`` already in the log raises
   :class:`DuplicateCommand`, so a retried command is applied once),
3. appends the audit lines.

Only after that returns may anything be broadcast.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from game.errors import StaleState
from server import models
from server.errors import NotFound


def utcnow() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.timezone.utc)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.timezone.utc)


class DuplicateCommand(Exception):
    """A command with that client id is already in the game's log."""

    def __init__(self, existing: CommandRecord) -> None:
        super().__init__(f"command {existing.client_id} already applied as #{existing.seq}")
        self.existing = existing


class SeatTaken(Exception):
    """Another request took that seat number first."""


@dataclasses.dataclass(frozen=True)
class UploadRecord:
    """An uploaded, checked architecture document."""

    id: str
    name: str
    source_format: str
    document: str
    created_at: dt.datetime
    expires_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class GameRecord:
    """A game as stored: its version, what it is played on, and a snapshot at ``snapshot_version``.

    The state at ``version`` is the snapshot with the commands after
    ``snapshot_version`` replayed.
    """

    id: str
    version: int
    phase: str
    deck: str
    architecture_name: str
    architecture: str
    """The architecture document as uploaded."""
    board: Any
    """The engine's board as data (stored once)."""
    snapshot: Any
    """The engine state without the board, as data, at ``snapshot_version``."""
    meta: Any
    """The server's settings of the game (``max_seats``, ``bots``)."""
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
    deadline_at: dt.datetime | None = None
    snapshot_version: int = 0
    """The version ``snapshot`` is at."""


@dataclasses.dataclass(frozen=True)
class SeatRecord:
    """Who may act in a game; ``seat`` is None for a facilitator-only token."""

    game_id: str
    seat: int | None
    name: str
    role: str
    """``player`` or ``facilitator`` (the facilitator's seat plays too)."""
    token_hash: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class CommandRecord:
    """One accepted command in the log; ``seq`` is the version it produced."""

    game_id: str
    seq: int
    client_id: str
    seat: int | None
    actor: str
    type: str
    payload: Any
    at: dt.datetime


@dataclasses.dataclass(frozen=True)
class AuditRecord:
    """One line of the audit trail."""

    game_id: str
    at: dt.datetime
    actor: str
    action: str
    detail: Any


@dataclasses.dataclass(frozen=True)
class Change:
    """What one accepted command changes, committed atomically by :meth:`GameRepository.commit`."""

    snapshot: Any
    """The state after the command, or None to leave the stored snapshot (the command log has it)."""
    phase: str
    updated_at: dt.datetime
    expires_at: dt.datetime
    deadline_at: dt.datetime | None
    command: CommandRecord
    audit: tuple[AuditRecord, ...] = ()
    seats: tuple[SeatRecord, ...] = ()
    """Seats taken by this command (joining), inserted in the same transaction."""
    meta: Any = None
    """New server settings of the game, when they change (joining)."""


class GameRepository(Protocol):
    """The persistence port the game service talks to."""

    def add_upload(self, upload: UploadRecord) -> None: ...

    def get_upload(self, upload_id: str, now: dt.datetime) -> UploadRecord: ...

    def create_game(self, game: GameRecord, seats: Sequence[SeatRecord], audit: Sequence[AuditRecord]) -> None: ...

    def load(self, game_id: str, now: dt.datetime) -> GameRecord: ...

    def version(self, game_id: str) -> int | None: ...

    def find_command(self, game_id: str, client_id: str) -> CommandRecord | None: ...

    def commit(self, game_id: str, expected_version: int, change: Change) -> None: ...

    def seat_by_token(self, token_hash: str) -> SeatRecord | None: ...

    def seats(self, game_id: str) -> list[SeatRecord]: ...

    def record(self, audit: Sequence[AuditRecord]) -> None: ...

    def audit(self, game_id: str) -> list[AuditRecord]: ...

    def commands(self, game_id: str, after: int = 0) -> list[CommandRecord]: ...

    def due(self, now: dt.datetime, limit: int = 100) -> list[str]: ...

    def expire(self, now: dt.datetime) -> list[str]: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- in memory


class InMemoryGameRepository:
    """The repository in a few dicts: for fast unit tests, same contract as the SQL one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uploads: dict[str, UploadRecord] = {}
        self._games: dict[str, GameRecord] = {}
        self._commands: dict[str, list[CommandRecord]] = {}
        self._seats: dict[str, list[SeatRecord]] = {}
        self._audit: dict[str, list[AuditRecord]] = {}

    def add_upload(self, upload: UploadRecord) -> None:
        with self._lock:
            self._uploads[upload.id] = upload

    def get_upload(self, upload_id: str, now: dt.datetime) -> UploadRecord:
        up = self._uploads.get(upload_id)
        if up is None or up.expires_at <= now:
            raise NotFound(f"no upload {upload_id!r}; it may have expired", field="upload")
        return up

    def create_game(self, game: GameRecord, seats: Sequence[SeatRecord], audit: Sequence[AuditRecord]) -> None:
        with self._lock:
            if game.id in self._games:
                raise IntegrityError("games.id", None, Exception("duplicate game id"))
            self._games[game.id] = game
            self._commands[game.id] = []
            self._seats[game.id] = list(seats)
            self._audit[game.id] = list(audit)

    def load(self, game_id: str, now: dt.datetime) -> GameRecord:
        g = self._games.get(game_id)
        if g is None or g.expires_at <= now:
            raise NotFound(f"no game {game_id!r}; it may have expired", field="game")
        return g

    def version(self, game_id: str) -> int | None:
        g = self._games.get(game_id)
        return None if g is None else g.version

    def find_command(self, game_id: str, client_id: str) -> CommandRecord | None:
        for c in self._commands.get(game_id, ()):
            if c.client_id == client_id:
                return c
        return None

    def commit(self, game_id: str, expected_version: int, change: Change) -> None:
        with self._lock:
            g = self._games.get(game_id)
            if g is None:
                raise NotFound(f"no game {game_id!r}", field="game")
            if g.version != expected_version:
                raise StaleState(f"game is at version {g.version}, not {expected_version}")
            existing = self.find_command(game_id, change.command.client_id)
            if existing is not None:
                raise DuplicateCommand(existing)
            taken = {s.seat for s in self._seats[game_id]}
            for s in change.seats:
                if s.seat in taken:
                    raise SeatTaken(f"seat {s.seat} is taken")
            fresh_snapshot = change.snapshot is not None
            self._games[game_id] = dataclasses.replace(
                g,
                version=expected_version + 1,
                snapshot=change.snapshot if fresh_snapshot else g.snapshot,
                snapshot_version=expected_version + 1 if fresh_snapshot else g.snapshot_version,
                phase=change.phase,
                updated_at=change.updated_at,
                expires_at=change.expires_at,
                deadline_at=change.deadline_at,
                meta=g.meta if change.meta is None else change.meta,
            )
            self._commands[game_id].append(change.command)
            self._seats[game_id].extend(change.seats)
            self._audit[game_id].extend(change.audit)

    def seat_by_token(self, token_hash: str) -> SeatRecord | None:
        for seats in self._seats.values():
            for s in seats:
                if s.token_hash == token_hash:
                    return s
        return None

    def seats(self, game_id: str) -> list[SeatRecord]:
        return list(self._seats.get(game_id, ()))

    def record(self, audit: Sequence[AuditRecord]) -> None:
        with self._lock:
            for a in audit:
                if a.game_id in self._audit:
                    self._audit[a.game_id].append(a)

    def audit(self, game_id: str) -> list[AuditRecord]:
        return list(self._audit.get(game_id, ()))

    def commands(self, game_id: str, after: int = 0) -> list[CommandRecord]:
        return [c for c in self._commands.get(game_id, ()) if c.seq > after]

    def due(self, now: dt.datetime, limit: int = 100) -> list[str]:
        return [g.id for g in self._games.values() if g.deadline_at is not None and g.deadline_at <= now][:limit]

    def expire(self, now: dt.datetime) -> list[str]:
        with self._lock:
            gone = [gid for gid, g in self._games.items() if g.expires_at <= now]
            for gid in gone:
                for table in (self._games, self._commands, self._seats, self._audit):
                    table.pop(gid, None)
            for uid in [u.id for u in self._uploads.values() if u.expires_at <= now]:
                del self._uploads[uid]
            return gone

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- SQL

_G = models.Game.__table__
_C = models.Command.__table__
_S = models.Seat.__table__
_A = models.Audit.__table__
_U = models.Upload.__table__
_B = models.Board.__table__
_P = models.Snapshot.__table__


def _game(row: Any) -> GameRecord:
    return GameRecord(
        id=row.id,
        version=row.version,
        phase=row.phase,
        deck=row.deck,
        architecture_name=row.architecture_name,
        architecture=row.architecture,
        board=row.board,
        snapshot=row.snapshot,
        snapshot_version=row.snapshot_version,
        meta=row.meta,
        created_at=aware(row.created_at),  # type: ignore[arg-type]
        updated_at=aware(row.updated_at),  # type: ignore[arg-type]
        expires_at=aware(row.expires_at),  # type: ignore[arg-type]
        deadline_at=aware(row.deadline_at),
    )


def _command(row: Any) -> CommandRecord:
    return CommandRecord(
        game_id=row.game_id, seq=row.seq, client_id=row.client_id, seat=row.seat, actor=row.actor,
        type=row.type, payload=row.payload, at=aware(row.at),  # type: ignore[arg-type]
    )


def _seat(row: Any) -> SeatRecord:
    return SeatRecord(
        game_id=row.game_id, seat=row.seat, name=row.name, role=row.role, token_hash=row.token_hash,
        created_at=aware(row.created_at),  # type: ignore[arg-type]
    )


def _row(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}


def _command_row(c: CommandRecord) -> dict[str, Any]:
    return {"game_id": c.game_id, "seq": c.seq, "client_id": c.client_id, "seat": c.seat, "actor": c.actor,
            "type": c.type, "payload": c.payload, "at": c.at}


def _audit_row(a: AuditRecord) -> dict[str, Any]:
    return {"game_id": a.game_id, "at": a.at, "actor": a.actor, "action": a.action, "detail": a.detail}


# The statements of the hot path, built once (SQLAlchemy then reuses their compiled form).
_COMMIT_VALUES = {
    "version": sa.bindparam("new_version"),
    "phase": sa.bindparam("phase"),
    "updated_at": sa.bindparam("updated_at", type_=_G.c.updated_at.type),
    "expires_at": sa.bindparam("expires_at", type_=_G.c.expires_at.type),
    "deadline_at": sa.bindparam("deadline_at", type_=_G.c.deadline_at.type),
}
_COMMIT_WHERE = (_G.c.id == sa.bindparam("gid"), _G.c.version == sa.bindparam("expected"))
_COMMIT = _G.update().where(*_COMMIT_WHERE).values(**_COMMIT_VALUES)
_COMMIT_META = _G.update().where(*_COMMIT_WHERE).values(
    **_COMMIT_VALUES, meta=sa.bindparam("meta", type_=_G.c.meta.type))
_SNAPSHOT = _P.update().where(_P.c.game_id == sa.bindparam("gid")).values(
    version=sa.bindparam("new_version"), snapshot=sa.bindparam("snapshot", type_=_P.c.snapshot.type))
_INSERT_COMMAND = _C.insert()
_INSERT_AUDIT = _A.insert()


class SqlGameRepository:
    """The repository on SQLAlchemy Core: SQLite (WAL) or PostgreSQL.

    For SQLite, writes in this process are serialised by a lock (SQLite has one
    writer anyway, and waiting on the lock yields to other greenlets where
    waiting on SQLite's busy timeout would block the whole hub).
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._write_lock: threading.Lock | None = threading.Lock() if engine.dialect.name == "sqlite" else None

    def _begin(self) -> Any:
        return self.engine.begin()

    class _Writing:
        def __init__(self, repo: SqlGameRepository) -> None:
            self.repo = repo

        def __enter__(self) -> None:
            if self.repo._write_lock is not None:
                self.repo._write_lock.acquire()

        def __exit__(self, *exc: object) -> None:
            if self.repo._write_lock is not None:
                self.repo._write_lock.release()

    def _writing(self) -> SqlGameRepository._Writing:
        return SqlGameRepository._Writing(self)

    def add_upload(self, upload: UploadRecord) -> None:
        with self._writing(), self._begin() as conn:
            conn.execute(_U.insert().values(**_row(upload)))

    def get_upload(self, upload_id: str, now: dt.datetime) -> UploadRecord:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_U).where(_U.c.id == upload_id, _U.c.expires_at > now)).first()
        if row is None:
            raise NotFound(f"no upload {upload_id!r}; it may have expired", field="upload")
        return UploadRecord(
            id=row.id, name=row.name, source_format=row.source_format, document=row.document,
            created_at=aware(row.created_at), expires_at=aware(row.expires_at),  # type: ignore[arg-type]
        )

    def create_game(self, game: GameRecord, seats: Sequence[SeatRecord], audit: Sequence[AuditRecord]) -> None:
        row = _row(game)
        board = {"game_id": game.id, "architecture": row.pop("architecture"), "board": row.pop("board")}
        snapshot = {"game_id": game.id, "snapshot": row.pop("snapshot"), "version": row.pop("snapshot_version")}
        with self._writing(), self._begin() as conn:
            conn.execute(_G.insert().values(**row))
            conn.execute(_B.insert().values(**board))
            conn.execute(_P.insert().values(**snapshot))
            if seats:
                conn.execute(_S.insert(), [_row(s) for s in seats])
            if audit:
                conn.execute(_A.insert(), [_row(a) for a in audit])

    def load(self, game_id: str, now: dt.datetime) -> GameRecord:
        query = (
            sa.select(_G, _B.c.architecture, _B.c.board, _P.c.snapshot, _P.c.version.label("snapshot_version"))
            .join(_B, _B.c.game_id == _G.c.id)
            .join(_P, _P.c.game_id == _G.c.id)
            .where(_G.c.id == game_id, _G.c.expires_at > now)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"no game {game_id!r}; it may have expired", field="game")
        return _game(row)

    def version(self, game_id: str) -> int | None:
        with self.engine.connect() as conn:
            v = conn.execute(sa.select(_G.c.version).where(_G.c.id == game_id)).scalar()
        return None if v is None else int(v)

    def find_command(self, game_id: str, client_id: str) -> CommandRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_C).where(_C.c.game_id == game_id, _C.c.client_id == client_id)).first()
        return None if row is None else _command(row)

    def commit(self, game_id: str, expected_version: int, change: Change) -> None:
        params: dict[str, Any] = {
            "gid": game_id,
            "expected": expected_version,
            "new_version": expected_version + 1,
            "phase": change.phase,
            "updated_at": change.updated_at,
            "expires_at": change.expires_at,
            "deadline_at": change.deadline_at,
        }
        update = _COMMIT
        if change.meta is not None:
            update, params["meta"] = _COMMIT_META, change.meta
        try:
            with self._writing(), self._begin() as conn:
                if conn.execute(update, params).rowcount != 1:
                    raise StaleState(f"game {game_id} is no longer at version {expected_version}")
                conn.execute(_INSERT_COMMAND, _command_row(change.command))
                if change.snapshot is not None:
                    conn.execute(_SNAPSHOT, {"gid": game_id, "new_version": expected_version + 1,
                                             "snapshot": change.snapshot})
                if change.seats:
                    conn.execute(_S.insert(), [_row(s) for s in change.seats])
                if change.audit:
                    conn.execute(_INSERT_AUDIT, [_audit_row(a) for a in change.audit])
        except IntegrityError as exc:
            existing = self.find_command(game_id, change.command.client_id)
            if existing is not None:
                raise DuplicateCommand(existing) from None
            if change.seats:
                raise SeatTaken(str(exc.orig)) from None
            # the version moved and the same seq was taken by another writer
            raise StaleState(f"game {game_id} is no longer at version {expected_version}") from None

    def seat_by_token(self, token_hash: str) -> SeatRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_S).where(_S.c.token_hash == token_hash)).first()
        return None if row is None else _seat(row)

    def seats(self, game_id: str) -> list[SeatRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_S).where(_S.c.game_id == game_id).order_by(_S.c.id)).all()
        return [_seat(r) for r in rows]

    def record(self, audit: Sequence[AuditRecord]) -> None:
        if not audit:
            return
        try:
            with self._writing(), self._begin() as conn:
                conn.execute(_A.insert(), [_row(a) for a in audit])
        except IntegrityError:
            pass  # the game was deleted meanwhile: nothing to audit against

    def audit(self, game_id: str) -> list[AuditRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_A).where(_A.c.game_id == game_id).order_by(_A.c.id)).all()
        return [
            AuditRecord(game_id=r.game_id, at=aware(r.at), actor=r.actor, action=r.action, detail=r.detail)  # type: ignore[arg-type]
            for r in rows
        ]

    def commands(self, game_id: str, after: int = 0) -> list[CommandRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(_C).where(_C.c.game_id == game_id, _C.c.seq > after).order_by(_C.c.seq)
            ).all()
        return [_command(r) for r in rows]

    def due(self, now: dt.datetime, limit: int = 100) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(_G.c.id).where(_G.c.deadline_at.is_not(None), _G.c.deadline_at <= now,
                                         _G.c.expires_at > now).order_by(_G.c.deadline_at).limit(limit)
            ).all()
        return [r.id for r in rows]

    def expire(self, now: dt.datetime) -> list[str]:
        with self._writing(), self._begin() as conn:
            gone = [r.id for r in conn.execute(sa.select(_G.c.id).where(_G.c.expires_at <= now)).all()]
            if gone:
                # delete children explicitly: SQLite enforces ON DELETE CASCADE only with the pragma on
                for table in (_C, _S, _A, _B, _P):
                    conn.execute(table.delete().where(table.c.game_id.in_(gone)))
                conn.execute(_G.delete().where(_G.c.id.in_(gone)))
            conn.execute(_U.delete().where(_U.c.expires_at <= now))
        return gone

    def close(self) -> None:
        self.engine.dispose()
