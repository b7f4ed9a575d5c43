"""A small, safe predicate language for card rules, with three-valued answers.

Rules are plain data (parsed from YAML), compiled once at load into a tree of
small objects and evaluated against a component or a flow of an
:class:`~game.architecture.Architecture`. Nothing is ever ``eval``-ed: every
operator and every attribute name is checked against a whitelist at compile
time, and a bad rule fails with a :class:`PredicateError` that says where.

Each evaluation answers :class:`Truth` ``HOLDS``, ``DOES_NOT_HOLD`` or
``UNKNOWN`` (the model lacks the facts), combined with Kleene's logic, together
with a one-line reason that names the component or flow it is about, and the
attribute or path. An unknown answer also carries, as data, the attributes the
model does not give (:class:`Gap`): what a client shows the players without
reading the reason's words back.

The forms (see ``docs/rules.md`` for the full reference)::

    {attr: PATH, is: true}            # booleans
    {attr: PATH, eq: V} / ne / in / not_in / lt / le / gt / ge / contains
    {attr: PATH, contains_any: [V, ...]}   # a list attribute holds one of the values
    {attr: PATH, known: true}         # never unknown: whether the model says
    {all: [P, ...]} / {any: [P, ...]} / {not: P}
    {incoming: {from: P, flow: F}}    # some flow into the subject
    {outgoing: {to: P, flow: F}}      # some flow out of the subject
    {reachable_from: P}               # some component matching P has a path to the subject
    {reaches: P}                      # the subject has a path to some component matching P
    {shares: ATTR, with: [TYPES], min: N}   # N components (subject included) share its ATTR value
    {referenced_by: ATTR, types: [TYPES], min: N}  # N components name the subject in ATTR
    {source: P} / {target: P}         # for flows: the component at either end

>>> from game.architecture import Architecture, Component, ComponentType
>>> bucket = Component("Payslips", ComponentType.S3, "Payslips", {"versioning": False})
>>> rule = compile_predicate({"attr": "versioning", "is": False}, types=[ComponentType.S3])
>>> verdict = rule.evaluate(bucket, Graph(Architecture("demo", (bucket,))))
>>> verdict.truth.value, verdict.reason
('holds', 'Payslips: versioning is false')
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Collection, Mapping, Sequence
from enum import Enum
from typing import Union

from game.architecture import Architecture, AttrValue, Component, ComponentType, Flow
from game.vocabulary import FLOW_ATTRIBUTES, FLOW_KINDS, AttrKind, AttrSpec, attributes_of

Subject = Union[Component, Flow]

MAX_DEPTH = 12
MAX_NODES = 200


class Truth(Enum):
    """A three-valued answer."""

    HOLDS = "holds"
    DOES_NOT_HOLD = "does_not_hold"
    UNKNOWN = "unknown"

    def __invert__(self) -> Truth:
        if self is Truth.HOLDS:
            return Truth.DOES_NOT_HOLD
        if self is Truth.DOES_NOT_HOLD:
            return Truth.HOLDS
        return Truth.UNKNOWN

    @staticmethod
    def of(value: bool) -> Truth:
        """HOLDS for True, DOES_NOT_HOLD for False."""
        return Truth.HOLDS if value else Truth.DOES_NOT_HOLD


@dataclasses.dataclass(frozen=True)
class Gap:
    """An attribute the model does not give, that an unknown answer waits on: what the team could fill in.

    >>> Gap.on(Component("Fn", ComponentType.LAMBDA, "Fn"), "validates_input")
    Gap(kind='component', id='Fn', attr='validates_input')
    """

    kind: str
    """``component`` or ``flow``: which of the architecture's two namespaces ``id`` is in."""
    id: str
    """The component or flow that lacks it: the end of a path (a function's role, a flow's source), not
    necessarily the subject judged."""
    attr: str
    """The attribute as the vocabulary names it, read on that component or flow."""

    @staticmethod
    def on(owner: Subject, attr: str) -> Gap:
        """The gap of ``attr`` on a component or flow."""
        return Gap("component" if isinstance(owner, Component) else "flow", owner.id, attr)


@dataclasses.dataclass(frozen=True, slots=True)
class Verdict:
    """The answer of a rule for one subject, with the reason in one line."""

    truth: Truth
    """holds, does not hold, or unknown."""
    reason: str
    """Names the subject (a component's id, a flow as ``flow A -> B``) in every clause, and the attribute or
    path the answer rests on."""
    guard: bool = False
    """The answer rests only on the subject's own type (a branch's ``{attr: type, ...}`` guard). The player
    knows what they played the card on, so ``all`` and ``any`` leave such clauses out of a reason that has others."""
    gaps: tuple[Gap, ...] = ()
    """For a rule's unknown answer, the attributes the model does not give that the reason names (empty
    otherwise): the same facts as data, for a client to say what is missing without parsing the reason."""

    @property
    def holds(self) -> bool:
        """Whether the rule holds."""
        return self.truth is Truth.HOLDS


class PredicateError(ValueError):
    """A rule is malformed: unknown operator or attribute, wrong value type, too deep."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def label(subject: Subject) -> str:
    """How a reason names its subject."""
    if isinstance(subject, Component):
        return subject.id
    return f"flow {subject.source} -> {subject.target}"


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


class Graph:
    """An architecture prepared for evaluation: adjacency lists and a memo for graph queries.

    Build one per architecture and reuse it across every card and subject, so
    that graph operators cost one traversal per rule, not one per subject.
    """

    def __init__(self, architecture: Architecture) -> None:
        self.architecture = architecture
        self.successors: dict[str, list[str]] = {c.id: [] for c in architecture.components}
        self.predecessors: dict[str, list[str]] = {c.id: [] for c in architecture.components}
        self.flows_in: dict[str, list[Flow]] = {c.id: [] for c in architecture.components}
        self.flows_out: dict[str, list[Flow]] = {c.id: [] for c in architecture.components}
        for f in architecture.flows:
            self.successors[f.source].append(f.target)
            self.predecessors[f.target].append(f.source)
            self.flows_out[f.source].append(f)
            self.flows_in[f.target].append(f)
        self._positions = {c.id: i for i, c in enumerate(architecture.components)}
        self.by_type: dict[ComponentType, list[Component]] = {}
        for c in architecture.components:
            self.by_type.setdefault(c.type, []).append(c)
        self._memo: dict[tuple[int, str], tuple[Predicate, object]] = {}
        self._gaps: dict[tuple[str, bool, str], tuple[Gap, ...]] = {}

    def memo(self, node: Predicate, key: str, compute: Callable[[], object]) -> object:
        """Cache a per-rule result for the lifetime of this graph."""
        k = (id(node), key)
        found = self._memo.get(k)
        if found is None:
            # The node is kept with its result: while this graph lives its id cannot pass to another rule.
            found = self._memo[k] = (node, compute())
        return found[1]

    def gaps(self, owner: Subject, attr: str) -> tuple[Gap, ...]:
        """``(Gap.on(owner, attr),)``, made once: an unknown leaf is answered far more often than reported."""
        key = (owner.id, isinstance(owner, Component), attr)
        found = self._gaps.get(key)
        if found is None:
            found = self._gaps[key] = (Gap.on(owner, attr),)
        return found

    def component(self, component_id: str) -> Component:
        """The component with that id."""
        return self.architecture.component(component_id)

    def position(self, component: Component) -> int:
        """Where the component stands in the document, for stable ordering."""
        return self._positions[component.id]


class Predicate:
    """A compiled rule node."""

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        """Answer the rule for ``subject``, with the reason."""
        raise NotImplementedError

    def truth(self, subject: Subject, graph: Graph) -> Truth:
        """Answer the rule without building a reason: the fast path for scans,
        which need reasons only for the rules that hold."""
        return self.evaluate(subject, graph).truth


# --- paths -----------------------------------------------------------------

_COMPONENT_SPECIAL = {"type", "id", "name", "boundary"}
_FLOW_SPECIAL = {"data_class", "is_async", "kind", "label", "crosses_boundary", "id"}


@dataclasses.dataclass(frozen=True)
class Path:
    """A dotted path from the subject to a value: ``versioning``, ``role.admin``, ``source.type``."""

    text: str
    segments: tuple[str, ...]

    def resolve(self, subject: Subject, graph: Graph) -> tuple[Subject, str, AttrValue | None, str]:
        """Follow the path; return (owner, attribute, value or None, reason prefix).

        The owner is the component or flow the last segment is read from. A
        reference that is not known, or names a missing component, gives None
        with the owner and attribute of that reference. The prefix begins with
        the subject: ``Fn.role (Role)``, ``flow A -> B`` (whose label names
        both ends already), ``flow A -> B: source.role (Role)``.
        """
        owner: Subject = subject
        trail = label(subject)
        end = ""  # "source" or "target" while the trail is a flow's label and the owner one of its ends
        segments = self.segments
        while True:
            head, rest = segments[0], segments[1:]
            value = _read(owner, head, graph)
            if not rest:
                return owner, head, value, trail
            if isinstance(owner, Flow) and head in ("source", "target"):
                owner = graph.component(owner.source if head == "source" else owner.target)
                end = head
            elif isinstance(value, str) and graph.architecture.has_component(value):
                owner = graph.component(value)
                trail = f"{trail}: {end}.{head} ({owner.id})" if end else f"{trail}.{head} ({owner.id})"
                end = ""
            else:
                return owner, head, None, trail
            segments = rest


def _read(owner: Subject, name: str, graph: Graph) -> AttrValue | None:
    if isinstance(owner, Component):
        value: AttrValue | None = owner.attributes.get(name)
        if value is not None:  # attributes never use the special names below
            return value
        if name == "type":
            return owner.type  # a StrEnum: equal to, and shown as, its value
        if name == "id":
            return owner.id
        if name == "name":
            return owner.name
        if name == "boundary":
            return owner.boundary
        return owner.attributes.get(name)
    if name in ("source", "target"):
        return owner.source if name == "source" else owner.target
    if name == "crosses_boundary":
        # A model that draws no trust boundaries says nothing about crossing them (outside the drawn
        # boundaries counts as one zone of its own, as before).
        if not graph.architecture.boundaries:
            return None
        return graph.architecture.crosses_boundary(owner)
    if name == "is_async":
        return owner.is_async
    if name in ("data_class", "kind", "label", "id"):
        field: AttrValue | None = getattr(owner, name)
        return field
    return owner.attributes.get(name)


# --- leaves ------------------------------------------------------------------

_COMPARATORS: dict[str, tuple[str, Callable[[AttrValue, object], bool]]] = {
    "is": ("is", lambda v, x: v == x),
    "eq": ("is", lambda v, x: v == x),
    "ne": ("is not", lambda v, x: v != x),
    "in": ("in", lambda v, x: v in x),  # type: ignore[operator]
    "not_in": ("not in", lambda v, x: v not in x),  # type: ignore[operator]
    "lt": ("<", lambda v, x: isinstance(v, int) and v < x),  # type: ignore[operator]
    "le": ("<=", lambda v, x: isinstance(v, int) and v <= x),  # type: ignore[operator]
    "gt": (">", lambda v, x: isinstance(v, int) and v > x),  # type: ignore[operator]
    "ge": (">=", lambda v, x: isinstance(v, int) and v >= x),  # type: ignore[operator]
    "contains": ("contains", lambda v, x: isinstance(v, tuple) and x in v),
    # One leaf instead of an `any` of `contains` leaves, so that a miss is one clause, not one per value.
    "contains_any": ("contains any of", lambda v, x: isinstance(v, tuple) and any(a in v for a in x)),  # type: ignore[attr-defined]
}

MAX_SHOWN = 8
"""How many values of a ``contains_any`` a reason lists before it says how many more."""


@dataclasses.dataclass(frozen=True)
class Compare(Predicate):
    """``{attr: PATH, OP: VALUE}``."""

    path: Path
    op: str
    operand: object
    provenance: bool = True
    guard: bool = False
    """Reads the rule subject's own ``type``: see :attr:`Verdict.guard`."""

    def truth(self, subject: Subject, graph: Graph) -> Truth:
        segments = self.path.segments
        value = _read(subject, segments[0], graph) if len(segments) == 1 else self.path.resolve(subject, graph)[2]
        if value is None:
            return Truth.UNKNOWN
        return Truth.HOLDS if _COMPARATORS[self.op][1](value, self.operand) else Truth.DOES_NOT_HOLD

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        owner, attr, value, trail = self.path.resolve(subject, graph)
        where = trail if len(self.path.segments) == 1 else f"{trail}: {self.path.text}"
        name = attr if len(self.path.segments) == 1 else ""
        prefix = f"{where}: {name}" if name else where
        if value is None:
            return Verdict(Truth.UNKNOWN, f"{prefix} is not known", False, graph.gaps(owner, attr))
        symbol, test = _COMPARATORS[self.op]
        truth = Truth.of(test(value, self.operand))
        source = ""
        if attr in owner.provenance:
            source = f" ({owner.provenance[attr]})"
        if self.op in ("is", "eq", "ne", "in", "not_in"):
            return Verdict(truth, f"{prefix} is {_show(value)}{source}", self.guard)
        if self.op == "contains":
            verb = "includes" if truth is Truth.HOLDS else "does not include"
            return Verdict(truth, f"{prefix} {verb} {_show(self.operand)}{source}")
        if self.op == "contains_any":
            assert isinstance(self.operand, tuple) and isinstance(value, tuple)
            if truth is Truth.HOLDS:
                return Verdict(truth, f"{prefix} includes {_some([v for v in self.operand if v in value])}{source}")
            return Verdict(truth, f"{prefix} includes none of {_some(self.operand)}{source}")
        relation = symbol if truth is Truth.HOLDS else f"not {symbol}"
        return Verdict(truth, f"{prefix} is {_show(value)} ({relation} {self.operand}){source}")


def _some(values: Sequence[object]) -> str:
    """Values as a comma-separated list, cut after :data:`MAX_SHOWN`."""
    shown = ", ".join(_show(v) for v in values[:MAX_SHOWN])
    return shown + (f" and {len(values) - MAX_SHOWN} more" if len(values) > MAX_SHOWN else "")


@dataclasses.dataclass(frozen=True)
class Known(Predicate):
    """``{attr: PATH, known: BOOL}``: whether the model says; never unknown itself."""

    path: Path
    want: bool

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        _, _, value, trail = self.path.resolve(subject, graph)
        known = value is not None
        state = "is known" if known else "is not known"
        return Verdict(Truth.of(known == self.want), f"{trail}: {self.path.text} {state}")


# --- logic -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class All(Predicate):
    """``{all: [...]}``: holds when every part holds."""

    parts: tuple[Predicate, ...]

    def truth(self, subject: Subject, graph: Graph) -> Truth:
        result = Truth.HOLDS
        for part in self.parts:
            t = part.truth(subject, graph)
            if t is Truth.DOES_NOT_HOLD:
                return t
            if t is Truth.UNKNOWN:
                result = t
        return result

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        held: list[Verdict] = []
        unknown: Verdict | None = None
        for part in self.parts:
            v = part.evaluate(subject, graph)
            if v.truth is Truth.DOES_NOT_HOLD:
                return v
            if v.truth is Truth.UNKNOWN:
                unknown = unknown or v
            else:
                held.append(v)
        if unknown is not None:
            return unknown
        return _summary(Truth.HOLDS, held)


@dataclasses.dataclass(frozen=True)
class Any(Predicate):
    """``{any: [...]}``: holds when some part holds."""

    parts: tuple[Predicate, ...]

    def truth(self, subject: Subject, graph: Graph) -> Truth:
        result = Truth.DOES_NOT_HOLD
        for part in self.parts:
            t = part.truth(subject, graph)
            if t is Truth.HOLDS:
                return t
            if t is Truth.UNKNOWN:
                result = t
        return result

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        failed: list[Verdict] = []
        unknown: Verdict | None = None
        for part in self.parts:
            v = part.evaluate(subject, graph)
            if v.truth is Truth.HOLDS:
                return v
            if v.truth is Truth.UNKNOWN:
                unknown = unknown or v
            else:
                failed.append(v)
        if unknown is not None:
            return unknown
        return _summary(Truth.DOES_NOT_HOLD, failed)


@dataclasses.dataclass(frozen=True)
class Not(Predicate):
    """``{not: P}``."""

    part: Predicate

    def truth(self, subject: Subject, graph: Graph) -> Truth:
        return ~self.part.truth(subject, graph)

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        v = self.part.evaluate(subject, graph)
        return Verdict(~v.truth, v.reason, v.guard, v.gaps)


def _summary(truth: Truth, parts: Sequence[Verdict]) -> Verdict:
    """The parts' reasons joined, leaving out the subject's type when something else explains the answer:
    "Fn: code_signing is false", not "...; Fn: type is lambda", and a branch for another type adds nothing."""
    facts = [v.reason for v in parts if not v.guard]
    return Verdict(truth, _join(facts or [v.reason for v in parts]), not facts)


def _join(reasons: Sequence[str]) -> str:
    seen: list[str] = []
    for r in reasons:
        if r not in seen:
            seen.append(r)
    if len(seen) > 3:
        return "; ".join(seen[:3]) + f"; and {len(seen) - 3} more"
    return "; ".join(seen)


# --- graph -------------------------------------------------------------------


def _on(context: str, verdict: Verdict) -> Verdict:
    """A verdict about another element, said from the subject's side: ``flow A -> B (B: ...; B: ...)``.

    Without the context a reason about a peer or a flow's end names only that element, not the one judged;
    in parentheses, as a reachability witness's, so that each of its clauses stays under the context.
    """
    return Verdict(verdict.truth, f"{context} ({verdict.reason})", verdict.guard, verdict.gaps)


@dataclasses.dataclass(frozen=True)
class Adjacent(Predicate):
    """``{incoming: {from: P, flow: F}}`` or ``{outgoing: {to: P, flow: F}}``."""

    direction: str  # "incoming" or "outgoing"
    peer: Predicate | None
    flow: Predicate | None

    def truth(self, subject: Subject, graph: Graph) -> Truth:
        if not isinstance(subject, Component):
            return Truth.DOES_NOT_HOLD
        incoming = self.direction == "incoming"
        result = Truth.DOES_NOT_HOLD
        for f in graph.flows_in[subject.id] if incoming else graph.flows_out[subject.id]:
            t = Truth.HOLDS
            if self.flow is not None:
                t = self.flow.truth(f, graph)
            if t is not Truth.DOES_NOT_HOLD and self.peer is not None:
                p = self.peer.truth(graph.component(f.source if incoming else f.target), graph)
                t = p if p is not Truth.HOLDS else t
            if t is Truth.HOLDS:
                return t
            if t is Truth.UNKNOWN:
                result = t
        return result

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        if not isinstance(subject, Component):
            return Verdict(Truth.DOES_NOT_HOLD, f"{label(subject)} is a flow, not a component")
        flows = graph.flows_in[subject.id] if self.direction == "incoming" else graph.flows_out[subject.id]
        word = "into" if self.direction == "incoming" else "out of"
        if not flows:
            return Verdict(Truth.DOES_NOT_HOLD, f"{subject.id}: no flow {word} it")
        if self.flow is None and self.peer is None:
            f = flows[0]
            return Verdict(Truth.HOLDS, f"{subject.id}: flow {f.source} -> {f.target}")
        incoming = self.direction == "incoming"
        unknown: Verdict | None = None
        for f in flows:
            # A flow that does not match needs no word about its peer; a peer's reason gets the flow as its
            # context only when it is told (most are not: another flow matches, or none does).
            over = None if self.flow is None else self.flow.evaluate(f, graph)
            if over is not None and over.truth is Truth.DOES_NOT_HOLD:
                continue
            peer = None if self.peer is None else self.peer.evaluate(graph.component(f.source if incoming else f.target), graph)
            if peer is not None and peer.truth is Truth.DOES_NOT_HOLD:
                continue
            if (over is None or over.truth is Truth.HOLDS) and (peer is None or peer.truth is Truth.HOLDS):
                reasons = [] if over is None else [over.reason]
                if peer is not None:
                    reasons.append(f"{label(f)} ({peer.reason})")
                return Verdict(Truth.HOLDS, _join(reasons))
            if unknown is None and over is not None and over.truth is Truth.UNKNOWN:
                unknown = over
            elif unknown is None and peer is not None:
                unknown = _on(label(f), peer)
        if unknown is not None:
            return unknown
        return Verdict(Truth.DOES_NOT_HOLD, f"{subject.id}: no matching flow {word} it")


@dataclasses.dataclass(frozen=True)
class Reach(Predicate):
    """``{reachable_from: P}`` (some match has a path to the subject) or ``{reaches: P}``."""

    direction: str  # "reachable_from" or "reaches"
    target: Predicate

    def _table(self, graph: Graph) -> tuple[dict[str, str], dict[str, str]]:
        """For every component: a witness that holds / is unknown for P and is connected to it."""

        def compute() -> tuple[dict[str, str], dict[str, str]]:
            holds: list[str] = []
            unknown: list[str] = []
            for c in graph.architecture.components:
                t = self.target.truth(c, graph)
                if t is Truth.HOLDS:
                    holds.append(c.id)
                elif t is Truth.UNKNOWN:
                    unknown.append(c.id)
            # From the matches, walk forward (reachable_from) or backward (reaches).
            step = graph.successors if self.direction == "reachable_from" else graph.predecessors
            return _spread(holds, step), _spread(unknown, step)

        result = graph.memo(self, "reach", compute)
        assert isinstance(result, tuple)
        return result

    def truth(self, subject: Subject, graph: Graph) -> Truth:
        if not isinstance(subject, Component):
            return Truth.DOES_NOT_HOLD
        holds, unknown = self._table(graph)
        if subject.id in holds:
            return Truth.HOLDS
        return Truth.UNKNOWN if subject.id in unknown else Truth.DOES_NOT_HOLD

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        if not isinstance(subject, Component):
            return Verdict(Truth.DOES_NOT_HOLD, f"{label(subject)} is a flow, not a component")
        holds, unknown = self._table(graph)
        if subject.id in holds:
            witness = graph.component(holds[subject.id])
            return Verdict(Truth.HOLDS, self._say(subject, witness, graph))
        if subject.id in unknown:
            witness = graph.component(unknown[subject.id])
            why = self.target.evaluate(witness, graph)
            if self.direction == "reachable_from":
                return Verdict(Truth.UNKNOWN, f"{subject.id} is reachable from {witness.id}, but {why.reason}", gaps=why.gaps)
            return Verdict(Truth.UNKNOWN, f"{subject.id} reaches {witness.id}, but {why.reason}", gaps=why.gaps)
        if self.direction == "reachable_from":
            return Verdict(Truth.DOES_NOT_HOLD, f"{subject.id}: no matching component has a path to it")
        return Verdict(Truth.DOES_NOT_HOLD, f"{subject.id}: it has no path to a matching component")

    def _say(self, subject: Component, witness: Component, graph: Graph) -> str:
        why = self.target.evaluate(witness, graph).reason
        if self.direction == "reachable_from":
            return f"{subject.id} is reachable from {witness.id} ({why})"
        return f"{subject.id} reaches {witness.id} ({why})"


def _spread(starts: Sequence[str], step: Mapping[str, list[str]]) -> dict[str, str]:
    """Every node reached in one or more steps from ``starts``, with the start that reached it."""
    seen: dict[str, str] = {}
    queue: deque[tuple[str, str]] = deque()
    for s in starts:
        for n in step[s]:
            if n not in seen:
                seen[n] = s
                queue.append((n, s))
    while queue:
        node, origin = queue.popleft()
        for n in step[node]:
            if n not in seen:
                seen[n] = origin
                queue.append((n, origin))
    return seen


@dataclasses.dataclass(frozen=True)
class Shares(Predicate):
    """``{shares: ATTR, with: [TYPES], min: N}``: at least N components of those
    types (the subject included) have the same value of ATTR as the subject."""

    attr: str
    types: frozenset[ComponentType]
    minimum: int

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        if not isinstance(subject, Component):
            return Verdict(Truth.DOES_NOT_HOLD, f"{label(subject)} is a flow, not a component")
        value = subject.attributes.get(self.attr)
        if value is None:
            return Verdict(Truth.UNKNOWN, f"{subject.id}: {self.attr} is not known", False, graph.gaps(subject, self.attr))

        def compute() -> tuple[dict[AttrValue, list[str]], list[str]]:
            groups: dict[AttrValue, list[str]] = {}
            unknown: list[str] = []  # candidates whose value is not known: each might share it
            for c in graph.architecture.components:
                v = c.attributes.get(self.attr)
                if c.type in self.types:
                    if v is None:
                        unknown.append(c.id)
                    else:
                        groups.setdefault(v, []).append(c.id)
            return groups, unknown

        memo = graph.memo(self, "groups", compute)
        assert isinstance(memo, tuple)
        groups: dict[AttrValue, list[str]] = memo[0]
        unknown: list[str] = memo[1]
        members: list[str] = groups.get(value, [])
        if subject.id not in members:
            members = [subject.id, *members]
        others = [m for m in members if m != subject.id]
        if len(members) >= self.minimum:
            if not others:
                return Verdict(Truth.HOLDS, f"{subject.id}: {self.attr} is {_show(value)}")
            shown = ", ".join(others[:4]) + (f" and {len(others) - 4} more" if len(others) > 4 else "")
            return Verdict(Truth.HOLDS, f"{subject.id}: {self.attr} {_show(value)} is shared with {shown}")
        maybe = [u for u in unknown if u != subject.id]
        if not others:
            few = f"{subject.id}: no other component shares {self.attr} {_show(value)}"
        else:
            few = f"{subject.id}: {self.attr} {_show(value)} is shared by only {len(members)}"
        if len(members) + len(maybe) >= self.minimum:
            return _maybe(few, graph.component(maybe[0]), self.attr, graph)
        return Verdict(Truth.DOES_NOT_HOLD, few)


def _maybe(few: str, candidate: Component, attr: str, graph: Graph) -> Verdict:
    """Unknown: too few components are known to count, and ``candidate``, whose ``attr`` is not known, might."""
    return Verdict(Truth.UNKNOWN, f"{few}, but {candidate.id}: {attr} is not known", False, graph.gaps(candidate, attr))


@dataclasses.dataclass(frozen=True)
class ReferencedBy(Predicate):
    """``{referenced_by: ATTR, types: [TYPES], min: N}``: at least N components name the subject in ATTR."""

    attr: str
    types: frozenset[ComponentType]
    minimum: int

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        if not isinstance(subject, Component):
            return Verdict(Truth.DOES_NOT_HOLD, f"{label(subject)} is a flow, not a component")

        def compute() -> tuple[dict[str, list[str]], list[str]]:
            refs: dict[str, list[str]] = {}
            unknown: list[str] = []  # candidates that name nothing known: each might name the subject
            for c in graph.architecture.components:
                v = c.attributes.get(self.attr)
                if c.type in self.types:
                    if isinstance(v, str):
                        refs.setdefault(v, []).append(c.id)
                    elif v is None:
                        unknown.append(c.id)
            return refs, unknown

        memo = graph.memo(self, "refs", compute)
        assert isinstance(memo, tuple)
        refs: dict[str, list[str]] = memo[0]
        unknown: list[str] = memo[1]
        users: list[str] = refs.get(subject.id, [])
        shown = ", ".join(users[:4]) + (f" and {len(users) - 4} more" if len(users) > 4 else "")
        if len(users) >= self.minimum:
            return Verdict(Truth.HOLDS, f"{subject.id} is the {self.attr} of {shown}")
        maybe = [u for u in unknown if u != subject.id]
        few = f"{subject.id} is the {self.attr} of {f'only {shown}' if users else 'no component'}"
        if len(users) + len(maybe) >= self.minimum:
            return _maybe(few, graph.component(maybe[0]), self.attr, graph)
        return Verdict(Truth.DOES_NOT_HOLD, few)


@dataclasses.dataclass(frozen=True)
class Endpoint(Predicate):
    """``{source: P}`` / ``{target: P}`` for a flow."""

    end: str
    part: Predicate

    def truth(self, subject: Subject, graph: Graph) -> Truth:
        if not isinstance(subject, Flow):
            return Truth.DOES_NOT_HOLD
        return self.part.truth(graph.component(subject.source if self.end == "source" else subject.target), graph)

    def evaluate(self, subject: Subject, graph: Graph) -> Verdict:
        if not isinstance(subject, Flow):
            return Verdict(Truth.DOES_NOT_HOLD, f"{label(subject)} is a component, not a flow")
        cid = subject.source if self.end == "source" else subject.target
        return _on(label(subject), self.part.evaluate(graph.component(cid), graph))


# --- compiler ----------------------------------------------------------------

_LOGIC = {"all", "any", "not"}
_GRAPH = {"incoming", "outgoing", "reachable_from", "reaches", "shares", "referenced_by", "source", "target"}
OPERATORS = frozenset(_LOGIC | _GRAPH | {"attr"})

ALL_TYPES: frozenset[ComponentType] = frozenset(ComponentType)


@dataclasses.dataclass
class _Budget:
    nodes: int = 0


def compile_predicate(
    data: object,
    *,
    types: Collection[ComponentType] | None = None,
    on_flows: bool = False,
    where: str = "rule",
) -> Predicate:
    """Compile rule data into a :class:`Predicate`, checking every name.

    ``types`` are the component types the rule will be evaluated on (attribute
    names are checked against their vocabulary); ``on_flows`` means the
    subject is a flow. ``where`` prefixes every error, e.g. ``card S2: rule``.
    """
    subject_types = frozenset(types) if types else ALL_TYPES
    return _compile(data, _Scope(subject_types, on_flows, own=True), where, 0, _Budget())


@dataclasses.dataclass(frozen=True)
class _Scope:
    types: frozenset[ComponentType]
    on_flows: bool
    own: bool = False  # the rule's subject itself, not a peer, a witness or a flow's end


def _compile(data: object, scope: _Scope, where: str, depth: int, budget: _Budget) -> Predicate:
    budget.nodes += 1
    if depth > MAX_DEPTH:
        raise PredicateError(where, f"nested deeper than {MAX_DEPTH} levels")
    if budget.nodes > MAX_NODES:
        raise PredicateError(where, f"more than {MAX_NODES} nodes")
    if not isinstance(data, Mapping) or not data:
        raise PredicateError(where, "expected a mapping with one operator")
    keys = [k for k in data if isinstance(k, str)]
    if len(keys) != len(data):
        raise PredicateError(where, "operator names must be text")
    if "attr" in data:
        return _compile_leaf(data, scope, where)
    ops = [k for k in keys if k in OPERATORS]
    if not ops:
        raise PredicateError(where, f"unknown operator {keys[0]!r}; expected one of {', '.join(sorted(OPERATORS))}")
    if len(ops) > 1:
        raise PredicateError(where, f"expected exactly one operator, got {', '.join(sorted(ops))}")
    op = ops[0]
    if len(keys) != 1 and op not in ("shares", "referenced_by"):
        extra = sorted(k for k in keys if k != op)[0]
        raise PredicateError(where, f"unexpected key {extra!r} beside {op!r}")
    arg = data[op]
    sub = f"{where}.{op}"
    if op in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise PredicateError(sub, "expected a non-empty list of rules")
        parts = tuple(_compile(p, scope, f"{sub}[{i}]", depth + 1, budget) for i, p in enumerate(arg))
        return All(parts) if op == "all" else Any(parts)
    if op == "not":
        return Not(_compile(arg, scope, sub, depth + 1, budget))
    component_scope = _Scope(ALL_TYPES, False)
    flow_scope = _Scope(ALL_TYPES, True)
    if op in ("incoming", "outgoing"):
        _no_flows(scope, sub)
        if not isinstance(arg, Mapping):
            raise PredicateError(sub, "expected a mapping with 'from'/'to' and/or 'flow'")
        peer_key = "from" if op == "incoming" else "to"
        unexpected = set(map(str, arg)) - {peer_key, "flow"}
        if unexpected:
            raise PredicateError(sub, f"unexpected key {sorted(unexpected)[0]!r}; expected {peer_key!r} or 'flow'")
        peer = _compile(arg[peer_key], component_scope, f"{sub}.{peer_key}", depth + 1, budget) if peer_key in arg else None
        flow = _compile(arg["flow"], flow_scope, f"{sub}.flow", depth + 1, budget) if "flow" in arg else None
        return Adjacent(op, peer, flow)
    if op in ("reachable_from", "reaches"):
        _no_flows(scope, sub)
        return Reach(op, _compile(arg, component_scope, sub, depth + 1, budget))
    if op in ("source", "target"):
        if not scope.on_flows:
            raise PredicateError(sub, f"'{op}' applies to flows only")
        return Endpoint(op, _compile(arg, component_scope, sub, depth + 1, budget))
    if op in ("shares", "referenced_by"):
        _no_flows(scope, sub)
        types_key = "with" if op == "shares" else "types"
        surplus = set(keys) - {op, types_key, "min"}
        if surplus:
            raise PredicateError(sub, f"unexpected key {sorted(surplus)[0]!r}; expected {types_key!r} and 'min'")
        if not isinstance(arg, str):
            raise PredicateError(sub, "expected an attribute name")
        raw_types = data.get(types_key)
        if not isinstance(raw_types, list) or not raw_types:
            raise PredicateError(f"{where}.{types_key}", "expected a non-empty list of component types")
        chosen = frozenset(_component_type(t, f"{where}.{types_key}") for t in raw_types)
        if not any(arg in attributes_of(t) for t in chosen):
            raise PredicateError(sub, f"no attribute {arg!r} on {', '.join(sorted(chosen))}")
        minimum = data.get("min", 2)
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
            raise PredicateError(f"{where}.min", "expected a whole number of at least 1")
        return Shares(arg, chosen, minimum) if op == "shares" else ReferencedBy(arg, chosen, minimum)
    raise PredicateError(where, f"unknown operator {op!r}; expected one of {', '.join(sorted(OPERATORS))}")


def _no_flows(scope: _Scope, where: str) -> None:
    if scope.on_flows:
        raise PredicateError(where, "applies to components only; use 'source'/'target' to reach one from a flow")


def _component_type(value: object, where: str) -> ComponentType:
    try:
        return ComponentType(str(value))
    except ValueError:
        raise PredicateError(where, f"unknown component type {value!r}") from None


def _compile_leaf(data: Mapping[str, object], scope: _Scope, where: str) -> Predicate:
    raw = data["attr"]
    if not isinstance(raw, str) or not raw:
        raise PredicateError(f"{where}.attr", "expected a dotted attribute path")
    ops = [k for k in data if k != "attr"]
    if len(ops) != 1:
        raise PredicateError(where, "expected 'attr' and exactly one comparison (is, eq, ne, in, not_in, lt, le, gt, ge, contains, contains_any, known)")
    op = ops[0]
    operand = data[op]
    path = Path(raw, tuple(raw.split(".")))
    spec = _check_path(path, scope, f"{where}.attr")
    if op == "known":
        if not isinstance(operand, bool):
            raise PredicateError(f"{where}.known", "expected true or false")
        return Known(path, operand)
    guard = scope.own and not scope.on_flows and raw == "type"
    if op not in _COMPARATORS:
        raise PredicateError(where, f"unknown comparison {op!r}; expected one of {', '.join(sorted([*_COMPARATORS, 'known']))}")
    _check_operand(op, operand, spec, f"{where}.{op}")
    if op in ("in", "not_in", "contains_any"):
        operand = tuple(operand)  # type: ignore[arg-type]
    return Compare(path, op, operand, guard=guard)


def _check_path(path: Path, scope: _Scope, where: str) -> AttrSpec | None:
    """Check each segment against the vocabulary; return the final attribute's spec (None: special)."""
    types = scope.types
    on_flow = scope.on_flows
    segments = path.segments
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if on_flow:
            if seg in ("source", "target") and not last:
                on_flow, types = False, ALL_TYPES
                continue
            if seg in _FLOW_SPECIAL or seg in ("source", "target"):
                if not last:
                    raise PredicateError(where, f"{path.text!r}: {seg!r} has no attributes")
                return _FLOW_SPECS.get(seg)
            spec = FLOW_ATTRIBUTES.get(seg)
            if spec is None:
                raise PredicateError(where, f"{path.text!r}: flows have no attribute {seg!r}")
            if not last:
                raise PredicateError(where, f"{path.text!r}: {seg!r} has no attributes")
            return spec
        if seg in _COMPONENT_SPECIAL:
            if not last:
                raise PredicateError(where, f"{path.text!r}: {seg!r} has no attributes")
            return _COMPONENT_SPECS.get(seg)
        specs = [attributes_of(t)[seg] for t in sorted(types) if seg in attributes_of(t)]
        if not specs:
            raise PredicateError(where, f"{path.text!r}: no attribute {seg!r} on {', '.join(sorted(types))}")
        if last:
            return _merged(specs)
        refs = [s for s in specs if s.kind is AttrKind.REF]
        if not refs:
            raise PredicateError(where, f"{path.text!r}: {seg!r} does not name another component")
        types = frozenset(t for s in refs for t in s.ref)
    return None


def _merged(specs: Sequence[AttrSpec]) -> AttrSpec:
    """One spec for an attribute several types share (``kind`` of actors and of
    identity providers): enum values and words are pooled, so a rule read on
    any of those types may compare with any of their values."""
    first = specs[0]
    if len(specs) == 1 or any(s.kind is not first.kind for s in specs):
        return first
    values = tuple(dict.fromkeys(v for s in specs for v in s.values))
    words = tuple(dict.fromkeys(w for s in specs for w in s.words))
    return dataclasses.replace(first, values=values, words=words)


_COMPONENT_SPECS: dict[str, AttrSpec] = {
    "type": AttrSpec("type", AttrKind.ENUM, "component type", tuple(t.value for t in ComponentType)),
}
_FLOW_SPECS: dict[str, AttrSpec] = {
    "data_class": AttrSpec("data_class", AttrKind.ENUM, "data classification", ("public", "internal", "pii", "secret")),
    "kind": AttrSpec("kind", AttrKind.ENUM, "flow kind", FLOW_KINDS),
    "is_async": AttrSpec("is_async", AttrKind.BOOL, "asynchronous"),
    "crosses_boundary": AttrSpec("crosses_boundary", AttrKind.BOOL, "crosses a trust boundary"),
}


def _check_operand(op: str, operand: object, spec: AttrSpec | None, where: str) -> None:
    def one(value: object) -> None:
        if spec is None:
            if not isinstance(value, (str, int)):
                raise PredicateError(where, "expected a text or a number")
            return
        if spec.kind is AttrKind.BOOL and not isinstance(value, bool):
            raise PredicateError(where, f"{spec.name} is true or false")
        if spec.kind is AttrKind.INT and value not in spec.words and (not isinstance(value, int) or isinstance(value, bool)):
            words = "".join(f" or {w!r}" for w in spec.words)
            raise PredicateError(where, f"{spec.name} is a whole number{words}")
        if spec.kind is AttrKind.ENUM and value not in spec.values:
            raise PredicateError(where, f"{value!r} is not a value of {spec.name} ({', '.join(spec.values)})")
        if spec.kind in (AttrKind.TEXT, AttrKind.REF, AttrKind.LIST) and not isinstance(value, str):
            raise PredicateError(where, f"{spec.name} compares with text")

    if op in ("in", "not_in", "contains_any"):
        if op == "contains_any" and (spec is None or spec.kind is not AttrKind.LIST):
            raise PredicateError(where, "'contains_any' needs a list attribute")
        if not isinstance(operand, list) or not operand:
            raise PredicateError(where, "expected a non-empty list")
        for v in operand:
            one(v)
        twice = next((v for i, v in enumerate(operand) if v in operand[:i]), None)
        if op == "contains_any" and twice is not None:  # `in` lists keep loading as before: saved games compile them
            raise PredicateError(where, f"{twice!r} is listed twice")
        return
    if op in ("lt", "le", "gt", "ge") and (spec is None or spec.kind is not AttrKind.INT):
        raise PredicateError(where, "ordering comparisons need a whole-number attribute")
    if op == "contains" and (spec is None or spec.kind is not AttrKind.LIST):
        raise PredicateError(where, "'contains' needs a list attribute")
    if op == "is" and not isinstance(operand, bool):
        raise PredicateError(where, "'is' compares with true or false; use 'eq' for other values")
    one(operand)
