"""Reading YAML and JSON documents from outside safely: bounded size, depth and alias expansion.

Every importer goes through here, so a YAML bomb, a huge file or a Python
object tag is refused with a clear :class:`ModelError` before any object is built.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import yaml

try:  # the C parser is much faster where PyYAML was built with libyaml
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class SafeYamlLoader(_SafeLoader):
    """The safe loader every YAML reading here uses (duplicate_keys.py too), so all agree on what a file holds."""


class _KeyGivenTwice(Exception):
    """A mapping of the document being loaded gives one key twice (located afterwards, from the text)."""


class _UniqueKeysLoader(SafeYamlLoader):
    """The safe loader, refusing a mapping that gives a key twice: PyYAML would keep the last silently, and a
    hand-written model with two ``attributes:`` under one component would lose the first without a word."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        merges = any(key.tag == "tag:yaml.org,2002:merge" for key, _ in node.value)
        pairs = len(node.value)
        mapping = super().construct_mapping(node, deep=deep)
        if not merges and len(mapping) < pairs:  # a later key overrides a merged one on purpose
            raise _KeyGivenTwice
        return mapping


MAX_BYTES = 10 * 1024 * 1024
"""Largest file accepted unless the caller allows more (CloudFormation itself caps templates at 1 MB in S3)."""
MAX_COMPONENTS = 10_000
"""Most components an imported architecture may have."""
MAX_FLOWS = 50_000
"""Most data flows an imported architecture may have."""
MAX_BOUNDARIES = 1_000
"""Most trust boundaries an imported architecture may have."""
MAX_NAME = 200
"""Longest name of an architecture, component or boundary, and longest flow label."""
MAX_TEXT = 2_000
"""Longest description."""
MAX_NODES = 500_000
"""Most YAML nodes a document may expand to, aliases counted as what they stand for."""
MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences."""

# What one element takes, at most, in the files threatdeck writes and reads back, with every text at its limit
# (ids 128, names and labels 200, descriptions 2,000 characters): a component in a JSON result with every card of
# the deck that fits it holding (25 fit a function: about 23.5 KB), a flow or a boundary in the Threat Dragon
# export, drawn with its style and labels (about 3.5 KB). A quarter or more is spare;
# tests/exports/test_export_size.py holds the writers to these.
COMPONENT_BYTES = 32 * 1024
FLOW_BYTES = 5 * 1024
BOUNDARY_BYTES = 5 * 1024


def max_file_bytes(components: int, flows: int) -> int:
    """Largest file to read so that whatever threatdeck writes for an architecture of up to ``components``
    components and ``flows`` flows (and any number of boundaries the importers take) comes back in.

    :data:`MAX_BYTES` comes on top, for what does not grow with the architecture (a game's threats and
    scoreboard), so the limit never falls below it.
    """
    return MAX_BYTES + components * COMPONENT_BYTES + flows * FLOW_BYTES + MAX_BOUNDARIES * BOUNDARY_BYTES


MAX_MESSAGE = 500
"""Longest message of an error, and of its path, however much of the input either echoes."""


def shown(value: Any, width: int = 60) -> str:
    """``repr(value)``, a text cut to ``width`` characters: for a value of the file in an error message."""
    if isinstance(value, str) and len(value) > width:
        value = value[:width - 1] + "…"
    return repr(value)


def shortened(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text``, or its start and end around an ellipsis, ``limit`` characters in all."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


class ModelError(ValueError):
    """An architecture file cannot be read: the message names the file, the path and what was expected.

    The path and the message are :func:`shortened`: both can echo the file (a key, an id), and an error is one
    line of a terminal or one field of a JSON answer, not a copy of a 40 MB input.
    """

    code = "invalid_model"

    def __init__(self, source: str, message: str, path: str = "") -> None:
        path, message = shortened(path), shortened(message)
        where = f"{source}: {path}" if path else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.path = path
        self.message = message


def as_text(data: bytes | str, source: str, max_bytes: int = MAX_BYTES) -> str:
    """Decode a file's bytes after checking its size against ``max_bytes``."""
    try:
        size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    except UnicodeEncodeError as exc:  # text given as str (not decoded from a file) may hold half a UTF-16 pair
        raise ModelError(source, f"contains an unpaired UTF-16 surrogate (character {exc.start:,})") from None
    if size > max_bytes:
        raise ModelError(source, f"file is {size:,} bytes; the limit is {max_bytes:,}")
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelError(source, f"not UTF-8 text (byte {exc.start})") from None


def check_yaml(text: str, source: str) -> None:
    """Walk the YAML event stream and refuse bombs before anything is constructed.

    Every node counts once, and an alias as many nodes as the node it repeats,
    so nested "billion laughs" anchors are caught while ordinary anchors pass.
    An alias inside the node it names is refused: the safe loader builds such a
    node as a list or mapping that holds itself, which no walk over it ends.
    """
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor, nodes under and including it]
    enclosing: set[str] = set()  # anchors of the mappings and sequences open here
    total = 0
    aliased = False
    try:
        for event in yaml.parse(text, Loader=SafeYamlLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append([event.anchor, 1])
                if len(stack) > MAX_DEPTH:
                    raise ModelError(source, f"nested deeper than {MAX_DEPTH} levels", _line(event))
                if event.anchor is not None:
                    enclosing.add(event.anchor)
                total += 1
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, size = stack.pop()
                if anchor is not None:
                    sizes[anchor] = size
                    enclosing.discard(anchor)
                if stack:  # already in the total: only the enclosing node's size grows
                    stack[-1][1] += size
                continue
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                if stack:
                    stack[-1][1] += 1
                total += 1
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in enclosing:
                    raise ModelError(source, f"the alias *{shown(event.anchor)[1:-1]} is inside the node it repeats "
                                             "(a document that holds itself)", _line(event))
                size = sizes.get(event.anchor or "", 1)
                aliased = True
                if stack:
                    stack[-1][1] += size
                total += size
            else:
                continue
            if total > MAX_NODES:
                raise ModelError(source, f"expands to more than {MAX_NODES:,} nodes"
                                 + (" (a YAML alias bomb?)" if aliased else ""), _line(event))
    except yaml.YAMLError as exc:
        raise ModelError(source, f"not valid YAML: {_yaml_problem(exc)}") from None


def check_nodes(document: Any, source: str) -> None:
    """Refuse a parsed JSON document of more than :data:`MAX_NODES` nodes (values and keys), as
    :func:`check_yaml` refuses a YAML one, for readers that build far more per node than the parser."""
    stack, total = [document], 0
    while stack:
        value = stack.pop()
        total += 1
        if isinstance(value, dict):
            total += len(value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        if total > MAX_NODES:
            raise ModelError(source, f"has more than {MAX_NODES:,} nodes (values and keys)")


def _line(event: yaml.Event) -> str:
    mark = event.start_mark
    return f"line {mark.line + 1}" if mark is not None else ""


def _yaml_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return f"{exc.problem or exc.context}{where}"
    return str(exc).splitlines()[0]


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML with the safe loader after :func:`check_yaml`; tags like ``!!python/object`` are refused."""
    check_yaml(text, source)
    try:
        document = yaml.load(text, Loader=_UniqueKeysLoader)  # noqa: S506 - a safe loader
    except _KeyGivenTwice:
        raise _key_given_twice(text, source, as_json=False) from None
    except yaml.constructor.ConstructorError as exc:
        raise ModelError(source, f"unsupported YAML tag: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ModelError(source, f"not valid YAML: {_yaml_problem(exc)}") from None
    except ValueError as exc:  # e.g. an integer longer than Python converts, a date that does not exist
        raise ModelError(source, f"not valid YAML: {_value_problem(exc)}") from None
    return check_strings(document, source)


def _value_problem(exc: ValueError) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "integer string conversion" in message:
        return f"a number has more than {sys.get_int_max_str_digits():,} digits"
    return message[:120]


def check_strings(document: Any, source: str) -> Any:
    """Return ``document`` if every string and key in it is text: an escape like ``\\ud800`` decodes to half a
    UTF-16 pair, which no UTF-8 store or page can take."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise ModelError(source, f"contains an unpaired UTF-16 surrogate in {value[:40]!a}") from None
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return document


def yaml_lines(text: str, keys: tuple[str, ...]) -> dict[str, int]:
    """1-based lines of the items of top-level lists, e.g. ``{"components[2]": 14}``.

    Call after :func:`load_yaml` succeeded; used for locations in reports. Read from the event stream:
    composing the document again, for a few lines, took longer than loading it and held every node.
    """
    lines: dict[str, int] = {}
    depth = 0  # mappings and sequences open
    awaiting_key = True  # in the top-level mapping: is the next node a key?
    key: str | None = None
    listed: str | None = None  # the key whose list is open at depth 2
    items = 0  # of that list, so far
    for event in yaml.parse(text, Loader=SafeYamlLoader):
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if depth == 0 and not isinstance(event, yaml.MappingStartEvent):
                return lines  # the document is not a mapping
            if depth == 1:
                if awaiting_key:
                    key = event.value if isinstance(event, yaml.ScalarEvent) else None
                elif isinstance(event, yaml.SequenceStartEvent) and key in keys:
                    listed, items = key, 0
                awaiting_key = not awaiting_key
            elif depth == 2 and listed is not None:
                if event.start_mark is not None:
                    lines[f"{listed}[{items}]"] = event.start_mark.line + 1
                items += 1
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
            if depth == 1:
                listed = None
    return lines


_MAY_HOLD_SURROGATE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]|[\ud800-\udfff]")
"""What any half UTF-16 pair in a document comes from: an escape of one (JSON's ``\\ud800``, YAML's ``\\U0000d800``
too), or one in text handed over as ``str``. Decoding UTF-8 makes none."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object's members, refusing a key given twice (Python's parser would keep the last silently)."""
    members = dict(pairs)
    if len(members) < len(pairs):
        raise _KeyGivenTwice
    return members


def _key_given_twice(text: str, source: str, *, as_json: bool) -> ModelError:
    """The refusal of a document a loader found giving a key twice: which key, where, on which lines."""
    # Imported here: it reads its parser from this module, and is needed only for such a refusal.
    from game.importers.duplicate_keys import json_duplicate, yaml_duplicate

    found = (json_duplicate if as_json else yaml_duplicate)(text)
    if found is None:
        return ModelError(source, f"{'an object' if as_json else 'a mapping'} gives one of its keys twice")
    return ModelError(source, found.describe(), found.path)


def load_json(text: str, source: str) -> Any:
    """Parse JSON, refusing documents nested too deeply for the decoder and objects that give a key twice."""
    try:
        document = json.loads(text, object_pairs_hook=_unique_pairs)
    except _KeyGivenTwice:
        raise _key_given_twice(text, source, as_json=True) from None
    except RecursionError:
        raise ModelError(source, "nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ModelError(source, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except ValueError as exc:  # an integer longer than Python converts
        raise ModelError(source, f"not valid JSON: {_value_problem(exc)}") from None
    # Walking every string of a large document takes longer than parsing it, and only an escape can make one
    return check_strings(document, source) if _MAY_HOLD_SURROGATE.search(text) else document
