"""Patches between views: applying ``diff(old, new)`` to ``old`` gives ``new``, and never changes ``old``.

Checked on seeded random pairs of views, by the Python client's ``apply`` and by
the browser's ``applyPatch`` (web/src/connection.js, run in Node); and the browser's
connection keeps the newest view whatever order an update and its join's answer come in.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server import patch
from server.client import apply_patch, card_ids

WEB = Path(__file__).resolve().parents[2] / "web"
NODE_SCRIPT = """
import { applyPatch } from "CONNECTION";
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
    """A new version of ``value``: an item or field changed deep down, a list grown or cut, or something else."""
    if isinstance(value, dict) and value and rng.random() < 0.7:
        out = dict(value)
        key = rng.choice(sorted(out))
        out[key] = _mutate(rng, out[key])
        if rng.random() < 0.3:  # a key added (a seat's votes grow one a vote); "id" added is another thing
            out[rng.choice(["id", "w", "x", "T4"])] = _value(rng)
        return out
    if isinstance(value, list) and value and rng.random() < 0.7:
        items = list(value)
        i = rng.randrange(len(items))
        items[i] = _mutate(rng, items[i])
        if rng.random() < 0.3:
            items.append(_value(rng))
        elif rng.random() < 0.2:
            items.pop()
        return items
    return _value(rng)


def view_pairs(n: int = 500, seed: int = 7) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Seeded (old, new) pairs of views; the new one shares the old one's unchanged parts, as server views do."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        old = {k: _value(rng) for k in ("a", "b", "threats", "trick")}
        pairs.append((old, {k: (_mutate(rng, v) if rng.random() < 0.6 else v) for k, v in old.items()}))
    return pairs


def _ops(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    sets: list[list[Any]] = []
    sizes: list[list[Any]] = []
    patch.diff(old, new, list(new), sets, sizes)
    return {"set": sets, "sizes": sizes}


def test_a_patch_turns_the_old_view_into_the_new_one() -> None:
    for old, new in view_pairs():
        before = copy.deepcopy(old)
        ops = _ops(old, new)
        assert patch.apply(old, ops["sizes"], ops["set"]) == new
        assert old == before


MISFIT_VIEW = {"a": [2, {"x": 1}], "b": "text", "o": {"k": 1}}
MISFITS: list[dict[str, Any]] = [
    {"set": [[["nope", 1], 2]], "sizes": []},
    {"set": [[["a", 5], 2]], "sizes": []},
    {"set": [[[], 2]], "sizes": []},
    {"set": [["a", 2]], "sizes": []},
    {"set": [], "sizes": [[["a"], -1]]},
    {"set": [], "sizes": [[["b"], 1]]},
    {"set": [[["b", "x", "y"], 1]], "sizes": []},
    {"set": [[["o", 1], 2]], "sizes": []},
    # Refused alike by the browser and the Python client, though Python could read some of them: an index from
    # the end, a bool or a string as an index, a path that is not a list, an op that is not [path, value], a
    # key an object only inherits (in JavaScript).
    {"set": [[["a", -1, "x"], 2]], "sizes": []},
    {"set": [[["a", True], 2]], "sizes": []},
    {"set": [[["a", "1", "x"], 2]], "sizes": []},
    {"set": [], "sizes": [["a", 1]]},
    {"set": [], "sizes": [[["a"], True]]},
    {"set": [[["o", "k"], 1, 2]], "sizes": []},
    {"set": [[["o", "k"]]], "sizes": []},
    {"set": [[["o", "constructor", "x"], 1]], "sizes": []},
]
"""Patches that do not fit :data:`MISFIT_VIEW`."""


def _node() -> str:
    """Node, to run the browser's code (skips the test where it is missing)."""
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules").is_dir():
        if os.environ.get("CI"):
            pytest.fail("node and web/node_modules are needed (scripts/setup installs them)")
        pytest.skip("node or web/node_modules missing (run scripts/setup)")
    return node


def test_the_browser_applies_patches_as_the_server_means_them(tmp_path: Path) -> None:
    node = _node()
    cases: list[Any] = []
    expected: list[Any] = []
    for old, new in view_pairs():
        ops = _ops(old, new)
        cases.append([old, ops["sizes"], ops["set"]])
        expected.append(new)
    for ops in MISFITS:
        cases.append([MISFIT_VIEW, ops["sizes"], ops["set"]])
        expected.append(None)
    (tmp_path / "in.json").write_text(json.dumps(cases))
    script = tmp_path / "run.mjs"
    script.write_text(NODE_SCRIPT.replace("CONNECTION", (WEB / "src" / "connection.js").as_uri()))
    subprocess.run([node, str(script), str(tmp_path / "in.json"), str(tmp_path / "out.json")], cwd=WEB,
                   check=True, timeout=60)
    results = json.loads((tmp_path / "out.json").read_text())
    assert len(results) == len(expected)
    for i, ((got, untouched), want) in enumerate(zip(results, expected)):
        assert got == want, (i, cases[i])
        assert untouched, i


JOIN_SCRIPT = """
globalThis.location = new URL("http://localhost/");  // where the page would be: the socket is never opened
const { Connection } = await import("CONNECTION");
const shown = [];
const conn = new Connection({ gameId: "g", token: "t", onView: (view) => shown.push(view.version),
  onStatus() {}, onJoined() {}, onFatal() {} });
const answers = {};  // event → how to answer it
conn.emit = (event) => new Promise((resolve) => (answers[event] = resolve));
const ack = (version, turn) => ({ ok: true, game_id: "g", seat: 0, role: "player", version,
  view: { version, turn }, presence: null });
const update = (version, base, turn) => ({ game_id: "g", version, base, events: [], sizes: [],
  set: [[["version"], version], [["turn"], turn]] });
const out = [];
// A tab at version 5 reconnects; version 6 goes out after the server read the answer's view, and comes first.
conn.view = { version: 5, turn: 1 };
conn.version = 5;
let entering = conn.enter();
conn.onUpdate(update(6, 5, 2));
answers.join(ack(5, 1));
await entering;
out.push([conn.version, conn.view]);
// At an equal version the answer is taken (the update may have carried only what every seat shares).
entering = conn.enter();
conn.onUpdate(update(7, 6, 3));
answers.join(ack(7, 4));
await entering;
out.push([conn.version, conn.view, shown]);
conn.close();
console.log(JSON.stringify(out));
"""


def test_the_browser_keeps_an_update_newer_than_its_join_answer(tmp_path: Path) -> None:
    """The server joins a connection to the game's rooms before it reads the view it answers ``join`` with, so a
    change broadcast in between can come before the answer; the tab must not go back to the older view (it would
    show a turn that has passed until the next change)."""
    node = _node()
    script = tmp_path / "join.mjs"
    script.write_text(JOIN_SCRIPT.replace("CONNECTION", (WEB / "src" / "connection.js").as_uri()))
    run = subprocess.run([node, str(script)], cwd=WEB, check=True, timeout=60, capture_output=True, text=True)
    first, second = json.loads(run.stdout)
    assert first == [6, {"version": 6, "turn": 2}]
    assert second == [7, {"version": 7, "turn": 4}, [6, 7, 7]]


def test_only_what_changed_is_sent_and_things_with_another_id_go_whole() -> None:
    card = {"id": "T3", "suit": "T", "rank": 3, "text": "long" * 50}
    old = {"threats": [{"id": "T1", "ratings": {"count": 1}}], "trick": {"plays": [card]},
           "hand": [card, {"id": "S2"}], "mine": {"votes": {"T1": True}, "ratings": {"T2": {"likelihood": 1}}}}
    new = {"threats": [{"id": "T1", "ratings": {"count": 2}}],
           "trick": {"plays": [card, {"id": "S2"}]}, "hand": [{"id": "S2"}],
           "mine": {"votes": {"T1": True, "T5": False}, "ratings": {"T3": {"likelihood": 2}}}}
    ops = _ops(old, new)
    assert ops["set"] == [[["threats", 0, "ratings", "count"], 2], [["trick", "plays", 1], {"id": "S2"}],
                          [["hand", 0], {"id": "S2"}],
                          # a key added is set alone; an object that lost one goes whole
                          [["mine", "votes", "T5"], False], [["mine", "ratings"], {"T3": {"likelihood": 2}}]]
    assert ops["sizes"] == [[["trick", "plays"], 2], [["hand"], 1]]
    assert patch.apply(old, ops["sizes"], ops["set"]) == new


@pytest.mark.parametrize("ops", MISFITS)
def test_a_patch_that_does_not_fit_is_refused(ops: dict[str, Any]) -> None:
    with pytest.raises(patch.PatchError):
        apply_patch(MISFIT_VIEW, ops)


def test_the_leak_check_reads_card_ids_inside_patches() -> None:
    payload = {"version": 3, "set": [[["legal", "playable", 0], "X9"], [["legal", "targets", "Y8"], ["Api"]],
                                     [["hand", 2], {"id": "Z7", "suit": "S", "rank": 7}],
                                     [["threats", 1, "card"], "W6"]]}
    assert card_ids(payload) == {"X9", "Y8", "Z7", "W6"}
