"""Jira and Azure DevOps CSV: the headers their importers map, and formulas that can never run."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from exportkit import HOSTILE, bot_result, example, hand_result

from game.exports.priorities import azure_priority, jira_priority
from game.exports.spreadsheet import FORMULA_STARTS, azure_devops_csv, jira_csv, neutralise
from game.result import GameResult

PAIRS = [("S1", "AuthFunction"), ("E7", "HrApi"), ("R1", "PayslipsTable"), ("D7", "PayslipsTable"),
         ("I1", "PayslipBucket"), ("D7", "PayslipBucket")]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def hostile_result() -> GameResult:
    """Every text a player or model file controls is a formula."""
    base = hand_result(example("before.yaml"), PAIRS, texts=list(HOSTILE), found_by=HOSTILE[0])
    threats = tuple(dataclasses.replace(t, reason=HOSTILE[i % 6], mitigation=HOSTILE[(i + 1) % 6], card_title=HOSTILE[(i + 2) % 6])
                    for i, t in enumerate(base.threats))
    arch = dataclasses.replace(base.architecture, name="=cmd|' /C calc'!A0")
    return dataclasses.replace(base, threats=threats, architecture=arch)


@pytest.mark.parametrize("cell", HOSTILE)
def test_neutralise_prefixes_an_apostrophe(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert not neutralise(cell).startswith(FORMULA_STARTS)


@pytest.mark.parametrize("cell", ["", "plain", "a=b", "1+1", " =1", "'=already", "Highest", "2"])
def test_harmless_cells_are_left_alone(cell: str) -> None:
    assert neutralise(cell) == cell


@pytest.mark.parametrize("render", [jira_csv, azure_devops_csv])
def test_no_cell_of_a_hostile_table_starts_a_formula(render: object) -> None:
    assert callable(render)
    table = rows(render(hostile_result()))
    assert len(table) == len(PAIRS) + 1
    cells = [cell for row in table for cell in row]
    assert [c for c in cells if c.startswith(FORMULA_STARTS)] == []


def test_jira_cells_read_back_neutralised() -> None:
    result = hostile_result()
    head, *body = rows(jira_csv(result))
    assert head[:4] == ["Summary", "Issue Type", "Priority", "Description"]
    assert set(head[4:]) == {"Labels"}
    for row, t in zip(body, result.threats):
        assert row[3].startswith("'" + t.text)  # the description starts with the hostile text, neutralised
        assert row[0].startswith("[")  # the summary starts with the category


def test_azure_cells_read_back_neutralised() -> None:
    result = hostile_result()
    head, *body = rows(azure_devops_csv(result))
    assert head == ["Work Item Type", "Title", "Priority", "Description", "Tags"]
    for row in body:
        assert row[3].startswith("<p>")  # HTML, escaped
        assert "<script" not in row[3]
        assert row[0] == "Issue"


def test_hostile_only_cell_round_trip() -> None:
    # A one-column table of hostile cells, written the way the exporters write, read back by csv.reader.
    from game.exports.spreadsheet import _csv

    back = rows(_csv([[cell] for cell in HOSTILE]))
    assert back == [["'" + cell] for cell in HOSTILE]


def test_jira_rows_follow_the_final_list() -> None:
    result = bot_result("before.yaml")
    head, *body = rows(jira_csv(result))
    assert len(body) == len(result.threats)
    for row, t in zip(body, result.threats):
        assert row[1] == "Task"
        assert row[2] == jira_priority(t.risk)
        assert row[2] in {"Highest", "High", "Medium", "Low", "Lowest"}
        labels = [x for x in row[4:] if x]
        assert labels[0] == "threatdeck" and all(" " not in x for x in labels)
        assert f"threatdeck id: {result.key_of(t)}" in row[3]
        assert len(row[0]) <= 255


def test_azure_rows_follow_the_final_list() -> None:
    result = bot_result("before.yaml")
    head, *body = rows(azure_devops_csv(result))
    assert len(body) == len(result.threats)
    for row, t in zip(body, result.threats):
        assert int(row[2]) == azure_priority(t.risk) and 1 <= int(row[2]) <= 4
        assert row[4].split("; ")[0] == "threatdeck"
        assert t.category in row[4]


@pytest.mark.parametrize(("risk", "jira", "azure"), [
    (25.0, "Highest", 1), (20.0, "Highest", 1), (19.99, "High", 1), (12.0, "High", 1), (11.99, "Medium", 2),
    (6.0, "Medium", 2), (5.99, "Low", 3), (3.0, "Low", 3), (2.99, "Lowest", 4), (1.0, "Lowest", 4), (None, "Medium", 2),
])
def test_priority_bands(risk: float | None, jira: str, azure: int) -> None:
    assert jira_priority(risk) == jira
    assert azure_priority(risk) == azure
