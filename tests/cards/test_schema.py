"""Malformed deck files are refused at load with a message naming the card and the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from cards import InvalidCardData, parse_deck
from game.cards import Suit

SOURCE = "decks/test.yaml"


def card(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "T4",
        "suit": "Tampering",
        "rank": 7,
        "title": "Silent overwrite",
        "question": "Could someone overwrite objects here with no way back?",
        "applies_to": ["s3"],
        "rule": {"attr": "versioning", "is": False},
        "mitigation": "Turn versioning on.",
        "explanation": "Without versioning a PUT replaces an object for good.",
        "references": [{"label": "checkov CKV_AWS_21"}],
    }
    base.update(overrides)
    return base


def deck_text(*cards: dict[str, Any]) -> str:
    return yaml.safe_dump({"deck": "test", "title": "Test deck", "cards": list(cards)}, sort_keys=False)


def refused(*cards: dict[str, Any]) -> str:
    with pytest.raises(InvalidCardData) as info:
        parse_deck(deck_text(*cards), SOURCE)
    return str(info.value)


def test_a_well_formed_deck_loads() -> None:
    deck = parse_deck(deck_text(card(), card(id="T5", rank=6, rule=None)), SOURCE)
    assert [c.id for c in deck] == ["T4", "T5"]
    assert deck.card("T4").suit is Suit.TAMPERING
    assert deck.card("T5").is_open


def test_invalid_card_data_has_a_stable_code() -> None:
    assert InvalidCardData.code == "invalid_card_data"
    assert issubclass(InvalidCardData, ValueError)


# --- the rule ----------------------------------------------------------------


def test_unknown_operator() -> None:
    message = refused(card(rule={"either": [{"attr": "versioning", "is": False}]}))
    assert "card T4" in message
    assert "rule" in message and "unknown operator 'either'" in message


def test_unknown_comparison() -> None:
    message = refused(card(rule={"attr": "versioning", "equals": False}))
    assert "card T4" in message and "rule" in message and "unknown comparison 'equals'" in message


def test_unknown_operator_deep_inside_names_the_path() -> None:
    message = refused(card(rule={"all": [{"attr": "versioning", "is": False}, {"not": {"nope": 1}}]}))
    assert "card T4" in message and "rule.all[1].not" in message and "'nope'" in message


def test_attribute_unknown_for_the_cards_types() -> None:
    message = refused(card(rule={"attr": "authorizer", "eq": "none"}))
    assert "card T4" in message and "rule.attr" in message
    assert "no attribute 'authorizer' on s3" in message


def test_attribute_path_through_a_non_reference() -> None:
    message = refused(card(rule={"attr": "versioning.admin", "is": True}))
    assert "card T4" in message and "rule.attr" in message and "does not name another component" in message


def test_wrong_value_type_for_a_boolean() -> None:
    message = refused(card(rule={"attr": "versioning", "is": "no"}))
    assert "card T4" in message and "rule.is" in message and "true or false" in message


def test_wrong_value_type_for_a_number() -> None:
    message = refused(card(applies_to=["lambda"], rule={"attr": "timeout_s", "gt": "long"}))
    assert "card T4" in message and "rule.gt" in message and "timeout_s is a whole number" in message


def test_value_outside_an_enum() -> None:
    message = refused(card(applies_to=["cognito"], rule={"attr": "mfa", "eq": "sometimes"}))
    assert "card T4" in message and "rule.eq" in message and "'sometimes' is not a value of mfa" in message


def test_contains_any_needs_a_list_of_texts() -> None:
    message = refused(card(applies_to=["iam_role"], rule={"attr": "privesc_actions", "contains_any": "iam:PassRole"}))
    assert "card T4" in message and "rule.contains_any" in message and "expected a non-empty list" in message
    message = refused(card(applies_to=["iam_role"], rule={"attr": "privesc_actions", "contains_any": ["iam:*", "iam:*"]}))
    assert "card T4" in message and "rule.contains_any" in message and "'iam:*' is listed twice" in message


def test_contains_any_needs_a_list_attribute() -> None:
    message = refused(card(rule={"any": [{"attr": "versioning", "contains_any": ["x"]}]}))
    assert "card T4" in message and "rule.any[0].contains_any" in message and "needs a list attribute" in message


ESCALATIONS = ["*", "iam:*", "iam:PassRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreatePolicyVersion",
               "lambda:UpdateFunctionCode"]


def test_a_run_of_contains_leaves_on_one_attribute_is_refused() -> None:
    """E3's old shape: the rule was right, but a clean role's reason had a clause per action."""
    run = {"any": [{"attr": "role.privesc_actions", "contains": a} for a in ESCALATIONS]}
    message = refused(card(applies_to=["lambda"], rule={"all": [{"attr": "type", "eq": "lambda"}, run]}))
    assert "card T4: rule.all[1].any: 7 'contains' leaves test role.privesc_actions one value at a time" in message
    assert "write one {attr: role.privesc_actions, contains_any: [...]}" in message


@pytest.mark.parametrize(
    ("rule", "where", "single"),
    [
        ({"any": [{"attr": "kms", "eq": "none"}, {"attr": "versioning", "is": False}, {"attr": "kms", "eq": "aws"}]}, "rule.any", "in"),
        ({"all": [{"attr": "kms", "ne": "none"}, {"attr": "kms", "ne": "aws"}]}, "rule.all", "not_in"),
        ({"not": {"any": [{"attr": "kms", "eq": "none"}, {"attr": "kms", "eq": "aws"}]}}, "rule.not.any", "in"),
        ({"reaches": {"any": [{"attr": "type", "eq": "sqs"}, {"attr": "type", "eq": "sns"}]}}, "rule.reaches.any", "in"),
        ({"incoming": {"from": {"any": [{"attr": "type", "eq": "sqs"}, {"attr": "type", "eq": "sns"}]}}}, "rule.incoming.from.any", "in"),
    ],
)
def test_runs_of_eq_or_ne_leaves_on_one_attribute_are_refused(rule: object, where: str, single: str) -> None:
    message = refused(card(rule=rule))
    assert f"card T4: {where}: 2 " in message and f"{single}: [...]" in message


@pytest.mark.parametrize(
    "rule",
    [
        {"any": [{"attr": "kms", "eq": "none"}, {"attr": "versioning", "is": False}]},  # different attributes
        {"all": [{"attr": "kms", "eq": "none"}, {"attr": "kms", "known": True}]},  # not a run a single leaf says
        {"any": [{"attr": "kms", "ne": "none"}, {"attr": "kms", "ne": "aws"}]},  # always holds, but not this lint's business
        {"any": [{"attr": "kms", "in": ["none"]}, {"all": [{"attr": "kms", "eq": "aws"}, {"attr": "versioning", "is": False}]}]},
    ],
)
def test_leaves_that_are_no_run_load(rule: object) -> None:
    parse_deck(deck_text(card(rule=rule)), SOURCE)


def test_flow_cards_cannot_mix_with_component_types() -> None:
    message = refused(card(applies_to=["flow", "s3"]))
    assert "card T4" in message and "applies_to" in message


def test_component_operator_in_a_flow_rule() -> None:
    message = refused(card(applies_to=["flow"], rule={"reaches": {"attr": "type", "eq": "s3"}}))
    assert "card T4" in message and "rule.reaches" in message and "components only" in message


# --- the card's fields -------------------------------------------------------


def test_duplicate_id() -> None:
    message = refused(card(), card(rank=6))
    assert "card id 'T4' is used twice" in message


def test_duplicate_rank() -> None:
    message = refused(card(), card(id="T5"))
    assert "card T5" in message and "already has rank 7" in message


@pytest.mark.parametrize("field", ["id", "suit", "rank", "title", "question", "applies_to", "rule", "mitigation", "explanation"])
def test_missing_field(field: str) -> None:
    raw = card()
    del raw[field]
    message = refused(raw)
    assert f"{field}: Missing data for required field" in message
    if field != "id":
        assert "card T4" in message
    else:
        assert "card #1" in message


def test_bad_suit() -> None:
    message = refused(card(suit="Sabotage"))
    assert "card T4" in message and "suit" in message and "Must be one of" in message


@pytest.mark.parametrize("rank", [1, 15, "7", 7.0, True])
def test_bad_rank(rank: object) -> None:
    message = refused(card(rank=rank))
    assert "card T4" in message and "rank" in message


def test_unknown_component_type() -> None:
    message = refused(card(applies_to=["s3", "mainframe"]))
    assert "card T4" in message and "applies_to" in message


def test_bad_id() -> None:
    message = refused(card(id="t-4 lower"))
    assert "card t-4 lower" in message and "id" in message


def test_bad_reference_url() -> None:
    message = refused(card(references=[{"label": "docs", "url": "not a url"}]))
    assert "card T4" in message and "references" in message and "url" in message


def test_unknown_card_field() -> None:
    message = refused(card(severity="high"))
    assert "card T4" in message and "severity" in message


def test_card_that_is_not_a_mapping() -> None:
    message = refused(card(), copy.deepcopy(["T5"]))  # type: ignore[arg-type]
    assert "card #2" in message


def test_not_a_deck_at_all() -> None:
    with pytest.raises(InvalidCardData) as info:
        parse_deck("just: text\n", SOURCE)
    assert SOURCE in str(info.value)
