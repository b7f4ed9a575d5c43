"""``threatdeck scan``: import architectures and print the findings (rules that hold)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO


def register(sub: Any) -> None:
    """Add the ``scan`` subcommand."""
    p = sub.add_parser(
        "scan",
        help="print the threats the deck's rules find in architectures",
        description="Import each model, CloudFormation/SAM template or Threat Dragon file and print the "
        "findings. Exit 0 when everything was scanned, 2 when some input could not be read.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to scan")
    p.add_argument("--format", choices=("table", "json", "sarif"), default="table", help="output format (default: table)")
    p.add_argument("--deck", default=None, help="deck name (default: serverless-stride)")
    p.set_defaults(func=run)


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.enabled = total > 1 and stream.isatty()

    def step(self, done: int, label: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // self.total
        name = label if len(label) <= 40 else "…" + label[-39:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {name:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    """Scan every path; print as asked; return the exit code."""
    from cards import DEFAULT_DECK, InvalidCardData, load_deck
    from game.exports.findings import finding_dict, scan_document
    from game.exports.sarif import sarif_log
    from game.importers import ModelError, load_architecture
    from game.predicates import Graph
    from game.rules import scan
    from server.cli.files import FileProblem, display, expand, read_bounded, read_limit

    try:
        deck = load_deck(args.deck or DEFAULT_DECK)
        limit = read_limit()
    except (InvalidCardData, FileProblem) as exc:
        print(f"threatdeck: {exc}", file=sys.stderr)
        return 2
    files = expand(args.paths)
    if not files:
        print("threatdeck: no model files found under " + ", ".join(args.paths), file=sys.stderr)
        return 2
    single = len(files) == 1 and not any(os.path.isdir(p) for p in args.paths)
    out = sys.stdout
    progress = Progress(len(files), sys.stderr)
    failed = False
    scans = []
    errors: list[tuple[str, str]] = []
    for n, path in enumerate(files, 1):
        shown = display(path)
        progress.step(n - 1, shown)
        try:
            arch = load_architecture(read_bounded(path, limit), shown, max_bytes=limit)
        except (FileProblem, ModelError) as exc:
            failed = True
            message = str(exc)
            errors.append((shown, message))
            if args.format == "json" and not single:
                out.write(json.dumps({"source": shown, "error": message}) + "\n")
            elif args.format == "table" and not single:
                out.write(f"\n{shown}\n  error: {message}\n")
            continue
        findings = scan(arch, deck, Graph(arch))
        if args.format == "json":
            doc: dict[str, Any] = scan_document(arch, findings)
            if single:
                out.write(json.dumps(doc, indent=2) + "\n")
            else:
                out.write(json.dumps({"source": shown, **doc}) + "\n")
        elif args.format == "table":
            _table(out, shown, arch.name, [finding_dict(f) for f in findings], heading=not single)
        else:
            scans.append((shown, arch, findings))
    progress.close()
    if args.format == "sarif":
        out.write(json.dumps(sarif_log(deck, scans, errors), indent=2) + "\n")
    for _, message in errors:
        print(f"threatdeck: {message}", file=sys.stderr)
    return 2 if failed else 0


def _table(out: TextIO, path: str, name: str, findings: list[dict[str, Any]], heading: bool) -> None:
    if heading:
        out.write(f"\n{path}\n")
    if not findings:
        out.write(f"{name}: no findings\n")
        return
    out.write(f"{name}: {len(findings)} finding{'s' if len(findings) != 1 else ''}\n")
    w_cat = max(len(f["category"]) for f in findings)
    w_card = max(len(f["card"]) for f in findings)
    w_comp = max(len(f["component"]) for f in findings)
    for f in findings:
        out.write(f"  {f['category']:<{w_cat}}  {f['card']:<{w_card}}  {f['component']:<{w_comp}}  {f['title']}\n")
        out.write(f"  {'':<{w_cat}}  {'':<{w_card}}  {'':<{w_comp}}  why: {f['reason']}\n")
