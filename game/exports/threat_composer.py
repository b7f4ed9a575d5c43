"""An AWS Threat Composer workspace (``.tc.json``, schema version 1): every threat in its statement grammar.

Threat Composer writes a threat as a statement with named parts::

    A [threat source] [prerequisites] can [threat action], which leads to [threat impact],
    resulting in reduced [impacted goal] of [impacted assets]

Each threat of the final list (and each earlier threat still on the model)
becomes one, built from what the game knows:

* **threat source** and **threat action** come from the threat's text, which is
  the card's question unless the player wrote their own. The deck's questions
  read "Could *someone* *do this*, because *that*?": "someone" becomes
  "threat actor", "a customer" becomes "customer", and the action is taken as
  it stands. A text of another shape is the action, with "threat actor" as the
  source;
* **prerequisites**: "with access to" the component or flow;
* **threat impact**: what a threat of that STRIDE category does, in one phrase;
* **impacted goal**: the security property the category breaks
  (authenticity, integrity, non-repudiation, confidentiality, availability,
  authorisation);
* **impacted assets**: the component (or flow) by name.

The "because" part of the question, the rule's reason and the votes go into
the threat's ``Comments``. Metadata ``STRIDE`` holds the category's letter and
``Priority`` High, Medium or Low from the risk (:mod:`game.exports.priorities`);
``custom:threatdeck-id`` the stable key and ``custom:risk`` the risk. Each
card's mitigation is one mitigation, linked to every threat it answers
(``mitigationLinks``). Ids are name-based UUIDs, so the same result always
gives the same file. Lengths follow Threat Composer's limits (200 characters
a statement part, 1,000 a mitigation or comment, 30 a tag), counted as
JavaScript counts them, in UTF-16 code units (an emoji is 2); a text cut to
fit ends in "…" and never splits a surrogate pair.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from game.backlog import CarriedThreat, CarryStatus
from game.cards import Suit
from game.exports.priorities import level
from game.priority import FinalThreat
from game.result import GameResult

SCHEMA_VERSION = 1
"""Threat Composer's export schema version."""

NAMESPACE = uuid.UUID("6f1f7d0e-2d5c-4f0b-9a52-7c1d1a3e9b44")
"""Namespace of the name-based UUIDs of threats and mitigations."""

PART_MAX = 200
"""Longest statement part (source, prerequisites, action, impact, each goal and asset)."""
STATEMENT_MAX = 1400
"""Longest statement."""
TEXT_MAX = 1000
"""Longest mitigation, comment or assumption."""
TAG_MAX = 30
"""Longest tag."""
DESCRIPTION_MAX = 100_000
"""Longest application, architecture or data-flow description."""

IMPACTS: dict[Suit, str] = {
    Suit.SPOOFING: "someone acting under an identity that is not theirs",
    Suit.TAMPERING: "data or code being changed without authorisation",
    Suit.REPUDIATION: "actions that cannot be traced back to whoever performed them",
    Suit.INFORMATION_DISCLOSURE: "data being disclosed to people who should not see it",
    Suit.DENIAL_OF_SERVICE: "the system becoming unavailable to the people who need it",
    Suit.ELEVATION_OF_PRIVILEGE: "someone gaining permissions they should not have",
}
"""The threat impact of each STRIDE category."""

_QUESTION = re.compile(r"^could\s+(someone|anyone|an?\s+\S+|any\s+\S+)\s+(.+?)(?:,\s*because\s+(.+?))?\s*\?*$", re.IGNORECASE)


def units(text: str) -> int:
    """The length of ``text`` as JavaScript counts it, which is how Threat Composer checks its limits:
    UTF-16 code units, so a character outside the Basic Multilingual Plane (an emoji) counts 2."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _cut(text: str, width: int) -> str:
    """The longest start of ``text`` of at most ``width`` UTF-16 units; never half a surrogate pair."""
    total = 0
    for n, ch in enumerate(text):
        total += 2 if ord(ch) > 0xFFFF else 1
        if total > width:
            return text[:n]
    return text


def _limit(text: str, width: int) -> str:
    """At most ``width`` UTF-16 units (Threat Composer's lengths), line breaks kept; a cut ends in "…"."""
    return text if units(text) <= width else _cut(text, width - 1).rstrip() + "…"


def _clip(text: str, width: int) -> str:
    """:func:`_limit` on the text with its runs of white space made one space."""
    return _limit(" ".join(text.split()), width)


def grammar(text: str) -> tuple[str, str, str]:
    """(threat source, threat action, the "because" part) of a threat's text.

    >>> grammar("Could someone forge a login here, because our own code checks passwords?")
    ('threat actor', 'forge a login here', 'our own code checks passwords')
    >>> grammar("Could a customer reach staff-only operations through this API?")
    ('customer', 'reach staff-only operations through this API', '')
    >>> grammar("Admins can read every payslip.")
    ('threat actor', 'admins can read every payslip', '')
    """
    plain = " ".join(text.split())
    m = _QUESTION.match(plain)
    if m is None:
        action = plain.rstrip(".?! ")
        return "threat actor", action[:1].lower() + action[1:], ""
    who = m.group(1).lower()
    source = "threat actor" if who in ("someone", "anyone") else who.split(None, 1)[1]
    return source, m.group(2), m.group(3) or ""


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def _assets(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _asset_name(result: GameResult, target: str, target_kind: str) -> str:
    arch = result.architecture
    if target_kind == "flow" and arch.has_flow(target):
        f = arch.flow(target)
        return f.label or f"the data flow from {f.source} to {f.target}"
    if arch.has_component(target):
        return arch.component(target).name
    return target


def _statement(result: GameResult, text: str, suit: Suit, target: str, target_kind: str) -> dict[str, Any]:
    source, action, because = grammar(text)
    asset = _clip(_asset_name(result, target, target_kind), PART_MAX)
    source = _clip(source, PART_MAX)
    prerequisites = _clip(f"with access to {asset}", PART_MAX)
    action = _clip(action, PART_MAX)
    impact = _clip(IMPACTS[suit], PART_MAX)
    statement = (
        f"{_article(source)} {source} {prerequisites} can {action}, which leads to {impact}, "
        f"resulting in reduced {suit.property_violated} of {_assets([asset])}"
    )
    return {
        "threatSource": source,
        "prerequisites": prerequisites,
        "threatAction": action,
        "threatImpact": impact,
        "impactedGoal": [suit.property_violated],
        "impactedAssets": [asset],
        "statement": _clip(statement, STATEMENT_MAX),
        "because": because,
    }


def _tags(card: str | None, component: str) -> list[str]:
    tags = ["threatdeck", card or "sticky note", component]
    return [t for t in dict.fromkeys(tags) if 0 < units(t) <= TAG_MAX]


def _threat(number: int, key: str, grammar_parts: dict[str, Any], suit: Suit, risk: float | None, status: str,
            comments: str, tags: list[str]) -> dict[str, Any]:
    parts = dict(grammar_parts)
    parts.pop("because")
    metadata: list[dict[str, Any]] = [
        {"key": "STRIDE", "value": [suit.value]},
        {"key": "Priority", "value": level(risk)},
        {"key": "Comments", "value": _limit(comments, TEXT_MAX)},
        {"key": "custom:threatdeck-id", "value": key},
    ]
    if risk is not None:
        metadata.append({"key": "custom:risk", "value": f"{risk:.2f}"})
    return {
        "id": str(uuid.uuid5(NAMESPACE, "threat:" + key)),
        "numericId": number,
        "displayOrder": number,
        "metadata": metadata,
        "tags": tags,
        **parts,
        "status": status,
    }


def _final_comments(t: FinalThreat, because: str) -> str:
    votes = ", ".join(f"{v.name} {v.likelihood}×{v.impact}" for v in t.votes) or "nobody rated it"
    lines = [
        f"Rank {t.rank}; risk {'not rated' if t.risk is None else f'{t.risk:.2f}'}; votes: {votes}.",
        f"Found by {t.found_by}" + (f" with card {t.card} ({t.card_title})." if t.card else " (a sticky note)."),
        f"Why: {t.reason}",
    ]
    if because:
        lines.append(f"Because: {because}")
    return "\n".join(lines)


def _carried_comments(c: CarriedThreat, because: str) -> str:
    lines = [
        f"From an earlier session ({c.previous_status}); now {c.status.value}: {c.reason}",
        f"Found by {c.found_by}" + (f" with card {c.card} ({c.card_title})." if c.card else " (a sticky note)."),
    ]
    if because:
        lines.append(f"Because: {because}")
    return "\n".join(lines)


def _long(text: str) -> str:
    return _limit(text, DESCRIPTION_MAX)


def _markdown_list(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def threat_composer_workspace(result: GameResult) -> dict[str, Any]:
    """The Threat Composer export of a result (JSON-ready): ``schema``, application, architecture,
    data flow, threats, mitigations and their links."""
    arch = result.architecture
    threats: list[dict[str, Any]] = []
    answers: dict[str, list[tuple[str, bool]]] = {}  # mitigation text -> (threat id, resolved)
    number = 0
    for t in result.threats:
        number += 1
        suit = Suit(t.suit)
        parts = _statement(result, t.text, suit, t.component, t.target_kind)
        item = _threat(number, result.key_of(t), parts, suit, t.risk, "threatIdentified",
                       _final_comments(t, parts["because"]), _tags(t.card, t.component))
        threats.append(item)
        if t.mitigation:
            answers.setdefault(t.mitigation, []).append((item["id"], False))
    for c in result.carried_only():
        number += 1
        suit = Suit(c.suit)
        resolved = c.status is CarryStatus.MITIGATED
        parts = _statement(result, c.text, suit, c.component, c.target_kind)
        item = _threat(number, c.key, parts, suit, c.risk, "threatResolved" if resolved else "threatIdentified",
                       _carried_comments(c, parts["because"]), _tags(c.card, c.component))
        threats.append(item)
        if c.mitigation:
            answers.setdefault(c.mitigation, []).append((item["id"], resolved))
    mitigations: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    for n, (text, linked) in enumerate(answers.items(), start=1):
        mitigation_id = str(uuid.uuid5(NAMESPACE, "mitigation:" + text))
        done = all(resolved for _, resolved in linked)
        mitigations.append({
            "id": mitigation_id,
            "numericId": n,
            "displayOrder": n,
            "content": _limit(text, TEXT_MAX),
            "status": "mitigationResolved" if done else "mitigationIdentified",
        })
        links.extend({"mitigationId": mitigation_id, "linkedId": threat_id} for threat_id, _ in linked)
    boundaries = {b.id: b.name for b in arch.boundaries}
    components = [
        f"**{c.name}** (`{c.id}`, {c.type.value.replace('_', ' ')})"
        + (f" in {boundaries[c.boundary]}" if c.boundary else "")
        + (f": {' '.join(c.description.split())}" if c.description else "")
        for c in arch.components
    ]
    flows = [
        f"{arch.component(f.source).name} → {arch.component(f.target).name}"
        + (f": {f.label}" if f.label else "") + (f" ({f.data_class} data)" if f.data_class else "")
        for f in arch.flows
    ]
    summary = (
        f"Threats found in a threatdeck game with the {result.deck_title} deck"
        + (f" (game {result.game_id})" if result.game_id else "")
        + f": {len(result.threats)} accepted and prioritised by likelihood × impact"
        + (f", and {len(result.carried_only())} from earlier sessions." if result.carried_only() else ".")
    )
    return {
        "schema": SCHEMA_VERSION,
        "applicationInfo": {
            "name": _clip(arch.name, PART_MAX),
            "description": _long((arch.description + "\n\n" if arch.description else "") + summary),
        },
        "architecture": {"description": _long("### Components\n\n" + _markdown_list(components))},
        "dataflow": {"description": _long("### Data flows\n\n" + (_markdown_list(flows) if flows else "None recorded."))},
        "assumptions": [],
        "mitigations": mitigations,
        "assumptionLinks": [],
        "mitigationLinks": links,
        "threats": threats,
    }
