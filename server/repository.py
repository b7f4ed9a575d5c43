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

:class:`SqlGameRepository` commits by *group commit*: callers that commit at
the same time (other games; greenlets or threads) queue their changes, and one
of them, the leader, writes the whole queue in one transaction with one
``executemany`` per statement, then wakes the others. When anything in that
batch is refused (a stale version, a duplicate client id, a seat taken), the
batch is rolled back and its changes are committed one by one, so that each
caller gets its own outcome, exactly as if it had committed alone.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from game.errors import StaleState
from server import db, models
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
    filename: str
    """The name of the file as uploaded: every parse of ``document`` names its source locations after it."""
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
class PresenceRecord:
    """How many connections of a seat one server process (``holder``) holds, as of ``seen_at``."""

    game_id: str
    seat: int
    holder: str
    connections: int
    seen_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ProcessRecord:
    """A server process serving the database (``server.peers``)."""

    holder: str
    """Its name in the presence rows."""
    name: str
    """Where to find it: host and pid."""
    shared: bool
    """It has a message queue (REDIS_URL)."""
    started_at: dt.datetime
    alive_until: dt.datetime
    """When it counts as gone unless it has written its row again."""


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


class Ticket(Protocol):
    """A change on its way to the database (see :meth:`GameRepository.enqueue`)."""

    done: bool
    error: BaseException | None


@dataclasses.dataclass(eq=False)
class _Done:
    """A change committed (or refused) at once: the in-memory repository's ticket."""

    done: bool = True
    error: BaseException | None = None


def _chain_refused() -> StaleState:
    """The refusal of a change whose game's previous change was not stored (it was computed on top of it)."""
    return StaleState("an earlier change of this game was not stored; reload and try again")


def _commit_now(commit: Any, game_id: str, expected_version: int, change: Change, after: Ticket | None) -> _Done:
    """Commit at once (unless ``after`` was not stored); the outcome is raised by ``wait``."""
    error: BaseException | None = _chain_refused() if unstored(after) else None
    if error is None:
        try:
            commit(game_id, expected_version, change)
        except Exception as exc:  # noqa: BLE001 - the caller's outcome, raised by wait()
            error = exc
    return _Done(error=error)


class GameRepository(Protocol):
    """The persistence port the game service talks to."""

    def add_upload(self, upload: UploadRecord) -> None: ...

    def get_upload(self, upload_id: str, now: dt.datetime) -> UploadRecord: ...

    def create_game(self, game: GameRecord, seats: Sequence[SeatRecord], audit: Sequence[AuditRecord]) -> None: ...

    def load(self, game_id: str, now: dt.datetime) -> GameRecord: ...

    def version(self, game_id: str) -> int | None: ...

    def find_command(self, game_id: str, client_id: str) -> CommandRecord | None: ...

    def commit(self, game_id: str, expected_version: int, change: Change) -> None: ...

    def enqueue(self, game_id: str, expected_version: int, change: Change, after: Ticket | None = None) -> Ticket:
        """Start committing ``change`` without waiting; ``after``: the game's previous change, still on its way.

        A change queued after another of the same game is written after it, in
        the same transaction or a later one, and is refused (``StaleState``)
        without being written if that one was not stored.
        """
        ...

    def wait(self, ticket: Ticket) -> None:
        """Return once the change is committed; raise as :meth:`commit` does if it was not."""
        ...

    def seat_by_token(self, token_hash: str) -> SeatRecord | None: ...

    def seats(self, game_id: str) -> list[SeatRecord]: ...

    def record(self, audit: Sequence[AuditRecord]) -> None: ...

    def hold(self, records: Sequence[PresenceRecord]) -> None:
        """Set one process's counts of seats' connections (its own rows only), in one write. A row of a game
        that is gone is left out."""

    def beat(self, holder: str, now: dt.datetime) -> None:
        """A process is alive: the rows where it holds connections are seen now."""

    def presence(self, game_id: str) -> list[PresenceRecord]: ...

    def announce(self, process: ProcessRecord, now: dt.datetime) -> None:
        """Write a process's own row (alive until ``process.alive_until``); forget the rows of processes gone
        by ``now``."""

    def processes(self, now: dt.datetime) -> list[ProcessRecord]:
        """The processes alive at ``now``, this one among them."""
        ...

    def retire(self, holder: str) -> None:
        """A process stops: its row goes at once, not when it would have gone stale."""

    def versions(self, game_ids: Sequence[str]) -> dict[str, int]:
        """The stored version of each of these games that still exists."""
        ...

    def audit(self, game_id: str) -> list[AuditRecord]: ...

    def commands(self, game_id: str, after: int = 0) -> list[CommandRecord]: ...

    def due(self, now: dt.datetime, limit: int = 100) -> list[str]: ...

    def expire(self, now: dt.datetime) -> list[str]: ...

    def ping(self, timeout: float) -> None:
        """Ask the database the cheapest question there is, waiting at most about ``timeout`` seconds for the
        answer (health checks); raises what the driver raised when it cannot be reached."""
        ...

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
        self._presence: dict[str, dict[tuple[int, str], PresenceRecord]] = {}
        self._processes: dict[str, ProcessRecord] = {}

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

    def enqueue(self, game_id: str, expected_version: int, change: Change, after: Ticket | None = None) -> Ticket:
        return _commit_now(self.commit, game_id, expected_version, change, after)

    def wait(self, ticket: Ticket) -> None:
        if ticket.error is not None:
            raise ticket.error

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

    def hold(self, records: Sequence[PresenceRecord]) -> None:
        with self._lock:
            for record in records:
                if record.game_id in self._games:
                    self._presence.setdefault(record.game_id, {})[(record.seat, record.holder)] = record

    def beat(self, holder: str, now: dt.datetime) -> None:
        with self._lock:
            for rows in self._presence.values():
                for key, r in rows.items():
                    if r.holder == holder and r.connections > 0:
                        rows[key] = dataclasses.replace(r, seen_at=now)

    def presence(self, game_id: str) -> list[PresenceRecord]:
        return list(self._presence.get(game_id, {}).values())

    def announce(self, process: ProcessRecord, now: dt.datetime) -> None:
        with self._lock:
            for holder in [h for h, p in self._processes.items() if p.alive_until <= now]:
                del self._processes[holder]
            self._processes[process.holder] = process

    def processes(self, now: dt.datetime) -> list[ProcessRecord]:
        return [p for p in list(self._processes.values()) if p.alive_until > now]

    def retire(self, holder: str) -> None:
        with self._lock:
            self._processes.pop(holder, None)

    def versions(self, game_ids: Sequence[str]) -> dict[str, int]:
        return {g: self._games[g].version for g in game_ids if g in self._games}

    def commands(self, game_id: str, after: int = 0) -> list[CommandRecord]:
        return [c for c in self._commands.get(game_id, ()) if c.seq > after]

    def due(self, now: dt.datetime, limit: int = 100) -> list[str]:
        return [g.id for g in self._games.values() if g.deadline_at is not None and g.deadline_at <= now][:limit]

    def expire(self, now: dt.datetime) -> list[str]:
        with self._lock:
            gone = [gid for gid, g in self._games.items() if g.expires_at <= now]
            for gid in gone:
                for table in (self._games, self._commands, self._seats, self._audit, self._presence):
                    table.pop(gid, None)
            for uid in [u.id for u in self._uploads.values() if u.expires_at <= now]:
                del self._uploads[uid]
            return gone

    def ping(self, timeout: float) -> None:
        pass

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- SQL


def _table(model: type[models.Base]) -> sa.Table:
    """A mapped class's table (SQLAlchemy types ``__table__`` as any FROM clause; ours are all tables)."""
    table = model.__table__
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


_G = _table(models.Game)
_C = _table(models.Command)
_S = _table(models.Seat)
_A = _table(models.Audit)
_U = _table(models.Upload)
_B = _table(models.Board)
_P = _table(models.Snapshot)
_H = _table(models.Presence)
_R = _table(models.Process)


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

# The same statements for the group commit and version(), run on the DB-API cursor (see _Statement).
_UPDATE_NAMES = ("new_version", "phase", "updated_at", "expires_at", "deadline_at", "gid", "expected")
_COMMAND_NAMES = ("game_id", "seq", "client_id", "seat", "actor", "type", "payload", "at")
_SNAPSHOT_NAMES = ("new_version", "snapshot", "gid")
_AUDIT_NAMES = ("game_id", "at", "actor", "action", "detail")
_VERSION = sa.select(_G.c.version).where(_G.c.id == sa.bindparam("gid", type_=_G.c.id.type))

# Statements run on every seat joining or leaving, built once: building the expression (its ``==`` and ``&``)
# cost more than running it, and a statement object keeps its cache key for SQLAlchemy's compiled cache.
_SEAT_BY_TOKEN = sa.select(_S).where(_S.c.token_hash == sa.bindparam("token_hash", type_=_S.c.token_hash.type))
_PRESENCE = sa.select(_H).where(_H.c.game_id == sa.bindparam("gid", type_=_H.c.game_id.type))
_HOLD = _H.update().where(
    _H.c.game_id == sa.bindparam("gid", type_=_H.c.game_id.type), _H.c.seat == sa.bindparam("s", type_=_H.c.seat.type),
    _H.c.holder == sa.bindparam("h", type_=_H.c.holder.type),
).values(connections=sa.bindparam("n", type_=_H.c.connections.type), seen_at=sa.bindparam("at", type_=_H.c.seen_at.type))
_HOLD_NEW = _H.insert()

LOCK_NOT_AVAILABLE = "55P03"
"""PostgreSQL's SQLSTATE for a statement that waited longer than ``lock_timeout`` for a row."""

MAX_BATCH = 256
"""The most changes one group-commit transaction carries (the rest wait for the next leader)."""


class _Statement:
    """A statement compiled once for a dialect, run on the DB-API cursor through SQLAlchemy's own bind processors.

    Values go through exactly the conversions SQLAlchemy applies (the JSON
    serialiser, SQLite's datetime text, psycopg's ``Jsonb``) and the SQL is
    SQLAlchemy's, so what is written reads back as if written through Core;
    what is skipped is Core's per-execution work (statement cache lookup,
    parameter processing, result objects), which is most of a small write's cost.
    """

    __slots__ = ("sql", "names", "positional", "order", "processors")

    def __init__(self, statement: Any, names: Sequence[str], dialect: sa.Dialect) -> None:
        if isinstance(statement, sa.Insert):
            statement = statement.inline()  # no RETURNING of the generated id
            compiled = statement.compile(dialect=dialect, column_keys=list(names))
        else:
            compiled = statement.compile(dialect=dialect)
        binds = compiled.binds
        if set(binds) != set(names):
            raise RuntimeError(f"statement {compiled.string!r} binds {sorted(binds)}, expected {sorted(names)}")
        self.sql: str = compiled.string
        self.names = tuple(names)
        self.positional: bool = bool(compiled.positional)
        self.order: tuple[int, ...] | None = None
        if self.positional:
            order = tuple(self.names.index(n) for n in compiled.positiontup or ())
            if len(order) != len(self.names):
                raise RuntimeError(f"statement {compiled.string!r} uses a parameter more than once")
            self.order = None if order == tuple(range(len(order))) else order
        processors = []
        for i, name in enumerate(self.names):
            process = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                processors.append((i, process))
        self.processors: tuple[tuple[int, Any], ...] = tuple(processors)

    def params(self, values: list[Any]) -> Any:
        """The DB-API parameters for ``values`` (in the order of ``names``)."""
        for i, process in self.processors:
            values[i] = process(values[i])
        if not self.positional:
            return dict(zip(self.names, values))
        if self.order is not None:
            return tuple([values[i] for i in self.order])
        return tuple(values)


class _Statements:
    """The hot statements of one dialect."""

    def __init__(self, dialect: sa.Dialect) -> None:
        self.update = _Statement(_COMMIT, _UPDATE_NAMES, dialect)
        self.command = _Statement(_INSERT_COMMAND, _COMMAND_NAMES, dialect)
        self.snapshot = _Statement(_SNAPSHOT, _SNAPSHOT_NAMES, dialect)
        self.audit = _Statement(_INSERT_AUDIT, _AUDIT_NAMES, dialect)
        self.version = _Statement(_VERSION, ("gid",), dialect)


class CommitInterrupted(RuntimeError):
    """The transaction carrying this change was interrupted (its leader was killed); the change may or may not be stored."""


_WAITING, _LEAD, _BATCHED, _GONE = range(4)


class _Pending:
    """One caller's change in the group-commit queue.

    ``state`` moves under the queue lock: ``_WAITING`` (queued) → ``_LEAD`` (this
    caller leads the next batch) or ``_BATCHED`` (a leader took it); ``_GONE``
    when its caller gave up before it was taken. ``wake`` is held until the
    caller may go on (its outcome is in ``done``/``error``, or it leads).
    """

    __slots__ = ("game_id", "expected", "change", "after", "state", "wake", "done", "error")

    def __init__(self, game_id: str, expected: int, change: Change, after: Ticket | None = None) -> None:
        self.game_id = game_id
        self.expected = expected
        self.change = change
        self.after = after
        """The game's previous change when it was queued before that one was stored."""
        self.state = _WAITING
        self.wake: Any = None
        self.done = False
        self.error: BaseException | None = None


def stored(ticket: Ticket) -> bool:
    """Whether a queued change is known to be committed."""
    return ticket.done and ticket.error is None


def unstored(ticket: Ticket | None) -> bool:
    """Whether a change is known not to be stored: refused or failed, or its caller gave up before it was taken."""
    if ticket is None:
        return False
    if ticket.done:
        return ticket.error is not None
    return isinstance(ticket, _Pending) and ticket.state == _GONE


def _close(cursor: Any) -> None:
    """Close a DB-API cursor; a failure to (its connection is already gone) is not the error to report."""
    try:
        cursor.close()
    except Exception:  # noqa: BLE001
        pass


class _Refused(Exception):
    """Something in a batch was refused: roll it back and commit its changes one by one."""


class SqlGameRepository:
    """The repository on SQLAlchemy Core: SQLite (WAL) or PostgreSQL.

    For SQLite, writes in this process are serialised by a lock (SQLite has one
    writer anyway, and waiting on the lock yields to other greenlets where
    waiting on SQLite's busy timeout would block the whole hub).
    """

    def __init__(self, engine: sa.Engine, *, group_commit: bool = True, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self._write_lock: threading.Lock | None = threading.Lock() if engine.dialect.name == "sqlite" else None
        self.group_commit = group_commit
        """Whether :meth:`commit` shares transactions between concurrent callers (else each commits alone)."""
        self.max_batch = max(1, max_batch)
        self._sql = _Statements(engine.dialect)
        self._dbapi: Any = engine.dialect.loaded_dbapi
        self._queue: collections.deque[_Pending] = collections.deque()
        self._queue_lock = threading.Lock()
        self._leading = False

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
            id=row.id, name=row.name, filename=row.filename, source_format=row.source_format, document=row.document,
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
        statement = self._sql.version
        params = statement.params([game_id])
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(statement.sql, params)
                row = cursor.fetchone()
            except BaseException as exc:
                raise self._failed(raw, cursor, exc, statement.sql, params) from None
            finally:
                _close(cursor)
        finally:
            raw.close()
        return None if row is None else int(row[0])

    def find_command(self, game_id: str, client_id: str) -> CommandRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_C).where(_C.c.game_id == game_id, _C.c.client_id == client_id)).first()
        return None if row is None else _command(row)

    # ------------------------------------------------------------------ commit (group commit)

    def commit(self, game_id: str, expected_version: int, change: Change) -> None:
        """Commit one change (see the module docstring); returns once it is committed, raises as :meth:`_commit_one`."""
        self.wait(self.enqueue(game_id, expected_version, change))

    def enqueue(self, game_id: str, expected_version: int, change: Change, after: Ticket | None = None) -> Ticket:
        """Queue a change for the next group commit (see :meth:`GameRepository.enqueue`); never blocks."""
        if not self.group_commit:
            return _commit_now(self._commit_one, game_id, expected_version, change, after)
        if unstored(after):
            return _Done(error=_chain_refused())
        me = _Pending(game_id, expected_version, change, after if after is not None and not after.done else None)
        with self._queue_lock:
            self._queue.append(me)
            if self._leading:
                me.wake = threading.Lock()
                me.wake.acquire()
            else:
                self._leading = True
                me.state = _LEAD
        return me

    def wait(self, ticket: Ticket) -> None:
        """Wait for a queued change (leading a batch when it is this caller's turn); raise if it was not stored."""
        if isinstance(ticket, _Pending):
            me = ticket
            try:
                if me.state != _LEAD and not me.done:
                    me.wake.acquire()  # released when our change is done, or when we are to lead
                if me.state == _LEAD and not me.done:
                    self._lead(me)
            except BaseException:
                self._give_up(me)
                raise
        if ticket.error is not None:
            raise ticket.error

    def _lead(self, me: _Pending) -> None:
        """Write one batch (the queue's head, ``me`` first), give every caller in it its outcome, pass the lead on."""
        batch: list[_Pending] = []
        try:
            time.sleep(0)  # let the other greenlets/threads that are ready reach commit() and queue their change
            with self._queue_lock:
                queue = self._queue
                for _ in range(min(len(queue), self.max_batch)):
                    p = queue.popleft()
                    p.state = _BATCHED
                    batch.append(p)
            self._write_batch(batch)
        except BaseException as exc:
            failure = exc if isinstance(exc, Exception) else CommitInterrupted(
                f"the transaction carrying this change was interrupted ({type(exc).__name__}); "
                "it may or may not be stored")
            if failure is not exc:
                failure.__cause__ = exc
            for p in batch:
                if not p.done:
                    # error before done: another thread seeing done must see the error too (else it counts as stored)
                    p.error, p.done = failure, True
            if failure is not exc or not batch:  # not batch: failed before taking its own change
                raise
        finally:
            self._pass_on(me, batch)

    def _pass_on(self, me: _Pending, batch: Sequence[_Pending]) -> None:
        """Hand the lead to the first caller still queued (or to nobody), then wake the callers of ``batch``."""
        with self._queue_lock:
            if me.state == _LEAD:  # gave up before taking a batch: its change stays unwritten
                self._queue.remove(me)
                me.state = _GONE
            nxt = self._queue[0] if self._queue else None
            if nxt is None:
                self._leading = False
            else:
                nxt.state = _LEAD
        for p in batch:
            if p is not me and p.wake is not None:
                p.wake.release()
        if nxt is not None:
            nxt.wake.release()

    def _give_up(self, me: _Pending) -> None:
        """A caller interrupted while it waited: leave the queue (passing the lead on if it was just handed it)."""
        with self._queue_lock:
            state = me.state
            if state == _WAITING:
                self._queue.remove(me)
                me.state = _GONE
        if state == _LEAD:
            self._pass_on(me, ())
        # _BATCHED: a leader has the change and will finish it; nobody waits for us

    def _write_batch(self, batch: Sequence[_Pending]) -> None:
        """Commit ``batch`` in one transaction, or (when any of it is refused) each change alone; sets each outcome."""
        rows: list[tuple[_Pending, Any]] = []
        for p in batch:
            if unstored(p.after):  # its game's previous change was not stored: this one must not be either
                p.error, p.done = _chain_refused(), True
                continue
            if p.change.seats or p.change.meta is not None:
                continue  # joining: rare, committed alone below
            try:
                rows.append((p, self._prepare(p)))
            except Exception:  # noqa: BLE001 - a value the database cannot take: committed alone, raising as it does
                continue
        if rows and self._write_many(rows):
            for p, _ in rows:
                p.done = True
        for p in batch:
            if not p.done and unstored(p.after):
                p.error, p.done = _chain_refused(), True
            if not p.done:
                try:
                    self._commit_one(p.game_id, p.expected, p.change)
                except Exception as exc:  # noqa: BLE001 - this caller's own outcome
                    p.error = exc
                p.done = True

    def _prepare(self, p: _Pending) -> tuple[Any, Any, Any, list[Any]]:
        """The DB-API parameters of one change: its version update, command, snapshot (or None) and audit lines."""
        sql, c, cmd = self._sql, p.change, p.change.command
        new_version = p.expected + 1
        update = sql.update.params([new_version, c.phase, c.updated_at, c.expires_at, c.deadline_at, p.game_id,
                                    p.expected])
        command = sql.command.params([cmd.game_id, cmd.seq, cmd.client_id, cmd.seat, cmd.actor, cmd.type,
                                      cmd.payload, cmd.at])
        snapshot = None if c.snapshot is None else sql.snapshot.params([new_version, c.snapshot, p.game_id])
        audit = [sql.audit.params([a.game_id, a.at, a.actor, a.action, a.detail]) for a in c.audit]
        return update, command, snapshot, audit

    def _write_many(self, rows: list[tuple[_Pending, Any]]) -> bool:
        """One transaction for all ``rows``: True once committed, False (rolled back) if any of it was refused."""
        # games in id order: two processes writing batches lock the rows in the same order (no deadlock)
        rows.sort(key=lambda r: r[0].game_id)
        updates = [r[1][0] for r in rows]
        commands = [r[1][1] for r in rows]
        snapshots = [r[1][2] for r in rows if r[1][2] is not None]
        audit = [a for r in rows for a in r[1][3]]
        sql = self._sql
        steps = [(sql.update.sql, updates), (sql.command.sql, commands)]
        if snapshots:
            steps.append((sql.snapshot.sql, snapshots))
        if audit:
            steps.append((sql.audit.sql, audit))
        raw = self.engine.raw_connection()
        try:
            with self._writing():
                cursor = raw.cursor()
                statement, params = steps[0]
                try:
                    for statement, params in steps:
                        cursor.executemany(statement, params)
                        if params is updates and cursor.rowcount != len(updates):
                            raise _Refused  # a game is not at the expected version (or is gone)
                    statement, params = "COMMIT", []
                    raw.commit()
                except BaseException as exc:
                    if isinstance(exc, _Refused | self._dbapi.IntegrityError | self._dbapi.DataError) or (
                            isinstance(exc, Exception) and not isinstance(exc, self._dbapi.Error)) or (
                            getattr(exc, "sqlstate", None) == LOCK_NOT_AVAILABLE):
                        # Each change alone, then: a row locked from outside fails only its own game's change.
                        self._rollback(raw)
                        return False
                    raise self._failed(raw, cursor, exc, statement, params) from None
                finally:
                    _close(cursor)
        finally:
            raw.close()
        return True

    def _rollback(self, raw: Any) -> None:
        try:
            raw.rollback()
        except Exception:  # noqa: BLE001 - a connection that cannot roll back is not reused
            raw.invalidate()

    def _failed(self, raw: Any, cursor: Any, exc: BaseException, statement: str, params: Any) -> BaseException:
        """Roll back after ``exc`` (dropping a broken connection) and return it as SQLAlchemy would raise it."""
        dbapi_error = isinstance(exc, self._dbapi.Error)
        disconnected = dbapi_error and self.engine.dialect.is_disconnect(
            exc, raw.dbapi_connection, cursor)  # type: ignore[arg-type]
        _close(cursor)
        if not isinstance(exc, Exception) or disconnected:
            raw.invalidate()
        else:
            self._rollback(raw)
        if not dbapi_error:
            return exc
        return sa.exc.DBAPIError.instance(statement, params, exc, self._dbapi.Error,
                                          hide_parameters=self.engine.hide_parameters, dialect=self.engine.dialect,
                                          connection_invalidated=not raw.is_valid,
                                          ismulti=isinstance(params, list))

    def _commit_one(self, game_id: str, expected_version: int, change: Change) -> None:
        """Commit one change in its own transaction through SQLAlchemy Core (the path before group commit)."""
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
            row = conn.execute(_SEAT_BY_TOKEN, {"token_hash": token_hash}).first()
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

    def hold(self, records: Sequence[PresenceRecord]) -> None:
        try:
            with self._writing(), self._begin() as conn:
                for record in records:
                    self._hold(conn, record)
        except IntegrityError:
            if len(records) == 1:
                return  # the game was deleted meanwhile
            for record in records:  # one of the games was: the others, each on its own
                self.hold([record])

    @staticmethod
    def _hold(conn: Any, record: PresenceRecord) -> None:
        # Only this process writes its rows (the caller serialises its own writes), so update-else-insert
        # cannot race another writer of the same row.
        done = conn.execute(_HOLD, {"gid": record.game_id, "s": record.seat, "h": record.holder,
                                    "n": record.connections, "at": record.seen_at})
        if done.rowcount == 0:
            conn.execute(_HOLD_NEW, _row(record))

    def beat(self, holder: str, now: dt.datetime) -> None:
        with self._writing(), self._begin() as conn:
            conn.execute(_H.update().where(_H.c.holder == holder, _H.c.connections > 0).values(seen_at=now))

    def presence(self, game_id: str) -> list[PresenceRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(_PRESENCE, {"gid": game_id}).all()
        return [PresenceRecord(game_id=r.game_id, seat=r.seat, holder=r.holder, connections=r.connections,
                               seen_at=aware(r.seen_at)) for r in rows]  # type: ignore[arg-type]

    def announce(self, process: ProcessRecord, now: dt.datetime) -> None:
        with self._writing(), self._begin() as conn:
            # Only this process writes its row, so update-else-insert cannot race another writer of it.
            done = conn.execute(_R.update().where(_R.c.holder == process.holder).values(
                alive_until=process.alive_until, shared=process.shared))
            if done.rowcount == 0:
                conn.execute(_R.insert().values(**_row(process)))
            # Rows of processes killed without stopping: every process's beat sweeps them.
            conn.execute(_R.delete().where(_R.c.alive_until <= now))

    def processes(self, now: dt.datetime) -> list[ProcessRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_R).where(_R.c.alive_until > now)).all()
        return [ProcessRecord(holder=r.holder, name=r.name, shared=bool(r.shared), started_at=aware(r.started_at),  # type: ignore[arg-type]
                              alive_until=aware(r.alive_until)) for r in rows]  # type: ignore[arg-type]

    def retire(self, holder: str) -> None:
        with self._writing(), self._begin() as conn:
            conn.execute(_R.delete().where(_R.c.holder == holder))

    def versions(self, game_ids: Sequence[str]) -> dict[str, int]:
        if not game_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_G.c.id, _G.c.version).where(_G.c.id.in_(list(game_ids)))).all()
        return {r.id: r.version for r in rows}

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
                for table in (_C, _S, _A, _B, _P, _H):
                    conn.execute(table.delete().where(table.c.game_id.in_(gone)))
                conn.execute(_G.delete().where(_G.c.id.in_(gone)))
            conn.execute(_U.delete().where(_U.c.expires_at <= now))
        return gone

    def ping(self, timeout: float) -> None:
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "postgresql":
                # Only this transaction's statements (closing the connection rolls it back): a database that
                # takes a connection but answers nothing must not hold a health check for good.
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, round(timeout * 1000))}")
            conn.exec_driver_sql("SELECT 1")

    def close(self) -> None:
        db.close(self.engine)
