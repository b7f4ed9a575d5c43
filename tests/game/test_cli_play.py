"""``threatdeck play``: a whole bot game from the command line, byte-identical for a seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gamekit import FIXTURES

import server.cli.play as play_cli
from cards import parse_deck
from server.cli import main

MODEL = str(FIXTURES / "leejames-before.yaml")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "leejames-hr"


@pytest.fixture(autouse=True)
def practice_deck(monkeypatch: pytest.MonkeyPatch) -> None:
    """Play with the practice deck under the name ``practice``, so the tests do not depend on the shipped deck."""
    import cards

    deck = parse_deck((FIXTURES / "practice-deck.yaml").read_text(encoding="utf-8"), "practice-deck.yaml")
    real = cards.load_deck

    def load(name: str = cards.DEFAULT_DECK) -> object:
        return deck if name == "practice" else real(name)

    monkeypatch.setattr(cards, "load_deck", load)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["play", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, MODEL, "--players", "6", "--seed", "7", "--json", "--deck", "practice")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert set(data) == {"scoreboard", "threats"}
    assert [s["name"] for s in data["scoreboard"]] != [] and {"seat", "name", "points"} <= set(data["scoreboard"][0])
    assert len(data["scoreboard"]) == 6
    first = data["threats"][0]
    assert {"rank", "category", "component", "card", "text", "risk", "reason", "mitigation", "found_by", "votes", "likelihood", "impact", "agreement"} <= set(first)
    assert [t["rank"] for t in data["threats"]] == list(range(1, len(data["threats"]) + 1))
    risks = [t["risk"] for t in data["threats"] if t["risk"] is not None]
    assert risks == sorted(risks, reverse=True)
    points = [s["points"] for s in data["scoreboard"]]
    assert points == sorted(points, reverse=True)


def test_same_seed_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, MODEL, "--players", "4", "--seed", "3", "--json", "--deck", "practice")
    second = run(capsys, MODEL, "--players", "4", "--seed", "3", "--json", "--deck", "practice")
    other = run(capsys, MODEL, "--players", "4", "--seed", "4", "--json", "--deck", "practice")
    assert first == second and first[1] != other[1]
    table = run(capsys, MODEL, "--players", "4", "--seed", "3", "--deck", "practice")
    assert table == run(capsys, MODEL, "--players", "4", "--seed", "3", "--deck", "practice")


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, MODEL, "--players", "3", "--seed", "1", "--deck", "practice")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("LeeJames HR: 3 bots, seed 1, deck practice-stride (54 cards in play), 18 tricks")
    assert "Scoreboard" in lines and "Prioritised threats" in lines
    assert any(line.split()[:2] == ["Seat", "Name"] for line in lines)
    assert "Kim" in out and "Doug" in out and "Sam" in out


def test_seat_names() -> None:
    assert play_cli.seat_names(8)[-3:] == ["Lee", "Bot 7", "Bot 8"]


def test_solo_game(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, MODEL, "--players", "1", "--json", "--deck", "practice")
    data = json.loads(out)
    assert code == 0 and data["scoreboard"][0]["name"] == "Kim"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.yaml"], "missing.yaml: No such file or directory"),
        ([MODEL, "--players", "0"], "--players must be from 1 to 12"),
        ([MODEL, "--players", "13"], "--players must be from 1 to 12"),
        ([MODEL, "--seed", "-1"], "--seed must be zero or more"),
        ([MODEL, "--deck", "no-such-deck"], "no deck named 'no-such-deck'"),
    ],
)
def test_errors_exit_2_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("threatdeck play: ") and message in err and err.count("\n") == 1


def test_a_file_that_is_not_a_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "notes.yaml"
    bad.write_text("shopping: [milk, eggs]\n", encoding="utf-8")
    code, out, err = run(capsys, str(bad), "--deck", "practice")
    assert code == 2 and out == "" and err.startswith("threatdeck play: ") and "not a threatdeck model" in err


def test_a_delta_game(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    after = tmp_path / "after.yaml"
    text = Path(MODEL).read_text(encoding="utf-8").replace("{resources_wildcard: true, actions_wildcard: false}", "{resources_wildcard: false, actions_wildcard: false}")
    after.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, str(after), "--baseline", MODEL, "--players", "2", "--json", "--deck", "practice")
    assert code == 0, err
    components = {t["component"] for t in json.loads(out)["threats"]}
    assert components <= {"SharedRole"}
    code, out, err = run(capsys, MODEL, "--baseline", MODEL, "--deck", "practice")
    assert code == 2 and "nothing changed" in err


@pytest.mark.skipif(not (EXAMPLES / "before.yaml").exists(), reason="the LeeJames example is not there yet")
def test_the_shipped_example_with_the_default_deck(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(EXAMPLES / "before.yaml"), "--players", "6", "--seed", "7", "--json")
    assert code == 0, err
    assert len(json.loads(out)["scoreboard"]) == 6
