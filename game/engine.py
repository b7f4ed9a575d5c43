"""The game engine: ``apply(state, command) -> (state, events)``, pure and replayable.

* :func:`new_game` seats the players around a :class:`~game.board.Board`.
* :func:`check` raises the typed error a command would meet, changing nothing.
* :func:`apply` checks, then returns the next state and the events; the
  state passed in is never modified.
* :func:`legal_moves` tells a seat what it may do now, and why a card is not
  playable.

No clock: every command carries the caller's ``now``, and deadlines that have
passed by then (the turn, open votes, the time boxes) take effect before the
command itself is checked. No global random: the shuffle and the bots draw
from :func:`rng_for`, a generator derived from the seed stored in the state
and the state's version, so the same seed and commands replay the same game.
See ``docs/engine.md`` for the rules as implemented.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from game import hand as hands_
from game import voting
from game.architecture import Architecture
from game.board import kind_of, shared_board
from game.cards import Card, Suit
from game.commands import (
    AddThreat,
    CastVote,
    CloseVote,
    Command,
    EndGame,
    EndPlay,
    FinishRating,
    JoinLate,
    HandOver,
    PassTurn,
    PlayCard,
    RateThreat,
    RemoveSeat,
    SeatCommand,
    SkipSeat,
    StartGame,
    TakeOver,
    Tick,
)
from game.deck import Deck
from game.delta import changes, relevant
from game.errors import (
    AlreadyFacilitator,
    AlreadyFinished,
    AlreadyVoted,
    CardNotFaceUp,
    CardNotInHand,
    DuplicateThreat,
    FacilitatorSeat,
    GameError,
    GameOver,
    InvalidCommand,
    InvalidSetup,
    MustFollowSuit,
    MustLeadStartCard,
    NameTaken,
    NotAVoter,
    NotFacilitator,
    NotYourTurn,
    SeatNotOnTurn,
    SeatRemoved,
    StaleState,
    TableFull,
    ThreatNotAccepted,
    UnknownCard,
    UnknownSeat,
    UnknownTarget,
    UnknownThreat,
    VoteClosed,
    WrongPhase,
)
from game.events import (
    CardPlayed,
    CardsDealt,
    Event,
    FacilitatorChanged,
    GameEnded,
    GameStarted,
    PlayEnded,
    RatingFinished,
    SeatJoined,
    SeatRemoved as SeatRemovedEvent,
    SeatSkipped,
    VoteCalled,
    ThreatAccepted,
    ThreatJudged,
    ThreatRated,
    ThreatRejected,
    TrickPassed,
    TrickWon,
    TurnPassed,
    TurnStarted,
    VoteCast,
    VoteOpened,
)
from game.predicates import Subject, Truth, Verdict
from game.scoring import award_threat, award_trick, scoreboard
from game.state import (MAX_HUMANS, MAX_MISSED, MAX_NAME, MAX_SEATS, GameState, Missed, Phase, Seat, SeatSpec,
                        Settings, evolve)
from game.threats import MAX_TEXT, JudgedBy, Threat, ThreatSource, ThreatStatus, normalise, threat_id
from game.trick import Play, Trick, winning_play
from game.voting import Rating, Vote

# Enum members are looked up on every command; on Python 3.11 a class attribute
# lookup of a member costs ten times a module global, so the hot ones are bound once.
_SETUP = Phase.SETUP
_PLAY = Phase.PLAY
_RATING = Phase.RATING
_ENDED = Phase.ENDED
_VOTING = ThreatStatus.VOTING
_ACCEPTED = ThreatStatus.ACCEPTED
_REJECTED = ThreatStatus.REJECTED
_HOLDS = Truth.HOLDS
_DOES_NOT_HOLD = Truth.DOES_NOT_HOLD
_UNKNOWN = Truth.UNKNOWN


# Every value the engine copies is a plain frozen dataclass without __post_init__.
replace = evolve

MAX_SEED = 2**63 - 1
"""Largest seed accepted (seeds are stored in JSON)."""


# --- setting up ----------------------------------------------------------------


def new_game(
    settings: Settings,
    architecture: Architecture,
    deck: Deck,
    seed: int,
    *,
    baseline: Architecture | None = None,
) -> GameState:
    """A game seated and ready for :class:`~game.commands.StartGame`.

    With ``baseline`` (the architecture of the previous session), only the
    cards that fit a component or flow changed since then are in play (see
    :mod:`game.delta`). Raises :class:`~game.errors.InvalidSetup`.
    """
    _check_settings(settings)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise InvalidSetup(f"the seed must be a whole number from 0 to {MAX_SEED}")
    focus: frozenset[str] = frozenset()
    if baseline is not None:
        changed = changes(baseline, architecture)
        if not changed:
            raise InvalidSetup("nothing changed since the baseline architecture, so a delta game has no cards")
        deck = relevant(deck, architecture, changed)
        focus = changed.ids
    if len(deck) < len(settings.seats):
        what = "the changes touch" if baseline is not None else "the deck has"
        raise InvalidSetup(f"{what} only {len(deck)} cards for {len(settings.seats)} seats")
    seats = tuple(Seat(i, spec.name, spec.bot) for i, spec in enumerate(settings.seats))
    return GameState(
        settings=settings,
        board=shared_board(architecture, deck, focus),
        seed=seed,
        seats=seats,
        hands=tuple(() for _ in seats),
    )


def _check_settings(settings: Settings) -> None:
    seats = settings.seats
    if not 1 <= len(seats) <= MAX_SEATS:
        raise InvalidSetup(f"a game has 1 to {MAX_SEATS} seats, not {len(seats)}")
    humans = sum(1 for s in seats if not s.bot)
    if humans > MAX_HUMANS:
        raise InvalidSetup(f"a game has at most {MAX_HUMANS} human seats, not {humans}")
    names: set[str] = set()
    for s in seats:
        name = s.name.strip()
        if not name or len(s.name) > MAX_NAME:
            raise InvalidSetup(f"seat names have 1 to {MAX_NAME} characters: {s.name!r}")
        if name.casefold() in names:
            raise InvalidSetup(f"two seats are called {name!r}")
        names.add(name.casefold())
    if not 0 <= settings.facilitator < len(seats):
        raise InvalidSetup(f"the facilitator must be one of the seats 0 to {len(seats) - 1}")
    for field in ("play_seconds", "rating_seconds", "turn_seconds", "vote_seconds"):
        value = getattr(settings, field)
        if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise InvalidSetup(f"{field} must be a positive number of seconds, or None for no limit")


def rng_for(state: GameState, salt: str) -> random.Random:
    """A generator for one decision, derived from the game's seed and version.

    Nothing keeps a live generator between commands, so any state can be
    replayed from its log: the same (seed, version, salt) always draws the
    same numbers. String seeds are hashed with SHA-512 by :mod:`random`, so
    this does not depend on ``PYTHONHASHSEED``.
    """
    return random.Random(f"{state.seed}:{state.version}:{salt}")


def roll(state: GameState, salt: str) -> int:
    """A 64-bit number for one decision, derived like :func:`rng_for` but much cheaper.

    Seeding a :class:`random.Random` costs more than a whole bot decision; a
    keyed hash of (seed, version, salt) is enough to pick a vote or a rating.
    """
    digest = hashlib.blake2b(f"{state.seed}:{state.version}:{salt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


# --- the public entry points ---------------------------------------------------


def check(state: GameState, command: Command) -> None:
    """Raise the :class:`~game.errors.GameError` that ``apply`` would raise; return None if it is allowed."""
    now = _now(state, command)
    _check_over(state)
    current, _ = _expire(state, now)
    _check(current, command)


def apply(state: GameState, command: Command) -> tuple[GameState, list[Event]]:
    """Check the command, then return the next state and what happened.

    Deadlines passed by ``command.now`` take effect first, in the same step.
    A :class:`~game.commands.Tick` that finds nothing due returns ``state``
    itself and no events (same version: the server need not store it).
    """
    now = _now(state, command)
    _check_over(state)
    current, events = _expire(state, now)
    _check(current, command)
    handler = _HANDLERS[type(command)]
    after = handler(current, command, now, events)
    if after is state:
        return state, events
    if isinstance(command, SeatCommand) and after.seats[command.seat].missed:
        # The seat acts again: it is back, and has been told (its view showed what it missed until now).
        after = _with_seat(after, replace(after.seats[command.seat], missed=()))
    return replace(after, version=state.version + 1, clock=now), events


def advance(state: GameState, now: float) -> GameState:
    """The game as it stands at ``now``, once the deadlines passed by then have taken effect.

    For deciding what to do (bots, a view with fresh clocks), not for storing:
    nothing is recorded and the version does not change. Send a
    :class:`~game.commands.Tick` to make it so.
    """
    if state.phase is _ENDED or now <= state.clock:
        return state
    if not math.isfinite(now):
        raise InvalidCommand("now must be a finite number of seconds")
    return _expire(state, now)[0]


def _now(state: GameState, command: Command) -> float:
    now = command.now
    if isinstance(now, bool) or not isinstance(now, (int, float)) or not math.isfinite(now):
        raise InvalidCommand("now must be a finite number of seconds")
    # A clock that steps back (a server restart) never rewinds the game.
    return max(float(now), state.clock)


# --- checks ----------------------------------------------------------------------


def _check_over(state: GameState) -> None:
    if state.phase is _ENDED:
        raise GameOver("the game has ended")


def _check(state: GameState, command: Command) -> None:
    # A tick may end the game by letting the rating time box pass; anything else arriving then is too late.
    if state.phase is _ENDED and type(command) is not Tick:
        raise GameOver("the game has ended")
    expected = command.expected_version
    if expected is not None and expected != state.version:
        raise StaleState(f"the game is at version {state.version}, not {expected}; refresh and try again")
    checker = _CHECKS.get(type(command))
    if checker is None:
        raise InvalidCommand(f"unknown command {type(command).__name__}")
    if isinstance(command, SeatCommand):
        _check_seat(state, command.seat)
    checker(state, command)


def _check_seat(state: GameState, seat: object, what: str = "seat") -> None:
    if isinstance(seat, bool) or not isinstance(seat, int):
        raise InvalidCommand(f"{what} must be a seat number")
    if not 0 <= seat < len(state.seats):
        raise UnknownSeat(f"there is no seat {seat}")
    if not state.seats[seat].present:
        raise SeatRemoved(f"{state.seats[seat].name} has been removed from the game")


def _phase(state: GameState, *phases: Phase) -> None:
    if state.phase not in phases:
        wanted = " or ".join(p.value for p in phases)
        raise WrongPhase(f"that can only be done during {wanted}; the game is in {state.phase.value}")


def _facilitator(state: GameState, seat: int) -> None:
    if seat != state.settings.facilitator:
        raise NotFacilitator(f"only the facilitator ({state.seats[state.settings.facilitator].name}) can do that")


def _text(text: object, default: str | None) -> str:
    if text is None or (isinstance(text, str) and not text.strip()):
        if default is None:
            raise InvalidCommand("a threat without a card needs a text")
        return default
    if not isinstance(text, str):
        raise InvalidCommand("the threat text must be text")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise InvalidCommand(f"a threat has at most {MAX_TEXT} characters, not {len(text)}")
    return text


def _card(state: GameState, card_id: object) -> Card:
    if not isinstance(card_id, str):
        raise InvalidCommand("card_id must be a card id")
    card = state.board.cards.get(card_id)
    if card is None:
        raise UnknownCard(f"no card in this game is called {card_id!r}")
    return card


def _target(state: GameState, target: object, card: Card | None) -> Subject:
    if not isinstance(target, str):
        raise InvalidCommand("target must be a component or flow id")
    found = state.board.resolve(target, card)
    if found is None:
        raise UnknownTarget(f"{state.board.architecture.name} has no component or flow {target!r}")
    return found[0]


def _check_start(state: GameState, c: StartGame) -> None:
    _facilitator(state, c.seat)
    _phase(state, _SETUP)


# The next three build errors that legal_moves also reports without raising them.


def _not_your_turn(state: GameState) -> NotYourTurn:
    whose = "nobody's" if state.turn is None else f"{state.seats[state.turn].name}'s"
    return NotYourTurn(f"it is {whose} turn")


def _must_lead(state: GameState, must_lead: str) -> MustLeadStartCard:
    start = state.card(must_lead)
    # By title: the card's face shows its rank, suit and title, never its id.
    return MustLeadStartCard(f"the game opens with the lowest {start.suit.category} card: lead {start.title} ({start.id})")


def _must_follow(led: Suit) -> MustFollowSuit:
    return MustFollowSuit(f"{led.category} was led and you hold {led.category}: follow suit")


def _check_on_turn(state: GameState, seat: int) -> None:
    _phase(state, _PLAY)
    if state.turn != seat:
        raise _not_your_turn(state)


def _check_play(state: GameState, c: PlayCard) -> None:
    _check_on_turn(state, c.seat)
    card = _card(state, c.card_id)
    hand = state.hands[c.seat]
    if card.id not in hand:
        raise CardNotInHand(f"{card.id} is not in your hand")
    if state.must_lead is not None and card.id != state.must_lead:
        raise _must_lead(state, state.must_lead)
    trick = state.trick
    led = trick.led if trick is not None else None
    if led is not None and card.suit is not led and hands_.holds_suit(hand, led, state.board.cards):
        raise _must_follow(led)
    _text(c.text, card.question)
    if c.target is not None:
        _target(state, c.target, card)


def _check_pass(state: GameState, c: PassTurn) -> None:
    _check_on_turn(state, c.seat)


def _note(state: GameState, c: AddThreat) -> tuple[Card | None, Suit, str, Subject]:
    """Validate a sticky note; return (card, suit, text, subject)."""
    if c.suit is not None and not isinstance(c.suit, Suit):
        raise InvalidCommand("suit must be a STRIDE suit")
    if c.card_id is None:
        if c.suit is None:
            raise InvalidCommand("a threat without a card needs a STRIDE suit")
        text = _text(c.text, None)
        card = None
        suit = c.suit
    else:
        card = _card(state, c.card_id)
        if c.suit is not None and c.suit is not card.suit:
            raise InvalidCommand(f"{card.id} is {card.suit.category}, not {c.suit.category}")
        text = _text(c.text, card.question)
        suit = card.suit
    _phase(state, _PLAY)
    if card is not None and card.id not in state.face_up():
        raise CardNotFaceUp(f"a note can only cite a card that has been played; {card.id} has not")
    subject = _target(state, c.target, card)
    key: tuple[str, ...]
    kind = kind_of(subject)
    if card is not None:
        key = ("card", card.id, kind.value, subject.id)
    else:
        key = ("note", suit.value, kind.value, subject.id, normalise(text))
    for t in state.threats:
        if t.status is not _REJECTED and t.key() == key:
            raise DuplicateThreat(f"{t.id} already says that ({t.status.value})")
    return card, suit, text, subject


def _check_note(state: GameState, c: AddThreat) -> None:
    _note(state, c)


def _find_threat(state: GameState, threat_id_: object) -> Threat:
    if not isinstance(threat_id_, str):
        raise InvalidCommand("threat_id must be a threat id such as T3")
    t = state.threat(threat_id_)
    if t is None:
        raise UnknownThreat(f"there is no threat {threat_id_!r}")
    return t


def _check_vote(state: GameState, c: CastVote) -> None:
    if not isinstance(c.accept, bool):
        raise InvalidCommand("accept must be true or false")
    t = _find_threat(state, c.threat_id)
    if t.status is not _VOTING:
        raise VoteClosed(f"{t.id} is not open for a vote ({t.status.value})")
    if c.seat == t.found_by:
        raise NotAVoter(f"you proposed {t.id}; the other players judge it")
    if any(v.seat == c.seat for v in t.votes):
        raise AlreadyVoted(f"you have already voted on {t.id}")


def _check_close_vote(state: GameState, c: CloseVote) -> None:
    _facilitator(state, c.seat)
    _phase(state, _PLAY)
    t = _find_threat(state, c.threat_id)
    if t.status is not _VOTING:
        raise VoteClosed(f"{t.id} is not open for a vote ({t.status.value})")


def _check_tick(state: GameState, c: Tick) -> None:
    """A tick is always allowed (except after the end); it only lets time pass."""


def _check_skip(state: GameState, c: SkipSeat) -> None:
    _facilitator(state, c.seat)
    _phase(state, _PLAY)
    _check_seat(state, c.target_seat, "target_seat")
    if state.turn != c.target_seat:
        raise SeatNotOnTurn(f"{state.seats[c.target_seat].name} is not on turn")


def _check_remove(state: GameState, c: RemoveSeat) -> None:
    _facilitator(state, c.seat)
    _check_seat(state, c.target_seat, "target_seat")
    if c.target_seat == state.settings.facilitator:
        raise FacilitatorSeat("the facilitator's seat stays, so someone can always end the game")


def _check_end_play(state: GameState, c: EndPlay) -> None:
    _facilitator(state, c.seat)
    _phase(state, _PLAY)


def _check_rate(state: GameState, c: RateThreat) -> None:
    for name in ("likelihood", "impact"):
        value = getattr(c, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidCommand(f"{name} is a whole number from 1 to 5")
    _phase(state, _RATING)
    t = _find_threat(state, c.threat_id)
    if t.status is not _ACCEPTED:
        raise ThreatNotAccepted(f"{t.id} was {t.status.value}; only accepted threats are rated")
    if state.seats[c.seat].finished:
        raise AlreadyFinished("you have already finished rating")


def _check_finish(state: GameState, c: FinishRating) -> None:
    _phase(state, _RATING)
    if state.seats[c.seat].finished:
        raise AlreadyFinished("you have already finished rating")


def _check_end_game(state: GameState, c: EndGame) -> None:
    _facilitator(state, c.seat)
    _phase(state, _PLAY, _RATING)


def _may_facilitate(state: GameState, seat: int) -> None:
    """What a take-over and a hand-over both ask of the new facilitator (present is checked with the seat)."""
    if state.seats[seat].bot:
        raise InvalidCommand("a bot cannot facilitate")


def _check_take_over(state: GameState, c: TakeOver) -> None:
    if c.seat == state.settings.facilitator:
        raise AlreadyFacilitator("you are already the facilitator")
    _may_facilitate(state, c.seat)


def _check_hand_over(state: GameState, c: HandOver) -> None:
    _facilitator(state, c.seat)
    _check_seat(state, c.target_seat, "target_seat")
    if c.target_seat == c.seat:
        raise AlreadyFacilitator("you are already the facilitator; choose another player")
    _may_facilitate(state, c.target_seat)


def _late_name(state: GameState, c: JoinLate) -> str:
    """The late joiner's name, checked; raises what JoinLate is refused for."""
    if not isinstance(c.name, str):
        raise InvalidCommand("name must be text")
    name = c.name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidCommand(f"a name has 1 to {MAX_NAME} characters")
    # Only during play: before it the facilitator's setup seats everyone, and once play ends there is
    # nothing left to deal, only threats others found to rate.
    _phase(state, _PLAY)
    # Every seat ever taken counts towards MAX_SEATS (seats are never reused), only those still in the game
    # towards MAX_HUMANS (the team at the table): so a player whose seat was removed may come back.
    if len(state.seats) >= MAX_SEATS:
        raise TableFull(f"the table has all {MAX_SEATS} seats")
    if sum(1 for s in state.seats if not s.bot and s.present) >= MAX_HUMANS:
        raise TableFull(f"the table has all {MAX_HUMANS} human seats")
    # A removed seat keeps its name on the scoreboard and the final list, but not for itself: its player may come
    # back under it, in a new seat. Two seats still in the game never share one.
    folded = name.casefold()
    taken = next((s.name for s in state.seats if s.present and s.name.strip().casefold() == folded), None)
    if taken is not None:
        raise NameTaken(f"someone at this table is already called {taken}")
    return name


def _check_join_late(state: GameState, c: JoinLate) -> None:
    _late_name(state, c)


# Each entry takes its own command type; Any lets one table hold them all.
_CHECKS: dict[type[Command], Callable[[GameState, Any], None]] = {
    StartGame: _check_start,
    PlayCard: _check_play,
    PassTurn: _check_pass,
    AddThreat: _check_note,
    CastVote: _check_vote,
    CloseVote: _check_close_vote,
    Tick: _check_tick,
    SkipSeat: _check_skip,
    RemoveSeat: _check_remove,
    EndPlay: _check_end_play,
    RateThreat: _check_rate,
    FinishRating: _check_finish,
    EndGame: _check_end_game,
    TakeOver: _check_take_over,
    JoinLate: _check_join_late,
    HandOver: _check_hand_over,
}


# --- transitions -------------------------------------------------------------------
# Each takes a state that passed _check and the events list to append to.


def _deadline(now: float, seconds: float | None) -> float | None:
    return None if seconds is None else now + seconds


def _with_seat(state: GameState, seat: Seat) -> GameState:
    seats = state.seats
    return replace(state, seats=seats[: seat.id] + (seat,) + seats[seat.id + 1 :])


def _with_threat(state: GameState, threat: Threat) -> GameState:
    n = int(threat.id[1:]) - 1
    threats = state.threats
    return replace(state, threats=threats[:n] + (threat,) + threats[n + 1 :])


def _with_hand(state: GameState, seat: int, hand: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    h = state.hands
    return h[:seat] + (hand,) + h[seat + 1 :]


def _start(state: GameState, c: StartGame, now: float, ev: list[Event]) -> GameState:
    present = tuple(state.present())
    cards = state.board.cards
    hands, rest = hands_.deal([card.id for card in state.board.deck.cards], present, len(state.seats), rng_for(state, "deal"), cards)
    opening = hands_.opening_lead(hands, state.settings.start_suit, cards)
    assert opening is not None  # every present seat holds at least one card
    leader, card_id = opening
    s = state.settings
    state = replace(
        state,
        phase=_PLAY,
        hands=hands,
        set_aside=rest,
        trick=Trick(1, leader),
        turn=leader,
        must_lead=card_id,
        play_deadline=_deadline(now, s.play_seconds),
        turn_deadline=_deadline(now, s.turn_seconds),
    )
    ev.append(
        GameStarted(
            seats=tuple(x.name for x in state.seats),
            facilitator=s.facilitator,
            start_suit=s.start_suit,
            deck=state.board.deck.name,
            play_deadline=state.play_deadline,
        )
    )
    ev.append(CardsDealt(hand_sizes=tuple(len(h) for h in hands)))
    ev.append(TurnStarted(seat=leader, trick=1, deadline=state.turn_deadline))
    return state


def _play(state: GameState, c: PlayCard, now: float, ev: list[Event]) -> GameState:
    card = state.board.cards[c.card_id]
    trick = state.trick
    assert trick is not None
    trick = replace(trick, plays=trick.plays + (Play(c.seat, card.id),), led=trick.led or card.suit)
    hand = tuple(i for i in state.hands[c.seat] if i != card.id)
    state = replace(state, hands=_with_hand(state, c.seat, hand), trick=trick, must_lead=None)
    ev.append(CardPlayed(seat=c.seat, card_id=card.id, trick=trick.number))
    if c.target is not None:
        subject = _target(state, c.target, card)
        text = _text(c.text, card.question)
        state = _propose(state, c.seat, card, card.suit, subject, text, ThreatSource.PLAY, trick.number, now, ev)
    return _next_turn(state, now, ev)


def _pass_turn(state: GameState, c: PassTurn, now: float, ev: list[Event]) -> GameState:
    return _pass(state, c.seat, "pass", now, ev)


def _pass(state: GameState, seat: int, reason: str, now: float, ev: list[Event]) -> GameState:
    trick = state.trick
    assert trick is not None
    state = replace(state, trick=replace(trick, passed=trick.passed + (seat,)), must_lead=None)
    ev.append(TurnPassed(seat=seat, trick=trick.number, reason=reason))
    if reason == "timeout" or reason == "skipped":
        state = _with_seat(state, _missing(state.seats[seat], Missed("turn", trick=trick.number, reason=reason)))
    return _next_turn(state, now, ev)


def _missing(seat: Seat, what: Missed) -> Seat:
    """``seat`` with ``what`` added to what it missed (the latest MAX_MISSED kept); a bot misses nothing."""
    if seat.bot:  # nobody reads a bot's notices: they would only grow every snapshot
        return seat
    return replace(seat, missed=(seat.missed + (what,))[-MAX_MISSED:])


def _active(state: GameState, seat: int) -> bool:
    """Whether a seat still takes turns: present and holding cards."""
    return state.seats[seat].present and bool(state.hands[seat])


def _after(state: GameState, seat: int, trick: Trick | None) -> int | None:
    """The next seat clockwise after ``seat`` that is active and has not acted in ``trick``."""
    seats, hands = state.seats, state.hands
    acted = set(trick.passed).union(p.seat for p in trick.plays) if trick is not None else ()
    n = len(seats)
    for k in range(1, n + 1):
        s = (seat + k) % n
        if hands[s] and seats[s].present and s not in acted:
            return s
    return None


def _next_turn(state: GameState, now: float, ev: list[Event]) -> GameState:
    """After the seat on turn acted (or left): the next seat's turn, or the end of the trick."""
    trick = state.trick
    assert trick is not None and state.turn is not None
    nxt = _after(state, state.turn, trick)
    if nxt is not None:
        deadline = _deadline(now, state.settings.turn_seconds)
        ev.append(TurnStarted(seat=nxt, trick=trick.number, deadline=deadline))
        return replace(state, turn=nxt, turn_deadline=deadline)
    return _finish_trick(state, now, ev)


def _finish_trick(state: GameState, now: float, ev: list[Event]) -> GameState:
    trick = state.trick
    assert trick is not None
    if trick.plays:
        win = winning_play(trick.plays, state.board.cards)
        trick = replace(trick, winner=win.seat)
        state = _with_seat(state, award_trick(state.seats[win.seat]))
        ev.append(TrickWon(trick=trick.number, seat=win.seat, card_id=win.card_id))
        leader = win.seat if _active(state, win.seat) else _after(state, win.seat, None)
    else:
        ev.append(TrickPassed(trick=trick.number))
        # Nobody played: the lead moves on, so an absent leader cannot stall the game.
        leader = _after(state, trick.leader, None)
    state = replace(state, tricks=state.tricks + (trick,), trick=None, turn=None, turn_deadline=None)
    if leader is None:
        return _end_play(state, now, "tricks", ev)
    deadline = _deadline(now, state.settings.turn_seconds)
    ev.append(TurnStarted(seat=leader, trick=trick.number + 1, deadline=deadline))
    return replace(state, trick=Trick(trick.number + 1, leader), turn=leader, turn_deadline=deadline)


def _propose(
    state: GameState,
    seat: int,
    card: Card | None,
    suit: Suit,
    subject: Subject,
    text: str,
    source: ThreatSource,
    trick: int | None,
    now: float,
    ev: list[Event],
) -> GameState:
    tid = threat_id(len(state.threats) + 1)
    if card is not None:
        verdict = state.board.judge(card, subject)
    else:
        verdict = _FREE_NOTE
    truth = verdict.truth
    kind = kind_of(subject)
    card_id = None if card is None else card.id
    ev.append(
        ThreatJudged(
            threat_id=tid,
            seat=seat,
            suit=suit,
            card_id=card_id,
            target=subject.id,
            target_kind=kind,
            text=text,
            truth=truth,
            reason=verdict.reason,
            source=source,
        )
    )
    if truth is _HOLDS:
        status, judged_by, deadline = _ACCEPTED, JudgedBy.RULE, None
    elif truth is _DOES_NOT_HOLD:
        status, judged_by, deadline = _REJECTED, JudgedBy.RULE, None
    else:
        status, judged_by, deadline = _VOTING, None, _deadline(now, state.settings.vote_seconds)
    threat = Threat(
        id=tid,
        found_by=seat,
        suit=suit,
        card_id=card_id,
        target=subject.id,
        target_kind=kind,
        text=text,
        truth=truth,
        reason=verdict.reason,
        status=status,
        source=source,
        trick=trick,
        judged_by=judged_by,
        vote_deadline=deadline,
        gaps=verdict.gaps,
    )
    if status is _ACCEPTED:
        ev.append(ThreatAccepted(threat_id=tid, seat=seat, judged_by=JudgedBy.RULE))
        seats = state.seats
        seats = seats[:seat] + (award_threat(seats[seat]),) + seats[seat + 1 :]
        return replace(state, threats=state.threats + (threat,), seats=seats)
    if status is _REJECTED:
        state = replace(state, threats=state.threats + (threat,))
        ev.append(ThreatRejected(threat_id=tid, judged_by=JudgedBy.RULE, reason=verdict.reason))
        return state
    state = replace(state, threats=state.threats + (threat,), open_votes=state.open_votes + 1)
    electorate = voting.electorate(state.present(), seat)
    ev.append(VoteOpened(threat_id=tid, electorate=electorate, deadline=deadline))
    if not electorate:
        return _settle(state, threat, True, ev)
    return state


_FREE_NOTE = Verdict(Truth.UNKNOWN, "a free threat: the other players judge it")


def _settle(state: GameState, threat: Threat, accepted: bool, ev: list[Event]) -> GameState:
    """Close a vote: accepted scores the finder a point."""
    # Kept on the threat: its ballots still hold those of seats removed before now, which did not count.
    voters = voting.electorate(state.present(), threat.found_by)
    counted = voting.tally(threat.votes, set(voters))
    yes, no = counted.yes, counted.no
    n = int(threat.id[1:]) - 1
    decided = replace(threat, status=_ACCEPTED if accepted else _REJECTED, judged_by=JudgedBy.VOTE, tally=counted)
    threats = state.threats[:n] + (decided,) + state.threats[n + 1 :]
    seats = state.seats
    if len(yes) + len(no) < len(voters):
        cast = set(yes) | set(no)
        missed = Missed("vote", threat=threat.id)
        seats = tuple(_missing(s, missed) if s.id in voters and s.id not in cast else s for s in seats)
    f = threat.found_by
    if seats[f].present:
        # The finder never votes on its own threat, so every vote on it is settled without it; apply() empties
        # this at once when the finder's own command settled it (CloseVote, or its command that found it).
        seats = seats[:f] + (_missing(seats[f], Missed("verdict", threat=threat.id)),) + seats[f + 1 :]
    if accepted:
        seats = seats[:f] + (award_threat(seats[f]),) + seats[f + 1 :]
        ev.append(ThreatAccepted(threat_id=threat.id, seat=f, judged_by=JudgedBy.VOTE, yes=yes, no=no))
    else:
        reason = f"the vote went {len(yes)} yes to {len(no)} no"
        ev.append(ThreatRejected(threat_id=threat.id, judged_by=JudgedBy.VOTE, reason=reason, yes=yes, no=no))
    return replace(state, threats=threats, seats=seats, open_votes=state.open_votes - 1)


def _resolve_votes(state: GameState, now: float, ev: list[Event], *, closing: bool) -> GameState:
    """Settle every open vote that is decided, past its deadline, or (``closing``) still open at the end of play."""
    if not state.open_votes:
        return state
    present = tuple(state.present())
    for t in state.threats:
        if t.status is not _VOTING:
            continue
        electorate = voting.electorate(present, t.found_by)
        if closing or (t.vote_deadline is not None and now >= t.vote_deadline):
            outcome: bool | None = voting.close(t.votes, electorate)
        else:
            outcome = voting.decide(t.votes, electorate)
        if outcome is not None:
            state = _settle(state, t, outcome, ev)
    return state


def _note_threat(state: GameState, c: AddThreat, now: float, ev: list[Event]) -> GameState:
    card, suit, text, subject = _note(state, c)
    return _propose(state, c.seat, card, suit, subject, text, ThreatSource.NOTE, None, now, ev)


def _vote(state: GameState, c: CastVote, now: float, ev: list[Event]) -> GameState:
    t = state.threat(c.threat_id)
    assert t is not None
    t = replace(t, votes=t.votes + (Vote(c.seat, c.accept),))
    state = _with_threat(state, t)
    ev.append(VoteCast(threat_id=t.id, seat=c.seat))
    outcome = voting.decide(t.votes, voting.electorate(state.present(), t.found_by))
    if outcome is not None:
        state = _settle(state, t, outcome, ev)
    return state


def _close_vote(state: GameState, c: CloseVote, now: float, ev: list[Event]) -> GameState:
    t = state.threat(c.threat_id)
    assert t is not None
    ev.append(VoteCalled(threat_id=t.id, by=c.seat))
    # As when its time is up: the ballots cast decide (voting.close), whoever has not voted.
    return _settle(state, t, voting.close(t.votes, voting.electorate(state.present(), t.found_by)), ev)


def _tick(state: GameState, c: Tick, now: float, ev: list[Event]) -> GameState:
    return state


def _skip(state: GameState, c: SkipSeat, now: float, ev: list[Event]) -> GameState:
    ev.append(SeatSkipped(seat=c.target_seat, by=c.seat))
    return _pass(state, c.target_seat, "skipped", now, ev)


def _remove(state: GameState, c: RemoveSeat, now: float, ev: list[Event]) -> GameState:
    seat = c.target_seat
    held = state.hands[seat]
    state = _with_seat(state, replace(state.seats[seat], present=False))
    state = replace(
        state,
        hands=_with_hand(state, seat, ()),
        set_aside=hands_.sort_hand(state.set_aside + held, state.board.cards),
        must_lead=None if state.must_lead in held else state.must_lead,
    )
    ev.append(SeatRemovedEvent(seat=seat, by=c.seat, cards_set_aside=len(held)))
    if state.phase is _PLAY:
        # Fewer voters may decide an open vote now.
        state = _resolve_votes(state, now, ev, closing=False)
        if state.turn == seat:
            return _pass(state, seat, "removed", now, ev)
    elif state.phase is _RATING:
        return _maybe_end_rating(state, now, ev)
    return state


def _join_late(state: GameState, c: JoinLate, now: float, ev: list[Event]) -> GameState:
    name = _late_name(state, c)
    seat = len(state.seats)
    donors = [s.id for s in state.seats if _active(state, s.id)]
    hand, hands, set_aside = hands_.deal_late(
        state.hands, donors, state.set_aside, rng_for(state, "join"), state.board.cards, state.must_lead
    )
    trick = state.trick
    assert trick is not None  # play always has a trick in progress
    settings = state.settings
    state = replace(
        state,
        settings=replace(settings, seats=settings.seats + (SeatSpec(name),)),
        seats=state.seats + (Seat(seat, name),),
        hands=hands + (hand,),
        set_aside=set_aside,
        # Its place is after the last seat, which the trick in progress may already have gone past: so that one
        # rule holds whenever it arrives, it sits this trick out and takes its turns from the next one.
        trick=replace(trick, passed=trick.passed + (seat,), joined=trick.joined + (seat,)),
    )
    ev.append(SeatJoined(seat=seat, name=name, hand_sizes=tuple(len(h) for h in state.hands)))
    # Open votes need no settling: one more voter can only put a majority further off.
    return state


def _end_play(state: GameState, now: float, reason: str, ev: list[Event]) -> GameState:
    state = _resolve_votes(state, now, ev, closing=True)
    tricks = state.tricks
    if state.trick is not None and state.trick.plays:
        # An unfinished trick is nobody's; its cards stay with it, face up.
        tricks += (state.trick,)
    deadline = _deadline(now, state.settings.rating_seconds)
    state = replace(
        state,
        phase=_RATING,
        tricks=tricks,
        trick=None,
        turn=None,
        must_lead=None,
        turn_deadline=None,
        play_deadline=None,
        rating_deadline=deadline,
        end_reason=reason,
        to_rate=tuple(t.id for t in state.threats if t.status is _ACCEPTED),
    )
    ev.append(PlayEnded(reason=reason, rating_deadline=deadline))
    return _maybe_end_rating(state, now, ev)


def _end_play_cmd(state: GameState, c: EndPlay, now: float, ev: list[Event]) -> GameState:
    return _end_play(state, now, "facilitator", ev)


def _rate(state: GameState, c: RateThreat, now: float, ev: list[Event]) -> GameState:
    t = state.threat(c.threat_id)
    assert t is not None
    rating = Rating(c.seat, c.likelihood, c.impact)
    ratings = t.ratings
    n = next((i for i, r in enumerate(ratings) if r.seat == c.seat), None)
    seats = state.seats
    if n is None:
        ratings += (rating,)
        seat = seats[c.seat]
        seats = seats[: c.seat] + (replace(seat, rated=seat.rated + 1),) + seats[c.seat + 1 :]
    else:
        ratings = ratings[:n] + (rating,) + ratings[n + 1 :]
    k = int(t.id[1:]) - 1
    threats = state.threats
    # One copy of the state per rating: this is the commonest command of a game.
    state = replace(state, threats=threats[:k] + (replace(t, ratings=ratings),) + threats[k + 1 :], seats=seats)
    ev.append(ThreatRated(threat_id=t.id, seat=c.seat))
    return _maybe_end_rating(state, now, ev)


def _finish(state: GameState, c: FinishRating, now: float, ev: list[Event]) -> GameState:
    state = _with_seat(state, replace(state.seats[c.seat], finished=True))
    ev.append(RatingFinished(seat=c.seat))
    return _maybe_end_rating(state, now, ev)


def _maybe_end_rating(state: GameState, now: float, ev: list[Event]) -> GameState:
    """End the game once every present seat has finished or rated every accepted threat."""
    quota = len(state.to_rate)
    if all(s.finished or s.rated >= quota or not s.present for s in state.seats):
        return _end_game(state, now, "rated", ev)
    return state


def _end_game(state: GameState, now: float, reason: str, ev: list[Event]) -> GameState:
    state = replace(state, phase=_ENDED, rating_deadline=None, end_reason=reason)
    ev.append(GameEnded(reason=reason, scoreboard=scoreboard(state)))
    return state


def _end_game_cmd(state: GameState, c: EndGame, now: float, ev: list[Event]) -> GameState:
    if state.phase is _PLAY:
        state = _end_play(state, now, "facilitator", ev)
    if state.phase is _RATING:
        state = _end_game(state, now, "facilitator", ev)
    return state


def _facilitate(state: GameState, seat: int, reason: str, ev: list[Event]) -> GameState:
    ev.append(FacilitatorChanged(seat=seat, previous=state.settings.facilitator, reason=reason))
    return replace(state, settings=replace(state.settings, facilitator=seat))


def _take_over(state: GameState, c: TakeOver, now: float, ev: list[Event]) -> GameState:
    return _facilitate(state, c.seat, "take_over", ev)


def _hand_over(state: GameState, c: HandOver, now: float, ev: list[Event]) -> GameState:
    return _facilitate(state, c.target_seat, "hand_over", ev)


def _expire(state: GameState, now: float) -> tuple[GameState, list[Event]]:
    """Let every deadline passed by ``now`` take effect: the time boxes, open votes, the turn."""
    ev: list[Event] = []
    if state.phase is _PLAY:
        if state.play_deadline is not None and now >= state.play_deadline:
            return _end_play(state, now, "time", ev), ev
        if state.open_votes and any(
            t.status is _VOTING and t.vote_deadline is not None and now >= t.vote_deadline for t in state.threats
        ):
            state = _resolve_votes(state, now, ev, closing=False)
        if state.turn is not None and state.turn_deadline is not None and now >= state.turn_deadline:
            state = _pass(state, state.turn, "timeout", now, ev)
    elif state.phase is _RATING:
        if state.rating_deadline is not None and now >= state.rating_deadline:
            state = _end_game(state, now, "time", ev)
    return state, ev


_HANDLERS: dict[type[Command], Callable[[GameState, Any, float, list[Event]], GameState]] = {
    StartGame: _start,
    PlayCard: _play,
    PassTurn: _pass_turn,
    AddThreat: _note_threat,
    CastVote: _vote,
    CloseVote: _close_vote,
    Tick: _tick,
    SkipSeat: _skip,
    RemoveSeat: _remove,
    EndPlay: _end_play_cmd,
    RateThreat: _rate,
    FinishRating: _finish,
    EndGame: _end_game_cmd,
    TakeOver: _take_over,
    JoinLate: _join_late,
    HandOver: _hand_over,
}


# --- legal moves -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Blocked:
    """A card in hand that cannot be played now, and why."""

    card_id: str
    """The card."""
    code: str
    """The error code playing it would raise, e.g. ``must_follow_suit``."""
    message: str
    """The error message."""


@dataclasses.dataclass(frozen=True)
class LegalMoves:
    """What one seat may do in a state (at the state's clock)."""

    seat: int
    """The seat asked about."""
    on_turn: bool
    """Whether it is the seat's turn to play."""
    playable: tuple[str, ...]
    """Cards in hand it may play now."""
    blocked: tuple[Blocked, ...]
    """Cards in hand it may not play now, with the reason."""
    can_pass: bool
    """Whether it may pass its turn."""
    can_add_threat: bool
    """Whether it may add a sticky note."""
    votable: tuple[str, ...]
    """Threats it may vote on."""
    unrated: tuple[str, ...]
    """Accepted threats it may rate and has not rated yet."""
    can_finish_rating: bool
    """Whether it may say it finished rating."""
    facilitator: tuple[str, ...]
    """Facilitator commands it may send now (by command name)."""


def _allowed(state: GameState, command: Command) -> GameError | None:
    try:
        _check(state, command)
    except GameError as exc:
        return exc
    return None


def playable(state: GameState, seat: int) -> tuple[str, ...]:
    """The cards ``seat`` may play right now (empty when it is not its turn).

    The same answer as probing :func:`check` with each card of the hand (a
    property test holds them equal), computed directly because bots ask it on
    every turn.
    """
    if state.phase is not _PLAY or state.turn != seat or not state.seats[seat].present:
        return ()
    hand = state.hands[seat]
    if state.must_lead is not None:
        return (state.must_lead,) if state.must_lead in hand else ()
    trick = state.trick
    return hands_.playable(hand, None if trick is None else trick.led, state.board.cards)


def legal_moves(state: GameState, seat: int, unrated: Mapping[int, tuple[str, ...]] | None = None,
                voting: Sequence[Threat] | None = None) -> LegalMoves:
    """What ``seat`` may do now; cards it cannot play come with the reason.

    Raises :class:`~game.errors.UnknownSeat` for a seat that does not exist.

    The answer, messages included, is what probing :func:`check` with every
    command the seat could send would give (``tests/game/test_legal_moves_fast.py``
    keeps that probing version and holds the two equal), worked out directly
    because the server asks it for every seat after every move. ``unrated`` is
    :func:`unrated_by_seat` of this state, and ``voting`` :func:`voting_threats`, when the caller asks
    for several seats (each would otherwise walk every threat again).
    """
    if isinstance(seat, bool) or not isinstance(seat, int) or not 0 <= seat < len(state.seats):
        raise UnknownSeat(f"there is no seat {seat}")
    phase = state.phase
    me = state.seats[seat]
    hand = state.hands[seat]
    on_turn = phase is _PLAY and state.turn == seat
    # _check lets PassTurn through exactly then (not ended, seat present, play phase, its turn).
    can_pass = on_turn and me.present
    if can_pass:
        playable_, blocked = _card_moves(state, seat, hand)
    elif hand:
        # _check_play refuses what PassTurn is refused for before it looks at the card:
        # one refusal, built once, for the whole hand.
        if phase is _PLAY and me.present:
            err: GameError | None = _not_your_turn(state)
        else:  # wrong phase or game over; rare with cards in hand, so simply probed
            err = _allowed(state, PassTurn(seat=seat, now=state.clock))
        assert err is not None
        playable_, blocked = (), tuple(Blocked(card_id, err.code, err.message) for card_id in hand)
    else:
        playable_, blocked = (), ()
    in_play = phase is _PLAY and me.present
    # What _check_vote allows: an open vote the seat neither proposed nor voted in yet (threat
    # ids index the threats, and open_votes counts the open ones, as _resolve_votes relies on).
    votable = (
        tuple(
            t.id
            for t in (state.threats if voting is None else voting)
            if t.status is _VOTING and t.found_by != seat and all(v.seat != seat for v in t.votes)
        )
        if in_play and state.open_votes
        else ()
    )
    rating = phase is _RATING and me.present and not me.finished
    unrated_ = (_unrated(state, seat) if unrated is None else unrated.get(seat, ())) if rating else ()
    facilitator: list[str] = []
    if seat == state.settings.facilitator:
        # What _check allows of StartGame, EndPlay, EndGame, SkipSeat(the seat on turn) and CloseVote(an open vote):
        # the facilitator present, and the right phase.
        if me.present:
            if phase is _SETUP:
                facilitator.append("StartGame")
            if phase is _PLAY:
                facilitator.append("EndPlay")
            if phase is _PLAY or phase is _RATING:
                facilitator.append("EndGame")
            if phase is _PLAY and state.turn is not None and state.seats[state.turn].present:
                facilitator.append("SkipSeat")
            if phase is _PLAY and state.open_votes:
                facilitator.append("CloseVote")  # any open vote (see votable for which)
        if phase is not _ENDED and any(s.present and s.id != seat for s in state.seats):
            facilitator.append("RemoveSeat")
        # What _check_hand_over allows: a seat still in the game that is not a bot and not this one.
        if phase is not _ENDED and me.present and any(s.present and not s.bot and s.id != seat for s in state.seats):
            facilitator.append("HandOver")
    return LegalMoves(
        seat=seat,
        on_turn=on_turn,
        playable=playable_,
        blocked=blocked,
        can_pass=can_pass,
        can_add_threat=in_play,
        votable=votable,
        unrated=unrated_,
        can_finish_rating=rating,
        facilitator=tuple(facilitator),
    )


def _card_moves(state: GameState, seat: int, hand: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[Blocked, ...]]:
    """(playable, blocked) for the seat on turn: what _check_play says of each card, without raising."""
    cards = state.board.cards
    must_lead = state.must_lead
    trick = state.trick
    led = None if trick is None else trick.led
    # Each refusal reads the same for every card it refuses: build it once.
    lead_err = None if must_lead is None else _must_lead(state, must_lead)
    follow_err = _must_follow(led) if led is not None and hands_.holds_suit(hand, led, cards) else None
    ok: list[str] = []
    blocked: list[Blocked] = []
    for card_id in hand:
        card = cards.get(card_id)
        err: GameError | None
        if card is None:  # never in a game the engine dealt; the probe words it
            err = _allowed(state, PlayCard(seat=seat, card_id=card_id, now=state.clock))
        elif lead_err is not None and card_id != must_lead:
            err = lead_err
        elif follow_err is not None and card.suit is not led:
            err = follow_err
        else:
            err = None
        if err is None:
            ok.append(card_id)
        else:
            blocked.append(Blocked(card_id, err.code, err.message))
    return tuple(ok), tuple(blocked)


def voting_threats(state: GameState) -> tuple[Threat, ...]:
    """The threats open for a vote, in order (for every seat's moves at once)."""
    return tuple(t for t in state.threats if t.status is _VOTING) if state.open_votes else ()


def unrated_by_seat(state: GameState) -> dict[int, tuple[str, ...]]:
    """Each seat's accepted threats not rated yet, in one pass over the ratings (for every seat's moves at once)."""
    accepted = [(t.id, {r.seat for r in t.ratings}) for t in state.threats if t.status is _ACCEPTED]
    return {s.id: tuple(tid for tid, raters in accepted if s.id not in raters) for s in state.seats}


def _unrated(state: GameState, seat: int) -> tuple[str, ...]:
    """Accepted threats ``seat`` has not rated."""
    # A plain loop: a game has dozens of accepted threats, and an all(<generator>) per threat
    # cost more than the rest of legal_moves put together.
    found: list[str] = []
    for t in state.threats:
        if t.status is _ACCEPTED:
            for r in t.ratings:
                if r.seat == seat:
                    break
            else:
                found.append(t.id)
    return tuple(found)
