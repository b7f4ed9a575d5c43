"""The LeeJames HR SAM templates against the nine threats of the article.

``examples/leejames-hr/threats.yaml`` says which card fires on which
component for each threat. Scanning ``before.sam.yaml`` must report every
(card, component) pair it lists; scanning ``after.sam.yaml`` must report none
of them on the components that replaced or fixed the weak ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cards import load_deck
from game.architecture import Architecture
from game.importers import load_architecture
from game.rules import scan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "leejames-hr"


def _pairs() -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    """(threat name, card, component in before or None, components of after) for every listed pair."""
    threats: list[dict[str, Any]] = yaml.safe_load((EXAMPLES / "threats.yaml").read_text(encoding="utf-8"))["threats"]
    out: list[tuple[str, str, str | None, tuple[str, ...]]] = []
    for threat in threats:
        out.append((threat["name"], threat["card"], threat.get("component"), tuple(threat.get("after") or ())))
        for related in threat.get("related") or ():
            out.append((threat["name"], related["card"], related.get("component"), tuple(related.get("after") or ())))
    return out


PAIRS = _pairs()


def _load(name: str) -> Architecture:
    return load_architecture((EXAMPLES / name).read_text(encoding="utf-8"), name)


@pytest.fixture(scope="module")
def before() -> tuple[Architecture, set[tuple[str, str]]]:
    arch = _load("before.sam.yaml")
    return arch, {(f.card.id, f.target) for f in scan(arch, load_deck())}


@pytest.fixture(scope="module")
def after() -> tuple[Architecture, set[tuple[str, str]]]:
    arch = _load("after.sam.yaml")
    return arch, {(f.card.id, f.target) for f in scan(arch, load_deck())}


def test_there_are_nine_threats() -> None:
    assert len({name for name, *_ in PAIRS}) == 9


@pytest.mark.parametrize(("threat", "card", "component", "fixed"), [p for p in PAIRS if p[2] is not None], ids=lambda v: str(v)[:40])
def test_before_shows_the_threat(threat: str, card: str, component: str, fixed: tuple[str, ...], before: tuple[Architecture, set[tuple[str, str]]]) -> None:
    arch, found = before
    assert arch.has_component(component), f"{component} is missing from before.sam.yaml"
    assert (card, component) in found, f"{threat}: {card} does not fire on {component}"


@pytest.mark.parametrize(("threat", "card", "component", "fixed"), PAIRS, ids=lambda v: str(v)[:40])
def test_after_has_dealt_with_it(threat: str, card: str, component: str | None, fixed: tuple[str, ...], after: tuple[Architecture, set[tuple[str, str]]]) -> None:
    arch, found = after
    for target in fixed:
        assert arch.has_component(target), f"{target} is missing from after.sam.yaml"
        assert (card, target) not in found, f"{threat}: {card} still fires on {target}"
    if component is not None and arch.has_component(component):
        assert (card, component) not in found, f"{threat}: {card} still fires on {component}"


def test_the_sam_templates_use_the_native_examples_ids() -> None:
    for sam_name, native_name in (("before.sam.yaml", "before.yaml"), ("after.sam.yaml", "after.yaml")):
        native = load_architecture((EXAMPLES / native_name).read_text(encoding="utf-8"), native_name)
        ours = _load(sam_name)
        missing = {c.id for c in native.components} - {c.id for c in ours.components}
        assert not missing, f"{sam_name} lacks {sorted(missing)}"
        for c in native.components:
            assert ours.component(c.id).type is c.type, c.id
