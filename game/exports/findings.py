"""The JSON document ``threatdeck scan --format json`` prints for one architecture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from game.architecture import Architecture
from game.rules import Finding


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding, JSON-ready."""
    card = finding.card
    return {
        "card": card.id,
        "category": card.suit.category,
        "component": finding.target,
        "title": card.title,
        "reason": finding.reason,
        "mitigation": card.mitigation,
    }


def scan_document(architecture: Architecture, findings: Sequence[Finding]) -> dict[str, Any]:
    """``{"architecture": {...}, "findings": [...]}`` for one scanned file."""
    return {
        "architecture": {
            "name": architecture.name,
            "format": architecture.source_format,
            "components": [{"id": c.id, "type": c.type.value, "name": c.name} for c in architecture.components],
            "flows": [{"source": f.source, "target": f.target} for f in architecture.flows],
        },
        "findings": [finding_dict(f) for f in findings],
    }
