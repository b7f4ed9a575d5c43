"""Patches between two versions of a view: what an ``update`` carries instead of the whole view.

A patch is two lists of operations on JSON data, applied in order:

* ``sizes``: ``[path, n]``: cut the list at ``path`` to ``n`` items, or grow it
  with nulls to ``n`` (every grown slot is then filled by a ``set``);
* ``set``: ``[path, value]``: put ``value`` at ``path``.

A path is a list of object keys and list indexes from the top of the view,
e.g. ``["threats", 44, "ratings", "count"]``. Consecutive views share unchanged
parts as the same objects (``server.views``), so :func:`diff` only walks what
changed. A move typically changes a few leaves (a threat's rating count, the
clock, a play added to the trick): sending those instead of whole top-level
values cut an update from kilobytes of card faces to a few hundred bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Path = list[str | int]

_ABSENT = object()
"""A key's value in an object that does not have it."""


class PatchError(ValueError):
    """A patch that does not fit the view it is applied to (the client should ask for the whole view)."""


def diff(old: Mapping[str, Any], new: Mapping[str, Any], keys: Sequence[str],
         sets: list[list[Any]], sizes: list[list[Any]]) -> None:
    """Append to ``sets`` and ``sizes`` the operations that turn ``old`` into ``new`` (for ``keys`` of the view)."""
    for key in keys:
        before, after = old.get(key), new[key]
        if before is not after:
            _diff(before, after, [key], sets, sizes)


def _diff(old: Any, new: Any, path: Path, sets: list[list[Any]], sizes: list[list[Any]]) -> None:
    if type(old) is dict and type(new) is dict:
        # Another thing with an id (a card, a threat) is replaced whole, not edited field by field; so is an
        # object that lost a key (a patch only sets). Keys added are set: a seat's votes grow a key a vote.
        if old.get("id") == new.get("id") and len(old) <= len(new):
            # One lookup a key: whether ``old`` lost a key shows once every key of ``new`` was looked up in it
            # (then what this object added is taken back, and it goes whole).
            n_sets, n_sizes, kept = len(sets), len(sizes), 0
            for key, value in new.items():
                before = old.get(key, _ABSENT)
                if before is _ABSENT:
                    sets.append([[*path, key], value])
                    continue
                kept += 1
                if before is not value:
                    _diff(before, value, [*path, key], sets, sizes)
            if kept == len(old):
                return
            del sets[n_sets:], sizes[n_sizes:]
        sets.append([path, new])
        return
    if type(old) is list and type(new) is list and new:
        first = new[0]
        if type(first) is not dict and type(first) is not list:
            # Plain values (threat ids to rate, seats that voted): one taken from the front would move every
            # other one, so the list goes whole.
            if old != new:
                sets.append([path, new])
            return
        n = len(old)
        if len(new) != n:
            sizes.append([path, len(new)])
        for i, value in enumerate(new):
            if i >= n:
                sets.append([[*path, i], value])
            elif old[i] is not value:
                _diff(old[i], value, [*path, i], sets, sizes)
        return
    if old != new or type(old) is not type(new):
        sets.append([path, new])


def _has(node: Any, key: Any) -> bool:
    """Whether ``key`` names an item of ``node`` as the browser's ``applyPatch`` reads it: a key an object has, or
    an index counted from the front of a list (not a bool)."""
    if isinstance(node, dict):
        return type(key) is str and key in node
    return type(key) is int and 0 <= key < len(node)


def apply(view: Mapping[str, Any], sizes: Any, sets: Any) -> dict[str, Any]:
    """``view`` with a patch applied; ``view`` itself is not changed (only the containers on a path are copied).

    Raises :class:`PatchError` when the patch does not fit.
    """
    out = dict(view)
    fresh = {id(out)}  # containers copied by this patch, which may be changed in place

    def container(path: Any) -> Any:
        if not isinstance(path, list):
            raise PatchError(f"bad path {path!r}")
        node: Any = out
        for key in path:
            if not _has(node, key):
                raise PatchError(f"no {key!r} in the view at {path}")
            child = node[key]
            if id(child) not in fresh:
                if isinstance(child, dict):
                    child = dict(child)
                elif isinstance(child, list):
                    child = list(child)
                else:
                    raise PatchError(f"{list(path)} is not an object or a list")
                node[key] = child
                fresh.add(id(child))
            node = child
        return node

    try:
        for path, n in sizes or ():
            items = container(path)
            if not isinstance(items, list) or type(n) is not int or n < 0:
                raise PatchError(f"cannot resize {path} to {n!r}")
            del items[n:]
            items.extend([None] * (n - len(items)))
        for path, value in sets or ():
            if not isinstance(path, list) or not path:
                raise PatchError(f"bad path {path!r}")
            parent = container(path[:-1])
            key = path[-1]
            if isinstance(parent, list) and not _has(parent, key):
                raise PatchError(f"no item {key!r} in the list at {path[:-1]}")
            if isinstance(parent, dict) and type(key) is not str:
                raise PatchError(f"bad key {key!r} at {path[:-1]}")
            parent[key] = value
    except (TypeError, ValueError) as exc:
        if isinstance(exc, PatchError):
            raise
        raise PatchError(str(exc)) from None
    return out
