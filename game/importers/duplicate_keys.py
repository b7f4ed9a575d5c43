"""Finding a key given twice in one mapping of a YAML or JSON document, with its path and both lines.

A parser that keeps the last of two equal keys silently drops the first, so a template with two
``Properties:`` under one resource would lose half its settings. cfn-lint's decoder refuses such a
document but names neither the path nor, for JSON, both lines; these walks say where, for the error.
They read the text again and run only once the decoder has refused it, so a valid template costs nothing.

>>> found = yaml_duplicate("Resources:\\n  Orders:\\n    Type: A\\n    Type: B\\n")
>>> found.path, found.lines
('Resources.Orders.Type', (3, 4))
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import yaml

from game.importers.documents import SafeYamlLoader

__all__ = ["DuplicateKey", "json_duplicate", "yaml_duplicate"]

_STR = "tag:yaml.org,2002:str"
_MERGE = "<<"


@dataclasses.dataclass(frozen=True)
class DuplicateKey:
    """A key that one mapping gives twice."""

    key: str
    """The key as written."""
    path: str
    """Dotted path to the key, e.g. ``Resources.OrdersTable.Properties`` (list items as ``[i]``)."""
    lines: tuple[int, int]
    """1-based lines of the first and the second occurrence."""

    def describe(self) -> str:
        """One sentence for an error message."""
        first, second = self.lines
        return (f"the key {self.key!r} is given twice in one mapping, at lines {first} and {second}; "
                "merge them or remove one (a reader keeps only the last)")


class _Container:
    """A mapping or sequence open during a walk, and where the walk is inside it."""

    def __init__(self, path: str, is_mapping: bool) -> None:
        self.path = path
        self.is_mapping = is_mapping
        self.seen: dict[tuple[str, str], int] = {}  # key identity -> line of its first occurrence
        self.found: list[DuplicateKey] = []
        self.merges = False
        self.awaiting_key = True
        self.key: str | None = None  # the key whose value comes next
        self.index = 0  # of the next item of a sequence

    def child_path(self) -> str:
        if self.is_mapping:
            return f"{self.path}.{self.key}" if self.path else str(self.key)
        return f"{self.path}[{self.index}]"

    def add_key(self, identity: tuple[str, str], text: str, line: int) -> None:
        self.key = text
        self.awaiting_key = False
        if text == _MERGE:
            self.merges = True
        if identity in self.seen:
            self.found.append(DuplicateKey(text, self.child_path(), (self.seen[identity], line)))
        else:
            self.seen[identity] = line

    def value_done(self) -> None:
        if self.is_mapping:
            self.awaiting_key = True
        else:
            self.index += 1


def yaml_duplicate(text: str) -> DuplicateKey | None:
    """The duplicate key whose second occurrence comes first in ``text``, or None.

    Keys are compared as the loader would build them (``1`` and ``'1'`` differ, ``a`` and ``"a"`` do not).
    Like cfn-lint's decoder, a mapping with a ``<<`` merge key is not checked: there a later key overrides.
    """
    resolver = yaml.resolver.Resolver()
    stack: list[_Container] = []
    found: list[DuplicateKey] = []
    for event in yaml.parse(text, Loader=SafeYamlLoader):
        if isinstance(event, yaml.DocumentStartEvent):
            stack = []
            continue
        if not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent,
                                  yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            continue
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            closed = stack.pop()
            if not closed.merges:
                found.extend(closed.found)
            if stack:
                stack[-1].value_done()
            continue
        parent = stack[-1] if stack else None
        if parent is not None and parent.is_mapping and parent.awaiting_key:
            if isinstance(event, yaml.ScalarEvent):
                tag = event.tag if event.tag not in (None, "!") else (
                    resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
                    if event.implicit[0] else _STR)
                line = event.start_mark.line + 1 if event.start_mark is not None else 0
                parent.add_key((str(tag), event.value), event.value, line)
            else:  # a complex or aliased key: no path to name it by
                parent.key, parent.awaiting_key = "?", False
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append(_Container(parent.child_path(), isinstance(event, yaml.MappingStartEvent)))
            continue
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            path = parent.child_path() if parent is not None else ""
            stack.append(_Container(path, isinstance(event, yaml.MappingStartEvent)))
        elif parent is not None:
            parent.value_done()
    return min(found, key=lambda d: d.lines[1], default=None)


# A JSON token: a string, a structural character, or a literal or number (JSON has no other).
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)


def json_duplicate(text: str) -> DuplicateKey | None:
    """The duplicate key whose second occurrence comes first in ``text`` (valid JSON), or None.

    Python's parser keeps no positions, so this walks the tokens itself; call it on text that parsed.
    """
    stack: list[_Container] = []
    line, counted = 1, 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        parent = stack[-1] if stack else None
        if token in "{[":
            path = parent.child_path() if parent is not None else ""
            stack.append(_Container(path, token == "{"))
        elif token in "}]":
            stack.pop()
        elif token == ",":
            if parent is not None:
                parent.value_done()
        elif token == ":":
            continue
        elif parent is not None and parent.is_mapping and parent.awaiting_key:
            line += text.count("\n", counted, match.start())
            counted = match.start()
            key: Any = json.loads(token)
            parent.add_key((_STR, key), key, line)
            if parent.found:
                return parent.found[0]
    return None
