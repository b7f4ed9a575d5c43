"""Bots: legal, sensible and deterministic."""

from __future__ import annotations

from gamekit import leejames, practice_deck, settings, table

from game.architecture import Architecture
from game.bots import autoplay, bot_command, choose_play, choose_rating, choose_vote, next_bot_command
from game.cards import Suit
from game.commands import AddThreat, CastVote, EndPlay, FinishRating, PlayCard, RateThreat, StartGame
from game.deck import Deck
from game.engine import apply, check, new_game, playable
from game.predicates import Truth
from game.state import Phase, Settings
from game.threats import ThreatStatus


def test_prefers_a_target_where_the_rule_holds(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "TA3"), ("SP2",)], bots=[0])
    c = choose_play(s, 0, 1.0)
    # TA2 holds on Fn; TA3 is unknown on Api: TA2 on Fn.
    assert c == PlayCard(seat=0, card_id="TA2", target="Fn", now=1.0)


def test_follows_suit_and_tries_to_win(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA3",), ("TA2", "TA4", "SP2")], turn=1, plays=[(0, "TA3")], bots=[1])
    c = choose_play(s, 1, 1.0)
    assert c is not None and c.card_id in playable(s, 1) and c.card_id == "TA4"
    check(s, c)


def test_nothing_to_do_off_turn_or_for_humans(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)], bots=[1])
    assert choose_play(s, 1, 0.0) is None
    assert bot_command(s, 0, 0.0) is None  # a human
    assert next_bot_command(s, 0.0) is None  # waiting for Ann


def test_bots_vote_on_open_threats_first(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",)], bots=[1, 2])
    s, _ = apply(s, AddThreat(seat=0, target="Api", suit=Suit.SPOOFING, text="x"))
    c = next_bot_command(s, 2.0)
    assert isinstance(c, CastVote) and c.seat == 1 and c.threat_id == "T1"
    assert choose_vote(s, 1, s.threats[0], 2.0) == c


def test_ratings_are_in_range_and_deterministic() -> None:
    s, _, _ = autoplay(new_game(Settings.for_names(bots=5), leejames(), practice_deck(), 4))
    assert s.phase is Phase.ENDED
    for t in s.threats:
        if t.status is ThreatStatus.ACCEPTED:
            assert len(t.ratings) == 5
            assert all(1 <= r.likelihood <= 5 and 1 <= r.impact <= 5 for r in t.ratings)
            assert choose_rating(s, 0, t, 0.0) == choose_rating(s, 0, t, 0.0)


def test_a_bot_game_is_played_to_the_end_deterministically() -> None:
    arch, deck = leejames(), practice_deck()
    a = autoplay(new_game(Settings.for_names(bots=6), arch, deck, 21))
    b = autoplay(new_game(Settings.for_names(bots=6), arch, deck, 21))
    assert a[1] == b[1] and a[0] == b[0]
    state, commands, events = a
    assert state.phase is Phase.ENDED and state.end_reason == "rated"
    assert isinstance(commands[0], StartGame)
    assert sum(isinstance(c, PlayCard) for c in commands) == 54
    # Each bot rates everything then says so; the last one's final rating already ends the game.
    assert sum(isinstance(c, FinishRating) for c in commands) == 5
    assert all(t.status is not ThreatStatus.VOTING for t in state.threats)
    # Sensible: most plays name a target where the rule holds.
    held = sum(1 for t in state.threats if t.truth is Truth.HOLDS)
    assert held >= len(state.threats) // 2


def test_bots_and_humans_together(arch: Architecture, deck: Deck) -> None:
    s = new_game(settings(("Human", "B1", "B2"), bots=[1, 2]), arch, deck, 8)
    s, _ = apply(s, StartGame(seat=0))
    s, commands, _ = autoplay(s, now=1.0)
    # The bots play until the human is on turn (or must vote), then stop.
    assert s.phase is Phase.PLAY and next_bot_command(s, s.clock + 1) is None
    # Once the human's turn has timed out, the bots carry on: they decide on the game as it is then.
    late = next_bot_command(s, s.clock + 200)
    assert late is not None and late.now == s.clock + 200
    assert s.turn_deadline is not None and apply(s, late)[0].version == s.version + 1
    assert s.turn == 0 or any(t.status is ThreatStatus.VOTING and t.found_by != 0 for t in s.threats)
    assert all(getattr(c, "seat", None) in (1, 2) for c in commands)


def test_bots_rate_then_finish(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)], bots=[1])
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Fn"))
    s, _ = apply(s, EndPlay(seat=0))
    c = next_bot_command(s, 5.0)
    assert isinstance(c, RateThreat) and c.seat == 1 and c.threat_id == "T1"
    s, _ = apply(s, c)
    assert isinstance(next_bot_command(s, 6.0), FinishRating)
