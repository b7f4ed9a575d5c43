"""The table a game is played on: the loaded architecture and the cards in play.

A :class:`Board` never changes during a game. It keeps the prepared
:class:`~game.predicates.Graph` and remembers every verdict it has given,
because a card's rule on a component always gives the same answer for the
same architecture; bots and the engine then judge a (card, target) pair once.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Hashable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from game.architecture import Architecture, Component, Flow
from game.cards import Card
from game.deck import Deck
from game.predicates import Graph, Subject, Verdict
from game.rules import judge

T = TypeVar("T")


class TargetKind(StrEnum):
    """What a threat names: a component or a data flow."""

    COMPONENT = "component"
    FLOW = "flow"


@dataclasses.dataclass(frozen=True)
class Board:
    """The architecture and the deck in play (after the delta filter, if any)."""

    architecture: Architecture
    """The model the team threat-models."""
    deck: Deck
    """The cards in play; a delta game deals only some of the chosen deck."""
    focus: frozenset[str] = frozenset()
    """Ids of the components and flows that changed, in a delta game; empty otherwise."""

    def __post_init__(self) -> None:
        # Caches, not fields: they are derived from the fields and never compared or serialised. Shared by
        # games, so used by several threads at once under --async-mode threading, and without a lock: under the
        # GIL each get and set of a dict keyed by built-in values (strings, tuples) is atomic, entries are only
        # added, and each is a pure function of the board (the graph's memo likewise). Two threads missing at
        # once compute an equal answer twice, and either serves (tests/game/test_board_threads.py).
        object.__setattr__(self, "_graph", Graph(self.architecture))
        object.__setattr__(self, "_cards", {c.id: c for c in self.deck.cards})
        object.__setattr__(self, "_verdicts", {})
        object.__setattr__(self, "_targets", {})
        object.__setattr__(self, "_memo", {})

    @property
    def graph(self) -> Graph:
        """The architecture prepared for rule evaluation."""
        graph: Graph = getattr(self, "_graph")
        return graph

    @property
    def cards(self) -> Mapping[str, Card]:
        """Every card in play, by id."""
        cards: Mapping[str, Card] = getattr(self, "_cards")
        return cards

    def resolve(self, target_id: str, card: Card | None = None) -> tuple[Subject, TargetKind] | None:
        """The component or flow a threat names, or None if the architecture has neither.

        Component and flow ids live in separate namespaces; when an id names
        both, the one the card fits wins, and a component otherwise.
        """
        arch = self.architecture
        component = arch.component(target_id) if arch.has_component(target_id) else None
        flow = arch.flow(target_id) if arch.has_flow(target_id) else None
        if component is not None and flow is not None and card is not None:
            if card.fits(None) and not card.fits(component.type):
                return flow, TargetKind.FLOW
        if component is not None:
            return component, TargetKind.COMPONENT
        if flow is not None:
            return flow, TargetKind.FLOW
        return None

    def judge(self, card: Card, subject: Subject) -> Verdict:
        """The card's verdict on a component or flow, computed once per game."""
        verdicts: dict[tuple[str, bool, str], Verdict] = getattr(self, "_verdicts")
        key = (card.id, isinstance(subject, Flow), subject.id)
        verdict = verdicts.get(key)
        if verdict is None:
            verdict = verdicts[key] = judge(card, subject, self.graph)
        return verdict

    def targets(self, card: Card) -> tuple[Subject, ...]:
        """Every component and flow the card fits, in document order."""
        cache: dict[str, tuple[Subject, ...]] = getattr(self, "_targets")
        found = cache.get(card.id)
        if found is None:
            subjects: list[Subject] = [c for c in self.architecture.components if card.fits(c.type)]
            if card.fits(None):
                subjects.extend(self.architecture.flows)
            found = cache[card.id] = tuple(subjects)
        return found


    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Remember a value derived from the board alone (e.g. a bot's ranking of a card's targets)."""
        memo: dict[Hashable, T] = getattr(self, "_memo")
        if key not in memo:
            memo[key] = compute()
        return memo[key]


class _Same(Generic[T]):
    """An object as a cache key, by identity: hashing an architecture's fields would cost more than a board."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __hash__(self) -> int:
        return id(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.value is self.value


# functools' cache rather than a dict of our own: it is documented safe under threads. Its hand-written forerunner
# moved a key to the end after looking it up, and another thread could let that key go in between (KeyError).
@functools.lru_cache(maxsize=16)
def _shared(architecture: _Same[Architecture], deck: _Same[Deck], focus: frozenset[str]) -> Board:
    return Board(architecture.value, deck.value, focus)


def shared_board(architecture: Architecture, deck: Deck, focus: frozenset[str] = frozenset()) -> Board:
    """A Board for these objects, reused across games on the same architecture and deck.

    A board is immutable and its caches only remember pure answers, so games
    can share one; the server and the load tests then judge each (card,
    target) pair once per model rather than once per game. Keyed by object
    identity, holding the objects themselves so an id is never reused while
    cached; the last few are kept. Two threads asking at once for a board not
    kept may each make one: both are right.
    """
    return _shared(_Same(architecture), _Same(deck), focus)


def kind_of(subject: Subject) -> TargetKind:
    """Whether a subject is a component or a flow."""
    return TargetKind.COMPONENT if isinstance(subject, Component) else TargetKind.FLOW
