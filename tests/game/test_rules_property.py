"""Property tests: any architecture the vocabulary allows can be judged by every card.

Architectures are random: random component types, a random subset of each
type's attributes with random valid values (so many facts are missing),
references that may name a missing component, random flows (self-loops and
cycles included) and random trust boundaries.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards import load_deck
from game.architecture import Architecture, AttrValue, Boundary, Component, ComponentType, Flow
from game.predicates import Graph, Predicate, Truth, Verdict, compile_predicate
from game.rules import judge, scan
from game.vocabulary import DATA_CLASSES, FLOW_ATTRIBUTES, FLOW_KINDS, AttrKind, AttrSpec, attributes_of

DECK = load_deck()
BOUNDARY_IDS = ("internet", "aws", "corp")
ACTIONS = ("*", "iam:*", "iam:PassRole", "iam:PutRolePolicy", "s3:GetObject", "lambda:UpdateFunctionCode")


def values(spec: AttrSpec, ids: list[str]) -> st.SearchStrategy[AttrValue]:
    """Valid values of one attribute."""
    if spec.kind is AttrKind.BOOL:
        return st.booleans()
    if spec.kind is AttrKind.INT:
        low = spec.minimum if spec.minimum is not None else 0
        numbers: st.SearchStrategy[AttrValue] = st.integers(min_value=low, max_value=low + 1000)
        return numbers | st.sampled_from(spec.words) if spec.words else numbers
    if spec.kind is AttrKind.ENUM:
        return st.sampled_from(spec.values)
    if spec.kind is AttrKind.REF:
        return st.sampled_from([*ids, "NoSuchComponent"])
    if spec.kind is AttrKind.LIST:
        return st.lists(st.sampled_from(ACTIONS) | st.text(min_size=1, max_size=12), max_size=4).map(tuple)
    return st.text(min_size=1, max_size=20)


@st.composite
def architectures(draw: st.DrawFn) -> Architecture:
    count = draw(st.integers(min_value=1, max_value=9))
    ids = [f"C{i}" for i in range(count)]
    boundaries = draw(st.lists(st.sampled_from(BOUNDARY_IDS), unique=True, max_size=3))
    components = []
    for cid in ids:
        ctype = draw(st.sampled_from(list(ComponentType)))
        specs = attributes_of(ctype)
        names = draw(st.lists(st.sampled_from(sorted(specs)), unique=True, max_size=len(specs)))
        attributes = {name: draw(values(specs[name], ids)) for name in names}
        boundary = draw(st.none() | st.sampled_from(boundaries)) if boundaries else None
        components.append(Component(cid, ctype, cid, attributes, boundary=boundary))
    flows = []
    for i in range(draw(st.integers(min_value=0, max_value=14))):
        flow_attributes: dict[str, Any] = {}
        for name in draw(st.lists(st.sampled_from(sorted(FLOW_ATTRIBUTES)), unique=True)):
            flow_attributes[name] = draw(values(FLOW_ATTRIBUTES[name], ids))
        flows.append(
            Flow(
                id=f"f{i}",
                source=draw(st.sampled_from(ids)),
                target=draw(st.sampled_from(ids)),
                data_class=draw(st.none() | st.sampled_from(DATA_CLASSES)),
                is_async=draw(st.none() | st.booleans()),
                kind=draw(st.none() | st.sampled_from(FLOW_KINDS)),
                attributes=flow_attributes,
            )
        )
    return Architecture("random", tuple(components), tuple(flows), tuple(Boundary(b, b) for b in boundaries))


def well_formed(verdict: object) -> bool:
    return (
        isinstance(verdict, Verdict)
        and isinstance(verdict.truth, Truth)
        and isinstance(verdict.reason, str)
        and verdict.reason.strip() != ""
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(architectures())
def test_every_card_judges_every_target(architecture: Architecture) -> None:
    graph = Graph(architecture)
    findings = scan(architecture, DECK, graph)
    holding = set()
    subjects: list[Component | Flow] = [*architecture.components, *architecture.flows]
    for card in DECK:
        for subject in subjects:
            verdict = judge(card, subject, graph)
            assert well_formed(verdict), (card.id, subject.id, verdict)
            if card.rule is not None:  # the reason-free fast path agrees with the full evaluation
                assert card.rule.truth(subject, graph) is card.rule.evaluate(subject, graph).truth, (card.id, subject.id)
            if card.is_open and card.fits(subject.type if isinstance(subject, Component) else None):
                assert verdict.truth is Truth.UNKNOWN
            if verdict.truth is Truth.HOLDS and not card.is_open:
                holding.add((card.id, subject.id))
    assert {(f.card.id, f.target) for f in findings} == holding
    assert all(f.reason for f in findings)


@settings(max_examples=60, deadline=None)
@given(architectures())
def test_verdicts_do_not_depend_on_the_shared_graph(architecture: Architecture) -> None:
    """The graph memo is a cache: a fresh graph gives the same answers."""
    shared = Graph(architecture)
    for card in DECK:
        for subject in architecture.components:
            assert judge(card, subject, shared) == judge(card, subject, Graph(architecture))


# --- Kleene logic against a reference evaluator -------------------------------------

SUBJECT = Component("B", ComponentType.S3, "B", {"versioning": True, "mfa_delete": False})
SUBJECT_GRAPH = Graph(Architecture("kleene", (SUBJECT,)))
LEAVES = {
    Truth.HOLDS: {"attr": "versioning", "is": True},
    Truth.DOES_NOT_HOLD: {"attr": "mfa_delete", "is": True},
    Truth.UNKNOWN: {"attr": "object_lock", "is": True},
}
RANK = {Truth.DOES_NOT_HOLD: 0, Truth.UNKNOWN: 1, Truth.HOLDS: 2}

Tree = Any
trees: st.SearchStrategy[Tree] = st.recursive(
    st.sampled_from(list(Truth)),
    lambda kids: st.tuples(st.sampled_from(["all", "any"]), st.lists(kids, min_size=1, max_size=4)) | st.tuples(st.just("not"), kids),
    max_leaves=12,
)


def as_rule(tree: Tree) -> object:
    if isinstance(tree, Truth):
        return LEAVES[tree]
    op, arg = tree
    return {op: as_rule(arg)} if op == "not" else {op: [as_rule(t) for t in arg]}


def reference(tree: Tree) -> Truth:
    if isinstance(tree, Truth):
        return tree
    op, arg = tree
    if op == "not":
        return ~reference(arg)
    parts = [reference(t) for t in arg]
    pick = min if op == "all" else max
    return pick(parts, key=RANK.__getitem__)


def depth(tree: Tree) -> int:
    if isinstance(tree, Truth):
        return 0
    op, arg = tree
    return 1 + (depth(arg) if op == "not" else max(depth(t) for t in arg))


@settings(max_examples=300, deadline=None)
@given(trees)
def test_logic_matches_kleene(tree: Tree) -> None:
    if depth(tree) > 11:
        return
    rule: Predicate = compile_predicate(as_rule(tree), types=[ComponentType.S3])
    verdict = rule.evaluate(SUBJECT, SUBJECT_GRAPH)
    assert verdict.truth is reference(tree)
    assert verdict.reason.startswith("B: ")


# --- contains_any against the `any` of `contains` leaves it stands for ------------------

LISTS = st.none() | st.lists(st.sampled_from(ACTIONS) | st.text(max_size=6), max_size=5).map(tuple)


@settings(max_examples=200, deadline=None)
@given(LISTS, st.lists(st.sampled_from(ACTIONS) | st.text(min_size=1, max_size=6), min_size=1, max_size=6, unique=True))
def test_contains_any_matches_an_any_of_contains(value: tuple[str, ...] | None, wanted: list[str]) -> None:
    role = Component("R", ComponentType.IAM_ROLE, "R", {} if value is None else {"privesc_actions": value})
    graph = Graph(Architecture("contains_any", (role,)))
    one_leaf = compile_predicate({"attr": "privesc_actions", "contains_any": wanted}, types=[ComponentType.IAM_ROLE])
    leaves = compile_predicate({"any": [{"attr": "privesc_actions", "contains": w} for w in wanted]}, types=[ComponentType.IAM_ROLE])
    verdict = one_leaf.evaluate(role, graph)
    assert verdict.truth is leaves.evaluate(role, graph).truth is one_leaf.truth(role, graph)
    assert verdict.reason.startswith("R: privesc_actions ")  # one clause, whatever the answer
