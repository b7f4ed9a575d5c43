"""Who is connected to a game: each seat connected or away, and since when.

A team plays in a retro; laptops sleep and people step out. The engine knows
nothing of connections, so this is where the server keeps them: each process
counts its own sockets per seat and stores that count in the database under
its own ``holder`` id (``server.repository.PresenceRecord``), refreshed by a
heartbeat. Several processes behind a load balancer then see each other's
seats, and a process that dies stops refreshing, so its seats go away after
a few heartbeats instead of looking connected for ever.

What it is for: a seat may take over facilitating once the facilitator has
been away for ``FACILITATOR_AWAY_SECONDS`` (``take_over`` in docs/protocol.md),
and everyone sees who is here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import threading
from collections.abc import Callable
from typing import Any

from server.games import at
from server.repository import GameRepository, PresenceRecord

STALE_BEATS = 3
"""A row not refreshed for this many heartbeats belongs to a process that is gone."""


@dataclasses.dataclass(frozen=True)
class SeatPresence:
    """One seat, as far as every process knows."""

    seat: int
    connected: bool
    away_seconds: float | None
    """How long the seat has had no connection (None while connected)."""

    def to_dict(self) -> dict[str, Any]:
        return {"seat": self.seat, "connected": self.connected,
                "away_seconds": None if self.away_seconds is None else round(self.away_seconds, 1)}


class PresenceNotStored(Exception):
    """A seat's count of connections could not be written (the database was busy or down); the next beat tries."""


class Presence:
    """This process's connections per seat, shared through the repository."""

    def __init__(self, repo: GameRepository, clock: Callable[[], float], heartbeat_seconds: float) -> None:
        self.repo = repo
        self.clock = clock
        self.heartbeat_seconds = heartbeat_seconds
        self.holder = secrets.token_hex(8)
        """This process's name in the presence rows."""
        self._sockets: dict[tuple[str, int], set[str]] = {}
        """Per seat, the sockets of it this process holds: a socket is counted once however often it arrives or
        leaves, so a disconnect handled before (or as well as) its join's own clean-up never miscounts."""
        self._dirty: set[tuple[str, int]] = set()
        """Seats whose count changed and is not written yet (:meth:`_store`)."""
        self._unsaved: set[tuple[str, int]] = set()
        """Seats whose count could not be written (the database was busy or down): the next beat writes them."""
        self._lock = threading.Lock()
        """Held while the counts are read or changed (never while writing)."""
        self._storing = threading.Lock()
        """Held by the one writer of counts at a time."""

    def _count(self, game_id: str, seat: int, sid: str, here: bool) -> bool:
        """Count a socket of a seat in or out in this process and store the count; True when the seat came or
        went here."""
        key = (game_id, seat)
        with self._lock:
            before = self._sockets.get(key, set())
            if (sid in before) == here:
                return False  # already counted in (or out): nothing changes
            after = before | {sid} if here else before - {sid}
            if after:
                self._sockets[key] = after
            else:
                self._sockets.pop(key, None)
            self._dirty.add(key)
        self._store(key)
        return bool(before) != bool(after)

    def _store(self, key: tuple[str, int] | None) -> None:
        """Store this process's counts of the seats changed so far, ``key``'s among them (None: whatever is
        waiting), in one write.

        A reconnect storm (a proxy restart: every socket goes and comes back) made a transaction per seat, one
        after another behind the database's write lock: seconds before the last seat had its game back. One
        writer at a time takes every change made so far; those who waited meanwhile mostly find theirs written.
        Counts are read when written, under the lock, and writers take turns, so a row's later count is never
        overwritten by an earlier one.
        """
        with self._storing:
            with self._lock:
                if key is not None and key not in self._dirty:
                    if key in self._unsaved:  # the write that took it failed: say so, as that writer did
                        raise PresenceNotStored(f"the connections of seat {key[1]} of game {key[0]} were not stored")
                    return
                batch = sorted(self._dirty)
                self._dirty.clear()
                now = at(self.clock())
                records = [PresenceRecord(game_id=game_id, seat=seat, holder=self.holder,
                                          connections=len(self._sockets.get((game_id, seat), ())), seen_at=now)
                           for game_id, seat in batch]
            if not records:
                return
            try:
                self.repo.hold(records)
            except Exception:
                with self._lock:
                    self._unsaved.update(batch)
                raise
            with self._lock:
                self._unsaved.difference_update(batch)

    def arrive(self, game_id: str, seat: int, sid: str) -> bool:
        """Socket ``sid`` joined the seat; True if it is the seat's first one in this process."""
        return self._count(game_id, seat, sid, True)

    def leave(self, game_id: str, seat: int, sid: str) -> bool:
        """Socket ``sid`` of the seat closed or moved on; True if it was the seat's last one in this process."""
        return self._count(game_id, seat, sid, False)

    def games(self) -> set[str]:
        """The games this process holds connections of."""
        with self._lock:
            return {game_id for game_id, _ in self._sockets}

    def beat(self) -> None:
        """Tell the other processes this one is alive (every ``heartbeat_seconds``); write what could not be."""
        with self._lock:
            self._dirty.update(self._unsaved)
        self._store(None)
        self.repo.beat(self.holder, at(self.clock()))

    def seats(self, game_id: str, seats: int, since: dt.datetime) -> list[SeatPresence]:
        """Every seat of a game; a seat never seen counts as away since ``since`` (when the game was made)."""
        now = self.clock()
        fresh = at(now - STALE_BEATS * self.heartbeat_seconds)
        connected: set[int] = set()
        seen: dict[int, dt.datetime] = {}
        for r in self.repo.presence(game_id):
            if r.connections > 0 and r.seen_at >= fresh:
                connected.add(r.seat)
            if r.seat not in seen or r.seen_at > seen[r.seat]:
                seen[r.seat] = r.seen_at
        out = []
        for seat in range(seats):
            if seat in connected:
                out.append(SeatPresence(seat, True, None))
            else:
                last = max(seen.get(seat, since), since)
                out.append(SeatPresence(seat, False, max(0.0, now - last.timestamp())))
        return out
