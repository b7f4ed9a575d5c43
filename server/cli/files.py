"""Reading model files for the command line: bounded reads and directory walks."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from game.importers import MAX_BYTES

MODEL_SUFFIXES = (".yaml", ".yml", ".json", ".template")


class FileProblem(Exception):
    """A file could not be read; the message is one line for stderr."""


def read_bounded(path: str) -> bytes:
    """Read at most MAX_BYTES + 1 bytes, so a huge file is refused without being loaded."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except IsADirectoryError:
        raise FileProblem(f"{path}: is a directory") from None
    except OSError as exc:
        raise FileProblem(f"{path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise FileProblem(f"{path}: file is larger than {MAX_BYTES:,} bytes; the limit is {MAX_BYTES:,}")
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
