"""threatdeck's server: the web app, the real-time game protocol, persistence and the command line.

``from server import create_app, socketio`` gives the app factory and the
module-level :class:`flask_socketio.SocketIO`. They live in :mod:`server.app`
and are imported on first use, so that ``threatdeck serve`` can monkey-patch
the standard library for gevent or eventlet *before* Flask, SQLAlchemy or
python-socketio are imported (the ``threatdeck`` console script imports this
package first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask_socketio import SocketIO

    from server.app import create_app

    socketio: SocketIO

__all__ = ["create_app", "socketio"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from server import app

        return getattr(app, name)
    raise AttributeError(f"module 'server' has no attribute {name!r}")
