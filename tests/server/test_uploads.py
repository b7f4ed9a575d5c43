"""An upload keeps its file name, and is parsed once: a game on it names its source locations after the file, and a
game on an upload this process parsed lately is not parsed again."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from serverkit import HR, FakeClock, make_app

import server.games
from server import codec
from game.architecture import Architecture, Component, ComponentType, SourceLocation
from game.importers import load_architecture
from server.repository import UploadRecord
from server.uploads import RecentUploads

T0 = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)


def locations(arch: Architecture) -> list[SourceLocation | None]:
    return [c.location for c in arch.components] + [f.location for f in arch.flows]


def played_on(app: Any, game_id: str) -> Architecture:
    architecture: Architecture = app.extensions["threatdeck"].games.live(game_id).state.board.architecture
    return architecture


def test_a_game_names_its_locations_after_the_uploaded_file(app: Any, client: Any) -> None:
    # They named "upload <id>", a name the person who uploaded hr.yaml never saw.
    up = client.post("/api/architectures?filename=hr.yaml", data=HR, content_type="application/yaml").json["id"]
    game = client.post("/api/games", json={"architecture": up, "name": "Kim"}).json["game_id"]
    found = locations(played_on(app, game))
    assert found and all(loc is not None and loc.file == "hr.yaml" for loc in found), found[:3]
    assert found[0] == SourceLocation(file="hr.yaml", line=8, path="components[0]")


@pytest.mark.parametrize("how", ["query", "multipart"])
def test_a_file_name_with_control_characters_is_refused_as_in_a_json_body(client: Any, how: str) -> None:
    """The name is stored with the upload and in the board of its games: PostgreSQL stores no NUL."""
    if how == "query":
        r = client.post("/api/architectures?filename=hr%00.yaml", data=HR, content_type="application/yaml")
    else:
        r = client.post("/api/architectures", data={"file": (io.BytesIO(HR.encode()), "hr\x00.yaml")},
                        content_type="multipart/form-data")
    assert r.status_code == 400, r.json
    assert r.json["error"]["code"] == "invalid_request" and r.json["error"]["field"] == "filename"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The labels the server's importer was called with, one per parse."""
    called: list[str] = []

    def counted(data: bytes | str, source: str = "<input>", **kw: Any) -> Architecture:
        called.append(source)
        return load_architecture(data, source, **kw)

    monkeypatch.setattr(server.games, "load_architecture", counted)
    return called


def upload(client: Any, document: str = HR, filename: str = "hr.yaml") -> str:
    r = client.post(f"/api/architectures?filename={filename}", data=document, content_type="application/yaml")
    assert r.status_code == 201, r.json
    upload_id: str = r.json["id"]
    return upload_id


def test_a_game_on_an_upload_just_parsed_is_not_parsed_again(client: Any, parses: list[str]) -> None:
    up = upload(client)
    assert parses == ["hr.yaml"]
    assert client.post("/api/games", json={"architecture": up, "name": "Kim"}).status_code == 201
    assert client.post("/api/games", json={"architecture": up, "name": "Doug"}).status_code == 201
    assert parses == ["hr.yaml"]
    # A delta game's baseline goes the same way.
    changed = HR.replace("{pitr: false, backup_plan: false, stream: false}", "{pitr: true, backup_plan: true, stream: true}")
    after = upload(client, changed, "hr-after.yaml")
    r = client.post("/api/games", json={"architecture": after, "baseline": up, "name": "Kim"})
    assert r.status_code == 201, r.json
    assert parses == ["hr.yaml", "hr-after.yaml"]


def test_the_same_file_uploaded_again_is_not_parsed_again(app: Any, client: Any, parses: list[str]) -> None:
    """A team starting its next session from the same template: its games share one architecture, and one board."""
    first, again = upload(client), upload(client)
    assert first != again and parses == ["hr.yaml"]
    games = [client.post("/api/games", json={"architecture": up, "name": "Kim"}).json["game_id"] for up in (first, again)]
    assert played_on(app, games[0]) is played_on(app, games[1])
    states = [app.extensions["threatdeck"].games.live(g).state for g in games]
    assert states[0].board is states[1].board and codec.board_data(states[0]) is codec.board_data(states[1])
    # Another name, other bytes, the same text in a JSON body: each is parsed (source locations name the file).
    upload(client, filename="other.yaml")
    upload(client, HR + "\n")
    r = client.post("/api/architectures", json={"document": HR, "filename": "hr.yaml"})
    assert r.status_code == 201, r.json
    assert parses == ["hr.yaml", "other.yaml", "hr.yaml", "hr.yaml"]
    upload(client, filename="other.yaml")
    assert len(parses) == 4


def test_a_file_that_failed_to_parse_is_parsed_again(client: Any, parses: list[str]) -> None:
    bad = "components: [\n"
    for _ in range(2):
        r = client.post("/api/architectures?filename=bad.yaml", data=bad, content_type="application/yaml")
        assert r.status_code == 422, r.json
    assert parses == ["bad.yaml", "bad.yaml"]


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """Two servers on one database, as two processes behind a load balancer."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    apps = (make_app(DATABASE_URL=url), make_app(DATABASE_URL=url))
    yield apps
    for a in apps:
        a.extensions["threatdeck"].stop()


@pytest.mark.parametrize("elsewhere", ["cache cleared", "another process"])
def test_an_upload_parsed_again_names_its_locations_as_its_first_parse_did(
        two_processes: tuple[Any, Any], parses: list[str], elsewhere: str) -> None:
    first, second = two_processes
    client = first.test_client()
    up = upload(client)
    here = client.post("/api/games", json={"architecture": up, "name": "Kim"}).json["game_id"]
    if elsewhere == "cache cleared":
        first.extensions["threatdeck"].games.uploads.clear()
    else:
        client = second.test_client()
    there = client.post("/api/games", json={"architecture": up, "name": "Doug"}).json["game_id"]
    assert parses == ["hr.yaml", "hr.yaml"]  # on upload, and where it was not kept
    client.post("/api/games", json={"architecture": up, "name": "Sam"})
    assert len(parses) == 2  # kept there now
    on_first = locations(played_on(first, here))
    on_second = locations(played_on(first if elsewhere == "cache cleared" else second, there))
    assert on_first == on_second and on_first[0] == SourceLocation(file="hr.yaml", line=8, path="components[0]")


def test_an_expired_upload_is_refused_even_while_its_architecture_is_kept(app: Any, client: Any,
                                                                            clock: FakeClock) -> None:
    games = app.extensions["threatdeck"].games
    up, baseline = upload(client), upload(client, filename="before.yaml")
    assert up in games.uploads and baseline in games.uploads
    clock.advance(app.config["UPLOAD_TTL"] + 1)
    r = client.post("/api/games", json={"architecture": up, "name": "Kim"})
    assert r.status_code == 404 and r.json["error"]["field"] == "upload", r.json
    fresh = upload(client, filename="fresh.yaml")
    r = client.post("/api/games", json={"architecture": fresh, "baseline": baseline, "name": "Kim"})
    assert r.status_code == 404 and r.json["error"]["field"] == "upload", r.json
    games.expire()  # the repository deletes them; this process lets their architectures go
    assert up not in games.uploads and baseline not in games.uploads and fresh in games.uploads


def architecture(components: int = 1) -> Architecture:
    return Architecture("x", tuple(Component(f"C{i}", ComponentType.LAMBDA, f"C{i}") for i in range(components)))


def record(upload_id: str, chars: int, expires_in: float = 60) -> UploadRecord:
    return UploadRecord(id=upload_id, name="x", filename=f"{upload_id}.yaml", source_format="native",
                        document="d" * chars, created_at=T0, expires_at=T0 + dt.timedelta(seconds=expires_in))


def test_the_least_recently_used_go_first_past_the_count_or_the_characters() -> None:
    kept = RecentUploads(most=3, most_chars=100)
    a, b, c, d = (record(n, 10) for n in "abcd")
    for r in (a, b, c):
        kept.keep(r, architecture())
    assert kept.get(a) is not None  # a is now the most recently used
    kept.keep(d, architecture())
    assert "b" not in kept and all(n in kept for n in "acd") and kept.chars == 30
    kept.keep(record("e", 75), architecture())  # 105 characters: c, the least recently used, goes
    assert [n for n in "abcde" if n in kept] == ["a", "d", "e"] and kept.chars == 95
    kept.keep(record("f", 101), architecture())  # larger than the whole budget: not kept, nothing goes
    assert "f" not in kept and len(kept) == 3
    kept.keep(record("a", 5), architecture())  # kept again: weighs what it weighs now
    assert kept.chars == 90
    kept.expire(T0 + dt.timedelta(seconds=60))
    assert len(kept) == 0 and kept.chars == 0


def test_threads_keeping_and_reading_at_once_leave_it_consistent(switching_often: None) -> None:
    kept = RecentUploads(most=8, most_chars=400)
    records = [record(f"u{i}", 10 + i) for i in range(40)]
    arch = architecture()

    def churn(offset: int) -> None:
        for n in range(2_000):
            r = records[(n * 7 + offset) % len(records)]
            if n % 3:
                kept.keep(r, arch)
            else:
                assert kept.get(r) in (None, arch)

    threads = [threading.Thread(target=churn, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    held = [r for r in records if r.id in kept]
    assert len(held) == len(kept) <= 8 and kept.chars == sum(len(r.document) for r in held) <= 400


def test_a_built_in_example_is_parsed_once_while_its_file_stays_the_same(tmp_path: Path, parses: list[str]) -> None:
    """Every game on an example parsed its document again (a team's retro starts several at once)."""
    folder = tmp_path / "examples" / "hr"
    folder.mkdir(parents=True)
    (folder / "before.yaml").write_text(HR)
    app = make_app(EXAMPLES_DIR=str(tmp_path / "examples"))
    c = app.test_client()
    games = [c.post("/api/games", json={"example": "hr/before", "name": "Kim"}) for _ in range(3)]
    assert [g.status_code for g in games] == [201, 201, 201], games[0].json
    assert parses == ["examples/hr/before"]
    assert played_on(app, games[0].json["game_id"]) is played_on(app, games[2].json["game_id"])
    changed = HR.replace("HR", "Payroll", 1)
    assert changed != HR
    (folder / "before.yaml").write_text(changed)
    os.utime(folder / "before.yaml", (1, 1))  # a new modification time: the folder is read again
    again = c.post("/api/games", json={"example": "hr/before", "name": "Kim"})
    assert again.status_code == 201 and parses == ["examples/hr/before"] * 2


AT_ONCE = textwrap.dedent('''
    import json
    import sys
    import time

    from server.cli.serve import patch

    mode, hr = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
    patch(mode)  # as serve does: before the app is imported
    import threading

    import server.games
    from game.importers import ModelError, load_architecture
    from server import create_app

    if mode == "gevent":
        from gevent.monkey import get_original
        pause = get_original("time", "sleep")
    elif mode == "eventlet":
        from eventlet.patcher import original
        pause = original("time").sleep
    else:
        pause = time.sleep

    REQUESTS = 4
    # Every request at once: none waits for a creation turn (tests/server/test_creation_turns.py).
    app = create_app({"TESTING": True, "DATABASE_URL": "memory://", "BACKGROUND_TASKS": False, "ASYNC_MODE": mode,
                      "RATE_HTTP_BURST": 10_000, "RATE_CREATE_BURST": 10_000, "MAX_CREATIONS": REQUESTS})
    games = app.extensions["threatdeck"].games
    up = app.test_client().post("/api/architectures?filename=hr.yaml", data=hr,
                                content_type="application/yaml").json["id"]
    games.uploads.clear()  # as in a process that did not take the upload, or after a restart
    calls, failing = [], [True]

    def parse(data, source):
        # Runs in a parse thread, not a green one: it waits with the real sleep until every request is
        # parsing or waiting for this parse (at most 10 s).
        calls.append(source)
        give_up = time.monotonic() + 10
        while len(calls) + games.uploads.waiting < REQUESTS and time.monotonic() < give_up:
            pause(0.005)
        if failing[0]:
            raise ModelError(source, "is not what it was")
        return load_architecture(data, source)

    server.games.load_architecture = parse

    def at_once():
        answers = [None] * REQUESTS

        def create(k):
            answers[k] = app.test_client().post("/api/games", json={"architecture": up, "name": f"F{k}"})

        threads = [threading.Thread(target=create, args=(k,)) for k in range(REQUESTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return [(r.status_code, r.json) for r in answers]

    failed = at_once()
    after_failure = len(calls)
    failing[0] = False
    created = at_once()
    after_success = len(calls)
    boards = {id(games.live(body["game_id"]).state.board.architecture) for _, body in created}
    later = app.test_client().post("/api/games", json={"architecture": up, "name": "Late"}).status_code
    print(json.dumps({"failed": failed, "after_failure": after_failure, "created": [s for s, _ in created],
                      "after_success": after_success, "architectures": len(boards), "later": later,
                      "calls": len(calls)}))
''')


@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_games_created_at_once_on_an_upload_not_kept_wait_for_one_parse(mode: str) -> None:
    """A template at the upload limit takes a second of CPU: each request parsed it, and took a parse turn.

    In a process of its own, patched as serve patches it: eventlet must not meet gevent."""
    if mode != "threading":
        pytest.importorskip(mode)
    root = Path(__file__).resolve().parents[2]
    hr = Path(__file__).parent / "fixtures" / "hr.yaml"
    run = subprocess.run([sys.executable, "-c", AT_ONCE, mode, str(hr)], cwd=root, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    said = json.loads(run.stdout.strip().splitlines()[-1])
    # A failed parse: every request waiting for it has its error, and the failure is not kept.
    assert said["after_failure"] == 1
    for status, body in said["failed"]:
        assert status == 422 and body["error"]["code"] == "invalid_model", body
        assert body["error"]["message"] == "hr.yaml: is not what it was"
    # The next requests parse again, once, and their games share the architecture.
    assert said["after_success"] == 2 and said["created"] == [201] * 4 and said["architectures"] == 1
    assert said["later"] == 201 and said["calls"] == 2  # kept now


class Stopped(BaseException):
    """A request stopped mid-parse (a greenlet killed), not a parse that failed."""


def test_when_the_request_parsing_is_stopped_a_waiting_one_parses_instead() -> None:
    kept = RecentUploads()
    up, arch = record("u", 10), architecture()
    go_on = threading.Event()
    answers: dict[str, object] = {}

    def stopped() -> Architecture:
        go_on.wait(10)
        raise Stopped

    def first() -> None:
        try:
            kept.architecture(up, stopped)
        except Stopped as exc:
            answers["first"] = exc

    def second() -> None:
        answers["second"] = kept.architecture(up, lambda: arch)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert soon(lambda: up.id in kept._parsing)  # noqa: SLF001 - the first request holds the parse
    threads.append(threading.Thread(target=second))
    threads[1].start()
    assert soon(lambda: kept.waiting == 1)
    go_on.set()
    for t in threads:
        t.join(10)
    assert isinstance(answers["first"], Stopped) and answers["second"] is arch
    assert kept.get(up) is arch and kept.waiting == 0


def soon(condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` comes true within 10 s (another thread has got somewhere)."""
    give_up = time.monotonic() + 10
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.001)
    return True
