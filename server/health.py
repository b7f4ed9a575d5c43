"""What ``/api/health`` says of the database.

A load balancer should stop sending players to a process that cannot reach its database. But it may ask
every second, from several nodes, and a flood of requests to ``/api/health`` must not become a flood of
queries: the database is asked ``SELECT 1`` at most once every :data:`FRESH_SECONDS`, by one request at a
time, and the others get the last answer.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from server.db import unavailable

FRESH_SECONDS = 1.0
"""How long an answer of the database is reused."""
PING_SECONDS = 2.0
"""How long a ``SELECT 1`` may take before the database counts as unavailable."""


class DatabaseCheck:
    """Whether the database answers, asked through ``ping`` (the repository's) no more than once a second."""

    def __init__(self, ping: Callable[[float], None], clock: Callable[[], float] = time.monotonic) -> None:
        self.ping = ping
        self.clock = clock
        self._asking = threading.Lock()
        self._problem: str | None = None
        self._answered = -math.inf
        self._asked_at: float | None = None
        """When the question now in flight was asked (None: none is)."""

    def problem(self) -> str | None:
        """Why the database cannot be used (None: it answered)."""
        now = self.clock()
        if now - self._answered < FRESH_SECONDS:
            return self._problem
        if not self._asking.acquire(blocking=False):
            # Another request is asking. Its connection may hang up to the driver's connect timeout (10 s for
            # PostgreSQL), longer than a load balancer should go on hearing "healthy".
            asked_at = self._asked_at
            if asked_at is not None and now - asked_at > PING_SECONDS:
                return f"the database has not answered for {now - asked_at:.0f} s"
            return self._problem
        try:
            self._asked_at = now
            try:
                self.ping(PING_SECONDS)
                problem = None
            except Exception as exc:
                problem = unavailable(exc)
                if problem is None:
                    raise  # a bug, not an outage: its traceback (and a 500, which is unhealthy too)
            self._problem, self._answered = problem, self.clock()
            return problem
        finally:
            self._asked_at = None
            self._asking.release()
