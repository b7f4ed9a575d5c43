"""The ``threatdeck`` command line: one module per subcommand.

Each subcommand module exposes ``register(subparsers)`` which adds its parser
and sets ``func`` to a callable taking the parsed arguments and returning the
exit code. Heavy imports happen inside those callables, so ``threatdeck
--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

SUBCOMMANDS = ("scan", "play", "serve", "export", "diff", "db")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="threatdeck",
        description="A STRIDE threat-modelling card game for serverless teams.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"server.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"server.cli.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print("threatdeck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
