"""Frames on the wire: client frames unmasked by XORing integers (RFC 6455), and server frames written whole."""

from __future__ import annotations

import io
import random
from types import SimpleNamespace

import pytest

from server.websocket import gevent_handler, unmask


def by_byte(payload: bytes, key: bytes) -> bytearray:
    """The definition: octet i of the payload XOR octet i mod 4 of the key."""
    return bytearray(b ^ key[i % 4] for i, b in enumerate(payload))


@pytest.mark.parametrize("length", [0, 1, 2, 3, 4, 5, 7, 8, 9, 125, 126, 65_535, 65_536, 200_001])
def test_unmasking_matches_the_definition_at_every_length(length: int) -> None:
    rng = random.Random(length)
    payload = rng.randbytes(length)
    key = rng.randbytes(4)
    out = unmask(SimpleNamespace(mask=key), payload)
    assert isinstance(out, bytearray)
    assert out == by_byte(payload, key)
    # Leading zero octets survive (an integer round trip must not drop them).
    assert unmask(SimpleNamespace(mask=key), bytes(length)) == by_byte(bytes(length), key)
    # Masking twice gives the payload back.
    assert bytes(unmask(SimpleNamespace(mask=key), bytes(out))) == payload


def test_a_served_connection_unmasks_with_it() -> None:
    pytest.importorskip("geventwebsocket")
    from geventwebsocket.websocket import Header

    gevent_handler(1024)
    key = b"\x01\x02\x03\x04"
    # A masked text frame as a browser sends it: FIN + text, MASK + length 5, the key, the masked payload.
    frame = bytes([0x81, 0x80 | 5]) + key + bytes(by_byte(b"hello", key))
    stream = io.BytesIO(frame)
    header = Header.decode_header(stream)
    assert header.unmask_payload(stream.read(header.length)) == bytearray(b"hello")
    assert Header.unmask_payload is unmask


def test_frames_larger_than_the_send_buffer_arrive_whole_and_in_order() -> None:
    """One ``send`` takes what fits in the buffer; the rest must follow (the frame writer's fallback)."""
    pytest.importorskip("gevent")
    import gevent
    from gevent import socket as gsocket

    from server.websocket import frame_writer

    a, b = gsocket.socketpair()
    a.setsockopt(gsocket.SOL_SOCKET, gsocket.SO_SNDBUF, 4096)
    b.setsockopt(gsocket.SOL_SOCKET, gsocket.SO_RCVBUF, 4096)
    frames = [random.Random(n).randbytes(n) for n in (1, 900, 300_000, 5, 1_000_000)]
    received = bytearray()
    expected = sum(len(f) for f in frames)

    def drain() -> None:
        while len(received) < expected:
            received.extend(b.recv(65_536))
            gevent.sleep(0)  # let the writer find the buffer full more than once

    reader = gevent.spawn(drain)
    write = frame_writer(a)
    for frame in frames:
        write(frame)
    reader.join(timeout=10)
    assert bytes(received) == b"".join(frames)
    a.close()
    b.close()


def test_a_request_head_that_does_not_arrive_in_time_closes_the_connection() -> None:
    """Slow-loris: half a request, or its headers a byte at a time, no longer holds a connection forever; a
    request whose head came in time may take as long as its application does."""
    pytest.importorskip("geventwebsocket")
    import gevent
    from gevent import pywsgi
    from gevent import socket as gsocket

    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        gevent.sleep(float(str(environ.get("QUERY_STRING") or 0)))  # an application slower than the head limit
        start_response("200 OK", [("Content-Length", "2")])  # type: ignore[operator]
        return [b"ok"]

    server = pywsgi.WSGIServer(("127.0.0.1", 0), app, handler_class=gevent_handler(1024, head_seconds=0.5), log=None)
    server.start()
    address = ("127.0.0.1", server.server_port)

    def closed_by_server(send: object) -> bool:
        """Whether the server closes a connection that sends only what ``send`` sends, before this side gives up
        waiting (5 s, ten times the server's limit): an end of stream or a reset, not this side's timeout."""
        sock = gsocket.create_connection(address)
        writer = gevent.spawn(send, sock)  # type: ignore[arg-type]
        sock.settimeout(5)
        closed = True
        try:
            while sock.recv(1024):
                pass
        except TimeoutError:
            closed = False
        except OSError:
            pass
        writer.kill()
        sock.close()
        return closed

    def half_a_request(sock: object) -> None:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # type: ignore[attr-defined]

    def a_byte_at_a_time(sock: object) -> None:
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            sock.sendall(bytes([byte]))  # type: ignore[attr-defined]
            gevent.sleep(0.1)

    try:
        assert closed_by_server(half_a_request)
        assert closed_by_server(a_byte_at_a_time)
        sock = gsocket.create_connection(address)
        sock.settimeout(5)
        sock.sendall(b"GET /?1.2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(1024):
            answer += chunk
        sock.close()
        assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"ok")
    finally:
        server.stop()
