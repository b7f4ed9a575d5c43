"""The engine is pure: no clock, no global random, no web or database, no server imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GAME = Path(__file__).resolve().parents[2] / "game"
ENGINE_MODULES = (
    "board", "bots", "commands", "delta", "engine", "errors", "events", "hand", "priority",
    "replay", "scoring", "serialize", "state", "threats", "trick", "views", "voting",
)
FORBIDDEN = {"time", "datetime", "flask", "flask_socketio", "sqlalchemy", "server", "socket", "os", "threading", "secrets", "uuid"}


@pytest.mark.parametrize("name", ENGINE_MODULES)
def test_no_clock_no_io_no_global_random(name: str) -> None:
    tree = ast.parse((GAME / f"{name}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots = {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
        else:
            roots = set()
        assert not roots & FORBIDDEN, f"game/{name}.py imports {sorted(roots & FORBIDDEN)}"
        # random.Random(seed) is fine; random.shuffle/random.random would use the global generator.
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "random":
            assert node.attr == "Random", f"game/{name}.py uses random.{node.attr}"
        if isinstance(node, ast.ImportFrom) and node.module == "random":
            assert all(a.name == "Random" for a in node.names)
