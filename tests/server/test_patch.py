"""Patches between views: applying ``diff(old, new)`` to ``old`` gives ``new``, and never changes ``old``."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server import patch
from server.client import apply_patch, card_ids

scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.sampled_from(["a", "b", "T3", ""])
json_values = st.recursive(
    scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.sampled_from(["id", "x", "y", "z"]), kids, max_size=4),
    max_leaves=20,
)
views = st.dictionaries(st.sampled_from(["a", "b", "c", "threats", "trick"]), json_values, min_size=5, max_size=5)


def _ops(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    sets: list[list[Any]] = []
    sizes: list[list[Any]] = []
    patch.diff(old, new, list(new), sets, sizes)
    return {"set": sets, "sizes": sizes}


@settings(max_examples=400, deadline=None)
@given(views, views)
def test_a_patch_turns_the_old_view_into_the_new_one(old: dict[str, Any], new: dict[str, Any]) -> None:
    new = {k: new[k] for k in old}  # same top-level keys, as views have
    before = copy.deepcopy(old)
    ops = _ops(old, new)
    assert patch.apply(old, ops["sizes"], ops["set"]) == new
    assert old == before


def test_only_what_changed_is_sent_and_things_with_another_id_go_whole() -> None:
    card = {"id": "T3", "suit": "T", "rank": 3, "text": "long" * 50}
    old = {"threats": [{"id": "T1", "ratings": {"count": 1, "yours": None}}], "trick": {"plays": [card]},
           "hand": [card, {"id": "S2"}]}
    new = {"threats": [{"id": "T1", "ratings": {"count": 2, "yours": None}}],
           "trick": {"plays": [card, {"id": "S2"}]}, "hand": [{"id": "S2"}]}
    ops = _ops(old, new)
    assert ops["set"] == [[["threats", 0, "ratings", "count"], 2], [["trick", "plays", 1], {"id": "S2"}],
                          [["hand", 0], {"id": "S2"}]]
    assert ops["sizes"] == [[["trick", "plays"], 2], [["hand"], 1]]


@pytest.mark.parametrize("ops", [
    {"set": [[["nope", 1], 2]], "sizes": []},
    {"set": [[["a", 5], 2]], "sizes": []},
    {"set": [[[], 2]], "sizes": []},
    {"set": [["a", 2]], "sizes": []},
    {"set": [], "sizes": [[["a"], -1]]},
    {"set": [], "sizes": [[["b"], 1]]},
    {"set": [[["b", "x", "y"], 1]], "sizes": []},
])
def test_a_patch_that_does_not_fit_is_refused(ops: dict[str, Any]) -> None:
    with pytest.raises(patch.PatchError):
        apply_patch({"a": [1, 2], "b": "text"}, ops)


def test_the_leak_check_reads_card_ids_inside_patches() -> None:
    payload = {"version": 3, "set": [[["legal", "playable", 0], "X9"], [["legal", "targets", "Y8"], ["Api"]],
                                     [["hand", 2], {"id": "Z7", "suit": "S", "rank": 7}],
                                     [["threats", 1, "card"], "W6"]]}
    assert card_ids(payload) == {"X9", "Y8", "Z7", "W6"}
