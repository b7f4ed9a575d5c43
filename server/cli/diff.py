"""``threatdeck diff OLD NEW``: what changed between two versions of an architecture, and what it did to the findings.

OLD and NEW are models in any format ``threatdeck scan`` reads, or threatdeck
JSON result files (their architecture is used), so ``threatdeck diff
last-session.json template.yaml`` shows what changed since the last game.
Components and flows added, removed and changed (each changed field), then
the deck's findings: new, mitigated (fixed or removed), unconfirmed (the new
model lacks the facts) and unchanged. See :mod:`game.revision`.

Exit 0 when both files were compared, 2 when one cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from game.architecture import Architecture
    from game.result import GameResult
    from game.revision import ElementChange, FieldValue, FindingChange, Revision


def register(sub: Any) -> None:
    """Add the ``diff`` subcommand."""
    p = sub.add_parser(
        "diff",
        help="compare two versions of an architecture: components and flows changed, findings new and mitigated",
        description="Compare OLD with NEW (models, templates, Threat Dragon files or threatdeck result files): "
        "components and flows added, removed and changed, and the deck's findings new, mitigated, unconfirmed "
        "and unchanged. Exit 2 when a file cannot be read.",
    )
    p.add_argument("old", metavar="OLD", help="the earlier version")
    p.add_argument("new", metavar="NEW", help="the later version")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    p.add_argument("--deck", default=None, metavar="NAME", help="deck name (default: serverless-stride)")
    p.set_defaults(func=run)


class _Unreadable(Exception):
    pass


def architecture_of(path: str) -> Architecture:
    """The architecture in a model file, or in a threatdeck result file."""
    from game.exports.result import ResultError
    from game.importers import ModelError, load_architecture
    from game.importers.documents import as_text
    from server.cli.files import FileProblem, display, read_bounded, read_limit

    shown = display(path)
    try:
        limit = read_limit()
        text = as_text(read_bounded(path, limit), shown, limit)
        result = _result_in(text, shown)
        return result.architecture if result is not None else load_architecture(text, shown, max_bytes=limit)
    except (FileProblem, ModelError, ResultError) as exc:
        raise _Unreadable(str(exc)) from None


def _result_in(text: str, shown: str) -> GameResult | None:
    """The result a threatdeck result file holds, read from the one parse, or ``None`` for a model (whose parse
    is let go on return, before the importer parses the file again: files may be 40 MB)."""
    from game.exports.result import is_result, result_from_dict
    from game.importers.documents import load_json

    if text.lstrip()[:1] != "{":
        return None
    document = load_json(text, shown)
    return result_from_dict(document, shown) if is_result(document) else None


def run(args: argparse.Namespace) -> int:
    """Compare; print as asked; return the exit code."""
    from cards import DEFAULT_DECK, InvalidCardData, load_deck
    from game.revision import revision

    try:
        deck = load_deck(args.deck or DEFAULT_DECK)
        old = architecture_of(args.old)
        new = architecture_of(args.new)
    except (InvalidCardData, _Unreadable) as exc:
        print(f"threatdeck diff: {exc}", file=sys.stderr)
        return 2
    result = revision(old, new, deck)
    if args.format == "json":
        json.dump(result.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        table(sys.stdout, result)
    return 0


def _show(value: FieldValue) -> str:
    if value is None:
        return "(not stated)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return str(value)


def _elements(out: TextIO, title: str, added: tuple[str, ...], removed: tuple[str, ...],
              changed: tuple[ElementChange, ...]) -> None:
    out.write(f"{title}: {len(added)} added, {len(removed)} removed, {len(changed)} changed\n")
    for element_id in added:
        out.write(f"  + {element_id}\n")
    for element_id in removed:
        out.write(f"  - {element_id}\n")
    for change in changed:
        out.write(f"  ~ {change.id}\n")
        for f in change.fields:
            out.write(f"      {f.field}: {_show(f.before)} -> {_show(f.after)}\n")
        if change.flows:
            out.write(f"      flows changed: {', '.join(change.flows)}\n")


def _findings(out: TextIO, label: str, findings: tuple[FindingChange, ...]) -> None:
    if not findings:
        return
    out.write(f"  {label}:\n")
    w_card = max(len(f.card) for f in findings)
    w_cat = max(len(f.category) for f in findings)
    w_target = max(len(f.target) for f in findings)
    for f in findings:
        how = f" ({f.mitigated_by})" if f.mitigated_by else ""
        out.write(f"    {f.card:<{w_card}}  {f.category:<{w_cat}}  {f.target:<{w_target}}  {f.title}{how}\n")
        out.write(f"    {'':<{w_card}}  {'':<{w_cat}}  {'':<{w_target}}  why: {f.reason}\n")


def table(out: TextIO, r: Revision) -> None:
    """The revision as text."""
    out.write(f"{r.old} -> {r.new}\n\n")
    arch = r.architecture
    _elements(out, "Components", arch.components.added, arch.components.removed, arch.components.changed)
    _elements(out, "Flows", arch.flows.added, arch.flows.removed, arch.flows.changed)
    out.write(
        f"\nFindings: {len(r.new_findings)} new, {len(r.mitigated)} mitigated, {len(r.unconfirmed)} unconfirmed, "
        f"{len(r.unchanged)} unchanged\n"
    )
    _findings(out, "new", r.new_findings)
    _findings(out, "mitigated", r.mitigated)
    _findings(out, "unconfirmed (the new model does not state what the rule needs)", r.unconfirmed)
    _findings(out, "unchanged", r.unchanged)
