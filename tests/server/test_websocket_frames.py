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
