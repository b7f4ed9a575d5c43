"""The native format: what it builds, and the errors it gives for bad files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from game.architecture import ComponentType
from game.importers import ModelError, detect_format, load_architecture

FIXTURES = Path(__file__).parent / "fixtures" / "native"


def load(name: str):  # type: ignore[no-untyped-def]
    path = FIXTURES / name
    return load_architecture(path.read_bytes(), str(path))


def test_builds_components_flows_and_boundaries() -> None:
    arch = load("shop.yaml")
    assert arch.name == "Tiny shop"
    assert [c.id for c in arch.components] == ["Customer", "ShopApi", "OrderFunction", "SharedRole", "OrdersTable"]
    fn = arch.component("OrderFunction")
    assert fn.type is ComponentType.LAMBDA
    assert fn.attr("role") == "SharedRole"
    assert fn.attr("timeout_s") == 30
    assert fn.attr("tracing") is None  # left out: unknown, not false
    assert fn.boundary == "aws"
    assert fn.location is not None and fn.location.line == 16
    assert [f.id for f in arch.flows] == [
        "Customer->ShopApi",
        "ShopApi->OrderFunction",
        "OrderFunction->OrdersTable",
        "OrderFunction->OrdersTable#2",
    ]
    assert arch.flows[0].data_class == "pii"
    assert arch.flows[1].is_async is False
    assert arch.flows[2].attributes["encrypted"] is True
    assert arch.crosses_boundary(arch.flows[0]) and not arch.crosses_boundary(arch.flows[1])


def test_a_state_machine_says_its_workflow_type() -> None:
    text = "threatdeck: 1\nname: x\ncomponents: [{id: M, type: step_functions, attributes: {workflow_type: express}}]\n"
    assert load_architecture(text.encode(), "m.yaml").component("M").attr("workflow_type") == "express"


def test_json_is_accepted_too() -> None:
    text = '{"threatdeck": 1, "name": "j", "components": [{"id": "A", "type": "s3", "attributes": {"versioning": true}}]}'
    arch = load_architecture(text.encode(), "m.json")
    assert arch.component("A").attr("versioning") is True
    assert detect_format(text) == "native"


BAD = [
    ("threatdeck: 1\nname: x\ncomponents: []\n", "components: Length must be between 1 and 10000."),
    ("threatdeck: 2\nname: x\ncomponents: [{id: A, type: s3}]\n", "threatdeck: expected 1 (the only format version)"),
    ("threatdeck: 1\ncomponents: [{id: A, type: s3}]\n", "name: required field is missing"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: bucket}]\n", "components[0].type: Must be one of"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: s3, attributes: {versioning: 'yes'}}]\n",
     "components[0].attributes.versioning: expected true or false"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: s3, attributes: {authorizer: none}}]\n",
     "components[0].attributes.authorizer: s3 has no attribute 'authorizer'"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: lambda, attributes: {timeout_s: 0}}]\n",
     "components[0].attributes.timeout_s: expected a whole number of at least 1"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: step_functions, attributes: {workflow_type: EXPRESS}}]\n",
     "components[0].attributes.workflow_type: expected one of standard, express"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: lambda, attributes: {workflow_type: express}}]\n",
     "components[0].attributes.workflow_type: lambda has no attribute 'workflow_type'"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: s3}, {id: A, type: s3}]\n", "component id 'A' is used twice"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: s3}]\nflows: [{source: A, target: B}]\n", "flow 'A->B' names unknown component 'B'"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: s3, boundary: zz}]\n", "component 'A' names unknown boundary 'zz'"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: s3}]\nflows: [{source: A, target: A, async: 'no'}]\n", "flows[0].async"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: s3}]\nflows: [{source: A, target: A, attributes: {colour: red}}]\n",
     "flows[0].attributes.colour: flows have no attribute 'colour'"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: 'a b', type: s3}]\n", "components[0].id: expected an id"),
    ("threatdeck: 1\nname: x\ncomponents: [{id: A, type: s3, extra: 1}]\n", "components[0].extra: unknown field"),
    ("threatdeck: 1\nname: [unclosed\n", "not valid YAML"),
    ("just: a mapping\n", "not a threatdeck model"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_files_name_the_file_the_path_and_what_was_expected(text: str, expected: str) -> None:
    with pytest.raises(ModelError) as err:
        load_architecture(text.encode(), "models/bad.yaml")
    message = str(err.value)
    assert message.startswith("models/bad.yaml: ")
    assert expected in message
    assert "\n" not in message and "Traceback" not in message


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ['threatdeck: 1', 'name: x', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(ModelError, match="alias bomb"):
        load_architecture("\n".join(lines).encode(), "bomb.yaml")


@pytest.mark.parametrize("tail", ["name: &x [*x]", "name: &x {a: *x}", "name: &x [[{a: [1, *x]}]]",
                                  "name: &x [&y [*y]]"])
def test_a_document_that_holds_itself_is_refused(tail: str) -> None:
    """The safe loader builds ``&x [*x]`` as a list that holds itself; the check for half surrogate pairs then
    walked it for ever (``threatdeck scan`` hung on a four-line file)."""
    from game.importers.documents import check_yaml

    text = f"threatdeck: 1\ncomponents: [{{id: A, type: s3}}]\n{tail}\n"
    with pytest.raises(ModelError, match=r"the alias \*[xy] is inside the node it repeats"):
        check_yaml(text, "self.yaml")  # before anything is built
    with pytest.raises(ModelError, match="line 3: the alias"):
        load_architecture(text.encode(), "self.yaml")


def test_an_alias_after_the_node_it_repeats_is_not_refused() -> None:
    arch = load_architecture(b"threatdeck: 1\nname: &n shop\ndescription: *n\n"
                             b"components:\n  - &a {id: A, type: s3, attributes: &at {versioning: true}}\n"
                             b"  - {id: B, type: s3, attributes: *at}\n", "aliases.yaml")
    assert arch.description == "shop" and arch.component("B").attr("versioning") is True


def test_python_object_tag_is_refused() -> None:
    text = "threatdeck: 1\nname: !!python/object/apply:os.system ['echo pwned']\ncomponents: []\n"
    with pytest.raises(ModelError, match="unsupported YAML tag"):
        load_architecture(text.encode(), "evil.yaml")


def test_oversized_input_is_refused_before_parsing() -> None:
    blob = b"threatdeck: 1\n" + b"#" * (11 * 1024 * 1024)
    with pytest.raises(ModelError, match="the limit is"):
        load_architecture(blob, "huge.yaml")


def test_deeply_nested_json_is_refused() -> None:
    with pytest.raises(ModelError, match="nested too deeply"):
        load_architecture(b'{"threatdeck": ' + b"[" * 200_000, "deep.json")


def test_non_utf8_is_refused() -> None:
    with pytest.raises(ModelError, match="not UTF-8"):
        load_architecture(b"threatdeck: 1\nname: \xff\xfe\n", "latin.yaml")


class _CountingSet(set[str]):
    """A set that counts how often it is asked whether it holds something."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0

    def __contains__(self, item: object) -> bool:
        self.checks += 1
        return super().__contains__(item)


def test_ids_of_many_flows_between_one_pair_take_a_step_each() -> None:
    """Each generated id resumes counting where the last one of its pair stopped: a 1 MB upload of flows between
    two components used to cost minutes of CPU, counting up from #1 for every flow."""
    from game.importers.native import _fresh_id

    used, last = _CountingSet(), {}
    used.add("A->B#3")  # an id a flow of the file gave itself
    ids = [_fresh_id("A->B", used, last) for _ in range(2_000)]
    assert ids[:4] == ["A->B", "A->B#2", "A->B#4", "A->B#5"]
    assert len(set(ids)) == 2_000 and "A->B#3" not in ids
    assert used.checks <= 2 * 2_000 + 1


def test_flows_without_ids_between_one_pair_get_numbered_ids() -> None:
    doc = {"threatdeck": 1, "name": "x", "components": [{"id": "A", "type": "lambda"}, {"id": "B", "type": "lambda"}],
           "flows": [{"source": "A", "target": "B"}] * 3 + [{"source": "B", "target": "A"}]}
    import json

    arch = load_architecture(json.dumps(doc), "pairs.json")
    assert [f.id for f in arch.flows] == ["A->B", "A->B#2", "A->B#3", "B->A"]


def test_a_large_document_without_aliases_is_not_taken_for_a_bomb() -> None:
    """Each node counts once, however deep it sits (nodes used to count once per enclosing level, so a big
    ordinary template could be refused as an alias bomb)."""
    from game.importers.documents import MAX_NODES, check_yaml

    items = "".join(f"    - {{a: {i}, b: x, c: y}}\n" for i in range(30_000))
    check_yaml("root:\n  list:\n" + items, "big.yaml")  # about 210,000 nodes, four levels deep
    items = "".join(f"    - {{a: {i}, b: x, c: y}}\n" for i in range(MAX_NODES // 7 + 1))
    with pytest.raises(ModelError, match=r"more than 500,000 nodes$"):
        check_yaml("root:\n  list:\n" + items, "huge.yaml")


NATIVE = "threatdeck: 1\nname: x\ncomponents:\n  - id: A\n    type: lambda\n"
CFN = "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n"


@pytest.mark.parametrize(("text", "expected"), [
    (NATIVE + "    attributes: {timeout_s: " + "9" * 5000 + "}\n", "a number has more than 4,300 digits"),
    (NATIVE + "    attributes: {timeout_s: 99999999999999999999}\n", "at most 9,007,199,254,740,991"),
    (NATIVE + "    attributes: {timeout_s: 0x" + "F" * 5000 + "}\n", "at most 9,007,199,254,740,991"),
    (NATIVE + '    name: "\\ud800"\n', "invalid Unicode character escape"),
    ('{"threatdeck": 1, "name": "x", "components": [{"id": "A", "type": "lambda", "attributes": {"timeout_s": '
     + "9" * 5000 + "}}]}", "a number has more than 4,300 digits"),
    ('{"threatdeck": 1, "name": "\\ud800", "components": [{"id": "A", "type": "lambda"}]}', "unpaired UTF-16 surrogate"),
    ('{"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": ' + "9" * 5000 + "}}}}",
     "a number has more than 4,300 digits"),
    ('{"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "\\udfff"}}}}',
     "unpaired UTF-16 surrogate"),
    (CFN + "      Timeout: 99999999999999999999\n", "at most 9,007,199,254,740,991"),
    # text handed over as str, not decoded from bytes, can hold half a pair itself (was a UnicodeEncodeError)
    (NATIVE + "    name: \ud800\n", "contains an unpaired UTF-16 surrogate (character 71)"),
    (CFN + "      FunctionName: \udfff\n", "contains an unpaired UTF-16 surrogate"),
    ('{"threatdeck": 1, "name": "\ud800", "components": []}', "contains an unpaired UTF-16 surrogate"),
])
def test_numbers_and_text_no_store_can_take_are_refused_with_a_reason(text: str, expected: str) -> None:
    """Integers past what JSON stores and browsers carry, and half surrogate pairs, used to pass the importers
    and fail later (a 500 when the game was stored or exported)."""
    with pytest.raises(ModelError, match=re.escape(expected)):
        load_architecture(text, "odd")


LONG = "Z" * 100_000
TD_ACTOR = {"id": "a", "data": {"type": "tm.Actor"}}


def _td(*cells: Any, version: str = "2.3.0") -> str:
    return json.dumps({"version": version, "summary": {"title": "t"}, "detail": {"diagrams": [{"cells": list(cells)}]}})


def _native(component: dict[str, Any], **more: Any) -> str:
    return json.dumps({"threatdeck": 1, "name": "m", "components": [{"id": "a", "type": "lambda", **component}], **more})


@pytest.mark.parametrize("text", [
    _native({"attributes": {LONG: 1}}),
    _native({}, flows=[{"source": "a", "target": "a", "attributes": {LONG: 1}}]),
    _native({}, **{LONG: 1}),
    _native({}, boundaries=[{"id": "b", "name": "B", LONG: 1}]),
    "threatdeck: 1\ncomponents: [{id: A, type: s3}]\nname: &" + LONG + " [*" + LONG + "]\n",
    _td({"id": LONG, "data": {"type": "tm.Actor"}}, {"id": LONG, "data": {"type": "tm.Actor"}}),
    _td({"id": "a", "data": {"type": LONG}}),
    _td(TD_ACTOR, {"id": "f", "data": {"type": "tm.Flow"}, "source": {"cell": "a"}, "target": {"cell": LONG}}),
    _td(TD_ACTOR, version="9" + LONG),
    _td({"id": "a", "data": {"type": "tm.Actor", "threatdeck": {"type": LONG}}}),
    _td({"id": "a", "data": {"type": "tm.Actor", "threatdeck": {"attributes": {LONG: 1}}}}),
    json.dumps({"Resources": {LONG: {"Type": "AWS::S3::Bucket"}}}),
    json.dumps({"Resources": {"A": {"Type": "AWS::S3::Bucket", "Metadata": {"threatdeck": {LONG: 1}}}}}),
])
def test_an_error_quoting_the_file_stays_one_short_line(text: str) -> None:
    """Errors echoed an id, a type or a key of the file whole: a 40 MB line on stderr, or in the server's answer."""
    with pytest.raises(ModelError) as err:
        load_architecture(text, "f.json")
    message = str(err.value)
    assert message.startswith("f.json: ") and "ZZZZ" in message and len(message) <= 1_010 and "\n" not in message
    assert len(err.value.path) <= 500 and len(err.value.message) <= 500


def test_lines_are_read_without_building_the_document_again() -> None:
    """The lines of components and flows came from composing the whole document a third time (after the bomb
    check and the load), which held every node: 52 MB for 20,000 components, and longer than the load."""
    import tracemalloc

    from game.importers.documents import yaml_lines

    text = "threatdeck: 1\nname: m\ncomponents:\n" + "".join(
        f"  - {{id: c{i}, type: lambda, name: n{i}}}\n" for i in range(20_000)) + "flows:\n  -\n    source: c0\n"
    tracemalloc.start()
    try:
        lines = yaml_lines(text, ("components", "flows"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(lines) == 20_001 and lines["components[0]"] == 4 and lines["components[19999]"] == 20_003
    assert lines["flows[0]"] == 20_006  # where the item itself starts, as before, not its dash
    assert peak < 10_000_000


def test_a_key_given_twice_in_a_hand_written_model_is_refused_with_its_path_and_lines() -> None:
    # YAML parsers keep the last of two equal keys: the first component's attributes would vanish unsaid.
    text = ("threatdeck: 1\nname: m\ncomponents:\n  - id: Fn\n    type: lambda\n    attributes: {tracing: true}\n"
            "    attributes: {public: false}\n")
    with pytest.raises(ModelError) as info:
        load_architecture(text, "model.yaml")
    assert info.value.path == "components[0].attributes"
    assert "'attributes' is given twice" in str(info.value) and "lines 6 and 7" in str(info.value)


def test_a_key_that_overrides_a_merged_one_is_not_a_key_given_twice() -> None:
    text = ("threatdeck: 1\nname: m\ncomponents:\n  - id: A\n    type: lambda\n    attributes: &shared {tracing: true}\n"
            "  - id: B\n    type: lambda\n    attributes: {<<: *shared, tracing: false}\n")
    arch = load_architecture(text, "model.yaml")
    assert (arch.component("A").attr("tracing"), arch.component("B").attr("tracing")) == (True, False)


def test_a_key_given_twice_in_a_json_model_is_refused_too() -> None:
    text = ('{"threatdeck": 1, "name": "m",\n "components": [{"id": "Fn", "type": "lambda",\n'
            '  "attributes": {"tracing": true},\n  "attributes": {"public": false}}]}\n')
    with pytest.raises(ModelError) as info:
        load_architecture(text, "model.json")
    assert info.value.path == "components[0].attributes" and "lines 3 and 4" in str(info.value)
