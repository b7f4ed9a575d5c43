"""Every error code the engine raises, each from a literal state, and the state is left untouched."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from game import errors
from game.architecture import Architecture
from game.cards import Suit
from game.commands import (
    AddThreat,
    CastVote,
    Command,
    EndPlay,
    FinishRating,
    JoinLate,
    PassTurn,
    PlayCard,
    RateThreat,
    RemoveSeat,
    SkipSeat,
    StartGame,
    TakeOver,
    Tick,
)
from game.deck import Deck
from game.engine import apply, check, new_game
from game.errors import ALL_ERRORS, GameError
from game.serialize import state_from_dict
from game.state import GameState, Phase, Settings, evolve

from gamekit import settings, table

# Hands for three seats: Ann leads; Bob holds Tampering and Spoofing; Cat holds the rest of interest.
HANDS = (("TA2", "SP2"), ("TA3", "SP3"), ("IN2", "EL3"))


def playing(arch: Architecture, deck: Deck) -> GameState:
    return table(arch, deck, HANDS)


def after(state: GameState, *commands: Command) -> GameState:
    for c in commands:
        state, _ = apply(state, c)
    return state


Scenario = Callable[[Architecture, Deck], tuple[GameState, Command]]


def _ended(arch: Architecture, deck: Deck) -> GameState:
    s = playing(arch, deck)
    return after(s, errors_end_game(s))


def errors_end_game(s: GameState) -> Command:
    from game.commands import EndGame

    return EndGame(seat=0)


SCENARIOS: dict[str, Scenario] = {
    "invalid_command": lambda a, d: (playing(a, d), PlayCard(seat=0, card_id="TA2", target="Fn", text="x" * 501)),
    "stale_state": lambda a, d: (playing(a, d), PlayCard(seat=0, card_id="TA2", expected_version=7)),
    "game_over": lambda a, d: (_ended(a, d), Tick(now=1.0)),
    "wrong_phase": lambda a, d: (playing(a, d), RateThreat(seat=0, threat_id="T1", likelihood=3, impact=3)),
    "unknown_seat": lambda a, d: (playing(a, d), PlayCard(seat=9, card_id="TA2")),
    "seat_removed": lambda a, d: (after(playing(a, d), RemoveSeat(seat=0, target_seat=2)), AddThreat(seat=2, target="Fn", suit=Suit.TAMPERING, text="x")),
    "not_facilitator": lambda a, d: (playing(a, d), EndPlay(seat=1)),
    "already_facilitator": lambda a, d: (playing(a, d), TakeOver(seat=0)),
    "facilitator_seat": lambda a, d: (playing(a, d), RemoveSeat(seat=0, target_seat=0)),
    "not_your_turn": lambda a, d: (playing(a, d), PlayCard(seat=1, card_id="TA3")),
    "seat_not_on_turn": lambda a, d: (playing(a, d), SkipSeat(seat=0, target_seat=2)),
    "unknown_card": lambda a, d: (playing(a, d), PlayCard(seat=0, card_id="ZZ9")),
    "card_not_in_hand": lambda a, d: (playing(a, d), PlayCard(seat=0, card_id="TA3")),
    "card_not_face_up": lambda a, d: (playing(a, d), AddThreat(seat=1, target="Fn", card_id="TA2")),
    "must_lead_start_card": lambda a, d: (evolve(playing(a, d), must_lead="TA2"), PlayCard(seat=0, card_id="SP2")),
    "must_follow_suit": lambda a, d: (after(playing(a, d), PlayCard(seat=0, card_id="TA2")), PlayCard(seat=1, card_id="SP3")),
    "unknown_target": lambda a, d: (playing(a, d), PlayCard(seat=0, card_id="TA2", target="Nowhere")),
    "duplicate_threat": lambda a, d: (
        after(playing(a, d), AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="Replay  attack")),
        AddThreat(seat=2, target="Api", suit=Suit.SPOOFING, text="replay attack"),
    ),
    "unknown_threat": lambda a, d: (playing(a, d), CastVote(seat=1, threat_id="T99", accept=True)),
    "vote_closed": lambda a, d: (after(playing(a, d), PlayCard(seat=0, card_id="TA2", target="Fn")), CastVote(seat=1, threat_id="T1", accept=True)),
    "not_a_voter": lambda a, d: (after(playing(a, d), AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x")), CastVote(seat=1, threat_id="T1", accept=True)),
    "already_voted": lambda a, d: (
        after(playing(a, d), AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"), CastVote(seat=2, threat_id="T1", accept=True)),
        CastVote(seat=2, threat_id="T1", accept=False),
    ),
    "threat_not_accepted": lambda a, d: (
        after(
            playing(a, d),
            PlayCard(seat=0, card_id="TA2", target="Fn"),
            AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"),
            CastVote(seat=0, threat_id="T2", accept=False),
            EndPlay(seat=0, now=1),
        ),
        RateThreat(seat=0, threat_id="T2", likelihood=2, impact=2),
    ),
    "already_finished": lambda a, d: (
        after(playing(a, d), PlayCard(seat=0, card_id="TA2", target="Fn"), EndPlay(seat=0), FinishRating(seat=1)),
        FinishRating(seat=1),
    ),
    "name_taken": lambda a, d: (playing(a, d), JoinLate(name=" cat ")),
    "table_full": lambda a, d: (
        table(a, d, [("TA2",)] + [()] * 7, names=[f"P{i}" for i in range(8)]), JoinLate(name="Late"),
    ),
}


@pytest.mark.parametrize("code", sorted(SCENARIOS))
def test_each_code_from_apply_and_check(code: str, arch: Architecture, deck: Deck) -> None:
    state, command = SCENARIOS[code](arch, deck)
    before = state
    with pytest.raises(GameError) as from_check:
        check(state, command)
    with pytest.raises(GameError) as from_apply:
        apply(state, command)
    assert from_check.value.code == from_apply.value.code == code
    assert from_apply.value.message and "\n" not in from_apply.value.message
    assert from_apply.value.to_dict() == {"code": code, "message": from_apply.value.message}
    assert state is before and state == before


def test_invalid_setup(arch: Architecture, deck: Deck) -> None:
    with pytest.raises(errors.InvalidSetup) as exc:
        new_game(Settings(seats=()), arch, deck, 1)
    assert exc.value.code == "invalid_setup"


def test_invalid_snapshot() -> None:
    with pytest.raises(errors.InvalidSnapshot) as exc:
        state_from_dict({"format": 99})
    assert exc.value.code == "invalid_snapshot"


def test_every_concrete_code_is_covered() -> None:
    abstract = {"game_error", "illegal_move"}
    covered = set(SCENARIOS) | {"invalid_setup", "invalid_snapshot"}
    assert {e.code for e in ALL_ERRORS} - abstract == covered


def test_codes_are_unique_stable_snake_case() -> None:
    codes = [e.code for e in ALL_ERRORS]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", c) for c in codes)


def test_families() -> None:
    """Malformed is a ValueError; not-allowed-now is an IllegalMove; both are GameErrors."""
    assert issubclass(errors.InvalidCommand, ValueError)
    for cls in (errors.NotYourTurn, errors.MustFollowSuit, errors.GameOver, errors.WrongPhase, errors.AlreadyVoted):
        assert issubclass(cls, errors.IllegalMove)
    assert not issubclass(errors.StaleState, errors.IllegalMove)
    assert all(issubclass(e, GameError) for e in ALL_ERRORS)


@pytest.mark.parametrize(
    "command",
    [
        RateThreat(seat=0, threat_id="T1", likelihood=0, impact=3),
        RateThreat(seat=0, threat_id="T1", likelihood=3, impact=6),
        RateThreat(seat=0, threat_id="T1", likelihood=True, impact=3),
    ],
)
def test_ratings_out_of_range_are_invalid(command: Command, arch: Architecture, deck: Deck) -> None:
    s = after(playing(arch, deck), PlayCard(seat=0, card_id="TA2", target="Fn"), EndPlay(seat=0))
    assert s.phase is Phase.RATING
    with pytest.raises(errors.InvalidCommand):
        apply(s, command)


@pytest.mark.parametrize(
    "command",
    [
        Tick(now=float("nan")),
        Tick(now=float("inf")),
        AddThreat(seat=1, target="Api", text="no suit"),
        AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="   "),
        PassTurn(seat="0"),  # type: ignore[arg-type]
    ],
)
def test_malformed_commands(command: Command, arch: Architecture, deck: Deck) -> None:
    with pytest.raises(errors.InvalidCommand):
        apply(playing(arch, deck), command)


def test_note_suit_must_match_card(arch: Architecture, deck: Deck) -> None:
    s = after(playing(arch, deck), PlayCard(seat=0, card_id="TA2"))
    with pytest.raises(errors.InvalidCommand, match="TA2 is Tampering"):
        apply(s, AddThreat(seat=1, target="Fn", card_id="TA2", suit=Suit.SPOOFING))


def test_start_twice_is_wrong_phase(arch: Architecture, deck: Deck) -> None:
    s = new_game(settings(), arch, deck, 3)
    s, _ = apply(s, StartGame(seat=0))
    with pytest.raises(errors.WrongPhase):
        apply(s, StartGame(seat=0))
    with pytest.raises(errors.NotFacilitator):
        apply(new_game(settings(), arch, deck, 3), StartGame(seat=1))


def test_messages_do_not_reveal_other_hands(arch: Architecture, deck: Deck) -> None:
    """Bob asks to play Cat's card: he learns it is not his, not where it is."""
    with pytest.raises(errors.CardNotInHand) as exc:
        apply(evolve(playing(arch, deck), turn=1), PlayCard(seat=1, card_id="IN2"))
    assert "Cat" not in exc.value.message and "2" not in exc.value.message.replace("IN2", "")
