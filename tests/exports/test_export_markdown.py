"""The Markdown report: one table row and one section per threat, and player text that cannot break out."""

from __future__ import annotations

import dataclasses
import re

from exportkit import bot_result, deck, example, hand_result, nine, with_texts

from game.backlog import carry_over
from game.exports.markdown import escape, markdown_report


def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the table whose header row starts with ``header``, split on unescaped pipes."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    out = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        out.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return out


def test_a_row_and_a_section_per_threat() -> None:
    result = bot_result("before.yaml")
    text = markdown_report(result)
    assert text.startswith(f"# Threats: {escape(result.architecture.name)}\n")
    table = table_rows(text, "| # | Risk |")
    header, rule, *body = table
    assert len(body) == len(result.threats)
    assert all(len(row) == len(header) for row in table)
    assert [row[0] for row in body] == [str(t.rank) for t in result.threats]
    sections = re.findall(r"^### (\d+)\. ", text, re.MULTILINE)
    assert sections == [str(t.rank) for t in result.threats]
    first = result.threats[0]
    section = text.split(f"### 1. ")[1].split("\n### ")[0]
    for expected in (f"**Category:** {escape(first.category)}", f"`{first.component}`", "**Why:**", "**Mitigation:**",
                     f"**Found by:** {escape(first.found_by)}", "**Votes:**", f"{first.risk:.2f}"):
        assert expected in section
    assert len(table_rows(section, "| Seat | Likelihood")) == 2 + len(first.votes)
    assert "## Scoreboard" in text


def test_player_text_cannot_add_columns_links_or_html() -> None:
    hostile = "a | b | c <script>alert(1)</script> [click](http://evil.example) *bold* `code`\n# heading"
    result = with_texts(bot_result("after.yaml"), hostile, found_by="| Eve |")
    text = markdown_report(result)
    header, _, *body = table_rows(text, "| # | Risk |")
    assert all(len(row) == len(header) for row in body)
    assert "<script>" not in text and "\n# heading" not in text
    assert re.search(r"(?<!\\)\[click(?<!\\)\]\(", text) is None  # brackets escaped: no link
    assert r"\<script\>" in text and r"a \| b \| c" in text


def test_earlier_threats_and_their_status() -> None:
    first = hand_result(example("before.yaml"), nine())
    backlog = carry_over(first, example("after.yaml"), deck())
    second = dataclasses.replace(hand_result(example("after.yaml"), [("T7", "PayslipsFunction")]),
                                 carried=backlog.threats, scope=backlog.scope, baseline=backlog.baseline)
    text = markdown_report(second)
    assert "## Earlier threats" in text and "9 mitigated" in text
    header, _, *body = table_rows(text, "| Status |")
    assert len(body) == 9
    assert {row[0] for row in body} <= {"mitigated (fixed)", "mitigated (removed)"}
