"""Token buckets: a per-connection limit on socket events and per-IP limits on the REST API.

>>> b = TokenBucket(rate=1.0, burst=2, now=0.0)
>>> b.take(0.0), b.take(0.0), b.take(0.0), b.take(1.0)
(0.0, 0.0, 1.0, 0.0)

``take`` returns 0 when the request may go ahead, otherwise the seconds to wait.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; each request takes one."""

    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: int, now: float | None = None) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic() if now is None else now

    def take(self, now: float | None = None) -> float:
        """Take a token: 0.0 if there was one, else how long until there will be."""
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate if self.rate > 0 else float("inf")


class Limiter:
    """Buckets by key (a socket id, an IP), forgetting the least recently used past ``max_keys``."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """Take a token for ``key``: 0.0 to go ahead, else the seconds to wait."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, now)
                if len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
            return bucket.take(now)

    def forget(self, key: str) -> None:
        """Drop a key's bucket (a socket that disconnected)."""
        with self._lock:
            self._buckets.pop(key, None)
