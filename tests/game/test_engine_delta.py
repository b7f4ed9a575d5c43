"""The delta option: deal only the cards that can touch what changed since the last session."""

from __future__ import annotations

from pathlib import Path

import pytest
from gamekit import settings

from game.architecture import Architecture, Component, ComponentType, Flow
from game.commands import StartGame
from game.deck import Deck
from game.delta import Changes, changes, relevant
from game.engine import apply, new_game
from game.errors import InvalidSetup
from game.importers import load_architecture

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "leejames-hr"


def model(*components: Component, flows: tuple[Flow, ...] = ()) -> Architecture:
    return Architecture("m", components, flows)


FN = Component("Fn", ComponentType.LAMBDA, "Fn", {"tracing": False})
TABLE = Component("Table", ComponentType.DYNAMODB, "Table")
BUCKET = Component("Bucket", ComponentType.S3, "Bucket")
READ = Flow("read", "Fn", "Table")


def test_nothing_changed() -> None:
    a = model(FN, TABLE, flows=(READ,))
    assert not changes(a, a)
    assert changes(a, a) == Changes(frozenset(), frozenset())


def test_names_and_descriptions_do_not_count() -> None:
    renamed = Component("Fn", ComponentType.LAMBDA, "Payslip function", {"tracing": False}, description="new words")
    assert not changes(model(FN), model(renamed))


def test_added_and_changed_components() -> None:
    traced = Component("Fn", ComponentType.LAMBDA, "Fn", {"tracing": True})
    c = changes(model(FN, TABLE), model(traced, TABLE, BUCKET))
    assert c.components == {"Fn", "Bucket"} and c.flows == frozenset()


def test_flows_added_changed_and_removed_touch_their_ends() -> None:
    before = model(FN, TABLE, BUCKET, flows=(READ,))
    added = model(FN, TABLE, BUCKET, flows=(READ, Flow("put", "Fn", "Bucket")))
    assert changes(before, added) == Changes(frozenset({"Fn", "Bucket"}), frozenset({"put"}))
    encrypted = model(FN, TABLE, BUCKET, flows=(Flow("read", "Fn", "Table", attributes={"encrypted": True}),))
    assert changes(before, encrypted) == Changes(frozenset({"Fn", "Table"}), frozenset({"read"}))
    removed = model(FN, TABLE, BUCKET)
    assert changes(before, removed) == Changes(frozenset({"Fn", "Table"}), frozenset())
    assert changes(before, removed).ids == {"Fn", "Table"}


def test_only_cards_that_fit_a_change_are_dealt(arch: Architecture, deck: Deck) -> None:
    # In the tiny model, only the bucket changes: the s3 cards are dealt, nothing else.
    before = Architecture(
        arch.name,
        tuple(Component(c.id, c.type, c.name, {}, boundary=c.boundary) if c.id == "Bucket" else c for c in arch.components),
        arch.flows,
        arch.boundaries,
    )
    kept = relevant(deck, arch, changes(before, arch))
    assert [c.id for c in kept.cards] == ["RE2", "IN2", "IN3"]
    with pytest.raises(InvalidSetup, match="the changes touch only 3 cards for 4 seats"):
        new_game(settings(("A", "B", "C", "D")), arch, deck, 1, baseline=before)
    s = new_game(settings(("A", "B", "C")), arch, deck, 1, baseline=before)
    assert s.board.focus == {"Bucket"} and len(s.board.deck) == 3
    s, _ = apply(s, StartGame(seat=0))
    assert sorted(c for h in s.hands for c in h) == ["IN2", "IN3", "RE2"]


def test_a_flow_change_deals_the_flow_cards(arch: Architecture, deck: Deck) -> None:
    before = Architecture(arch.name, arch.components, arch.flows[1:], arch.boundaries)
    kept = relevant(deck, arch, changes(before, arch))
    assert "TA4" in {c.id for c in kept.cards}


def test_no_change_is_refused(arch: Architecture, deck: Deck) -> None:
    with pytest.raises(InvalidSetup, match="nothing changed"):
        new_game(settings(), arch, deck, 1, baseline=arch)


@pytest.mark.skipif(not (EXAMPLES / "after.yaml").exists(), reason="the LeeJames examples are not there")
def test_leejames_before_and_after() -> None:
    before = load_architecture((EXAMPLES / "before.yaml").read_bytes(), "before.yaml")
    after = load_architecture((EXAMPLES / "after.yaml").read_bytes(), "after.yaml")
    c = changes(before, after)
    assert c and c.components <= {x.id for x in after.components} and c.flows <= {f.id for f in after.flows}
