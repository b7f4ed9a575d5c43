"""WebSocket connections under gevent: gevent-websocket, with the size of a message bounded as it is read.

gevent-websocket reads a whole frame, of whatever length its header claims,
and keeps reading the frames of a fragmented message until the last one, before
anything can look at the size (Engine.IO checks a message's length only once
it has been read whole). So one connection could make the server read and hold
gigabytes. Here each message may bring at most ``limit`` bytes: a frame that
would go past that closes the connection before its payload is read.

It also checks UTF-8 in pure Python, frame by frame and again for the whole
message, a few per cent of the server's time under load. That check is left
to CPython's decoder, which gevent-websocket runs on every complete text
message anyway and which closes the connection on invalid UTF-8 as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from geventwebsocket.exceptions import WebSocketError
from geventwebsocket.handler import WebSocketHandler
from geventwebsocket.websocket import WebSocket

VALID = (True, True, 0, 0)
"""What gevent-websocket's validator answers for valid UTF-8 (the message is decoded strictly when complete)."""


class MessageTooLarge(WebSocketError):
    """A message would bring more bytes than the limit; the connection is closed unread."""


class MessageSize:
    """Bytes read of the message being received; stands in for gevent-websocket's UTF-8 validator."""

    __slots__ = ("received",)

    def __init__(self) -> None:
        self.received = 0

    def reset(self) -> None:
        """Called once a message's first frame is read: too late to count from (that starts in ``read_message``)."""

    def validate(self, payload: Any) -> tuple[bool, bool, int, int]:
        return VALID


class BoundedWebSocket(WebSocket):  # type: ignore[misc]
    """gevent-websocket's connection, reading at most ``limit`` bytes per message (see the module docstring)."""

    __slots__ = ()  # the same layout as WebSocket: an accepted connection is switched to this class

    def read_message(self) -> Any:
        self.utf8validator.received = 0  # a message starts here, with the frame read next
        return super().read_message()


def bound(ws: WebSocket, limit: int) -> None:
    """Make an accepted connection read at most ``limit`` bytes of any one message."""
    size = MessageSize()
    read: Callable[[int], bytes] = ws.raw_read

    def bounded_read(n: int) -> bytes:
        # Frame payloads only (headers are read from the stream): refuse before reading, not after.
        if size.received + n > limit:
            raise MessageTooLarge(f"a message of more than {limit} bytes")
        size.received += n
        return read(n)

    ws.__class__ = BoundedWebSocket
    ws.utf8validator = size
    ws.raw_read = bounded_read


def handler_class(limit: int) -> type[WebSocketHandler]:
    """A gevent-websocket handler whose connections read at most ``limit`` bytes per message."""

    class BoundedWebSocketHandler(WebSocketHandler):  # type: ignore[misc]
        def run_websocket(self) -> None:
            ws = getattr(self, "websocket", None)
            if ws is not None and not ws.closed:
                bound(ws, limit)
            super().run_websocket()

    return BoundedWebSocketHandler
