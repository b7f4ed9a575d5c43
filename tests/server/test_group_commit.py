"""Group commit: concurrent ``SqlGameRepository.commit`` calls share transactions and keep one-by-one outcomes.

Runs on SQLite and on PostgreSQL (skipped with the reason when it does not
answer, except under ``CI``). Batches are made deterministic by holding the
leader until the expected number of changes is queued (:func:`gather`).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_repository import T0, sql_database

from game.errors import StaleState
from server import repository
from server.db import make_engine
from server.errors import NotFound
from server.repository import (
    AuditRecord,
    Change,
    CommandRecord,
    CommitInterrupted,
    DuplicateCommand,
    GameRecord,
    SeatRecord,
    SeatTaken,
    SqlGameRepository,
)

JOIN_TIMEOUT = 120.0
"""How long a test waits for its threads before calling them hung (never reached when all is well)."""


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: Any, tmp_path: Path) -> Iterator[str]:
    with sql_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def repo(url: str) -> Iterator[SqlGameRepository]:
    r = SqlGameRepository(make_engine(url))
    yield r
    r.close()


def new_game(gid: str) -> GameRecord:
    return GameRecord(id=gid, version=0, phase="setup", deck="serverless-stride", architecture_name="HR",
                      architecture="threatdeck: 1", board={"b": 1}, snapshot={"s": 0}, meta={"max_seats": 4},
                      created_at=T0, updated_at=T0, expires_at=T0 + dt.timedelta(hours=1))


def move(gid: str, version: int, client_id: str, *, snapshot: bool = False, payload: Any = None,
         seats: tuple[SeatRecord, ...] = ()) -> Change:
    """The change that takes ``gid`` from ``version`` to ``version + 1``."""
    at = T0 + dt.timedelta(seconds=version, microseconds=123457)
    return Change(
        snapshot={"s": version + 1, "who": client_id} if snapshot else None,
        phase="play", updated_at=at, expires_at=at + dt.timedelta(hours=1),
        deadline_at=at + dt.timedelta(seconds=30) if version % 2 else None,
        command=CommandRecord(game_id=gid, seq=version + 1, client_id=client_id, seat=version % 4, actor="seat 1",
                              type="PassTurn", payload={"type": "PassTurn", "n": version} if payload is None else payload,
                              at=at),
        audit=(AuditRecord(game_id=gid, at=at, actor="seat 1", action="PassTurn",
                           detail={"version": version + 1, "client_id": client_id}),
               AuditRecord(game_id=gid, at=at, actor="server", action="note", detail={"x": [1, 2.5, None]})),
        seats=seats,
        meta={"max_seats": 4, "humans": 2} if seats else None,
    )


def seat(gid: str, n: int, token_hash: str) -> SeatRecord:
    return SeatRecord(game_id=gid, seat=n, name=f"P{n}", role="player", token_hash=token_hash, created_at=T0)


def run(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread; the result or the exception of each (fails if one never returns)."""
    results: list[Any] = [None] * len(calls)

    def body(i: int) -> None:
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # noqa: BLE001 - the outcome under test
            results[i] = exc

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a committing thread never returned"
    return results


def gather(monkeypatch: pytest.MonkeyPatch, repo: SqlGameRepository, n: int, then: Callable[[], None] | None = None,
           timeout: float = JOIN_TIMEOUT) -> None:
    """Hold the next leader (in its yield) until ``n`` changes are queued, so that they make one batch; then ``then()``."""
    real = time.sleep
    held = [False]

    def sleep(seconds: float) -> None:
        if not held[0]:
            held[0] = True
            deadline = time.monotonic() + timeout
            while len(repo._queue) < n:
                assert time.monotonic() < deadline, f"only {len(repo._queue)} of {n} changes were ever queued"
                real(0.001)
            if then is not None:
                then()
        real(seconds)

    monkeypatch.setattr(repository, "time", type("FakeTime", (), {"sleep": staticmethod(sleep)}))


def spy_batches(monkeypatch: pytest.MonkeyPatch, repo: SqlGameRepository) -> list[tuple[int, bool]]:
    """Record (changes, committed together) for each batch transaction."""
    seen: list[tuple[int, bool]] = []
    real = repo._write_many

    def write_many(rows: Any) -> bool:
        size = len(rows)
        ok = real(rows)
        seen.append((size, ok))
        return ok

    monkeypatch.setattr(repo, "_write_many", write_many)
    return seen


def assert_idle(repo: SqlGameRepository) -> None:
    assert not repo._leading and not repo._queue


def test_changes_queued_together_are_committed_in_one_transaction(
        repo: SqlGameRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    for g in ("g1", "g2", "g3", "g4"):
        repo.create_game(new_game(g), [], [])
    batches = spy_batches(monkeypatch, repo)
    gather(monkeypatch, repo, 4)
    results = run(*(lambda g=g: repo.commit(g, 0, move(g, 0, f"{g}-a", snapshot=g == "g2"))
                    for g in ("g1", "g2", "g3", "g4")))
    assert results == [None] * 4
    assert batches == [(4, True)]
    for g in ("g1", "g2", "g3", "g4"):
        assert repo.version(g) == 1
        assert [(c.seq, c.client_id) for c in repo.commands(g)] == [(1, f"{g}-a")]
        assert [a.action for a in repo.audit(g)] == ["PassTurn", "note"]
    assert (repo.load("g2", T0).snapshot, repo.load("g2", T0).snapshot_version) == ({"s": 1, "who": "g2-a"}, 1)
    assert (repo.load("g1", T0).snapshot, repo.load("g1", T0).snapshot_version) == ({"s": 0}, 0)
    assert_idle(repo)


def test_in_a_refused_batch_each_caller_gets_its_own_outcome_and_the_good_changes_commit(
        repo: SqlGameRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    for g in ("g1", "g2", "g3", "g4", "g5"):
        repo.create_game(new_game(g), [seat(g, 0, f"{g}-h0")], [])
    repo.commit("g1", 0, move("g1", 0, "a"))
    batches = spy_batches(monkeypatch, repo)
    gather(monkeypatch, repo, 6)
    stale, duplicate, good, taken, good_too, ahead = run(
        lambda: repo.commit("g1", 0, move("g1", 0, "late")),     # g1 is at version 1 already
        lambda: repo.commit("g1", 1, move("g1", 1, "a")),        # "a" is in g1's log
        lambda: repo.commit("g2", 0, move("g2", 0, "b", snapshot=True)),
        lambda: repo.commit("g4", 0, move("g4", 0, "join:0", seats=(seat("g4", 0, "g4-h9"),))),  # seat 0 is taken
        lambda: repo.commit("g3", 0, move("g3", 0, "c")),
        lambda: repo.commit("g5", 3, move("g5", 3, "d")),        # g5 is at version 0, not 3
    )
    assert isinstance(stale, StaleState) and isinstance(ahead, StaleState)
    assert isinstance(duplicate, DuplicateCommand) and duplicate.existing.seq == 1
    assert good is None and good_too is None
    assert isinstance(taken, SeatTaken)
    assert batches == [(5, False)]  # the join is committed alone; the rest was tried together, then one by one
    assert [c.client_id for c in repo.commands("g1")] == ["a"] and repo.version("g1") == 1
    assert [c.client_id for c in repo.commands("g2")] == ["b"] and repo.version("g2") == 1
    assert repo.load("g2", T0).snapshot == {"s": 1, "who": "b"}
    assert [c.client_id for c in repo.commands("g3")] == ["c"] and repo.version("g3") == 1
    assert repo.version("g4") == 0 and [s.token_hash for s in repo.seats("g4")] == ["g4-h0"]
    assert repo.version("g5") == 0 and repo.commands("g5") == []
    assert [len(repo.audit(g)) for g in ("g1", "g2", "g3", "g4", "g5")] == [2, 2, 2, 0, 0]
    assert_idle(repo)


def test_a_version_check_failing_only_in_the_update_refuses_the_batch(
        repo: SqlGameRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    for g in ("g1", "g2", "g3"):
        repo.create_game(new_game(g), [], [])
    batches = spy_batches(monkeypatch, repo)
    gather(monkeypatch, repo, 3)
    ahead, good, good_too = run(lambda: repo.commit("g1", 3, move("g1", 3, "a")),  # no log entry collides with it
                                lambda: repo.commit("g2", 0, move("g2", 0, "b")),
                                lambda: repo.commit("g3", 0, move("g3", 0, "c")))
    assert isinstance(ahead, StaleState) and good is None and good_too is None
    assert batches == [(3, False)]
    assert repo.version("g1") == 0 and repo.commands("g1") == [] and repo.audit("g1") == []
    assert [c.client_id for c in repo.commands("g2") + repo.commands("g3")] == ["b", "c"]
    with pytest.raises((StaleState, NotFound)):
        repo.commit("nope", 0, move("nope", 0, "d"))
    assert_idle(repo)


def test_a_change_the_database_cannot_take_fails_alone(repo: SqlGameRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    for g in ("g1", "g2"):
        repo.create_game(new_game(g), [], [])
    gather(monkeypatch, repo, 2)
    bad, good = run(lambda: repo.commit("g1", 0, move("g1", 0, "x", payload={"not json": object()})),
                    lambda: repo.commit("g2", 0, move("g2", 0, "y")))
    assert isinstance(bad, (sa.exc.StatementError, TypeError)), bad
    assert good is None
    assert repo.version("g1") == 0 and repo.commands("g1") == []
    assert [c.client_id for c in repo.commands("g2")] == ["y"]
    assert_idle(repo)


class FailingCursor:
    """A DB-API cursor whose ``executemany`` fails on its ``fail_at``-th call (the database breaking mid-batch)."""

    def __init__(self, cursor: Any, error: BaseException, fail_at: int) -> None:
        self._cursor, self._error, self._left = cursor, error, fail_at

    def executemany(self, sql: str, params: Any) -> Any:
        self._left -= 1
        if self._left == 0:
            raise self._error
        return self._cursor.executemany(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def break_batches(monkeypatch: pytest.MonkeyPatch, repo: SqlGameRepository, error: BaseException) -> None:
    """Make the group commit's transactions fail at their second statement (after the version updates)."""
    real = repo.engine.raw_connection

    class Connection:
        def __init__(self) -> None:
            self._conn = real()

        def cursor(self) -> Any:
            return FailingCursor(self._conn.cursor(), error, 2)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._conn, name)

    monkeypatch.setattr(repo.engine, "raw_connection", Connection)


def test_a_database_failure_in_the_leader_reaches_every_caller_of_its_batch(
        repo: SqlGameRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    games = [f"g{i}" for i in range(5)]
    for g in games:
        repo.create_game(new_game(g), [], [])
    dbapi = repo.engine.dialect.loaded_dbapi
    break_batches(monkeypatch, repo, dbapi.OperationalError("disk I/O error (injected)"))
    gather(monkeypatch, repo, len(games))
    results = run(*(lambda g=g: repo.commit(g, 0, move(g, 0, f"{g}-a")) for g in games))
    assert all(isinstance(r, sa.exc.OperationalError) and "injected" in str(r) for r in results), results
    monkeypatch.undo()
    assert_idle(repo)
    for g in games:  # nothing of the failed transaction is stored, and the next commits go through
        assert repo.version(g) == 0 and repo.commands(g) == [] and repo.audit(g) == []
    assert run(*(lambda g=g: repo.commit(g, 0, move(g, 0, f"{g}-b")) for g in games)) == [None] * len(games)
    assert [repo.version(g) for g in games] == [1] * len(games)


class Killed(BaseException):
    """Like gevent's GreenletExit or a KeyboardInterrupt: not an Exception."""


def test_a_leader_interrupted_mid_batch_fails_its_batch_and_hands_on_the_lead(
        repo: SqlGameRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    games = [f"g{i}" for i in range(4)]
    for g in games:
        repo.create_game(new_game(g), [], [])
    break_batches(monkeypatch, repo, Killed())
    gather(monkeypatch, repo, len(games))
    results = run(*(lambda g=g: repo.commit(g, 0, move(g, 0, f"{g}-a")) for g in games))
    assert sum(isinstance(r, Killed) for r in results) == 1  # the leader's own interruption
    assert sum(isinstance(r, CommitInterrupted) and isinstance(r.__cause__, Killed) for r in results) == len(games) - 1
    monkeypatch.undo()
    assert_idle(repo)
    for g in games:
        assert repo.version(g) == 0
    repo.commit("g0", 0, move("g0", 0, "g0-b"))
    assert repo.version("g0") == 1


def test_a_leader_interrupted_before_taking_its_batch_leaves_it_to_the_next_leader(
        repo: SqlGameRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    games = [f"g{i}" for i in range(4)]
    for g in games:
        repo.create_game(new_game(g), [], [])
    real = time.sleep
    held = [False]

    def sleep(seconds: float) -> None:  # the first leader waits for the others, then is killed in its yield
        if not held[0]:
            held[0] = True
            deadline = time.monotonic() + JOIN_TIMEOUT
            while len(repo._queue) < len(games):
                assert time.monotonic() < deadline
                real(0.001)
            raise Killed()
        real(seconds)

    monkeypatch.setattr(repository, "time", type("FakeTime", (), {"sleep": staticmethod(sleep)}))
    results = run(*(lambda g=g: repo.commit(g, 0, move(g, 0, f"{g}-a")) for g in games))
    killed = [i for i, r in enumerate(results) if isinstance(r, Killed)]
    assert len(killed) == 1 and sum(r is None for r in results) == len(games) - 1
    for i, g in enumerate(games):
        assert repo.version(g) == (0 if i in killed else 1)
    assert_idle(repo)


def test_many_threads_committing_to_many_games_land_each_change_exactly_once(
        repo: SqlGameRepository, monkeypatch: pytest.MonkeyPatch) -> None:
    n_games, per_game, threads_per_game = 12, 15, 2
    games = [f"g{i:02}" for i in range(n_games)]
    for g in games:
        repo.create_game(new_game(g), [seat(g, 0, f"{g}-h0")], [])
    batches = spy_batches(monkeypatch, repo)
    outcomes: dict[str, list[str]] = {}
    lock = threading.Lock()

    def player(g: str, who: int) -> Callable[[], None]:
        def play() -> None:
            mine = 0
            while mine < per_game:  # two threads race on each game: the loser of a version retries
                v = repo.version(g)
                assert v is not None
                cid = f"{g}-{who}-{mine}"
                try:
                    repo.commit(g, v, move(g, v, cid, snapshot=(v + 1) % 5 == 0))
                except StaleState:
                    with lock:
                        outcomes.setdefault("stale", []).append(cid)
                    continue
                mine += 1
        return play

    results = run(*(player(g, who) for g in games for who in range(threads_per_game)))
    assert results == [None] * len(results)
    total = per_game * threads_per_game
    for g in games:
        record = repo.load(g, T0)
        commands = repo.commands(g)
        assert record.version == total
        assert [c.seq for c in commands] == list(range(1, total + 1))
        assert sorted(c.client_id for c in commands) == sorted(
            f"{g}-{who}-{i}" for who in range(threads_per_game) for i in range(per_game))
        assert all(c.payload == {"type": "PassTurn", "n": c.seq - 1} for c in commands)
        audit = repo.audit(g)
        assert [a.detail for a in audit if a.action == "PassTurn"] == [
            {"version": c.seq, "client_id": c.client_id} for c in commands]
        assert len(audit) == 2 * total
        last_snapshot = total - total % 5
        assert record.snapshot_version == last_snapshot
        assert record.snapshot == {"s": last_snapshot, "who": commands[last_snapshot - 1].client_id}
        assert [s.seat for s in repo.seats(g)] == [0]
    assert batches and all(size <= repo.max_batch for size, _ in batches)
    assert_idle(repo)


def test_records_written_by_a_batch_read_back_as_those_written_alone(url: str) -> None:
    grouped = SqlGameRepository(make_engine(url))
    alone = SqlGameRepository(make_engine(url), group_commit=False)
    try:
        payload = {"type": "Vote", "text": "ünï 😀 \"q\"", "n": [1, -2, 3.25, None, True], "deep": {"a": {"b": []}}}
        for repo, g in ((grouped, "ga"), (alone, "gb")):
            repo.create_game(new_game(g), [], [])
            repo.commit(g, 0, move(g, 0, "x", snapshot=True, payload=payload))
            repo.commit(g, 1, move(g, 1, "y", payload=payload))

        def same(records: list[Any], g: str) -> list[Any]:
            return [r.__class__(**{**r.__dict__, "game_id": g}) for r in records]

        assert same(grouped.commands("ga"), "gb") == alone.commands("gb")
        assert same(grouped.audit("ga"), "gb") == alone.audit("gb")
        a, b = grouped.load("ga", T0), alone.load("gb", T0)
        assert a.__class__(**{**a.__dict__, "id": "gb"}) == b
        assert a.deadline_at == T0 + dt.timedelta(seconds=31, microseconds=123457) and a.deadline_at.tzinfo
        assert grouped.commands("ga")[0].at.tzinfo is not None
        assert (grouped.version("ga"), grouped.version("nope")) == (2, None)
    finally:
        grouped.close()
        alone.close()


def test_the_single_change_path_is_kept_for_a_repository_without_group_commit(url: str) -> None:
    repo = SqlGameRepository(make_engine(url), group_commit=False)
    try:
        repo.create_game(new_game("g1"), [], [])
        repo.commit("g1", 0, move("g1", 0, "a"))
        with pytest.raises(StaleState):
            repo.commit("g1", 0, move("g1", 0, "b"))
        with pytest.raises(DuplicateCommand):
            repo.commit("g1", 1, move("g1", 1, "a"))
        assert repo.version("g1") == 1 and not repo._queue
    finally:
        repo.close()


def test_version_failures_surface_as_sqlalchemy_errors(tmp_path: Path) -> None:
    repo = SqlGameRepository(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))  # no tables
    try:
        with pytest.raises(sa.exc.OperationalError) as info:
            repo.version("g1")
        assert isinstance(info.value.orig, sqlite3.OperationalError)
    finally:
        repo.close()


def test_a_row_locked_from_outside_holds_only_its_own_game(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL: an operator's open transaction holding a game's row used to hold the group commit, and every
    other game's moves with it, for as long as it was open; now the batch gives up after the lock timeout and the
    other games' changes commit (the locked game's change fails and its command may be sent again)."""
    from server import db

    monkeypatch.setattr(db, "LOCK_TIMEOUT_MS", 300)
    with sql_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        repo = SqlGameRepository(engine)
        try:
            for gid in ("locked", "free"):
                repo.create_game(new_game(gid), [], [])
            gather(monkeypatch, repo, 2)  # both changes in one batch: the lock fails the batch, not the free game
            with engine.connect() as outside:
                outside.execute(sa.text("SELECT id FROM games WHERE id = 'locked' FOR UPDATE"))
                started = time.monotonic()
                locked, free = run(lambda: repo.commit("locked", 0, move("locked", 0, "a")),
                                   lambda: repo.commit("free", 0, move("free", 0, "b")))
                waited = time.monotonic() - started
                outside.rollback()
            assert free is None and repo.version("free") == 1
            assert isinstance(locked, sa.exc.OperationalError) and "lock timeout" in str(locked)
            assert waited < JOIN_TIMEOUT / 4  # nothing hung; the figure itself is not asserted
            assert repo.version("locked") == 0
        finally:
            repo.close()
