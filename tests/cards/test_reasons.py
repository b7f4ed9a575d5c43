"""Every reason names what it is about, and every unknown answer says, as data, what the model lacks.

A reason is read beside the threat it judges, in the feed, a vote prompt, the final list and every export. A
clause that names only another element ("Worker: implements_auth is not known", on an API whose function
that is), or only a flow's end and not the flow, leaves the reader to guess how it bears on the element judged.
So each clause of a rule's reason names the subject judged: a component by its id (a flow's label
``flow A -> B``, a reference hop ``Fn.role (Role)`` or a path ``A reaches B`` name it too), a flow by its
label. Checked for every card of the shipped and the practice deck on every element of every model the
examples and the tests ship, and for random rules of every operator, alone and under ``not``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards import load_deck
from cards.schema import parse_deck
from game.architecture import Architecture, Boundary, Component, ComponentType, Flow
from game.deck import Deck
from game.importers import load_architecture
from game.importers.documents import ModelError
from game.importers.native import from_document
from game.predicates import Gap, Graph, Subject, Truth, Verdict, compile_predicate, label
from game.rules import judge

ROOT = Path(__file__).resolve().parents[2]
CT = ComponentType
DECKS: dict[str, Deck] = {
    "serverless-stride": load_deck(),
    "practice": parse_deck((ROOT / "tests" / "game" / "fixtures" / "practice-deck.yaml").read_text(encoding="utf-8"), "practice-deck.yaml"),
}


def shipped_models() -> Iterator[tuple[str, Architecture]]:
    """Every model under examples/ and the tests' fixtures (files that are not a model, or are broken on
    purpose for the importers' tests, are left out), and the small architectures of rule_cases.yaml."""
    files = sorted([*(ROOT / "examples").rglob("*"), *(ROOT / "tests").glob("*/fixtures/**/*")])
    for path in files:
        if path.is_file() and path.suffix in (".yaml", ".yml", ".json"):
            try:
                yield str(path.relative_to(ROOT)), load_architecture(path.read_bytes(), path.name)
            except ModelError:
                continue
    cases = yaml.safe_load((ROOT / "tests" / "cards" / "rule_cases.yaml").read_text(encoding="utf-8"))
    for card_id, case in cases.items():
        document = {"threatdeck": 1, "name": card_id, "boundaries": case.get("boundaries", []),
                    "components": case["components"], "flows": case.get("flows", [])}
        yield f"rule_cases.yaml: {card_id}", from_document(document, card_id)


MODELS = dict(shipped_models())


def clauses(reason: str) -> list[str]:
    """The clauses of a reason: its parts joined by "; " outside parentheses (a reachability reason quotes
    its witness's clauses in parentheses), less a cut list's "and 2 more"."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(reason):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and reason.startswith("; ", i):
            parts.append(reason[start:i])
            start = i + 2
    parts.append(reason[start:])
    return [p for p in parts if not re.fullmatch(r"and \d+ more", p)]


def names(text: str, subject: Subject) -> bool:
    """Whether ``text`` names the subject: a flow by its label, a component by its id as a word of its own."""
    if isinstance(subject, Flow):
        return label(subject) in text
    return re.search(rf"(?<![\w-]){re.escape(subject.id)}(?![\w-])", text) is not None


def element(architecture: Architecture, gap: Gap) -> Subject:
    return architecture.flow(gap.id) if gap.kind == "flow" else architecture.component(gap.id)


def lacks(architecture: Architecture, gap: Gap) -> bool:
    """Whether the model indeed does not give the gap's attribute: absent, or a reference to no component."""
    owner = element(architecture, gap)
    if isinstance(owner, Flow):
        if gap.attr == "crosses_boundary":
            return not architecture.boundaries
        value = getattr(owner, gap.attr) if gap.attr in ("data_class", "is_async", "kind") else owner.attributes.get(gap.attr)
        return value is None
    value = owner.boundary if gap.attr == "boundary" else owner.attributes.get(gap.attr)
    return value is None or (isinstance(value, str) and not architecture.has_component(value) and gap.attr != "boundary")


def check(verdict: Verdict, subject: Subject, architecture: Architecture, *, rule: bool) -> None:
    """The reason names the subject (in every clause, for a rule's); an unknown answer of a rule has gaps, each
    an attribute the model lacks and the reason names; any other answer has none."""
    assert names(verdict.reason, subject), verdict.reason
    if rule:
        for clause in clauses(verdict.reason):
            assert names(clause, subject), f"{clause!r} of {verdict.reason!r} does not name {label(subject)}"
    if verdict.truth is not Truth.UNKNOWN or not rule:
        assert verdict.gaps == (), verdict
        return
    assert verdict.gaps, f"an unknown answer without its gaps: {verdict.reason!r}"
    for gap in verdict.gaps:
        assert lacks(architecture, gap), (gap, verdict.reason)
        assert names(verdict.reason, element(architecture, gap)) and gap.attr in verdict.reason, (gap, verdict.reason)


def test_the_shipped_models_are_all_read() -> None:
    assert {"examples/leejames-hr/before.yaml", "examples/leejames-hr/after.sam.yaml", "tests/server/fixtures/hr.yaml",
            "tests/importers/fixtures/native/shop.yaml", "tests/importers/fixtures/threat-dragon/claims-v2.json",
            "tests/importers/fixtures/cfn/sam_events.yaml"} <= set(MODELS)


@pytest.mark.parametrize("deck", DECKS.values(), ids=list(DECKS))
@pytest.mark.parametrize("model", MODELS, ids=list(MODELS))
def test_every_verdict_names_its_subject_and_what_the_model_lacks(model: str, deck: Deck) -> None:
    architecture = MODELS[model]
    graph = Graph(architecture)
    subjects: list[Subject] = [*architecture.components, *architecture.flows]
    for card in deck:
        for subject in subjects:
            verdict = judge(card, subject, graph)
            fits = card.fits(subject.type if isinstance(subject, Component) else None)
            check(verdict, subject, architecture, rule=fits and not card.is_open)


# --- every operator, alone and under `not`, on a model with facts known and not ------------------------

WORLD = Architecture(
    "world",
    (
        Component("User", CT.ACTOR, "User", {"kind": "end_user"}, boundary="internet"),
        Component("Anon", CT.ACTOR, "Anon", boundary="internet"),
        Component("Api", CT.API_GATEWAY, "Api", {"authorizer": "none"}, boundary="aws"),
        Component("Fn", CT.LAMBDA, "Fn", {"role": "Shared", "validates_input": False}, boundary="aws"),
        Component("Fn2", CT.LAMBDA, "Fn2", {"role": "Shared", "validates_input": True}, boundary="aws"),
        Component("Roleless", CT.LAMBDA, "Roleless", boundary="aws"),
        Component("Dangling", CT.LAMBDA, "Dangling", {"role": "Deleted"}, boundary="aws"),
        Component("Vague", CT.LAMBDA, "Vague", {"role": "VagueRole"}),
        Component("Shared", CT.IAM_ROLE, "Shared", {"admin": True, "privesc_actions": ("iam:PassRole",)}, boundary="aws"),
        Component("VagueRole", CT.IAM_ROLE, "VagueRole"),
        Component("Table", CT.DYNAMODB, "Table", {"stream": False}, boundary="aws"),
    ),
    (
        Flow("u", "User", "Api", data_class="pii", kind="invoke", attributes={"encrypted": True}),
        Flow("a", "Anon", "Api"),
        Flow("f", "Api", "Fn", kind="invoke", is_async=False),
        Flow("r", "Api", "Roleless"),
        Flow("v", "Vague", "Api", kind="event"),
        Flow("w", "Fn", "Table", kind="write", attributes={"encrypted": False}),
        Flow("d", "Dangling", "Table"),
        Flow("x", "Fn2", "Fn2", kind="invoke"),
    ),
    (Boundary("internet", "Internet"), Boundary("aws", "AWS")),
)

COMPONENT_LEAVES = [
    {"attr": "validates_input", "is": False},
    {"attr": "kind", "eq": "end_user"},
    {"attr": "authorizer", "eq": "none"},
    {"attr": "role.admin", "is": True},
    {"attr": "role.privesc_actions", "contains_any": ["*", "iam:PassRole"]},
    {"attr": "stream", "is": False},
    {"attr": "type", "eq": "lambda"},
    {"attr": "validates_input", "known": True},
    {"shares": "role", "with": ["lambda"], "min": 2},
    {"referenced_by": "role", "types": ["lambda"], "min": 2},
]
FLOW_LEAVES = [
    {"attr": "encrypted", "is": True},
    {"attr": "kind", "eq": "invoke"},
    {"attr": "data_class", "in": ["pii", "secret"]},
    {"attr": "is_async", "is": False},
    {"attr": "crosses_boundary", "is": True},
    {"attr": "source.kind", "eq": "end_user"},
    {"attr": "target.role.admin", "is": True},
]


def logic(kids: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (st.tuples(st.sampled_from(["all", "any"]), st.lists(kids, min_size=1, max_size=3)).map(lambda t: {t[0]: t[1]})
            | kids.map(lambda k: {"not": k}))


def component_rules(flow_rules: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    def grow(kids: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        graph_ops = (
            st.builds(lambda peer, f: {"incoming": {"from": peer, "flow": f}}, kids, flow_rules)
            | kids.map(lambda peer: {"incoming": {"from": peer}})
            | kids.map(lambda peer: {"outgoing": {"to": peer}})
            | flow_rules.map(lambda f: {"outgoing": {"flow": f}})
            | kids.map(lambda p: {"reachable_from": p})
            | kids.map(lambda p: {"reaches": p})
        )
        return logic(kids) | graph_ops

    return st.recursive(st.sampled_from(COMPONENT_LEAVES), grow, max_leaves=4)


FLOW_RULES: st.SearchStrategy[Any] = st.recursive(
    st.sampled_from(FLOW_LEAVES)
    | st.builds(lambda end, p: {end: p}, st.sampled_from(["source", "target"]), st.sampled_from(COMPONENT_LEAVES)),
    logic,
    max_leaves=4,
)
COMPONENT_RULES = component_rules(FLOW_RULES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(COMPONENT_RULES.map(lambda r: (r, False)), FLOW_RULES.map(lambda r: (r, True))))
def test_every_operator_names_its_subject_alone_and_under_not(case: tuple[Any, bool]) -> None:
    data, on_flows = case
    rule = compile_predicate(data, on_flows=on_flows)
    negated = compile_predicate({"not": data}, on_flows=on_flows)
    graph = Graph(WORLD)  # one per example: its memo is keyed by the id of a rule's node, which a dead rule frees
    subjects: list[Subject] = list(WORLD.flows if on_flows else WORLD.components)
    for subject in subjects:
        verdict = rule.evaluate(subject, graph)
        check(verdict, subject, WORLD, rule=True)
        opposite = negated.evaluate(subject, graph)
        assert (opposite.truth, opposite.reason, opposite.gaps) == (~verdict.truth, verdict.reason, verdict.gaps)
