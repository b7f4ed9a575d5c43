"""Turns: at most a few pieces of heavy work at once, a bounded number waiting, the rest refused (503).

Two kinds of work take turns: parsing a large file (server/parse_threads.py),
and making a table (an upload, a new game, a seat: server/api.py). Under
gevent and eventlet every game of a process is served by one thread, and a
hundred tables made at once would each be ready to run between two moves of
every game in play; taking turns, a few are, and the others wait. So a burst
of creations costs those creating it some waiting instead of costing every
player of every game.

Whoever finds every turn taken waits for one, at most ``wait`` seconds and
with at most ``waiting`` others; past either, :class:`~server.errors.ServerBusy`
(503 ``server_busy`` with ``Retry-After``). Turns are handed on in no set order
(the condition's), each within ``wait``.

Safe under threading, gevent and eventlet: made after serve's monkey-patching,
the condition's waiting is cooperative under gevent and eventlet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from server.errors import ServerBusy


class Turns:
    """At most ``most`` holders at once; see the module docstring."""

    def __init__(self, *, most: int, waiting: int, wait: float, busy: str, retry_after: float) -> None:
        self.most = most
        self.waiting = waiting
        self.wait = wait
        self.busy = busy
        """What a refusal says (the reason the server is busy, and to try again)."""
        self.retry_after = retry_after
        """Seconds a refused client is told to wait (Retry-After)."""
        self._turns = threading.Condition()
        self.running = 0
        """Turns held now."""
        self.queued = 0
        """Callers waiting for a turn."""

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold a turn for the ``with`` block (waiting for one if need be; ServerBusy past the queue or the wait)."""
        self.take()
        try:
            yield
        finally:
            self.give_back()

    def take(self) -> None:
        """Take a turn, waiting for one if need be; :class:`ServerBusy` past the queue or the wait."""
        with self._turns:
            if self.running >= self.most:
                if self.queued >= self.waiting:
                    raise self._refusal()
                self.queued += 1
                try:
                    give_up = time.monotonic() + self.wait
                    while self.running >= self.most:
                        left = give_up - time.monotonic()
                        if left <= 0:
                            raise self._refusal()
                        self._turns.wait(left)
                finally:
                    self.queued -= 1
            self.running += 1

    def give_back(self) -> None:
        """Hand a turn taken with :meth:`take` back, to whoever waits for one."""
        with self._turns:
            self.running -= 1
            self._turns.notify()

    def _refusal(self) -> ServerBusy:
        return ServerBusy(self.busy, retry_after=self.retry_after)
