"""``threatdeck serve``: run the web app and the real-time game server.

The async mode is chosen here, and the standard library is monkey-patched for
gevent or eventlet *before* the app (Flask, SQLAlchemy, python-socketio) is
imported. gevent is the default: see docs/server.md for why not eventlet.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from typing import Any

MODES = ("gevent", "eventlet", "threading")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def port_number(text: str) -> int:
    """``--port`` (and ``THREATDECK_PORT``): a TCP port, refused by the parser rather than by ``bind``."""
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return port


def log_level(text: str) -> str:
    """``--log-level`` (and ``THREATDECK_LOG_LEVEL``), in any case.

    argparse checks ``choices`` only on the command line, not on a default taken from the environment.
    """
    level = text.strip().upper()
    if level not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(LOG_LEVELS)}, got {text!r}")
    return level


def register(sub: Any) -> None:
    """Add the ``serve`` subcommand."""
    p = sub.add_parser(
        "serve",
        help="run the game server (web app, REST API and Socket.IO)",
        description="Serve threatdeck. With no options: http://127.0.0.1:8000, SQLite in ./data, gevent.",
    )
    p.add_argument("--host", default=os.environ.get("THREATDECK_HOST", "127.0.0.1"),
                   help="address to listen on (default: $THREATDECK_HOST or 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=os.environ.get("THREATDECK_PORT", "8000"),  # a string default is parsed too
                   help="port to listen on (default: $THREATDECK_PORT or 8000)")
    p.add_argument("--database", metavar="URL", default=None,
                   help="SQLAlchemy database URL (default: $DATABASE_URL, else SQLite in the data folder)")
    p.add_argument("--redis", metavar="URL", default=None,
                   help="Redis URL for the message queue shared by several processes (default: $REDIS_URL)")
    p.add_argument("--data-dir", metavar="DIR", default=None,
                   help="folder for the SQLite database and secret key (default: $THREATDECK_DATA_DIR or ./data)")
    p.add_argument("--async-mode", choices=MODES, default=os.environ.get("THREATDECK_ASYNC_MODE", "gevent"),
                   help="concurrency model (default: $THREATDECK_ASYNC_MODE or gevent; eventlet is supported; "
                        "threading for development)")
    p.add_argument("--access-log", action="store_true", help="log every HTTP request")
    p.add_argument("--log-level", type=log_level, default=os.environ.get("THREATDECK_LOG_LEVEL", "INFO"),
                   metavar="{DEBUG,INFO,WARNING,ERROR}", help="logging level (default: $THREATDECK_LOG_LEVEL or INFO)")
    p.set_defaults(func=run)


def patch(mode: str) -> None:
    """Monkey-patch the standard library for the async mode; must run before the app is imported."""
    if mode == "gevent":
        from gevent import monkey

        monkey.patch_all()
        # psycopg 3 waits on sockets through the patched selectors, so it yields to other greenlets.
    elif mode == "eventlet":
        import eventlet  # prints eventlet's own deprecation warning: left visible on purpose

        eventlet.monkey_patch()


def run(args: argparse.Namespace) -> int:
    """Patch, build the app, serve until interrupted."""
    patch(args.async_mode)
    from server.access_log import RedactingFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, args.log_level), handlers=[handler])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not args.access_log:
        for name in ("geventwebsocket.handler", "werkzeug", "eventlet.wsgi.server"):
            logging.getLogger(name).setLevel(logging.WARNING)
    # Bound before the app is built: a port already taken, or an address this machine does not have, is said
    # at once, before the database is opened and migrated, and "serving" is printed only once it is true.
    try:
        sock = listener(args.host, args.port)
    except OSError as exc:
        print(f"threatdeck: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        return run_on(sock, args)
    finally:
        sock.close()


def run_on(sock: Any, args: argparse.Namespace) -> int:
    """Build the app and serve it on the bound listener until stopped."""
    from server import create_app
    from server.config import ConfigError

    config: dict[str, Any] = {"ASYNC_MODE": args.async_mode}
    if args.database:
        config["DATABASE_URL"] = args.database
    if args.redis:
        config["REDIS_URL"] = args.redis
    if args.data_dir:
        config["DATA_DIR"] = args.data_dir
    try:
        app = create_app(config)
    except ConfigError as exc:
        print(f"threatdeck: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the database, the message queue or the data folder: one line, not a traceback
        logging.getLogger("threatdeck").debug("start-up failed", exc_info=True)
        print(f"threatdeck: cannot start: {start_problem(exc)}", file=sys.stderr)
        return 2
    runtime = app.extensions["threatdeck"]
    if args.async_mode == "eventlet" and runtime.describe_database().startswith("postgresql"):
        logging.getLogger("threatdeck").warning(
            "eventlet with PostgreSQL: psycopg does not yield to eventlet, so every query stops the whole process "
            "while it runs; use gevent (the default) for PostgreSQL")
    tune_gc()
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(
        f"threatdeck: serving http://{host}:{args.port}/ "
        f"(async mode {args.async_mode}, database {runtime.describe_database()}"
        f"{', message queue ' + runtime.describe_redis() if app.config.get('REDIS_URL') else ''}; Ctrl-C stops)",
        file=sys.stderr,
        flush=True,
    )
    try:
        serve(app, args, sock)
    finally:
        runtime.stop()
    return 0


def start_problem(exc: BaseException) -> str:
    """What stopped the start, in one line: the error's kind and its first line."""
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    kind = type(exc).__name__
    return f"{first} ({kind})" if first else kind


def tune_gc() -> None:
    """Keep the cyclic garbage collector's full passes off the request path.

    A game server holds a few hundred thousand long-lived objects (game
    states, views, the libraries' own data); a full collection walks all of
    them and stopped every game for 150-300 ms, several times a minute under
    load, while almost nothing the server makes is cyclic garbage. What exists
    at start is frozen out of collection, and the young generation is collected
    less often, so full passes come rarely.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


GC_THRESHOLDS = (50_000, 20, 100)
"""gc thresholds of a serving process (CPython's defaults: 700, 10, 10)."""


def listener(host: str, port: int) -> Any:
    """The listening socket, with TCP_NODELAY (inherited by accepted sockets on Linux).

    Socket.IO sends many small frames; with Nagle's algorithm on, a frame
    written while the previous one is unacknowledged waits for the peer's
    delayed ACK (40 ms on Linux).
    """
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)  # green under gevent/eventlet (patched)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


STOP_GRACE = 2.0
"""Seconds open connections get to finish when the server is asked to stop (clients reconnect to the next one)."""


def stopping() -> None:
    """Say on stderr that the server is stopping (SIGTERM or SIGINT), in every async mode."""
    print("threatdeck: stopping", file=sys.stderr, flush=True)


def _interrupt(_signum: int, _frame: Any) -> None:
    stopping()
    raise KeyboardInterrupt


def eventlet_options(access_log: bool) -> dict[str, Any]:
    """How eventlet's WSGI server runs the app: its log through ours (tokens hidden), the request head's time
    limit, and ``debug`` off: on, its default, an exception that escapes the app sends its traceback to the
    client in the 500's body."""
    from server import access_log as logs
    from server.websocket import eventlet_protocol

    return {"log": logs.eventlet_log(), "log_output": access_log,
            "protocol": logs.eventlet_protocol(eventlet_protocol()), "debug": False}


def serve(app: Any, args: argparse.Namespace, sock: Any) -> None:
    """Serve on the bound listener until SIGTERM or SIGINT, as Flask-SocketIO's ``run`` would."""
    if args.async_mode == "gevent":
        import gevent
        from gevent import pywsgi

        from server import access_log
        from server.websocket import gevent_handler

        handler = access_log.gevent_handler(gevent_handler(int(app.config["MAX_EVENT_BYTES"])))
        server = pywsgi.WSGIServer(sock, app, handler_class=handler,
                                   log=None if not args.access_log else "default")

        def stop() -> None:
            stopping()
            gevent.spawn(server.stop, STOP_GRACE)  # stop() waits for open connections: not in the signal's greenlet

        for sig in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(sig, stop)
        server.serve_forever()
        return
    # eventlet and threading stop on KeyboardInterrupt in the main thread's serving loop. SIGTERM (a service
    # manager) does the same, and so does SIGINT even where the process started with it ignored (a background
    # job of a script).
    if args.async_mode == "eventlet":
        import eventlet.wsgi
        import greenlet
        from eventlet import hubs

        from server.websocket import bound_eventlet_messages

        main = greenlet.getcurrent()

        def interrupt(_signum: int, _frame: Any) -> None:
            # Raised here, it would land in whichever greenlet runs (the clock, a socket) and kill only that one.
            stopping()
            hubs.get_hub().schedule_call_global(0, main.throw, KeyboardInterrupt())

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, interrupt)
        bound_eventlet_messages()
        eventlet.wsgi.server(sock, app, **eventlet_options(args.access_log))
    else:
        from werkzeug.serving import make_server

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _interrupt)
        # Werkzeug's server (simple-websocket upgrades its requests) on the listener already bound; its
        # serve_forever returns on KeyboardInterrupt.
        make_server(args.host, args.port, app, threaded=True, fd=sock.fileno()).serve_forever()
