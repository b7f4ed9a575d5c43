"""The prioritised threat list as a Markdown report: a table, then one section per threat.

Readable as plain text, and rendered by GitHub, GitLab, Confluence's Markdown
macro and most wikis. Every text that came from players or model files is
escaped, so a threat's text cannot add links, HTML or table columns.
"""

from __future__ import annotations

import re

from game.backlog import CarriedThreat, statuses
from game.exports.priorities import level
from game.priority import FinalThreat
from game.result import GameResult

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def escape(text: str) -> str:
    r"""Inline Markdown for a text: one line, with the characters that make emphasis, code, links,
    HTML, entities or table columns escaped.

    >>> print(escape("a|b <script> [x](y) *2*"))
    a\|b \<script\> \[x\](y) \*2\*
    """
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


_CODE = re.compile(r"[^`|\s]+")
"""What a code span may hold: no backtick (it would end the span), no whitespace (a line break ends the table
row) and no ``|`` (it splits a table's cells even inside a span)."""


def code(text: str) -> str:
    r"""A code span for an id; anything an id never holds makes it escaped text instead.

    >>> print(code("Api->Table#2"), code("x\n<b>|y"))
    `Api->Table#2` x \<b\>\|y
    """
    return f"`{text}`" if _CODE.fullmatch(text) else escape(text)


def risk_text(risk: float | None) -> str:
    """``12.50``, or ``not rated``."""
    return "not rated" if risk is None else f"{risk:.2f}"


def title_of(threat: FinalThreat | CarriedThreat) -> str:
    """A short title: the card's anti-pattern on the target, or the note's first words."""
    what = threat.card_title or _clip(threat.text, 60)
    return f"{what} on {threat.component}"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _summary(result: GameResult) -> str:
    parts = []
    if result.game_id:
        parts.append(f"Game {code(result.game_id)}")
    parts.append("final" if result.final else f"not finished ({escape(result.phase)})")
    parts.append(f"deck {escape(result.deck_title)}")
    parts.append(f"{len(result.threats)} threat{'s' if len(result.threats) != 1 else ''} accepted")
    seats = ", ".join(escape(s) for s in result.settings.seats)
    parts.append(f"{len(result.settings.seats)} seat{'s' if len(result.settings.seats) != 1 else ''} ({seats})")
    if result.settings.delta:
        parts.append(f"delta game on {len(result.settings.focus)} changed elements")
    return " · ".join(parts) + "."


def _threat_section(result: GameResult, t: FinalThreat) -> list[str]:
    lines = [f"### {t.rank}. {escape(title_of(t))}", ""]
    facts = [
        f"- **Category:** {escape(t.category)}",
        f"- **Component:** {code(t.component)}" + (" (data flow)" if t.target_kind == "flow" else ""),
        f"- **Risk:** {risk_text(t.risk)} ({level(t.risk)})"
        + ("" if t.risk is None else f", likelihood {t.likelihood:.2f} × impact {t.impact:.2f}, rated by {t.agreement}"),
        f"- **Found by:** {escape(t.found_by)}"
        + (f" with card {code(t.card)}" if t.card else " (sticky note)")
        + f", accepted by {'the rule' if t.judged_by == 'rule' else 'vote'}",
    ]
    before = result.earlier(t)
    if before is not None:
        facts.append(f"- **Earlier:** found before ({escape(before.previous_status)}), still open")
    lines.extend(facts)
    lines += ["", f"> {escape(t.text)}", "", f"**Why:** {escape(t.reason)}", ""]
    lines.append(f"**Mitigation:** {escape(t.mitigation) if t.mitigation else '_none given (a sticky note)_'}")
    lines.append("")
    if t.votes:
        lines.append("**Votes:**")
        lines.append("")
        lines += _table(["Seat", "Likelihood", "Impact"], [[escape(v.name), str(v.likelihood), str(v.impact)] for v in t.votes])
    else:
        lines.append("**Votes:** nobody rated it.")
    lines.append("")
    return lines


def _earlier(result: GameResult) -> list[str]:
    carried = result.carried_only()
    if not result.carried:
        return []
    counts = statuses(result.carried)
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    lines = ["## Earlier threats", "",
             f"From the previous session{f' on {escape(result.baseline)}' if result.baseline else ''}: {summary}.", ""]
    if carried:
        rows = [
            [escape(c.status.value + (f" ({c.mitigated_by})" if c.mitigated_by else "")), escape(c.category), code(c.component),
             escape(title_of(c)), risk_text(c.risk), escape(c.reason)]
            for c in carried
        ]
        lines += _table(["Status", "Category", "Component", "Threat", "Last risk", "Why"], rows)
    else:
        lines.append("Every earlier threat was found again in this game (see above).")
    lines.append("")
    return lines


def markdown_report(result: GameResult) -> str:
    """The whole report: summary, prioritised table, earlier threats, one section per threat, scoreboard."""
    arch = result.architecture
    lines = [f"# Threats: {escape(arch.name)}", "", _summary(result), ""]
    lines += ["## Prioritised threats", ""]
    if result.threats:
        rows = [
            [str(t.rank), risk_text(t.risk), level(t.risk), escape(t.category), code(t.component),
             escape(_clip(t.text, 120)), code(t.card) if t.card else "note", escape(t.found_by)]
            for t in result.threats
        ]
        lines += _table(["#", "Risk", "Level", "Category", "Component", "Threat", "Card", "Found by"], rows)
    else:
        lines.append("No threat was accepted.")
    lines.append("")
    lines += _earlier(result)
    if result.threats:
        lines += ["## The threats", ""]
        for t in result.threats:
            lines += _threat_section(result, t)
    lines += ["## Scoreboard", ""]
    lines += _table(
        ["Seat", "Points", "Tricks", "Threats"],
        [[escape(s.name) + ("" if s.present else " (left)"), str(s.points), str(s.tricks), str(s.threats)] for s in result.scoreboard],
    )
    return "\n".join(lines).rstrip("\n") + "\n"
