"""Under eventlet a request's line and headers must arrive in time too (slow-loris), while a WebSocket may stay
idle longer than that: eventlet's own socket_timeout would have cut it. Run in a process of its own: eventlet
must not meet gevent, which other tests import."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent('''
    import json
    import eventlet
    from eventlet import websocket, wsgi
    from server.websocket import eventlet_protocol

    @websocket.WebSocketWSGI
    def echo(ws):
        ws.send(ws.wait())

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/ws":
            return echo(environ, start_response)
        eventlet.sleep(float(environ.get("QUERY_STRING") or 0))  # an application slower than the head limit
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    listener = eventlet.listen(("127.0.0.1", 0))
    address = listener.getsockname()
    eventlet.spawn(wsgi.server, listener, app, log_output=False, protocol=eventlet_protocol(0.5))

    def closed_by_server(send):
        # An end of stream or a reset from the server, not this side giving up (5 s, ten times its limit).
        sock = eventlet.connect(address)
        writer = eventlet.spawn(send, sock)
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

    def half_a_request(sock):
        sock.sendall(b"GET / HTTP/1.1\\r\\nHost: x\\r\\n")

    def a_byte_at_a_time(sock):
        for byte in b"GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Slow: " + b"a" * 100:
            sock.sendall(bytes([byte]))
            eventlet.sleep(0.1)

    def answer(sock):
        sock.settimeout(5)
        out = b""
        while chunk := sock.recv(1024):
            out += chunk
        return out

    sock = eventlet.connect(address)
    sock.sendall(b"GET /?1.2 HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
    slow_app = answer(sock)

    sock = eventlet.connect(address)
    sock.settimeout(5)
    sock.sendall(b"GET /ws HTTP/1.1\\r\\nHost: x\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n\\r\\n")
    upgraded = sock.recv(1024)
    eventlet.sleep(1.2)  # idle past the head limit, as between Engine.IO's pings
    sock.sendall(bytes([0x81, 0x82, 0, 0, 0, 0]) + b"hi")  # a masked text frame, with a key of zeros
    echoed = sock.recv(1024)

    print(json.dumps({
        "half_a_request": closed_by_server(half_a_request),
        "a_byte_at_a_time": closed_by_server(a_byte_at_a_time),
        "slow_app": slow_app.decode("latin-1"),
        "upgraded": upgraded.decode("latin-1"),
        "echoed": echoed.decode("latin-1"),
    }))
''')


def test_under_eventlet_a_request_head_must_arrive_in_time_and_a_websocket_may_idle() -> None:
    pytest.importorskip("eventlet")
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    said = json.loads(run.stdout.strip().splitlines()[-1])
    assert said["half_a_request"] is True
    assert said["a_byte_at_a_time"] is True
    assert said["slow_app"].startswith("HTTP/1.1 200") and said["slow_app"].endswith("ok")
    assert said["upgraded"].startswith("HTTP/1.1 101")
    assert said["echoed"].startswith("\x81\x02hi")  # then the close frame: the application returned


CRASH = textwrap.dedent('''
    import json
    import eventlet
    from eventlet import wsgi
    from server.cli.serve import eventlet_options

    def app(environ, start_response):
        raise RuntimeError("secret detail of the crash")

    listener = eventlet.listen(("127.0.0.1", 0))
    address = listener.getsockname()
    eventlet.spawn(wsgi.server, listener, app, **eventlet_options(False))
    sock = eventlet.connect(address)
    sock.settimeout(5)
    sock.sendall(b"GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
    out = b""
    while chunk := sock.recv(1024):
        out += chunk
    print(json.dumps({"answer": out.decode("latin-1")}))
''')


def test_under_eventlet_a_crash_that_escapes_the_app_sends_no_traceback() -> None:
    """eventlet's WSGI server defaults to debug: a traceback (code, paths, values) in the body of the 500."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", CRASH], cwd=root, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])["answer"]
    assert answer.startswith("HTTP/1.1 500"), answer[:200]
    assert "Traceback" not in answer and "secret detail" not in answer, answer[:500]
