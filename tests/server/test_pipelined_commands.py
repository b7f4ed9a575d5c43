"""A game's commands are applied one after another but committed together.

While one command's commit is on its way, the game's next command applies on
top of it and is queued after it, so both go in one group commit; they are
broadcast after their commit, together, in version order. If the first is not stored
(another process got the version first), the one queued after it must not be
stored either: it was computed on top of it.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serverkit import HR
from test_group_commit import gather

from game import engine
from game.cards import Suit
from game.commands import AddThreat, StartGame
from game.importers import load_architecture
from server import codec, repository
from server.db import make_engine
from server.games import Games, Live, NewGame
from server.migrations import upgrade
from server.repository import SqlGameRepository

WAIT = 30.0
"""How long a test waits for what must happen (never reached when all is well)."""
TARGETS = ("HrApi", "PayslipFunction", "PayslipTable", "SharedRole")


class Recorder:
    """Stands in for the broadcaster: records each published version and whether it was stored by then."""

    def __init__(self, repo: SqlGameRepository) -> None:
        self.repo = repo
        self.published: list[tuple[int, bool]] = []
        self.states: list[Any] = []
        self.events: list[list[Any]] = []

    def __call__(self, live: Live, events: Any) -> None:
        stored = self.repo.version(live.id)
        self.published.append((live.version, stored is not None and stored >= live.version))
        self.states.append(live.state)
        self.events.append(list(events))

    def agrees_with(self, stored: Any) -> bool:
        """Every broadcast state is the stored game at its version (its threats are the stored ones so far)."""
        return all([(t.id, t.text) for t in state.threats] == [(t.id, t.text) for t in stored.threats[:len(state.threats)]]
                   for state in self.states)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'games.db'}"
    upgrade(make_engine(url))
    yield url


def games_on(url: str) -> tuple[Games, SqlGameRepository, Recorder]:
    repo = SqlGameRepository(make_engine(url))
    recorder = Recorder(repo)
    return Games(repo, ttl=3600, upload_ttl=3600, max_components=100, publish=recorder), repo, recorder


def started_game(games: Games) -> str:
    arch = load_architecture(HR, "hr.yaml")
    timing = {"play_seconds": None, "rating_seconds": None, "turn_seconds": None, "vote_seconds": None}
    live, _, _ = games.create(NewGame(architecture=arch, document=HR, deck="serverless-stride", facilitator="Kim",
                                      max_seats=4, timing=timing))
    for name in ("Doug", "Sam", "Hannah"):
        games.join(live.id, name)
    games.submit(live.id, lambda _s, now: StartGame(seat=0, now=now), client_id="start", actor="Kim", seat=0)
    return live.id


def note(games: Games, game_id: str, seat: int, target: str, tag: str) -> Any:
    return games.submit(
        game_id,
        lambda _s, now: AddThreat(seat=seat, target=target, suit=Suit.TAMPERING, text=f"{tag}: {target} can be changed",
                                  now=now),
        client_id=f"{tag}:{seat}", actor=f"seat {seat}", seat=seat, bots=False)


def spy_batches(monkeypatch: pytest.MonkeyPatch, repo: SqlGameRepository) -> list[list[tuple[str, int]]]:
    """Record the (game, expected version) of every change of every batch transaction that committed."""
    seen: list[list[tuple[str, int]]] = []
    real = repo._write_many

    def write_many(rows: Any) -> bool:
        changes = [(p.game_id, p.expected) for p, _ in rows]
        ok = real(rows)
        if ok:
            seen.append(changes)
        return ok

    monkeypatch.setattr(repo, "_write_many", write_many)
    return seen


def run_all(*jobs: Any) -> list[Any]:
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
        time.sleep(0.01)  # queue in this order (each waits for the game's lock anyway)
    for t in threads:
        t.join(WAIT)
        assert not t.is_alive(), "a command never finished"
    return results


def live_threats(games: Games, game_id: str) -> Any:
    return games.live(game_id).state.threats


def stored_state(repo: SqlGameRepository, game_id: str) -> Any:
    """The game as the database has it: the snapshot and the logged commands replayed."""
    record = repo.load(game_id, repository.utcnow())
    state = codec.load_state(record.snapshot, record.board)
    seqs = []
    for entry in repo.commands(game_id):
        seqs.append(entry.seq)
        if entry.seq > record.snapshot_version:
            state, _ = engine.apply(state, codec.command_from_data(entry.payload))
    assert seqs == list(range(1, len(seqs) + 1)), "the command log has a gap or a repeat"
    assert state.version == record.version
    return state


def test_a_games_concurrent_commands_share_one_commit_and_one_broadcast(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    games, repo, recorder = games_on(database)
    game_id = started_game(games)
    before = games.live(game_id).version
    batches = spy_batches(monkeypatch, repo)
    gather(monkeypatch, repo, 3, timeout=WAIT)
    outcomes = run_all(*[lambda s=s: note(games, game_id, s, TARGETS[s], "n") for s in (1, 2, 3)])
    assert all(not isinstance(o, BaseException) and o.applied for o in outcomes), outcomes
    assert sorted(o.version for o in outcomes) == [before + 1, before + 2, before + 3]
    assert [(game_id, before), (game_id, before + 1), (game_id, before + 2)] in batches  # one transaction
    versions = [v for v, _ in recorder.published]
    assert versions == sorted(versions)
    assert versions[-1] == before + 3 and before + 1 not in versions and before + 2 not in versions
    added = [e for e in recorder.events[-1] if type(e).__name__ == "ThreatJudged"]
    assert [e.threat_id for e in added] == [t.id for t in live_threats(games, game_id)[-3:]], "events out of order"
    assert all(stored for _, stored in recorder.published), "a version was broadcast before it was stored"
    live = games.live(game_id)
    assert live.state is live.latest and live.head is None
    assert stored_state(repo, game_id) == live.state
    assert recorder.agrees_with(live.state)


def test_a_change_queued_after_one_that_was_not_stored_is_not_stored_either(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    games, repo, recorder = games_on(database)
    other, _, _ = games_on(database)  # another server process on the same database
    game_id = started_game(games)
    before = games.live(game_id).version
    other.live(game_id)

    def the_other_process_moves_first() -> None:
        assert note(other, game_id, 0, "SharedRole", "other").applied

    gather(monkeypatch, repo, 2, then=the_other_process_moves_first, timeout=WAIT)
    outcomes = run_all(*[lambda s=s: note(games, game_id, s, TARGETS[s], "n") for s in (1, 2)])
    # Both were refused as stale (the second unwritten, though the stored version then matched what it expected)
    # and applied again on the stored game.
    assert all(not isinstance(o, BaseException) and o.applied for o in outcomes), outcomes
    assert sorted(o.version for o in outcomes) == [before + 2, before + 3]
    stored = stored_state(repo, game_id)
    assert stored.version == before + 3
    texts = sorted(t.text for t in stored.threats[-3:])
    assert texts == ["n: PayslipFunction can be changed", "n: PayslipTable can be changed",
                     "other: SharedRole can be changed"]
    assert games.live(game_id).state == stored
    assert all(ok for _, ok in recorder.published)
    assert recorder.agrees_with(stored), "a state built on a change that was not stored was broadcast"


def test_a_command_refused_against_changes_on_their_way_is_answered_after_they_are_stored(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal is computed on what is still being committed: it waits until that is stored and broadcast."""
    from game.errors import DuplicateThreat

    games, repo, recorder = games_on(database)
    game_id = started_game(games)
    before = games.live(game_id).version
    # The first note's commit is held until the second note has been refused against it and waits.
    refused_early = threading.Event()
    real_shown = games._shown

    def shown(live: Live, version: int) -> bool:
        if version > live.version:  # a version not yet stored: what the refusal was computed against
            refused_early.set()
        return real_shown(live, version)

    monkeypatch.setattr(games, "_shown", shown)
    gather(monkeypatch, repo, 1, then=lambda: refused_early.wait(WAIT), timeout=WAIT)
    results = run_all(lambda: note(games, game_id, 1, "HrApi", "same"),
                      lambda: games.submit(game_id, lambda _s, now: AddThreat(
                          seat=2, target="HrApi", suit=Suit.TAMPERING, text="same: HrApi can be changed", now=now),
                          client_id="dup", actor="seat 2", seat=2, bots=False))
    assert refused_early.is_set(), "the second note was not refused against the first one on its way"
    assert not isinstance(results[0], BaseException) and results[0].version == before + 1
    assert isinstance(results[1], DuplicateThreat)
    assert [v for v, _ in recorder.published][-1] == before + 1
    # Freed as soon as nobody holds it: not kept in a reference cycle by the frames it was raised through
    # (under load that was every refused command's frames, state and packet, left to the garbage collector).
    refusal = weakref.ref(results[1])
    collecting = gc.isenabled()
    gc.disable()
    try:
        results[1] = None  # the only other reference (the list itself is held by run_all's frames)
        assert refusal() is None, "a refusal is held in a reference cycle"
    finally:
        if collecting:
            gc.enable()


def test_a_game_loads_whole_when_a_commit_lands_between_its_row_and_its_log(tmp_path: Path) -> None:
    """The row and the command log are two reads: a command another process commits between them is not replayed
    past the row's version (it used to raise InvalidSnapshot, refusing a command for nothing)."""
    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(make_engine(url))
    games, repo, _ = games_on(url)
    other, _, _ = games_on(url)  # a second server process on the same database
    game_id = started_game(games)
    other.live(game_id)
    real_load = repo.load
    fired: list[bool] = []

    def load(gid: str, now: Any) -> Any:
        record = real_load(gid, now)
        if not fired:  # the other process commits a move right after the row was read
            fired.append(True)
            assert note(other, game_id, 1, "HrApi", "x").applied
        return record

    repo.load = load  # type: ignore[method-assign]
    games.forget(game_id)
    live = games.live(game_id)
    assert fired
    assert live.version == repo.version(game_id) - 1  # the row as read; the next command catches up
    assert note(games, game_id, 2, "HrApi", "y").applied
    assert repo.version(game_id) == live.version + 2


def test_a_committed_change_is_broadcast_when_a_join_gives_up_waiting_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A join that waits longer than SHOW_WAIT for the game's change on its way says the game is busy; it used to
    drop that change from the copy although nothing had failed, and the change, committed after all, was never
    broadcast."""
    from server import games as games_module
    from server.errors import Conflict

    url = f"sqlite:///{tmp_path / 'g.db'}"
    upgrade(make_engine(url))
    games, repo, recorder = games_on(url)
    arch = load_architecture(HR, "hr.yaml")
    live, _, _ = games.create(NewGame(architecture=arch, document=HR, deck="serverless-stride", facilitator="Kim",
                                      max_seats=4, timing={}))
    games.join(live.id, "Doug")
    monkeypatch.setattr(games_module, "SHOW_WAIT", 0.3)
    queued, release = threading.Event(), threading.Event()
    real_write = repo._write_batch

    def write_batch(batch: Any) -> None:
        if any(p.change.command.type == "StartGame" for p in batch):
            queued.set()
            release.wait(10)  # the database is slow to commit the start (longer than SHOW_WAIT)
        real_write(batch)

    monkeypatch.setattr(repo, "_write_batch", write_batch)
    result: dict[str, Any] = {}
    starter = threading.Thread(target=lambda: result.setdefault("start", games.submit(
        live.id, lambda _s, now: StartGame(seat=0, now=now), client_id="start", actor="Kim", seat=0, bots=False)))
    starter.start()
    assert queued.wait(10)
    with pytest.raises(Conflict):
        games.join(live.id, "Sam")  # waits past SHOW_WAIT for the start on its way
    release.set()
    starter.join(10)
    outcome = result["start"]
    assert outcome.applied and repo.version(live.id) == outcome.version
    assert outcome.version in [v for v, _ in recorder.published]
    # Once the start is stored, Sam, late, takes a seat in play.
    _, seat, _ = games.join(live.id, "Sam")
    assert seat.seat == 2 and games.live(live.id).state.seats[2].name == "Sam"
