"""``threatdeck serve --access-log`` never writes a seat's token, whatever request carried one.

A seat link keeps its token in the fragment, which browsers never send; pasted
with the ``#`` encoded as ``%23`` it sends the token in the path. A hand-made
client may put one in a query string. And a request line the server cannot
read is written whole, access log or not.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests
from harness import create_game


def send_raw(port: int, line: str) -> None:
    """A request line as it comes, read or not, and whatever the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"{line}\r\nHost: 127.0.0.1\r\n\r\n".encode())
        s.recv(4096)


@pytest.mark.parametrize("async_mode", ["gevent", "eventlet", "threading"])
def test_the_access_log_shows_requests_without_the_tokens_they_carried(start_server: Any, async_mode: str) -> None:
    server = start_server(async_mode=async_mode, args=("--access-log",))
    game = create_game(server.url, 2)
    kim, doug = game["tokens"]
    pasted = f"{server.url}/play/{game['game_id']}%23token={kim}"  # the link, its '#' encoded
    assert requests.get(pasted, timeout=5).status_code in (200, 404)
    requests.get(f"{server.url}/play/{game['game_id']}%23token%3D{doug}", timeout=5)
    requests.get(f"{server.url}/socket.io/?EIO=4&transport=polling&token={doug}", timeout=5)
    send_raw(server.port, f"GET /play/{game['game_id']}%23token={kim} HTTP/1.1 extra")  # not a request line
    server.stop()
    log = server.log()
    assert kim not in log and doug not in log, log
    assert f"/play/{game['game_id']}%23token=***" in log, log  # the request is logged, without its token
