"""The article's LeeJames HR system: the nine threats fire before, and are fixed after.

``examples/leejames-hr/threats.yaml`` ties each threat of Lee Gilmore's
"Serverless Threat Modelling" to a card and a component of ``before.yaml``,
and lists the components of ``after.yaml`` that fixed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cards import load_deck
from game.architecture import Architecture
from game.cards import Suit
from game.importers import load_architecture
from game.predicates import Graph, Truth
from game.rules import judge, scan

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "leejames-hr"
THREATS: list[dict[str, Any]] = yaml.safe_load((EXAMPLE / "threats.yaml").read_text(encoding="utf-8"))["threats"]
DECK = load_deck()


def load(name: str) -> Architecture:
    path = EXAMPLE / name
    return load_architecture(path.read_bytes(), str(path.relative_to(EXAMPLE.parents[1])))


BEFORE = load("before.yaml")
AFTER = load("after.yaml")


def pairs() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (threat name, pair) in threats.yaml: the threat itself, then its related pairs."""
    for threat in THREATS:
        yield threat["name"], threat
        for related in threat.get("related", []):
            yield threat["name"], related


PAIRS = list(pairs())


def test_the_article_has_nine_threats() -> None:
    assert len(THREATS) == 9
    assert len({t["name"] for t in THREATS}) == 9


@pytest.mark.parametrize("threat", THREATS, ids=lambda t: t["card"] + "-" + t["component"])
def test_threat_entries_are_consistent(threat: dict[str, Any]) -> None:
    Suit.parse(threat["category"])
    card = DECK.card(threat["card"])
    assert not card.is_open
    assert BEFORE.has_component(threat["component"])
    for pair in threat.get("related", []):
        assert DECK.has(pair["card"])
        assert pair["component"] is None or BEFORE.has_component(pair["component"])


def test_ids_follow_cloudformation_logical_id_style() -> None:
    for architecture in (BEFORE, AFTER):
        for component in architecture.components:
            assert component.id[0].isupper() and component.id.isalnum(), component.id


def test_before_reports_every_threat() -> None:
    found = {(f.card.id, f.target) for f in scan(BEFORE, DECK)}
    missing = [(name, p["card"], p["component"]) for name, p in PAIRS if p["component"] is not None and (p["card"], p["component"]) not in found]
    assert missing == []


def test_after_reports_none_of_them() -> None:
    found = {(f.card.id, f.target) for f in scan(AFTER, DECK)}
    still = [(name, p["card"], p["component"]) for name, p in PAIRS if (p["card"], p["component"]) in found]
    assert still == []


@pytest.mark.parametrize(("name", "pair"), PAIRS, ids=[f"{p['card']}-{p['component']}" for _, p in PAIRS])
def test_after_facts_show_each_fix(name: str, pair: dict[str, Any]) -> None:
    """Not just 'not reported': on every replacing component the card does not hold."""
    card = DECK.card(pair["card"])
    graph = Graph(AFTER)
    assert pair["after"], name
    for component_id in pair["after"]:
        verdict = judge(card, AFTER.component(component_id), graph)
        assert verdict.truth is Truth.DOES_NOT_HOLD, f"{name}: {card.id} on {component_id}: {verdict.reason}"


def test_before_finding_reasons_name_the_weak_component() -> None:
    by_pair = {(f.card.id, f.target): f for f in scan(BEFORE, DECK)}
    for threat in THREATS:
        finding = by_pair[(threat["card"], threat["component"])]
        assert threat["component"] in finding.reason


def test_after_keeps_every_weak_component_out_or_fixed() -> None:
    """The hand-rolled login function and the shared API and role are gone after."""
    for gone in ("AuthFunction", "HrApi", "SharedFunctionRole", "FunctionLogs"):
        assert not AFTER.has_component(gone)
