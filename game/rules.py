"""Judging a card against a component or flow, and scanning a whole architecture."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from game.architecture import Architecture, Component, Flow
from game.cards import Card
from game.deck import Deck
from game.predicates import Graph, Subject, Truth, Verdict, label


def judge(card: Card, target: Subject, graph: Graph) -> Verdict:
    """The card's verdict on one component or flow.

    A card played on a type it does not fit does not hold; an open-threat card
    is always unknown, so the players vote on it.
    """
    if isinstance(target, Component):
        if not card.fits(target.type):
            kinds = ", ".join(sorted(card.applies_to))
            return Verdict(Truth.DOES_NOT_HOLD, f"{target.id} is {target.type.value}; {card.id} applies to {kinds}")
    elif not card.fits(None):
        return Verdict(Truth.DOES_NOT_HOLD, f"{label(target)}: {card.id} applies to components, not flows")
    if card.rule is None:
        return Verdict(Truth.UNKNOWN, f"{card.id} is an open threat on {label(target)}: the players judge it")
    return card.rule.evaluate(target, graph)


@dataclasses.dataclass(frozen=True)
class Finding:
    """A card whose rule holds on a component or flow."""

    card: Card
    """The card."""
    target: str
    """Id of the component or flow."""
    reason: str
    """Why the rule holds."""
    is_flow: bool = False
    """Whether the target is a flow."""


def targets(architecture: Architecture, card: Card, graph: Graph | None = None) -> Iterable[Subject]:
    """Every component and flow a card may be played on, in document order."""
    if graph is not None and len(card.applies_to) < len(graph.by_type):
        chosen = [c for t, cs in graph.by_type.items() if card.fits(t) for c in cs]
        chosen.sort(key=graph.position)
        yield from chosen
    else:
        for c in architecture.components:
            if card.fits(c.type):
                yield c
    if card.fits(None):
        yield from architecture.flows


def scan(architecture: Architecture, deck: Deck, graph: Graph | None = None) -> list[Finding]:
    """Every (card, target) whose rule holds, in STRIDE order, then card rank, then document order."""
    graph = graph or Graph(architecture)
    found: list[Finding] = []
    for card in sorted(deck.cards, key=lambda c: (c.suit.order, c.rank)):
        if card.is_open:
            continue
        rule = card.rule
        assert rule is not None
        for t in targets(architecture, card, graph):
            if rule.truth(t, graph) is Truth.HOLDS:  # reasons only for what is reported
                found.append(Finding(card, t.id, rule.evaluate(t, graph).reason, isinstance(t, Flow)))
    return found
