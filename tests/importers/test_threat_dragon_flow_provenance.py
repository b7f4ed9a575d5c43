"""Threat Dragon flows record where each attribute came from, as components do, and a card's reason names it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cards import load_deck
from game.importers import load_architecture
from game.importers.threat_dragon import from_document
from game.predicates import Graph, Truth
from game.rules import judge

FIXTURES = Path(__file__).parent / "fixtures" / "threat-dragon"


def _node(cell_id: str, shape: str, td_type: str, name: str, x: int) -> dict[str, Any]:
    return {"id": cell_id, "shape": shape, "position": {"x": x, "y": 0}, "size": {"width": 80, "height": 80},
            "data": {"type": td_type, "name": name}}


def _model(flow: dict[str, Any]) -> Any:
    """Two boundaries apart, a user and a function, joined by one flow with the given data."""
    cells = [
        {"id": "b-net", "shape": "trust-boundary-box", "position": {"x": -10, "y": -10}, "size": {"width": 100, "height": 100},
         "data": {"type": "tm.BoundaryBox", "name": "Internet"}},
        {"id": "b-aws", "shape": "trust-boundary-box", "position": {"x": 290, "y": -10}, "size": {"width": 100, "height": 100},
         "data": {"type": "tm.BoundaryBox", "name": "AWS"}},
        _node("u", "actor", "tm.Actor", "Employee", 0),
        _node("p", "process", "tm.Process", "Upload Lambda", 300),
        {"id": "f", "shape": "flow", "source": {"cell": "u"}, "target": {"cell": "p"},
         "data": {"type": "tm.Flow", "name": "Upload payslip", **flow}},
    ]
    return {"version": "2.3.0", "summary": {"title": "t"}, "detail": {"diagrams": [{"cells": cells}]}}


def test_each_flag_of_a_flow_names_its_cell_and_property() -> None:
    path = FIXTURES / "claims-v2.json"
    flow = load_architecture(path.read_bytes(), str(path)).flow("submit-claim-2")
    assert dict(flow.provenance) == {
        "encrypted": "detail.diagrams[0].cells[15].data.isEncrypted",
        "public_network": "detail.diagrams[0].cells[15].data.isPublicNetwork",
        "protocol": "detail.diagrams[0].cells[15].data.protocol",
    }


def test_a_v1_flow_names_its_diagram_json_cell() -> None:
    path = FIXTURES / "payslips-v1.json"
    arch = load_architecture(path.read_bytes(), str(path))
    assert dict(arch.flow("payslip-pdf").provenance) == {"public_network": "detail.diagrams[0].diagramJson.cells[9].isPublicNetwork"}
    assert dict(arch.flow("check-password").provenance) == {}  # nothing stated, nothing to name


def test_the_way_back_of_a_two_way_flow_names_the_same_cell() -> None:
    arch = from_document(_model({"isBidirectional": True, "isEncrypted": True, "protocol": "HTTPS"}), "m.json")
    there, back = arch.flows
    assert there.provenance == back.provenance == {
        "encrypted": "detail.diagrams[0].cells[4].data.isEncrypted",
        "protocol": "detail.diagrams[0].cells[4].data.protocol",
    }


def test_what_threatdeck_recorded_wins_and_names_its_own_path() -> None:
    recorded = {"isEncrypted": True, "isPublicNetwork": True, "threatdeck": {"attributes": {"encrypted": False}}}
    flow = from_document(_model(recorded), "m.json").flows[0]
    assert flow.attributes["encrypted"] is False
    assert flow.provenance["encrypted"] == "detail.diagrams[0].cells[4].data.threatdeck.attributes.encrypted"
    assert flow.provenance["public_network"] == "detail.diagrams[0].cells[4].data.isPublicNetwork"


def test_a_cards_reason_names_the_flag_it_read() -> None:
    card = load_deck().card("T9")
    plain = from_document(_model({"threatdeck": {"attributes": {"encrypted": False}}}), "m.json")
    verdict = judge(card, plain.flows[0], Graph(plain))
    assert verdict.truth is Truth.HOLDS
    assert "encrypted is false (detail.diagrams[0].cells[4].data.threatdeck.attributes.encrypted)" in verdict.reason
    tls = from_document(_model({"isEncrypted": True}), "m.json")
    verdict = judge(card, tls.flows[0], Graph(tls))
    assert verdict.truth is Truth.DOES_NOT_HOLD
    assert "encrypted is true (detail.diagrams[0].cells[4].data.isEncrypted)" in verdict.reason
