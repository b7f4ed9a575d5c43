"""Tables are made a few at a time: uploads, new games and seats past THREATDECK_MAX_CREATIONS wait their turn,
a bounded number of them; past the queue or the wait, 503 server_busy with Retry-After. Nothing else waits.

(The app runs threaded here, where every request has its thread; bench/burst.py measures the effect on the
games in play under gevent.)
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from parsegate import Gate, in_background, soon
from serverkit import HR, make_app, new_game


LARGE = HR + "\n# " + "x" * (100 * 1024) + "\n"
"""Over server/parse_threads.py's SMALL_INPUT: a large file, which takes a parse turn instead."""


def upload(app: Any, name: str, document: str = HR) -> Any:
    return app.test_client().post(f"/api/architectures?filename={name}", data=document,
                                  content_type="application/yaml")


def test_a_creation_past_the_turns_waits_and_is_answered_while_everything_else_goes_on(gate: Gate) -> None:
    app = make_app(MAX_CREATIONS=1, CREATION_QUEUE=4)
    client = app.test_client()
    game = new_game(client, ("Kim", "Doug"), seats=3)  # before any turn is gate
    creating = app.extensions["threatdeck"].creating
    first, first_answer = in_background(lambda: upload(app, "held.yaml"))
    assert gate.held.wait(10) and creating.running == 1

    seat, seat_answer = in_background(lambda: client.post(f"/api/games/{game['game_id']}/seats", json={"name": "Sam"}))
    second, second_answer = in_background(lambda: upload(app, "second.yaml"))
    assert soon(lambda: creating.queued == 2)
    assert "second.yaml" not in gate.parsed  # waiting before its body is read
    # Reading is not making: a game's state, the limits, health are answered at once.
    assert client.get(f"/api/games/{game['game_id']}").status_code == 200
    assert client.get("/api/health").status_code == 200

    gate.open()
    for t in (first, seat, second):
        t.join(10)
    assert [a[0].status_code for a in (first_answer, seat_answer, second_answer)] == [201, 201, 201]
    assert creating.running == 0 and creating.queued == 0


def test_past_the_queue_a_creation_is_refused_at_once_with_a_stable_code(gate: Gate) -> None:
    app = make_app(MAX_CREATIONS=1, CREATION_QUEUE=0)
    first, first_answer = in_background(lambda: upload(app, "held.yaml"))
    assert gate.held.wait(10)
    for refused in (upload(app, "second.yaml"),
                    app.test_client().post("/api/games", json={"example": "leejames-hr/before", "name": "Kim"})):
        assert refused.status_code == 503, refused.json
        assert refused.json["error"]["code"] == "server_busy" and "try again" in refused.json["error"]["message"]
        assert int(refused.headers["Retry-After"]) >= 1
    assert "second.yaml" not in gate.parsed
    gate.open()
    first.join(10)
    assert first_answer[0].status_code == 201
    assert upload(app, "third.yaml").status_code == 201  # the turn was handed back


def test_a_creation_that_waited_too_long_is_refused(gate: Gate) -> None:
    app = make_app(MAX_CREATIONS=1, CREATION_QUEUE=4, CREATION_WAIT=0.2)
    first, _ = in_background(lambda: upload(app, "held.yaml"))
    assert gate.held.wait(10)
    began = time.monotonic()
    r = upload(app, "second.yaml")
    assert r.status_code == 503 and r.json["error"]["code"] == "server_busy", r.json
    assert 0.15 < time.monotonic() - began < 5
    gate.open()
    first.join(10)
    assert app.extensions["threatdeck"].creating.queued == 0


def test_a_large_file_takes_a_parse_turn_and_not_a_creation_turn(gate: Gate) -> None:
    """A large file may wait long for its parse turn: holding a creation turn meanwhile, it would make the
    usual small uploads wait behind it."""
    app = make_app(MAX_CREATIONS=1, CREATION_QUEUE=0)
    first, first_answer = in_background(lambda: upload(app, "held.yaml", LARGE))
    assert gate.held.wait(10)
    assert app.extensions["threatdeck"].creating.running == 0
    assert upload(app, "small.yaml").status_code == 201
    gate.open()
    first.join(10)
    assert first_answer[0].status_code == 201


def test_a_refused_request_holds_no_turn() -> None:
    app = make_app(MAX_CREATIONS=1, RATE_CREATE_BURST=1)
    client = app.test_client()
    assert upload(app, "a.yaml").status_code == 201
    assert client.post("/api/architectures", data="", content_type="application/yaml").status_code == 429
    assert client.post("/api/games", json={"architecture": "nope", "name": "Kim"}).status_code == 429
    assert app.extensions["threatdeck"].creating.running == 0


@pytest.mark.parametrize("name, value", [("MAX_CREATIONS", 0), ("CREATION_QUEUE", -1), ("CREATION_WAIT", 0),
                                         ("CREATION_WAIT", 10 ** 9)])
def test_settings_out_of_range_are_refused(name: str, value: float) -> None:
    from server.config import ConfigError

    with pytest.raises(ConfigError, match=name):
        make_app(**{name: value})
