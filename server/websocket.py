"""WebSocket messages, bounded as they are read, under gevent and eventlet.

gevent-websocket reads a whole frame, of whatever length its header claims,
and keeps reading the frames of a fragmented message until the last one, before
anything can look at the size (Engine.IO checks a message's length only once
it has been read whole). So one connection could make the server read and hold
gigabytes. Under gevent each message may bring at most ``limit`` bytes: a frame
that would go past that closes the connection before its payload is read.
eventlet refuses a frame longer than the limit, but not many frames of one
message adding up past it; here they close the connection too. In threading
mode Engine.IO gives simple-websocket no limit at all; here it gets one.

gevent-websocket also checks UTF-8 in pure Python, frame by frame and again for
the whole message, a few per cent of the server's time under load. That check is
left to CPython's decoder, which gevent-websocket runs on every complete text
message anyway and which closes the connection on invalid UTF-8 as before.

gevent-websocket also unmasks every frame a client sends (RFC 6455 masks them
all) one byte at a time in Python: about 0.1 µs a byte, so a client sending
messages at the size limit could make the server spend milliseconds on each.
Here the payload and the repeated key are XORed as two integers, in C.

Every frame the server sends goes through gevent's ``sendall``, which first asks
the kernel for the socket's send buffer size (a system call a frame) to size its
chunks. A frame of an update fits the buffer nearly always, so it is handed to
``send`` once, and only a remainder goes through ``sendall``: about half the
cost of a write (2.3 µs against 4.3 µs for 900 bytes, measured with ``timeit``).

gevent's server also waits for a request's line and headers for as long as a
client takes: a connection that sends half a request and then nothing (or a
byte a minute: slow-loris) held its socket and greenlet forever, and enough of
them exhaust the process's file descriptors (the per-IP cap counts Socket.IO
connections only, once their request has been read). eventlet's server too.
Under both the line and headers of each request must arrive within ``REQUEST_HEAD_SECONDS``
(also the longest a kept-alive connection waits idle for its next request);
past that the connection is closed. Bodies and WebSockets are not timed here.

The limit is ``MAX_EVENT_BYTES`` bytes of UTF-8 under gevent and eventlet
(eventlet's Engine.IO driver sets it as its frame limit); Engine.IO's own check
counts characters, so it never refuses what passes here. In threading mode (for
development and tests) simple-websocket counts the characters of a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REQUEST_HEAD_SECONDS = 20.0
"""Longest a request's line and headers may take to arrive under gevent and eventlet (slow-loris), or a kept-alive
connection wait for its next request."""

VALID = (True, True, 0, 0)
"""What gevent-websocket's validator answers for valid UTF-8 (the message is decoded strictly when complete)."""


class MessageSize:
    """Bytes read of the message being received; stands in for gevent-websocket's UTF-8 validator."""

    __slots__ = ("received",)

    def __init__(self) -> None:
        self.received = 0

    def reset(self) -> None:
        """Called once a message's first frame is read: too late to count from (that starts in ``read_message``)."""

    def validate(self, payload: Any) -> tuple[bool, bool, int, int]:
        return VALID


def unmask(header: Any, payload: bytes | bytearray) -> bytearray:
    """A client frame's payload XORed with its 4-byte masking key (RFC 6455, 5.3), as gevent-websocket's
    ``Header.unmask_payload`` returns it."""
    n = len(payload)
    key = (bytes(header.mask) * (n // 4 + 1))[:n]
    return bytearray((int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big"))


def frame_writer(sock: Any) -> Callable[[bytes], None]:
    """Writes a whole frame to a gevent socket: ``sendall`` without its buffer-size query when one send does."""

    def write(data: bytes) -> None:
        sent = sock.send(data)  # cooperative: waits for room in the buffer, then sends what fits
        if sent < len(data):
            sock.sendall(memoryview(data)[sent:])

    return write


def gevent_handler(limit: int, head_seconds: float = REQUEST_HEAD_SECONDS) -> type:
    """A gevent-websocket handler whose connections read at most ``limit`` bytes per message, and must send
    each request's line and headers within ``head_seconds``."""
    # Imported here: under eventlet, gevent must not be imported at all.
    import gevent
    from geventwebsocket.exceptions import WebSocketError
    from geventwebsocket.handler import WebSocketHandler
    from geventwebsocket.websocket import Header, WebSocket

    # Every frame's header is a Header of that module: the class is the one place to reach them all.
    Header.unmask_payload = unmask

    class MessageTooLarge(WebSocketError):  # type: ignore[misc]
        """A message would bring more bytes than the limit; the connection is closed unread."""

    class BoundedWebSocket(WebSocket):  # type: ignore[misc]
        __slots__ = ()  # the same layout as WebSocket: an accepted connection is switched to this class

        def read_message(self) -> Any:
            self.utf8validator.received = 0  # a message starts here, with the frame read next
            return super().read_message()

    def bound(ws: Any) -> None:
        size = MessageSize()
        read: Callable[[int], bytes] = ws.raw_read

        def bounded_read(n: int) -> bytes:
            # Frame payloads only (headers are read from the stream): refused before reading, not after.
            if size.received + n > limit:
                raise MessageTooLarge(f"a message of more than {limit} bytes")
            size.received += n
            return read(n)

        ws.__class__ = BoundedWebSocket
        ws.utf8validator = size
        ws.raw_read = bounded_read
        ws.raw_write = frame_writer(ws.handler.socket)

    class RequestHeadTooSlow(OSError):
        """The request's line and headers did not arrive in time: the connection is closed without an answer."""

    class BoundedWebSocketHandler(WebSocketHandler):  # type: ignore[misc]
        head_timer: Any = None

        def handle_one_request(self) -> Any:
            try:
                return super().handle_one_request()
            finally:
                self._stop_head_timer()  # when the request ended before its headers were read

        def read_requestline(self) -> Any:
            # From the first byte awaited (a kept-alive connection's idle wait too) to the last header read.
            self.head_timer = gevent.Timeout.start_new(head_seconds, RequestHeadTooSlow("request head too slow"))
            return super().read_requestline()  # RequestHeadTooSlow here is an OSError: gevent closes quietly

        def read_request(self, raw_requestline: str) -> Any:
            try:
                return super().read_request(raw_requestline)
            finally:
                self._stop_head_timer()  # the application and a WebSocket take as long as they take

        def _handle_client_error(self, ex: BaseException) -> Any:
            if isinstance(ex, RequestHeadTooSlow):
                return None  # close, as for a line that never came
            return super()._handle_client_error(ex)

        def _stop_head_timer(self) -> None:
            timer, self.head_timer = self.head_timer, None
            if timer is not None:
                timer.close()

        def run_websocket(self) -> None:
            ws = getattr(self, "websocket", None)
            if ws is not None and not ws.closed:
                bound(ws)
            super().run_websocket()

    return BoundedWebSocketHandler


def eventlet_protocol(head_seconds: float = REQUEST_HEAD_SECONDS) -> type:
    """eventlet.wsgi's protocol, whose connections must send each request's line and headers within
    ``head_seconds``.

    Not eventlet's ``socket_timeout``, which bounds every read of the connection, a WebSocket's too: idle between
    Engine.IO's pings, it would be cut. Nor a numeric ``keepalive``, which bounds each read of the request line
    only: the headers could still come a byte a minute.
    """
    import eventlet
    from eventlet import wsgi

    class RequestHeadTooSlow(Exception):
        """Thrown into the connection's greenlet when its request head did not arrive in time."""

    class TimedHeadProtocol(wsgi.HttpProtocol):  # type: ignore[misc]
        head_timer: Any = None

        def handle_one_request(self) -> None:
            # From the first byte awaited (a kept-alive connection's idle wait too) to the last header read.
            self.head_timer = eventlet.Timeout(head_seconds, RequestHeadTooSlow())
            try:
                super().handle_one_request()
            except RequestHeadTooSlow:
                self.close_connection = 1  # closed without an answer, as for a line that never came
            finally:
                self._stop_head_timer()  # when the request ended before its headers were read

        def handle_one_response(self) -> None:
            self._stop_head_timer()  # the application and a WebSocket take as long as they take
            super().handle_one_response()

        def _stop_head_timer(self) -> None:
            timer, self.head_timer = self.head_timer, None
            if timer is not None:
                timer.cancel()

    return TimedHeadProtocol


def bound_eventlet_messages() -> None:
    """Make eventlet's WebSocket refuse a fragmented message longer than its frame limit (set by Engine.IO)."""
    from eventlet import websocket

    base = websocket.RFC6455WebSocket.Message
    if getattr(base, "bounded", False):
        return

    class BoundedMessage(base):  # type: ignore[misc, valid-type]
        bounded = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.size = 0

        def push(self, data: bytes, final: bool = False) -> None:
            self.size += len(data)
            if self.size > self.max_frame_length:
                # eventlet closes the connection on a ValueError here (with status 1007)
                raise ValueError(f"a message of more than {self.max_frame_length} bytes")
            super().push(data, final)

    websocket.RFC6455WebSocket.Message = BoundedMessage


def bound_threading_messages(eio_server: Any, limit: int) -> None:
    """Give this Engine.IO server's simple-websocket connections (threading mode) a message size limit."""
    from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

    class BoundedSimpleWebSocket(SimpleWebSocketWSGI):  # type: ignore[misc]
        def __init__(self, handler: Any, server: Any, **kwargs: Any) -> None:
            super().__init__(handler, server, max_message_size=limit, **kwargs)

    # A copy: the driver's table is shared by every server in the process.
    eio_server._async = dict(eio_server._async, websocket=BoundedSimpleWebSocket)
