"""The architecture a team threat-models: components, data flows and trust boundaries.

Everything here is an immutable value. Importers build an :class:`Architecture`;
rules and the game engine only read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Union

#: An attribute value. ``None`` is never stored: an attribute that is not known
#: is simply absent, and rules answer "unknown" for it.
AttrValue = Union[bool, int, str, tuple[str, ...]]


class ComponentType(StrEnum):
    """What a component is. The AWS types carry the vocabulary of the catalogue;
    ``process``, ``store`` and ``generic`` stand for elements of hand-drawn or
    imported diagrams whose service is not known."""

    ACTOR = "actor"
    API_GATEWAY = "api_gateway"
    LAMBDA = "lambda"
    DYNAMODB = "dynamodb"
    S3 = "s3"
    COGNITO = "cognito"
    SQS = "sqs"
    SNS = "sns"
    EVENTBRIDGE = "eventbridge"
    STEP_FUNCTIONS = "step_functions"
    SECRETS_STORE = "secrets_store"
    LOG_GROUP = "log_group"
    IAM_ROLE = "iam_role"
    CODE_REPO = "code_repo"
    EXTERNAL_SERVICE = "external_service"
    PROCESS = "process"
    STORE = "store"
    GENERIC = "generic"


def _frozen(mapping: Mapping[str, AttrValue] | None) -> Mapping[str, AttrValue]:
    return MappingProxyType(dict(mapping or {}))


@dataclasses.dataclass(frozen=True)
class SourceLocation:
    """Where an element or attribute was read from, for error messages and SARIF."""

    file: str
    """Path of the file as given to the importer."""
    line: int | None = None
    """1-based line, when the format has lines."""
    column: int | None = None
    """1-based column, when known."""
    path: str = ""
    """Path inside the document, e.g. ``Resources.PayslipBucket.Properties``."""


@dataclasses.dataclass(frozen=True)
class Component:
    """A node of the diagram: an AWS resource, an actor, a process or a store."""

    id: str
    """Stable identifier; a CloudFormation logical id when imported from a template."""
    type: ComponentType
    """What the component is."""
    name: str
    """Display name."""
    attributes: Mapping[str, AttrValue] = dataclasses.field(default_factory=lambda: _frozen(None))
    """Known facts about its configuration (see :mod:`game.vocabulary`)."""
    provenance: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    """For each attribute, where its value came from (a template path, or an AWS default)."""
    boundary: str | None = None
    """Id of the trust boundary it sits in, if any."""
    description: str = ""
    """Free text from the model."""
    location: SourceLocation | None = None
    """Where it was defined."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", _frozen(self.attributes))
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))

    def __hash__(self) -> int:
        return hash(self.id)

    def attr(self, name: str) -> AttrValue | None:
        """The value of ``name``, or ``None`` when it is not known."""
        return self.attributes.get(name)


@dataclasses.dataclass(frozen=True)
class Flow:
    """A data flow between two components."""

    id: str
    """Stable identifier."""
    source: str
    """Id of the component data leaves."""
    target: str
    """Id of the component data reaches."""
    label: str = ""
    """What travels, e.g. ``GET /payslips``."""
    data_class: str | None = None
    """Classification of the data: public, internal, pii or secret (None: not known)."""
    is_async: bool | None = None
    """Whether the hop is asynchronous (an event or a queue) rather than a call."""
    kind: str | None = None
    """invoke, event, read, write or log (None: not known)."""
    attributes: Mapping[str, AttrValue] = dataclasses.field(default_factory=lambda: _frozen(None))
    """Further known facts (encrypted, public_network, protocol; see :mod:`game.vocabulary`)."""
    location: SourceLocation | None = None
    """Where it was defined."""
    provenance: Mapping[str, str] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    """For each attribute, where its value came from (a template path, or an AWS fact), as for components."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", _frozen(self.attributes))
        object.__setattr__(self, "provenance", MappingProxyType(dict(self.provenance)))

    def __hash__(self) -> int:
        return hash(self.id)


@dataclasses.dataclass(frozen=True)
class Boundary:
    """A trust boundary: a region of the diagram whose members share a level of trust."""

    id: str
    """Stable identifier."""
    name: str
    """Display name."""
    description: str = ""
    """Free text from the model."""


class ArchitectureError(ValueError):
    """An architecture is inconsistent: a flow or boundary names a component that does not exist."""


@dataclasses.dataclass(frozen=True)
class Architecture:
    """A whole model: what the team loads into a game or a scan."""

    name: str
    """Display name of the system."""
    components: tuple[Component, ...]
    """Every component, in document order."""
    flows: tuple[Flow, ...] = ()
    """Every data flow, in document order."""
    boundaries: tuple[Boundary, ...] = ()
    """Every trust boundary."""
    description: str = ""
    """Free text from the model."""
    source_format: str = "native"
    """Which importer read it: native, cloudformation, sam or threat-dragon."""

    def __post_init__(self) -> None:
        ids: set[str] = set()
        for c in self.components:
            if c.id in ids:
                raise ArchitectureError(f"component id {c.id!r} is used twice")
            ids.add(c.id)
        boundary_ids = {b.id for b in self.boundaries}
        for c in self.components:
            if c.boundary is not None and c.boundary not in boundary_ids:
                raise ArchitectureError(f"component {c.id!r} names unknown boundary {c.boundary!r}")
        flow_ids: set[str] = set()
        for f in self.flows:
            if f.id in flow_ids:
                raise ArchitectureError(f"flow id {f.id!r} is used twice")
            flow_ids.add(f.id)
            for end in (f.source, f.target):
                if end not in ids:
                    raise ArchitectureError(f"flow {f.id!r} names unknown component {end!r}")
        object.__setattr__(self, "_by_id", {c.id: c for c in self.components})
        object.__setattr__(self, "_flows_by_id", {f.id: f for f in self.flows})

    def component(self, component_id: str) -> Component:
        """The component with that id; ``KeyError`` if there is none."""
        by_id: dict[str, Component] = getattr(self, "_by_id")
        return by_id[component_id]

    def flow(self, flow_id: str) -> Flow:
        """The flow with that id; ``KeyError`` if there is none."""
        by_id: dict[str, Flow] = getattr(self, "_flows_by_id")
        return by_id[flow_id]

    def has_component(self, component_id: str) -> bool:
        """Whether a component has that id."""
        return component_id in getattr(self, "_by_id")

    def has_flow(self, flow_id: str) -> bool:
        """Whether a flow has that id."""
        return flow_id in getattr(self, "_flows_by_id")

    def of_type(self, *types: ComponentType) -> Iterator[Component]:
        """Components of any of the given types, in document order."""
        wanted = set(types)
        return (c for c in self.components if c.type in wanted)

    def incoming(self, component_id: str) -> Iterable[Flow]:
        """Flows whose target is the component."""
        return (f for f in self.flows if f.target == component_id)

    def outgoing(self, component_id: str) -> Iterable[Flow]:
        """Flows whose source is the component."""
        return (f for f in self.flows if f.source == component_id)

    def crosses_boundary(self, flow: Flow) -> bool:
        """Whether a flow joins components in different trust boundaries."""
        return self.component(flow.source).boundary != self.component(flow.target).boundary
