"""The real-time protocol: thin Socket.IO handlers of one shape, and the per-seat broadcaster.

Every command event goes: rate limit → validate (marshmallow) → who is asking
(the seat this connection joined with its token) → may they (their own seat;
a take-over only once the facilitator is away; a hand-over is the facilitator's
choice, checked by the engine) → :meth:`server.games.Games.submit`
(load → apply, where the engine refuses facilitator-only commands from other
seats → commit → publish) → acknowledgement. A refused event is answered with
``{"ok": false, "error": {...}}`` and changes nothing. See docs/protocol.md.

Rooms: ``game:<id>`` (everyone in the game, seats and spectators: the
``update`` of what every seat sees alike, ``presence`` and the ``expired``
notice), ``game:<id>:seat:<n>`` (that seat's connections: its whole view, and
its ``update`` when its own parts changed) and ``game:<id>:watch``
(spectators: the whole public view).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import current_app, request
from flask_socketio import ConnectionRefusedError, join_room, leave_room

from game import commands as gc
from game.cards import Suit
from game.errors import NotFacilitator
from game.events import Event
from game.state import GameState, Phase
from game.views import OWN_KEYS, PUBLIC_KEYS
from server import codec, errors, patch
from server.app import socketio
from server.errors import FacilitatorHere, Forbidden, NotJoined, RateLimited
from server.games import Live, Member
from server.games import at
from server.repository import AuditRecord
from server.runtime import Connection, Runtime

log = logging.getLogger("threatdeck.sockets")


def seat_room(game_id: str, seat: int) -> str:
    """The room of one seat's connections."""
    return f"game:{game_id}:seat:{seat}"


def watch_room(game_id: str) -> str:
    """The room of a game's spectators."""
    return f"game:{game_id}:watch"


def game_room(game_id: str) -> str:
    """Everyone in a game, seats and spectators."""
    return f"game:{game_id}"


# --------------------------------------------------------------------------- broadcasting


class Broadcaster:
    """Sends, after a commit, each seat its own view and spectators the public one, as patches on what was sent.

    An ``update`` carries the events and, with ``base`` null, the whole view
    under ``view``; otherwise a patch (:mod:`server.patch`: ``sizes`` and
    ``set``) on the view at the ``base`` version this process last sent to that
    room. A client whose version is not ``base`` asks for the whole view with ``sync``.

    The view is kept in two parts (``game.views.PUBLIC_KEYS`` and ``OWN_KEYS``):
    what every seat sees alike, diffed once, and each seat's own parts (hand,
    legal moves, its votes and ratings). Most moves change the own parts of
    one or two seats only (a rating: the rater's; a play: the player's and the
    next one's). So the update of the public part is encoded once and sent to
    everyone in the game's room but those seats, and those seats each get it
    with their own changes added, as one message: every connection still gets
    one message a change. With several processes (a message queue) the rooms'
    members are not all known here, so each seat's room gets its own message.
    """

    def __init__(self, socketio: Any, shared: bool = False) -> None:
        self.socketio = socketio
        self.shared = shared
        """Rooms are shared with other processes (a message queue): their members are not all known here."""

    def _members(self, room: str) -> Any:
        """The room's connections in this process (a mapping of session ids), or None when it has none."""
        return self.socketio.server.manager.rooms.get("/", {}).get(room)

    def _empty(self, room: str) -> bool:
        """Whether nobody is in the room (only known when this process holds every connection)."""
        return not self.shared and not self._members(room)

    def publish(self, live: Live, events: Sequence[Event]) -> None:
        state = live.state
        if self._empty(game_room(live.id)):
            live.forget_views()  # whoever joins later gets a whole view, then patches
            return
        builder = live.views
        previous = live.last_public
        base = {"game_id": live.id, "version": live.version, "base": None, "events": codec.events_data(events)}
        if previous is None:  # whole views: each seat its own, spectators the public one
            live.last_own = {}
            for s in state.seats:
                if not s.bot and not self._empty(seat_room(live.id, s.id)):
                    live.last_own[s.id] = builder.own(state, s.id)
                    self._emit(dict(base, view=builder.view_for(state, s.id)), seat_room(live.id, s.id))
            public = builder.public(state)
            live.last_public = (live.version, public)
            self._emit(dict(base, view=public), watch_room(live.id))
            return
        public = builder.public(state)
        sets: list[list[Any]] = []
        sizes: list[list[Any]] = []
        patch.diff(previous[1], public, PUBLIC_KEYS, sets, sizes)
        live.last_public = (live.version, public)
        common = dict(base, base=previous[0], set=sets, sizes=sizes)
        last_own = live.last_own
        own_rooms: list[tuple[str, dict[str, Any]]] = []
        for s in state.seats:
            if s.bot:
                continue
            room = seat_room(live.id, s.id)
            if self._empty(room):
                last_own.pop(s.id, None)  # its next connection gets a whole view, then patches
                continue
            own = builder.own(state, s.id)
            old = last_own.get(s.id)
            last_own[s.id] = own
            own_sets: list[list[Any]] = []
            own_sizes: list[list[Any]] = []
            if old is None:  # a seat that was away: its client joined with a whole view of the version before
                own_sets = [[[key], own[key]] for key in OWN_KEYS]
            elif old is not own:
                patch.diff(old, own, OWN_KEYS, own_sets, own_sizes)
            if own_sets or own_sizes or self.shared:
                own_rooms.append((room, dict(common, set=sets + own_sets, sizes=sizes + own_sizes)))
        if self.shared:
            self._emit(common, watch_room(live.id))
        else:
            skip = [sid for room, _ in own_rooms for sid in self._members(room) or ()]
            skipped = set(skip)
            if any(sid not in skipped for sid in self._members(game_room(live.id)) or ()):
                self._emit(common, game_room(live.id), skip)
        for room, message in own_rooms:
            self._emit(message, room)

    def _emit(self, data: dict[str, Any], room: str, skip: list[str] | None = None) -> None:
        # python-socketio's own emit: Flask-SocketIO's wrapper adds nothing a broadcast needs.
        self.socketio.server.emit("update", data, to=room, skip_sid=skip, namespace="/")


# --------------------------------------------------------------------------- helpers


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["threatdeck"]
    return rt


def _sid() -> str:
    sid: str = request.sid  # type: ignore[attr-defined]
    return sid


def _ip() -> str:
    return request.remote_addr or "?"


def _limit(rt: Runtime, sid: str) -> None:
    """Refuse the event when its connection is over its rate."""
    wait = rt.event_limiter.take(sid)
    if wait > 0:
        raise RateLimited(f"too many events; wait {wait:.2f}s", retry_after=wait)


def guarded(fn: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Run a handler; any error becomes an error acknowledgement (unexpected ones are logged)."""

    def handler(*args: Any) -> dict[str, Any]:
        try:
            _limit(runtime(), _sid())
            return fn(*args)
        except Exception as exc:  # the one place socket errors are mapped
            return errors.socket_error(exc)

    handler.__name__ = fn.__name__
    return handler


def _enter(conn: Connection, rooms: tuple[str, ...]) -> None:
    for room in conn.rooms:
        if room not in rooms:
            leave_room(room)
    for room in rooms:
        join_room(room)
    conn.rooms = rooms


def _seat_ack(rt: Runtime, member: Member) -> tuple[Live, dict[str, Any]]:
    """The answer to a seat joining or asking for its view, but its ``presence`` (:func:`_with_presence`)."""
    live, state, view = rt.games.view(member.game_id, member.seat, fresh=True)
    # The role as it stands: the facilitator's link keeps its token after someone else took over.
    role = "facilitator" if state.settings.facilitator == member.seat else "player"
    return live, {
        "ok": True, "game_id": member.game_id, "seat": member.seat, "role": role, "name": member.name,
        "version": state.version, "view": view,
    }


def _with_presence(rt: Runtime, live: Live, ack: dict[str, Any], read: Reading | None = None) -> dict[str, Any]:
    """``ack`` with who is connected: ``read``, the reading this seat's arrival just announced, while no reading
    began since (a later one may have been sent to the seat before this answer); else read now."""
    fresh = read is not None and rt.presence_read.get(live.id) == read[0]
    ack["presence"] = read[1] if fresh and read is not None else presence_data(rt, live)
    return ack


# --------------------------------------------------------------------------- presence


def presence_data(rt: Runtime, live: Live) -> dict[str, Any]:
    """The ``presence`` message of a game: every seat connected or away, and when a seat may take over."""
    seats = rt.presence.seats(live.id, len(live.state.seats), live.record.created_at)
    return {"game_id": live.id, "seats": [p.to_dict() for p in seats],
            "take_over_after": float(rt.settings["FACILITATOR_AWAY_SECONDS"])}


Reading = tuple[int, dict[str, Any]]
"""A reading of a game's presence: its ticket (of ``Runtime.presence_tickets``) and the ``presence`` message."""


def announce_presence(rt: Runtime, game_id: str) -> Reading | None:
    """Send everyone in the game who is connected now (a seat came, went, or its process stopped beating).

    Called once the change is stored. An announcement that began reading after that has it already: then this
    one is not made. When every seat of a game comes back at once (a reconnect storm), that is one or two
    readings of the game's presence instead of one a seat, each waiting for the one before. Returns the reading
    made, if one was.
    """
    asked = next(rt.presence_tickets)
    if rt.presence_read.get(game_id, -1) > asked:
        return None
    try:
        live = rt.games.live(game_id, fresh=True)  # a seat may have joined through another process
    except errors.NotFound:
        return None
    # Read and sent under one lock: two announcements at once (a tab reloading) must not leave the older
    # reading as the last one sent.
    with rt.presence_lock:
        if rt.presence_read.get(game_id, -1) > asked:
            return None
        reading = next(rt.presence_tickets)
        message = presence_data(rt, live)
        rt.presence_read[game_id] = reading  # (only once read: a failed reading covers nobody's change)
        shown = [(p["seat"], p["connected"]) for p in message["seats"]]
        if rt.presence_shown.get(game_id) != shown:
            rt.presence_shown[game_id] = shown
            socketio.emit("presence", message, to=game_room(game_id))
        return reading, message


def _arrive_seat(rt: Runtime, member: Member, sid: str) -> Reading | None:
    """Count the seat's connection; the reading of the game's presence announced, if one was."""
    # Presence is news, not the seat: a failed write must not fail the join. While the database is down every
    # seat coming and going would log a traceback; the heartbeat's one warning (shared, "presence") says it.
    read = None
    try:
        if rt.presence.arrive(member.game_id, member.seat, sid):
            read = announce_presence(rt, member.game_id)
    except Exception as exc:
        rt.failed("presence", f"presence: seat {member.seat} of game {member.game_id} arrived", exc)
    else:
        rt.worked("presence")
    return read


def _leave_seat(rt: Runtime, member: Member, sid: str) -> None:
    try:
        if rt.presence.leave(member.game_id, member.seat, sid):
            announce_presence(rt, member.game_id)
    except Exception as exc:  # a socket going away must not fail on the way out (the heartbeat will tell)
        rt.failed("presence", f"presence: seat {member.seat} of game {member.game_id} left", exc)
    else:
        rt.worked("presence")


def _facilitator_away(rt: Runtime, member: Member, state: GameState) -> None:
    """Refuse a take-over while the facilitator is here, or has not been away for long enough."""
    seat = state.settings.facilitator
    if seat == member.seat or state.phase is Phase.ENDED or not state.seats[member.seat].present:
        return  # the engine's answer says more (already_facilitator, game_over, seat_removed)
    live = rt.games.live(member.game_id)
    away = rt.presence.seats(member.game_id, len(state.seats), live.record.created_at)[seat]
    need = float(rt.settings["FACILITATOR_AWAY_SECONDS"])
    name = state.seats[seat].name
    if away.connected:
        raise FacilitatorHere(f"{name} is connected; you can take over once the facilitator has been away "
                              f"for {need:.0f} s")
    assert away.away_seconds is not None
    if away.away_seconds < need:
        raise FacilitatorHere(f"{name} has been away for {away.away_seconds:.0f} s; you can take over after "
                              f"{need:.0f} s")


def _join(rt: Runtime, conn: Connection, token: object) -> dict[str, Any]:
    try:
        member = rt.games.authenticate(token)
    except errors.InvalidToken:
        log.warning("refused a seat token from %s", conn.ip)
        raise
    # Join the rooms first, then read the state: an update committed in between is not missed.
    _enter(conn, (seat_room(member.game_id, member.seat), game_room(member.game_id)))
    previous, conn.member, conn.watching = conn.member, member, None
    read = None
    if previous != member:
        if previous is not None:
            _leave_seat(rt, previous, conn.sid)
        read = _arrive_seat(rt, member, conn.sid)
        if rt.connections.get(conn.sid) is not conn:
            # The socket closed while joining: its disconnect may have been handled before it was counted.
            _leave_seat(rt, member, conn.sid)
            read = None
    live, ack = _seat_ack(rt, member)
    rt.repo.record([AuditRecord(game_id=member.game_id, at=at(rt.games.clock()), actor=rt.games.actor(member),
                                action="Connect", detail={"ip": conn.ip, "version": ack["version"]})])
    # Last, with nothing that could let another reading go out between it and the answer: the presence this
    # arrival announced (read once for the room and this answer), unless a newer reading began since.
    return _with_presence(rt, live, ack, read)


# --------------------------------------------------------------------------- connection events

_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def on(event: str) -> Callable[[_Handler], _Handler]:
    """``@socketio.on(event)``, typed (Flask-SocketIO has no types): it registers the handler and returns it as is."""
    register: Callable[[_Handler], _Handler] = socketio.on(event)
    return register


def on_error_default(handler: Callable[[Exception], dict[str, Any]]) -> Callable[[Exception], dict[str, Any]]:
    """``@socketio.on_error_default``, typed: the handler of any error a handler lets out, returned as is."""
    socketio.on_error_default(handler)
    return handler


@on("connect")
def on_connect(auth: Any = None) -> bool | None:
    """Accept a socket (refused past the per-IP limit); ``auth: {"token"}`` joins the seat at once."""
    rt = runtime()
    if not rt.connect(_sid(), _ip()):
        raise ConnectionRefusedError("too many connections from your address")
    if isinstance(auth, dict) and "token" in auth:
        ack = guarded(lambda: _join(rt, rt.connection(_sid()), auth.get("token")))()
        socketio.emit("joined", ack, to=_sid())
    return None


@on("disconnect")
def on_disconnect(*_: Any) -> None:
    rt = runtime()
    # Forgotten first: a join still on its way then sees the socket gone and leaves the seat itself.
    conn = rt.disconnect(_sid())
    if conn is not None and conn.member is not None:
        _leave_seat(rt, conn.member, conn.sid)


@on("join")
@guarded
def on_join(payload: Any = None) -> dict[str, Any]:
    """Take your seat with its token (first visit and every reconnect)."""
    rt = runtime()
    data = rt.schemas.events["join"].load(payload)
    return _join(rt, rt.connection(_sid()), data["token"])


@on("spectate")
@guarded
def on_spectate(payload: Any = None) -> dict[str, Any]:
    """Watch a game: the public view, now and after every change."""
    rt = runtime()
    data = rt.schemas.events["spectate"].load(payload)
    game_id = data["game_id"]
    conn = rt.connection(_sid())
    rt.games.live(game_id, fresh=True)  # NotFound before joining any room
    _enter(conn, (watch_room(game_id), game_room(game_id)))
    previous, conn.member, conn.watching = conn.member, None, game_id
    if previous is not None:  # a seat's tab turned to watching (the shared screen): it no longer holds the seat
        _leave_seat(rt, previous, conn.sid)
    live, state, view = rt.games.view(game_id, None, fresh=True)
    return {"ok": True, "game_id": game_id, "seat": None, "role": "spectator", "version": state.version, "view": view,
            "presence": presence_data(rt, live)}


@on("sync")
@guarded
def on_sync(payload: Any = None) -> dict[str, Any]:
    """The whole current view again (after a missed update)."""
    rt = runtime()
    rt.schemas.events["sync"].load({} if payload is None else payload)
    conn = rt.connection(_sid())
    if conn.member is not None:
        live, ack = _seat_ack(rt, conn.member)
        return _with_presence(rt, live, ack)
    if conn.watching is not None:
        live, state, view = rt.games.view(conn.watching, None, fresh=True)
        return {"ok": True, "game_id": conn.watching, "seat": None, "role": "spectator",
                "version": state.version, "view": view, "presence": presence_data(rt, live)}
    raise NotJoined("join a seat or spectate a game first")


class UnknownEvent(errors.ServerError):
    """No handler has that event name."""

    code = "unknown_event"


@on("*")
def on_unknown(event: Any, *_: Any) -> dict[str, Any]:
    """Any other event name: refused."""

    def refuse() -> dict[str, Any]:
        raise UnknownEvent(f"unknown event {str(event)[:40]!r}; see docs/protocol.md")

    return guarded(refuse)()


@on_error_default
def on_error(exc: Exception) -> dict[str, Any]:
    """Last resort (the handlers map their own errors): log, answer with a generic error."""
    return errors.socket_error(exc)


# --------------------------------------------------------------------------- commands


@dataclasses.dataclass(frozen=True)
class Action:
    """How one command event becomes an engine command."""

    build: Callable[[dict[str, Any], int, float], gc.Command]
    """(validated payload, seat, now) → command."""
    guard: Callable[[Runtime, Member, GameState], None] | None = None
    """A check the engine cannot make (it knows no connections), on the state the command will apply to."""


# Facilitator-only commands are refused by the engine (NotFacilitator): who facilitates is in the game's state.


def _suit(value: str | None) -> Suit | None:
    return None if value is None else Suit.parse(value)


ACTIONS: dict[str, Action] = {
    "start": Action(lambda d, seat, now: gc.StartGame(seat=seat, now=now, expected_version=d["expected_version"])),
    "play_card": Action(lambda d, seat, now: gc.PlayCard(
        seat=seat, card_id=d["card"], target=d["target"], text=d["text"], now=now,
        expected_version=d["expected_version"])),
    "add_threat": Action(lambda d, seat, now: gc.AddThreat(
        seat=seat, target=d["target"], card_id=d["card"], suit=_suit(d["suit"]), text=d["text"], now=now,
        expected_version=d["expected_version"])),
    "pass": Action(lambda d, seat, now: gc.PassTurn(seat=seat, now=now, expected_version=d["expected_version"])),
    "vote": Action(lambda d, seat, now: gc.CastVote(
        seat=seat, threat_id=d["threat"], accept=d["accept"], now=now, expected_version=d["expected_version"])),
    "close_vote": Action(lambda d, seat, now: gc.CloseVote(
        seat=seat, threat_id=d["threat"], now=now, expected_version=d["expected_version"])),
    "rate": Action(lambda d, seat, now: gc.RateThreat(
        seat=seat, threat_id=d["threat"], likelihood=d["likelihood"], impact=d["impact"], now=now,
        expected_version=d["expected_version"])),
    "finish_rating": Action(lambda d, seat, now: gc.FinishRating(
        seat=seat, now=now, expected_version=d["expected_version"])),
    "skip_seat": Action(lambda d, seat, now: gc.SkipSeat(
        seat=seat, target_seat=d["target_seat"], now=now, expected_version=d["expected_version"])),
    "remove_seat": Action(lambda d, seat, now: gc.RemoveSeat(
        seat=seat, target_seat=d["target_seat"], now=now, expected_version=d["expected_version"])),
    "end_play": Action(lambda d, seat, now: gc.EndPlay(seat=seat, now=now, expected_version=d["expected_version"])),
    "end_game": Action(lambda d, seat, now: gc.EndGame(seat=seat, now=now, expected_version=d["expected_version"])),
    "take_over": Action(lambda d, seat, now: gc.TakeOver(seat=seat, now=now, expected_version=d["expected_version"]),
                        guard=_facilitator_away),
    # The facilitator chooses: no absence to wait for, so no guard (the engine checks who sends it, and to whom).
    "hand_over": Action(lambda d, seat, now: gc.HandOver(
        seat=seat, target_seat=d["target_seat"], now=now, expected_version=d["expected_version"])),
}


def command(rt: Runtime, sid: str, event: str, action: Action, payload: Any) -> dict[str, Any]:
    """validate → who → may they → load/apply/commit/publish → ack."""
    data = rt.schemas.events[event].load(payload)
    conn = rt.connection(sid)
    member = conn.member
    if member is None:
        if conn.watching is not None:
            raise Forbidden("spectators cannot act; join a seat with its link to play")
        raise NotJoined("join your seat with its token first")
    if data["seat"] is not None and data["seat"] != member.seat:
        error = Forbidden(f"this connection acts for seat {member.seat}, not seat {data['seat']}", field="seat")
        rt.games.deny(member, event, error)
        raise error
    guard = action.guard

    def build(state: GameState, now: float) -> gc.Command:
        if guard is not None:
            guard(rt, member, state)  # under the game's lock, on the state the command applies to
        return action.build(data, member.seat, now)

    detail: dict[str, Any] = {"event": event, "ip": conn.ip}
    if "target_seat" in data:  # the audit trail says whom a facilitator skipped, removed or handed over to
        detail["target_seat"] = data["target_seat"]
    try:
        outcome = rt.games.submit(member.game_id, build, client_id=f"s{member.seat}:{data['client_id']}",
                                  actor=rt.games.actor(member), seat=member.seat, detail=detail)
    except NotFacilitator:
        # Who facilitates is in the game's state (it moves on a take-over), so the engine decides it.
        error = Forbidden("only the facilitator can do that")
        rt.games.deny(member, event, error)
        raise error from None
    return {"ok": True, "version": outcome.version, "duplicate": outcome.duplicate}


def command_handler(rt: Runtime, event: str, action: Action) -> Callable[[str, Any], dict[str, Any]]:
    """The handler of one command event, registered on python-socketio directly.

    Commands are most of the traffic and need nothing from Flask: going around
    Flask-SocketIO's wrapper skips building a Flask request and opening the
    cookie session for every move.
    """

    def handler(sid: str, payload: Any = None, *_: Any) -> dict[str, Any]:
        try:
            _limit(rt, sid)
            return command(rt, sid, event, action, payload)
        except Exception as exc:  # as in guarded(): every error becomes an error acknowledgement
            return errors.socket_error(exc)

    handler.__name__ = f"on_{event}"
    return handler


def install(server: Any, rt: Runtime) -> None:
    """Register the command events on the app's python-socketio server (see :func:`command_handler`), and the
    resending of every view after the message queue was lost for a while (:mod:`server.message_queue`)."""
    for event, action in ACTIONS.items():
        server.on(event, command_handler(rt, event, action), namespace="/")
    if hasattr(server.manager, "on_resubscribe"):
        from server.message_queue import resync

        server.manager.on_resubscribe = lambda: resync(server, rt)
