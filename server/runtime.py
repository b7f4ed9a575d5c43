"""Everything one app holds at run time: settings, the repository, the games, limits, connections.

Built by :func:`server.create_app` and kept in ``app.extensions["threatdeck"]``.
Also runs the background clock (turn deadlines, sending views again after a failed broadcast, and, while another
process on the database shares no message queue with this one, sending the games it changed), the presence
heartbeat and the expiry sweeper.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import threading
from collections.abc import Mapping
from typing import Any

from game.importers import load_importers
from server import migrations, schemas
from server.config import ConfigError
from server.db import MEMORY_URL, check_writable, database_file, describe, make_engine, unavailable
from server.examples import Examples, examples_dir
from server.games import Games, Member
from server.health import DatabaseCheck
from server.parse_threads import ParseThreads
from server.peers import Peers
from server.presence import Presence
from server.ratelimit import Limiter
from server.repository import GameRepository, InMemoryGameRepository, SqlGameRepository
from server.turns import Turns

log = logging.getLogger("threatdeck.runtime")

CREATION_RETRY_AFTER = 2.0
"""Seconds a creation refused for want of a turn is told to wait: making a table takes milliseconds."""


@dataclasses.dataclass
class Connection:
    """One socket: where it comes from and what it joined."""

    sid: str
    ip: str
    member: Member | None = None
    """The seat it joined with a token, if any."""
    watching: str | None = None
    """The game it spectates, if any."""
    rooms: tuple[str, ...] = ()


class Runtime:
    """The per-app objects; see the module docstring."""

    def __init__(self, settings: Mapping[str, Any], repo: GameRepository) -> None:
        self.settings = settings
        self.repo = repo
        self.examples = Examples(examples_dir(settings.get("EXAMPLES_DIR")))
        self.schemas = schemas.build(int(settings["MAX_THREAT_TEXT"]), int(settings["MAX_NAME"]))
        self.parsing = ParseThreads(str(settings["ASYNC_MODE"]), most=int(settings["MAX_PARSES"]),
                                    waiting=int(settings["PARSE_QUEUE"]), wait=float(settings["PARSE_WAIT"]),
                                    deadline=float(settings["PARSE_TIMEOUT"]), prepare=load_importers)
        self.creating = Turns(most=int(settings["MAX_CREATIONS"]), waiting=int(settings["CREATION_QUEUE"]),
                              wait=float(settings["CREATION_WAIT"]), retry_after=CREATION_RETRY_AFTER,
                              busy="the server is busy making other games; try again in a few seconds")
        """Uploads, new games and seats take turns (server/turns.py, server/api.py)."""
        self.games = Games(
            repo,
            ttl=float(settings["GAME_TTL"]),
            upload_ttl=float(settings["UPLOAD_TTL"]),
            max_components=int(settings["MAX_ARCHITECTURE_COMPONENTS"]),
            max_flows=int(settings["MAX_ARCHITECTURE_FLOWS"]),
            snapshot_every=int(settings["SNAPSHOT_EVERY"]),
            parse=self.parsing.run,
        )
        self.event_limiter = Limiter(float(settings["RATE_EVENTS_PER_SECOND"]), int(settings["RATE_EVENTS_BURST"]))
        self.http_limiter = Limiter(float(settings["RATE_HTTP_PER_SECOND"]), int(settings["RATE_HTTP_BURST"]))
        self.create_limiter = Limiter(float(settings["RATE_CREATE_PER_MINUTE"]) / 60.0, int(settings["RATE_CREATE_BURST"]))
        self.presence = Presence(repo, lambda: self.games.clock(), float(settings["PRESENCE_HEARTBEAT"]))
        self.peers = Peers(repo, lambda: self.games.clock(), float(settings["PRESENCE_HEARTBEAT"]),
                           holder=self.presence.holder, shared=bool(settings.get("REDIS_URL")))
        self.database_check = DatabaseCheck(repo.ping)
        self.presence_shown: dict[str, list[tuple[int, bool]]] = {}
        """Per game, who was last announced connected (``server.sockets.announce_presence``)."""
        self.presence_read: dict[str, int] = {}
        """Per game, the ticket (of ``presence_tickets``) of the last announcement's reading of who is connected."""
        self.presence_tickets = itertools.count()
        self.presence_lock = threading.Lock()
        self.connections: dict[str, Connection] = {}
        self.per_ip: dict[str, int] = {}
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._queue_client: Any = None
        self._database_lost: set[str] = set()
        """Tasks (background loops, presence) that have said the database cannot be reached (each says it once, and when it is back)."""

    @staticmethod
    def build(settings: Mapping[str, Any], socketio: Any) -> Runtime:
        """Open the repository named by ``DATABASE_URL`` (migrating it when ``AUTO_MIGRATE``)."""
        url = str(settings["DATABASE_URL"])
        repo: GameRepository
        if url == MEMORY_URL:
            repo = InMemoryGameRepository()
        else:
            engine = make_engine(url, str(settings["SQLITE_SYNCHRONOUS"]))
            if engine.dialect.name == "sqlite" and database_file(engine.url) is None:
                # Each pooled connection would get a database of its own (migrated in one, "no such table" in the
                # next), and every game would go with the process.
                raise ConfigError("DATABASE_URL: an in-memory SQLite database is neither shared by the server's "
                                  "connections nor kept; give a file, sqlite:////path/to/threatdeck.db")
            try:
                if settings["AUTO_MIGRATE"]:
                    migrations.upgrade(engine)
                else:
                    migrations.check_current(engine)
                check_writable(engine)
            except BaseException:
                engine.dispose()
                raise
            repo = SqlGameRepository(engine)
        runtime = Runtime(settings, repo)
        # Refuse to start on a queue that is not there: each process would serve its own half of every room.
        problem = runtime.queue_problem()
        if problem is not None:
            raise ConfigError(f"REDIS_URL: {problem}")
        from server import sockets

        runtime.games.publish = sockets.Broadcaster(socketio, shared=bool(settings.get("REDIS_URL"))).publish
        return runtime

    def describe_database(self) -> str:
        """The database for logs, without a password."""
        url = str(self.settings["DATABASE_URL"])
        return "in memory" if url == MEMORY_URL else describe(url)

    def split(self) -> int:
        """How many live processes on this database share no message queue with this one (health checks)."""
        return len(self.peers.unshared())

    def queue_problem(self) -> str | None:
        """Why the message queue cannot be reached now (None: it can, or there is none). Asked by health checks."""
        url = self.settings.get("REDIS_URL")
        if not url:
            return None
        import redis

        if self._queue_client is None:
            self._queue_client = redis.Redis.from_url(str(url), socket_connect_timeout=2, socket_timeout=2)
        try:
            self._queue_client.ping()
        except Exception as exc:  # noqa: BLE001 - any failure means the processes no longer share their rooms
            # Redis's own words: a wrong database number or password read as a mere "ResponseError".
            said = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
            why = f"{type(exc).__name__}: {said}" if said else type(exc).__name__
            return f"the message queue at {self.describe_redis()} cannot be reached ({why})"
        return None

    def describe_redis(self) -> str:
        """The message queue for logs, without a password."""
        from urllib.parse import urlsplit

        parts = urlsplit(str(self.settings.get("REDIS_URL") or ""))
        where = f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else ""  # unix:///path has no host
        return f"{parts.scheme}://{where}{parts.path}"

    # ------------------------------------------------------------------ connections

    def connect(self, sid: str, ip: str) -> bool:
        """Register a socket; False if its IP already has too many open."""
        with self.lock:
            n = self.per_ip.get(ip, 0)
            if n >= int(self.settings["MAX_CONNECTIONS_PER_IP"]):
                return False
            self.per_ip[ip] = n + 1
            self.connections[sid] = Connection(sid=sid, ip=ip)
            return True

    def disconnect(self, sid: str) -> Connection | None:
        """Forget a socket; returns its record (None if it had none)."""
        with self.lock:
            conn = self.connections.pop(sid, None)
            if conn is not None:
                n = self.per_ip.get(conn.ip, 1) - 1
                if n <= 0:
                    self.per_ip.pop(conn.ip, None)
                else:
                    self.per_ip[conn.ip] = n
        self.event_limiter.forget(sid)
        return conn

    def connection(self, sid: str) -> Connection:
        """The socket's record (made on the fly for a socket the connect handler did not see)."""
        conn = self.connections.get(sid)
        if conn is None:
            conn = self.connections[sid] = Connection(sid=sid, ip="?")
        return conn

    # ------------------------------------------------------------------ background work

    def start_background(self, socketio: Any) -> None:
        """Start the clock and the expiry sweeper as Socket.IO background tasks."""
        socketio.start_background_task(self._clock_loop, socketio)
        socketio.start_background_task(self._expiry_loop, socketio)
        # Under gevent and eventlet reading the examples holds the loop (tens of milliseconds, the importers
        # being loaded before serving): the first heartbeat comes after it, so no other process sees this one
        # gone meanwhile.
        socketio.start_background_task(self._warm)
        socketio.start_background_task(self._presence_loop, socketio)

    def _warm(self) -> None:
        """Read the examples once at start, so the first visitor of the lobby does not wait for it."""
        try:
            self.examples.all()
        except Exception:
            log.exception("reading the examples failed")

    def stop(self) -> None:
        """Ask the background tasks to end, and close the database.

        Closing matters for SQLite: it folds the write-ahead log into the database file (``server.db.close``),
        so after a clean stop ``threatdeck.db`` alone holds every game (a backup may copy just that file).
        """
        self._stop.set()
        try:
            self.peers.retire()
        except Exception:  # noqa: BLE001 - the database may be gone; the row then goes stale by itself
            log.debug("could not remove this process's row", exc_info=True)
        self.repo.close()

    def failed(self, task: str, what: str, exc: Exception) -> None:
        """Log a failure of ``task`` (a background loop, or presence written as sockets come and go): with its
        traceback, unless the database is unavailable, which is one warning when it starts (and :meth:`worked`
        one line when it ends), not one per tick or socket."""
        problem = unavailable(exc)
        if problem is None:
            log.error("%s", what, exc_info=exc)
        elif task not in self._database_lost:
            self._database_lost.add(task)
            log.warning("%s: the database is unavailable (%s); retrying", task, problem)

    def worked(self, task: str) -> None:
        if task in self._database_lost:
            self._database_lost.discard(task)
            log.warning("%s: the database is available again", task)

    def _clock_loop(self, socketio: Any) -> None:
        interval = float(self.settings["TICK_INTERVAL"])
        while not self._stop.is_set():
            socketio.sleep(interval)
            # First the views of broadcasts that failed: a game nobody moves in would otherwise show some of its
            # tabs the version before for as long as it stays quiet.
            for game_id in self.games.resends_due():
                try:
                    self.games.resend(game_id)
                except Exception:
                    log.exception("clock: sending the views of game %s again failed", game_id)
            if self.peers.unshared():
                try:
                    self._catch_up()
                except Exception as exc:
                    self.failed("clock", "clock: looking for moves made through another process failed", exc)
            try:
                due = self.games.due()
            except Exception as exc:
                self.failed("clock", "clock: reading the games due failed", exc)
                continue
            self.worked("clock")
            for game_id in due:
                try:
                    self.games.tick(game_id)
                except Exception as exc:  # a bad game must not stop the clock for the others
                    self.failed("clock", f"clock tick of game {game_id} failed", exc)

    def _catch_up(self) -> None:
        """Send this process's sockets the games another process changed without telling them (no shared queue)."""
        held: set[str] = set()
        for conn in list(self.connections.values()):
            game_id = conn.member.game_id if conn.member is not None else conn.watching
            if game_id is not None:
                held.add(game_id)
        if not held:
            return
        for game_id, version in self.repo.versions(sorted(held)).items():
            try:
                self.games.catch_up(game_id, version)
            except Exception as exc:  # one game must not keep the others behind
                self.failed("clock", f"clock: catching up with game {game_id} failed", exc)

    def _presence_loop(self, socketio: Any) -> None:
        """Beat, then tell the games this process serves about seats whose process stopped beating."""
        from server.sockets import announce_presence

        interval = float(self.settings["PRESENCE_HEARTBEAT"])
        try:
            self.peers.beat()  # at once: another process on the database is said at start, not a beat later
        except Exception as exc:
            self.failed("presence", "presence: heartbeat failed", exc)
        while not self._stop.is_set():
            socketio.sleep(interval)
            try:
                self.presence.beat()
                self.peers.beat()
            except Exception as exc:
                self.failed("presence", "presence: heartbeat failed", exc)
                continue
            self.worked("presence")
            held = self.presence.games()
            for game_id in held:
                try:
                    announce_presence(self, game_id)
                except Exception as exc:
                    self.failed("presence", f"presence of game {game_id} failed", exc)
            # What was shown of games nobody here is in any more: with several processes another one may delete
            # the game, and this one would keep it for good (a seat arriving is announced anyway).
            for game_id in [g for g in self.presence_shown if g not in held]:
                self.presence_shown.pop(game_id, None)
                self.presence_read.pop(game_id, None)

    def _expiry_loop(self, socketio: Any) -> None:
        interval = float(self.settings["EXPIRY_INTERVAL"])
        while not self._stop.is_set():
            socketio.sleep(interval)
            try:
                for game_id in self.games.expire():
                    log.info("game %s expired", game_id)
                    self.presence_shown.pop(game_id, None)
                    self.presence_read.pop(game_id, None)
                    socketio.emit("expired", {"game_id": game_id}, to=f"game:{game_id}")
            except Exception as exc:
                self.failed("expiry", "expiry sweep failed", exc)
                continue
            self.worked("expiry")
