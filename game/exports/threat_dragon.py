"""An OWASP Threat Dragon v2 model: the architecture as a STRIDE diagram, each threat on its element.

Open the file in Threat Dragon (version 2) and every component is on the
canvas, every trust boundary a box around its members, every flow an arrow,
and every threat of the final list in the ``threats`` of the element it is
about, with Threat Dragon's own fields: ``title``, ``type`` (the STRIDE
category as Threat Dragon spells it, e.g. ``Information disclosure``),
``status`` (``Open``; ``Mitigated`` for an earlier threat the new version
fixed), ``severity`` (``High``/``Medium``/``Low`` from the risk, see
:mod:`game.exports.priorities`), ``description``, ``mitigation``, ``score``
(the risk, as text), ``modelType`` ``STRIDE``, a ``number`` and an ``id``.
Elements with an open threat have ``hasOpenThreats`` set (and are drawn red,
as Threat Dragon draws them).

**Shapes.** Threat Dragon knows actors, processes and stores: actors and
external services are actors; tables, buckets, queues, topics, secrets, log
groups, repositories and generic stores are stores; everything else is a
process.

**Layout.** Deterministic: one column per trust boundary in model order (the
components without a boundary last), each a grid of its members in model
order inside a ``trust-boundary-box``, boxes side by side without overlap.
Threat Dragon decides membership from geometry, and so does our importer, so
every component lands back in its boundary.

**Round trip.** Every element's ``data`` also carries a ``threatdeck`` object
with its threatdeck id, type and attributes (and a flow's data class, kind and
timing), which Threat Dragon keeps untouched; ``game.importers`` reads it back,
so exporting and importing gives the same component ids, types, attributes,
boundaries and flows, and :func:`game.importers.threat_dragon.threats_of` the
same threats.

Cell and threat ids are name-based UUIDs of the threatdeck ids and threat
keys, so the same result always gives the same file.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from typing import Any

from game.architecture import Architecture, AttrValue, Component, ComponentType, Flow
from game.backlog import CarriedThreat, CarryStatus
from game.cards import Suit
from game.exports.markdown import risk_text, title_of
from game.exports.priorities import level
from game.priority import FinalThreat
from game.result import GameResult

TD_VERSION = "2.3.0"
"""The Threat Dragon model version written (2.x files open in every Threat Dragon 2 release)."""

NAMESPACE = uuid.UUID("2580f637-9e82-4249-8c04-bf4c6eaeb6b1")
"""Namespace of the name-based UUIDs of cells and threats."""

STRIDE_TYPES: Mapping[Suit, str] = {
    Suit.SPOOFING: "Spoofing",
    Suit.TAMPERING: "Tampering",
    Suit.REPUDIATION: "Repudiation",
    Suit.INFORMATION_DISCLOSURE: "Information disclosure",
    Suit.DENIAL_OF_SERVICE: "Denial of service",
    Suit.ELEVATION_OF_PRIVILEGE: "Elevation of privilege",
}
"""Threat Dragon's STRIDE threat types."""

CT = ComponentType
_ACTORS = frozenset({CT.ACTOR, CT.EXTERNAL_SERVICE})
_STORES = frozenset({CT.DYNAMODB, CT.S3, CT.SQS, CT.SNS, CT.SECRETS_STORE, CT.LOG_GROUP, CT.STORE, CT.CODE_REPO})

_SHAPES: Mapping[str, tuple[str, str, int, int]] = {
    "actor": ("tm.Actor", "actor", 150, 80),
    "process": ("tm.Process", "process", 100, 100),
    "store": ("tm.Store", "store", 160, 80),
}
"""Kind → (data type, shape, width, height), Threat Dragon's default sizes."""

SLOT_W, SLOT_H = 220, 160
"""Room for one element in a boundary's grid."""
PAD, LABEL, GAP, TOP = 30, 40, 60, 40
"""Box padding, room for the box's label, space between boxes, top margin."""

_DEFAULT, _THREATENED = ("#333333", 1.5), ("red", 2.5)


def shape_of(component_type: ComponentType) -> str:
    """``actor``, ``process`` or ``store``: how Threat Dragon draws a component of this type."""
    if component_type in _ACTORS:
        return "actor"
    return "store" if component_type in _STORES else "process"


def cell_id(kind: str, element_id: str) -> str:
    """The cell id of a component, flow or boundary: a UUID named after its threatdeck id."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{element_id}"))


def _plain(value: AttrValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _attributes(attributes: Mapping[str, AttrValue]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in attributes.items()}


# --------------------------------------------------------------------------- threats


def _final_threat(result: GameResult, t: FinalThreat, number: int) -> dict[str, Any]:
    votes = ", ".join(f"{v.name} {v.likelihood}×{v.impact}" for v in t.votes) or "nobody rated it"
    description = (
        f"{t.text}\n\nWhy: {t.reason}\n\n"
        f"Found by {t.found_by}" + (f" with card {t.card} ({t.card_title})" if t.card else " (sticky note)")
        + f"; rank {t.rank} of {len(result.threats)}, risk {risk_text(t.risk)}; votes: {votes}."
    )
    return {
        "id": str(uuid.uuid5(NAMESPACE, "threat:" + result.key_of(t))),
        "number": number,
        "title": title_of(t),
        "type": STRIDE_TYPES[Suit(t.suit)],
        "status": "Open",
        "severity": level(t.risk),
        "score": "" if t.risk is None else f"{t.risk:.2f}",
        "description": description,
        "mitigation": t.mitigation,
        "modelType": "STRIDE",
    }


def _carried_threat(c: CarriedThreat, number: int) -> dict[str, Any]:
    status = "Mitigated" if c.status is CarryStatus.MITIGATED else "Open"
    description = (
        f"{c.text}\n\nFrom an earlier session ({c.previous_status}); now {c.status.value}: {c.reason}\n\n"
        f"Found by {c.found_by}" + (f" with card {c.card} ({c.card_title})." if c.card else " (sticky note).")
    )
    return {
        "id": str(uuid.uuid5(NAMESPACE, "threat:" + c.key)),
        "number": number,
        "title": title_of(c),
        "type": STRIDE_TYPES[Suit(c.suit)],
        "status": status,
        "severity": level(c.risk),
        "score": "" if c.risk is None else f"{c.risk:.2f}",
        "description": description,
        "mitigation": c.mitigation,
        "modelType": "STRIDE",
    }


def _threats_by_element(result: GameResult) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Threat Dragon threats keyed by (``component``/``flow``, id), numbered in rank order."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    number = 0
    arch = result.architecture
    for t in result.threats:
        number += 1
        out.setdefault((t.target_kind, t.component), []).append(_final_threat(result, t, number))
    for c in result.carried_only():
        exists = arch.has_flow(c.component) if c.target_kind == "flow" else arch.has_component(c.component)
        if not exists:
            continue  # mitigated by removal: there is no element left to hang it on
        number += 1
        out.setdefault((c.target_kind, c.component), []).append(_carried_threat(c, number))
    return out


# --------------------------------------------------------------------------- cells


def _style(threats: list[dict[str, Any]]) -> tuple[bool, str, float]:
    open_ = any(t["status"] == "Open" for t in threats)
    color, width = _THREATENED if open_ else _DEFAULT
    return open_, color, width


def _node(c: Component, x: float, y: float, threats: list[dict[str, Any]]) -> dict[str, Any]:
    kind = shape_of(c.type)
    td_type, shape, w, h = _SHAPES[kind]
    has_open, color, width = _style(threats)
    line = {"stroke": color, "strokeWidth": width, "strokeDasharray": "none"}
    attrs: dict[str, Any] = {"text": {"text": c.name}}
    if kind == "store":
        attrs["topLine"] = dict(line)
        attrs["bottomLine"] = dict(line)
    else:
        attrs["body"] = line
    data: dict[str, Any] = {
        "type": td_type,
        "name": c.name,
        "description": c.description,
        "isTrustBoundary": False,
        "outOfScope": False,
        "reasonOutOfScope": "",
        "hasOpenThreats": has_open,
        "threats": threats,
    }
    data.update(_flags(c, kind))
    data["threatdeck"] = {"id": c.id, "type": c.type.value, "attributes": _attributes(c.attributes)}
    return {
        "id": cell_id("component", c.id),
        "shape": shape,
        "zIndex": 1,
        "visible": True,
        "position": {"x": x, "y": y},
        "size": {"width": w, "height": h},
        "attrs": attrs,
        "data": data,
    }


def _flags(c: Component, kind: str) -> dict[str, Any]:
    """Threat Dragon's property boxes, ticked where an attribute means the same."""

    def yes(name: str) -> bool:
        return c.attributes.get(name) is True

    if kind == "actor":
        return {"providesAuthentication": False}
    if kind == "process":
        privilege = c.attributes.get("privilege_level")
        return {
            "handlesCardPayment": False,
            "handlesGoodsOrServices": False,
            "isWebApplication": yes("web_application"),
            "privilegeLevel": privilege if isinstance(privilege, str) else "",
            "providesAuthentication": yes("implements_auth"),
        }
    return {
        "isALog": yes("is_log") or c.type is CT.LOG_GROUP,
        "isEncrypted": yes("encrypted"),
        "isSigned": yes("signed"),
        "storesCredentials": yes("stores_credentials"),
        "storesInventory": False,
    }


def _flow(f: Flow, threats: list[dict[str, Any]]) -> dict[str, Any]:
    has_open, color, width = _style(threats)
    protocol = f.attributes.get("protocol")
    block: dict[str, Any] = {"id": f.id, "attributes": _attributes(f.attributes)}
    if f.data_class is not None:
        block["data_class"] = f.data_class
    if f.is_async is not None:
        block["async"] = f.is_async
    block["kind"] = f.kind  # null included: the importer guesses a kind only when the key is missing
    return {
        "id": cell_id("flow", f.id),
        "shape": "flow",
        "zIndex": 2,
        "connector": "smooth",
        "source": {"cell": cell_id("component", f.source)},
        "target": {"cell": cell_id("component", f.target)},
        "vertices": [],
        "attrs": {
            "line": {
                "stroke": color,
                "strokeWidth": width,
                "strokeDasharray": "none",
                "targetMarker": {"name": "block"},
                "sourceMarker": {"name": ""},
            }
        },
        "labels": [
            {
                "markup": [{"tagName": "ellipse", "selector": "labelBody"}, {"tagName": "text", "selector": "labelText"}],
                "attrs": {
                    "labelText": {"text": f.label, "textAnchor": "middle", "textVerticalAnchor": "middle"},
                    "labelBody": {"ref": "labelText", "refRx": "50%", "refRy": "60%", "fill": "#fff", "strokeWidth": 0},
                },
                "position": 0.5,
            }
        ],
        "data": {
            "type": "tm.Flow",
            "name": f.label,
            "description": "",
            "isTrustBoundary": False,
            "outOfScope": False,
            "reasonOutOfScope": "",
            "hasOpenThreats": has_open,
            "isBidirectional": False,
            "isEncrypted": f.attributes.get("encrypted") is True,
            "isPublicNetwork": f.attributes.get("public_network") is True,
            "protocol": protocol if isinstance(protocol, str) else "",
            "threats": threats,
            "threatdeck": block,
        },
    }


def _box(boundary_id: str, name: str, description: str, x: float, y: float, w: float, h: float) -> dict[str, Any]:
    return {
        "id": cell_id("boundary", boundary_id),
        "shape": "trust-boundary-box",
        "zIndex": -50,
        "visible": True,
        "position": {"x": x, "y": y},
        "size": {"width": w, "height": h},
        "attrs": {"label": {"text": name}},
        "data": {
            "type": "tm.BoundaryBox",
            "name": name,
            "description": description,
            "isTrustBoundary": True,
            "hasOpenThreats": False,
            "threatdeck": {"id": boundary_id},
        },
    }


def layout(architecture: Architecture) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float, float, float]]]:
    """Top-left corners of every component, and (x, y, width, height) of every boundary box."""
    groups: list[tuple[str | None, list[Component]]] = [
        (b.id, [c for c in architecture.components if c.boundary == b.id]) for b in architecture.boundaries
    ]
    loose = [c for c in architecture.components if c.boundary is None]
    if loose:
        groups.append((None, loose))
    places: dict[str, tuple[float, float]] = {}
    boxes: dict[str, tuple[float, float, float, float]] = {}
    x = float(PAD)
    for boundary, members in groups:
        cols = max(1, math.ceil(math.sqrt(len(members))))
        rows = max(1, math.ceil(len(members) / cols))
        for i, c in enumerate(members):
            _, _, w, h = _SHAPES[shape_of(c.type)]
            col, row = i % cols, i // cols
            places[c.id] = (x + PAD + col * SLOT_W + (SLOT_W - w) / 2, TOP + PAD + LABEL + row * SLOT_H + (SLOT_H - h) / 2)
        width = 2 * PAD + cols * SLOT_W
        if boundary is not None:
            boxes[boundary] = (x, float(TOP), float(width), float(2 * PAD + LABEL + rows * SLOT_H))
        x += width + GAP
    return places, boxes


def threat_dragon_model(result: GameResult) -> dict[str, Any]:
    """The Threat Dragon v2 model of a result (JSON-ready)."""
    arch = result.architecture
    threats = _threats_by_element(result)
    places, boxes = layout(arch)
    cells: list[dict[str, Any]] = []
    for b in arch.boundaries:
        bx, by, bw, bh = boxes[b.id]
        cells.append(_box(b.id, b.name, b.description, bx, by, bw, bh))
    for c in arch.components:
        px, py = places[c.id]
        cells.append(_node(c, px, py, threats.get(("component", c.id), [])))
    for f in arch.flows:
        cells.append(_flow(f, threats.get(("flow", f.id), [])))
    count = sum(len(v) for v in threats.values())
    facilitator = result.settings.facilitator
    return {
        "version": TD_VERSION,
        "summary": {
            "title": arch.name,
            "owner": facilitator,
            "description": arch.description,
            "id": 0,
        },
        "detail": {
            "contributors": [{"name": name} for name in result.settings.seats],
            "diagrams": [
                {
                    "id": 0,
                    "title": arch.name,
                    "diagramType": "STRIDE",
                    "placeholder": "New STRIDE diagram description",
                    "thumbnail": "./public/content/images/thumbnail.stride.jpg",
                    "version": TD_VERSION,
                    "description": f"Threats found with threatdeck ({result.deck_title}).",
                    "cells": cells,
                }
            ],
            "diagramTop": 1,
            "reviewer": "",
            "threatTop": count,
        },
    }
