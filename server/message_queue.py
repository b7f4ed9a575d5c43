"""The message queue shared by several server processes (Redis), and what is done when it was lost for a while.

python-socketio's Redis manager subscribes again by itself when its
connection drops, but an update published while this process was not
subscribed never reaches this process's clients, and nothing tells them: a
seat whose turn came in that update would wait for ever. So every subscription
after the first is reported, and each socket of this process is sent its
whole view again (:func:`resync`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import socketio

from server.rooms import RoomIndex

log = logging.getLogger(__name__)


class RecoveringRedisManager(RoomIndex, socketio.RedisManager):  # type: ignore[misc]
    """A Redis client manager that calls ``on_resubscribe`` whenever it subscribed again after the first time
    (and knows each connection's rooms: :mod:`server.rooms`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_resubscribe: Callable[[], None] | None = None
        self.subscriptions = 0

    def _redis_connect(self) -> None:
        super()._redis_connect()
        pubsub = self.pubsub
        subscribe = pubsub.subscribe

        def subscribed(*args: Any, **kwargs: Any) -> Any:
            result = subscribe(*args, **kwargs)
            self.subscriptions += 1
            if self.subscriptions > 1 and self.on_resubscribe is not None:
                log.warning("subscribed to the message queue again: sending every socket of this process its view")
                self.server.start_background_task(self.on_resubscribe)
            return result

        pubsub.subscribe = subscribed


def resync(server: Any, rt: Any) -> None:
    """Send every seat and spectator connected to this process the whole view of its game now (an ``update``
    with ``base`` null, which every client takes), only to its own socket and not through the queue."""
    for conn in list(rt.connections.values()):
        game_id = conn.member.game_id if conn.member is not None else conn.watching
        if game_id is None:
            continue
        seat = conn.member.seat if conn.member is not None else None
        try:
            _, state, view = rt.games.view(game_id, seat, fresh=True)
        except Exception:  # noqa: BLE001 - a game gone meanwhile: its socket was told, or will be
            log.debug("no view to resend for game %s", game_id, exc_info=True)
            continue
        message = {"game_id": game_id, "version": state.version, "base": None, "events": [], "view": view}
        server.emit("update", message, to=conn.sid, namespace="/", ignore_queue=True)
