"""Socket.IO rooms, known from both sides: each room's connections (python-socketio's) and each connection's rooms.

python-socketio keeps only ``rooms[namespace][room] -> connections``, so a
disconnect copies the mapping of every room in the process and asks each one
whether the connection is in it. Every seat and spectator is in three rooms of
its own game (and its own), so with 500 games of 6 seats a disconnect looked
at about 7,000 rooms: half a millisecond of the event loop each, and seconds
when a proxy restart drops every socket at once. With each connection's rooms
kept as well, leaving them all on disconnect costs what that connection joined.

:class:`RoomIndex` goes in front of a python-socketio manager class (the
in-process one, or the Redis one of several processes); what it keeps is
checked against the plain manager in tests/server/test_rooms.py.
"""

from __future__ import annotations

from typing import Any

import socketio


class RoomIndex:
    """The rooms each connection is in, kept beside the manager's members of each room."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.joined: dict[str, dict[str, set[Any]]] = {}
        """namespace -> connection (sid) -> the rooms it is in (None: the namespace's room of every connection)."""

    def basic_enter_room(self, sid: str, namespace: str, room: Any, eio_sid: str | None = None) -> None:
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)  # type: ignore[misc]
        self.joined.setdefault(namespace, {}).setdefault(sid, set()).add(room)

    def basic_leave_room(self, sid: str, namespace: str, room: Any) -> None:
        super().basic_leave_room(sid, namespace, room)  # type: ignore[misc]
        by_sid = self.joined.get(namespace)
        if by_sid is None:
            return
        rooms = by_sid.get(sid)
        if rooms is None:
            return
        rooms.discard(room)
        if not rooms:
            del by_sid[sid]
            if not by_sid:
                del self.joined[namespace]

    def basic_disconnect(self, sid: str, namespace: str, **kwargs: Any) -> None:
        rooms = self.joined.get(namespace, {}).get(sid)
        for room in list(rooms or ()):
            self.basic_leave_room(sid, namespace, room)
        # Not python-socketio's basic_disconnect: it would still copy and walk every room to find none.
        self._forget(sid, namespace)

    def _forget(self, sid: str, namespace: str) -> None:
        """python-socketio's disconnect bookkeeping besides the rooms (its ``basic_disconnect`` after the scan)."""
        manager: Any = self
        manager.callbacks.pop(sid, None)
        for pending in (manager.pending_connect, manager.pending_disconnect):
            sids = pending.get(namespace)
            if sids is not None and sid in sids:
                sids.remove(sid)
                if not sids:
                    del pending[namespace]

    def get_rooms(self, sid: str, namespace: str) -> list[Any]:
        return [room for room in self.joined.get(namespace, {}).get(sid, ()) if room is not None]


class IndexedManager(RoomIndex, socketio.Manager):  # type: ignore[misc]
    """python-socketio's in-process manager (one server process), with each connection's rooms kept."""
