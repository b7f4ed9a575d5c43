"""OWASP Threat Dragon models, v1 and v2: the mapping, boundaries, flags, threats and errors."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from game.architecture import Architecture, ComponentType
from game.importers import ModelError, detect_format, load_architecture
from game.importers.threat_dragon import (
    CellRef,
    _Element,
    _innermost,
    _innermost_boxes,
    from_document,
    read_model,
    threats_of,
)

FIXTURES = Path(__file__).parent / "fixtures" / "threat-dragon"
V1 = "payslips-v1.json"
V2 = "claims-v2.json"


def document(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def load(name: str) -> Architecture:
    path = FIXTURES / name
    return load_architecture(path.read_bytes(), str(path))


def error_of(data: Any, source: str = "m.json") -> str:
    with pytest.raises(ModelError) as caught:
        from_document(data, source)
    return str(caught.value)


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize("name", [V1, V2])
def test_detected_and_loaded_through_the_importers_package(name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    assert detect_format(raw, name) == "threat-dragon"
    arch = load_architecture(raw, "x.json")
    assert arch.source_format == "threat-dragon"
    assert arch == from_document(json.loads(raw), "x.json")


def test_model_without_version_but_with_diagram_json_is_read_as_v1() -> None:
    data = document(V1)
    del data["version"]
    assert [c.id for c in from_document(data, "m.json").components][:2] == ["employee", "login-handler"]


# --------------------------------------------------------------------------- v2


def test_v2_elements_become_components_of_the_right_type() -> None:
    arch = load(V2)
    assert arch.name == "Expense claims"
    assert arch.description == "Staff submit expense claims."
    assert [(c.id, c.type) for c in arch.components] == [
        ("employee", ComponentType.ACTOR),
        ("claims-api-gateway", ComponentType.API_GATEWAY),  # named in the name
        ("submit-claim", ComponentType.LAMBDA),  # named in the description
        ("login", ComponentType.PROCESS),
        ("notify-approver", ComponentType.PROCESS),  # "Publishes to SNS": SNS is no process
        ("claims-table", ComponentType.DYNAMODB),
        ("receipts-s3-bucket", ComponentType.S3),
        ("db-credentials-secrets-manager", ComponentType.SECRETS_STORE),
        ("audit-log", ComponentType.STORE),
        ("archive", ComponentType.STORE),
        ("employee-2", ComponentType.ACTOR),  # the second diagram's Employee
        ("approve-claim", ComponentType.PROCESS),
    ]
    assert arch.component("employee").attr("kind") is None  # actor kind is left unknown
    assert arch.component("claims-api-gateway").name == "Claims API Gateway"
    location = arch.component("submit-claim").location
    assert location is not None and location.path == "detail.diagrams[0].cells[5]"


def test_v2_box_membership_is_by_centre_and_innermost_box_wins() -> None:
    arch = load(V2)
    assert [(b.id, b.name) for b in arch.boundaries] == [
        ("internet", "Internet"),
        ("aws-account", "AWS account"),
        ("data-tier", "Data tier"),
        ("vpc-edge", "VPC edge"),  # a line: a boundary without members
    ]
    assert arch.boundaries[1].description == "Production account"
    members = {c.id: c.boundary for c in arch.components}
    assert members["employee"] == "internet"
    assert members["claims-api-gateway"] == members["login"] == members["notify-approver"] == "aws-account"
    # the data tier lies inside the AWS account box: the smaller box wins
    assert members["claims-table"] == members["audit-log"] == members["db-credentials-secrets-manager"] == "data-tier"
    assert members["archive"] is None
    assert members["employee-2"] is None  # boxes belong to their own diagram
    assert not any(c.boundary == "vpc-edge" for c in arch.components)
    assert arch.crosses_boundary(arch.flow("submit-claim-2"))
    assert not arch.crosses_boundary(arch.flow("invoke"))


def _shape(td_type: str, box: tuple[float, float, float, float] | None) -> _Element:
    return _Element(diagram=0, path="", props_path="", cell_id="", td_type=td_type, name="", props={}, box=box)


@pytest.mark.parametrize("seed", range(40))
def test_box_matching_in_one_sweep_finds_what_trying_every_box_finds(seed: int) -> None:
    """Matching by trying every box for every node took 15 s for 10,000 nodes and 1,000 boxes. The sweep must
    find the same box: on a small grid of whole numbers centres often lie on edges, boxes nest, overlap, touch,
    repeat one another (the first drawn wins a tie) and have no width or a negative one."""
    rng = random.Random(seed)
    span = rng.choice([8, 20, 200])

    def rect(most: int) -> tuple[float, float, float, float]:
        w, h = rng.randint(-1, most), rng.randint(-1, most)
        return float(rng.randint(-2, span)), float(rng.randint(-2, span)), float(w), float(h)

    boxes = [_shape("tm.BoundaryBox", rect(span)) for _ in range(rng.randint(0, 60))]
    boxes += [_shape("tm.BoundaryBox", b.box) for b in rng.sample(boxes, min(5, len(boxes)))]  # drawn twice
    nodes = [_shape("tm.Process", rect(6) if rng.random() < 0.95 else None) for _ in range(rng.randint(0, 300))]
    if seed % 10 == 9:  # numbers the standard JSON parser takes and no geometry expects
        odd = [math.nan, math.inf, -math.inf, 1e308]
        nodes[0].box = (rng.choice(odd), 0.0, 1e308, 1.0) if nodes else None
        if seed % 20 == 19 and boxes:
            boxes[0].box = (0.0, 0.0, rng.choice(odd), math.inf)
    found = [_innermost(e, boxes) for e in nodes]
    assert any(found) or not boxes or seed % 10 == 9
    # by identity: a box drawn twice is equal to its copy, and only the first drawn may win
    assert [id(b) for b in _innermost_boxes(nodes, boxes)] == [id(b) for b in found]


def test_v2_flags_map_onto_vocabulary_and_false_is_unknown() -> None:
    arch = load(V2)
    login = arch.component("login")
    assert dict(login.attributes) == {
        "implements_auth": True,
        "web_application": True,
        "privilege_level": "claims-api role",
    }
    assert login.provenance["implements_auth"] == "detail.diagrams[0].cells[6].data.providesAuthentication"
    # Threat Dragon 2 writes false for every unticked box: not a fact
    assert arch.component("archive").attr("encrypted") is None
    assert arch.component("archive").attr("stores_credentials") is None
    audit = arch.component("audit-log")
    assert dict(audit.attributes) == {"is_log": True, "signed": True}
    secrets = arch.component("db-credentials-secrets-manager")
    assert dict(secrets.attributes) == {"kind": "secretsmanager", "data_class": "secret"}
    assert secrets.provenance["kind"] == "detail.diagrams[0].cells[10].data.name"
    # a Lambda has no web_application attribute; DynamoDB has no "encrypted" (AWS always encrypts)
    assert dict(arch.component("submit-claim").attributes) == {}
    assert dict(arch.component("claims-table").attributes) == {}


def test_v2_flows_carry_label_attributes_and_direction() -> None:
    arch = load(V2)
    assert [(f.id, f.source, f.target, f.kind) for f in arch.flows] == [
        ("submit-claim-2", "employee", "claims-api-gateway", None),
        ("invoke", "claims-api-gateway", "submit-claim", None),
        ("invoke-reverse", "submit-claim", "claims-api-gateway", None),  # isBidirectional
        ("store-claim", "submit-claim", "claims-table", "write"),
        ("read-receipt", "receipts-s3-bucket", "submit-claim", "read"),
        ("login-to-db-credentials-secrets-manager", "login", "db-credentials-secrets-manager", "write"),
        ("audit-event", "submit-claim", "audit-log", "write"),
        ("approve", "employee-2", "approve-claim", None),
    ]
    first = arch.flow("submit-claim-2")
    assert first.label == "Submit claim"
    assert dict(first.attributes) == {"encrypted": True, "public_network": True, "protocol": "HTTPS"}
    assert dict(arch.flow("invoke").attributes) == {}  # isEncrypted false in v2: unknown
    assert dict(arch.flow("audit-event").attributes) == {}  # a blank protocol is no protocol
    assert arch.flow("login-to-db-credentials-secrets-manager").label == ""


def _state_machine(workflow_type: object) -> Any:
    data = {"type": "tm.Process", "name": "Payroll run",
            "threatdeck": {"type": "step_functions", "attributes": {"workflow_type": workflow_type, "logging": "off"}}}
    cell = {"id": "m", "shape": "process", "position": {"x": 0, "y": 0}, "size": {"width": 80, "height": 80}, "data": data}
    return {"version": "2.3.0", "summary": {"title": "t"}, "detail": {"diagrams": [{"cells": [cell]}]}}


def test_a_recorded_workflow_type_is_read_back() -> None:
    machine = from_document(_state_machine("express"), "m.json").component("payroll-run")
    assert machine.type is ComponentType.STEP_FUNCTIONS
    assert machine.attr("workflow_type") == "express"
    assert machine.provenance["workflow_type"] == "detail.diagrams[0].cells[0].data.threatdeck.attributes.workflow_type"
    assert "workflow_type: expected one of standard, express" in error_of(_state_machine("EXPRESS"))


def test_v2_text_notes_and_loose_flows_are_left_out() -> None:
    arch = load(V2)
    assert not any(c.name == "Claims v2" for c in arch.components)
    assert not any(f.label == "Loose end" for f in arch.flows)


def test_out_of_scope_elements_are_kept_with_a_note() -> None:
    notify = load(V2).component("notify-approver")
    assert notify.description == "Publishes to SNS\n\nOut of scope in Threat Dragon: Run by the workflow team"


def test_v2_threats_are_kept_with_their_element() -> None:
    threats = threats_of(document(V2), "claims.json")
    assert [(t.element_id, t.title) for t in threats] == [
        ("claims-table", "Claim rewritten"),
        ("submit-claim-2", "Replay of a claim"),
        ("read-receipt", "Receipt swapped"),  # kept on the cell, where the published schema puts them
        (None, "Unattached flow"),  # its flow has a loose end and was not imported
    ]
    replay = threats[1]
    assert replay.category == "Spoofing"
    assert replay.status == "Open"
    assert replay.severity == "Medium"
    assert replay.description == "Replay of a claim: what could happen."
    assert replay.mitigation == "Replay of a claim: what we do."
    assert replay.score == "7.5"
    assert replay.model_type == "STRIDE"
    assert replay.threat_id == "t-f1-1"
    assert replay.number == 1
    assert replay.cell == CellRef(0, "f-1")
    assert replay.location.file == "claims.json"
    assert replay.location.path == "detail.diagrams[0].cells[15].data.threats[0]"
    assert threats[2].threat_id == "t-f4-1"  # schema spelling: threatId
    assert threats[2].score is None


def test_ids_map_back_to_cells_across_diagrams() -> None:
    model = read_model(document(V2), "claims.json")
    assert model.cells["employee"] == CellRef(0, "a-employee")
    assert model.cells["employee-2"] == CellRef(1, "a-employee")  # same cell id, other diagram
    assert model.cells["invoke"] == model.cells["invoke-reverse"] == CellRef(0, "f-2")
    assert model.cells["vpc-edge"] == CellRef(0, "b-curve")
    ids = [c.id for c in model.architecture.components] + [f.id for f in model.architecture.flows]
    ids += [b.id for b in model.architecture.boundaries]
    assert sorted(ids) == sorted(model.cells)


def test_import_is_deterministic() -> None:
    assert read_model(document(V2), "a.json") == read_model(document(V2), "a.json")


# --------------------------------------------------------------------------- v1


def test_v1_names_types_and_flags() -> None:
    arch = load(V1)
    assert arch.name == "Payslip portal"
    assert [(c.id, c.type, c.name) for c in arch.components] == [
        ("employee", ComponentType.ACTOR, "Employee"),
        ("login-handler", ComponentType.PROCESS, "Login handler"),  # the line break is layout
        ("payslip-lambda", ComponentType.LAMBDA, "Payslip Lambda"),
        ("payslip-files", ComponentType.S3, "Payslip files"),
        ("user-table", ComponentType.STORE, "User table"),
        ("audit-trail", ComponentType.STORE, "Audit trail"),
    ]
    assert dict(arch.component("login-handler").attributes) == {
        "implements_auth": True,
        "web_application": True,
        "privilege_level": "limited",
    }
    # v1 wrote only the flags an author set, so a false there is a fact
    assert dict(arch.component("user-table").attributes) == {
        "encrypted": False,
        "signed": False,
        "stores_credentials": True,
        "data_class": "secret",
    }
    assert dict(arch.component("audit-trail").attributes) == {"is_log": True, "signed": True}
    assert arch.component("audit-trail").description == "Out of scope in Threat Dragon: Owned by the security team."
    location = arch.component("employee").location
    assert location is not None and location.path == "detail.diagrams[0].diagramJson.cells[0]"


def test_v1_flows_and_line_boundaries() -> None:
    arch = load(V1)
    assert [(f.id, f.source, f.target, f.label, f.kind) for f in arch.flows] == [
        ("sign-in", "employee", "login-handler", "Sign in", None),
        ("check-password", "login-handler", "user-table", "Check password", "read"),  # said by its label
        ("payslip-pdf", "payslip-files", "payslip-lambda", "Payslip PDF", "read"),
        ("download-recorded", "payslip-lambda", "audit-trail", "Download recorded", "write"),
    ]
    assert dict(arch.flow("sign-in").attributes) == {"encrypted": True, "public_network": True, "protocol": "HTTPS"}
    assert dict(arch.flow("payslip-pdf").attributes) == {"public_network": False}
    assert [(b.id, b.name) for b in arch.boundaries] == [("trust-boundary", "Trust boundary")]
    assert all(c.boundary is None for c in arch.components)


def test_v1_threats() -> None:
    threats = threats_of(document(V1), "payslips.json")
    assert [(t.element_id, t.title, t.status, t.severity, t.category) for t in threats] == [
        ("login-handler", "Password guessing", "Open", "High", "Spoofing"),
        ("payslip-files", "Guessable keys", "Mitigated", "Medium", "Information disclosure"),
        ("sign-in", "Credential interception", "Mitigated", "High", "Information disclosure"),
    ]
    assert threats[1].score == "6.5"
    assert threats[0].model_type == "STRIDE"  # from the diagram type: v1 threats have none
    assert threats[0].threat_id is None and threats[0].number is None
    assert threats[0].location.path == "detail.diagrams[0].diagramJson.cells[1].threats[0]"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("v1-missing-cells.json",
         "v1-missing-cells.json: detail.diagrams[0].diagramJson.cells: is missing; expected a list of cells"),
        ("v2-missing-cells.json",
         "v2-missing-cells.json: detail.diagrams: no actors, processes or stores in any diagram; "
         "nothing to threat-model"),
        ("v2-flow-to-missing-cell.json",
         "v2-flow-to-missing-cell.json: detail.diagrams[0].cells[1].target.cell: names no element of this "
         "diagram ('process-gone'); expected the id of an actor, process or store"),
        ("v2-wrong-types.json",
         "v2-wrong-types.json: detail.diagrams[0].cells[0].data.isEncrypted: expected true or false"),
    ],
)
def test_malformed_fixtures_give_clear_errors(name: str, expected: str) -> None:
    with pytest.raises(ModelError) as caught:
        load_architecture((FIXTURES / name).read_bytes(), name)
    assert str(caught.value) == expected
    assert "Traceback" not in str(caught.value)


def test_errors_name_the_path_and_what_was_expected() -> None:
    data = document(V2)
    data["detail"]["diagrams"][0]["cells"][4]["data"]["type"] = "tm.Database"
    assert error_of(data) == (
        "m.json: detail.diagrams[0].cells[4].data.type: unknown element type 'tm.Database'; expected one of "
        "tm.Actor, tm.Process, tm.Store, tm.Flow, tm.Boundary, tm.BoundaryBox, tm.Text"
    )

    data = document(V2)
    del data["detail"]["diagrams"][0]["cells"][4]["data"]
    assert error_of(data) == (
        "m.json: detail.diagrams[0].cells[4].data: is missing; expected the element's properties "
        "(an object with a type)"
    )

    data = document(V2)
    data["detail"]["diagrams"][0]["cells"][5]["position"] = {"x": "10", "y": 3}
    assert error_of(data) == "m.json: detail.diagrams[0].cells[5].position.x: expected a number"

    data = document(V2)
    data["detail"]["diagrams"][0]["cells"][8]["data"]["threats"][0]["title"] = 7
    assert error_of(data) == "m.json: detail.diagrams[0].cells[8].data.threats[0].title: expected the threat's title"

    data = document(V2)
    data["detail"]["diagrams"][0]["cells"][3]["id"] = "b-aws"
    assert error_of(data) == "m.json: detail.diagrams[0].cells[3].id: cell id 'b-aws' is used twice in this diagram"

    data = document(V2)
    del data["detail"]["diagrams"][0]["cells"][0]["size"]
    assert error_of(data) == (
        "m.json: detail.diagrams[0].cells[0]: a trust boundary box needs a position {x, y} and a size {width, height}"
    )

    data = document(V2)
    data["detail"]["diagrams"][0]["cells"][15]["target"] = {"cell": "b-aws"}
    assert error_of(data) == (
        "m.json: detail.diagrams[0].cells[15].target.cell: names a tm.BoundaryBox ('b-aws'); "
        "expected the id of an actor, process or store"
    )

    data = document(V2)
    data["detail"]["diagrams"][0]["cells"][6]["data"]["privilegeLevel"] = "x" * 300
    assert error_of(data) == (
        "m.json: detail.diagrams[0].cells[6].data.privilegeLevel: expected a text of 1 to 256 characters "
        "(for privilege_level)"
    )


def test_several_problems_are_counted() -> None:
    data = document(V2)
    cells = data["detail"]["diagrams"][0]["cells"]
    cells[3]["data"]["name"] = 1
    cells[4]["data"]["outOfScope"] = "no"
    cells[5]["data"]["isWebApplication"] = 1
    assert error_of(data) == "m.json: detail.diagrams[0].cells[3].data.name: expected a text (and 2 more problems)"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], "m.json: expected a Threat Dragon model (an object with 'summary' and 'detail')"),
        ({"version": "3.0.0", "summary": {}, "detail": {}},
         "m.json: version: expected a Threat Dragon version 1.x or 2.x, found '3.0.0'"),
        ({"version": 2, "summary": {}, "detail": {}}, "m.json: version: expected a text such as \"2.3.0\""),
        ({"version": "2.3.0", "summary": {"title": "t"}},
         "m.json: detail: is missing; expected the model detail (an object with diagrams)"),
        ({"version": "2.3.0", "summary": "t", "detail": {"diagrams": []}}, "m.json: summary: expected an object"),
        ({"version": "2.3.0", "summary": {}, "detail": {"diagrams": {}}},
         "m.json: detail.diagrams: expected a list of diagrams"),
        ({"version": "2.3.0", "summary": {}, "detail": {"diagrams": [{"cells": [3]}]}},
         "m.json: detail.diagrams[0].cells[0]: expected an object"),
    ],
)
def test_structural_errors(data: Any, expected: str) -> None:
    assert error_of(data) == expected


def test_unknown_fields_are_tolerated() -> None:
    data = document(V2)
    data["extension"] = {"anything": [1, 2]}
    data["detail"]["diagrams"][0]["cells"][3]["data"]["futureFlag"] = "maybe"
    data["detail"]["diagrams"][0]["cells"][3]["tools"] = ["button-remove"]
    assert from_document(data, "m.json") == from_document(document(V2), "m.json")


def test_ids_of_many_cells_of_one_name_take_a_step_each() -> None:
    """Ids made from names resume counting where the last one of that name stopped (a 1 MB model of cells
    named alike used to cost tens of seconds, counting up from 2 for every cell)."""
    from game.importers.threat_dragon import _Reader

    class Counting(set[str]):
        checks = 0

        def __contains__(self, item: object) -> bool:
            Counting.checks += 1
            return super().__contains__(item)

    reader = _Reader({}, "model.json")
    reader.taken = Counting({"api-3"})
    ids = [reader.claim("API", "process") for _ in range(2_000)]
    assert ids[:4] == ["api", "api-2", "api-4", "api-5"]
    assert len(set(ids)) == 2_000
    assert Counting.checks <= 2 * 2_000 + 1


@pytest.mark.parametrize(("limit", "value", "expected"), [
    ("MAX_COMPONENTS", 11, "has 12 actors, processes and stores; the limit is 11"),
    ("MAX_BOUNDARIES", 3, "has 4 trust boundaries; the limit is 3"),
    ("MAX_FLOWS", 7, "has 8 data flows (a two-way flow counts twice); the limit is 7"),
])
def test_no_more_elements_than_any_architecture_may_have(monkeypatch: pytest.MonkeyPatch, limit: str, value: int,
                                                         expected: str) -> None:
    # A file may be large enough to hold threatdeck's export of the largest game, so the counts are bounded too
    # (boxes are matched with every node): the claims fixture has 12 nodes, 4 boundaries and 8 flows.
    from game.importers import threat_dragon

    monkeypatch.setattr(threat_dragon, limit, value)
    with pytest.raises(ModelError) as caught:
        from_document(document(V2), "claims.json")
    assert caught.value.path == "detail.diagrams" and caught.value.message == expected
    monkeypatch.setattr(threat_dragon, limit, value + 1)
    assert from_document(document(V2), "claims.json") == from_document(document(V2), "claims.json")


def test_a_flow_out_of_a_queue_topic_or_event_bus_is_an_event_not_a_read() -> None:
    """An SQS queue, SNS topic or EventBridge bus invokes its consumer: the rules on event-source permissions
    (which look for invoke or event flows) must not answer "does not hold" because the flow was taken for a read."""
    doc = document(V2)
    for cell in doc["detail"]["diagrams"][0]["cells"]:
        if cell.get("data", {}).get("name") == "Receipts S3 bucket":
            cell["data"]["name"] = "Receipts SQS queue"
    arch = from_document(doc, "m.json")
    queue = next(c for c in arch.components if c.type is ComponentType.SQS)
    flows = [(f.source, f.kind) for f in arch.flows if queue.id in (f.source, f.target)]
    assert flows == [(queue.id, "event")]
    # A bucket keeps its read, and writes into any store stay writes.
    assert load(V2).flow("read-receipt").kind == "read"


def _notes(n: int) -> list[dict[str, Any]]:
    return [{"id": f"note-{i}", "data": {"type": "tm.Text", "name": "a note"}} for i in range(n)]


ACTOR = {"id": "a", "data": {"type": "tm.Actor", "name": "Employee"}}


@pytest.mark.parametrize(("limit", "value", "model", "expected"), [
    ("MAX_DIAGRAMS", 3, {"detail": {"diagrams": [{"cells": [ACTOR]}, {}, {}, 5]}},
     "has 4 diagrams; the limit is 3"),
    ("MAX_CELLS", 5, {"detail": {"diagrams": [{"cells": [ACTOR, *_notes(3)]}, {"cells": [*_notes(1), 3]}]}},
     "has 6 cells (elements and notes); the limit is 5"),
    ("MAX_CELLS", 5, {"version": "1.6.0", "detail": {"diagrams": [
        {"diagramJson": {"cells": [{"id": "a", "type": "tm.Actor"}, *[{"id": f"n{i}", "type": "tm.Text"} for i in range(4)], 3]}}]}},
     "has 6 cells (elements and notes); the limit is 5"),
    ("MAX_THREATS", 4, {"detail": {"diagrams": [{"cells": [
        {**ACTOR, "data": {**ACTOR["data"], "threats": [{"title": "t"}] * 2}, "threats": [{"title": "t"}] * 2},
        {"id": "b", "data": {"type": "tm.Actor", "threats": [{"title": "t"}, 3]}}]}]}},
     "has 6 threats; the limit is 4"),
    ("MAX_THREATS", 2, {"version": "1.6.0", "detail": {"diagrams": [{"diagramJson": {"cells": [
        {"id": "a", "type": "tm.Actor", "threats": [{"title": "t"}, {"title": "t"}, 3]}]}}]}},
     "has 3 threats; the limit is 2"),
])
def test_diagrams_cells_and_threats_are_counted_before_they_are_checked(
        monkeypatch: pytest.MonkeyPatch, limit: str, value: int, model: dict[str, Any], expected: str) -> None:
    """Free-text notes and threats had no limit, and every one went through the schemas: a file as large as
    threatdeck scan reads (42 MB) of notes took 130 s and 1 GB, of threats 185 s and 3 GB. Each model's last item
    is one the schemas refuse, so the count is what answers."""
    from game.importers import threat_dragon

    monkeypatch.setattr(threat_dragon, limit, value)
    with pytest.raises(ModelError) as caught:
        from_document({"version": "2.3.0", "summary": {"title": "t"}, **model}, "m.json")
    assert (caught.value.path, caught.value.message) == ("detail.diagrams", expected)


def test_the_count_limits_leave_room_for_every_element_an_architecture_may_have() -> None:
    from game.importers.documents import MAX_BOUNDARIES, MAX_COMPONENTS, MAX_FLOWS
    from game.importers.threat_dragon import MAX_CELLS

    assert MAX_CELLS >= MAX_COMPONENTS + MAX_FLOWS + MAX_BOUNDARIES


def test_shapes_the_schemas_refuse_are_not_counted_but_reported() -> None:
    for detail, expected in [
        ({"diagrams": [{"diagramJson": [1]}]}, "detail.diagrams[0].diagramJson: expected an object"),
        ({"diagrams": [{"cells": {"a": 1}}]}, "detail.diagrams[0].cells: expected a list of cells"),
        ({"diagrams": [{"cells": [{"id": "a", "data": {"type": "tm.Actor", "threats": {}}}]}]},
         "detail.diagrams[0].cells[0].data.threats: expected a list of threats"),
    ]:
        version = "1.6.0" if "diagramJson" in detail["diagrams"][0] else "2.3.0"
        assert error_of({"version": version, "summary": {}, "detail": detail}) == f"m.json: {expected}"


def test_a_model_of_more_threats_than_the_limit_is_refused_at_the_real_limit() -> None:
    from game.importers.threat_dragon import MAX_THREATS

    threats = [{"title": "t"}] * MAX_THREATS + [3]  # the last one is not even a threat: only the count is read
    model = {"version": "2.3.0", "summary": {"title": "t"},
             "detail": {"diagrams": [{"cells": [{**ACTOR, "data": {**ACTOR["data"], "threats": threats}}]}]}}
    assert error_of(model) == f"m.json: detail.diagrams: has {MAX_THREATS + 1:,} threats; the limit is {MAX_THREATS:,}"


def test_names_and_descriptions_are_cut_to_what_the_native_format_holds() -> None:
    """Threat Dragon has no limit on texts; the native format, in which every result file carries its
    architecture, has. A game on a model with one 300-character name wrote a result that threatdeck export, diff
    and play --previous refused ("components[0].name: Length must be between 1 and 200")."""
    from game.exports.native import native_document
    from game.importers import native

    long_name, long_text = "Payslip " * 40, "Holds payslips. " * 200
    box = {"id": "b", "shape": "trust-boundary-box", "position": {"x": 0, "y": 0}, "size": {"width": 500, "height": 500},
           "data": {"type": "tm.BoundaryBox", "name": long_name, "description": long_text}}
    cells = [
        box,
        {"id": "s", "data": {"type": "tm.Store", "name": long_name, "description": long_text}},
        {"id": "p", "data": {"type": "tm.Process", "name": "Lambda " + long_name, "description": long_text,
                             "outOfScope": True, "reasonOutOfScope": "not ours " * 200}},
        {"id": "q", "data": {"type": "tm.Process", "name": "x", "description": long_text, "outOfScope": True}},
        {"id": "f", "data": {"type": "tm.Flow", "name": long_name}, "source": {"cell": "p"}, "target": {"cell": "s"}},
    ]
    arch = from_document({"version": "2.3.0", "summary": {"title": long_name, "description": long_text},
                          "detail": {"diagrams": [{"cells": cells}]}}, "m.json")
    names = [arch.name, *(c.name for c in arch.components if c.id != "x"), *(b.name for b in arch.boundaries),
             *(f.label for f in arch.flows)]
    texts = [arch.description, *(c.description for c in arch.components), *(b.description for b in arch.boundaries)]
    assert [len(n) for n in names] == [200] * 5 and all(n.endswith("…") for n in names)
    assert [len(t) for t in texts] == [2_000] * 5
    store, process, plain = (arch.component(i) for i in ("payslip-payslip-payslip-payslip-payslip-payslip",
                                                           "lambda-payslip-payslip-payslip-payslip-payslip", "x"))
    assert store.name == long_name[:199] + "…" and process.type is ComponentType.LAMBDA
    assert process.description.startswith("Holds payslips.") and "\n\nOut of scope in Threat Dragon: not ours" in process.description
    assert process.description.endswith("…") and plain.description.endswith("\n\nOut of scope in Threat Dragon.")
    back = native.from_document(native_document(arch), "again.json")  # as a result file reads it
    assert [(c.name, c.description) for c in back.components] == [(c.name, c.description) for c in arch.components]
