"""The threat backlog across sessions: earlier threats carried into a new game, with their status.

"Little and often": a team models a change, plays only the change, and
builds on what it found last time. :func:`carry_over` takes the result of the
previous session and the architecture as it is now, and re-checks every
threat of that session's backlog (its final list, plus what it carried
itself) against the new model with the threat's card:

* ``still-open``: the card's rule still holds on the component or flow;
* ``mitigated``: the rule no longer holds (``mitigated_by="fixed"``), or the
  component or flow is gone (``mitigated_by="removed"``);
* ``unknown``: the rule cannot tell on the new model (it lacks the facts), or
  the card is not in the deck;
* ``open``: no rule can re-check it (a sticky note or an open-threat card) and
  its target is still there, so it stays open until the team closes it.

Every threat has a stable key, ``<scope>:<card>:<target>`` (a note has
``note-<hash of its suit and text>`` instead of a card), where the scope is
the backlog's: a game started from a previous result keeps that result's
scope, so the same finding keeps the same key session after session. The
GitHub export uses the key to skip threats already filed.

>>> threat_key("a1b2", "S1", "S", "AuthFunction", "component", "Could someone forge a login?")
'a1b2:S1:AuthFunction'
>>> threat_key("a1b2", "TA4", "T", "user-api", "flow", "")
'a1b2:TA4:flow:user-api'
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from game.architecture import Architecture
from game.deck import Deck
from game.predicates import Graph, Subject, Truth
from game.rules import judge
from game.threats import normalise

if TYPE_CHECKING:
    from game.result import GameResult


class CarryStatus(StrEnum):
    """Where an earlier threat stands on the new architecture."""

    OPEN = "open"
    """No rule can re-check it (a sticky note or an open card); its target is still there."""
    STILL_OPEN = "still-open"
    """The card's rule still holds."""
    MITIGATED = "mitigated"
    """The rule no longer holds, or the target is gone (see ``mitigated_by``)."""
    UNKNOWN = "unknown"
    """The rule cannot tell on the new model, or the card is not in the deck."""


FIXED = "fixed"
"""``mitigated_by`` when the card's rule no longer holds on the target."""
REMOVED = "removed"
"""``mitigated_by`` when the component or flow is no longer in the architecture."""


@dataclasses.dataclass(frozen=True)
class CarriedThreat:
    """A threat from an earlier session, re-checked against the current architecture."""

    key: str
    """Stable id across sessions (see :func:`threat_key`)."""
    category: str
    """STRIDE category, e.g. ``Information Disclosure``."""
    suit: str
    """STRIDE letter."""
    component: str
    """Id of the component or flow it is about."""
    target_kind: str
    """``component`` or ``flow``."""
    card: str | None
    """The card that found it (None for a sticky note)."""
    card_title: str | None
    """The card's anti-pattern."""
    text: str
    """The threat in the finder's words."""
    mitigation: str
    """What to do about it."""
    found_by: str
    """Who found it."""
    found_in: str
    """The game it was first found in (its id, or empty when it had none)."""
    risk: float | None
    """Its risk when it was last rated."""
    previous_status: str
    """Its status in the previous session: ``open`` for a threat of that session's final list."""
    status: CarryStatus
    """Its status now."""
    reason: str
    """Why: the rule's reason on the new model, or what happened to the target."""
    mitigated_by: str | None = None
    """``fixed`` or ``removed`` when mitigated; None otherwise."""

    @property
    def is_open(self) -> bool:
        """Whether it still needs work (anything but mitigated)."""
        return self.status is not CarryStatus.MITIGATED


@dataclasses.dataclass(frozen=True)
class Backlog:
    """The threats a game starts with: what earlier sessions found, re-checked."""

    scope: str
    """The scope of every threat key (the first session's)."""
    threats: tuple[CarriedThreat, ...] = ()
    """Earlier threats, riskiest first as they were ranked."""
    baseline: str = ""
    """Name of the architecture they were found on (the previous session's)."""

    def get(self, key: str) -> CarriedThreat | None:
        """The earlier threat with that key, if any."""
        return next((t for t in self.threats if t.key == key), None)

    def count(self, status: CarryStatus) -> int:
        """How many earlier threats have that status."""
        return sum(1 for t in self.threats if t.status is status)


def threat_key(scope: str, card: str | None, suit: str, target: str, target_kind: str, text: str) -> str:
    """The stable id of a finding: the card (or the note's suit and text) on the target, within a scope."""
    if card is not None:
        what = card
    else:
        digest = hashlib.sha256(f"{suit}|{normalise(text)}".encode()).hexdigest()[:10]
        what = f"note-{digest}"
    where = f"flow:{target}" if target_kind == "flow" else target
    return f"{scope}:{what}:{where}"


def _subject(architecture: Architecture, target: str, target_kind: str) -> Subject | None:
    if target_kind == "flow":
        return architecture.flow(target) if architecture.has_flow(target) else None
    return architecture.component(target) if architecture.has_component(target) else None


def recheck(threat: CarriedThreat, architecture: Architecture, deck: Deck, graph: Graph | None = None) -> CarriedThreat:
    """The threat with its status on ``architecture`` (its previous status is the one it had)."""
    previous = threat.status.value
    subject = _subject(architecture, threat.component, threat.target_kind)
    status: CarryStatus
    mitigated_by: str | None = None
    if subject is None:
        what = "flow" if threat.target_kind == "flow" else "component"
        status, mitigated_by = CarryStatus.MITIGATED, REMOVED
        reason = f"{what} {threat.component} is no longer in the architecture"
    elif threat.card is None:
        status, reason = CarryStatus.OPEN, "a sticky note: no rule can re-check it, the team closes it"
    elif not deck.has(threat.card):
        status, reason = CarryStatus.UNKNOWN, f"card {threat.card} is not in the deck {deck.name}"
    else:
        card = deck.card(threat.card)
        if card.is_open:
            status, reason = CarryStatus.OPEN, f"{card.id} is an open card: no rule can re-check it, the team closes it"
        else:
            verdict = judge(card, subject, graph or Graph(architecture))
            reason = verdict.reason
            if verdict.truth is Truth.HOLDS:
                status = CarryStatus.STILL_OPEN
            elif verdict.truth is Truth.DOES_NOT_HOLD:
                status, mitigated_by = CarryStatus.MITIGATED, FIXED
            else:
                status = CarryStatus.UNKNOWN
    return dataclasses.replace(threat, previous_status=previous, status=status, reason=reason, mitigated_by=mitigated_by)


def earlier_threats(previous: GameResult) -> tuple[CarriedThreat, ...]:
    """The previous session's whole backlog as it stood then: its final list, then what it carried.

    A threat of the final list that was also carried (found again) appears
    once, from the final list, with the key and first session it had.
    """
    out: list[CarriedThreat] = []
    seen: set[str] = set()
    for final in previous.threats:
        key = previous.key_of(final)
        before = previous.earlier(final)
        seen.add(key)
        out.append(
            CarriedThreat(
                key=key,
                category=final.category,
                suit=final.suit,
                component=final.component,
                target_kind=final.target_kind,
                card=final.card,
                card_title=final.card_title,
                text=final.text,
                mitigation=final.mitigation,
                found_by=before.found_by if before is not None else final.found_by,
                found_in=before.found_in if before is not None else (previous.game_id or ""),
                risk=final.risk,
                previous_status=CarryStatus.OPEN.value,
                status=CarryStatus.OPEN,
                reason=final.reason,
            )
        )
    for carried in previous.carried:
        if carried.key not in seen:
            seen.add(carried.key)
            out.append(carried)
    return tuple(out)


def carry_over(previous: GameResult, architecture: Architecture, deck: Deck) -> Backlog:
    """The previous session's backlog re-checked against ``architecture`` with ``deck``'s cards."""
    graph = Graph(architecture)
    threats = tuple(recheck(t, architecture, deck, graph) for t in earlier_threats(previous))
    return Backlog(scope=previous.scope, threats=threats, baseline=previous.architecture.name)


def statuses(threats: Iterable[CarriedThreat]) -> dict[str, int]:
    """How many threats have each status, in the order of :class:`CarryStatus`."""
    counts = {s.value: 0 for s in CarryStatus}
    for t in threats:
        counts[t.status.value] += 1
    return counts
