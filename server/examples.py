"""The built-in example architectures a game can be played on without uploading anything.

Examples are the model files under the repository's ``examples/`` folder
(LeeJames HR before and after its threat model, in the native format and as
SAM templates). Where that folder is looked for, first match wins:

1. the ``EXAMPLES_DIR`` setting (``THREATDECK_EXAMPLES_DIR``);
2. ``examples/`` beside the ``server`` package: the repository root, which is
   what a checkout or an editable install (``pip install -e .``, as
   ``scripts/setup`` does) runs from;
3. ``server/examples/`` inside the installed package, for a wheel built with
   the examples copied in.

An example's id is its path below that folder without the last suffix, e.g.
``leejames-hr/before`` or ``leejames-hr/before.sam``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
from pathlib import Path

from game.architecture import Architecture
from game.importers import ModelError, detect_format, load_architecture
from game.importers.documents import load_yaml
from server.errors import NotFound

log = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml", ".json")
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9][A-Za-z0-9._-]{0,99}){0,3}$")


def _is_model(text: str, source: str) -> bool:
    """Whether ``text`` claims to be a model of some format; a file that cannot be read as YAML (or JSON) at all
    raises its ModelError, which is news: someone meant it to be read."""
    try:
        detect_format(text, source)
    except ModelError:
        load_yaml(text, source)  # JSON is YAML too
        return False
    return True


def examples_dir(configured: str | None = None) -> Path | None:
    """The folder examples are read from, or None when there is none."""
    here = Path(__file__).resolve().parent
    for candidate in (Path(configured) if configured else None, here.parent / "examples", here / "examples"):
        if candidate is not None and candidate.is_dir():
            return candidate
    return None


@dataclasses.dataclass(frozen=True)
class Example:
    """One example model file."""

    id: str
    """Path below the examples folder without the last suffix."""
    name: str
    """The architecture's name."""
    source_format: str
    """native, cloudformation, sam or threat-dragon."""
    components: int
    flows: int
    description: str
    document: str
    """The file's text."""


class Examples:
    """The examples of one folder, read once and re-read when a file changes."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[float, Example | None]] = {}

    def _files(self) -> list[Path]:
        if self.folder is None:
            return []
        out: list[Path] = []
        for root, dirs, files in os.walk(self.folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            out.extend(Path(root) / f for f in sorted(files) if f.endswith(SUFFIXES) and not f.startswith("."))
        return out

    def _read(self, path: Path) -> Example | None:
        assert self.folder is not None
        mtime = path.stat().st_mtime
        with self._lock:
            hit = self._cache.get(path)
            if hit is not None and hit[0] == mtime:
                return hit[1]
        rel = path.relative_to(self.folder).as_posix()
        example_id = rel.rsplit(".", 1)[0]
        example: Example | None = None
        try:
            text = path.read_text(encoding="utf-8")
            if not _is_model(text, f"examples/{rel}"):
                # A file beside the models that is none (leejames-hr/threats.yaml: what its tests expect to be
                # found) is no news at each start.
                log.debug("example %s is not a model; not listed", rel)
                with self._lock:
                    self._cache[path] = (mtime, None)
                return None
            arch: Architecture = load_architecture(text, f"examples/{rel}")
            example = Example(
                id=example_id, name=arch.name, source_format=arch.source_format,
                components=len(arch.components), flows=len(arch.flows), description=arch.description,
                document=text,
            )
        except (ModelError, OSError, UnicodeDecodeError) as exc:
            log.warning("example %s skipped: %s", rel, exc)  # a model someone put there, and broken
        with self._lock:
            self._cache[path] = (mtime, example)
        return example

    def all(self) -> list[Example]:
        """Every readable example, by id."""
        found = [e for e in (self._read(p) for p in self._files()) if e is not None]
        return sorted(found, key=lambda e: e.id)

    def get(self, example_id: str) -> Example:
        """One example by id; :class:`NotFound` if there is none."""
        if ID_PATTERN.match(example_id):
            for e in self.all():
                if e.id == example_id:
                    return e
        raise NotFound(f"no example {example_id!r}", field="example")
