"""The delta option: deal only the cards that can touch what changed.

For the "little and often" sessions: given the architecture the team modelled
last time (the *baseline*) and the one it has now, a component has changed
when it is new, or its type, boundary or attributes differ, or a flow into
or out of it was added, removed or changed; a flow has changed when it is
new or any of its fields differ. A card is dealt when at least one changed
component or flow is a valid target for it (``card.fits`` its type). That is
the simplest sound choice: a card that fits nothing that changed cannot find
a new threat, and one that fits something might (its rule may read
neighbours, so no stronger filter is sound without evaluating it).

>>> from game.architecture import Architecture, Component, ComponentType
>>> old = Architecture("hr", (Component("Fn", ComponentType.LAMBDA, "Fn"),))
>>> new = Architecture("hr", (Component("Fn", ComponentType.LAMBDA, "Fn", {"tracing": True}),))
>>> sorted(changes(old, new).components)
['Fn']
"""

from __future__ import annotations

import dataclasses

from game.architecture import Architecture, Component, Flow
from game.deck import Deck


@dataclasses.dataclass(frozen=True)
class Changes:
    """What changed from a baseline architecture to the current one."""

    components: frozenset[str]
    """Ids of current components that are new or changed, or whose flows changed."""
    flows: frozenset[str]
    """Ids of current flows that are new or changed."""

    @property
    def ids(self) -> frozenset[str]:
        """Every changed component and flow id."""
        return self.components | self.flows

    def __bool__(self) -> bool:
        return bool(self.components or self.flows)


def _component_facts(c: Component) -> tuple[object, ...]:
    return (c.type, c.boundary, tuple(sorted(c.attributes.items())))


def _flow_facts(f: Flow) -> tuple[object, ...]:
    return (f.source, f.target, f.data_class, f.is_async, f.kind, f.label, tuple(sorted(f.attributes.items())))


def changes(baseline: Architecture, current: Architecture) -> Changes:
    """Which components and flows of ``current`` differ from ``baseline`` (names and descriptions do not count)."""
    old_components = {c.id: _component_facts(c) for c in baseline.components}
    old_flows = {f.id: f for f in baseline.flows}
    new_flows = {f.id: f for f in current.flows}
    components = {c.id for c in current.components if old_components.get(c.id) != _component_facts(c)}
    flows: set[str] = set()
    for f in current.flows:
        before = old_flows.get(f.id)
        if before is None or _flow_facts(before) != _flow_facts(f):
            flows.add(f.id)
            components.update((f.source, f.target))
    for fid, f in old_flows.items():
        if fid not in new_flows:
            # A removed flow changes what its ends can reach; ends that are gone are not targets.
            components.update(end for end in (f.source, f.target) if current.has_component(end))
    return Changes(frozenset(components), frozenset(flows))


def relevant(deck: Deck, current: Architecture, changed: Changes) -> Deck:
    """The cards of ``deck`` for which some changed component or flow is a valid target, in deck order."""
    types = {current.component(cid).type for cid in changed.components}
    keep = tuple(c for c in deck.cards if any(c.fits(t) for t in types) or (changed.flows and c.fits(None)))
    return Deck(deck.name, deck.title, keep, deck.description)
