"""The browser's ``applyPatch`` (web/src/connection.js) applies the server's patches exactly as the Python client does.

Random pairs of views are diffed by ``server.patch.diff``; Node runs the
client's own module on the patches, and each result must equal the new view,
with the old view left unchanged; patches that do not fit must give null.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server import patch

WEB = Path(__file__).resolve().parents[2] / "web"
SCRIPT = """
import { applyPatch } from "./src/connection.js";
import fs from "fs";
const cases = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const out = cases.map(([view, sizes, sets]) => {
  const before = JSON.stringify(view);
  const next = applyPatch(view, sizes, sets);
  return [next, JSON.stringify(view) === before];
});
fs.writeFileSync(process.argv[3], JSON.stringify(out));
"""


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.random()
    if depth > 3 or kind < 0.4:
        return rng.choice([None, True, False, 0, 1, 2, "a", "b", "T3", ""])
    if kind < 0.7:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {k: _value(rng, depth + 1) for k in rng.sample(["id", "x", "y", "z"], rng.randint(0, 4))}


def _mutate(rng: random.Random, value: Any) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.7:
        out = dict(value)
        key = rng.choice(sorted(out))
        out[key] = _mutate(rng, out[key])
        return out
    if isinstance(value, list) and value and rng.random() < 0.7:
        out = list(value)
        i = rng.randrange(len(out))
        out[i] = _mutate(rng, out[i])
        if rng.random() < 0.3:
            out.append(_value(rng))
        elif rng.random() < 0.2:
            out.pop()
        return out
    return _value(rng)


def test_the_browser_applies_patches_as_the_server_means_them(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("node and web/node_modules are needed (scripts/setup installs them)")
        pytest.skip("node or web/node_modules missing (run scripts/setup)")
    rng = random.Random(7)
    cases, expected = [], []
    for _ in range(400):
        old = {k: _value(rng) for k in ("a", "b", "threats", "trick")}
        new = {k: (_mutate(rng, v) if rng.random() < 0.6 else v) for k, v in old.items()}
        sets: list[list[Any]] = []
        sizes: list[list[Any]] = []
        patch.diff(old, new, list(new), sets, sizes)
        cases.append([old, sizes, sets])
        expected.append(new)
    bad = [[["nope", 1], 2]], [[["a", 99], 1]], [[[], 1]]
    for sets_ in bad:
        cases.append([{"a": [1, 2], "b": "t"}, [], sets_])
        expected.append(None)
    cases.append([{"a": [1, 2]}, [[["a"], -1]], []])
    expected.append(None)
    (tmp_path / "in.json").write_text(json.dumps(cases))
    script = tmp_path / "run.mjs"
    script.write_text(SCRIPT.replace("./src/connection.js", (WEB / "src" / "connection.js").as_uri()))
    subprocess.run([node, str(script), str(tmp_path / "in.json"), str(tmp_path / "out.json")], cwd=WEB,
                   check=True, timeout=60)
    results = json.loads((tmp_path / "out.json").read_text())
    assert len(results) == len(expected)
    for i, ((got, untouched), want) in enumerate(zip(results, expected)):
        assert got == want, (i, cases[i])
        assert untouched, i
