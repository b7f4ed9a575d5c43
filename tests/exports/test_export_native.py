"""Architecture → native document → architecture: the same model, from every importer."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml
from exportkit import ROOT

from game.architecture import Architecture, Component, ComponentType, Flow
from game.exports.native import NativeExportError, native_document, portable
from game.importers import load_architecture
from game.importers.native import from_document

MODELS = sorted(
    [p for p in (ROOT / "examples" / "leejames-hr").glob("*.yaml") if p.name != "threats.yaml"]
    + [ROOT / "tests" / "importers" / "fixtures" / "native" / "shop.yaml"]
    + [ROOT / "tests" / "importers" / "fixtures" / "threat-dragon" / n for n in ("claims-v2.json", "payslips-v1.json")]
    + [ROOT / "tests" / "importers" / "fixtures" / "cfn" / n for n in ("plain.json", "sam_events.yaml", "sam_globals.yaml",
                                                                       "intrinsics.yaml", "buckets.yaml", "metadata.yaml")]
)


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
def test_round_trip(path: Path) -> None:
    arch = load_architecture(path.read_bytes(), path.name)
    doc = native_document(arch)
    for text in (json.dumps(doc), yaml.safe_dump(doc, sort_keys=False)):
        back = load_architecture(text, "back.yaml")
        assert back.source_format == "native"
        assert portable(dataclasses.replace(back, source_format=arch.source_format)) == portable(arch)


def test_generated_flow_ids_are_left_for_the_importer() -> None:
    arch = Architecture("m", (Component("A", ComponentType.LAMBDA, "A"), Component("B", ComponentType.S3, "B")),
                        (Flow("A->B", "A", "B"), Flow("A->B#2", "A", "B", kind="read"), Flow("named", "B", "A")))
    doc = native_document(arch)
    assert [f.get("id") for f in doc["flows"]] == [None, None, "named"]
    assert portable(from_document(doc, "x")) == portable(arch)


@pytest.mark.parametrize(
    ("arch", "message"),
    [
        (Architecture("m", (Component("has space", ComponentType.LAMBDA, "x"),)), "component id"),
        (Architecture("m", (Component("A", ComponentType.LAMBDA, "A"), Component("B", ComponentType.S3, "B")),
                      (Flow("B->A", "A", "B"),)), "flow id"),
    ],
)
def test_what_cannot_be_written_is_refused(arch: Architecture, message: str) -> None:
    with pytest.raises(NativeExportError, match=message):
        native_document(arch)


def test_portable_drops_locations_and_provenance_only() -> None:
    arch = load_architecture((ROOT / "examples" / "leejames-hr" / "before.sam.yaml").read_bytes(), "before.sam.yaml")
    assert any(c.provenance for c in arch.components) and all(c.location for c in arch.components)
    p = portable(arch)
    assert all(c.location is None and not c.provenance for c in p.components)
    assert any(f.provenance for f in arch.flows) and not any(f.provenance for f in p.flows)
    assert [(c.id, dict(c.attributes)) for c in p.components] == [(c.id, dict(c.attributes)) for c in arch.components]
