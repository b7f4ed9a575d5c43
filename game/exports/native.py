"""An architecture as a native threatdeck document: the inverse of :mod:`game.importers.native`.

``native_document(architecture)`` returns the mapping that
``game.importers.native.from_document`` reads back to the same components,
flows and boundaries. It is how a result file embeds its architecture, so an
export is self-contained and can be played, scanned or diffed again.

What the native format cannot hold is left out: where each element and
attribute was read from (``location``, ``provenance``) and which importer read
it (``source_format``, kept beside the document by :mod:`game.exports.result`).

>>> from game.architecture import Architecture, Component, ComponentType, Flow
>>> arch = Architecture("Shop", (Component("Fn", ComponentType.LAMBDA, "Fn", {"tracing": True}),
...                              Component("Db", ComponentType.DYNAMODB, "Orders")),
...                     (Flow("Fn->Db", "Fn", "Db", kind="write"),))
>>> doc = native_document(arch)
>>> doc["components"][0]
{'id': 'Fn', 'type': 'lambda', 'name': 'Fn', 'attributes': {'tracing': True}}
>>> doc["flows"]   # the importer names this flow Fn->Db again, so its id is left out
[{'source': 'Fn', 'target': 'Db', 'kind': 'write'}]
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from game.architecture import Architecture, AttrValue, Boundary, Component, Flow
from game.importers.documents import shown

NATIVE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
"""The ids the native format accepts (the importer's rule)."""


class NativeExportError(ValueError):
    """The architecture has something the native format cannot hold (an id it refuses)."""


def _value(value: AttrValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _plain(data: Any) -> Any:
    """Plain JSON/YAML data: str subclasses (some parsers tag their strings) become ``str``."""
    if isinstance(data, str):
        return str(data)
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


def _attributes(attributes: Mapping[str, AttrValue]) -> dict[str, Any]:
    return {name: _value(value) for name, value in attributes.items()}


def _component(c: Component) -> dict[str, Any]:
    if not NATIVE_ID.match(c.id):
        raise NativeExportError(f"component id {shown(c.id)} is not a native id (letters, digits and _ . : -, "
                                f"at most 128)")
    out: dict[str, Any] = {"id": c.id, "type": c.type.value}
    if c.name:
        out["name"] = c.name
    if c.boundary is not None:
        out["boundary"] = c.boundary
    if c.description:
        out["description"] = c.description
    if c.attributes:
        out["attributes"] = _attributes(c.attributes)
    return out


def _boundary(b: Boundary) -> dict[str, Any]:
    if not NATIVE_ID.match(b.id):
        raise NativeExportError(f"boundary id {shown(b.id)} is not a native id (letters, digits and _ . : -, "
                                f"at most 128)")
    out: dict[str, Any] = {"id": b.id}
    if b.name:
        out["name"] = b.name
    if b.description:
        out["description"] = b.description
    return out


def _implicit_ids(flows: tuple[Flow, ...], written: set[str]) -> dict[int, str]:
    """The ids the importer gives the flows written without one: ``Source->Target``, then ``#2``, ``#3``…"""
    used = set(written)
    out: dict[int, str] = {}
    for i, f in enumerate(flows):
        if f.id in written:
            continue
        candidate, n = f"{f.source}->{f.target}", 1
        base = candidate
        while candidate in used:
            n += 1
            candidate = f"{base}#{n}"
        used.add(candidate)
        out[i] = candidate
    return out


def _flow(f: Flow, with_id: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if with_id:
        out["id"] = f.id
    out["source"] = f.source
    out["target"] = f.target
    if f.label:
        out["label"] = f.label
    if f.data_class is not None:
        out["data_class"] = f.data_class
    if f.is_async is not None:
        out["async"] = f.is_async
    if f.kind is not None:
        out["kind"] = f.kind
    if f.attributes:
        out["attributes"] = _attributes(f.attributes)
    return out


def native_document(architecture: Architecture) -> dict[str, Any]:
    """The native document (``threatdeck: 1``) that imports back to ``architecture``.

    A flow id the importer would generate anyway (``Source->Target``,
    ``Source->Target#2``, as CloudFormation and native models without ids
    get) is left out; any other id is written. Raises
    :class:`NativeExportError` when an id cannot be written or regenerated.
    """
    written = {f.id for f in architecture.flows if NATIVE_ID.match(f.id)}
    implicit = _implicit_ids(architecture.flows, written)
    for i, generated in implicit.items():
        flow = architecture.flows[i]
        if generated != flow.id:
            raise NativeExportError(f"flow id {shown(flow.id)} is neither a native id nor the id the importer "
                                    "would give it")
    doc: dict[str, Any] = {"threatdeck": 1, "name": architecture.name}
    if architecture.description:
        doc["description"] = architecture.description
    if architecture.boundaries:
        doc["boundaries"] = [_boundary(b) for b in architecture.boundaries]
    doc["components"] = [_component(c) for c in architecture.components]
    if architecture.flows:
        doc["flows"] = [_flow(f, i not in implicit) for i, f in enumerate(architecture.flows)]
    plain: dict[str, Any] = _plain(doc)
    return plain


def portable(architecture: Architecture) -> Architecture:
    """The architecture as the native format carries it: no locations, no provenance.

    ``portable(a)`` equals what ``native_document(a)`` imports back to, apart
    from ``source_format``, which is kept.
    """
    components = tuple(
        dataclasses.replace(c, name=c.name or c.id, location=None, provenance={}) for c in architecture.components
    )
    flows = tuple(dataclasses.replace(f, location=None, provenance={}) for f in architecture.flows)
    boundaries = tuple(dataclasses.replace(b, name=b.name or b.id) for b in architecture.boundaries)
    return dataclasses.replace(architecture, components=components, flows=flows, boundaries=boundaries)
