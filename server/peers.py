"""The other server processes on this database, and whether they share this one's rooms.

A process sends a committed move to the sockets it holds; only a message queue
(``REDIS_URL``) carries it to the sockets of the other processes. Two processes
on one database without a queue shared by both (two ports behind a load
balancer, a restart that left the old process running) each serve their own
half of every game, and nothing said so. So every process writes a row of its
own on each presence heartbeat (``processes``: whether it has a message queue,
until when it counts as alive) and deletes it when it stops. A process that
finds another one alive, when either of the two has no queue, warns once, says
when the other has gone, and reports it in ``/api/health``; meanwhile its clock
sends its sockets what the other process changed (``server.runtime``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from server.games import at
from server.presence import STALE_BEATS
from server.repository import GameRepository, ProcessRecord

log = logging.getLogger("threatdeck.peers")


def this_process() -> str:
    """How the other processes' logs name this one: where to find it to stop it."""
    return f"{socket.gethostname()} pid {os.getpid()}"[:200]


def gone_from_this_host(name: str) -> bool:
    """Whether ``name`` (as :func:`this_process` writes it) is a process of this host that no longer exists.

    A server killed without stopping (kill -9, a crash) leaves its row alive for STALE_BEATS heartbeats, and the
    server restarted in its place would meanwhile warn of a split with a process that is not there. Only a pid
    that this host says does not exist counts: a process of another host, or one this process may not signal,
    is taken as alive."""
    host, sep, pid = name.rpartition(" pid ")
    if not sep or host != socket.gethostname()[:200] or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):  # EPERM: it exists, under another user
        return False
    return False


class Peers:
    """This process's row in ``processes``, and the live processes that do not share its rooms."""

    def __init__(self, repo: GameRepository, clock: Callable[[], float], heartbeat_seconds: float, *,
                 holder: str, shared: bool, name: str | None = None) -> None:
        self.repo = repo
        self.clock = clock
        self.heartbeat_seconds = heartbeat_seconds
        self.holder = holder
        self.shared = shared
        """This process has a message queue."""
        self.name = name or this_process()
        self.started = clock()
        self._unshared: dict[str, ProcessRecord] = {}
        self._lock = threading.Lock()
        self._retired = False

    def beat(self) -> None:
        """Say this process is alive, and look at the others (every heartbeat, and once at start)."""
        now = self.clock()
        with self._lock:  # a beat running as the process stops must not write its row back
            if self._retired:
                return
            self.repo.announce(ProcessRecord(holder=self.holder, name=self.name, shared=self.shared,
                                             started_at=at(self.started),
                                             alive_until=at(now + STALE_BEATS * self.heartbeat_seconds)), at(now))
        # Two processes with queues share rooms (the same queue, as the operator set it up: not checked here).
        found = {p.holder: p for p in self.repo.processes(at(now))
                 if p.holder != self.holder and not (self.shared and p.shared)}
        for holder, p in list(found.items()):
            if gone_from_this_host(p.name):
                self.repo.retire(holder)  # as it would have itself, had it stopped
                del found[holder]
        for holder, p in found.items():
            if holder not in self._unshared:
                log.warning(
                    "another server process uses this database: %s, started %s, %s. Each process sends a game's "
                    "moves only to the players connected to it, so a game with players on both is split; meanwhile "
                    "each looks for the other's moves on every clock tick and sends its players the whole view. "
                    "Give every process the same REDIS_URL, or stop one of them.",
                    p.name, p.started_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    "which has no message queue (REDIS_URL)" if self.shared else
                    "and this process has no message queue (REDIS_URL)")
        for holder, p in self._unshared.items():
            if holder not in found:
                log.warning("the other server process on this database (%s) is gone: games are no longer split "
                            "between them", p.name)
        self._unshared = found

    def unshared(self) -> list[ProcessRecord]:
        """The processes alive at the last beat that do not share this one's rooms."""
        return list(self._unshared.values())

    def retire(self) -> None:
        """This process stops: its row goes now, so the others say so at their next beat."""
        with self._lock:
            self._retired = True
            self.repo.retire(self.holder)
