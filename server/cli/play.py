"""``threatdeck play``: play a whole game with bots and print the scoreboard and the prioritised threats.

For practice, simulations and a first look at what a session on a model
would produce. The same file, seed and options always print the same bytes:
nothing depends on the clock, and the bots draw only from the seed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

#: Names for the bot seats: the team from the article, then numbered bots. Kim facilitates.
TEAM = ("Kim", "Doug", "Sam", "Hannah", "Leon", "Lee")


def register(sub: Any) -> None:
    """Add the ``play`` subcommand."""
    p = sub.add_parser(
        "play",
        help="play a whole game with bots and print the prioritised threat list",
        description="Load an architecture, seat N bots, play every trick, vote and rate, then print the final "
        "scoreboard and the prioritised threat list. The same seed gives the same output. Exit 2 when the "
        "architecture, deck or options cannot be used.",
    )
    p.add_argument("architecture", metavar="ARCHITECTURE", help="a threatdeck model, CloudFormation/SAM template or Threat Dragon file")
    p.add_argument("--players", type=int, default=4, metavar="N", help="number of bot seats, 1 to 12 (default: 4)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed for the shuffle and the bots (default: 0)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--deck", default=None, metavar="NAME", help="deck name (default: serverless-stride)")
    p.add_argument(
        "--baseline",
        default=None,
        metavar="FILE",
        help="the previous version of the architecture: deal only the cards that fit what changed (a delta game)",
    )
    p.add_argument(
        "--previous",
        default=None,
        metavar="RESULT",
        help="a result saved by an earlier game (--result): carry its threats into this one, re-checked against "
        "ARCHITECTURE (open, still-open, mitigated or unknown), and deal only the cards that fit what changed since "
        "that game's architecture (unless --baseline names another)",
    )
    p.add_argument(
        "--result",
        default=None,
        metavar="FILE",
        help="also write the whole result as threatdeck JSON, which `threatdeck export` reads",
    )
    p.set_defaults(func=run)


def seat_names(n: int) -> list[str]:
    """Names of ``n`` bot seats."""
    return [TEAM[i] if i < len(TEAM) else f"Bot {i + 1}" for i in range(n)]


def run(args: argparse.Namespace) -> int:
    """Play the game; print as asked; return the exit code."""
    from cards import DEFAULT_DECK, InvalidCardData, load_deck
    from game.bots import autoplay
    from game.engine import new_game
    from game.errors import GameError
    from game.importers import ModelError, load_architecture
    from game.priority import final_list
    from game.scoring import scoreboard
    from game.backlog import carry_over, statuses
    from game.exports import render
    from game.exports.native import NativeExportError, native_document
    from game.exports.result import ResultError, load_result
    from game.result import result_of
    from game.state import MAX_SEATS, SeatSpec, Settings
    from server.cli.files import FileProblem, display, read_bounded, read_limit
    from server.config import game_size

    def fail(message: str) -> int:
        print(f"threatdeck play: {message}", file=sys.stderr)
        return 2

    if not 1 <= args.players <= MAX_SEATS:
        return fail(f"--players must be from 1 to {MAX_SEATS}, not {args.players}")
    if args.seed < 0:
        return fail("--seed must be zero or more")
    try:
        deck = load_deck(args.deck or DEFAULT_DECK)
    except InvalidCardData as exc:
        return fail(str(exc))
    try:
        limit, sizes = read_limit(), game_size()
        architecture = load_architecture(read_bounded(args.architecture, limit), display(args.architecture),
                                         max_bytes=limit)
        baseline = None
        if args.baseline is not None:
            baseline = load_architecture(read_bounded(args.baseline, limit), display(args.baseline), max_bytes=limit)
        previous = None
        if args.previous is not None:
            previous = load_result(read_bounded(args.previous, limit), display(args.previous), max_bytes=limit)
    except (FileProblem, ModelError, ResultError) as exc:
        return fail(str(exc))
    # The server's game size, which read_limit allows for: a larger game writes a result too large to read back.
    for count, most, what, variable in (
        (len(architecture.components), sizes[0], "components", "THREATDECK_MAX_COMPONENTS"),
        (len(architecture.flows), sizes[1], "data flows", "THREATDECK_MAX_FLOWS"),
    ):
        if count > most:
            return fail(f"{display(args.architecture)}: has {count:,} {what}; a game takes at most {most:,} "
                        f"({variable} raises it)")
    if args.result is not None:
        try:
            native_document(architecture)  # what the result holds it in: find out before the game is played
        except NativeExportError as exc:
            return fail(f"--result: {exc}")
    backlog = None
    if previous is not None:
        backlog = carry_over(previous, architecture, deck)
        baseline = baseline or previous.architecture
    settings = Settings(seats=tuple(SeatSpec(name, bot=True) for name in seat_names(args.players)), backlog=backlog)
    try:
        state = new_game(settings, architecture, deck, args.seed, baseline=baseline)
    except GameError as exc:
        return fail(exc.message)
    state, commands, _ = autoplay(state)
    board = [line.to_dict() for line in scoreboard(state)]
    threats = [f.to_dict() for f in final_list(state)]
    if args.result is not None:
        try:
            text = render("json", result_of(state, deck=deck))  # before the file is opened: none is left empty
            with open(args.result, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            return fail(f"{args.result}: {exc.strerror or exc}")
    earlier: list[dict[str, Any]] = [] if backlog is None else [
        {"key": t.key, "status": t.status.value, "mitigated_by": t.mitigated_by, "category": t.category,
         "component": t.component, "card": t.card, "reason": t.reason}
        for t in backlog.threats
    ]
    if args.json:
        out: dict[str, Any] = {"scoreboard": board, "threats": threats}
        if backlog is not None:
            out["earlier"] = earlier
        json.dump(out, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    tricks = sum(1 for t in state.tricks if t.winner is not None)
    print(
        f"{architecture.name}: {args.players} bots, seed {args.seed}, deck {deck.name} "
        f"({len(state.board.deck)} cards in play), {tricks} tricks, {len(state.threats)} threats proposed, "
        f"{len(threats)} accepted"
    )
    print()
    print("Scoreboard")
    print(_table(["Seat", "Name", "Points", "Tricks", "Threats"], [[b["seat"], b["name"], b["points"], b["tricks"], b["threats"]] for b in board], right={0, 2, 3, 4}))
    if backlog is not None:
        counts = ", ".join(f"{n} {status}" for status, n in statuses(backlog.threats).items() if n)
        print()
        print(f"Earlier threats from {backlog.baseline or 'the previous game'}: {counts or 'none'}")
        if earlier:
            rows_earlier = [
                [e["status"] + (f" ({e['mitigated_by']})" if e["mitigated_by"] else ""), e["category"], e["component"],
                 e["card"] or "-", _clip(e["reason"], 70)]
                for e in earlier
            ]
            print(_table(["Status", "Category", "Component", "Card", "Why"], rows_earlier, right=set()))
    print()
    print("Prioritised threats")
    if not threats:
        print("  (none accepted)")
        return 0
    rows = [
        [t["rank"], "-" if t["risk"] is None else f"{t['risk']:.2f}", t["category"], t["component"], t["card"] or "-", t["found_by"], _clip(t["text"], 70)]
        for t in threats
    ]
    print(_table(["Rank", "Risk", "Category", "Component", "Card", "Found by", "Threat"], rows, right={0, 1}))
    return 0


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(head: list[str], rows: list[list[Any]], right: set[int]) -> str:
    cells = [head] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    lines = []
    for r in cells:
        parts = [r[i].rjust(widths[i]) if i in right else r[i].ljust(widths[i]) for i in range(len(head))]
        lines.append("  " + "  ".join(parts).rstrip())
    return "\n".join(lines)
