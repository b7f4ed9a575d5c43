"""The games this server holds: create, seat, and run every command through one path.

Every change to a game, from a player, the facilitator, a bot or the clock,
goes through :meth:`Games.submit`, which has one shape:

    load (this process's copy, or the database) → engine.apply → commit
    (version-checked, with the command log and audit lines) → publish

and publishing happens only after the commit returned. Within a process a
game's commands are applied one at a time under the game's lock, which is held
only while a command is applied and its commit queued: the next command of the
same game applies on top of it (``Live.head``) and its change is queued after
it, so both can go in one group commit. Changes are broadcast after their
commit, in version order, those stored together in one update per seat
(``Live.on_way``, ``Live.shown``); what readers and acknowledgements see is
only ever what has been committed (``Live.state``). If a commit fails,
the changes queued after it are refused unwritten, the process's copy is
dropped, and their commands are applied again on the stored game. Across
processes the version check makes the loser reload and retry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from cards import InvalidCardData, load_deck
from game import engine
from game.architecture import Architecture
from game.backlog import Backlog
from game.bots import next_bot_command
from game.cards import Suit
from game.commands import Command, JoinLate, Tick
from game.errors import GameError, InvalidSetup, InvalidSnapshot, StaleState
from game.events import Event
from game.importers import ModelError, load_architecture
from game.state import MAX_SEATS, GameState, Phase, SeatSpec, Settings
from game.threats import ThreatStatus
from server import codec, tokens
from server.errors import AlreadyStarted, Conflict, InvalidToken, NotFound, SeatsFull
from server.examples import Examples
from server.uploads import RecentUploads
from server.views import ViewBuilder
from server.repository import (
    AuditRecord,
    Change,
    CommandRecord,
    DuplicateCommand,
    GameRecord,
    GameRepository,
    SeatRecord,
    SeatTaken,
    Ticket,
    UploadRecord,
    stored,
    unstored,
)

log = logging.getLogger("threatdeck.games")

MAX_ATTEMPTS = 5
"""How often a command is retried after losing a version race."""
MAX_BOT_STEPS = 200
"""Most bot commands run after one human command (a whole bot-only trick round and its votes)."""
SHOW_WAIT = 10.0
"""Seconds a committed change waits for the game's previous one to be broadcast before it goes anyway."""
CACHE_SIZE = 500
"""Games kept in memory per process (each with its views: a few hundred KB late in a game)."""
MOST_EXAMPLES = 64
"""Built-in examples' architectures kept parsed (a folder holds a handful)."""
RESEND_WAIT_MAX = 60.0
"""Longest wait, in seconds, between attempts to send a game's views again while they keep failing."""


def epoch(value: dt.datetime) -> float:
    """Seconds since the epoch: the clock commands carry."""
    return value.timestamp()


def at(seconds: float) -> dt.datetime:
    """A clock value back as a UTC datetime."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Member:
    """Who sends a command: a seat, authenticated by its token."""

    game_id: str
    seat: int
    role: str
    """``player`` or ``facilitator``: the role the seat was made with (a take-over moves facilitating on; the game's
    state says who facilitates now)."""
    name: str


@dataclasses.dataclass(frozen=True)
class OnItsWay:
    """A change queued for commit: broadcast once it is stored, with the changes stored before it."""

    state: GameState
    events: tuple[Event, ...]
    ticket: Ticket


@dataclasses.dataclass
class Live:
    """A game as this process last saw it."""

    record: GameRecord
    """The row's static parts (id, deck, architecture, meta, created_at; not its snapshot or board)."""
    version: int
    state: GameState
    client_ids: dict[str, int]
    """Client ids already in the log, with the version each produced."""
    writer: codec.SnapshotWriter = dataclasses.field(default_factory=codec.SnapshotWriter)
    last_public: tuple[int, dict[str, Any]] | None = None
    """The version and public view last broadcast to the game (None: the next broadcast sends whole views)."""
    last_own: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    """The own parts last sent to each seat, for patches."""
    views: ViewBuilder = dataclasses.field(default_factory=ViewBuilder)
    """Builds this game's views, reusing what did not change."""
    snapshot_version: int = 0
    """The version of the last snapshot stored."""
    shown: threading.Condition = dataclasses.field(default_factory=threading.Condition)
    """Held while ``state`` moves on and is broadcast: broadcasts leave in version order."""
    dropped: bool = False
    """A commit of this copy failed: it is out of the cache, and what waits on it stops waiting."""
    on_way: deque[OnItsWay] = dataclasses.field(default_factory=deque)
    """The changes after ``state``, in version order, until they are broadcast."""

    def forget_views(self) -> None:
        """Let go of what was broadcast: the next broadcast sends whole views."""
        self.last_public = None
        self.last_own = {}

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def head(self) -> OnItsWay | None:
        """The game's last change on its way, if any: the next command applies on top of it and queues after it."""
        try:
            return self.on_way[-1]
        except IndexError:  # (not a check first: another thread may broadcast the last one in between)
            return None

    @property
    def latest(self) -> GameState:
        """The state the next command applies to (committed or on its way)."""
        head = self.head
        return self.state if head is None else head.state

    def knows(self, version: int | None) -> bool:
        """Whether ``version`` (the stored one) is this copy's, or one of its own commits on their way."""
        return version is not None and self.version <= version <= self.latest.version


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What became of a submitted command."""

    game_id: str
    version: int
    """The game's version afterwards."""
    applied: bool
    """False when nothing changed (a Tick with nothing due) or the command was a retry."""
    duplicate: bool = False
    """The client id was already in the log: the command had been applied before."""
    events: tuple[Event, ...] = ()


@dataclasses.dataclass(frozen=True)
class NewGame:
    """What a new game is played on, and how."""

    architecture: Architecture
    document: str
    deck: str
    facilitator: str
    max_seats: int
    bots: int = 0
    start_suit: str | None = None
    timing: Mapping[str, float | None] = dataclasses.field(default_factory=dict)
    baseline: Architecture | None = None
    """A delta game: the previous version of the architecture."""
    backlog: Backlog | None = None
    """The threats of an earlier session, re-checked against this architecture."""


Publisher = Callable[[Live, Sequence[Event]], None]

T = TypeVar("T")


class Parse(Protocol):
    """How a file of ``size`` bytes is parsed: ``work(*args)``, where it does not hold up the process's other
    games (server/parse_threads.py)."""

    def __call__(self, size: int, work: Callable[..., T], *args: Any) -> T: ...


def in_place(size: int, work: Callable[..., T], *args: Any) -> T:
    """Parse in the caller's thread (a Games of its own, in tests and tools)."""
    return work(*args)


def static_parts(record: GameRecord) -> GameRecord:
    """The row without the snapshot and board it was stored or loaded with: those are in the state now, and
    a cached game holding them kept hundreds of objects alive for nothing."""
    return dataclasses.replace(record, snapshot={}, board={})


def next_deadline(state: GameState) -> float | None:
    """When the engine next needs the clock to tick, if ever."""
    if state.phase in (Phase.SETUP, Phase.ENDED):
        return None
    soonest: float | None = None
    for t in (state.turn_deadline, state.play_deadline, state.rating_deadline):
        if t is not None and (soonest is None or t < soonest):
            soonest = t
    # Run after every command: only while a vote is open is there a threat to look at (``open_votes`` counts
    # them, as the engine's own checks rely on), and then a plain loop (a generator per call cost more).
    if not state.open_votes:
        return soonest
    voting = ThreatStatus.VOTING
    for threat in state.threats:
        if threat.status is voting:
            t = threat.vote_deadline
            if t is not None and (soonest is None or t < soonest):
                soonest = t
    return soonest


def free_seats(state: GameState, meta: Mapping[str, Any]) -> int:
    """Human seats still to take: ``max_seats`` less those taken before the start; during play, less the human
    seats still in the game, so a seat the facilitator removed is free again (its player may come back as a late
    joiner), while the table lasts (every seat ever taken counts towards MAX_SEATS); none once play has ended."""
    most = int(meta["max_seats"])
    if state.phase is Phase.SETUP:
        return max(0, most - len(meta["humans"]))
    if state.phase is Phase.PLAY:
        here = sum(1 for s in state.seats if s.present and not s.bot)
        return max(0, min(most - here, MAX_SEATS - len(state.seats)))
    return 0


def _always(command: Command) -> Callable[[GameState, float], Command]:
    """A command builder that gives ``command`` whatever the state and time (a bot's move, decided already)."""
    return lambda _state, _now: command


class Games:
    """Every game: a repository, a per-process cache, and the one path commands take."""

    def __init__(
        self,
        repo: GameRepository,
        *,
        ttl: float,
        upload_ttl: float,
        max_components: int,
        max_flows: int = 2_000,
        snapshot_every: int = 20,
        publish: Publisher | None = None,
        clock: Callable[[], float] = time.time,
        parse: Parse = in_place,
    ) -> None:
        self.repo = repo
        self.ttl = ttl
        self.upload_ttl = upload_ttl
        self.max_components = max_components
        self.max_flows = max_flows
        self.snapshot_every = max(1, snapshot_every)
        self.publish: Publisher = publish or (lambda live, events: None)
        self.clock = clock
        self.parse = parse
        self._cache: OrderedDict[str, Live] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._locks = [threading.RLock() for _ in range(256)]
        self._sent: dict[str, GameState] = {}
        """Per game in the cache, the state last broadcast: what this process's sockets hold (``catch_up``)."""
        self._unsent: dict[str, tuple[int, float]] = {}
        """Games whose last broadcast failed: (failed attempts to send them again, when to try next)."""
        self._examples: dict[str, tuple[str, Architecture]] = {}
        """Per built-in example, the document last parsed and its architecture."""
        self.uploads = RecentUploads()
        """The architectures of the uploads this process parsed lately: a game on one is not parsed again."""

    # ------------------------------------------------------------------ plumbing

    def locked(self, game_id: str) -> AbstractContextManager[bool]:
        """The game's lock, to hold with ``with`` (striped: games share 256 locks). The lock itself, not a
        context manager around it: every command takes it."""
        return self._locks[hash(game_id) % len(self._locks)]

    def _remember(self, live: Live) -> Live:
        with self._cache_lock:
            self._cache[live.id] = live
            self._cache.move_to_end(live.id)
            while len(self._cache) > CACHE_SIZE:
                gone, _ = self._cache.popitem(last=False)
                self._sent.pop(gone, None)
        return live

    def forget(self, game_id: str) -> None:
        """Drop this process's copy (it is stale, or the game is gone)."""
        with self._cache_lock:
            self._cache.pop(game_id, None)

    def _load(self, game_id: str, now: float) -> Live:
        """The stored snapshot with the commands logged after it replayed."""
        record = self.repo.load(game_id, at(now))
        state = codec.load_state(record.snapshot, record.board)
        # The row and the log are two reads: commands committed after the row was read are not this copy's.
        log_ = [c for c in self.repo.commands(game_id) if c.seq <= record.version]
        for entry in log_:
            if entry.seq > record.snapshot_version:
                state, _ = engine.apply(state, codec.command_from_data(entry.payload))
        if state.version != record.version:
            raise InvalidSnapshot(f"game {game_id}: replay reached version {state.version}, not {record.version}")
        ids = {c.client_id: c.seq for c in log_}
        return self._remember(Live(record=static_parts(record), version=record.version, state=state, client_ids=ids,
                                   snapshot_version=record.snapshot_version))

    def live(self, game_id: str, now: float | None = None, *, fresh: bool = False) -> Live:
        """The game, from this process's cache or the database; ``fresh`` checks the version first."""
        now = self.clock() if now is None else now
        with self._cache_lock:
            live = self._cache.get(game_id)
        if live is not None:
            if not fresh:
                return live
            if live.knows(self.repo.version(game_id)):
                return live
        return self._load(game_id, now)

    def _stale(self, live: Live) -> bool:
        return not live.knows(self.repo.version(live.id))

    def _expiry(self, now: float) -> dt.datetime:
        return at(now + self.ttl)

    # ------------------------------------------------------------------ uploads

    def upload(self, data: bytes | str, filename: str) -> tuple[UploadRecord, Architecture]:
        """Check an architecture file and keep it for a new game."""
        now = at(self.clock())
        expires_at = now + dt.timedelta(seconds=self.upload_ttl)
        # The same file uploaded again is not parsed again (server/uploads.py).
        arch = self.uploads.of_document(data, filename, expires_at,
                                        lambda: self.parse(len(data), self._read, data, filename))
        text = data if isinstance(data, str) else data.decode("utf-8-sig")
        record = UploadRecord(
            id=tokens.new_id(), name=arch.name[:200], filename=filename, source_format=arch.source_format,
            document=text, created_at=now, expires_at=expires_at,
        )
        self.repo.add_upload(record)
        self.uploads.keep(record, arch)
        return record, arch

    def _read(self, data: bytes | str, filename: str) -> Architecture:
        """An uploaded file's architecture, if a game takes one that large (in a parse thread: touches no database)."""
        arch = load_architecture(data, filename)
        self._check_size(arch, filename)
        return arch

    def _check_size(self, arch: Architecture, source: str) -> None:
        if len(arch.components) > self.max_components:
            raise ModelError(source, f"has {len(arch.components):,} components; a game takes at most {self.max_components:,}")
        if len(arch.flows) > self.max_flows:
            raise ModelError(source, f"has {len(arch.flows):,} data flows; a game takes at most {self.max_flows:,}")

    def architecture_of_upload(self, upload_id: str) -> tuple[Architecture, str]:
        """An upload's architecture and document, its source locations named after the file as uploaded.

        Parsed again only when this process did not parse it lately, and once for the requests asking at the
        same time; the repository is asked either way, and refuses an upload that has expired.
        """
        up = self.repo.get_upload(upload_id, at(self.clock()))
        arch = self.uploads.architecture(
            up, lambda: self.parse(len(up.document), load_architecture, up.document, up.filename))
        return arch, up.document

    def architecture_of_example(self, examples: Examples, example_id: str) -> tuple[Architecture, str]:
        """A built-in example's architecture and document: parsed once while its file stays the same (an
        architecture is immutable, so games share it, as they share an upload's: server/uploads.py)."""
        ex = examples.get(example_id)
        with self._cache_lock:
            kept = self._examples.get(ex.id)
        if kept is not None and kept[0] == ex.document:
            return kept[1], ex.document
        arch = self.parse(len(ex.document), load_architecture, ex.document, f"examples/{ex.id}")
        with self._cache_lock:
            if len(self._examples) >= MOST_EXAMPLES:
                self._examples.clear()  # a folder of hundreds of examples, changing: start again
            self._examples[ex.id] = (ex.document, arch)
        return arch, ex.document

    # ------------------------------------------------------------------ creating and seating

    @staticmethod
    def _settings(humans: Sequence[str], game: NewGame | Mapping[str, Any]) -> Settings:
        meta: Mapping[str, Any] = game if isinstance(game, Mapping) else {
            "bots": game.bots, "start_suit": game.start_suit, "timing": dict(game.timing),
        }
        seats = [SeatSpec(n) for n in humans] + [SeatSpec(f"Bot {k + 1}", bot=True) for k in range(int(meta["bots"]))]
        kwargs: dict[str, Any] = {k: v for k, v in dict(meta["timing"]).items()}
        if meta.get("start_suit"):
            kwargs["start_suit"] = Suit.parse(str(meta["start_suit"]))
        return Settings(seats=tuple(seats), facilitator=0, **kwargs)

    def create(self, game: NewGame) -> tuple[Live, SeatRecord, str]:
        """A new game in setup, with the facilitator in seat 0; returns the facilitator's token."""
        self._check_size(game.architecture, game.architecture.name)
        try:
            deck = load_deck(game.deck)
        except InvalidCardData as exc:
            raise NotFound(str(exc), field="deck") from None
        meta = {
            "max_seats": game.max_seats, "bots": game.bots, "start_suit": game.start_suit,
            "timing": dict(game.timing), "humans": [game.facilitator], "delta": game.baseline is not None,
        }
        settings = dataclasses.replace(self._settings([game.facilitator], game), backlog=game.backlog)
        seed = secrets.randbits(62)
        state = engine.new_game(settings, game.architecture, deck, seed, baseline=game.baseline)
        now = self.clock()
        state = dataclasses.replace(state, clock=now)
        token = tokens.new_token()
        stamp = at(now)
        live = Live(
            record=GameRecord(
                id=tokens.new_id(), version=0, phase=state.phase.value, deck=game.deck,
                architecture_name=game.architecture.name[:200], architecture=game.document,
                board=codec.board_data(state), snapshot={}, meta=meta, created_at=stamp, updated_at=stamp,
                expires_at=self._expiry(now), deadline_at=None,
            ),
            version=0,
            state=state,
            client_ids={},
        )
        record = dataclasses.replace(live.record, snapshot=live.writer.snapshot(state))
        live.record = record
        seat = SeatRecord(game_id=record.id, seat=0, name=game.facilitator, role="facilitator",
                          token_hash=tokens.digest(token), created_at=stamp)
        audit = AuditRecord(game_id=record.id, at=stamp, actor=f"seat 0 ({game.facilitator}) facilitator",
                            action="CreateGame",
                            detail={"architecture": record.architecture_name, "deck": game.deck,
                                    "max_seats": game.max_seats, "bots": game.bots})
        self.repo.create_game(record, [seat], [audit])
        live.record = static_parts(record)
        return self._remember(live), seat, token

    def join(self, game_id: str, name: str, detail: Mapping[str, Any] | None = None) -> tuple[Live, SeatRecord, str]:
        """Take a free seat, before the game starts or during play (a late joiner); returns the seat's token."""
        joined = self._join(game_id, name.strip(), detail)
        if joined[0].state.phase is Phase.PLAY:
            # A late join lets the deadlines passed by now take effect too: a bot may be on turn since.
            self._bots(game_id)
        return joined

    def _join(self, game_id: str, name: str, detail: Mapping[str, Any] | None) -> tuple[Live, SeatRecord, str]:
        with self.locked(game_id):
            for _ in range(MAX_ATTEMPTS):
                now = self.clock()
                live = self.live(game_id, now, fresh=True)
                if not self._settle(live):
                    continue
                state = live.state
                if state.phase is not Phase.SETUP and state.phase is not Phase.PLAY:
                    raise AlreadyStarted("play has ended, so no seat can be taken any more; you can watch the game")
                humans = list(live.record.meta["humans"])
                if free_seats(state, live.record.meta) <= 0:
                    raise SeatsFull(f"all {int(live.record.meta['max_seats'])} seats are taken")
                # Said to the person at the join page, who typed it (the engine's own words name two seats). In
                # play a removed seat's name is free again (its player coming back); in setup every name is
                # taken, since the seats are made again from the names (_seated).
                taken = next((s.name for s in state.seats if (s.present or state.phase is Phase.SETUP)
                              and s.name.strip().casefold() == name.casefold()), None)
                if taken is not None:
                    raise InvalidSetup(f"Someone at this table is already called {taken}: add an initial or a nickname "
                                       "so the others can tell you apart.")
                command: JoinLate | None = None
                events: Sequence[Event] = ()
                if state.phase is Phase.SETUP:
                    new_state, seat_no = self._seated(live, humans, name, now), len(humans)
                else:
                    command = JoinLate(name=name, now=now)
                    new_state, events = engine.apply(state, command)
                    seat_no = len(new_state.seats) - 1
                token = tokens.new_token()
                stamp = at(now)
                seat = SeatRecord(game_id=game_id, seat=seat_no, name=name, role="player",
                                  token_hash=tokens.digest(token), created_at=stamp)
                client_id = f"join:{seat_no}"
                meta = dict(live.record.meta, humans=humans + [name])
                actor = f"seat {seat_no} ({name})"
                if command is None:  # seated before the start: the snapshot is the record
                    kind, payload = "JoinSeat", {"name": name, "seat": seat_no}
                else:  # in the log like any command, so the game replays through it
                    kind, payload = "JoinLate", codec.command_data(command)
                deadline = next_deadline(new_state)
                change = Change(
                    snapshot=live.writer.snapshot(new_state), phase=new_state.phase.value, updated_at=stamp,
                    expires_at=self._expiry(now), deadline_at=None if deadline is None else at(deadline),
                    command=CommandRecord(game_id=game_id, seq=live.version + 1, client_id=client_id, seat=seat_no,
                                          actor=actor, type=kind, payload=payload, at=stamp),
                    audit=(AuditRecord(game_id=game_id, at=stamp, actor=actor, action=kind,
                                       detail={"version": new_state.version, **dict(detail or {})}),),
                    seats=(seat,),
                    meta=meta,
                )
                try:
                    self.repo.commit(game_id, live.version, change)
                except (StaleState, SeatTaken, DuplicateCommand):
                    self.forget(game_id)
                    continue
                live.record = dataclasses.replace(live.record, meta=meta)
                live.client_ids[client_id] = new_state.version
                live.snapshot_version = new_state.version
                self._show(live, new_state, events)
                return live, seat, token
        raise Conflict("the game kept changing; try again")

    def _seated(self, live: Live, humans: Sequence[str], name: str, now: float) -> GameState:
        """The game in setup seated again with ``name`` after the other humans (the bots stay last)."""
        state = live.state
        settings = dataclasses.replace(self._settings([*humans, name], live.record.meta), backlog=state.settings.backlog)
        fresh = engine.new_game(settings, state.board.architecture, state.board.deck, state.seed)
        # A seat the facilitator removed before the start stays removed (new_game seats everyone): the humans keep
        # their places, the newcomer comes after them, and the bots move one place on.
        n = len(humans)
        seats = tuple(s if i == n else dataclasses.replace(s, present=state.seats[i if i < n else i - 1].present)
                      for i, s in enumerate(fresh.seats))
        return dataclasses.replace(fresh, board=state.board, seats=seats, version=live.version + 1,
                                   clock=max(now, state.clock))

    def authenticate(self, token: object) -> Member:
        """The seat a token belongs to; :class:`InvalidToken` for anything else."""
        if not tokens.well_formed(token):
            raise InvalidToken("that is not a seat token")
        assert isinstance(token, str)
        seat = self.repo.seat_by_token(tokens.digest(token))
        if seat is None or seat.seat is None or not tokens.matches(token, seat.token_hash):
            raise InvalidToken("no seat has that token (the game may have expired)")
        return Member(game_id=seat.game_id, seat=seat.seat, role=seat.role, name=seat.name)

    # ------------------------------------------------------------------ the one path

    def _publish(self, live: Live, events: Sequence[Event]) -> bool:
        """Broadcast a committed change; a failure here must not undo (or fail) what is committed.

        False when it failed: some rooms may have been sent it and others not, and nothing would tell them
        before the game's next change, so the clock sends every room whole views on its next pass
        (:meth:`resend`).
        """
        try:
            self.publish(live, events)
            self._sent[live.id] = live.state
        except Exception:
            live.forget_views()  # the next broadcast, the clock's or the next change's, sends whole views
            self._unsent[live.id] = (0, self.clock())
            log.exception("game %s: broadcast of version %s failed", live.id, live.version)
            return False
        if live.state.phase is Phase.ENDED:
            # Nothing follows the end: the views held for patches would only weigh on memory and on every
            # full garbage collection (a server's cache is mostly ended games). A later view is built afresh.
            live.views = ViewBuilder()
            live.forget_views()
        return True

    def submit(
        self,
        game_id: str,
        build: Callable[[GameState, float], Command],
        *,
        client_id: str,
        actor: str,
        seat: int | None,
        detail: Mapping[str, Any] | None = None,
        bots: bool = True,
    ) -> Outcome:
        """Apply one command: load → apply → commit → publish. Raises the engine's ``GameError`` when refused."""
        outcome = self._submit(game_id, build, client_id=client_id, actor=actor, seat=seat, detail=detail)
        if bots and outcome.applied:
            self._bots(game_id)
        return outcome

    def _submit(
        self,
        game_id: str,
        build: Callable[[GameState, float], Command],
        *,
        client_id: str,
        actor: str,
        seat: int | None,
        detail: Mapping[str, Any] | None,
    ) -> Outcome:
        for _ in range(MAX_ATTEMPTS):
            refusal: GameError | None = None
            # Under the game's lock only long enough to apply the command and queue its commit: the game's
            # next command applies on top of this one and can join the same group commit.
            with self.locked(game_id):
                now = self.clock()
                live = self.live(game_id, now)
                latest = live.latest
                done = live.client_ids.get(client_id)
                if done is None:
                    command = build(latest, now)
                    try:
                        state, events = engine.apply(latest, command)
                    except GameError as exc:
                        if self._stale(live):  # refused against an old copy: look again
                            self.forget(game_id)
                            continue
                        if latest is live.state:
                            raise
                        refusal = exc  # refused against changes still on their way: answered once they are stored
                    else:
                        if state is latest:
                            return Outcome(game_id, latest.version, applied=False, events=tuple(events))
                        ticket = self._queue(live, latest, state, events, command, now, client_id=client_id,
                                             actor=actor, seat=seat, detail=detail)
            if done is not None:  # a retry: answered once the first one is stored
                if self._shown(live, done):
                    return Outcome(game_id, done, applied=False, duplicate=True)
                continue
            if refusal is not None:
                if self._shown(live, latest.version):
                    try:
                        raise refusal
                    finally:
                        # This frame is in the refusal's traceback: holding the refusal here too would make a
                        # reference cycle of every refused command (its frames, state and packet), left to the
                        # garbage collector.
                        del refusal
                continue  # one of those changes was not stored: look again
            try:
                self.repo.wait(ticket)
            except StaleState:
                self._drop(live)
                continue
            except DuplicateCommand as dup:
                self._drop(live)
                return Outcome(game_id, dup.existing.seq, applied=False, duplicate=True)
            except BaseException:
                self._drop(live)
                raise
            self._show_stored(live, state)
            return Outcome(game_id, state.version, applied=True, events=tuple(events))
        raise Conflict("the game kept changing; try again")

    def _queue(self, live: Live, latest: GameState, state: GameState, events: Sequence[Event], command: Command,
               now: float, *, client_id: str, actor: str, seat: int | None,
               detail: Mapping[str, Any] | None) -> Ticket:
        """Queue the commit of ``latest`` → ``state`` after the game's previous one; ``state`` becomes the head."""
        stamp = at(now)
        payload = codec.command_data(command)
        deadline = next_deadline(state)
        snapshot_due = state.version - live.snapshot_version >= self.snapshot_every or state.phase is not latest.phase
        change = Change(
            snapshot=live.writer.snapshot(state) if snapshot_due else None,
            phase=state.phase.value,
            updated_at=stamp,
            expires_at=self._expiry(now),
            deadline_at=None if deadline is None else at(deadline),
            command=CommandRecord(game_id=live.id, seq=state.version, client_id=client_id, seat=seat,
                                  actor=actor, type=payload["type"], payload=payload, at=stamp),
            audit=(AuditRecord(game_id=live.id, at=stamp, actor=actor, action=payload["type"],
                               detail={"version": state.version, "client_id": client_id, **dict(detail or {})}),),
        )
        head = live.head
        ticket = self.repo.enqueue(live.id, latest.version, change, after=None if head is None else head.ticket)
        live.on_way.append(OnItsWay(state, tuple(events), ticket))
        live.client_ids[client_id] = state.version
        if snapshot_due:
            live.snapshot_version = state.version
        return ticket

    @staticmethod
    def _await(live: Live, ready: Callable[[], bool]) -> None:
        """Wait (holding ``live.shown``) until ``ready()``, at most :data:`SHOW_WAIT` seconds."""
        give_up = time.monotonic() + SHOW_WAIT
        while not ready() and time.monotonic() < give_up:
            live.shown.wait(0.25)

    def _shown(self, live: Live, version: int) -> bool:
        """Wait until ``version`` of this copy is committed and broadcast; False if it never will be."""
        with live.shown:
            self._await(live, lambda: live.version >= version or live.dropped)
            return live.version >= version

    def _drop(self, live: Live) -> None:
        """A commit of this copy failed: its later states are not stored; the next command loads the game again."""
        with self._cache_lock:
            if self._cache.get(live.id) is live:
                del self._cache[live.id]
        with live.shown:
            live.dropped = True
            # Only a change known not to be stored, and those queued after it, leave: one still on its way may
            # yet be stored, and its caller broadcasts it from here.
            failed = next((i for i, item in enumerate(live.on_way) if unstored(item.ticket)), None)
            while failed is not None and len(live.on_way) > failed:
                live.on_way.pop()
            live.shown.notify_all()

    def _settle(self, live: Live) -> bool:
        """Wait until every change of this copy on its way is committed and shown; False if one failed."""
        with live.shown:
            self._await(live, lambda: live.head is None or live.dropped)
            if live.head is None and not live.dropped:
                return True
            if not live.dropped:  # still on its way: nothing failed, nothing to drop
                raise Conflict("the game is busy; try again")
        return False

    def _show(self, live: Live, state: GameState, events: Sequence[Event]) -> None:
        """Make ``state``, committed on its own (a seat joining, nothing on its way), the one readers see; broadcast it."""
        with live.shown:
            if state.version > live.version:
                live.state, live.version = state, state.version
                self._publish(live, events)
            live.shown.notify_all()

    def _show_stored(self, live: Live, state: GameState) -> None:
        """Broadcast a stored change of ``on_way`` with every change of the game stored by now, in one update.

        Its own commit being stored means every change queued before it is too (a
        change queued after one that was not stored is refused unwritten). The changes
        stored after it, typically the rest of a round of votes that shared its
        transaction, go in the same broadcast: one view per seat, their events in
        order. The callers of those changes find them shown and only answer.
        """
        with live.shown:
            if state.version > live.version:
                on_way = live.on_way
                n = 0
                while n < len(on_way) and (on_way[n].state.version <= state.version or stored(on_way[n].ticket)):
                    n += 1
                if n:
                    going = [on_way[i] for i in range(n)]
                    # The state moves on before the changes leave on_way: ``latest`` never goes back.
                    live.state = going[-1].state
                    live.version = live.state.version
                    for _ in going:
                        on_way.popleft()
                    self._publish(live, [e for item in going for e in item.events])
            live.shown.notify_all()

    def _bots(self, game_id: str) -> None:
        """Let bot seats act until they wait for a human (each move committed and published in turn)."""
        for _ in range(MAX_BOT_STEPS):
            live = self.live(game_id)
            latest = live.latest
            if not any(s.bot for s in latest.seats):
                return
            now = self.clock()
            command = next_bot_command(latest, now)
            if command is None:
                return
            seat = getattr(command, "seat", None)
            name = latest.seats[seat].name if seat is not None else "bot"
            try:
                self._submit(game_id, _always(command), client_id=f"bot:{latest.version}",
                             actor=f"seat {seat} ({name}) bot", seat=seat, detail=None)
            except GameError as exc:
                log.warning("game %s: bot command refused (%s); bots stop", game_id, exc.code)
                return
            except Exception:  # the command that woke the bots is committed: its caller must not see this
                log.exception("game %s: bot command failed; bots stop", game_id)
                return

    def tick(self, game_id: str) -> Outcome | None:
        """Let the game's deadlines that have passed take effect."""
        try:
            live = self.live(game_id, fresh=True)
            outcome = self._submit(game_id, lambda _s, now: Tick(now=now), client_id=f"tick:{live.latest.version}",
                                   actor="clock", seat=None, detail=None)
            if outcome.applied:
                self._bots(game_id)
            return outcome
        except NotFound:
            return None

    def resends_due(self) -> list[str]:
        """Games whose broadcast failed and whose views are to be sent again now (the clock asks every pass)."""
        if not self._unsent:
            return []
        now = self.clock()
        return [game_id for game_id, (_, when) in list(self._unsent.items()) if when <= now]

    def resend(self, game_id: str) -> None:
        """After a failed broadcast, send every seat and spectator of the game the whole view of what is committed
        now, unless a broadcast went out since. Clients keep what they hold at that version: only the rooms the
        failure missed take it. Tried again later, each time waiting longer, while it keeps failing."""
        entry = self._unsent.get(game_id)
        if entry is None:
            return
        try:
            live = self.live(game_id, fresh=True)
        except NotFound:  # gone: nobody is left to tell
            self._unsent.pop(game_id, None)
            return
        with live.shown:  # in version order with the game's other broadcasts, and only what readers may see
            # A broadcast that went out since sent whole views (the failure forgot what was sent): nothing to do.
            # (Views are also let go at the end of a game; sending the final ones again costs little.)
            if live.last_public is None and not self._publish(live, ()):
                attempts = entry[0] + 1
                self._unsent[game_id] = (attempts, self.clock() + min(RESEND_WAIT_MAX, 2.0 ** attempts))
                return
            self._unsent.pop(game_id, None)

    def catch_up(self, game_id: str, stored: int) -> bool:
        """Another process that shares no message queue with this one committed the game (stored at version
        ``stored``): send this process's seats and spectators the whole view of it now, with the events since
        what they were sent. True if it did.

        Nothing here would tell them otherwise: that process broadcast only to its own sockets."""
        sent = self._sent.get(game_id)
        if sent is not None and stored <= sent.version:
            return False
        with self._cache_lock:
            cached = self._cache.get(game_id)
        if cached is not None and sent is not None and sent.version >= cached.version \
                and stored <= cached.latest.version:
            return False  # this process's own changes, broadcast once they are stored
        try:
            live = self.live(game_id, fresh=True)
        except NotFound:
            return False
        events = self._missed(sent, live)
        with live.shown:  # in version order with the game's other broadcasts
            now_sent = self._sent.get(game_id)
            if now_sent is not None and now_sent.version >= live.version:
                return False  # sent meanwhile
            live.forget_views()  # what its sockets hold may be older than any patch base: whole views
            self._publish(live, events if now_sent is sent else ())
        return True

    def _missed(self, sent: GameState | None, live: Live) -> Sequence[Event]:
        """The events from ``sent`` (what this process's sockets were sent) to ``live``: the commands logged between
        replayed on it (the engine is deterministic), so its players are told what happened and not only shown it."""
        if sent is None:
            return ()
        state = sent
        events: list[Event] = []
        for entry in self.repo.commands(live.id, after=state.version):
            if entry.seq > live.version:
                break
            try:
                state, happened = engine.apply(state, codec.command_from_data(entry.payload))
            except GameError:  # not the game that was sent: whole views alone
                return ()
            events.extend(happened)
        return events if state.version == live.version else ()

    def view(self, game_id: str, seat: int | None, *, fresh: bool = False) -> tuple[Live, GameState, dict[str, Any]]:
        """A seat's view (None: the public view) of the game now, with the state it shows.

        Answer from the state returned, not from ``live``: a change may be broadcast as soon as the lock is let go.
        """
        live = self.live(game_id, fresh=fresh)
        with live.shown:  # what has been committed and broadcast, never a change still on its way
            state = live.state
            # A socket may hold this view before anything is broadcast here: the events of a catch-up start from it.
            self._sent.setdefault(game_id, state)
            return live, state, live.views.view_for(state, seat)

    def actor(self, member: Member) -> str:
        """How the audit trail names a seat: as the facilitator while it facilitates (a take-over moves that)."""
        facilitating = self.live(member.game_id).state.settings.facilitator == member.seat
        return f"seat {member.seat} ({member.name}){' facilitator' if facilitating else ''}"

    def deny(self, member: Member, action: str, error: BaseException) -> None:
        """Put a refused action in the audit trail (who tried what)."""
        code = getattr(error, "code", type(error).__name__)
        self.repo.record([AuditRecord(game_id=member.game_id, at=at(self.clock()), actor=self.actor(member),
                                      action=f"denied:{action}", detail={"code": code})])

    def expire(self) -> list[str]:
        """Delete games and uploads past their time; returns the game ids deleted."""
        now = at(self.clock())
        gone = self.repo.expire(now)
        self.uploads.expire(now)
        for gid in gone:
            self.forget(gid)
            self._sent.pop(gid, None)
        return gone

    def due(self) -> list[str]:
        """Games whose next deadline has passed."""
        return self.repo.due(at(self.clock()))


__all__ = [
    "Games", "Live", "Member", "NewGame", "Outcome", "InvalidSetup", "next_deadline",
]
