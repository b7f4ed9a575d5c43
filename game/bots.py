"""Bots: seats the engine can play by itself, for practice games, simulations and load tests.

A bot plays a legal card where it finds a threat: it prefers a card and a
component or flow where the card's rule holds, then one where the model
lacks the facts (the others will vote), then any card (following suit and
trying to win the trick with its lowest winning card). It votes yes more
often than no on undecided threats, and rates threats from what the model
says (public exposure raises likelihood; personal or secret data and
Elevation of Privilege raise impact), with a little noise.

Everything is deterministic: each decision draws from
:func:`game.engine.roll`, a hash of the game's seed, its version and the
decision. Bots decide on :func:`game.engine.advance` (the game as it stands at
``now``), so a deadline that has just passed never makes them propose a move
the engine would refuse.
"""

from __future__ import annotations

from game.architecture import Component
from game.board import Board
from game.cards import Card, Suit
from game.commands import CastVote, Command, FinishRating, PlayCard, RateThreat, StartGame
from game.engine import advance, apply, playable, roll
from game.events import Event
from game.predicates import Subject, Truth
from game.state import GameState, Phase
from game.threats import JudgedBy, Threat, ThreatStatus
from game.trick import TRUMP, winning_play
from game.voting import electorate

# Enum members are looked up on every command; on Python 3.11 a class attribute
# lookup of a member costs ten times a module global, so the hot ones are bound once.
_SETUP = Phase.SETUP
_PLAY = Phase.PLAY
_RATING = Phase.RATING
_VOTING = ThreatStatus.VOTING
_HOLDS = Truth.HOLDS
_DOES_NOT_HOLD = Truth.DOES_NOT_HOLD
_UNKNOWN = Truth.UNKNOWN


_SCORE = {_HOLDS: 3, _UNKNOWN: 2, _DOES_NOT_HOLD: 1}
_RULE = JudgedBy.RULE
_EOP = Suit.ELEVATION_OF_PRIVILEGE
_ORDER = {suit: i for i, suit in enumerate(Suit)}


def choose_play(state: GameState, seat: int, now: float) -> PlayCard | None:
    """The card (and target) the bot on turn plays; None if it is not this seat's turn."""
    if state.phase is not _PLAY or state.turn != seat:
        return None
    board = state.board
    cards = playable(state, seat)
    if not cards:
        return None
    trick = state.trick
    current = None if trick is None or not trick.plays else winning_play(trick.plays, board.cards)
    best: tuple[tuple[int, int, int, int], str, list[Subject]] | None = None
    for card_id in cards:
        card = board.cards[card_id]
        score, targets = _best_targets(board, card)
        wins = current is not None and _beats(card, board.cards[current.card_id], trick.led if trick else None)
        key = (score, int(wins), -card.rank, -_ORDER[card.suit])
        if best is None or key > best[0]:
            best = (key, card_id, targets)
    assert best is not None
    _, card_id, targets = best
    target = targets[roll(state, f"play:{seat}") % len(targets)].id if targets else None
    return PlayCard(seat=seat, card_id=card_id, target=target, now=now)


def _best_targets(board: Board, card: Card) -> tuple[int, list[Subject]]:
    """(score, targets with that score): 6 the rule holds, 4 unknown, 2 it does not; +1 on a changed element."""
    # The answer depends on the board alone, so each card is ranked once per board.
    return board.memo(("bot-targets", card.id), lambda: _rank_targets(board, card))


def _rank_targets(board: Board, card: Card) -> tuple[int, list[Subject]]:
    best = 0
    chosen: list[Subject] = []
    for subject in board.targets(card):
        score = 2 * _SCORE[board.judge(card, subject).truth] + (subject.id in board.focus)
        if score > best:
            best, chosen = score, [subject]
        elif score == best:
            chosen.append(subject)
    return best, chosen


def _beats(card: Card, winning: Card, led: Suit | None) -> bool:
    if card.suit is TRUMP:
        return winning.suit is not TRUMP or card.rank > winning.rank
    return winning.suit is not TRUMP and card.suit is led and card.rank > winning.rank


def choose_vote(state: GameState, seat: int, threat: Threat, now: float) -> CastVote:
    """A bot's vote: yes more often when a card backs the threat."""
    if threat.card_id is None:
        chance = 0.6
    elif state.card(threat.card_id).is_open:
        chance = 0.7
    else:
        chance = 0.8
    draw = roll(state, f"vote:{seat}:{threat.id}") / 2**64
    return CastVote(seat=seat, threat_id=threat.id, accept=draw < chance, now=now)


def choose_rating(state: GameState, seat: int, threat: Threat, now: float) -> RateThreat:
    """A bot's likelihood and impact, from what the model says about the target."""
    board = state.board
    exposed, sensitive = board.memo(("bot-exposure", threat.target), lambda: _exposure(board, threat.target))
    likelihood = 3 + exposed + (threat.judged_by is _RULE)  # a rule that holds: the model itself confirms it
    impact = 3 + sensitive + (threat.suit is _EOP)
    draw = roll(state, f"rate:{seat}:{threat.id}")
    likelihood += (-1, 0, 0, 1)[draw % 4]
    impact += (-1, 0, 0, 1)[(draw >> 8) % 4]
    return RateThreat(
        seat=seat,
        threat_id=threat.id,
        likelihood=min(5, max(1, likelihood)),
        impact=min(5, max(1, impact)),
        now=now,
    )


def _exposure(board: Board, target: str) -> tuple[int, int]:
    """(1 if reachable by anyone, 1 if it holds personal or secret data) for a component or flow."""
    found = board.resolve(target)
    if found is None:
        return 0, 0
    subject = found[0]
    if isinstance(subject, Component):
        exposed = subject.attributes.get("public") is True or subject.attributes.get("policy_any_principal") is True
        sensitive = subject.attributes.get("data_class") in ("pii", "secret")
    else:
        exposed = subject.attributes.get("public_network") is True
        sensitive = subject.data_class in ("pii", "secret")
    return int(exposed), int(sensitive)


def _next_rating(state: GameState, seat: int, now: float) -> Command:
    ids = state.to_rate
    # A bot rates in list order, so its ratings are a prefix: the next one is at index `rated`.
    rated = state.seats[seat].rated
    if rated >= len(ids):
        return FinishRating(seat=seat, now=now)  # it has rated every threat there is to rate
    t = state.threat(ids[rated])
    if t is not None and all(r.seat != seat for r in t.ratings):
        return choose_rating(state, seat, t, now)
    for tid in ids:
        t = state.threat(tid)
        if t is not None and all(r.seat != seat for r in t.ratings):
            return choose_rating(state, seat, t, now)
    return FinishRating(seat=seat, now=now)


def _vote_due(state: GameState, seat: int, now: float) -> CastVote | None:
    for t in state.threats:
        if t.status is _VOTING and t.found_by != seat and all(v.seat != seat for v in t.votes):
            return choose_vote(state, seat, t, now)
    return None


def bot_command(state: GameState, seat: int, now: float) -> Command | None:
    """What the bot in ``seat`` does next, or None if it has nothing to do now."""
    # Decide on the game as it is at `now`: a deadline may have passed since the last command.
    state = advance(state, now)
    s = state.seats[seat]
    if not s.bot or not s.present:
        return None
    if state.phase is _SETUP:
        return StartGame(seat=seat, now=now) if seat == state.settings.facilitator else None
    if state.phase is _PLAY:
        return _vote_due(state, seat, now) or choose_play(state, seat, now)
    if state.phase is _RATING and not s.finished:
        return _next_rating(state, seat, now)
    return None


def next_bot_command(state: GameState, now: float) -> Command | None:
    """The next thing any bot does: votes first (so threats settle), then the bot on turn, then ratings."""
    state = advance(state, now)
    seats = state.seats
    if state.phase is _PLAY:
        for t in state.threats if state.open_votes else ():
            if t.status is not _VOTING:
                continue
            voted = {v.seat for v in t.votes}
            for seat in electorate(state.present(), t.found_by):
                if seats[seat].bot and seat not in voted:
                    return choose_vote(state, seat, t, now)
        turn = state.turn
        return None if turn is None or not seats[turn].bot else choose_play(state, turn, now)
    if state.phase is _RATING:
        for s in seats:
            if s.bot and s.present and not s.finished:
                return _next_rating(state, s.id, now)
        return None
    if state.phase is _SETUP and seats[state.settings.facilitator].bot:
        return StartGame(seat=state.settings.facilitator, now=now)
    return None


def autoplay(
    state: GameState, *, now: float = 0.0, step: float = 1.0, limit: int = 100_000
) -> tuple[GameState, list[Command], list[Event]]:
    """Let the bots act until none has anything to do (the game ended, or it waits for a human).

    The clock starts at ``now`` and moves ``step`` seconds per command.
    Returns the final state, the commands applied and the events.
    """
    commands: list[Command] = []
    events: list[Event] = []
    while len(commands) < limit:
        command = next_bot_command(state, now)
        if command is None:
            break
        state, more = apply(state, command)
        commands.append(command)
        events.extend(more)
        now += step
    return state, commands, events
