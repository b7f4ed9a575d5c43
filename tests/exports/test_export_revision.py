"""``game.revision`` and ``threatdeck diff``: what changed, and what became of each finding."""

from __future__ import annotations

import json

import pytest
from exportkit import ROOT, bot_result, deck, example, nine

from game.architecture import Architecture, Boundary, Component, ComponentType, Flow
from game.delta import changes
from game.exports.result import result_to_dict
from game.revision import architecture_changes, revision
from server.cli import main

CT = ComponentType


def small(pitr: bool, table_type: ComponentType = CT.DYNAMODB, *, extra: bool = False, flow_kind: str = "write") -> Architecture:
    table = {"pitr": pitr, "backup_plan": pitr} if table_type is CT.DYNAMODB else {}
    components = [Component("Fn", CT.LAMBDA, "Function", {"code_signing": False}, boundary="aws"),
                  Component("Db", table_type, "Table", table, boundary="aws")]
    if extra:
        components.append(Component("Queue", CT.SQS, "Queue", {"redrive": False}))
    return Architecture("m", tuple(components), (Flow("Fn->Db", "Fn", "Db", kind=flow_kind),), (Boundary("aws", "AWS"),))


def test_field_changes() -> None:
    got = architecture_changes(small(False), small(True, extra=True, flow_kind="read"))
    assert got.components.added == ("Queue",)
    assert got.components.removed == ()
    db = next(c for c in got.components.changed if c.id == "Db")
    assert [(f.field, f.before, f.after) for f in db.fields] == [("attributes.backup_plan", False, True),
                                                                 ("attributes.pitr", False, True)]
    assert db.flows == ("Fn->Db",)
    fn = next(c for c in got.components.changed if c.id == "Fn")
    assert fn.fields == () and fn.flows == ("Fn->Db",)  # only its flow changed
    (flow,) = got.flows.changed
    assert [(f.field, f.before, f.after) for f in flow.fields] == [("kind", "write", "read")]


def test_type_change_and_removal() -> None:
    got = architecture_changes(small(False, extra=True), small(False, CT.S3))
    db = next(c for c in got.components.changed if c.id == "Db")
    assert ("type", "dynamodb", "s3") in [(f.field, f.before, f.after) for f in db.fields]
    assert ("attributes.pitr", False, None) in [(f.field, f.before, f.after) for f in db.fields]
    assert got.components.removed == ("Queue",)


@pytest.mark.parametrize("suffix", ["yaml", "sam.yaml"])
def test_changed_components_are_the_delta_focus(suffix: str) -> None:
    old, new = example(f"before.{suffix}"), example(f"after.{suffix}")
    got = architecture_changes(old, new)
    focus = changes(old, new).components
    assert {c.id for c in got.components.changed} | set(got.components.added) == set(focus)


@pytest.mark.parametrize("suffix", ["yaml", "sam.yaml"])
def test_leejames_before_to_after_mitigates_the_nine(suffix: str) -> None:
    r = revision(example(f"before.{suffix}"), example(f"after.{suffix}"), deck())
    mitigated = {(f.card, f.target): f for f in r.mitigated}
    for pair in nine():
        assert pair in mitigated, pair
    assert mitigated[("S1", "AuthFunction")].mitigated_by == "removed"
    assert mitigated[("R1", "PayslipsTable")].mitigated_by == "fixed"
    everything = [(f.card, f.target) for f in r.new_findings + r.mitigated + r.unconfirmed + r.unchanged]
    assert len(everything) == len(set(everything))


def test_findings_new_mitigated_unchanged() -> None:
    old = small(False)
    new = small(True, extra=True)
    r = revision(old, new, deck())
    assert ("D7", "Db") in {(f.card, f.target) for f in r.mitigated}
    assert all(f.mitigated_by == "fixed" for f in r.mitigated)
    assert r.new_findings and {f.target for f in r.new_findings} == {"Queue"}
    assert {(f.card, f.target) for f in r.unchanged} == {("T7", "Fn")}
    same = revision(old, old, deck())
    assert same.new_findings == () and same.mitigated == () and same.unchanged


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_table(capsys: pytest.CaptureFixture[str]) -> None:
    before = str(ROOT / "examples" / "leejames-hr" / "before.yaml")
    after = str(ROOT / "examples" / "leejames-hr" / "after.yaml")
    code, out, err = run(capsys, before, after)
    assert code == 0 and err == ""
    assert out.startswith("LeeJames HR (before) -> LeeJames HR (after)\n")
    assert "Components: 15 added, 4 removed" in out
    assert "  - AuthFunction\n" in out and "  + EmployeeUserPool\n" in out
    assert "attributes.pitr: false -> true" in out
    assert "Findings: " in out and "  mitigated:\n" in out
    section = out.split("  mitigated:\n")[1].split("\n  unconfirmed")[0].split("\n  unchanged")[0]
    for card, component in nine():
        assert any(line.split()[:1] == [card] and component in line for line in section.splitlines()), (card, component)


def test_cli_json_and_result_files(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    from pathlib import Path

    saved = Path(str(tmp_path)) / "session.json"
    saved.write_text(json.dumps(result_to_dict(bot_result("before.sam.yaml"))), encoding="utf-8")
    after = str(ROOT / "examples" / "leejames-hr" / "after.sam.yaml")
    code, out, err = run(capsys, str(saved), after, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"old", "new", "architecture", "new_findings", "mitigated", "unconfirmed", "unchanged"}
    assert {(f["card"], f["target"]) for f in data["mitigated"]} >= set(nine())


@pytest.mark.parametrize("bad", ["missing.yaml", str(ROOT / "examples" / "leejames-hr" / "threats.yaml")])
def test_cli_bad_input_exit_2(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, bad, str(ROOT / "examples" / "leejames-hr" / "after.yaml"))
    assert code == 2 and out == ""
    assert err.startswith("threatdeck diff: ") and len(err.strip().splitlines()) == 1
