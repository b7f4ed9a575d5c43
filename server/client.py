"""A Python client of the real-time protocol, and a simple player that uses it.

Used by the end-to-end tests and ``bench/load.py``; it also shows, in a few
lines, everything a client must do (docs/protocol.md):

* join with the seat token (also in ``auth``, so a reconnect rejoins by itself),
* keep the view with the highest version, applying ``update`` patches whose
  ``base`` is the version held, and ``sync`` when it is not,
* send commands with a fresh ``client_id`` each, and retry with the same one.

Needs python-socketio's client (the ``test`` extra).
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from server import patch

_counter = itertools.count()
MAX_RATE_WAITS = 50
"""How often one command is sent again after ``rate_limited`` before the refusal is returned."""


class SeatClient:
    """One seat (or a spectator) on one Socket.IO connection."""

    def __init__(self, url: str, token: str | None = None, *, transports: list[str] | None = None,
                 on_update: Callable[[SeatClient, dict[str, Any]], None] | None = None) -> None:
        import socket

        import socketio

        self.url = url
        self.token = token
        self.transports = transports or ["websocket"]
        self.sio = socketio.Client(
            reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1,
            # Nagle's algorithm would hold small frames for the server's delayed ACK (40 ms).
            websocket_extra_options={"sockopt": ((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),)},
        )
        self.view: dict[str, Any] | None = None
        self.version = -1
        self.seat: int | None = None
        self.role: str | None = None
        self.game_id: str | None = None
        self.updates: list[dict[str, Any]] = []
        """Every ``update`` payload as received (tests inspect them)."""
        self.received: list[tuple[str, Any]] = []
        """Every server→client event and acknowledgement, raw (tests scan them for secrets)."""
        self.syncs = 0
        self.early: dict[int, dict[str, Any]] = {}
        self.seen: list[tuple[Any, dict[str, Any]]] = []
        """Every payload received with the whole view this client held right after it (for secret checks)."""
        self.presence: dict[str, Any] | None = None
        """The last ``presence`` message: who is connected."""
        self.changed = threading.Condition()
        self.on_update = on_update
        self.sio.on("update", self._update)
        self.sio.on("joined", self._joined)
        self.sio.on("presence", self._presence)
        self.sio.on("expired", lambda data: self.received.append(("expired", data)))
        self.prefix = f"{uuid.uuid4().hex[:8]}-"

    # ---------------------------------------------------------------- connection

    def connect(self, wait: float = 10.0) -> SeatClient:
        """Connect; with a token, the server joins the seat at once (and again on every reconnect)."""
        auth = {"token": self.token} if self.token else None
        self.sio.connect(self.url, auth=auth, transports=self.transports, wait_timeout=wait)
        if self.token:
            self.wait_for(lambda: self.view is not None, wait)
        return self

    def close(self) -> None:
        """Disconnect (no reconnect)."""
        try:
            self.sio.disconnect()
        except Exception:  # noqa: BLE001 - already gone
            pass

    def _joined(self, ack: dict[str, Any]) -> None:
        self.received.append(("joined", ack))
        if ack.get("ok"):
            self._take_ack(ack)

    def _presence(self, data: dict[str, Any]) -> None:
        self.received.append(("presence", data))
        with self.changed:
            self.presence = data
            self.changed.notify_all()

    def connected_seats(self) -> list[int]:
        """The seats the last ``presence`` message said are connected."""
        return [p["seat"] for p in (self.presence or {}).get("seats", ()) if p["connected"]]

    def _take_ack(self, ack: dict[str, Any]) -> None:
        with self.changed:
            if ack.get("presence"):
                self.presence = ack["presence"]
            self.seat, self.role, self.game_id = ack.get("seat"), ack.get("role"), ack.get("game_id")
            if ack["version"] >= self.version:
                self.view, self.version = ack["view"], ack["version"]
            self.seen.append((ack, ack["view"]))
            # The server joins the rooms before it reads the view it answers with: an update sent in between
            # may have come first, held as a patch on this version.
            fits = self._take_held()
            self.changed.notify_all()
        if not fits:
            self._sync_soon()

    def _update(self, data: dict[str, Any]) -> None:
        self.received.append(("update", data))
        self.updates.append(data)
        need_sync = False
        with self.changed:
            if data["version"] <= self.version:
                pass  # old or repeated: keep what we have
            elif data["base"] is None or (data["base"] == self.version and self.view is not None):
                need_sync = not (self._take(data) and self._take_held())
            elif data["base"] > self.version and len(self.early) < 20:
                self.early[data["base"]] = data  # an earlier update is still on its way
            else:
                self.early.clear()
                need_sync = True
            self.changed.notify_all()
        if need_sync:
            self._sync_soon()
        if self.on_update is not None:
            self.on_update(self, data)

    def _take_held(self) -> bool:
        """Apply the updates held for the version now held (they came before the one they patch), in order;
        False when one does not fit."""
        while self.version in self.early:
            if not self._take(self.early.pop(self.version)):
                return False
        for base in [b for b in self.early if b < self.version]:  # patches on versions passed by: never needed
            del self.early[base]
        return True

    def _take(self, data: dict[str, Any]) -> bool:
        """Take an update whose base is the version held; False when its patch does not fit that view."""
        try:
            view = dict(data["view"]) if data["base"] is None else apply_patch(self.view or {}, data)
        except patch.PatchError:  # as the browser does: the whole view is fetched instead
            self.early.clear()
            return False
        self.view, self.version = view, data["version"]
        self.seen.append((data, self.view))
        return True

    def _sync_soon(self) -> None:
        """Fetch the whole view, from another thread (this one is the socket's)."""
        self.syncs += 1
        self.sio.start_background_task(self.sync)

    # ---------------------------------------------------------------- requests

    def call(self, event: str, payload: Any = None, timeout: float = 10.0) -> Any:
        """Emit an event and return its acknowledgement."""
        ack = self.sio.call(event, payload, timeout=timeout)
        self.received.append((f"ack:{event}", ack))
        return ack

    def join(self, token: str | None = None) -> dict[str, Any]:
        """Join a seat with its token."""
        self.token = token or self.token
        ack = self.call("join", {"token": self.token})
        if ack.get("ok"):
            self._take_ack(ack)
        return ack  # type: ignore[no-any-return]

    def spectate(self, game_id: str) -> dict[str, Any]:
        """Watch a game."""
        ack = self.call("spectate", {"game_id": game_id})
        if ack.get("ok"):
            self._take_ack(ack)
        return ack  # type: ignore[no-any-return]

    def sync(self) -> dict[str, Any]:
        """Fetch the whole view again."""
        ack = self.call("sync", {})
        if ack.get("ok"):
            self._take_ack(ack)
        return ack  # type: ignore[no-any-return]

    def command(self, event: str, client_id: str | None = None, *, retries: int = 2, **fields: Any) -> dict[str, Any]:
        """Send a command with a fresh (or the given) client id; returns the acknowledgement.

        When no acknowledgement comes (the connection dropped meanwhile), the
        same command is sent again with the same client id once the client has
        reconnected: the server applies it at most once. A ``rate_limited``
        refusal is waited out (its ``retry_after``) and the command sent again.
        """
        import socketio

        payload = {"client_id": client_id or f"{self.prefix}{next(_counter)}", **fields}
        attempt = waits = 0
        while True:
            try:
                ack = self.call(event, payload)
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                if attempt == retries:
                    raise
                attempt += 1
                self.wait_for(lambda: self.sio.connected, 15)
                continue
            error = ack.get("error") if isinstance(ack, dict) else None
            if isinstance(error, dict) and error.get("code") == "rate_limited" and waits < MAX_RATE_WAITS:
                # Sent faster than the server's per-connection limit: wait as told, send the same command again.
                waits += 1
                time.sleep(min(float(error.get("retry_after") or 0.1), 5.0))
                continue
            return ack  # type: ignore[no-any-return]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Wait until ``predicate()`` holds (checked after every change)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(min(left, 0.25))
        return True

    def wait_version(self, version: int, timeout: float = 10.0) -> bool:
        """Wait until the view is at least at ``version``."""
        return self.wait_for(lambda: self.version >= version, timeout)


def apply_patch(view: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """The view after an ``update`` whose ``base`` is the view's version (docs/protocol.md); raises ``PatchError``."""
    return patch.apply(view, update.get("sizes"), update.get("set"))


def next_move(view: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """A simple legal move for the seat whose view this is, or None when it has nothing to do.

    Votes yes, plays the first playable card on its first target, rates every
    accepted threat 3×3 (or higher for lower ids, so the list has an order),
    then finishes rating; the facilitator starts the game.
    """
    legal = view.get("legal")
    if legal is None:
        return None
    phase = view["phase"]
    if phase == "setup":
        return ("start", {}) if "StartGame" in legal["facilitator"] else None
    if phase == "play":
        if legal["votable"]:
            return "vote", {"threat": legal["votable"][0], "accept": True}
        if legal["on_turn"]:
            if legal["playable"]:
                card = legal["playable"][0]
                targets = legal["targets"].get(card) or []
                text = f"{card} threatens {targets[0]}" if targets else None
                return "play_card", {"card": card, "target": targets[0] if targets else None, "text": text}
            if legal["can_pass"]:
                return "pass", {}
        return None
    if phase == "rating":
        if legal["unrated"]:
            threat = legal["unrated"][0]
            n = int(threat[1:])
            return "rate", {"threat": threat, "likelihood": 1 + n % 5, "impact": 1 + (n * 3) % 5}
        if legal["can_finish_rating"]:
            return "finish_rating", {}
    return None


def card_ids(payload: Any) -> set[str]:
    """Every card id a payload mentions in a place that names a card (not threat ids, which look alike)."""
    found: set[str] = set()

    def walk(node: Any, key: str | None = None) -> None:
        if isinstance(node, dict):
            if {"id", "suit", "rank"} <= node.keys() and isinstance(node["id"], str):
                found.add(node["id"])
            for k, v in node.items():
                if k in ("card", "card_id", "must_lead") and isinstance(v, str):
                    found.add(v)
                elif k == "playable" and isinstance(v, list):
                    found.update(x for x in v if isinstance(x, str))
                elif k == "targets" and isinstance(v, dict):
                    found.update(v.keys())
                walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)

    if isinstance(payload, dict) and isinstance(payload.get("set"), list):
        # A patch: each value sits under the last key of its path (a card id may be that key, under "targets").
        walk({k: v for k, v in payload.items() if k != "set"})
        for path, value in payload["set"]:
            keys = [k for k in path if isinstance(k, str)]
            key = keys[-1] if keys else None
            if len(path) >= 2 and path[-2] == "targets" and isinstance(path[-1], str):
                found.add(path[-1])
            if key in ("card", "card_id", "must_lead", "playable") and isinstance(value, str):
                found.add(value)
            walk({key: value} if key is not None else value)
    else:
        walk(payload)
    return found


def visible_cards(view: dict[str, Any]) -> set[str]:
    """Cards a seat may know about at a version: its own hand and every card played face up."""
    ids = {c["id"] for c in (view.get("hand") or [])}
    for trick in list(view.get("tricks") or []) + ([view["trick"]] if view.get("trick") else []):
        ids.update(p["card"]["id"] for p in trick["plays"])
    return ids


def leaked_cards(client: SeatClient) -> list[tuple[int, set[str]]]:
    """(version, card ids) for every payload that named a card the client could not see then."""
    leaks = []
    for payload, view in client.seen:
        extra = card_ids(payload) - visible_cards(view)
        if extra:
            leaks.append((payload.get("version", -1), extra))
    return leaks
