"""What ``threatdeck serve`` writes of requests: never a seat's token.

A seat's link carries its token in the fragment, which browsers never send.
But a link pasted with the ``#`` percent-encoded (``%23``) sends the token in
the path or the query, and a client of its own may put one in a query string;
the request line then holds it. Every request line the servers write (gevent's
and eventlet's access log, with ``--access-log``; their lines on a malformed
request, always; Werkzeug's under threading) goes through
:func:`server.tokens.redact`, and so does every log record ``serve`` prints
(:class:`RedactingFormatter`): a path in the app's own lines, an exception's
text in a traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from server.tokens import redact


class RedactingFormatter(logging.Formatter):
    """Formats a record as usual, then hides whatever could be a token, in the message and its traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def gevent_handler(base: type) -> type:
    """gevent's request handler class ``base``, writing request lines without tokens."""

    class RedactingHandler(base):  # type: ignore[misc]
        def format_request(self) -> str:
            # The access log line (gevent-websocket logs it through logging, pywsgi writes it to its log).
            return redact(super().format_request())

        def log_error(self, msg: str, *args: Any) -> None:
            # Always on: a request line gevent cannot read is written whole ("Invalid HTTP method: '…'").
            try:
                message = msg % args if args else msg
            except (TypeError, ValueError):
                message = f"{msg!r} {args!r}"
            super().log_error(redact(message))  # no arguments: pywsgi takes it as formatted

    return RedactingHandler


def eventlet_log() -> Any:
    """What eventlet's server writes to (access lines, errors naming the request line): stderr, as by default."""
    from eventlet import wsgi

    class RedactingLog(wsgi.LoggerFileWrapper):  # type: ignore[misc]
        def write(self, msg: str, *args: Any) -> None:
            super().write(redact(msg % args if args else msg))  # formatted here: the result may hold a '%'

    return RedactingLog(sys.stderr, True)  # eventlet's own default: stderr, with its debug lines


def eventlet_protocol(base: type) -> type:
    """eventlet's protocol class ``base``, whose ``http.server`` lines (a malformed request line, written whole to
    stderr) leave tokens out."""

    class RedactingProtocol(base):  # type: ignore[misc]
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
            super().log_message("%s", redact(format % args if args else format))

    return RedactingProtocol
