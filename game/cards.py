"""Cards and their STRIDE suits."""

from __future__ import annotations

import dataclasses
from enum import Enum

from game.architecture import ComponentType
from game.predicates import Predicate


class Suit(Enum):
    """A STRIDE category. Declaration order is STRIDE order, used to break ties."""

    SPOOFING = "S"
    TAMPERING = "T"
    REPUDIATION = "R"
    INFORMATION_DISCLOSURE = "I"
    DENIAL_OF_SERVICE = "D"
    ELEVATION_OF_PRIVILEGE = "E"

    @property
    def category(self) -> str:
        """The category's name as exports and reports spell it, e.g. ``Information Disclosure``."""
        return _CATEGORY[self]

    @property
    def order(self) -> int:
        """Position in S, T, R, I, D, E."""
        return list(Suit).index(self)

    @property
    def property_violated(self) -> str:
        """The security property a threat of this suit breaks."""
        return _PROPERTY[self]

    @staticmethod
    def parse(text: str) -> Suit:
        """Accept a letter (``S``), a name (``spoofing``) or a category (``Information Disclosure``)."""
        t = text.strip()
        for s in Suit:
            if t.upper() == s.value or t.lower().replace("_", " ") in (s.category.lower(), s.name.lower().replace("_", " ")):
                return s
        raise ValueError(f"unknown suit {text!r}; expected one of {', '.join(s.category for s in Suit)}")


_CATEGORY = {
    Suit.SPOOFING: "Spoofing",
    Suit.TAMPERING: "Tampering",
    Suit.REPUDIATION: "Repudiation",
    Suit.INFORMATION_DISCLOSURE: "Information Disclosure",
    Suit.DENIAL_OF_SERVICE: "Denial of Service",
    Suit.ELEVATION_OF_PRIVILEGE: "Elevation of Privilege",
}
_PROPERTY = {
    Suit.SPOOFING: "authenticity",
    Suit.TAMPERING: "integrity",
    Suit.REPUDIATION: "non-repudiation",
    Suit.INFORMATION_DISCLOSURE: "confidentiality",
    Suit.DENIAL_OF_SERVICE: "availability",
    Suit.ELEVATION_OF_PRIVILEGE: "authorisation",
}

#: A card's target may be a component of one of its types, or a flow when it lists FLOW_TARGET.
FLOW_TARGET = "flow"


@dataclasses.dataclass(frozen=True)
class Reference:
    """Where a card's facts come from: a checkov id, an OWASP item, an AWS doc."""

    label: str
    """What to show, e.g. ``checkov CKV_AWS_59``."""
    url: str | None = None
    """A link, when there is one."""


@dataclasses.dataclass(frozen=True, eq=False)
class Card:
    """One card of a deck: a STRIDE threat keyed to a serverless anti-pattern."""

    id: str
    """Stable id, e.g. ``S2``; unique within the deck."""
    suit: Suit
    """Its STRIDE category."""
    rank: int
    """2 to 14 (ace); orders cards within a suit for tricks."""
    title: str
    """Short name of the anti-pattern."""
    question: str
    """What the player asks of the component; pre-fills the threat text."""
    applies_to: frozenset[str]
    """Component type values (and possibly ``flow``) it may be played on."""
    rule: Predicate | None
    """The compiled rule; None for an open-threat card the players judge."""
    rule_source: object
    """The rule as written in the deck file, shown to players who ask why."""
    mitigation: str
    """What the team can do about it."""
    explanation: str
    """A short explanation for newcomers."""
    references: tuple[Reference, ...] = ()
    """Sources: checkov ids, OWASP Serverless Top 10, AWS documentation."""

    @property
    def holds_when(self) -> str | None:
        """What must be true of a component or flow for the threat to hold: the question's "because" part.

        A verdict quotes it, so a newcomer told "not valid" also learns what would have made it valid.
        None for a question without one (the open cards).
        """
        _, because, condition = self.question.partition(", because ")
        return (condition.rstrip("?").strip() or None) if because else None

    @property
    def is_open(self) -> bool:
        """Whether the players, not a rule, judge threats made with this card."""
        return self.rule is None

    def fits(self, component_type: ComponentType | None) -> bool:
        """Whether the card may be played on a component of that type (None: on a flow)."""
        if component_type is None:
            return FLOW_TARGET in self.applies_to
        return component_type.value in self.applies_to

    def __hash__(self) -> int:
        return hash(self.id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Card) and other.id == self.id

    def __repr__(self) -> str:
        return f"Card({self.id!r}, {self.suit.value}{self.rank}, {self.title!r})"
