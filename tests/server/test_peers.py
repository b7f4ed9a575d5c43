"""Another server process on the same database that shares no message queue with this one: said once when it
appears, once when it goes, and reported by ``/api/health`` meanwhile (end to end: e2e/test_e2e_split.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from serverkit import HR, FakeClock, make_app

from game.commands import StartGame
from game.importers import load_architecture
from server.games import Games, NewGame
from server.peers import Peers
from server.presence import STALE_BEATS
from server.repository import InMemoryGameRepository

BEAT = 10.0


def peers(repo: InMemoryGameRepository, clock: FakeClock, holder: str, shared: bool = False) -> Peers:
    return Peers(repo, clock, BEAT, holder=holder, shared=shared, name=f"host-{holder} pid 1")


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    lines = [r.getMessage() for r in caplog.records if r.name == "threatdeck.peers"]
    caplog.clear()
    return lines


def test_a_process_without_a_queue_says_once_that_another_uses_the_database_and_once_that_it_went(
        caplog: pytest.LogCaptureFixture) -> None:
    repo, clock = InMemoryGameRepository(), FakeClock()
    first, second = peers(repo, clock, "a"), peers(repo, clock, "b")
    with caplog.at_level(logging.WARNING, logger="threatdeck.peers"):
        first.beat()
        assert said(caplog) == [] and first.unshared() == []  # alone
        second.beat()
        [line] = said(caplog)
        assert line.startswith("another server process uses this database: host-a pid 1, started ")
        assert "this process has no message queue (REDIS_URL)" in line and "Give every process the same" in line
        first.beat()
        assert len(said(caplog)) == 1  # the first one hears of the second at its next beat
        for _ in range(5):  # once, not every beat
            clock.advance(BEAT)
            first.beat()
            second.beat()
        assert said(caplog) == []
        assert [p.holder for p in second.unshared()] == ["a"]
        first.retire()
        first.beat()  # a beat still running as it stops does not bring its row back
        second.beat()
        assert said(caplog) == ["the other server process on this database (host-a pid 1) is gone: games are no "
                                "longer split between them"]
        assert second.unshared() == []


def test_a_process_killed_without_stopping_is_gone_once_it_missed_its_beats(caplog: pytest.LogCaptureFixture) -> None:
    repo, clock = InMemoryGameRepository(), FakeClock()
    killed, alive = peers(repo, clock, "a"), peers(repo, clock, "b")
    with caplog.at_level(logging.WARNING, logger="threatdeck.peers"):
        killed.beat()
        alive.beat()
        assert len(said(caplog)) == 1
        clock.advance(STALE_BEATS * BEAT - 1)
        alive.beat()
        assert said(caplog) == []
        clock.advance(1)
        alive.beat()
        assert said(caplog) == ["the other server process on this database (host-a pid 1) is gone: games are no "
                                "longer split between them"]


def test_processes_sharing_a_queue_report_nothing_but_one_without_a_queue_splits_them_all(
        caplog: pytest.LogCaptureFixture) -> None:
    repo, clock = InMemoryGameRepository(), FakeClock()
    a, b = peers(repo, clock, "a", shared=True), peers(repo, clock, "b", shared=True)
    with caplog.at_level(logging.WARNING, logger="threatdeck.peers"):
        for p in (a, b, a):
            p.beat()
        assert said(caplog) == [] and a.unshared() == [] and b.unshared() == []
        stray = peers(repo, clock, "c")
        for p in (stray, a, b):
            p.beat()
        assert sorted(p.holder for p in stray.unshared()) == ["a", "b"]
        assert [p.holder for p in a.unshared()] == ["c"] and [p.holder for p in b.unshared()] == ["c"]
        lines = said(caplog)
        assert len(lines) == 4 and sum("host-c pid 1" in line and "which has no message queue" in line
                                       for line in lines) == 2


def test_health_reports_the_split_in_a_200(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    rt = app.extensions["threatdeck"]
    try:
        client = app.test_client()
        other = peers(rt.repo, rt.games.clock, "other")
        rt.peers.beat()
        assert client.get("/api/health").json == {"ok": True, "service": "threatdeck"}
        other.beat()
        rt.peers.beat()
        r = client.get("/api/health")
        # 200: each process of the split says so, and a load balancer must not take them all out.
        assert r.status_code == 200
        body: dict[str, Any] = r.json
        assert body["ok"] is True and body["unshared_processes"] == 1
        assert "games with players on both are split" in body["warning"] and "host-other" not in body["warning"]
        other.retire()
        rt.peers.beat()
        assert client.get("/api/health").json == {"ok": True, "service": "threatdeck"}
    finally:
        rt.stop()


def test_a_process_sends_its_players_what_another_committed_with_the_events_since_what_they_hold() -> None:
    """Two processes (two ``Games``) on one database, with no queue: what one broadcast never reached the other's
    sockets, so the other's catch-up sends them the stored game, once, with the events they missed."""
    repo = InMemoryGameRepository()
    sent: dict[str, list[tuple[int, list[str]]]] = {"here": [], "there": []}

    def recorder(name: str) -> Any:
        return lambda live, events: sent[name].append((live.version, [type(e).__name__ for e in events]))

    here, there = (Games(repo, ttl=3600, upload_ttl=3600, max_components=100, publish=recorder(name))
                   for name in ("here", "there"))
    timing = {"play_seconds": None, "rating_seconds": None, "turn_seconds": None, "vote_seconds": None}
    live, _, _ = there.create(NewGame(architecture=load_architecture(HR, "hr.yaml"), document=HR,
                                      deck="serverless-stride", facilitator="Kim", max_seats=2, timing=timing))
    there.join(live.id, "Doug")
    here.view(live.id, 1)  # Doug's socket, here, joined at version 1
    assert not here.catch_up(live.id, 1)  # nothing new
    there.submit(live.id, lambda _s, now: StartGame(seat=0, now=now), client_id="start", actor="Kim", seat=0)
    assert sent["there"][-1][0] == 2 and sent["here"] == []  # broadcast there only
    assert here.catch_up(live.id, 2)
    assert sent["here"] == [(2, sent["there"][-1][1])] and sent["here"][0][1]  # the same events as there
    assert not here.catch_up(live.id, 2)  # sent once


def test_a_process_of_this_host_that_no_longer_exists_is_gone_at_once(caplog: pytest.LogCaptureFixture) -> None:
    """A server killed with SIGKILL and started again warned, for three heartbeats, of a split with itself."""
    import socket
    import subprocess
    import sys

    from server.games import at

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its pid names no process now (reaped)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host = socket.gethostname()
    repo, clock = InMemoryGameRepository(), FakeClock()
    try:
        killed = Peers(repo, clock, BEAT, holder="a", shared=False, name=f"{host} pid {finished.pid}")
        running = Peers(repo, clock, BEAT, holder="b", shared=False, name=f"{host} pid {sleeper.pid}")
        elsewhere = Peers(repo, clock, BEAT, holder="c", shared=False, name=f"not-{host} pid {finished.pid}")
        restarted = peers(repo, clock, "d")
        with caplog.at_level(logging.WARNING, logger="threatdeck.peers"):
            for p in (killed, running, elsewhere):
                p.beat()
            caplog.clear()
            restarted.beat()
            lines = said(caplog)
        assert sorted(p.holder for p in restarted.unshared()) == ["b", "c"]  # alive here, or on another host
        assert len(lines) == 2 and not any(f"database: {host} pid {finished.pid}," in line for line in lines)
        assert "a" not in {p.holder for p in repo.processes(at(clock()))}  # its row is gone for everyone
    finally:
        sleeper.kill()
        sleeper.wait()
