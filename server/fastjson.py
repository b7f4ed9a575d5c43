"""JSON through orjson, with the ``dumps``/``loads`` shape python-socketio and SQLAlchemy expect.

Encoding the views sent after every move is a large share of the server's
work; orjson does it several times faster than the standard library. Output is
strict JSON (no ``NaN``); input is strict too: a number too large for 64 bits
or a lone surrogate is a decoding error, which the socket layer answers by
dropping the packet.
"""

from __future__ import annotations

from typing import Any

import orjson


def dumps(obj: Any, **_: Any) -> str:
    """JSON text (keyword arguments such as ``separators`` are accepted and ignored: output is compact)."""
    return orjson.dumps(obj).decode("utf-8")


def loads(text: str | bytes, **_: Any) -> Any:
    """The value of a JSON text; ``orjson.JSONDecodeError`` (a ``ValueError``) if it is not strict JSON."""
    return orjson.loads(text)
