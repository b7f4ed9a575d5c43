"""JoinLate: someone who arrives after the start takes a new seat, with a fair share of the face-down cards."""

from __future__ import annotations

from collections import Counter

import pytest

from game import errors
from game.architecture import Architecture
from game.bots import autoplay
from game.commands import (
    CastVote,
    EndGame,
    EndPlay,
    FinishRating,
    JoinLate,
    PassTurn,
    PlayCard,
    RateThreat,
    RemoveSeat,
    StartGame,
)
from game.deck import Deck
from game.engine import apply, check, legal_moves, new_game, playable
from game.events import SeatJoined, TurnStarted
from game.scoring import scoreboard
from game.serialize import command_from_dict, command_to_dict, event_from_dict, event_to_dict, state_from_dict, state_to_dict
from game.state import MAX_HUMANS, MAX_SEATS, GameState, Phase, SeatSpec, Settings
from game.threats import ThreatStatus
from game.views import view_for

from gamekit import TINY_IDS, card_places, settings, table


def started(arch: Architecture, deck: Deck, seed: int = 3) -> GameState:
    """Ann, Bob and Cat, dealt four cards each (nothing set aside), Ann or whoever holds the opening card on turn."""
    return apply(new_game(settings(), arch, deck, seed), StartGame(seat=0))[0]


def test_a_late_joiner_takes_the_seat_after_the_last_with_an_even_share(arch: Architecture, deck: Deck) -> None:
    s = started(arch, deck)  # 12 cards, three seats of four, nothing set aside
    before = [set(h) for h in s.hands]
    after, events = apply(s, JoinLate(name="  Dee ", now=5.0))
    assert [x.name for x in after.seats] == ["Ann", "Bob", "Cat", "Dee"]
    dee = after.seats[3]
    assert (dee.id, dee.present, dee.bot, dee.points, dee.tricks, dee.threats) == (3, True, False, 0, 0, 0)
    assert after.settings.seats[3] == SeatSpec("Dee")
    assert events == [SeatJoined(seat=3, name="Dee", hand_sizes=(3, 3, 3, 3))]
    assert after.version == s.version + 1
    # No card appears or disappears; the newcomer's cards came out of the others' hands.
    assert Counter(card_places(after)) == Counter(TINY_IDS)
    for seat in range(3):
        assert set(after.hands[seat]) <= before[seat]
    assert set(after.hands[3]) <= set().union(*before)
    # The opening card stays with its holder, who still must lead it.
    assert after.must_lead == s.must_lead and s.must_lead in after.hands[s.turn]
    assert after.turn == s.turn and after.trick is not None and 3 in after.trick.passed


def test_the_set_aside_cards_go_first(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "SP2"), ("TA3", "SP3")])  # eight cards set aside
    after, events = apply(s, JoinLate(name="Cat"))
    # (4 in hands + 8 set aside) // 3 seats = 4, all from the pile: the players keep their hands.
    assert after.hands[:2] == s.hands and len(after.hands[2]) == 4
    assert set(after.hands[2]) <= set(s.set_aside) and len(after.set_aside) == 4
    assert Counter(card_places(after)) == Counter(TINY_IDS)
    assert events[0].hand_sizes == (2, 2, 4)


def test_the_share_is_drawn_from_the_longest_hands(arch: Architecture, deck: Deck) -> None:
    hands = [("TA2", "SP2", "SP3", "SP4", "RE2", "IN2"), ("TA3", "IN3"), ("TA4", "DO2", "EL2", "EL3")]
    s = table(arch, deck, hands)
    after, _ = apply(s, JoinLate(name="Dan"))
    # 12 cards among four seats: three each, taken one at a time from whoever holds most.
    # Ann gives two (six, then five: the most), then Ann and Cat hold four each and the lower seat gives.
    assert [len(h) for h in after.hands] == [3, 2, 4, 3]
    assert set(after.hands[3]) <= set(hands[0]) and after.hands[1] == s.hands[1] and after.hands[2] == s.hands[2]


def test_the_deal_is_seeded_from_the_state(arch: Architecture, deck: Deck) -> None:
    s = started(arch, deck, seed=11)
    one, _ = apply(s, JoinLate(name="Dee"))
    two, _ = apply(s, JoinLate(name="Dee"))
    assert one.hands == two.hands
    dealt = {apply(started(arch, deck, seed=k), JoinLate(name="Dee"))[0].hands[3] for k in range(12)}
    assert len(dealt) > 1, "the newcomer's share depends on the seed"


def test_the_newcomer_sits_out_the_trick_in_progress_and_plays_from_the_next(arch: Architecture, deck: Deck) -> None:
    s = started(arch, deck)
    s, _ = apply(s, JoinLate(name="Dee"))
    assert s.trick is not None and s.trick.number == 1
    while s.trick is not None and s.trick.number == 1:
        assert s.turn != 3
        s, _ = apply(s, PlayCard(seat=s.turn, card_id=playable(s, s.turn)[0]))  # type: ignore[arg-type]
    on_turn = []
    while s.trick is not None and s.trick.number == 2:
        on_turn.append(s.turn)
        s, _ = apply(s, PlayCard(seat=s.turn, card_id=playable(s, s.turn)[0]))  # type: ignore[arg-type]
    # Clockwise from the leader, with the newcomer after the last seat.
    leader = on_turn[0]
    assert on_turn == [(leader + k) % 4 for k in range(4)]


def test_the_trick_says_who_joined_during_it_apart_from_who_passed(arch: Architecture, deck: Deck) -> None:
    s = started(arch, deck)
    leader = s.turn
    assert leader is not None
    s, _ = apply(s, PassTurn(seat=leader))
    s, _ = apply(s, JoinLate(name="Dee"))
    assert s.trick is not None and s.trick.passed == (leader, 3) and s.trick.joined == (3,)
    # Every view carries it, spectators' too: the newcomer never had a turn to let go.
    for seat in (None, 0, 3):
        trick = view_for(s, seat)["trick"]
        assert trick["passed"] == [leader, 3] and trick["joined"] == [3]
    # It goes with the snapshot, and the next trick starts with nobody joining.
    assert state_from_dict(state_to_dict(s)).trick == s.trick
    while s.trick is not None and s.trick.number == 1:
        s, _ = apply(s, PlayCard(seat=s.turn, card_id=playable(s, s.turn)[0]))  # type: ignore[arg-type]
    assert s.trick is not None and s.trick.joined == () and view_for(s, 0)["trick"]["joined"] == []
    assert view_for(s, 0)["tricks"][0]["joined"] == [3]


def test_a_late_joiner_votes_on_the_votes_still_open(arch: Architecture, deck: Deck) -> None:
    hands = [("SP3", "TA2"), ("TA3", "SP2"), ("IN2", "EL3")]
    s, _ = apply(table(arch, deck, hands), PlayCard(seat=0, card_id="SP3", target="Api"))
    assert s.threats[0].status is ThreatStatus.VOTING
    s, _ = apply(s, CastVote(seat=1, threat_id="T1", accept=True))
    # Without the newcomer, Cat's no would make it one to one: a tie, rejected.
    tie, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=False))
    assert tie.threats[0].status is ThreatStatus.REJECTED
    s, _ = apply(s, JoinLate(name="Dan"))
    assert s.threats[0].status is ThreatStatus.VOTING
    assert legal_moves(s, 3).votable == ("T1",)
    assert view_for(s, 3)["threats"][0]["vote"]["electorate"] == [1, 2, 3]
    s, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=False))
    assert s.threats[0].status is ThreatStatus.VOTING  # one to one of three: not decided yet
    s, _ = apply(s, CastVote(seat=3, threat_id="T1", accept=True))
    tally = s.threats[0].tally
    assert s.threats[0].status is ThreatStatus.ACCEPTED and tally is not None and tally.yes == (1, 3)


def test_a_late_joiner_rates_and_the_game_waits_for_it(arch: Architecture, deck: Deck) -> None:
    hands = [("IN2", "TA2"), ("TA3", "SP2"), ("SP3", "EL3")]
    s, _ = apply(table(arch, deck, hands), PlayCard(seat=0, card_id="IN2", target="Bucket"))
    assert s.threats[0].status is ThreatStatus.ACCEPTED
    s, _ = apply(s, JoinLate(name="Dan"))
    s, _ = apply(s, EndPlay(seat=0))
    assert s.phase is Phase.RATING and legal_moves(s, 3).unrated == ("T1",)
    for seat in range(3):
        s, _ = apply(s, FinishRating(seat=seat))
    assert s.phase is Phase.RATING, "the newcomer has not rated yet"
    s, _ = apply(s, RateThreat(seat=3, threat_id="T1", likelihood=4, impact=5))
    assert s.phase is Phase.ENDED
    assert [(line.name, line.points) for line in s.seats if line.name == "Dan"] == [("Dan", 0)]


def test_a_late_joiner_can_be_removed_like_any_seat(arch: Architecture, deck: Deck) -> None:
    s = started(arch, deck)
    s, _ = apply(s, JoinLate(name="Dee"))
    held = s.hands[3]
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=3))
    assert not s.seats[3].present and s.hands[3] == () and set(held) <= set(s.set_aside)


def test_a_removed_player_comes_back_in_a_new_seat_and_the_old_one_keeps_its_score(arch: Architecture, deck: Deck) -> None:
    hands = [("TA2", "SP2"), ("IN2", "TA3"), ("SP3", "EL3")]
    s, _ = apply(table(arch, deck, hands), PassTurn(seat=0))
    s, _ = apply(s, PlayCard(seat=1, card_id="IN2", target="Bucket"))  # Bob finds a threat the rules accept...
    assert s.threats[0].status is ThreatStatus.ACCEPTED and s.seats[1].points == 1
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=1))  # ...and his laptop dies: the facilitator removes him
    bob = s.seats[1]
    s, events = apply(s, JoinLate(name=" bob "))  # Bob is back, on a new seat (typed as he likes)
    assert [(x.id, x.name, x.present, x.points) for x in s.seats] == [
        (0, "Ann", True, 0), (1, "Bob", False, 1), (2, "Cat", True, 0), (3, "bob", True, 0)]
    assert s.seats[1] == bob  # the removed seat keeps its points and threats
    assert s.threats[0].found_by == 1
    assert events[0] == SeatJoined(seat=3, name="bob", hand_sizes=(2, 0, 2, 3))
    assert [line.name for line in scoreboard(s)] == ["Bob", "Ann", "Cat", "bob"]
    assert state_from_dict(state_to_dict(s)) == s
    # Only one of them is still in the game: a second Bob is refused, named after the present one.
    with pytest.raises(errors.NameTaken) as info:
        apply(s, JoinLate(name="BOB"))
    assert "bob" in info.value.message
    # The new seat plays on like any late joiner, and the game ends with both on the scoreboard.
    s, _ = apply(s, EndGame(seat=0))
    assert [(line.name, line.points, line.present) for line in s.seats if line.name.casefold() == "bob"] == [
        ("Bob", 1, False), ("bob", 0, True)]


def test_removed_seats_free_their_human_seat_but_not_their_place_at_the_table(arch: Architecture, deck: Deck) -> None:
    names = [f"P{i}" for i in range(MAX_HUMANS)]
    s = table(arch, deck, [(c,) for c in TINY_IDS[:MAX_HUMANS]], names=names)
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=3))
    s, _ = apply(s, JoinLate(name="P3"))  # all eight human seats were taken: one is free again
    assert s.seats[-1].name == "P3" and len(s.seats) == MAX_HUMANS + 1
    with pytest.raises(errors.TableFull) as info:
        apply(s, JoinLate(name="Late"))  # eight still in the game
    assert str(MAX_HUMANS) in info.value.message
    # Every seat ever taken counts towards the table's size: removing and joining again stops there.
    while len(s.seats) < MAX_SEATS:
        s, _ = apply(s, RemoveSeat(seat=0, target_seat=len(s.seats) - 1))
        s, _ = apply(s, JoinLate(name=f"Back {len(s.seats)}"))
    s, _ = apply(s, RemoveSeat(seat=0, target_seat=len(s.seats) - 1))
    with pytest.raises(errors.TableFull) as info:
        apply(s, JoinLate(name="One more"))
    assert str(MAX_SEATS) in info.value.message


@pytest.mark.parametrize("name", ["bob", " BOB  "])
def test_a_name_already_at_the_table_is_refused(arch: Architecture, deck: Deck, name: str) -> None:
    s = started(arch, deck)
    with pytest.raises(errors.NameTaken) as info:
        apply(s, JoinLate(name=name))
    assert info.value.code == "name_taken" and "Bob" in info.value.message


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, 7])
def test_a_blank_long_or_missing_name_is_invalid(arch: Architecture, deck: Deck, name: object) -> None:
    with pytest.raises(errors.InvalidCommand):
        apply(started(arch, deck), JoinLate(name=name))  # type: ignore[arg-type]


def test_joining_late_is_refused_outside_play(arch: Architecture, deck: Deck) -> None:
    setup = new_game(settings(), arch, deck, 3)
    with pytest.raises(errors.WrongPhase):
        apply(setup, JoinLate(name="Dee"))
    rating, _ = apply(table(arch, deck, [("IN2",), ("TA3",)]), PlayCard(seat=0, card_id="IN2", target="Bucket"))
    rating, _ = apply(rating, EndPlay(seat=0))
    assert rating.phase is Phase.RATING
    with pytest.raises(errors.WrongPhase) as info:
        check(rating, JoinLate(name="Dee"))
    assert info.value.code == "wrong_phase"
    ended, _ = apply(started(arch, deck), EndGame(seat=0))
    with pytest.raises(errors.GameOver):
        apply(ended, JoinLate(name="Dee"))


def test_a_full_table_is_refused(arch: Architecture, deck: Deck) -> None:
    names = [f"P{i}" for i in range(MAX_SEATS)]
    full = table(arch, deck, [(c,) for c in TINY_IDS], names=names, bots=range(MAX_HUMANS, MAX_SEATS))
    with pytest.raises(errors.TableFull) as info:
        apply(full, JoinLate(name="Late"))
    assert info.value.code == "table_full"
    humans = table(arch, deck, [(c,) for c in TINY_IDS[:MAX_HUMANS]], names=names[:MAX_HUMANS])
    with pytest.raises(errors.TableFull):
        apply(humans, JoinLate(name="Late"))
    one_less = table(arch, deck, [(c,) for c in TINY_IDS[: MAX_HUMANS - 1]], names=names[: MAX_HUMANS - 1])
    assert apply(one_less, JoinLate(name="Late"))[0].seats[-1].name == "Late"


def test_a_refused_join_changes_nothing(arch: Architecture, deck: Deck) -> None:
    s = started(arch, deck)
    snapshot = state_to_dict(s)
    with pytest.raises(errors.NameTaken):
        apply(s, JoinLate(name="Ann"))
    assert state_to_dict(s) == snapshot


def test_a_late_join_round_trips_through_snapshots_and_the_log(arch: Architecture, deck: Deck) -> None:
    s = started(arch, deck)
    command = JoinLate(name="Dee", now=3.0)
    assert command_from_dict(command_to_dict(command)) == command
    after, events = apply(s, command)
    assert [event_from_dict(event_to_dict(e)) for e in events] == events
    assert state_from_dict(state_to_dict(after)) == after
    # A view shows the newcomer its own hand and the others only its size.
    mine, other = view_for(after, 3), view_for(after, 0)
    assert [c["id"] for c in mine["hand"]] == list(after.hands[3])
    assert other["seats"][3]["hand_size"] == len(after.hands[3])
    assert not any(c in str(other) for c in after.hands[3])


def test_bots_play_on_around_a_late_joiner(arch: Architecture, deck: Deck) -> None:
    s = new_game(Settings(seats=(SeatSpec("Ann"), SeatSpec("Bot 1", bot=True), SeatSpec("Bot 2", bot=True)),
                          turn_seconds=None), arch, deck, 5)
    s, _ = apply(s, StartGame(seat=0))
    s, _ = apply(s, JoinLate(name="Dee"))
    humans = (0, 3)
    for _ in range(100):
        s, _, _ = autoplay(s, now=s.clock)
        if s.phase is Phase.PLAY:
            assert s.turn in humans, "the bots wait only for a human"
            s, _ = apply(s, PlayCard(seat=s.turn, card_id=playable(s, s.turn)[0]))
        elif s.phase is Phase.RATING:
            for seat in humans:
                if not s.seats[seat].finished and s.phase is Phase.RATING:
                    s, _ = apply(s, FinishRating(seat=seat))
        else:
            break
    assert s.phase is Phase.ENDED and s.end_reason == "rated"
    assert Counter(card_places(s)) == Counter(TINY_IDS)
    assert any(p.seat == 3 for t in s.tricks for p in t.plays), "the newcomer played"
