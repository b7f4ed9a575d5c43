"""GitHub issues: the JSON bodies for ``POST /repos/{owner}/{repo}/issues``, and what a push must create.

One issue per threat of the final list, plus one per earlier threat that is
still open and was not found again (mitigated earlier threats are not filed).
Each body ends with a visible ``threatdeck id`` line and a hidden marker::

    <!-- threatdeck:threat:a1b2c3d4e5f6:S1:AuthFunction -->

The id is the threat's stable key (:func:`game.backlog.threat_key`), so a
push lists the repository's issues, collects the markers in their bodies
(:func:`filed_keys`) and creates only the issues whose key is not there
(:func:`to_create`): pushing twice, or pushing the next session's export,
files nothing twice. The HTTP side lives in ``server/cli/export.py``; this
module only builds and reads text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote

from game.backlog import CarriedThreat
from game.exports.markdown import code, escape as escape_markdown, risk_text, title_of
from game.exports.priorities import level
from game.priority import FinalThreat
from game.result import GameResult

TITLE_MAX = 256
"""Longest issue title GitHub accepts."""

WORD_JOINER = "\u2060"
"""An invisible character that keeps two characters from being read as one word."""

_PINGS = re.compile(r"(?<![A-Za-z0-9_`])(@)(?=[A-Za-z0-9])|(#)(?=[0-9])")
"""``@name``, ``@org/team``, ``#12`` and ``owner/repo#12``: what GitHub reads as a mention or an issue reference."""


def escape(text: str) -> str:
    r"""Inline Markdown for a text typed by a player or read from a model, which GitHub must not take as a
    mention or a reference: ``@someone`` in a threat's text would notify that person (or a whole team) when the
    issue is filed, and ``#12`` or ``owner/repo#12`` would put a link to it on another issue. A word joiner
    after the ``@`` or ``#`` keeps the text as it reads; an address (``ops@example.com``) is left alone.

    >>> escape("ask @security-team about #12, mail ops@example.com") == \
    ...     "ask @\u2060security-team about #\u206012, mail ops@example.com"
    True
    """
    return _PINGS.sub(lambda m: (m.group(1) or m.group(2)) + WORD_JOINER, escape_markdown(text))


_MARKER = re.compile(r"<!-- threatdeck:threat:([A-Za-z0-9_.:%-]+) -->")


def marker(key: str) -> str:
    """The hidden comment that carries a threat's key in an issue body."""
    return f"<!-- threatdeck:threat:{quote(key, safe=':._-')} -->"


def filed_keys(bodies: Iterable[str | None]) -> set[str]:
    """The threat keys marked in these issue bodies."""
    keys: set[str] = set()
    for body in bodies:
        if body:
            keys.update(unquote(m) for m in _MARKER.findall(body))
    return keys


def key_of_issue(issue: Mapping[str, Any]) -> str:
    """The key an issue body built by :func:`issues` carries."""
    found = filed_keys([issue.get("body")])
    if len(found) != 1:
        raise ValueError("the issue body carries no single threatdeck marker")
    return found.pop()


def _title(category: str, threat: FinalThreat | CarriedThreat) -> str:
    text = f"[{category}] {title_of(threat)}"
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def _labels(category: str, risk: float | None) -> list[str]:
    return ["threatdeck", f"STRIDE: {category}", f"risk: {level(risk).lower()}"]


def _footer(result: GameResult, key: str) -> list[str]:
    return [
        "---",
        f"Filed by threatdeck from the game on {escape(result.architecture.name)}"
        + (f" ({code(result.game_id)})" if result.game_id else "") + f". threatdeck id: {code(key)}",
        marker(key),
    ]


def _body(result: GameResult, t: FinalThreat) -> str:
    key = result.key_of(t)
    rows = [
        ("Category", escape(t.category)),
        ("Component", code(t.component) + (" (data flow)" if t.target_kind == "flow" else "")),
        ("Card", f"{code(t.card)} {escape(t.card_title or '')}" if t.card else "sticky note"),
        ("Risk", f"{risk_text(t.risk)} ({level(t.risk)})"
         + ("" if t.risk is None else f", likelihood {t.likelihood:.2f} × impact {t.impact:.2f}, {t.agreement} ratings")),
        ("Found by", escape(t.found_by)),
        ("Accepted by", "the card's rule" if t.judged_by == "rule" else "vote"),
    ]
    before = result.earlier(t)
    if before is not None:
        rows.append(("Earlier", f"found in an earlier session ({escape(before.previous_status)}), still open"))
    lines = [
        f"Rank {t.rank} of {len(result.threats)} in the prioritised threat list of **{escape(result.architecture.name)}**.",
        "",
        f"> {escape(t.text)}",
        "",
        "| | |",
        "|---|---|",
        *[f"| {name} | {value} |" for name, value in rows],
        "",
        "### Why",
        "",
        escape(t.reason),
        "",
        "### Mitigation",
        "",
        escape(t.mitigation) if t.mitigation else "None given (a sticky note): agree one with the team.",
        "",
        "### Votes",
        "",
    ]
    if t.votes:
        lines += ["| Seat | Likelihood | Impact |", "|---|---|---|"]
        lines += [f"| {escape(v.name)} | {v.likelihood} | {v.impact} |" for v in t.votes]
    else:
        lines.append("Nobody rated it.")
    lines.append("")
    lines += _footer(result, key)
    return "\n".join(lines) + "\n"


def _earlier_body(result: GameResult, c: CarriedThreat) -> str:
    lines = [
        "A threat from an earlier session" + (f" on **{escape(result.baseline)}**" if result.baseline else "")
        + f"; on **{escape(result.architecture.name)}** it is {escape(c.status.value)}.",
        "",
        f"> {escape(c.text)}",
        "",
        "| | |",
        "|---|---|",
        f"| Category | {escape(c.category)} |",
        f"| Component | {code(c.component)}{' (data flow)' if c.target_kind == 'flow' else ''} |",
        f"| Card | {code(c.card) + ' ' + escape(c.card_title or '') if c.card else 'sticky note'} |",
        f"| Last risk | {risk_text(c.risk)} ({level(c.risk)}) |",
        f"| Found by | {escape(c.found_by)} |",
        "",
        "### Why",
        "",
        escape(c.reason),
        "",
        "### Mitigation",
        "",
        escape(c.mitigation) if c.mitigation else "None given (a sticky note): agree one with the team.",
        "",
    ]
    lines += _footer(result, c.key)
    return "\n".join(lines) + "\n"


def issues(result: GameResult) -> list[dict[str, Any]]:
    """The request bodies, in rank order, then the open earlier threats."""
    out: list[dict[str, Any]] = [
        {"title": _title(t.category, t), "body": _body(result, t), "labels": _labels(t.category, t.risk)}
        for t in result.threats
    ]
    out += [
        {"title": _title(c.category, c), "body": _earlier_body(result, c), "labels": _labels(c.category, c.risk)}
        for c in result.carried_only()
        if c.is_open
    ]
    return out


def to_create(planned: Sequence[Mapping[str, Any]], existing_bodies: Iterable[str | None]) -> list[Mapping[str, Any]]:
    """The planned issues whose threat is not yet filed (each key once)."""
    filed = filed_keys(existing_bodies)
    out: list[Mapping[str, Any]] = []
    for issue in planned:
        key = key_of_issue(issue)
        if key not in filed:
            filed.add(key)
            out.append(issue)
    return out


_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')


def next_page(link_header: str | None) -> str | None:
    """The ``rel="next"`` URL of a GitHub ``Link`` header, if any.

    >>> next_page('<https://api.example/r?page=2>; rel="next", <https://api.example/r?page=5>; rel="last"')
    'https://api.example/r?page=2'
    """
    if not link_header:
        return None
    for part in link_header.split(","):
        m = _LINK.search(part)
        if m and "next" in m.group(2).split():
            return m.group(1)
    return None
