"""Reading model files for the command line: bounded reads and directory walks."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from game.importers import max_file_bytes

MODEL_SUFFIXES = (".yaml", ".yml", ".json", ".template")


class FileProblem(Exception):
    """A file could not be read; the message is one line for stderr."""


def read_limit() -> int:
    """The most bytes a file may have: enough for anything threatdeck writes about a game as large as
    THREATDECK_MAX_COMPONENTS and THREATDECK_MAX_FLOWS allow (the server's settings), so results and
    exports come back in, and never less than what the importers take from outside."""
    from server.config import ConfigError, game_size

    try:
        return max_file_bytes(*game_size())
    except ConfigError as exc:
        raise FileProblem(str(exc)) from None


def read_bounded(path: str, limit: int) -> bytes:
    """Read at most ``limit`` + 1 bytes, so a huge file is refused without being loaded."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except IsADirectoryError:
        raise FileProblem(f"{path}: is a directory") from None
    except OSError as exc:
        raise FileProblem(f"{path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise FileProblem(f"{path}: file is larger than {limit:,} bytes, the most threatdeck reads "
                          "(it grows with THREATDECK_MAX_COMPONENTS and THREATDECK_MAX_FLOWS)")
    return data


def expand(paths: Iterable[str]) -> list[str]:
    """Files named, plus model files found under named directories (sorted, hidden folders skipped)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found: list[str] = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if f.endswith(MODEL_SUFFIXES))
            out.extend(sorted(found))
        else:
            out.append(p)
    return out


def display(path: str) -> str:
    """A path as reports show it: relative to the working directory when below it."""
    try:
        rel = Path(path).resolve().relative_to(Path.cwd())
        return rel.as_posix()
    except ValueError:
        return Path(path).as_posix()
