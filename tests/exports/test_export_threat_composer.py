"""The AWS Threat Composer export: schema-valid ``.tc.json`` with every threat in the statement grammar."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from exportkit import HERE, bot_result, bot_result_on, deck, example, hand_result, no_nulls, with_texts

from game.backlog import carry_over
from game.cards import Suit
from game.exports.priorities import level
from game.exports.threat_composer import IMPACTS, grammar, threat_composer_workspace
from game.result import GameResult

OURS = json.loads((HERE / "threat_composer_v1_constraints.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def results() -> list[GameResult]:
    first = bot_result("before.yaml")
    backlog = carry_over(first, example("after.yaml"), deck())
    second = bot_result_on(example("after.yaml"), seed=5, baseline=example("before.yaml"), backlog=backlog)
    hostile = with_texts(bot_result("after.sam.yaml"), "x" * 900 + " <b>|=cmd</b>", found_by="=1+1")
    return [first, second, bot_result("before.sam.yaml"), hostile]


def export(result: GameResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(threat_composer_workspace(result)))
    return data


def test_validates_against_our_statement_of_the_schema(results: list[GameResult]) -> None:
    jsonschema.Draft202012Validator.check_schema(OURS)
    validator = jsonschema.Draft202012Validator(OURS)
    for result in results:
        errors = list(validator.iter_errors(export(result)))
        assert [f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]] == []
        assert no_nulls(export(result)) == []


def test_every_threat_is_a_statement_of_its_parts(results: list[GameResult]) -> None:
    for result in results[:3]:
        for t in export(result)["threats"]:
            article = "An" if t["threatSource"][0] in "aeiou" else "A"
            expected = (
                f"{article} {t['threatSource']} {t['prerequisites']} can {t['threatAction']}, which leads to "
                f"{t['threatImpact']}, resulting in reduced {t['impactedGoal'][0]} of {t['impactedAssets'][0]}"
            )
            assert t["statement"] == expected


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def test_limits_are_javascript_lengths_and_cuts_keep_surrogate_pairs() -> None:
    # Threat Composer checks maxLength as JavaScript does, in UTF-16 code units: an emoji counts 2
    fire = "\U0001f525"
    result = bot_result("after.yaml")
    threats = tuple(dataclasses.replace(t, text=f"Could someone {fire * 300}, because {'é' + fire * 600}?",
                                        mitigation=fire * 700, component=fire * 20, target_kind="component")
                    for t in result.threats)
    result = dataclasses.replace(result, threats=threats)
    data = export(result)

    def max_length(validator: Any, width: int, instance: Any, schema: Any) -> Any:
        if validator.is_type(instance, "string") and utf16(instance) > width:
            yield jsonschema.ValidationError(f"{utf16(instance)} UTF-16 units > maxLength {width}")

    js = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"maxLength": max_length})(OURS)
    assert [f"{list(e.path)}: {e.message[:200]}" for e in list(js.iter_errors(data))[:5]] == []
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # no lone surrogate anywhere
    for t in data["threats"]:
        assert t["threatAction"] == fire * 99 + "…" and utf16(t["threatAction"]) == 199
        assert t["impactedAssets"] == [fire * 20]
        assert fire * 20 not in t["tags"]  # 20 characters but 40 units: too long for a tag
        comments = next(m["value"] for m in t["metadata"] if m["key"] == "Comments")
        assert utf16(comments) <= 1000 and comments.endswith(fire + "…")
    assert [m["content"] for m in data["mitigations"]] == [fire * 499 + "…"]


def test_metadata_stride_and_priority() -> None:
    result = bot_result("before.yaml")
    data = export(result)
    assert len(data["threats"]) == len(result.threats)
    for t, final in zip(data["threats"], result.threats):
        meta = {m["key"]: m["value"] for m in t["metadata"]}
        assert meta["STRIDE"] == [final.suit]
        assert meta["Priority"] == level(final.risk)
        assert meta["custom:threatdeck-id"] == result.key_of(final)
        assert t["impactedGoal"] == [Suit(final.suit).property_violated]
        assert t["threatImpact"] == IMPACTS[Suit(final.suit)]
        assert t["status"] == "threatIdentified"
        assert t["numericId"] == final.rank


def test_mitigations_are_linked_once_per_card_text() -> None:
    result = bot_result("before.yaml")
    data = export(result)
    threat_ids = {t["id"] for t in data["threats"]}
    mitigation_ids = {m["id"] for m in data["mitigations"]}
    assert len(mitigation_ids) == len(data["mitigations"]) == len({t.mitigation for t in result.threats if t.mitigation})
    assert {link["mitigationId"] for link in data["mitigationLinks"]} == mitigation_ids
    assert {link["linkedId"] for link in data["mitigationLinks"]} <= threat_ids
    assert len(data["mitigationLinks"]) == sum(1 for t in result.threats if t.mitigation)
    assert len(threat_ids) == len(data["threats"])


def test_earlier_threats_mitigated_are_resolved() -> None:
    first = hand_result(example("before.yaml"), [("S1", "AuthFunction"), ("D7", "PayslipsTable")])
    backlog = carry_over(first, example("after.yaml"), deck())
    second = hand_result(example("after.yaml"), [])
    second = dataclasses.replace(second, carried=backlog.threats, scope=backlog.scope)
    data = export(second)
    assert [t["status"] for t in data["threats"]] == ["threatResolved", "threatResolved"]
    assert {m["status"] for m in data["mitigations"]} == {"mitigationResolved"}


def test_same_result_same_file() -> None:
    assert export(bot_result("after.yaml")) == export(bot_result("after.yaml"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Could someone forge or replay a login here, because our own code checks passwords?",
         ("threat actor", "forge or replay a login here", "our own code checks passwords")),
        ("Could an outsider act on this bucket directly, because its policy names any principal?",
         ("outsider", "act on this bucket directly", "its policy names any principal")),
        ("Could any developer read sensitive data from this log group?",
         ("developer", "read sensitive data from this log group", "")),
        ("The staff API trusts the user id in the path", ("threat actor", "the staff API trusts the user id in the path", "")),
    ],
)
def test_grammar_of_texts(text: str, expected: tuple[str, str, str]) -> None:
    assert grammar(text) == expected


def test_every_card_question_parses() -> None:
    for card in deck().cards:
        source, action, _ = grammar(card.question)
        assert source and action and not action.lower().startswith("could"), card.id
