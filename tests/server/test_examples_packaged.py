"""An installed wheel carries the built-in examples: ``server/examples`` is the repository's ``examples/``."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_server_package_holds_the_examples_and_ships_them() -> None:
    packaged = ROOT / "server" / "examples"
    assert packaged.is_dir() and packaged.resolve() == (ROOT / "examples").resolve()
    assert (packaged / "leejames-hr" / "before.yaml").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["server"]
    assert "examples/**/*" in data
