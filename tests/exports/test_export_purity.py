"""The exporters, results, backlog and revisions are pure, and their doctests hold."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

GAME = Path(__file__).resolve().parents[2] / "game"
MODULES = ("result", "backlog", "revision", *(f"exports/{p.stem}" for p in sorted((GAME / "exports").glob("*.py"))))
FORBIDDEN = {"time", "datetime", "flask", "flask_socketio", "sqlalchemy", "server", "socket", "os", "threading",
             "secrets", "random", "urllib.request", "http", "subprocess", "pathlib", "shutil"}


@pytest.mark.parametrize("name", MODULES)
def test_no_clock_no_io_no_randomness(name: str) -> None:
    tree = ast.parse((GAME / f"{name}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names = {node.module or ""}
        else:
            names = set()
        roots = {n.split(".")[0] for n in names} | names
        assert not roots & FORBIDDEN, f"game/{name}.py imports {sorted(roots & FORBIDDEN)}"
        # Name-based UUIDs only: uuid4 would make exports differ run to run.
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "uuid":
            assert node.attr in {"uuid5", "UUID"}, f"game/{name}.py uses uuid.{node.attr}"
        assert not (isinstance(node, ast.Name) and node.id == "open"), f"game/{name}.py opens files"


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    module = importlib.import_module("game." + name.replace("/", "."))
    result = doctest.testmod(module)
    assert result.failed == 0
