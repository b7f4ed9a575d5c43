"""The shipped serverless-stride deck: its shape, and every rule card's three answers.

The cases live in ``rule_cases.yaml`` beside this file: for each rule card a
small architecture and, per subject, whether the card holds, does not hold or
is unknown there. Every rule card must have all three.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from cards import DEFAULT_DECK, available_decks, load_deck
from game.architecture import Architecture, ComponentType, Flow
from game.cards import FLOW_TARGET, Card, Suit
from game.importers import load_architecture
from game.importers.native import from_document
from game.predicates import Graph, Subject, Truth
from game.rules import judge

CASES_FILE = Path(__file__).with_name("rule_cases.yaml")
CASES: dict[str, Any] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
DECK = load_deck()
RULE_CARDS = [c for c in DECK if not c.is_open]
ALL_COMPONENT_TYPES = frozenset(t.value for t in ComponentType)


def case_architecture(card_id: str) -> Architecture:
    """The small architecture of one card's cases, read through the native importer."""
    case = CASES[card_id]
    document = {
        "threatdeck": 1,
        "name": f"cases for {card_id}",
        "boundaries": case.get("boundaries", []),
        "components": case["components"],
        "flows": case.get("flows", []),
    }
    return from_document(document, f"{CASES_FILE.name}: {card_id}")


def subject_of(architecture: Architecture, subject_id: str) -> Subject:
    if architecture.has_flow(subject_id):
        return architecture.flow(subject_id)
    return architecture.component(subject_id)


def expectation(raw: object) -> tuple[Truth, str | None]:
    """(truth, id the reason must name) from a case's ``expect`` entry."""
    if isinstance(raw, Mapping):
        return Truth(raw["truth"]), str(raw["names"])
    return Truth(str(raw)), None


def rule_case_params() -> list[Any]:
    params = []
    for card_id, case in CASES.items():
        for subject_id, raw in case["expect"].items():
            truth, _ = expectation(raw)
            params.append(pytest.param(card_id, subject_id, id=f"{card_id}-{subject_id}-{truth.value}"))
    return params


# --- the deck as a whole -------------------------------------------------------


def test_default_deck_is_shipped() -> None:
    assert DEFAULT_DECK == "serverless-stride"
    assert DEFAULT_DECK in available_decks()


def test_deck_has_enough_cards() -> None:
    assert DECK.name == "serverless-stride"
    assert len(DECK) >= 54


@pytest.mark.parametrize("suit", list(Suit), ids=lambda s: s.category)
def test_every_suit_has_eight_rule_cards_and_one_open_ace(suit: Suit) -> None:
    cards = DECK.suit(suit)
    rule_cards = [c for c in cards if not c.is_open]
    open_cards = [c for c in cards if c.is_open]
    assert len(rule_cards) >= 8
    assert [c.rank for c in open_cards] == [14]
    ace = open_cards[0]
    assert ace.id == f"{suit.value}X"
    assert ace.applies_to == ALL_COMPONENT_TYPES
    assert "deck has no card for" in ace.explanation and "the table votes" in ace.explanation
    assert all(2 <= c.rank <= 13 for c in rule_cards)


def test_ids_and_ranks_are_unique() -> None:
    ids = [c.id for c in DECK]
    assert len(ids) == len(set(ids))
    ranks = [(c.suit, c.rank) for c in DECK]
    assert len(ranks) == len(set(ranks))


def test_rule_card_ids_follow_the_catalogue() -> None:
    for card in RULE_CARDS:
        assert re.fullmatch(rf"{card.suit.value}\d{{1,2}}", card.id), card.id


@pytest.mark.parametrize("card", list(DECK), ids=lambda c: c.id)
def test_card_texts_are_complete(card: Card) -> None:
    assert card.question.startswith("Could ") and card.question.endswith("?")
    assert card.title and card.mitigation and card.explanation
    assert card.references, "every card cites at least one source"
    for ref in card.references:
        assert ref.url is None or ref.url.startswith("https://")
    if FLOW_TARGET in card.applies_to:
        assert card.applies_to == frozenset({FLOW_TARGET})


def test_the_card_table_in_the_docs_is_current() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "deck.md").read_text(encoding="utf-8")
    for card in DECK:
        assert f"| {card.id} | {card.suit.category} | {card.rank} | {card.title} |" in table, card.id


def test_some_cards_play_on_flows() -> None:
    assert any(c.fits(None) for c in RULE_CARDS)


# --- every rule card, three ways --------------------------------------------------


def test_every_rule_card_has_cases_for_all_three_answers() -> None:
    assert set(CASES) == {c.id for c in RULE_CARDS}
    for card_id, case in CASES.items():
        truths = {expectation(raw)[0] for raw in case["expect"].values()}
        assert truths == set(Truth), f"{card_id} lacks a case for {set(Truth) - truths}"


@pytest.mark.parametrize(("card_id", "subject_id"), rule_case_params())
def test_rule_case(card_id: str, subject_id: str) -> None:
    card = DECK.card(card_id)
    architecture = case_architecture(card_id)
    subject = subject_of(architecture, subject_id)
    truth, names = expectation(CASES[card_id]["expect"][subject_id])

    verdict = judge(card, subject, Graph(architecture))

    assert verdict.truth is truth, verdict.reason
    if names is not None:
        assert names in verdict.reason
    elif isinstance(subject, Flow):
        assert f"flow {subject.source} -> {subject.target}" in verdict.reason or subject.source in verdict.reason
    else:
        assert subject_id in verdict.reason
    assert "\n" not in verdict.reason


@pytest.mark.parametrize("card", [c for c in DECK if c.is_open], ids=lambda c: c.id)
def test_open_cards_are_for_the_table_to_judge(card: Card) -> None:
    architecture = case_architecture("S2")
    for component in architecture.components:
        verdict = judge(card, component, Graph(architecture))
        assert verdict.truth is Truth.UNKNOWN
        assert card.id in verdict.reason


@pytest.mark.parametrize("card", RULE_CARDS, ids=lambda c: c.id)
def test_every_rule_card_says_what_makes_its_threat_hold(card: Card) -> None:
    """A verdict quotes the question's "because" part, so "not valid" also says what would have made it valid."""
    assert card.holds_when, f"{card.id}: the question needs ', because …?'"
    assert not card.holds_when.endswith("?")


def test_an_open_card_has_no_condition() -> None:
    assert all(card.holds_when is None for card in DECK if card.is_open)


# --- texts that agree with their rules ------------------------------------------


def card(card_id: str) -> Card:
    return next(c for c in DECK if c.id == card_id)


def test_denial_of_wallet_names_both_branches_of_its_rule() -> None:
    """D2 holds for an uncapped function or a long timeout; its "because" part names both."""
    holds_when = card("D2").holds_when or ""
    assert "concurrency" in holds_when and "timeout" in holds_when
    assert "five minutes" in holds_when  # the rule's timeout_s >= 300


def test_blind_state_machine_does_not_claim_that_every_workflow_keeps_nothing() -> None:
    """R8 holds whenever logging is off, and a Standard workflow keeps 90 days of history without it.

    So its texts must not say every unlogged workflow leaves no record, and must
    tell the Express and Standard cases apart.
    """
    r8 = card("R8")
    assert "leave no record" not in r8.question
    assert "lasting" in r8.question
    assert "Express" in r8.explanation and "Standard" in r8.explanation and "90 days" in r8.explanation


def test_rights_to_grant_more_rights_says_a_clean_role_in_one_clause() -> None:
    """E3 tests seven escalation actions; a role with none of them is told so once, not once per action."""
    architecture = case_architecture("E3")
    graph = Graph(architecture)
    clean = judge(card("E3"), architecture.component("CleanFn"), graph)
    assert clean.truth is Truth.DOES_NOT_HOLD
    assert clean.reason.startswith("CleanFn.role (CleanRole): role.privesc_actions includes none of *, iam:*, iam:PassRole, ")
    assert clean.reason.count("privesc_actions") == 1 and "does not include" not in clean.reason
    held = judge(card("E3"), architecture.component("PassRepo"), graph)
    assert held.reason.startswith("PassRepo.deploy_role (PassRole): deploy_role.privesc_actions includes iam:PassRole")
    vague = judge(card("E3"), architecture.component("VagueFn"), graph)
    assert vague.reason == "VagueFn.role (VagueRole): role.privesc_actions is not known"


@pytest.mark.parametrize(
    ("machine", "reason"),
    [
        ("BlindExpress", "BlindExpress: logging is off; BlindExpress: workflow_type is express"),
        ("BlindStandard", "BlindStandard: logging is off; BlindStandard: workflow_type is standard"),
        ("BlindMachine", "BlindMachine: logging is off"),  # the model does not say which: the verdict stands
        ("ErrorExpress", "ErrorExpress: logging is error"),
        ("VagueExpress", "VagueExpress: logging is not known"),
    ],
)
def test_blind_state_machine_says_which_workflow_type_it_found(machine: str, reason: str) -> None:
    """With logging off an Express workflow keeps no history at all and a Standard one only 90 days of it:
    the reason names the type, so the table knows which case of the explanation applies."""
    architecture = case_architecture("R8")
    assert judge(card("R8"), architecture.component(machine), Graph(architecture)).reason == reason


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        ("{Type: AWS::StepFunctions::StateMachine}",
         "M: logging is off (AWS default: execution logging is OFF until LoggingConfiguration sets a level); "
         "M: workflow_type is standard (AWS default: a state machine is a STANDARD workflow unless its type is EXPRESS)"),
        ("{Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineType: EXPRESS}}",
         "M: logging is off (AWS default: execution logging is OFF until LoggingConfiguration sets a level); "
         "M: workflow_type is express (Properties.StateMachineType is EXPRESS)"),
        ("{Type: AWS::Serverless::StateMachine, Properties: {Type: EXPRESS}}",
         "M: logging is off (AWS default: execution logging is OFF until LoggingConfiguration sets a level); "
         "M: workflow_type is express (Properties.Type is EXPRESS)"),
    ],
)
def test_blind_state_machine_from_a_template_names_the_workflow_type(resource: str, reason: str) -> None:
    architecture = load_architecture(f"Resources:\n  M: {resource}\n", "t.yaml")
    verdict = judge(card("R8"), architecture.component("M"), Graph(architecture))
    assert (verdict.truth, verdict.reason) == (Truth.HOLDS, reason)


def test_readable_bucket_question_names_block_public_access_plainly() -> None:
    """I1's second branch (block_public_access false) reads as a sentence, not a parenthesis."""
    holds_when = card("I1").holds_when or ""
    assert "(" not in card("I1").question
    assert "Block Public Access is off" in holds_when


def test_outlasting_the_gateway_treats_29_seconds_as_a_default_not_a_fixed_limit() -> None:
    """Since mid-2024 regional and private REST APIs may wait longer than 29 s.

    Edge-optimised REST APIs stay at 29 s and HTTP APIs at 30 s; D8's rule
    cannot tell them apart (the model records neither the API kind nor its
    limit), so its explanation must say which APIs the 29 s applies to.
    """
    d8 = card("D8")
    assert "about 29 seconds by default" not in d8.explanation
    assert "regional and private REST APIs" in d8.explanation and "raised" in d8.explanation
    assert "edge-optimised REST API cannot wait longer than 29 seconds" in d8.explanation
    assert "HTTP API never waits longer than 30" in d8.explanation
    assert "really has" in d8.mitigation  # not "the API's" fixed 29 s
