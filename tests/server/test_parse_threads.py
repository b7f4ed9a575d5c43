"""Large files take turns to be parsed: a few at once, a few more waiting, the rest refused with 503 server_busy.

(That the games are served while a file is parsed, under gevent and eventlet, is in
e2e/test_e2e_large_files.py; here the app runs threaded, where every request has its thread.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from parsegate import Gate, in_background, soon
from serverkit import HR, make_app


PAD = 100 * 1024
"""Bytes that make a file large: over server/parse_threads.py's SMALL_INPUT, so it is parsed in a turn."""
LARGE = HR + "\n# " + "x" * PAD + "\n"
"""The HR fixture, made large with a comment."""


def upload(app: Any, name: str, document: str = LARGE) -> Any:
    return app.test_client().post(f"/api/architectures?filename={name}", data=document,
                                  content_type="application/yaml")


def test_a_large_file_past_the_parses_at_once_is_refused_with_a_stable_code_and_a_small_one_is_not(gate: Gate) -> None:
    app = make_app(MAX_PARSES=1, PARSE_QUEUE=0)
    first, first_answer = in_background(lambda: upload(app, "held.yaml"))
    assert gate.held.wait(10)

    refused = upload(app, "second.yaml")
    assert refused.status_code == 503, refused.json
    assert refused.json["error"]["code"] == "server_busy" and "try again" in refused.json["error"]["message"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert ("start", "second.yaml") not in gate.log  # refused before it was parsed
    small = upload(app, "small.yaml", HR)
    assert small.status_code == 201, small.json  # a usual model never waits behind someone's large file

    gate.open()
    first.join(10)
    assert first_answer[0].status_code == 201


def test_a_new_games_large_body_takes_a_turn_too(gate: Gate) -> None:
    app = make_app(MAX_PARSES=1, PARSE_QUEUE=0)
    first, _ = in_background(lambda: upload(app, "held.yaml"))
    assert gate.held.wait(10)
    body = {"example": "leejames-hr/before", "name": "Kim", "seats": 2, "previous": {"pad": "x" * PAD}}
    r = app.test_client().post("/api/games", json=body)
    assert r.status_code == 503 and r.json["error"]["code"] == "server_busy", r.json
    gate.open()
    first.join(10)


def test_a_large_file_waits_for_its_turn_and_is_parsed_after_the_one_before(gate: Gate) -> None:
    app = make_app(MAX_PARSES=1, PARSE_QUEUE=1)
    parsing = app.extensions["threatdeck"].parsing
    first, first_answer = in_background(lambda: upload(app, "held.yaml"))
    assert gate.held.wait(10)
    second, second_answer = in_background(lambda: upload(app, "second.yaml"))
    assert soon(lambda: parsing.queued == 1)

    third = upload(app, "third.yaml")  # nowhere left to wait
    assert third.status_code == 503 and third.json["error"]["code"] == "server_busy"

    gate.open()
    first.join(10)
    second.join(10)
    assert first_answer[0].status_code == 201 and second_answer[0].status_code == 201
    assert gate.log == [("start", "held.yaml"), ("end", "held.yaml"), ("start", "second.yaml"),
                        ("end", "second.yaml")]
    assert parsing.running == 0 and parsing.queued == 0


def test_a_large_file_that_waited_too_long_is_refused_unparsed(gate: Gate) -> None:
    app = make_app(MAX_PARSES=1, PARSE_QUEUE=4, PARSE_WAIT=0.2)
    first, _ = in_background(lambda: upload(app, "held.yaml"))
    assert gate.held.wait(10)
    r = upload(app, "second.yaml")
    assert r.status_code == 503 and r.json["error"]["code"] == "server_busy"
    assert ("start", "second.yaml") not in gate.log
    gate.open()
    first.join(10)
    assert app.extensions["threatdeck"].parsing.queued == 0


def test_a_turn_is_given_back_when_the_parse_fails() -> None:
    app = make_app(MAX_PARSES=1, PARSE_QUEUE=0)
    broken = LARGE.replace("threatdeck:", "threatdeck: [", 1)
    for _ in range(3):
        r = upload(app, "broken.yaml", broken)
        assert r.status_code == 422 and r.json["error"]["code"] == "invalid_model", r.json
    assert upload(app, "fine.yaml").status_code == 201


IMPORTS_IN_THREADS = textwrap.dedent('''
    import _thread
    import json
    import sys
    from pathlib import Path

    native_id = _thread.get_native_id  # taken before patching: the OS thread, whatever gevent makes of it
    loop_thread = native_id()

    from gevent import monkey

    monkey.patch_all()

    root, result = Path(sys.argv[1]), Path(sys.argv[2])
    sys.path[:0] = [str(root), str(root / "tests" / "server")]
    from serverkit import HR, make_app

    app = make_app(ASYNC_MODE="gevent")
    first_imported = []

    def watch(event, args):
        if event == "import" and native_id() != loop_thread and args[0] not in sys.modules:
            first_imported.append(args[0])

    sys.addaudithook(watch)
    client = app.test_client()
    answers = {}

    def upload(name, data):
        r = client.post(f"/api/architectures?filename={name}", data=data, content_type="application/octet-stream")
        answers[name] = r.status_code
        return r.json.get("id")

    for path in sorted((root / "tests" / "importers" / "fixtures").rglob("*.*")):
        upload(path.name, path.read_bytes())
    upload("not-utf-8.yaml", b"\\xff\\xfe" + HR.encode())
    upload("bom.yaml", b"\\xef\\xbb\\xbf" + HR.encode())
    hr = upload("large.yaml", (HR + "\\n# " + "x" * 100 * 1024 + "\\n").encode())
    r = client.post("/api/games", json={"architecture": hr, "name": "Kim",
                                        "previous": json.loads(result.read_text(encoding="utf-8"))})
    answers["game with an earlier result"] = r.status_code
    print(json.dumps({"first_imported": first_imported, "answers": answers}))
''')


def test_a_parse_thread_imports_nothing_the_server_had_not_imported_before(tmp_path: Path) -> None:
    """Two parse threads importing one module wait on its import lock, which under gevent is one of gevent's:
    across threads it lost its wake-up, and an upload to a fresh server hung for good (two in twenty starts
    under bench/load.py's opening burst). So whatever a parse imports is imported before any file goes to a
    thread: every format, valid or not, large or small, and a new game's earlier result."""
    from server.cli import main as cli

    root = Path(__file__).resolve().parents[2]
    result = tmp_path / "result.json"
    assert cli(["play", str(root / "examples" / "leejames-hr" / "before.yaml"), "--players", "3", "--seed", "1",
                "--result", str(result)]) == 0
    run = subprocess.run([sys.executable, "-c", IMPORTS_IN_THREADS, str(root), str(result)], cwd=root,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    said = json.loads(run.stdout.strip().splitlines()[-1])
    answers = said["answers"]
    assert answers["game with an earlier result"] == 201, answers
    assert answers["large.yaml"] == answers["bom.yaml"] == answers["shop.yaml"] == 201, answers
    assert answers["claims-v2.json"] == answers["plain.json"] == answers["sam_events.yaml"] == 201, answers
    assert answers["not-utf-8.yaml"] == answers["malformed.yaml"] == answers["v2-wrong-types.json"] == 422, answers
    assert said["first_imported"] == []


def test_an_upload_whose_parse_thread_never_returns_is_answered_503_not_left_waiting(
        gate: Gate, caplog: pytest.LogCaptureFixture) -> None:
    """Whatever holds a parse thread for good (a lost wake-up, a parser that never ends), its request gets an
    answer it can retry on, and the log says why."""
    import gevent

    app = make_app(ASYNC_MODE="gevent", PARSE_TIMEOUT=0.2)
    try:
        with gevent.Timeout(30):  # without the deadline the upload would wait for ever: fail here instead
            r = upload(app, "held.yaml", HR)
    finally:
        gate.open()
    assert r.status_code == 503, r.json
    assert r.json["error"]["code"] == "server_busy" and "try again" in r.json["error"]["message"]
    assert int(r.headers["Retry-After"]) >= 1
    assert "parse thread has not returned" in caplog.text
    assert upload(app, "after.yaml", HR).status_code == 201  # the next file is read as usual
