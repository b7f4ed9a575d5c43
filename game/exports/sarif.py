"""SARIF 2.1.0 for scan findings, in the shape GitHub code scanning accepts.

Each card with a rule is a reporting rule; each finding is a result located at
the component's place in the template (line 1 when the format has no lines).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from game.architecture import Architecture
from game.cards import Card
from game.deck import Deck
from game.rules import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def severity(card: Card) -> float:
    """A CVSS-like score GitHub uses to rank alerts: higher ranks are the graver anti-patterns."""
    return round(min(9.0, 3.0 + 0.5 * (card.rank - 2)), 1)


def _level(score: float) -> str:
    return "error" if score >= 7.0 else "warning" if score >= 4.0 else "note"


def _rule(card: Card) -> dict[str, Any]:
    refs = "\n".join(f"- [{r.label}]({r.url})" if r.url else f"- {r.label}" for r in card.references)
    markdown = f"**{card.suit.category}**: {card.question}\n\n{card.explanation}\n\n**Mitigation:** {card.mitigation}"
    if refs:
        markdown += f"\n\n**References:**\n{refs}"
    score = severity(card)
    return {
        "id": card.id,
        "name": "".join(w.capitalize() for w in "".join(ch if ch.isalnum() else " " for ch in card.title).split()),
        "shortDescription": {"text": card.title},
        "fullDescription": {"text": card.question},
        "help": {"text": f"{card.explanation} Mitigation: {card.mitigation}", "markdown": markdown},
        "defaultConfiguration": {"level": _level(score)},
        "properties": {
            "tags": ["security", "stride", card.suit.category.lower().replace(" ", "-")],
            "precision": "high",
            "security-severity": f"{score:.1f}",
        },
    }


def _uri(path: str) -> str:
    """The path as a relative URI reference: ``/`` between segments, everything else but unreserved
    characters percent-encoded (spaces, ``#``, ``%``, non-ASCII as UTF-8). A name that is not UTF-8 on
    disk (read as lone surrogates) is encoded from its bytes (``surrogateescape``, as the file system decoded it)."""
    name = path.replace("\\", "/").removeprefix("./")
    return quote(name.encode("utf-8", "surrogateescape"), safe="/")


def sarif_log(deck: Deck, scans: Sequence[tuple[str, Architecture, Sequence[Finding]]], errors: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """One SARIF log for every scanned file: ``scans`` holds (path, architecture, findings)."""
    cards = [c for c in deck.cards if not c.is_open]
    index = {c.id: i for i, c in enumerate(cards)}
    results: list[dict[str, Any]] = []
    for path, arch, findings in scans:
        for f in findings:
            line = 1
            if not f.is_flow and arch.has_component(f.target):
                loc = arch.component(f.target).location
                line = loc.line if loc and loc.line else 1
            elif f.is_flow and arch.has_flow(f.target):
                floc = arch.flow(f.target).location
                line = floc.line if floc and floc.line else 1
            digest = hashlib.sha256(f"{f.card.id}|{f.target}".encode()).hexdigest()[:32]
            results.append(
                {
                    "ruleId": f.card.id,
                    "ruleIndex": index[f.card.id],
                    "level": _level(severity(f.card)),
                    "message": {"text": f"{f.card.title}: {f.reason}"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": _uri(path)},
                                "region": {"startLine": line},
                            },
                            "logicalLocations": [{"name": f.target, "kind": "resource"}],
                        }
                    ],
                    "partialFingerprints": {"threatdeckFinding/v1": digest},
                }
            )
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": message}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(path)}}}]}
            for path, message in errors
        ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "threatdeck",
                        "semanticVersion": "0.1.0",
                        "rules": [_rule(c) for c in cards],
                    }
                },
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
