"""The architecture while a template is being read: mutable drafts that become immutable values.

Readers of each resource type set attributes on a :class:`Draft` together with
where each value came from; the :class:`Builder` collects drafts and flows and
finally produces an :class:`~game.architecture.Architecture`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from game.architecture import Architecture, AttrValue, Boundary, Component, ComponentType, Flow, SourceLocation
from game.vocabulary import spec_for


@dataclasses.dataclass
class Draft:
    """A component under construction."""

    id: str
    """Component id: the logical id, or a generated one (``<Function>Role``, ``ServerlessRestApi``)."""
    type: ComponentType
    """What it is."""
    name: str
    """Display name."""
    resource_type: str
    """The CloudFormation type it stands for (SAM's generated resources included), or ``""``."""
    location: SourceLocation | None
    """Where it is defined."""
    attributes: dict[str, AttrValue] = dataclasses.field(default_factory=dict)
    """Known attributes."""
    provenance: dict[str, str] = dataclasses.field(default_factory=dict)
    """Where each attribute came from."""
    description: str = ""
    """Free text."""
    boundary: str | None = None
    """Trust boundary id."""
    facts: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Scratch notes gathered from several resources before an attribute can be decided."""

    def set(self, name: str, value: AttrValue, why: str) -> None:
        """Record an attribute; the name and value must fit :mod:`game.vocabulary` (a bug otherwise)."""
        spec = spec_for(self.type, name)
        if spec is None:
            raise KeyError(f"{self.type.value} has no attribute {name!r}")
        self.attributes[name] = spec.check(value)
        self.provenance[name] = why

    def forget(self, name: str) -> None:
        """Make an attribute unknown again."""
        self.attributes.pop(name, None)
        self.provenance.pop(name, None)

    def freeze(self) -> Component:
        """The immutable component."""
        return Component(
            id=self.id,
            type=self.type,
            name=self.name,
            attributes=self.attributes,
            provenance=self.provenance,
            boundary=self.boundary,
            description=self.description,
            location=self.location,
        )


@dataclasses.dataclass
class FlowDraft:
    """A data flow under construction."""

    source: str
    """Component the data leaves."""
    target: str
    """Component the data reaches."""
    label: str = ""
    """What travels."""
    kind: str | None = None
    """invoke, event, read, write or log."""
    is_async: bool | None = None
    """Whether the hop is asynchronous."""
    data_class: str | None = None
    """Classification of the data."""
    attributes: dict[str, AttrValue] = dataclasses.field(default_factory=dict)
    """Further flow attributes."""
    provenance: dict[str, str] = dataclasses.field(default_factory=dict)
    """Where each further attribute came from."""
    location: SourceLocation | None = None
    """Where the template says so."""
    id: str | None = None
    """An explicit id (from metadata); otherwise ``source->target``."""


class Builder:
    """Components and flows read so far, in document order."""

    def __init__(self) -> None:
        self.drafts: dict[str, Draft] = {}
        self.flows: list[FlowDraft] = []
        self._flow_keys: dict[tuple[str, str, str | None, str], FlowDraft] = {}

    def add(self, draft: Draft) -> Draft:
        """Add a component; if one with that id exists already, keep and return the first."""
        return self.drafts.setdefault(draft.id, draft)

    def get(self, component_id: str | None) -> Draft | None:
        """The draft with that id, if any."""
        return self.drafts.get(component_id) if component_id is not None else None

    def flow(
        self,
        source: str,
        target: str,
        label: str = "",
        kind: str | None = None,
        is_async: bool | None = None,
        location: SourceLocation | None = None,
    ) -> FlowDraft | None:
        """Add a flow between two known components, once per (source, target, kind, label)."""
        if source not in self.drafts or target not in self.drafts or source == target:
            return None
        key = (source, target, kind, label)
        existing = self._flow_keys.get(key)
        if existing is not None:
            return existing
        draft = FlowDraft(source, target, label, kind, is_async, location=location)
        self._flow_keys[key] = draft
        self.flows.append(draft)
        return draft

    def build(self, name: str, description: str, boundaries: list[Boundary], source_format: str) -> Architecture:
        """Freeze everything; raises ``ArchitectureError`` if ids clash or flows dangle."""
        used = {f.id for f in self.flows if f.id}
        flows: list[Flow] = []
        for f in self.flows:
            flow_id = f.id
            if flow_id is None:
                flow_id = base = f"{f.source}->{f.target}"
                n = 1
                while flow_id in used:
                    n += 1
                    flow_id = f"{base}#{n}"
                used.add(flow_id)
            flows.append(
                Flow(
                    id=flow_id,
                    source=f.source,
                    target=f.target,
                    label=f.label,
                    data_class=f.data_class,
                    is_async=f.is_async,
                    kind=f.kind,
                    attributes=f.attributes,
                    location=f.location,
                    provenance=f.provenance,
                )
            )
        return Architecture(
            name=name,
            components=tuple(d.freeze() for d in self.drafts.values()),
            flows=tuple(flows),
            boundaries=tuple(boundaries),
            description=description,
            source_format=source_format,
        )
