"""The format registry, ``threatdeck export`` from a result file or the server's database, and ``play --result/--previous``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from exportkit import EXAMPLES, bot_result

from game.exports import FORMATS, export_format, render
from game.exports.result import load_result, result_to_dict
from game.importers import load_architecture
from server.cli import main


def saved(tmp_path: Path, model: str = "before.yaml") -> str:
    path = tmp_path / "session.threatdeck.json"
    path.write_text(json.dumps(result_to_dict(bot_result(model))), encoding="utf-8")
    return str(path)


def parse(name: str, text: str) -> Any:
    """Read an export back with the standard library."""
    if FORMATS[name].media_type.startswith("application/json"):
        return json.loads(text)
    if FORMATS[name].media_type.startswith("text/csv"):
        return list(csv.reader(io.StringIO(text, newline="")))
    return text


def test_registry() -> None:
    assert list(FORMATS) == ["markdown", "jira", "azure-devops", "github", "threat-dragon", "threat-composer", "json"]
    assert export_format("threat-composer").filename("hr") == "hr.tc.json"
    assert export_format("json").to_dict()["media_type"] == "application/json"
    with pytest.raises(KeyError, match="known: markdown"):
        export_format("pdf")
    result = bot_result("after.yaml")
    for name in FORMATS:
        text = render(name, result)
        assert isinstance(text, str) and text.endswith("\n")
        assert parse(name, text)


@pytest.mark.parametrize("name", list(FORMATS))
def test_export_each_format_to_a_file_and_stdout(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = saved(tmp_path)
    out_file = tmp_path / FORMATS[name].filename("hr")
    assert main(["export", source, "--format", name, "--output", str(out_file)]) == 0
    assert capsys.readouterr().out == ""
    written = out_file.read_bytes().decode("utf-8")
    assert written == render(name, load_result(Path(source).read_bytes()))
    assert main(["export", source, "-f", name]) == 0
    assert capsys.readouterr().out == written
    parse(name, written)


def test_threat_dragon_export_imports_back(tmp_path: Path) -> None:
    out = tmp_path / "hr.threat-dragon.json"
    assert main(["export", saved(tmp_path, "after.sam.yaml"), "--format", "threat-dragon", "-o", str(out)]) == 0
    arch = load_architecture(out.read_bytes(), out.name)
    assert [c.id for c in arch.components] == [c.id for c in bot_result("after.sam.yaml").architecture.components]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        ("{not json", "not valid JSON"),
        ('{"scoreboard": [], "threats": []}', "threatdeck play --result"),
        ('{"threatdeck_result": 7}', "threatdeck_result"),
        ("threatdeck: 1\nname: x\ncomponents: []\n", "not valid JSON"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(content: str | None, message: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "game.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code = main(["export", str(path), "--format", "markdown"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith("threatdeck export: ") and message in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_unwritable_output_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", saved(tmp_path), "--format", "json", "--output", str(tmp_path / "no" / "such" / "dir.json")])
    err = capsys.readouterr().err
    assert code == 2 and "No such file or directory" in err


def test_unknown_format_is_refused_by_the_parser(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", saved(tmp_path), "--format", "pdf"])
    assert exit_.value.code == 2


# --------------------------------------------------------------------------- play --result / --previous


def test_play_saves_a_result_that_export_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "first.json"
    assert main(["play", str(EXAMPLES / "before.yaml"), "--seed", "4", "--json", "--result", str(first)]) == 0
    printed = json.loads(capsys.readouterr().out)
    result = load_result(first.read_bytes())
    assert [t.to_dict() for t in result.threats] == printed["threats"]
    assert [s.to_dict() for s in result.scoreboard] == printed["scoreboard"]
    assert result.final and result.deck == "serverless-stride" and result.findings
    assert main(["export", str(first), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("# Threats: LeeJames HR (before)")


@pytest.mark.parametrize("suffix", ["yaml", "sam.yaml"])
def test_the_second_session_builds_on_the_first(suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert main(["play", str(EXAMPLES / f"before.{suffix}"), "--seed", "2", "--result", str(first)]) == 0
    capsys.readouterr()
    assert main(["play", str(EXAMPLES / f"after.{suffix}"), "--previous", str(first), "--seed", "3", "--json",
                 "--result", str(second)]) == 0
    printed = json.loads(capsys.readouterr().out)
    one, two = load_result(first.read_bytes()), load_result(second.read_bytes())
    assert two.scope == one.scope and two.settings.delta and two.baseline == one.architecture.name
    assert {c.key for c in two.carried} == {one.key_of(t) for t in one.threats}
    assert [e["status"] for e in printed["earlier"]] == [c.status.value for c in two.carried]
    removed = [c for c in two.carried if c.mitigated_by == "removed"]
    after = two.architecture
    assert removed and not any(after.has_flow(c.component) if c.target_kind == "flow" else after.has_component(c.component)
                               for c in removed)
    # The table says so too.
    assert main(["play", str(EXAMPLES / f"after.{suffix}"), "--previous", str(first), "--seed", "3"]) == 0
    assert "Earlier threats from LeeJames HR (before):" in capsys.readouterr().out


def test_play_previous_must_be_a_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["play", str(EXAMPLES / "after.yaml"), "--previous", str(EXAMPLES / "before.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("threatdeck play: ") and "not valid JSON" in err


def test_play_previous_on_the_same_model_says_nothing_changed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = tmp_path / "first.json"
    assert main(["play", str(EXAMPLES / "after.yaml"), "--result", str(first)]) == 0
    capsys.readouterr()
    assert main(["play", str(EXAMPLES / "after.yaml"), "--previous", str(first)]) == 2
    assert "nothing changed" in capsys.readouterr().err


# --------------------------------------------------------------------------- --database


def test_export_a_stored_game_from_the_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from server import create_app

    url = f"sqlite:///{tmp_path / 'td.db'}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "AUTO_MIGRATE": True, "BACKGROUND_TASKS": False,
                      "RATE_HTTP_BURST": 10_000, "RATE_CREATE_BURST": 10_000})
    try:
        client = app.test_client()
        r = client.post("/api/architectures", data=(EXAMPLES / "before.yaml").read_bytes(), content_type="application/yaml")
        assert r.status_code == 201, r.json
        r = client.post("/api/games", json={"architecture": r.json["id"], "name": "Kim", "seats": 2})
        assert r.status_code == 201, r.json
        game_id = r.json["game_id"]
    finally:
        app.extensions["threatdeck"].stop()
    out = tmp_path / "stored.json"
    assert main(["export", game_id, "--database", url, "--format", "json", "-o", str(out)]) == 0, capsys.readouterr().err
    result = load_result(out.read_bytes())
    assert result.game_id == game_id and result.phase == "setup" and not result.final
    assert result.architecture.name == "LeeJames HR (before)" and result.findings and result.threats == ()
    # An id is never drawn starting with "-"; games stored before that are read after "--".
    assert main(["export", "--database", url, "--format", "json", "-o", str(out), "--", game_id]) == 0
    assert main(["export", "nope", "--database", url, "--format", "json"]) == 2
    assert "no game 'nope'" in capsys.readouterr().err
    assert main(["export", game_id, "--database", "memory://", "--format", "json"]) == 2
    capsys.readouterr()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert main(["export", game_id, "--database", empty, "--format", "json"]) == 2
    assert "cannot read games" in capsys.readouterr().err


LONG_ID = "Payslips" * 20  # a logical id CloudFormation takes (up to 255 letters and digits), the native format not


def test_play_says_in_one_line_when_the_result_cannot_hold_the_architecture(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The result holds the architecture in the native format, whose ids are at most 128 characters: play --result
    # on such a template ended in a traceback after the game, leaving an empty result file.
    template = tmp_path / "long.yaml"
    template.write_text(f"Resources:\n  {LONG_ID}:\n    Type: AWS::S3::Bucket\n")
    out = tmp_path / "r.json"
    assert main(["play", str(template), "--players", "2", "--result", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("threatdeck play: --result: component id 'PayslipsPayslips") and len(err.splitlines()) == 1
    assert "is not a native id (letters, digits and _ . : -, at most 128)" in err and not out.exists()
    assert main(["play", str(template), "--players", "2"]) == 0  # without --result the game is played
    capsys.readouterr()
