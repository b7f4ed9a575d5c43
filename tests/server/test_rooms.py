"""server.rooms: each connection's rooms kept beside python-socketio's, the same bookkeeping without the scans."""

from __future__ import annotations

import itertools
import random
from typing import Any

import socketio

from server import create_app
from server.message_queue import RecoveringRedisManager
from server.rooms import IndexedManager, RoomIndex

NAMESPACES = ("/", "/other")
ROOMS = ("game:a", "game:a:seat:0", "game:b", "game:b:watch")


class FakeServer:
    """What a manager asks of its server: new sids, and the packet class (for its JSON module)."""

    packet_class = socketio.packet.Packet

    def __init__(self) -> None:
        ids = itertools.count()
        self.eio = type("Eio", (), {"generate_id": staticmethod(lambda: f"sid{next(ids)}")})()


def manager(cls: type) -> Any:
    m = cls()
    m.set_server(FakeServer())
    return m


def state(m: Any) -> dict[str, Any]:
    """Everything a manager keeps, in comparable form (sids differ only by name between two managers fed alike)."""
    rooms = {ns: {room: dict(members) for room, members in by_room.items()} for ns, by_room in m.rooms.items()}
    return {"rooms": rooms, "callbacks": {k: dict(v) for k, v in m.callbacks.items()},
            "pending_connect": {k: list(v) for k, v in m.pending_connect.items()},
            "pending_disconnect": {k: list(v) for k, v in m.pending_disconnect.items()}}


OPS = ("connect", "enter", "leave", "disconnect", "pre_disconnect", "close", "callback")


def sequences(n: int, seed: int = 7) -> list[list[tuple[str, int, str, str]]]:
    """``n`` sequences of up to 40 operations: (name, connection number, namespace, room). Connection numbers name
    eio sids; the sid each manager gave it is looked up per manager. Seeded: the same sequences every run."""
    rng = random.Random(seed)
    return [[(rng.choice(OPS), rng.randrange(6), rng.choice(NAMESPACES), rng.choice(ROOMS))
             for _ in range(rng.randrange(41))] for _ in range(n)]


def run(m: Any, ops: list[tuple[str, int, str, str]]) -> list[dict[str, Any]]:
    sids: dict[tuple[int, str], str] = {}
    seen = []
    for name, n, ns, room in ops:
        sid = sids.get((n, ns))
        if name == "connect":
            if sid is None or not m.is_connected(sid, ns):
                new = m.connect(f"eio{n}", ns)
                if new is not None:
                    sids[(n, ns)] = new
        elif sid is None or not m.is_connected(sid, ns) and name != "disconnect":
            pass
        elif name == "enter":
            m.enter_room(sid, ns, room)
        elif name == "leave":
            m.leave_room(sid, ns, room)
        elif name == "pre_disconnect":
            m.pre_disconnect(sid, ns)
        elif name == "disconnect":
            m.disconnect(sid, ns)
        elif name == "close":
            m.close_room(room, ns)
        elif name == "callback":
            m._generate_ack_id(sid, lambda *a: None)
        seen.append(state(m))
        if isinstance(m, RoomIndex):
            # The index says exactly which rooms each connection is in.
            for ns_, by_room in m.rooms.items():
                members: dict[str, set[Any]] = {}
                for room_, who in by_room.items():
                    for s in who:
                        members.setdefault(s, set()).add(room_)
                assert m.joined.get(ns_, {}) == members
            assert set(m.joined) <= set(m.rooms)
            for (_, ns_), s in sids.items():
                plain = [r for r, who in m.rooms.get(ns_, {}).items() if r is not None and s in who]
                assert sorted(m.get_rooms(s, ns_), key=str) == sorted(plain, key=str)
    return seen


def test_same_bookkeeping_as_python_socketio() -> None:
    """After every operation of 500 random sequences the indexed manager holds what python-socketio's own holds
    (callbacks with their functions aside), and its index matches its rooms."""
    for ops in sequences(500):
        plain, indexed = run(manager(socketio.Manager), ops), run(manager(IndexedManager), ops)
        for a, b in zip(plain, indexed, strict=True):
            for part in ("callbacks",):
                a[part] = {k: sorted(v) for k, v in a[part].items()}
                b[part] = {k: sorted(v) for k, v in b[part].items()}
            assert a == b, ops


class NoScan(dict[Any, Any]):
    """A namespace's rooms that refuse to be walked or copied: a disconnect must go to its connection's rooms."""

    def copy(self) -> Any:
        raise AssertionError("copied every room")

    def items(self) -> Any:
        raise AssertionError("walked every room")

    def __iter__(self) -> Any:
        raise AssertionError("walked every room")


def test_disconnect_looks_only_at_its_own_rooms() -> None:
    m = manager(IndexedManager)
    sids = []
    for g in range(50):
        for seat in range(6):
            sid = m.connect(f"e{g}-{seat}", "/")
            m.enter_room(sid, "/", f"game:{g}:seat:{seat}")
            m.enter_room(sid, "/", f"game:{g}")
            sids.append(sid)
    m.rooms["/"] = NoScan(m.rooms["/"])
    m.pre_disconnect(sids[7], "/")
    m.disconnect(sids[7], "/")
    assert not m.is_connected(sids[7], "/")
    assert sids[7] not in m.rooms["/"]["game:1"] and "game:1:seat:1" not in m.rooms["/"]
    assert len(m.rooms["/"]["game:1"]) == 5
    assert set(m.get_rooms(sids[8], "/")) == {sids[8], "game:1:seat:2", "game:1"}


def test_the_server_uses_it_with_and_without_a_message_queue(tmp_path: Any) -> None:
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "BACKGROUND_TASKS": False})
    assert isinstance(app.extensions["socketio"].server.manager, IndexedManager)
    # With REDIS_URL the Redis manager is used (made without connecting: it connects on its first use).
    assert issubclass(RecoveringRedisManager, RoomIndex)
