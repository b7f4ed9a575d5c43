"""Secret tokens for seats and the facilitator: random, handed out once in a link, stored only as hashes.

A token is 32 random bytes in URL-safe base64 (43 characters). The database
keeps its SHA-256, so a leaked database does not let anyone act in a game;
lookups go by the hash, and the stored hash is compared again in constant time.

>>> t = new_token()
>>> len(t), matches(t, digest(t)), matches(t, digest(new_token()))
(43, True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 32
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
"""What a token looks like; anything else is refused before hashing."""
GAME_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{12}$")
"""What a game or upload id looks like."""


def new_token() -> str:
    """A fresh secret token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_id() -> str:
    """A fresh public id for a game or an upload: 12 characters, about 72 random bits.

    Never starting with ``-`` or ``_``: on a command line (``threatdeck export
    GAME``) an id starting with ``-`` would be read as an option.
    """
    while True:
        value = secrets.token_urlsafe(9)
        if value[0].isalnum():
            return value


def digest(token: str) -> str:
    """The hex SHA-256 of a token: what is stored and looked up."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def matches(token: str, stored_hash: str) -> bool:
    """Whether ``token`` hashes to ``stored_hash``, compared in constant time."""
    return hmac.compare_digest(digest(token), stored_hash)


def well_formed(token: object) -> bool:
    """Whether a value could be a token at all (cheap check before any lookup)."""
    return isinstance(token, str) and TOKEN_PATTERN.match(token) is not None


REDACTED = "***"
_RUN_OR_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}|[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """``text`` with whatever could be a seat or facilitator token replaced by ``***``, for logs.

    Links carry the token in the fragment, which browsers never send; but a link pasted with its ``#``
    percent-encoded (``%23``) puts it in the path or the query, and so in a request line. Anything that could be
    a token is a run of at least 43 URL-safe base64 characters (a longer one may hold one); a percent escape ends
    a run, so ``%3D`` before a token does not hide it. Ids (12 characters) and Socket.IO session ids (20) stay.

    >>> redact("GET /play/abcdefghijkl%23token%3D" + "T0k-_" * 9 + "&x=1 HTTP/1.1")
    'GET /play/abcdefghijkl%23token%3D***&x=1 HTTP/1.1'
    """
    return _RUN_OR_ESCAPE.sub(lambda m: REDACTED if len(m.group()) >= 43 and m.group()[0] != "%" else m.group(), text)
