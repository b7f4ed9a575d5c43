"""What changed between two versions of an architecture, and what that does to the deck's findings.

``threatdeck diff OLD NEW`` prints a :class:`Revision`:

* components and flows added, removed and changed, with each changed field
  (type, boundary, every attribute; for flows also ends, data class, kind and
  timing). A component whose own facts are the same but a flow into or out of
  it changed is listed too, with those flows. What counts as a change is
  :mod:`game.delta`'s rule (names and descriptions do not count), so the
  changed components are exactly the focus of a delta game on the same pair;
* findings (cards whose rule holds, as ``threatdeck scan`` reports them):
  **new** on NEW only; **mitigated** on OLD only, because the rule no longer
  holds (``fixed``) or the component or flow is gone (``removed``);
  **unconfirmed** on OLD only, but the rule cannot tell on NEW (the model no
  longer states the facts it needs); and **unchanged** on both.

>>> from game.architecture import Architecture, Component, ComponentType
>>> old = Architecture("hr", (Component("Db", ComponentType.DYNAMODB, "Db", {"pitr": False}),))
>>> new = Architecture("hr", (Component("Db", ComponentType.DYNAMODB, "Db", {"pitr": True}),))
>>> [(c.field, c.before, c.after) for c in architecture_changes(old, new).changed[0].fields]
[('attributes.pitr', False, True)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from game.architecture import Architecture, AttrValue, Component, Flow
from game.deck import Deck
from game.delta import changes
from game.predicates import Graph, Truth
from game.rules import Finding, judge, scan

FieldValue = AttrValue | None
"""A field's value; None when the model does not state it."""


@dataclasses.dataclass(frozen=True)
class FieldChange:
    """One field of a component or flow that differs."""

    field: str
    """``type``, ``boundary``, ``attributes.<name>``; for flows ``source``, ``target``, ``data_class``, ``kind``,
    ``async``, ``label``."""
    before: FieldValue
    """The old value (None: not stated)."""
    after: FieldValue
    """The new value (None: not stated)."""


@dataclasses.dataclass(frozen=True)
class ElementChange:
    """A component or flow present in both versions whose facts differ."""

    id: str
    """Its id."""
    name: str
    """Its name now (a flow's label)."""
    fields: tuple[FieldChange, ...]
    """What differs, in a stable order."""
    flows: tuple[str, ...] = ()
    """For a component: the flows into or out of it that were added, removed or changed."""


@dataclasses.dataclass(frozen=True)
class ElementChanges:
    """Added, removed and changed elements of one kind."""

    added: tuple[str, ...]
    """Ids only in the new version, in its order."""
    removed: tuple[str, ...]
    """Ids only in the old version, in its order."""
    changed: tuple[ElementChange, ...]
    """Elements in both that changed, in the new version's order."""

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclasses.dataclass(frozen=True)
class ArchitectureChanges:
    """What changed in the model itself."""

    components: ElementChanges
    """Components added, removed, changed."""
    flows: ElementChanges
    """Flows added, removed, changed."""

    @property
    def changed(self) -> tuple[ElementChange, ...]:
        """The changed components (the usual question)."""
        return self.components.changed

    def __bool__(self) -> bool:
        return bool(self.components or self.flows)


@dataclasses.dataclass(frozen=True)
class FindingChange:
    """A finding and what became of it."""

    card: str
    """Card id."""
    category: str
    """STRIDE category."""
    title: str
    """The card's anti-pattern."""
    target: str
    """Component or flow id."""
    target_kind: str
    """``component`` or ``flow``."""
    reason: str
    """The rule's reason: on NEW for new, unchanged and unconfirmed findings and for fixed ones (why it no longer
    holds), on OLD for removed targets."""
    mitigated_by: str | None = None
    """``fixed`` or ``removed`` for a mitigated finding."""


@dataclasses.dataclass(frozen=True)
class Revision:
    """Everything ``threatdeck diff`` reports."""

    old: str
    """Name of the old architecture."""
    new: str
    """Name of the new architecture."""
    architecture: ArchitectureChanges
    """What changed in the model."""
    new_findings: tuple[FindingChange, ...]
    """Findings only on the new version."""
    mitigated: tuple[FindingChange, ...]
    """Findings of the old version that no longer hold, or whose target is gone."""
    unconfirmed: tuple[FindingChange, ...]
    """Findings of the old version the rule cannot decide on the new one."""
    unchanged: tuple[FindingChange, ...]
    """Findings on both."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        data: dict[str, Any] = dataclasses.asdict(self)
        return data


def _value(value: object) -> FieldValue:
    if value is None or isinstance(value, (bool, int, str, tuple)):
        return value
    return str(value)


def _field_changes(before: Mapping[str, object], after: Mapping[str, object]) -> tuple[FieldChange, ...]:
    out = []
    for name in list(before) + [n for n in after if n not in before]:
        a, b = _value(before.get(name)), _value(after.get(name))
        if a != b:
            out.append(FieldChange(name, a, b))
    return tuple(out)


def _component_facts(c: Component) -> dict[str, object]:
    facts: dict[str, object] = {"type": c.type.value, "boundary": c.boundary}
    facts.update({f"attributes.{k}": v for k, v in sorted(c.attributes.items())})
    return facts


def _flow_facts(f: Flow) -> dict[str, object]:
    facts: dict[str, object] = {"source": f.source, "target": f.target, "label": f.label or None,
                                "data_class": f.data_class, "kind": f.kind, "async": f.is_async}
    facts.update({f"attributes.{k}": v for k, v in sorted(f.attributes.items())})
    return facts


def architecture_changes(old: Architecture, new: Architecture) -> ArchitectureChanges:
    """Components and flows added, removed and changed from ``old`` to ``new``."""
    delta = changes(old, new)
    old_c = {c.id: c for c in old.components}
    new_c = {c.id: c for c in new.components}
    old_f = {f.id: f for f in old.flows}
    new_f = {f.id: f for f in new.flows}
    flows_changed: list[ElementChange] = []
    for f in new.flows:
        before = old_f.get(f.id)
        if before is not None:
            fields = _field_changes(_flow_facts(before), _flow_facts(f))
            if fields:
                flows_changed.append(ElementChange(f.id, f.label, fields))
    touched = {f.id for f in flows_changed} | (set(new_f) ^ set(old_f))
    components_changed: list[ElementChange] = []
    for c in new.components:
        before_c = old_c.get(c.id)
        if before_c is None or c.id not in delta.components:
            continue
        fields = _field_changes(_component_facts(before_c), _component_facts(c))
        ends = [
            fid for fid in list(new_f) + [x for x in old_f if x not in new_f]
            if fid in touched and c.id in _ends(new_f.get(fid) or old_f[fid])
        ]
        components_changed.append(ElementChange(c.id, c.name, fields, tuple(ends)))
    return ArchitectureChanges(
        components=ElementChanges(
            added=tuple(c.id for c in new.components if c.id not in old_c),
            removed=tuple(c.id for c in old.components if c.id not in new_c),
            changed=tuple(components_changed),
        ),
        flows=ElementChanges(
            added=tuple(f.id for f in new.flows if f.id not in old_f),
            removed=tuple(f.id for f in old.flows if f.id not in new_f),
            changed=tuple(flows_changed),
        ),
    )


def _ends(f: Flow) -> tuple[str, str]:
    return f.source, f.target


def _key(f: Finding) -> tuple[str, bool, str]:
    return f.card.id, f.is_flow, f.target


def _line(f: Finding, reason: str | None = None, mitigated_by: str | None = None) -> FindingChange:
    return FindingChange(f.card.id, f.card.suit.category, f.card.title, f.target, "flow" if f.is_flow else "component",
                         f.reason if reason is None else reason, mitigated_by)


def revision(old: Architecture, new: Architecture, deck: Deck) -> Revision:
    """The changes from ``old`` to ``new``, and the findings of ``deck``'s rules on each."""
    old_graph, new_graph = Graph(old), Graph(new)
    before = {_key(f): f for f in scan(old, deck, old_graph)}
    after = {_key(f): f for f in scan(new, deck, new_graph)}
    mitigated: list[FindingChange] = []
    unconfirmed: list[FindingChange] = []
    for key, f in before.items():
        if key in after:
            continue
        subject = (new.flow(f.target) if new.has_flow(f.target) else None) if f.is_flow else (
            new.component(f.target) if new.has_component(f.target) else None)
        if subject is None:
            mitigated.append(_line(f, mitigated_by="removed"))
            continue
        verdict = judge(f.card, subject, new_graph)
        if verdict.truth is Truth.UNKNOWN:
            unconfirmed.append(_line(f, verdict.reason))
        else:  # HOLDS cannot happen: it would be in ``after``
            mitigated.append(_line(f, verdict.reason, "fixed"))
    return Revision(
        old=old.name,
        new=new.name,
        architecture=architecture_changes(old, new),
        new_findings=tuple(_line(f) for key, f in after.items() if key not in before),
        mitigated=tuple(mitigated),
        unconfirmed=tuple(unconfirmed),
        unchanged=tuple(_line(f) for key, f in after.items() if key in before),
    )
