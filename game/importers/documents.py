"""Reading YAML and JSON documents from outside safely: bounded size, depth and alias expansion.

Every importer goes through here, so a YAML bomb, a huge file or a Python
object tag is refused with a clear :class:`ModelError` before any object is built.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

try:  # the C parser is much faster where PyYAML was built with libyaml
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

MAX_BYTES = 10 * 1024 * 1024
"""Largest model or template accepted (CloudFormation itself caps templates at 1 MB in S3)."""
MAX_NODES = 500_000
"""Most YAML nodes a document may expand to, aliases counted as what they stand for."""
MAX_DEPTH = 100
"""Deepest nesting of mappings and sequences."""


class ModelError(ValueError):
    """An architecture file cannot be read: the message names the file, the path and what was expected."""

    code = "invalid_model"

    def __init__(self, source: str, message: str, path: str = "") -> None:
        where = f"{source}: {path}" if path else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.path = path
        self.message = message


def as_text(data: bytes | str, source: str) -> str:
    """Decode a file's bytes after checking its size."""
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > MAX_BYTES:
        raise ModelError(source, f"file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelError(source, f"not UTF-8 text (byte {exc.start})") from None


def check_yaml(text: str, source: str) -> None:
    """Walk the YAML event stream and refuse bombs before anything is constructed.

    Aliases are counted as the size of the node they repeat, so nested
    "billion laughs" anchors are caught while ordinary anchors pass.
    """
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor, size]
    total = 0
    try:
        for event in yaml.parse(text, Loader=_SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append([event.anchor, 1])
                if len(stack) > MAX_DEPTH:
                    raise ModelError(source, f"nested deeper than {MAX_DEPTH} levels", _line(event))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, size = stack.pop()
                if anchor is not None:
                    sizes[anchor] = size
                total = _add(stack, size, total, source, event)
            elif isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                total = _add(stack, 1, total, source, event)
            elif isinstance(event, yaml.AliasEvent):
                total = _add(stack, sizes.get(event.anchor or "", 1), total, source, event)
    except yaml.YAMLError as exc:
        raise ModelError(source, f"not valid YAML: {_yaml_problem(exc)}") from None


def _add(stack: list[list[Any]], size: int, total: int, source: str, event: yaml.Event) -> int:
    if stack:
        stack[-1][1] += size
        if stack[-1][1] > MAX_NODES:
            raise ModelError(source, f"expands to more than {MAX_NODES:,} nodes (a YAML alias bomb?)", _line(event))
    total += size
    if total > MAX_NODES:
        raise ModelError(source, f"expands to more than {MAX_NODES:,} nodes (a YAML alias bomb?)", _line(event))
    return total


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
        return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a safe loader
    except yaml.constructor.ConstructorError as exc:
        raise ModelError(source, f"unsupported YAML tag: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ModelError(source, f"not valid YAML: {_yaml_problem(exc)}") from None


def yaml_lines(text: str, keys: tuple[str, ...]) -> dict[str, int]:
    """1-based lines of the items of top-level lists, e.g. ``{"components[2]": 14}``.

    Call after :func:`load_yaml` succeeded; used for locations in reports.
    """
    node = yaml.compose(text, Loader=_SafeLoader)
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value in keys and isinstance(value, yaml.SequenceNode):
                for i, item in enumerate(value.value):
                    lines[f"{key.value}[{i}]"] = item.start_mark.line + 1
    return lines


def load_json(text: str, source: str) -> Any:
    """Parse JSON, refusing documents nested too deeply for the decoder."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ModelError(source, "nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ModelError(source, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
