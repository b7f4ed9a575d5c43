"""Threat Dragon files written by threatdeck: the ``data.threatdeck`` object keeps ids, types and attributes."""

from __future__ import annotations

from typing import Any

import pytest

from game.architecture import ComponentType
from game.importers import ModelError
from game.importers.threat_dragon import from_document, read_model


def node(cell_id: str, td_type: str, name: str, x: float, block: dict[str, Any] | None = None,
         **flags: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"type": td_type, "name": name, "hasOpenThreats": False, **flags}
    if block is not None:
        data["threatdeck"] = block
    shape = {"tm.Actor": "actor", "tm.Process": "process", "tm.Store": "store"}[td_type]
    return {"id": cell_id, "shape": shape, "zIndex": 1, "position": {"x": x, "y": 0},
            "size": {"width": 100, "height": 100}, "data": data}


def flow(cell_id: str, source: str, target: str, name: str, block: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "tm.Flow", "name": name, "hasOpenThreats": False}
    if block is not None:
        data["threatdeck"] = block
    return {"id": cell_id, "shape": "flow", "zIndex": 2, "source": {"cell": source}, "target": {"cell": target}, "data": data}


def model(*cells: dict[str, Any]) -> dict[str, Any]:
    return {"version": "2.3.0", "summary": {"title": "Recorded"},
            "detail": {"diagrams": [{"title": "d", "diagramType": "STRIDE", "cells": list(cells)}]}}


def test_recorded_ids_types_and_attributes_win() -> None:
    doc = model(
        node("c1", "tm.Process", "Lambda login", 0, {"id": "LoginApi", "type": "api_gateway",
                                                       "attributes": {"authorizer": "none", "throttling": False}}),
        node("c2", "tm.Store", "Secrets", 300, {"id": "Vault", "type": "store", "attributes": {"data_class": "pii"}},
             storesCredentials=True),
        flow("f1", "c1", "c2", "reads", {"id": "LoginApi", "data_class": "secret", "kind": "read", "async": False,
                                         "attributes": {"encrypted": True}}),
    )
    arch = from_document(doc, "recorded.json")
    api, vault = arch.components
    assert (api.id, api.type, dict(api.attributes)) == ("LoginApi", ComponentType.API_GATEWAY,
                                                        {"authorizer": "none", "throttling": False})
    assert api.name == "Lambda login"  # the name is still the drawing's
    assert vault.id == "Vault" and vault.type is ComponentType.STORE
    assert vault.attributes["data_class"] == "pii"  # recorded wins over storesCredentials
    assert vault.attributes["stores_credentials"] is True  # a ticked box still adds what it says
    (f,) = arch.flows
    assert (f.id, f.source, f.target, f.data_class, f.kind, f.is_async, dict(f.attributes)) == (
        "LoginApi", "LoginApi", "Vault", "secret", "read", False, {"encrypted": True})
    cells = read_model(doc, "recorded.json").cells
    assert cells["LoginApi"].cell_id == "c1"  # the component keeps the id's cell; the flow shares the id


def test_without_the_object_ids_are_slugs_as_before() -> None:
    arch = from_document(model(node("c1", "tm.Process", "Lambda login", 0), node("c2", "tm.Store", "Secrets", 300)), "plain.json")
    assert [(c.id, c.type) for c in arch.components] == [("lambda-login", ComponentType.LAMBDA), ("secrets", ComponentType.STORE)]


def test_a_recorded_id_is_kept_once_per_kind_and_slugs_avoid_it() -> None:
    arch = from_document(model(
        node("c1", "tm.Process", "Api", 0, {"id": "api"}),
        node("c2", "tm.Process", "Other", 200, {"id": "api"}),
        node("c3", "tm.Process", "Api", 400),
        node("c4", "tm.Process", "Weird", 600, {"id": "has space"}),
    ), "dupes.json")
    assert [c.id for c in arch.components] == ["api", "other", "api-2", "weird"]


@pytest.mark.parametrize(
    ("block", "path", "message"),
    [
        ({"id": "X", "type": "mainframe"}, "detail.diagrams[0].cells[0].data.threatdeck.type", "unknown component type"),
        ({"id": "X", "type": "s3", "attributes": {"pitr": True}}, "detail.diagrams[0].cells[0].data.threatdeck.attributes.pitr", "no such attribute"),
        ({"id": "X", "type": "s3", "attributes": {"versioning": "yes"}}, "detail.diagrams[0].cells[0].data.threatdeck.attributes.versioning", "true or false"),
        ({"id": "X", "attributes": "lots"}, "detail.diagrams[0].cells[0].data.threatdeck.attributes", "expected an object"),
    ],
)
def test_a_bad_recorded_object_names_its_path(block: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(ModelError) as err:
        from_document(model(node("c1", "tm.Store", "Bucket", 0, block)), "bad.json")
    assert err.value.path == path
    assert message in err.value.message


def test_a_bad_recorded_flow_names_its_path() -> None:
    doc = model(node("c1", "tm.Actor", "User", 0), node("c2", "tm.Process", "Api", 300),
                flow("f1", "c1", "c2", "calls", {"id": "u-a", "kind": "teleport"}))
    with pytest.raises(ModelError) as err:
        from_document(doc, "bad.json")
    assert err.value.path == "detail.diagrams[0].cells[2].data.threatdeck.kind"


def test_a_flow_recorded_without_a_kind_is_not_guessed_from_its_arrow() -> None:
    # threatdeck draws reads towards the store too, so a kind it left out is unknown, not a write
    doc = model(node("c1", "tm.Process", "Auth", 0, {"id": "AuthFunction", "type": "lambda"}),
                node("c2", "tm.Store", "Employees", 300, {"id": "EmployeesTable", "type": "dynamodb"}),
                flow("f1", "c1", "c2", "look up password hash", {"id": "AuthFunction->EmployeesTable"}))
    (f,) = from_document(doc, "older-export.json").flows
    assert (f.source, f.target, f.kind) == ("AuthFunction", "EmployeesTable", None)


def test_the_reverse_of_a_bidirectional_flow_is_never_a_write_out_of_a_store() -> None:
    # The recorded kind is the drawn direction's; ticking "bidirectional" in Threat Dragon adds data coming back.
    doc = model(
        node("c1", "tm.Process", "Admin", 0, {"id": "AdminFunction", "type": "lambda"}),
        node("c2", "tm.Store", "Payslips", 300, {"id": "PayslipsTable", "type": "dynamodb"}),
        node("c3", "tm.Process", "Api", 600, {"id": "Api", "type": "api_gateway"}),
        flow("f1", "c1", "c2", "add payslip item", {"id": "AdminFunction->PayslipsTable", "kind": "write"}),
        flow("f2", "c3", "c1", "calls", {"id": "Api->AdminFunction", "kind": "invoke"}),
    )
    for cell in doc["detail"]["diagrams"][0]["cells"][3:]:
        cell["data"]["isBidirectional"] = True
    kinds = {(f.source, f.target): f.kind for f in from_document(doc, "ticked.json").flows}
    assert kinds == {
        ("AdminFunction", "PayslipsTable"): "write",
        ("PayslipsTable", "AdminFunction"): "read",  # data leaving the store
        ("Api", "AdminFunction"): "invoke",
        ("AdminFunction", "Api"): None,  # a reply is no invocation, and two processes tell nothing more
    }


@pytest.mark.parametrize(("label", "protocol", "kind"), [
    ("query claims", "", "read"), ("GetItem", "", "read"), ("look up password hash", "", "read"),
    ("Fetch / list receipts", "", "read"), ("load config", "", "read"), ("", "SQL SELECT", "read"),
    ("save claim", "", "write"), ("PutObject", "", "write"), ("update or delete", "", "write"),
    ("", "", "write"),  # nothing said: an arrow into a store is still a write
    ("get then update", "", "write"),  # both said: the arrow decides
    ("claims", "HTTPS", "write"), ("Download recorded", "", "write"),
])
def test_an_arrow_into_a_store_is_a_read_when_its_label_says_so(label: str, protocol: str, kind: str) -> None:
    """Requests are often drawn towards the store whatever they do ("query", "GetItem"): every arrow into a store
    was taken for a write, so a function that only reads a table was judged as writing it."""
    doc = model(node("c1", "tm.Process", "Claims function", 0), node("c2", "tm.Store", "Claims table", 300),
                flow("f1", "c1", "c2", label))
    doc["detail"]["diagrams"][0]["cells"][2]["data"]["protocol"] = protocol
    (f,) = from_document(doc, "drawn.json").flows
    assert (f.source, f.target, f.kind) == ("claims-function", "claims-table", kind)


def test_an_arrow_out_of_a_store_keeps_its_direction_whatever_its_label() -> None:
    # Data leaving a store is read by what it reaches (or delivered to it, from a queue): a write-sounding label
    # does not turn the arrow round. Both directions of a two-way "query" are reads.
    doc = model(node("c1", "tm.Process", "Claims function", 0), node("c2", "tm.Store", "Claims table", 300),
                node("c3", "tm.Store", "Claims SQS queue", 600),
                flow("f1", "c2", "c1", "save claim"), flow("f2", "c3", "c1", "read message"),
                flow("f3", "c1", "c2", "query"))
    doc["detail"]["diagrams"][0]["cells"][5]["data"]["isBidirectional"] = True
    kinds = [(f.source, f.target, f.kind) for f in from_document(doc, "drawn.json").flows]
    assert kinds == [("claims-table", "claims-function", "read"), ("claims-sqs-queue", "claims-function", "event"),
                     ("claims-function", "claims-table", "read"), ("claims-table", "claims-function", "read")]


@pytest.mark.parametrize("recorded", ["write", None])
def test_a_recorded_kind_wins_over_the_label(recorded: str | None) -> None:
    doc = model(node("c1", "tm.Process", "Auth", 0, {"id": "AuthFunction", "type": "lambda"}),
                node("c2", "tm.Store", "Employees", 300, {"id": "EmployeesTable", "type": "dynamodb"}),
                flow("f1", "c1", "c2", "query", {"id": "AuthFunction->EmployeesTable", "kind": recorded}))
    (f,) = from_document(doc, "exported.json").flows
    assert f.kind == recorded
