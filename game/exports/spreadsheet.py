"""CSV files for the CSV importers of Jira and Azure DevOps Boards, one row per threat of the final list.

Both files are written with the standard ``csv`` module (comma-separated,
double quotes around cells that need them, CRLF line ends) and hold the
prioritised list in rank order.

**Formula neutralisation.** A spreadsheet that opens a CSV file runs a cell
as a formula when it starts with ``=``, ``+``, ``-`` or ``@``, and some also
when it starts with a tab or a carriage return followed by one of those. Every
cell that starts with any of these six characters is written with a leading
apostrophe (``'=HYPERLINK(...)``), which spreadsheets show as text and never
evaluate. The rule applies to every cell, whatever its column, so a hostile
threat text, seat name or model name cannot run in the team's spreadsheet.
The apostrophe stays visible in the issue tracker; that is the price of
opening the file safely.

**Jira** (``jira``): ``Summary``, ``Issue Type``, ``Priority``,
``Description``, then one ``Labels`` column per label (Jira's importer reads
repeated columns as several values). Priorities are Jira's defaults (see
:mod:`game.exports.priorities`); labels have no spaces.

**Azure DevOps** (``azure-devops``): ``Work Item Type``, ``Title``,
``Priority`` (1 to 4), ``Description`` (HTML, which is what the field holds)
and ``Tags`` (separated by ``;``).
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Sequence

from game.exports.priorities import azure_priority, jira_priority
from game.exports.markdown import risk_text, title_of
from game.priority import FinalThreat
from game.result import GameResult

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is neutralised."""

JIRA_ISSUE_TYPE = "Task"
"""Jira's default issue type for rows (every Jira project template has Task)."""
AZURE_WORK_ITEM_TYPE = "Issue"
"""Azure DevOps' default work item type for rows (Basic, Agile and CMMI processes have Issue)."""

SUMMARY_MAX = 255
"""Longest Jira summary and Azure DevOps title."""


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet will not evaluate.

    >>> neutralise("=1+1"), neutralise("-2"), neutralise("fine - really")
    ("'=1+1", "'-2", 'fine - really')
    """
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _csv(rows: Iterable[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise("" if cell is None else str(cell)) for cell in row])
    return buf.getvalue()


def _summary(t: FinalThreat) -> str:
    text = f"[{t.category}] {title_of(t)}"
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1] + "…"


def _label(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.:-]+", "-", text.strip()).strip("-").lower() or "none"


def _plain_description(result: GameResult, t: FinalThreat) -> str:
    votes = ", ".join(f"{v.name} {v.likelihood}×{v.impact}" for v in t.votes) or "nobody rated it"
    lines = [
        t.text,
        "",
        f"Category: {t.category}",
        f"Component: {t.component}" + (" (data flow)" if t.target_kind == "flow" else ""),
        f"Risk: {risk_text(t.risk)}"
        + ("" if t.risk is None else f" (likelihood {t.likelihood:.2f} × impact {t.impact:.2f}, rated by {t.agreement})"),
        f"Votes: {votes}",
        f"Found by: {t.found_by}" + (f" with card {t.card} ({t.card_title})" if t.card else " (sticky note)"),
        f"Why: {t.reason}",
        f"Mitigation: {t.mitigation or 'none given'}",
        "",
        f"Rank {t.rank} of {len(result.threats)} in the threatdeck game on {result.architecture.name}.",
        f"threatdeck id: {result.key_of(t)}",
    ]
    return "\n".join(lines)


def jira_csv(result: GameResult, issue_type: str = JIRA_ISSUE_TYPE) -> str:
    """The Jira CSV: one issue per threat."""
    labels = [["threatdeck", "stride-" + _label(t.category), _label(t.card) if t.card else "sticky-note"] for t in result.threats]
    width = max((len(x) for x in labels), default=3)
    head = ["Summary", "Issue Type", "Priority", "Description"] + ["Labels"] * width
    rows: list[Sequence[object]] = [head]
    for t, tags in zip(result.threats, labels):
        rows.append([_summary(t), issue_type, jira_priority(t.risk), _plain_description(result, t), *tags])
    return _csv(rows)


def _html_description(result: GameResult, t: FinalThreat) -> str:
    paragraphs = _plain_description(result, t).split("\n\n")
    return "".join("<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs)


def azure_devops_csv(result: GameResult, work_item_type: str = AZURE_WORK_ITEM_TYPE) -> str:
    """The Azure DevOps CSV: one work item per threat."""
    rows: list[Sequence[object]] = [["Work Item Type", "Title", "Priority", "Description", "Tags"]]
    for t in result.threats:
        tags = ["threatdeck", f"STRIDE {t.category}", t.card or "sticky note"]
        rows.append([work_item_type, _summary(t), azure_priority(t.risk), _html_description(result, t),
                     "; ".join(tag.replace(";", ",") for tag in tags)])
    return _csv(rows)
