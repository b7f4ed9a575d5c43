"""What threatdeck writes about the largest game it plays reads back in; a file over the limit is one line on stderr."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from exportkit import deck, hand_result

from game.architecture import Architecture, Boundary, Component, ComponentType, Flow
from game.exports import render
from game.importers.documents import (
    BOUNDARY_BYTES,
    COMPONENT_BYTES,
    FLOW_BYTES,
    MAX_BOUNDARIES,
    MAX_BYTES,
    max_file_bytes,
)
from game.result import FindingLine, GameResult
from game.rules import targets
from game.vocabulary import MAX_INT, AttrKind, AttrValue, attributes_of
from server.cli import main
from server.cli.diff import architecture_of
from server.cli.export import load_game
from server.cli.files import read_limit
from server.config import setting

COMPONENTS = setting("MAX_ARCHITECTURE_COMPONENTS").default
FLOWS = setting("MAX_ARCHITECTURE_FLOWS").default
REREAD = ("json", "threat-dragon")
"""The exports threatdeck reads back: results (export, diff, play --previous) and Threat Dragon (scan, diff, play)."""


def longest(ct: ComponentType) -> dict[str, AttrValue]:
    """Every attribute of the type, each at its longest (references left out: they name other components)."""
    out: dict[str, AttrValue] = {}
    for name, spec in attributes_of(ct).items():
        if spec.kind is AttrKind.TEXT:
            out[name] = "r" * 256
        elif spec.kind is AttrKind.LIST:
            out[name] = ("r" * 40,) * 8
        elif spec.kind is AttrKind.INT:
            out[name] = -MAX_INT if spec.minimum is None else MAX_INT
        elif spec.kind is AttrKind.ENUM:
            out[name] = max(spec.values, key=len)
        elif spec.kind is AttrKind.BOOL:
            out[name] = False
    return out


def game(components: int, flows: int, boundaries: int, *, every_card_holds: bool = False) -> GameResult:
    """A game on functions (what the most cards fit) with every text at its limit; optionally with every
    card that fits a component or flow found holding on it, the most findings a result can list."""
    bounds = tuple(Boundary(f"b{i:04d}".ljust(128, "b"), "B" * 200, "d" * 2000) for i in range(boundaries))
    attrs = longest(ComponentType.LAMBDA)
    nodes = tuple(
        Component(f"c{i:05d}".ljust(128, "c"), ComponentType.LAMBDA, "N" * 200, attrs,
                  boundary=bounds[i % boundaries].id if bounds else None, description="d" * 2000)
        for i in range(components)
    )
    edges = tuple(
        Flow(f"f{j:05d}".ljust(128, "f"), nodes[j % components].id, nodes[(j + 1 + j // components) % components].id,
             "L" * 200, "secret", True, "invoke", {"encrypted": True, "public_network": True, "protocol": "p" * 256})
        for j in range(flows)
    )
    arch = Architecture("N" * 200, nodes, edges, bounds, description="d" * 2000)
    fitting = [(card, t) for card in deck().cards if not card.is_open for t in targets(arch, card)]
    firsts = list({card.id: (card.id, t.id) for card, t in fitting}.values())[:20]
    result = hand_result(arch, firsts, texts=["t" * 500] * len(firsts))
    if not every_card_holds:
        return result
    findings = tuple(
        FindingLine(card=card.id, category=card.suit.category, suit=card.suit.value, title=card.title, component=t.id,
                    target_kind="flow" if isinstance(t, Flow) else "component", reason="w" * 512,
                    mitigation=card.mitigation)
        for card, t in fitting
    )
    return dataclasses.replace(result, findings=findings)


def sizes(components: int, flows: int, boundaries: int) -> dict[str, int]:
    result = game(components, flows, boundaries, every_card_holds=True)
    return {name: len(render(name, result).encode("utf-8")) for name in REREAD}


@pytest.fixture(autouse=True)
def default_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("THREATDECK_MAX_COMPONENTS", "THREATDECK_MAX_FLOWS"):
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize(("element", "more", "room"), [
    ("component", (60, 20, 5), COMPONENT_BYTES),
    ("flow", (20, 60, 5), FLOW_BYTES),
    ("boundary", (20, 20, 45), BOUNDARY_BYTES),
])
def test_each_element_takes_less_than_the_room_the_limit_gives_it(element: str, more: tuple[int, int, int],
                                                                    room: int) -> None:
    # Files grow linearly with the architecture, so what 40 more elements add is what each costs at any size.
    before, after = sizes(20, 20, 5), sizes(*more)
    for name in REREAD:
        assert (after[name] - before[name]) / 40 <= room * 0.75, (element, name)  # a quarter at least to spare


def test_a_threat_dragon_export_of_the_largest_game_reads_back(tmp_path: Path) -> None:
    # The server plays architectures of up to 500 components and 2,000 flows; with 400 boundaries and every
    # text at its limit, the Threat Dragon export is over 10 MiB, which the fixed limit refused to read back.
    result = game(COMPONENTS, FLOWS, 400)
    drawn = tmp_path / "largest.threat-dragon.json"
    drawn.write_text(render("threat-dragon", result), encoding="utf-8")
    assert MAX_BYTES < drawn.stat().st_size <= read_limit() == max_file_bytes(COMPONENTS, FLOWS)
    back = architecture_of(str(drawn))  # threatdeck diff; scan and play read it the same way
    assert [c.id for c in back.components] == [c.id for c in result.architecture.components]
    assert [(f.id, f.source, f.target) for f in back.flows] == [(f.id, f.source, f.target) for f in result.architecture.flows]
    assert [b.id for b in back.boundaries] == [b.id for b in result.architecture.boundaries]


def test_every_command_reads_files_up_to_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Pretty-printed JSON is mostly white space: padding a small export with more makes a file past the old limit
    # that is quick to read, and shows each command lets the file through, not only the first check.
    result = game(3, 2, 1)
    padding = " " * MAX_BYTES
    saved, drawn = tmp_path / "s.threatdeck.json", tmp_path / "s.threat-dragon.json"
    saved.write_text(render("json", result) + padding, encoding="utf-8")
    drawn.write_text(render("threat-dragon", game(4, 2, 1)) + padding, encoding="utf-8")  # a later version
    assert load_game(str(saved), None) == result
    for args in (["scan", str(drawn)], ["diff", str(saved), str(drawn)], ["export", str(saved), "-f", "markdown"],
                 ["play", str(drawn), "--previous", str(saved), "--players", "2"]):
        assert main(args) == 0, capsys.readouterr().err
    capsys.readouterr()


@pytest.mark.parametrize("command", [["scan"], ["diff", "{path}"], ["export", "-f", "markdown"], ["play"]])
def test_a_file_over_the_limit_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           command: list[str]) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(read_limit() + 1)  # sparse: nothing written, and nothing past the limit read
    assert main([command[0], str(path), *(a.format(path=path) for a in command[1:])]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"file is larger than {read_limit():,} bytes" in err and "THREATDECK_MAX_COMPONENTS" in err


def test_the_limit_grows_with_the_game_size_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREATDECK_MAX_COMPONENTS", "4000")
    monkeypatch.setenv("THREATDECK_MAX_FLOWS", "8000")
    assert read_limit() == max_file_bytes(4000, 8000) > max_file_bytes(COMPONENTS, FLOWS) > MAX_BYTES


@pytest.mark.parametrize("value", ["lots", "0", "-5"])
def test_a_bad_size_setting_is_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path, value: str) -> None:
    monkeypatch.setenv("THREATDECK_MAX_FLOWS", value)
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"threatdeck": 1, "name": "m", "components": [{"id": "a", "type": "lambda"}]}))
    assert main(["scan", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "THREATDECK_MAX_FLOWS" in err and "Traceback" not in err


def test_a_game_on_a_threat_dragon_model_with_long_texts_reads_back(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # Threat Dragon has no limit on texts; the result carries the architecture in the native format, which has.
    drawn = tmp_path / "long.json"
    drawn.write_text(json.dumps({"version": "2.3.0", "summary": {"title": "T" * 300, "description": "d" * 3000},
                                 "detail": {"diagrams": [{"cells": [
                                     {"id": "a", "data": {"type": "tm.Actor", "name": "N" * 300, "description": "d" * 3000}},
                                     {"id": "p", "data": {"type": "tm.Process", "name": "Lambda " + "L" * 300}},
                                     {"id": "f", "data": {"type": "tm.Flow", "name": "F" * 300},
                                      "source": {"cell": "a"}, "target": {"cell": "p"}}]}]}}))
    saved = tmp_path / "long.threatdeck.json"
    assert main(["play", str(drawn), "--players", "2", "--result", str(saved)]) == 0
    for args in (["export", str(saved), "-f", "markdown"], ["diff", str(saved), str(drawn)]):
        assert main(args) == 0, capsys.readouterr().err  # was: components[0].name: Length must be between 1 and 200
    capsys.readouterr()


@pytest.mark.parametrize(("variable", "what"), [("THREATDECK_MAX_COMPONENTS", "3 components"),
                                                 ("THREATDECK_MAX_FLOWS", "3 data flows")])
def test_play_takes_no_larger_game_than_the_size_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch, variable: str,
                                                          what: str) -> None:
    # The read limit is room for what threatdeck writes about games of up to that size; play took any size the
    # importers take (10,000 components), and wrote results the other commands then refused as too large.
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"threatdeck": 1, "name": "m", "components": [
        {"id": c, "type": "lambda"} for c in "abc"], "flows": [{"source": "a", "target": t} for t in "abc"]}))
    monkeypatch.setenv(variable, "2")
    assert main(["play", str(model), "--players", "2", "--result", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and f"has {what}; a game takes at most 2 ({variable} raises it)" in err
    assert not (tmp_path / "r.json").exists()
    monkeypatch.setenv(variable, "3")
    assert main(["play", str(model), "--players", "2"]) == 0
    capsys.readouterr()


def test_each_command_parses_a_json_file_once_and_walks_its_strings_only_for_an_escape(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Files may be 40 MB: the format was told by parsing the JSON, which the importer then parsed again (diff a
    # third time), and every string of each parse was walked for half UTF-16 pairs, which only an escape makes.
    # A 42 MB file of numbers took scan 65 s; the walks alone are slower than the parses.
    from game.importers import documents

    parses, walks = [], []
    loads, check_strings = json.loads, documents.check_strings
    monkeypatch.setattr(documents.json, "loads", lambda text, *a, **k: parses.append(1) or loads(text, *a, **k))
    monkeypatch.setattr(documents, "check_strings", lambda doc, source: walks.append(1) or check_strings(doc, source))
    result = game(3, 2, 1)
    saved, drawn = tmp_path / "s.threatdeck.json", tmp_path / "s.threat-dragon.json"
    saved.write_text(render("json", result), encoding="utf-8")
    drawn.write_text(render("threat-dragon", result), encoding="utf-8")
    for args, files in ((["scan", str(drawn)], 1), (["diff", str(saved), str(drawn)], 3),
                        (["export", str(saved), "-f", "markdown"], 1)):
        parses.clear()
        assert main(args) == 0, capsys.readouterr().err
        assert len(parses) == files, args  # diff: the result once, the model once to see it is no result, once more
    assert walks == []
    drawn.write_text(render("threat-dragon", result).replace("N" * 200, "N\\ud83d\\ude00" + "N" * 198, 1))
    parses.clear()
    assert main(["scan", str(drawn)]) == 0 and len(parses) == len(walks) == 1  # a pair is fine, and was looked at
    capsys.readouterr()


def test_diff_holds_one_parse_of_a_model_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # diff parses a JSON file to tell a result from a model, and the importer parses a model again: the first
    # parse was still held meanwhile (a 42 MB model took 2,009 MB instead of 1,078).
    import tracemalloc

    from game.importers import load_architecture
    from server.cli import files

    data = ('{"threatdeck": 1, "name": "m", "components": [{"id": "a", "type": "lambda"}], "pad": ['
            + "{}, " * 200_000 + "{}]}").encode()
    monkeypatch.setattr(files, "read_bounded", lambda path, limit: data)  # not the read's own buffer
    peaks = []
    for read in (lambda: load_architecture(data, "padded.json"), lambda: architecture_of("padded.json")):
        tracemalloc.start()
        try:
            with pytest.raises(Exception, match="pad: unknown field"):
                read()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5, peaks
