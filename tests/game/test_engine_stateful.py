"""A Hypothesis state machine: random legal and illegal commands (late joiners too), with the invariants checked
after each.

Invariants: every card is in exactly one place; a trick holds at most one
card per seat; points equal valid threats plus tricks won; no hidden card
appears in another seat's view; ``check`` and ``apply`` agree; the fast
``playable`` agrees with ``check``, and the fast ``legal_moves`` with probing
every command; a refused command changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from gamekit import TINY_IDS, card_places, settings, tiny_architecture, tiny_deck
from hypothesis import HealthCheck, settings as hsettings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from test_legal_moves_fast import reference_legal_moves

from game.bots import next_bot_command
from game.cards import Suit
from game.commands import (
    AddThreat,
    CastVote,
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
    SkipSeat,
    StartGame,
    Tick,
)
from game.engine import apply, check, legal_moves, new_game, playable
from game.errors import GameError
from game.state import GameState, Phase
from game.threats import JudgedBy, ThreatStatus
from game.views import view_for

ARCH = tiny_architecture()
DECK = tiny_deck()
TARGETS = [c.id for c in ARCH.components] + [f.id for f in ARCH.flows] + ["Nowhere"]
CARDS = list(TINY_IDS) + ["ZZ9"]
TEXTS = st.text(alphabet="abcdefghij ", min_size=0, max_size=12)


class Game(RuleBasedStateMachine):
    """One game at a time, driven by random commands from random seats."""

    state: GameState
    now: float

    @initialize(
        n=st.integers(1, 6),
        bots=st.sets(st.integers(0, 5)),
        seed=st.integers(0, 2**32),
        turn=st.sampled_from([None, 30.0, 90.0]),
        vote=st.sampled_from([None, 45.0]),
        play=st.sampled_from([None, 600.0, 2700.0]),
        rating=st.sampled_from([None, 300.0]),
        start=st.sampled_from(list(Suit)),
    )
    def setup(self, n: int, bots: set[int], seed: int, turn: float | None, vote: float | None, play: float | None, rating: float | None, start: Suit) -> None:
        names = [f"P{i}" for i in range(n)]
        s = settings(names, bots={b for b in bots if b < n}, turn_seconds=turn, vote_seconds=vote, play_seconds=play, rating_seconds=rating, start_suit=start)
        self.state = new_game(s, ARCH, DECK, seed)
        self.now = 0.0
        self.refused = Counter[str]()
        self.do(StartGame(seat=0, now=self.now))

    # --- driving -------------------------------------------------------------------

    def do(self, command: Command) -> None:
        before = self.state
        try:
            check(before, command)
            check_error: GameError | None = None
        except GameError as exc:
            check_error = exc
        try:
            after, events = apply(before, command)
        except GameError as exc:
            assert check_error is not None and check_error.code == exc.code, (check_error, exc)
            assert self.state is before
            self.refused[exc.code] += 1
            return
        assert check_error is None, check_error
        if after is before:
            assert events == [] and isinstance(command, Tick)
        else:
            assert after.version == before.version + 1 and after.clock >= before.clock
        self.state = after

    def seat(self, data: st.DataObject) -> int:
        return data.draw(st.integers(-1, len(self.state.seats)))

    def step(self, data: st.DataObject) -> float:
        self.now += data.draw(st.sampled_from([0.0, 1.0, 5.0]))
        return self.now

    # --- rules -----------------------------------------------------------------------

    @rule(data=st.data())
    def play_a_legal_card(self, data: st.DataObject) -> None:
        turn = self.state.turn
        if turn is None or not playable(self.state, turn):
            return
        card = data.draw(st.sampled_from(playable(self.state, turn)))
        target = data.draw(st.sampled_from([None, *TARGETS[:-1]]))
        text = data.draw(st.none() | TEXTS)
        self.do(PlayCard(seat=turn, card_id=card, target=target, text=text, now=self.step(data)))

    @rule(data=st.data(), card=st.sampled_from(CARDS), where=st.sampled_from([None, *TARGETS]))
    def play_anything(self, data: st.DataObject, card: str, where: str | None) -> None:
        self.do(PlayCard(seat=self.seat(data), card_id=card, target=where, now=self.step(data)))

    @rule(data=st.data())
    def pass_turn(self, data: st.DataObject) -> None:
        self.do(PassTurn(seat=self.seat(data), now=self.step(data)))

    @rule(data=st.data(), card=st.none() | st.sampled_from(CARDS), suit=st.none() | st.sampled_from(list(Suit)), where=st.sampled_from(TARGETS), text=st.none() | TEXTS)
    def add_note(self, data: st.DataObject, card: str | None, suit: Suit | None, where: str, text: str | None) -> None:
        self.do(AddThreat(seat=self.seat(data), card_id=card, suit=suit, target=where, text=text, now=self.step(data)))

    @rule(data=st.data(), accept=st.booleans())
    def vote(self, data: st.DataObject, accept: bool) -> None:
        n = len(self.state.threats)
        threat = data.draw(st.integers(1, n + 1)) if n else 1
        self.do(CastVote(seat=self.seat(data), threat_id=f"T{threat}", accept=accept, now=self.step(data)))

    @rule(dt=st.sampled_from([0.0, 10.0, 50.0, 100.0, 700.0]))
    def tick(self, dt: float) -> None:
        self.now += dt
        self.do(Tick(now=self.now))

    @rule(data=st.data())
    def skip(self, data: st.DataObject) -> None:
        self.do(SkipSeat(seat=data.draw(st.sampled_from([0, 1])), target_seat=self.seat(data), now=self.step(data)))

    @precondition(lambda self: self.state.version % 7 == 3)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        self.do(RemoveSeat(seat=data.draw(st.sampled_from([0, 1])), target_seat=self.seat(data), now=self.step(data)))

    @precondition(lambda self: self.state.version % 5 == 2)
    @rule(name=st.sampled_from(["Late", "late ", "P0", "P1", "P2", "", "Newer", "x" * 41]))  # P1, P2: back after removal
    def join_late(self, name: str) -> None:
        self.do(JoinLate(name=name, now=self.now))

    @precondition(lambda self: self.state.version % 5 == 2)
    @rule(data=st.data())
    def hand_over(self, data: st.DataObject) -> None:
        self.do(HandOver(seat=data.draw(st.sampled_from([0, 1])), target_seat=self.seat(data), now=self.step(data)))

    @precondition(lambda self: self.state.version > 15)
    @rule(data=st.data())
    def end_play(self, data: st.DataObject) -> None:
        self.do(EndPlay(seat=data.draw(st.sampled_from([0, 1])), now=self.step(data)))

    @rule(data=st.data(), likelihood=st.integers(0, 6), impact=st.integers(0, 6))
    def rate(self, data: st.DataObject, likelihood: int, impact: int) -> None:
        n = len(self.state.threats)
        threat = data.draw(st.integers(1, n + 1)) if n else 1
        self.do(RateThreat(seat=self.seat(data), threat_id=f"T{threat}", likelihood=likelihood, impact=impact, now=self.step(data)))

    @rule(data=st.data())
    def finish(self, data: st.DataObject) -> None:
        self.do(FinishRating(seat=self.seat(data), now=self.step(data)))

    @precondition(lambda self: self.state.version > 30)
    @rule(data=st.data())
    def end_game(self, data: st.DataObject) -> None:
        self.do(EndGame(seat=data.draw(st.sampled_from([0, 1])), now=self.step(data)))

    @rule(data=st.data())
    def bots_act(self, data: st.DataObject) -> None:
        command = next_bot_command(self.state, self.step(data))
        if command is not None:
            self.do(command)

    @rule(data=st.data())
    def stale(self, data: st.DataObject) -> None:
        version = self.state.version + data.draw(st.sampled_from([-1, 1]))
        self.do(Tick(now=self.now, expected_version=version))

    # --- invariants --------------------------------------------------------------------

    @invariant()
    def every_card_in_exactly_one_place(self) -> None:
        assert Counter(card_places(self.state)) == Counter(TINY_IDS)

    @invariant()
    def a_trick_holds_at_most_one_card_per_seat(self) -> None:
        s = self.state
        tricks = list(s.tricks) + ([s.trick] if s.trick is not None else [])
        for t in tricks:
            seats = [p.seat for p in t.plays]
            assert len(seats) == len(set(seats))
            assert not set(seats) & set(t.passed) and len(t.passed) == len(set(t.passed))
            if t.plays:
                assert t.led is DECK.card(t.plays[0].card_id).suit
        assert [t.number for t in tricks] == list(range(1, len(tricks) + 1)) or s.phase is not Phase.PLAY

    @invariant()
    def points_are_threats_plus_tricks(self) -> None:
        s = self.state
        for seat in s.seats:
            tricks = sum(1 for t in s.tricks if t.winner == seat.id)
            threats = sum(1 for t in s.threats if t.found_by == seat.id and t.status is ThreatStatus.ACCEPTED)
            assert (seat.tricks, seat.threats, seat.points) == (tricks, threats, tricks + threats)
            rated = sum(1 for t in s.threats if any(r.seat == seat.id for r in t.ratings))
            assert seat.rated == rated

    @invariant()
    def at_most_one_valid_threat_per_finding(self) -> None:
        keys = [t.key() for t in self.state.threats if t.status is ThreatStatus.ACCEPTED]
        assert len(keys) == len(set(keys))
        assert [t.id for t in self.state.threats] == [f"T{i}" for i in range(1, len(self.state.threats) + 1)]

    @invariant()
    def no_hidden_card_in_another_seats_view(self) -> None:
        s = self.state
        for seat in [None, *range(len(s.seats))]:
            hidden = set(s.set_aside)
            for other, hand in enumerate(s.hands):
                if other != seat:
                    hidden.update(hand)
            text = json.dumps(view_for(s, seat))
            leaked = [c for c in hidden if c in text]
            assert not leaked, (seat, leaked)

    @invariant()
    def playable_agrees_with_check(self) -> None:
        s = self.state
        for seat, hand in enumerate(s.hands):
            ok = []
            for card in hand:
                try:
                    check(s, PlayCard(seat=seat, card_id=card, now=s.clock))
                except GameError:
                    continue
                ok.append(card)
            assert tuple(ok) == playable(s, seat)

    @invariant()
    def legal_moves_agree_with_probing(self) -> None:
        s = self.state
        for seat in range(len(s.seats)):
            assert legal_moves(s, seat) == reference_legal_moves(s, seat), seat

    @invariant()
    def bookkeeping(self) -> None:
        s = self.state
        assert s.open_votes == sum(1 for t in s.threats if t.status is ThreatStatus.VOTING)
        if s.phase in (Phase.RATING, Phase.ENDED) and s.to_rate:
            assert s.to_rate == tuple(t.id for t in s.threats if t.status is ThreatStatus.ACCEPTED)

    @invariant()
    def seats_in_the_game_have_distinct_names(self) -> None:
        names = [seat.name.strip().casefold() for seat in self.state.seats if seat.present]
        assert len(names) == len(set(names))

    @invariant()
    def a_verdict_missed_is_the_vote_on_a_threat_the_seat_found(self) -> None:
        s = self.state
        for seat in s.seats:
            for m in seat.missed:
                if m.kind == "verdict":
                    t = s.threat(m.threat or "")
                    assert t is not None and t.found_by == seat.id and t.judged_by is JudgedBy.VOTE, (seat.id, m)

    @invariant()
    def phase_shape(self) -> None:
        s = self.state
        if s.phase is Phase.PLAY:
            assert s.trick is not None and s.turn is not None and s.seats[s.turn].present and s.hands[s.turn]
            assert not s.trick.acted(s.turn)
        else:
            assert s.trick is None and s.turn is None
            assert all(t.status is not ThreatStatus.VOTING for t in s.threats)


Game.TestCase.settings = hsettings(
    max_examples=int(__import__("os").environ.get("STATEFUL_EXAMPLES", "60")),
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestGame = Game.TestCase


def test_the_machine_reaches_every_phase_and_refuses_things() -> None:
    """A smoke check that the random walk is not stuck in one corner (deterministic seed)."""
    machine: Any = Game()
    machine.setup(n=3, bots={1, 2}, seed=5, turn=30.0, vote=None, play=600.0, rating=300.0, start=Suit.TAMPERING)
    phases = set()
    for _ in range(400):
        command = next_bot_command(machine.state, machine.now) or Tick(now=machine.now + 40)
        machine.now += 40
        machine.do(command)
        phases.add(machine.state.phase)
        if machine.state.phase is Phase.ENDED:
            break
    assert phases >= {Phase.PLAY, Phase.ENDED}
