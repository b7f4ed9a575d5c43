"""The OWASP Threat Dragon v2 export: schema-valid, drawn sensibly, and read back the same by our importer."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from exportkit import HERE, bot_result, bot_result_on, deck, example, hand_result, nine, no_nulls

from game.backlog import carry_over
from game.cards import Suit
from game.exports.native import portable
from game.exports.result import result_to_dict
from game.exports.priorities import level
from game.exports.threat_dragon import STRIDE_TYPES, layout, shape_of, threat_dragon_model
from game.importers import load_architecture
from game.importers.threat_dragon import read_model, threats_of
from game.result import GameResult
from game.rules import scan
from server.cli import main

OURS = json.loads((HERE / "threat_dragon_v2_constraints.json").read_text(encoding="utf-8"))
MODELS = ("before.yaml", "after.yaml", "before.sam.yaml", "after.sam.yaml")


def results() -> list[GameResult]:
    first = bot_result("before.yaml")
    backlog = carry_over(first, example("after.yaml"), deck())
    return [bot_result(m) for m in MODELS] + [bot_result_on(example("after.yaml"), baseline=example("before.yaml"), backlog=backlog)]


def export(result: GameResult) -> dict[str, Any]:
    # Through text, as a file would travel.
    data: dict[str, Any] = json.loads(json.dumps(threat_dragon_model(result)))
    return data


@pytest.fixture(scope="module")
def all_results() -> list[GameResult]:
    return results()


def test_validates_against_our_statement_of_the_v2_schema(all_results: list[GameResult]) -> None:
    validator = jsonschema.Draft7Validator(OURS)
    jsonschema.Draft7Validator.check_schema(OURS)
    for result in all_results:
        errors = sorted(validator.iter_errors(export(result)), key=lambda e: list(e.path))
        assert [f"{list(e.path)}: {e.message}" for e in errors[:5]] == []


def test_no_nulls_anywhere(all_results: list[GameResult]) -> None:
    for result in all_results:  # but a flow's kind, recorded as null when not known (for the round trip)
        assert [p for p in no_nulls(export(result)) if not p.endswith(".data.threatdeck.kind")] == []


def kindless(model: str = "before.yaml") -> GameResult:
    """A result on the model with no flow's kind known."""
    arch = example(model)
    arch = dataclasses.replace(arch, flows=tuple(dataclasses.replace(f, kind=None) for f in arch.flows))
    return hand_result(arch, [])


def test_a_flow_without_kind_keeps_none_through_the_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = kindless()
    data = export(result)
    blocks = [c["data"]["threatdeck"] for c in data["detail"]["diagrams"][0]["cells"] if c["shape"] == "flow"]
    assert blocks and all("kind" in b and b["kind"] is None for b in blocks)
    back = load_architecture(json.dumps(data), "exported.json")
    assert [f.kind for f in back.flows] == [None] * len(result.architecture.flows)
    assert dataclasses.replace(portable(back), source_format=result.architecture.source_format) == result.architecture

    saved = tmp_path / "kindless.threatdeck.json"
    saved.write_text(json.dumps(result_to_dict(result)), encoding="utf-8")
    exported = tmp_path / "kindless.threat-dragon.json"
    assert main(["export", str(saved), "--format", "threat-dragon", "-o", str(exported)]) == 0
    capsys.readouterr()
    assert main(["diff", str(saved), str(exported), "--format", "json"]) == 0
    diff = json.loads(capsys.readouterr().out)
    assert diff["architecture"] == {"components": {"added": [], "removed": [], "changed": []},
                                    "flows": {"added": [], "removed": [], "changed": []}}


def test_files_exported_without_the_kind_key_leave_it_unknown() -> None:
    # threatdeck draws a flow from the component that acts, reads included (AuthFunction -> EmployeesTable looks a
    # password hash up), so an arrow into a store says nothing about writing; the key was left out for unknown kinds.
    result = kindless()
    data = export(result)
    for cell in data["detail"]["diagrams"][0]["cells"]:
        if cell["shape"] == "flow":
            cell["data"]["threatdeck"].pop("kind", None)  # as exported before the key was always written
    back = load_architecture(json.dumps(data), "exported.json")
    assert [f.kind for f in back.flows] == [None] * len(result.architecture.flows)
    # so no write is invented: the employee downloading a payslip does not become a direct writer of the bucket (T6)
    found = {(f.card.id, f.target) for f in scan(back, deck())}
    assert ("T6", "PayslipBucket") not in found
    assert found == {(f.card.id, f.target) for f in scan(result.architecture, deck())}


@pytest.mark.parametrize("model", MODELS)
def test_round_trip_gives_the_same_architecture(model: str) -> None:
    result = bot_result(model)
    back = load_architecture(json.dumps(export(result)), "exported.json")
    assert back.source_format == "threat-dragon"
    assert [(c.id, c.type) for c in back.components] == [(c.id, c.type) for c in result.architecture.components]
    assert [(f.id, f.source, f.target) for f in back.flows] == [(f.id, f.source, f.target) for f in result.architecture.flows]
    assert [c.boundary for c in back.components] == [c.boundary for c in result.architecture.components]
    same = dataclasses.replace(portable(back), source_format=result.architecture.source_format)
    assert same == result.architecture  # attributes, data classes, kinds, names and descriptions too


@pytest.mark.parametrize("model", MODELS)
def test_round_trip_gives_the_same_threats(model: str) -> None:
    result = bot_result(model)
    data = export(result)
    got = threats_of(data, "exported.json")
    assert len(got) == len(result.threats) > 0
    by_title = {(t.element_id, t.title): t for t in got}
    for t in result.threats:
        imported = by_title[(t.component, f"{t.card_title} on {t.component}")]
        assert Suit.parse(imported.category) is Suit(t.suit)
        assert imported.category == STRIDE_TYPES[Suit(t.suit)]
        assert imported.status == "Open"
        assert imported.severity == level(t.risk)
        assert imported.mitigation == t.mitigation
        assert imported.description.startswith(t.text)
        assert imported.score == (None if t.risk is None else f"{t.risk:.2f}")
        assert imported.model_type == "STRIDE"
    assert sorted(t.number for t in got if t.number is not None) == list(range(1, len(got) + 1))
    assert len({t.threat_id for t in got}) == len(got)


def test_threats_hang_on_their_element_and_flag_it(all_results: list[GameResult]) -> None:
    for result in all_results:
        data = export(result)
        model = read_model(data, "exported.json")
        cells = {c["id"]: c for c in data["detail"]["diagrams"][0]["cells"]}
        for element_id, ref in model.cells.items():
            cell = cells[ref.cell_id]
            threats = cell["data"].get("threats", [])
            assert cell["data"]["hasOpenThreats"] == any(t["status"] == "Open" for t in threats), element_id
            if threats and cell["data"]["hasOpenThreats"]:
                stroke = (cell["attrs"].get("body") or cell["attrs"].get("topLine") or cell["attrs"].get("line"))["stroke"]
                assert stroke == "red"


def test_earlier_threats_are_open_or_mitigated() -> None:
    before = example("before.yaml")
    first = hand_result(before, nine())
    backlog = carry_over(first, example("after.yaml"), deck())
    second = dataclasses.replace(hand_result(example("after.yaml"), []), carried=backlog.threats, scope=backlog.scope)
    data = export(second)
    threats = threats_of(data, "exported.json")
    # Of the nine, the threats on components that still exist are there, mitigated; the others have no element left.
    still_there = [(card, comp) for card, comp in nine() if example("after.yaml").has_component(comp)]
    assert len(threats) == len(still_there) > 0
    assert {t.status for t in threats} == {"Mitigated"}
    assert {t.element_id for t in threats} == {comp for _, comp in still_there}


def test_shapes_follow_the_component_types() -> None:
    data = export(bot_result("after.yaml"))
    arch = bot_result("after.yaml").architecture
    cells = {c["data"]["threatdeck"]["id"]: c for c in data["detail"]["diagrams"][0]["cells"] if c["shape"] != "flow"}
    for c in arch.components:
        assert cells[c.id]["shape"] == shape_of(c.type)
    assert shape_of(arch.component("Employee").type) == "actor"
    assert shape_of(arch.component("PayslipsTable").type) == "store"
    assert shape_of(arch.component("PayslipsFunction").type) == "process"


def test_layout_is_deterministic_and_boxes_hold_their_members() -> None:
    arch = bot_result("after.sam.yaml").architecture
    places, boxes = layout(arch)
    assert (places, boxes) == layout(arch)
    assert export(bot_result("after.sam.yaml")) == export(bot_result("after.sam.yaml"))
    spans = sorted(boxes.values())
    for (x1, _, w1, _), (x2, _, _, _) in zip(spans, spans[1:]):
        assert x1 + w1 < x2  # side by side, never overlapping
    for c in arch.components:
        x, y = places[c.id]
        inside = [b for b, (bx, by, bw, bh) in boxes.items() if bx <= x and x + 100 <= bx + bw and by <= y <= by + bh]
        assert inside == ([c.boundary] if c.boundary else [])


def test_summary_and_counts() -> None:
    result = bot_result("before.yaml")
    data = export(result)
    assert data["version"].startswith("2.")
    assert data["summary"]["title"] == result.architecture.name
    assert data["detail"]["threatTop"] == len(result.threats)
    assert [c["name"] for c in data["detail"]["contributors"]] == list(result.settings.seats)
    assert data["detail"]["diagrams"][0]["diagramType"] == "STRIDE"


def test_ids_come_back_only_when_a_result_can_hold_them() -> None:
    """A result holds the architecture in the native format. The flow ids a native model gets between two ids of
    128 characters (258 and more) were not kept, and the flow got a slug of 262 characters; a recorded component id
    the native format refuses was kept: either way the game's JSON export could not be written."""
    from game.exports import render
    from game.exports.native import native_document
    from game.importers.threat_dragon import from_document

    a, b = "A" * 128, "B" * 128
    arch = load_architecture(f"threatdeck: 1\nname: m\ncomponents: [{{id: {a}, type: lambda}}, {{id: {b}, type: s3}}]\n"
                             f"flows: [{{source: {a}, target: {b}}}, {{source: {a}, target: {b}}}, {{source: {b}, target: {a}}}]\n",
                             "long.yaml")
    back = load_architecture(render("threat-dragon", hand_result(arch, [])), "long.threat-dragon.json")
    assert [f.id for f in back.flows] == [f.id for f in arch.flows] == [f"{a}->{b}", f"{a}->{b}#2", f"{b}->{a}"]
    assert native_document(back) == native_document(arch)

    def cell(cell_id: str, td_type: str, name: str, recorded: str | None = None, **ends: str) -> dict[str, Any]:
        data = {"type": td_type, "name": name, **({"threatdeck": {"id": recorded}} if recorded else {})}
        return {"id": cell_id, "data": data, **{side: {"cell": c} for side, c in ends.items()}}

    drawn = from_document({"version": "2.3.0", "summary": {"title": "odd"}, "detail": {"diagrams": [{"cells": [
        cell("c1", "tm.Process", "Api", "a>b#c"), cell("c2", "tm.Store", "Db", "D" * 129),
        cell("c3", "tm.Store", "Db", "E" * 128), cell("f1", "tm.Flow", "", "x->y#1234567", source="c1", target="c2"),
        cell("f2", "tm.Flow", "", source="c3", target="c3"), cell("f3", "tm.Flow", "", source="c3", target="c3"),
    ]}]}}, "odd.json")
    assert [c.id for c in drawn.components] == ["api", "db", "E" * 128]
    assert [f.id for f in drawn.flows] == ["api-to-db", "E" * 58 + "-to-" + "E" * 58, "E" * 58 + "-to-" + "E" * 58 + "-2"]
    native_document(drawn)  # every id is one the native format holds


@pytest.mark.parametrize(("forward", "recorded"), [
    ("f" * 40, False), ("f" * 41, False),  # ids from the flow's name: slugs, cut at 48 characters
    ("flow-" * 9 + "fun", False),  # 48, the longest slug, cut at a word end
    ("F" * 41, True), ("F" * 128, True),  # recorded by threatdeck's export: up to a native id's 128 characters
    ("Api->Db", True),  # the id a native model gives a flow without one
])
def test_the_way_back_of_a_two_way_flow_keeps_its_id_through_the_round_trip(forward: str, recorded: bool) -> None:
    """The way back was named by slugging "<id>-reverse", and a slug is cut at 48 characters: from a flow id of 41
    characters on, "-reverse" was cut off and the way back became "<id>-2" (or a cut of a recorded id's slug)."""
    from game.exports import render
    from game.exports.native import native_document
    from game.importers.threat_dragon import from_document

    flow_data: dict[str, Any] = {"type": "tm.Flow", "name": forward if not recorded else "Sync",
                                 "isBidirectional": True}
    if recorded:
        flow_data["threatdeck"] = {"id": forward}
    drawn = from_document({"version": "2.3.0", "summary": {"title": "two-way"}, "detail": {"diagrams": [{"cells": [
        {"id": "c1", "data": {"type": "tm.Process", "name": "Api", "threatdeck": {"id": "Api"}}},
        {"id": "c2", "data": {"type": "tm.Store", "name": "Db", "threatdeck": {"id": "Db"}}},
        {"id": "f1", "data": flow_data, "source": {"cell": "c1"}, "target": {"cell": "c2"}},
        {"id": "f2", "data": {"type": "tm.Flow", "name": "Other"}, "source": {"cell": "c2"}, "target": {"cell": "c1"}},
    ]}]}}, "two-way.json")
    back_id = f"{forward.replace('->', '-')[:120]}-reverse"
    assert [(f.id, f.source, f.target) for f in drawn.flows] == [
        (forward, "Api", "Db"), (back_id, "Db", "Api"), ("other", "Db", "Api")]
    assert len(back_id) <= 128
    native_document(drawn)  # the game's JSON export can hold both ids
    again = load_architecture(render("threat-dragon", hand_result(drawn, [])), "again.threat-dragon.json")
    assert [(f.id, f.source, f.target, f.kind) for f in again.flows] == [
        (f.id, f.source, f.target, f.kind) for f in drawn.flows]


@pytest.mark.parametrize(("recorded", "kept"), [
    (["Api->Db", "Api->Db#2"], [True, True]),  # as threatdeck's export writes them: both come back
    (["x->y", None], [False, False]),  # the ends are not this flow's
    (["Api->Db#2", None], [False, False]),  # the first flow between two ids is Api->Db, not #2
    (["Api->Db#2", "Api->Db"], [False, True]),  # #2 before the first
    ([None, "Api->Db"], [False, True]),  # the first flow got a slug: the second is now the first generated
])
def test_a_recorded_flow_id_of_the_generated_form_is_kept_only_where_a_result_regenerates_it(
        recorded: list[str | None], kept: list[bool]) -> None:
    """A result leaves out a flow id the native format generates (Source->Target, then #2…) and cannot write any
    other id of that form: an id recorded in the file but naming other ends, or out of order, was kept, and the
    game's JSON export then failed ("neither a native id nor the id the importer would give it")."""
    from game.exports.native import native_document
    from game.importers.threat_dragon import from_document

    def flow(cell_id: str, name: str, wanted: str | None) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "tm.Flow", "name": name}
        if wanted is not None:
            data["threatdeck"] = {"id": wanted}
        return {"id": cell_id, "data": data, "source": {"cell": "c1"}, "target": {"cell": "c2"}}

    drawn = from_document({"version": "2.3.0", "summary": {"title": "ids"}, "detail": {"diagrams": [{"cells": [
        {"id": "c1", "data": {"type": "tm.Process", "name": "Api", "threatdeck": {"id": "Api"}}},
        {"id": "c2", "data": {"type": "tm.Store", "name": "Db", "threatdeck": {"id": "Db"}}},
        flow("f1", "Read", recorded[0]), flow("f2", "Write", recorded[1]),
    ]}]}}, "ids.json")
    assert [f.id == r for f, r in zip(drawn.flows, recorded)] == kept
    assert len({f.id for f in drawn.flows}) == 2
    native_document(drawn)  # the game's JSON export can hold every id
