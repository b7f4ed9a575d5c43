"""Large files take turns to be parsed: a few at once, a few more waiting, the rest refused with 503 server_busy.

(That the games are served while a file is parsed, under gevent and eventlet, is in
e2e/test_e2e_large_files.py; here the app runs threaded, where every request has its thread.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from serverkit import HR, make_app

import server.games
from game.importers import load_architecture

PAD = 100 * 1024
"""Bytes that make a file large: over server/parse_threads.py's SMALL_INPUT, so it is parsed in a turn."""
LARGE = HR + "\n# " + "x" * PAD + "\n"
"""The HR fixture, made large with a comment."""


class Gate:
    """``load_architecture`` as the server calls it, recording when each parse starts and ends; the parse of a
    file named ``held.yaml`` waits, once started, until :meth:`open` (at most 10 s)."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.held = threading.Event()
        self._open = threading.Event()

    def parse(self, data: bytes | str, source: str) -> Any:
        self.log.append(("start", source))
        if source == "held.yaml":
            self.held.set()
            self._open.wait(10)
        self.log.append(("end", source))
        return load_architecture(data, source)

    def open(self) -> None:
        self._open.set()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    g = Gate()
    monkeypatch.setattr(server.games, "load_architecture", g.parse)
    yield g
    g.open()


def upload(app: Any, name: str, document: str = LARGE) -> Any:
    return app.test_client().post(f"/api/architectures?filename={name}", data=document,
                                  content_type="application/yaml")


def in_background(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run ``call`` in a thread (a request of another user); its answer lands in the list."""
    answers: list[Any] = []
    thread = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    thread.start()
    return thread, answers


def soon(condition: Callable[[], bool]) -> bool:
    give_up = time.monotonic() + 10
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.005)
    return True


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
