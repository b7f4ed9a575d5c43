"""Every error a client can see, and the one place they become JSON.

The engine raises :class:`game.errors.GameError`, importers raise
:class:`game.importers.ModelError`, marshmallow raises ``ValidationError``
and the server raises the :class:`ServerError` family below. :func:`to_body`
turns any of them into ``{"error": {"code", "message", "field"}}`` with an
HTTP status; :func:`register` installs that for the REST API and the socket
handlers use :func:`socket_error` for their acknowledgements. Anything else is
a bug: it is logged with its traceback and the client gets a generic
``internal`` error without one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from game import errors as game_errors
from game.importers import ModelError, max_file_bytes
from server.config import max_result_bytes
from server.db import unavailable
from server.tokens import redact

log = logging.getLogger("threatdeck.errors")


class ServerError(Exception):
    """Base of the server's own refusals; ``code`` is stable, ``status`` is the HTTP status."""

    code = "server_error"
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidRequest(ServerError):
    """The request itself cannot be read: a body that is not JSON, an upload that is empty or not where expected."""

    code = "invalid_request"


class NotFound(ServerError):
    """No such game, upload, example, deck or export (or it has expired)."""

    code = "not_found"
    status = 404


class InvalidToken(ServerError):
    """The token does not belong to any seat of any live game."""

    code = "invalid_token"
    status = 403


class Forbidden(ServerError):
    """The sender is known but may not do this: a spectator acting, a player acting for another seat."""

    code = "forbidden"
    status = 403


class NotJoined(ServerError):
    """A command came on a connection that has not joined a game with a token."""

    code = "not_joined"
    status = 403


class SeatsFull(ServerError):
    """Every seat of the game is taken."""

    code = "seats_full"
    status = 409


class AlreadyStarted(ServerError):
    """Seats can only be taken before play ends (a late joiner takes one during play)."""

    code = "already_started"
    status = 409


class FacilitatorHere(ServerError):
    """A seat asked to take over facilitating while the facilitator is connected, or not away for long enough."""

    code = "facilitator_here"
    status = 409


class Conflict(ServerError):
    """The game kept changing under the command; the client should retry."""

    code = "conflict"
    status = 409


class DatabaseUnavailable(ServerError):
    """The database could not be used just now (down, restarting, locked past the busy timeout)."""

    code = "database_unavailable"
    status = 503

    def __init__(self) -> None:
        super().__init__("the database is unavailable just now; try again shortly")


class RateLimited(ServerError):
    """Too many requests or events; wait ``retry_after`` seconds."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerBusy(ServerError):
    """As many large files are being parsed as the server parses at once, and as many wait: try again after
    ``retry_after`` seconds (server/parse_threads.py)."""

    code = "server_busy"
    status = 503

    def __init__(self, message: str, retry_after: float = 5.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotExportable(ServerError):
    """The game cannot be written in the format asked for (an id the native format cannot hold)."""

    code = "not_exportable"
    status = 422


class PayloadTooLarge(ServerError):
    """A body or event is larger than the configured limit."""

    code = "payload_too_large"
    status = 413


def too_large(what: str, settings: Mapping[str, Any]) -> str:
    """Why an upload is refused for its size, and what to do instead.

    The limit stays small on purpose: a file's parse takes a second of a core per megabyte and up to tens of times
    its size in memory (server/parse_threads.py), and a game on the largest architecture the server plays fits
    in far less than its exports (which draw every element, or list every finding, and are several times the
    model's size).
    """
    limit = int(settings["MAX_UPLOAD_BYTES"])
    cli = max_file_bytes(int(settings["MAX_ARCHITECTURE_COMPONENTS"]), int(settings["MAX_ARCHITECTURE_FLOWS"]))
    return (f"{what} is larger than {limit:,} bytes, the most this server takes (THREATDECK_MAX_UPLOAD_BYTES); "
            "a game's exports are several times the size of its model: upload the model itself (a threatdeck JSON "
            f"export holds it as 'architecture'), or play the file with threatdeck play, which reads {cli:,} bytes")


def result_too_large(settings: Mapping[str, Any]) -> str:
    """Why a new game's body is refused for its size: the earlier session's result it carries is too large."""
    limit = max_result_bytes(settings)
    return (f"the earlier session's result is larger than {limit:,} bytes, the most this server takes for a game "
            "as large as it plays (it grows with THREATDECK_MAX_COMPONENTS and THREATDECK_MAX_FLOWS)")


_GAME_STATUS: dict[type[game_errors.GameError], int] = {
    game_errors.InvalidSetup: 422,
    game_errors.InvalidCommand: 422,
    game_errors.StaleState: 409,
    game_errors.NotFacilitator: 403,
    game_errors.SeatRemoved: 403,
}


def status_of(exc: BaseException) -> int:
    """The HTTP status for an error (500 for anything unexpected)."""
    if isinstance(exc, ServerError):
        return exc.status
    if isinstance(exc, game_errors.GameError):
        for cls in type(exc).__mro__:
            if cls in _GAME_STATUS:
                return _GAME_STATUS[cls]
        return 409
    if isinstance(exc, ModelError):
        return 422
    if isinstance(exc, ValidationError):
        return 400
    if isinstance(exc, HTTPException):
        return exc.code or 500
    return 500


def _first_field(messages: Any, prefix: str = "") -> tuple[str | None, str]:
    """The first offending field of a marshmallow error tree, and its first message."""
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or ""
            field, message = _first_field(value, path)
            return (field or None), message
    if isinstance(messages, list) and messages:
        if all(isinstance(m, str) for m in messages):
            return (prefix or None), str(messages[0])
        return _first_field(messages[0], prefix)
    return (prefix or None), str(messages)


def error_dict(exc: BaseException) -> dict[str, Any]:
    """``{"code", "message", "field"}`` for a known error; a generic ``internal`` error otherwise."""
    if isinstance(exc, ServerError):
        return {"code": exc.code, "message": exc.message, "field": exc.field}
    if isinstance(exc, game_errors.GameError):
        return {"code": exc.code, "message": exc.message, "field": None}
    if isinstance(exc, ModelError):
        return {"code": "invalid_model", "message": str(exc), "field": exc.path or None}
    if isinstance(exc, ValidationError):
        field, message = _first_field(exc.messages)
        return {"code": "invalid_request", "message": f"{field}: {message}" if field else message, "field": field}
    if isinstance(exc, HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_").replace("'", "")
        return {"code": code, "message": exc.description or exc.name, "field": None}
    return {"code": "internal", "message": "internal error; it has been logged", "field": None}


def expected(exc: BaseException) -> bool:
    """Whether the error is a refusal we mean to give (not a bug)."""
    return isinstance(exc, (ServerError, game_errors.GameError, ModelError, ValidationError))


def socket_error(exc: BaseException) -> dict[str, Any]:
    """The acknowledgement for a refused socket event: ``{"ok": false, "error": {...}}``.

    Unexpected exceptions are logged here with their traceback, and never sent.
    """
    problem = unavailable(exc)
    if problem is not None:  # the database's state, not a bug: one line (the traceback at DEBUG)
        log.warning("socket event: the database is unavailable (%s)", problem)
        log.debug("the database error", exc_info=exc)
        exc = DatabaseUnavailable()
    elif not expected(exc):
        log.error("unhandled error in socket event", exc_info=exc)
    body: dict[str, Any] = {"ok": False, "error": error_dict(exc)}
    if isinstance(exc, (RateLimited, ServerBusy)):
        body["error"]["retry_after"] = round(exc.retry_after, 3)
    return body


def http_response(exc: BaseException) -> tuple[Response, int]:
    """The JSON response for an error raised while serving a request."""
    problem = unavailable(exc)
    if problem is not None:  # as in socket_error
        # A pasted link's token may be in the path ("%23token=…", decoded here): never in the log.
        log.warning("%s %s: the database is unavailable (%s)", request.method, redact(request.path), problem)
        log.debug("the database error", exc_info=exc)
        exc = DatabaseUnavailable()
    status = status_of(exc)
    if status >= 500 and not isinstance(exc, (HTTPException, ServerBusy, DatabaseUnavailable)):
        log.error("unhandled error on %s %s", request.method, redact(request.path), exc_info=exc)
    response = jsonify({"error": error_dict(exc)})
    if isinstance(exc, (RateLimited, ServerBusy)):
        response.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    return response, status


def register(app: Flask) -> None:
    """Answer every error the app raises with JSON: the single mapping for the REST API."""

    @app.errorhandler(Exception)
    def _any(exc: Exception) -> tuple[Response, int]:
        return http_response(exc)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge) -> tuple[Response, int]:
        # Werkzeug's own words say nothing of the setting or of what to send instead.
        if request.endpoint == "api.create_game":
            exc.description = result_too_large(app.config)
        else:
            exc.description = too_large("the request", app.config)
        return http_response(exc)
