"""Spotting secrets written into a template: environment variables, stage variables, definitions.

A value counts as a secret when it is written in the template (a literal, or
the default of a parameter that is not ``NoEcho``) and either its name looks
like a credential (``DB_PASSWORD``, ``API_KEY``...) or the value itself does (an
AWS access key id, a private key, a token with a well-known prefix, a URL with
a password, a long high-entropy string). A value that points at where the
secret lives is not one: a dynamic reference (``{{resolve:...}}``), a ``!Ref``
of a parameter or resource, an ARN, a Parameter Store path, or a variable
named like a pointer (``SECRET_ARN``, ``PARAMETER_NAME``).

Reasons name the variable and never its value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from game.importers.cloudformation_template import ABSENT, UNKNOWN, Template, is_intrinsic

SECRET_NAME: Final = re.compile(
    r"SECRET|PASSWORD|PASSWD|PASSPHRASE|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY|AUTH_?KEY|SIGNING_?KEY|CLIENT_?SECRET",
    re.IGNORECASE,
)
"""Names that say a variable holds a credential."""

POINTER_NAME: Final = re.compile(
    r"(^|_)(ARN|NAME|ID|PARAM|PARAMETER|PATH|SSM|REF|LOCATION|URI)$|(^|_)(ARN|PARAM|PARAMETER|PATH)_",
    re.IGNORECASE,
)
"""Names that say a variable holds where a secret lives, not the secret."""

_AWS_KEY_ID = re.compile(r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_TOKEN_PREFIX = re.compile(r"^(ghp_|gho_|ghs_|github_pat_|glpat-|xox[abpr]-|sk_live_|rk_live_|AIza|SG\.|npm_)[A-Za-z0-9_\-.]{10,}")
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$")
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_TOKENISH = re.compile(r"^[A-Za-z0-9+/=_\-]{32,}$")
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure|ssm):", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_POINTER_VALUE = re.compile(r"^(arn:|/[A-Za-z0-9_.\-/]+$|alias/)")
MIN_ENTROPY = 4.2
"""Bits per character above which a long token-like string is taken for a key (hex tops out at 4)."""


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def secret_looking_value(text: str) -> str | None:
    """Why a literal value looks like a credential, or ``None``."""
    if _AWS_KEY_ID.search(text):
        return "an AWS access key id"
    if _PRIVATE_KEY.search(text):
        return "a private key"
    if _TOKEN_PREFIX.match(text):
        return "a token with a well-known prefix"
    if _JWT.match(text):
        return "a JSON web token"
    if _URL_PASSWORD.match(text):
        return "a URL with a password"
    if _TOKENISH.match(text) and entropy(text) >= MIN_ENTROPY and any(c.isdigit() for c in text) and any(c.isalpha() for c in text):
        return "a long high-entropy string"
    return None


def _plain_literal(text: str) -> bool:
    """A literal that could be a credential: not empty, a number, a flag or a pointer."""
    t = text.strip()
    if len(t) < 4 or re.fullmatch(r"-?\d+(\.\d+)?|true|false|yes|no|none|null", t, re.IGNORECASE):
        return False
    return not _POINTER_VALUE.match(t) and not _DYNAMIC_REFERENCE.search(t)


def judge(template: Template, name: str, raw: Any) -> tuple[bool, str]:
    """Whether one named value is a secret written into the template, and why (never the value)."""
    parameter = template.parameter_ref(raw)
    if parameter is not None:
        if parameter.no_echo:
            return False, f"{name} comes from NoEcho parameter {parameter.name}"
        default = template.value(parameter.default)
        if isinstance(default, str) and _plain_literal(default):
            why = secret_looking_value(default)
            if why is None and SECRET_NAME.search(name) and not POINTER_NAME.search(name):
                why = "a name that looks like a secret"
            if why is not None:
                return True, f"{name} takes the default of parameter {parameter.name}: {why}"
        return False, f"{name} comes from parameter {parameter.name}"
    if is_intrinsic(raw) and next(iter(raw)) in ("Ref", "Fn::GetAtt", "Fn::ImportValue"):
        return False, f"{name} names a resource or an export"
    value = template.value(raw)
    if value is UNKNOWN or value is ABSENT or not isinstance(value, (str, int, float)) or isinstance(value, bool):
        text = template.pattern(raw) or ""
        if _DYNAMIC_REFERENCE.search(text):
            return False, f"{name} is a dynamic reference resolved at deploy time"
        # Only the literal pieces between ``${...}`` placeholders were written in the template.
        for piece in _PLACEHOLDER.split(text):
            why = secret_looking_value(piece)
            if why is not None and why != "a long high-entropy string":
                return True, f"{name} has a literal part that looks like {why}"
        return False, f"{name} is computed at deploy time"
    text = str(value)
    if _DYNAMIC_REFERENCE.search(text):
        return False, f"{name} is a dynamic reference resolved at deploy time"
    why = secret_looking_value(text)
    if why is not None:
        return True, f"{name} holds a literal value that looks like {why}"
    if SECRET_NAME.search(name) and not POINTER_NAME.search(name) and _plain_literal(text):
        return True, f"{name} holds a literal value and its name looks like a secret"
    return False, f"{name} holds no secret-looking literal"


def scan(template: Template, variables: Any, where: str) -> tuple[bool, str]:
    """Judge a mapping of named values; the first secret wins, else a short all-clear."""
    mapping = template.mapping(variables)
    if not mapping:
        return False, f"{where}: no variables"
    for name, raw in mapping.items():
        secret, why = judge(template, str(name), raw)
        if secret:
            return True, f"{where}.{name}: {why}"
    return False, f"{where}: no literal secret-looking value"


def nested_strings(node: Any, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(key, string) pairs anywhere in a nested document, for scanning definitions."""
    if depth > 40:
        return
    if isinstance(node, Mapping):
        for key, value in node.items():
            if isinstance(value, str):
                yield str(key), value
            else:
                yield from nested_strings(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from nested_strings(item, depth + 1)


def scan_document(node: Any) -> str | None:
    """Why a nested document (a state machine definition) holds a secret, or ``None``; names the key."""
    for key, text in nested_strings(node):
        clean = key.removesuffix(".$")
        if key.endswith(".$"):
            continue  # a JSONPath into the input, not a value
        why = secret_looking_value(text)
        if why is not None:
            return f"{clean} holds a literal value that looks like {why}"
        if SECRET_NAME.search(clean) and not POINTER_NAME.search(clean) and _plain_literal(text) and "${" not in text:
            return f"{clean} holds a literal value and its name looks like a secret"
    return None
