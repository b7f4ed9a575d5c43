"""The app factory and the module-level Socket.IO object.

``create_app(config)`` is the only way in: it reads the settings, opens the
database (migrating it unless ``AUTO_MIGRATE`` is off), wires the REST API,
the web client and the socket handlers, and starts the background clock.
Nothing connects at import time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.sessions import SessionInterface
from flask_socketio import SocketIO
from socketio.packet import Packet

from server import config as config_module
from server import fastjson
from server.rooms import IndexedManager
from server.tokens import redact

log = logging.getLogger("threatdeck")

socketio = SocketIO()
"""The Socket.IO server; bound to an app (and its async mode) by :func:`create_app`."""


class TextPacket(Packet):  # type: ignore[misc]  # python-socketio has no types: Packet is Any
    """Socket.IO packets without binary attachments.

    The protocol is JSON only; the default packet walks every nested value of
    every payload looking for ``bytes``, which costs more than encoding a view.
    """

    uses_binary_events = False


RESERVED_EVENTS = frozenset({"*", "connect", "disconnect", "connect_error"})


class NoSession(SessionInterface):
    """No cookie session: seats are tokens, and nothing here reads or writes Flask's ``session``.

    Flask opens its signed cookie session for every request context, and Flask-SocketIO pushes one for every
    connect, join and disconnect: building the signer was a twentieth of the server's work when every seat of a
    hundred games came back at once (bench/reconnect.py). A null session costs nothing, and refuses a write.
    """

    def open_session(self, app: Flask, request: Any) -> None:
        return None  # Flask then uses make_null_session

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


def harden(server: Any) -> None:
    """Refuse event names a client must not send before python-socketio dispatches them, and drop
    packets it cannot decode (logged as a warning, without a traceback).

    A client-sent event named ``*``, ``connect`` or ``disconnect`` would reach
    those handlers with the wrong arguments, and an event "name" that is not a
    string (``[{}, …]``) fails the handler lookup; both are renamed to an
    unknown event, which the catch-all handler refuses with ``unknown_event``.
    """
    original = server._handle_event

    def _handle_event(eio_sid: str, namespace: str, id: Any, data: Any) -> Any:
        if not isinstance(data, list) or not data:
            data = ["(no event name)"]
        elif not isinstance(data[0], str) or data[0] in RESERVED_EVENTS:
            data = ["(reserved or invalid event name)", *data[1:]]
        return original(eio_sid, namespace, id, data)

    server._handle_event = _handle_event
    original_message = server._handle_eio_message

    def _handle_eio_message(eio_sid: str, data: Any) -> Any:
        try:
            return original_message(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            # A packet python-socketio cannot decode (bad JSON, a 400-digit number): drop it.
            # Hidden before it is cut: a token cut short would no longer look like one.
            log.warning("dropped a malformed Socket.IO packet from %s: %s", eio_sid, redact(str(exc))[:80])
            return None

    server._handle_eio_message = _handle_eio_message
    server.eio.on("message", _handle_eio_message)  # engine.io holds the bound method it was given


def cors_origins(setting: str | None) -> list[str] | None:
    """``CORS_ORIGINS`` as python-engineio takes it (None: the same origin only).

    A browser's Origin has no trailing slash and engine.io compares strings, so ``https://team.example/``
    refused every socket from there. An empty list would switch engine.io's origin check off altogether.
    """
    origins = [o.strip().rstrip("/") for o in (setting or "").split(",") if o.strip()]
    return origins or None


def library_logger(name: str) -> logging.Logger:
    """python-socketio's or python-engineio's logger, at WARNING, logging through the app's handlers.

    Given ``False`` they add a handler of their own, so each of their errors (a lost message queue: several a
    second) was printed twice, once without a timestamp.
    """
    logger = logging.getLogger(name)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)
    return logger


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A new app; ``config`` overrides the environment (see :mod:`server.config`)."""
    from server import api, errors, headers, sockets, web
    from server.runtime import Runtime

    settings = config_module.load(config)
    app = Flask("server", static_folder=None)
    app.config.from_mapping(settings)
    # Room for multipart overhead around the largest accepted upload (a new game's body has its own limit).
    app.config["MAX_CONTENT_LENGTH"] = int(settings["MAX_UPLOAD_BYTES"]) + config_module.BODY_ROOM
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.session_interface = NoSession()
    if settings["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(settings["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    runtime = Runtime.build(app.config, socketio)
    app.extensions["threatdeck"] = runtime
    errors.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(web.bp)

    cors = settings["CORS_ORIGINS"]
    manager: Any
    if settings["REDIS_URL"]:
        from server.message_queue import RecoveringRedisManager

        manager = RecoveringRedisManager(settings["REDIS_URL"], channel=settings["REDIS_CHANNEL"])
    else:
        manager = IndexedManager()
    socketio.init_app(
        app,
        async_mode=settings["ASYNC_MODE"],
        client_manager=manager,
        manage_session=False,
        serializer=TextPacket,
        json=fastjson,
        max_http_buffer_size=int(settings["MAX_EVENT_BYTES"]),
        ping_interval=int(settings["PING_INTERVAL"]),
        ping_timeout=int(settings["PING_TIMEOUT"]),
        cors_allowed_origins=cors_origins(cors),
        always_connect=True,
        # Run each event in the reader of its connection instead of a new greenlet per event: a
        # connection's events are handled in order, and the spawn was a tenth of the per-move cost.
        async_handlers=False,
        namespaces=["/"],
        logger=library_logger("socketio.server"),
        engineio_logger=library_logger("engineio.server"),
    )
    # Outermost, so Engine.IO's own polling answers get the headers as well as Flask's.
    app.wsgi_app = headers.EngineIOHeaders(app.wsgi_app)  # type: ignore[method-assign]
    harden(socketio.server)
    if settings["ASYNC_MODE"] == "threading":
        from server.websocket import bound_threading_messages

        bound_threading_messages(socketio.server.eio, int(settings["MAX_EVENT_BYTES"]))
    sockets.install(socketio.server, runtime)
    if settings["BACKGROUND_TASKS"]:
        runtime.start_background(socketio)
    log.info("threatdeck app ready (async mode %s, database %s)", settings["ASYNC_MODE"], runtime.describe_database())
    return app
