"""The threatdeck JSON export: the whole result, read back equal, and refused clearly when it is not one."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from exportkit import bot_result, bot_result_on, deck, example

from game.backlog import CarryStatus, carry_over
from game.exports.result import FORMAT, FORMAT_KEY, ResultError, load_result, result_from_dict, result_to_dict
from game.result import GameResult


@pytest.fixture(scope="module")
def second() -> GameResult:
    """A delta game on the after model that carries the first session's threats."""
    backlog = carry_over(bot_result("before.yaml"), example("after.yaml"), deck())
    return bot_result_on(example("after.yaml"), seed=11, baseline=example("before.yaml"), backlog=backlog)


def through_text(result: GameResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(result_to_dict(result)))
    return data


@pytest.mark.parametrize("model", ["before.yaml", "after.sam.yaml"])
def test_round_trip_gives_the_same_result(model: str) -> None:
    result = bot_result(model)
    data = through_text(result)
    back = result_from_dict(data)
    assert back == result
    assert result_to_dict(back) == data


def test_round_trip_keeps_earlier_threats_and_their_status(second: GameResult) -> None:
    assert second.carried and second.settings.delta and second.baseline == "LeeJames HR (before)"
    back = result_from_dict(through_text(second))
    assert back == second
    assert [c.status for c in back.carried] == [c.status for c in second.carried]
    assert CarryStatus.MITIGATED in {c.status for c in back.carried}


def test_the_document_is_self_contained() -> None:
    result = bot_result("before.sam.yaml")
    data = through_text(result)
    assert data[FORMAT_KEY] == FORMAT
    assert data["architecture"]["threatdeck"] == 1
    assert data["architecture_format"] == "sam"
    assert data["final"] is True and data["phase"] == "ended"
    assert len(data["findings"]) == len(result.findings) > 0
    assert data["threats"][0]["votes"] and {"seat", "name", "likelihood", "impact"} == set(data["threats"][0]["votes"][0])
    assert [s["name"] for s in data["scoreboard"]] == [s.name for s in result.scoreboard]
    assert "seed" not in json.dumps(data["settings"])


def test_load_result_reads_bytes_and_explains_play_json() -> None:
    result = bot_result("after.yaml")
    assert load_result(json.dumps(result_to_dict(result)).encode(), "r.json") == result
    with pytest.raises(ResultError, match="threatdeck play --result"):
        load_result(json.dumps({"scoreboard": [], "threats": []}), "play.json")
    with pytest.raises(ResultError, match="not valid JSON"):
        load_result(b"{nope", "bad.json")


def broken(change: Any) -> dict[str, Any]:
    data = through_text(bot_result("after.yaml"))
    data = copy.deepcopy(data)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update({FORMAT_KEY: 2}), FORMAT_KEY),
        (lambda d: d.update({"surprise": 1}), "surprise"),
        (lambda d: d.pop("scope"), "scope"),
        (lambda d: d["threats"][0].update({"risk": "high"}), "threats[0].risk"),
        (lambda d: d["threats"][0].pop("rank"), "threats[0].rank"),
        (lambda d: d["threats"][0]["votes"][0].update({"likelihood": None}), "threats[0].votes[0].likelihood"),
        (lambda d: d["threats"][0].update({"component": "Nowhere"}), "threats[0].component"),
        (lambda d: d["scoreboard"][0].update({"extra": True}), "scoreboard[0].extra"),
        (lambda d: d["architecture"]["components"][0].update({"type": "mainframe"}), "architecture.components[0].type"),
        (lambda d: d.update({"final": False}), "final"),
        (lambda d: d["earlier"].append({"key": "x"}), "earlier[0]"),
        (lambda d: d.update({"deck": "serverless-stride"}), "deck"),
    ],
)
def test_bad_documents_name_the_field(change: Any, where: str) -> None:
    with pytest.raises(ResultError) as err:
        result_from_dict(broken(change), "r.json")
    assert str(err.value).startswith(f"r.json: {where}")


def test_not_an_object() -> None:
    with pytest.raises(ResultError):
        result_from_dict([1, 2], "r.json")


LONG = "Z" * 100_000


@pytest.mark.parametrize("change", [
    lambda d: d.update({FORMAT_KEY: LONG}),
    lambda d: d.update({LONG: 1}),
    lambda d: d["threats"][0].update({"component": LONG}),
    lambda d: d.update({"phase": LONG}),
    lambda d: d["scoreboard"][0].update({LONG: True}),
    lambda d: d["architecture"]["components"][0]["attributes"].update({LONG: 1}),
])
def test_an_error_quoting_the_file_stays_one_short_line(change: Any) -> None:
    # A result file may be 40 MB; its errors echoed a key or a value whole, into one line of stderr.
    with pytest.raises(ResultError) as err:
        result_from_dict(broken(change), "r.json")
    message = str(err.value)
    assert message.startswith("r.json: ") and "ZZZZ" in message and len(message) <= 1_010 and "\n" not in message
