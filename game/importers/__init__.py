"""Importers: turn a file's bytes into an :class:`~game.architecture.Architecture`.

The format is detected from the content, not the file name:

* the native threatdeck format (YAML or JSON with a top-level ``threatdeck`` key),
* AWS CloudFormation and SAM templates (YAML with short intrinsic tags, or JSON),
* OWASP Threat Dragon models, v1 and v2 JSON.

Every failure is a :class:`ModelError` whose message names the file, the
field path and what was expected.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any

from game.architecture import Architecture, ArchitectureError
from game.importers.documents import (
    MAX_BYTES,
    ModelError,
    as_text,
    check_yaml,
    load_json,
    load_yaml,
    max_file_bytes,
    yaml_lines,
)

__all__ = ["FORMATS", "MAX_BYTES", "ModelError", "detect_format", "load_architecture", "load_importers",
           "max_file_bytes"]

FORMATS = ("native", "cloudformation", "threat-dragon")

_CFN_KEY = re.compile(r"^(AWSTemplateFormatVersion|Resources|Transform)\s*:", re.MULTILINE)
_NATIVE_KEY = re.compile(r"^threatdeck\s*:", re.MULTILINE)


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def _kind_of_document(data: Any) -> str | None:
    if not isinstance(data, Mapping):
        return None
    if "threatdeck" in data:
        return "native"
    if "Resources" in data or "AWSTemplateFormatVersion" in data:
        return "cloudformation"
    if "detail" in data and "summary" in data:
        return "threat-dragon"
    return None


def detect_format(data: bytes | str, source: str = "<input>", *, max_bytes: int = MAX_BYTES) -> str:
    """Which importer reads this content: one of :data:`FORMATS`."""
    kind, _ = _identify(as_text(data, source, max_bytes), source)
    return kind


def _identify(text: str, source: str) -> tuple[str, Any]:
    """Which importer reads ``text``, and the JSON document parsed to tell (``None`` for YAML): the importer
    takes it rather than parse a file of tens of megabytes again."""
    document = None
    if _looks_like_json(text):
        document = load_json(text, source)
        kind = _kind_of_document(document)
    elif _NATIVE_KEY.search(text):
        kind = "native"
    elif _CFN_KEY.search(text):
        kind = "cloudformation"
    else:
        check_yaml(text, source)
        kind = None
    if kind is None:
        raise ModelError(
            source,
            "not a threatdeck model (top-level 'threatdeck' key), a CloudFormation/SAM template "
            "('Resources') or a Threat Dragon model ('summary' and 'detail')",
        )
    return kind, document


def load_importers() -> None:
    """Import now what :func:`load_architecture` imports on its first use of each format: every importer (with
    cfn-lint) and the codec of UTF-8 with a byte order mark, which files are decoded with.

    Each is otherwise imported by the first file that needs it, so that reading a native model never waits for
    cfn-lint. A caller that parses in several threads calls this first: two threads importing one module at once
    wait on its import lock, which under gevent can lose its wake-up (server/parse_threads.py).
    """
    from game.importers import cloudformation, native, threat_dragon  # noqa: F401

    codecs.lookup("utf-8-sig")


def load_architecture(data: bytes | str, source: str = "<input>", *, max_bytes: int = MAX_BYTES) -> Architecture:
    """Import a model, template or diagram, whatever its format, from at most ``max_bytes`` bytes.

    A caller reading back files threatdeck wrote allows :func:`max_file_bytes`; a CloudFormation template
    keeps :data:`MAX_BYTES` whatever is allowed, as threatdeck never writes one.
    """
    text = as_text(data, source, max_bytes)
    kind, parsed = _identify(text, source)
    try:
        if kind == "cloudformation":
            from game.importers import cloudformation

            parsed = None  # the template is read again, with its lines: not both in memory at once
            return cloudformation.parse_template(text, source)
        document = load_yaml(text, source) if parsed is None else parsed
        if kind == "native":
            from game.importers import native

            lines = {} if parsed is not None else yaml_lines(text, ("components", "flows"))
            return native.from_document(document, source, lines)
        from game.importers import threat_dragon

        return threat_dragon.from_document(document, source)
    except ArchitectureError as exc:
        raise ModelError(source, str(exc)) from None
    except RecursionError:
        raise ModelError(source, "nested too deeply") from None
