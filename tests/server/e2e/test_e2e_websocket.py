"""WebSocket frames, in every async mode: a message over the limit is refused as it is read.

On its own, gevent-websocket reads a frame of whatever length its header claims
before anything checks its size, and both it and eventlet keep the fragments of
one message however many there are (server/websocket.py). These tests speak
raw WebSocket frames to a real ``threatdeck serve``.
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path
from typing import Any

import pytest
import requests
import websocket
from harness import NO_TIMEOUTS, create_game

from server.client import SeatClient

MAX_EVENT = 16 * 1024
"""The server's default MAX_EVENT_BYTES (bytes of UTF-8 in one Socket.IO message)."""
MODES = pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])


def server_errors(server: Any) -> list[str]:
    """The server's unhandled errors; in threading mode Werkzeug's development server goes back to reading
    HTTP on a refused connection and logs the junk that follows as a 4xx (400, 414) at ERROR level: not ours."""
    return [line for line in server.unhandled_errors() if not re.search(r"ERROR werkzeug: .* code 4\d\d, ", line)]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def open_socket(url: str) -> websocket.WebSocket:
    """A raw Engine.IO websocket with the Socket.IO namespace connected."""
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=10)
    assert ws.recv().startswith("0")
    ws.send("40")
    assert ws.recv().startswith("40")
    return ws


def closed_by_server(ws: websocket.WebSocket, timeout: float = 10.0) -> bool:
    """Whether the server has stopped taking this connection's messages: it sent a close frame, closed or
    reset the connection, or (Werkzeug, in threading mode) went back to reading HTTP and answered with it."""
    sock = ws.sock
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data or b"\x88" in data or data.startswith(b"HTTP/"):
                return True
    except TimeoutError:
        return False
    except OSError:
        return True


def push(ws: websocket.WebSocket, data: bytes, total: int) -> int:
    """Send ``data`` repeatedly up to ``total`` bytes; returns how many went out before the server closed."""
    sent = 0
    try:
        while sent < total:
            ws.sock.sendall(data)
            sent += len(data)
    except OSError:
        pass
    return sent


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])  # threading (development): the fragments test below
def test_a_frame_claiming_a_gigabyte_is_refused_before_it_is_read(mode: str, start_server: Any,
                                                                  clients: list[SeatClient]) -> None:
    server = start_server(async_mode=mode)
    assert server.proc is not None
    before = rss_mb(server.proc.pid)
    ws = open_socket(server.url)
    # FIN + text, masked, 64-bit length: 1 GiB; then 64 MiB of it.
    ws.sock.sendall(bytes([0x81, 0x80 | 127]) + struct.pack("!Q", 1 << 30) + b"\0\0\0\0")
    push(ws, b"a" * (1 << 20), 64 << 20)
    assert closed_by_server(ws)
    assert rss_mb(server.proc.pid) - before < 32, f"the server grew by {rss_mb(server.proc.pid) - before:.0f} MB"
    # Only that connection: the server still serves a game.
    assert requests.get(server.url + "/api/health", timeout=5).ok
    game = create_game(server.url, 2, timing=NO_TIMEOUTS)
    seat = SeatClient(server.url, game["tokens"][0]).connect()
    clients.append(seat)
    assert seat.call("sync", {})["ok"]
    assert server_errors(server) == [], server_errors(server)[:5]


@MODES
def test_small_fragments_adding_up_past_the_limit_are_refused(mode: str, start_server: Any) -> None:
    server = start_server(async_mode=mode)
    ws = open_socket(server.url)
    ws.send_frame(websocket.ABNF(fin=0, opcode=websocket.ABNF.OPCODE_TEXT, data="42" + "[\"sync\",{\"x\":\""))
    try:
        for _ in range(200):  # 200 × 8 KB: 1.6 MB, far past the limit of one message
            ws.send_frame(websocket.ABNF(fin=0, opcode=websocket.ABNF.OPCODE_CONT, data="b" * 8192))
    except (OSError, websocket.WebSocketConnectionClosedException):
        pass
    assert closed_by_server(ws)
    assert server.alive() and requests.get(server.url + "/api/health", timeout=5).ok
    assert server_errors(server) == [], server_errors(server)[:5]


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_the_limit_is_in_bytes_of_utf8(mode: str, start_server: Any) -> None:
    """Under the limit in bytes (two per character here) is answered; over it closes the connection.

    (In threading mode simple-websocket counts the characters of a decoded message.)
    """
    server = start_server(async_mode=mode)
    ws = open_socket(server.url)
    under = "é" * (MAX_EVENT // 2 - 100)
    ws.send("421" + json.dumps(["sync", {"x": under}], ensure_ascii=False))
    answer = ws.recv()
    assert answer.startswith("431"), answer[:80]
    ack = json.loads(answer[3:])[0]
    assert ack["ok"] is False and ack["error"]["code"] in ("invalid_request", "not_joined")
    over = "é" * (MAX_EVENT // 2 + 100)  # fewer characters than MAX_EVENT, more bytes
    ws.send("422" + json.dumps(["sync", {"x": over}], ensure_ascii=False))
    assert closed_by_server(ws)
    assert server.alive()
    assert server_errors(server) == [], server_errors(server)[:5]


@MODES
def test_invalid_utf8_closes_the_connection(mode: str, start_server: Any) -> None:
    server = start_server(async_mode=mode)
    ws = open_socket(server.url)
    ws.send(b"42[\"sync\",{\"x\":\"\xff\xfe\"}]", opcode=websocket.ABNF.OPCODE_TEXT)
    assert closed_by_server(ws)
    ok = open_socket(server.url)
    ok.send("421" + json.dumps(["sync", {}]))
    assert ok.recv().startswith("431")
    ok.close()
    assert server_errors(server) == [], server_errors(server)[:5]
