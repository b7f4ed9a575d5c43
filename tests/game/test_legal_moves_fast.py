"""``legal_moves`` computes directly what probing ``check`` with every command would say.

:func:`reference_legal_moves` is the probing implementation ``legal_moves``
had before it was made fast (a ``PlayCard`` per card in hand, a ``CastVote``
per open vote, a ``PassTurn`` and the facilitator's commands, each checked by
the engine). The fast one must return exactly the same value, messages
included, for every seat at every version of whole games; the state machine in
``test_engine_stateful.py`` holds them equal on random states too.
"""

from __future__ import annotations

from collections import Counter

import pytest
from gamekit import leejames, practice_deck, table

from cards import load_deck
from game import engine
from game.architecture import Architecture
from game.bots import next_bot_command
from game.commands import (
    CastVote,
    CloseVote,
    Command,
    EndGame,
    EndPlay,
    HandOver,
    PassTurn,
    PlayCard,
    RemoveSeat,
    SkipSeat,
    StartGame,
)
from game.deck import Deck
from game.engine import Blocked, LegalMoves, apply, legal_moves, new_game, unrated_by_seat, voting_threats
from game.errors import UnknownSeat
from game.state import GameState, Phase, SeatSpec, Settings, evolve
from game.threats import ThreatStatus


def reference_legal_moves(state: GameState, seat: int) -> LegalMoves:
    """``legal_moves`` as it was: ask the engine's own check about every command the seat could send."""
    if isinstance(seat, bool) or not isinstance(seat, int) or not 0 <= seat < len(state.seats):
        raise UnknownSeat(f"there is no seat {seat}")
    now = state.clock
    ok: list[str] = []
    blocked: list[Blocked] = []
    for card_id in state.hands[seat]:
        err = engine._allowed(state, PlayCard(seat=seat, card_id=card_id, now=now))
        if err is None:
            ok.append(card_id)
        else:
            blocked.append(Blocked(card_id, err.code, err.message))
    in_play = state.phase is Phase.PLAY and state.seats[seat].present
    votable = tuple(
        t.id
        for t in state.threats
        if in_play
        and t.status is ThreatStatus.VOTING
        and engine._allowed(state, CastVote(seat=seat, threat_id=t.id, accept=True, now=now)) is None
    )
    rating = state.phase is Phase.RATING and state.seats[seat].present and not state.seats[seat].finished
    unrated = tuple(
        t.id
        for t in state.threats
        if rating and t.status is ThreatStatus.ACCEPTED and all(r.seat != seat for r in t.ratings)
    )
    facilitator: list[str] = []
    if seat == state.settings.facilitator:
        probes: tuple[Command, ...] = (
            StartGame(seat=seat, now=now),
            EndPlay(seat=seat, now=now),
            EndGame(seat=seat, now=now),
        )
        facilitator = [type(p).__name__ for p in probes if engine._allowed(state, p) is None]
        if state.turn is not None and engine._allowed(state, SkipSeat(seat=seat, target_seat=state.turn, now=now)) is None:
            facilitator.append("SkipSeat")
        if any(engine._allowed(state, CloseVote(seat=seat, threat_id=t.id, now=now)) is None for t in state.threats):
            facilitator.append("CloseVote")
        if state.phase is not Phase.ENDED and any(s.present and s.id != seat for s in state.seats):
            facilitator.append("RemoveSeat")
        if any(engine._allowed(state, HandOver(seat=seat, target_seat=s.id, now=now)) is None for s in state.seats):
            facilitator.append("HandOver")
    return LegalMoves(
        seat=seat,
        on_turn=state.phase is Phase.PLAY and state.turn == seat,
        playable=tuple(ok),
        blocked=tuple(blocked),
        can_pass=engine._allowed(state, PassTurn(seat=seat, now=now)) is None,
        can_add_threat=in_play,
        votable=votable,
        unrated=unrated,
        can_finish_rating=rating,
        facilitator=tuple(facilitator),
    )


def assert_agree(state: GameState) -> list[LegalMoves]:
    """``legal_moves`` equals the reference for every seat of ``state``; returns them."""
    moves = []
    every_seat = unrated_by_seat(state)  # as the server's views ask: every seat's unrated threats at once
    for seat in range(len(state.seats)):
        fast, slow = legal_moves(state, seat), reference_legal_moves(state, seat)
        assert fast == slow == legal_moves(state, seat, every_seat, voting_threats(state)), (state.version, seat)
        moves.append(fast)
    return moves


def _deck(name: str) -> Deck:
    return load_deck() if name == "shipped" else practice_deck()


@pytest.mark.parametrize(
    "seats,seed,deck,remove_on_turn,end_play_at",
    [
        (3, 3, "shipped", False, None),
        (4, 1, "shipped", True, None),
        (6, 2, "shipped", False, 60),
        (6, 7, "practice", True, None),
        (4, 11, "practice", False, 45),
    ],
)
def test_fast_equals_probing_for_every_seat_through_whole_bot_games(
    seats: int, seed: int, deck: str, remove_on_turn: bool, end_play_at: int | None
) -> None:
    settings = Settings(seats=tuple(SeatSpec(f"P{i}", bot=True) for i in range(seats)),
                        turn_seconds=None, vote_seconds=None, play_seconds=None, rating_seconds=None)
    state = new_game(settings, leejames(), _deck(deck), seed)
    phases: set[Phase] = set()
    codes: Counter[str] = Counter()
    votes_seen = facilitator_seen = 0
    steps = 0
    while True:
        moves = assert_agree(state)
        phases.add(state.phase)
        codes.update(b.code for m in moves for b in m.blocked)
        votes_seen += sum(1 for m in moves if m.votable)
        facilitator_seen += len(moves[0].facilitator)
        command = next_bot_command(state, float(steps))
        if command is None:
            break
        state, _ = apply(state, command)
        steps += 1
        if steps == 30:  # a seat removed: its hand goes, electorates shrink, maybe mid-turn
            target = state.turn if remove_on_turn and state.turn not in (None, 0) else seats - 1
            assert target is not None
            state, _ = apply(state, RemoveSeat(seat=0, target_seat=target, now=float(steps)))
        if steps == end_play_at:  # the facilitator ends play early: cards stay in hand through rating and the end
            state, _ = apply(state, EndPlay(seat=0, now=float(steps)))
    assert state.phase is Phase.ENDED and steps > 40
    # The games reach every phase and the reasons a card is refused, so the comparison is not vacuous.
    assert phases == set(Phase)
    assert {"not_your_turn", "must_lead_start_card", "must_follow_suit"} <= set(codes)
    if end_play_at is not None:
        assert {"wrong_phase", "game_over"} <= set(codes)
    assert votes_seen and facilitator_seen


def test_unknown_seats_are_refused_alike() -> None:
    state = new_game(Settings.for_names(bots=3), leejames(), practice_deck(), 1)
    for seat in (-1, 3, True):
        with pytest.raises(UnknownSeat) as fast:
            legal_moves(state, seat)
        with pytest.raises(UnknownSeat) as slow:
            reference_legal_moves(state, seat)
        assert fast.value.message == slow.value.message


def test_a_card_the_board_does_not_know_is_refused_alike(arch: Architecture, deck: Deck) -> None:
    """Never dealt by the engine, but a stored state could hold it: the fast path falls back to the probe."""
    s = table(arch, deck, [("ZZ9", "TA2", "SP2"), ("TA3",)], turn=0)
    moves = assert_agree(s)[0]
    assert moves.playable == ("TA2", "SP2") and [(b.card_id, b.code) for b in moves.blocked] == [("ZZ9", "unknown_card")]
    s = evolve(s, must_lead="TA2")
    moves = assert_agree(s)[0]
    assert moves.playable == ("TA2",) and [b.code for b in moves.blocked] == ["unknown_card", "must_lead_start_card"]
