"""Views: a seat sees its own hand and the public state; nothing hidden leaks to anyone else."""

from __future__ import annotations

import json

import pytest
from gamekit import TINY_IDS, settings, table

from game.architecture import Architecture
from game.bots import autoplay, next_bot_command
from game.cards import Suit
from game.commands import AddThreat, CastVote, EndPlay, PlayCard, RateThreat, StartGame
from game.deck import Deck
from game.engine import apply, new_game
from game.errors import UnknownSeat
from game.state import GameState, Phase
from game.views import view_for


def hidden_from(state: GameState, seat: int | None) -> set[str]:
    """Card ids ``seat`` must not see: other hands, and the set-aside cards."""
    hidden = set(state.set_aside)
    for other, hand in enumerate(state.hands):
        if other != seat:
            hidden.update(hand)
    return hidden


def assert_no_leak(state: GameState) -> None:
    for seat in [None, *range(len(state.seats))]:
        text = json.dumps(view_for(state, seat), sort_keys=True)
        leaked = sorted(c for c in hidden_from(state, seat) if c in text)
        assert not leaked, f"seat {seat} sees {leaked}"
        assert '"seed"' not in text


def test_own_hand_only(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "SP2"), ("TA3",), ("IN2",)])
    v = view_for(s, 0)
    assert [c["id"] for c in v["hand"]] == ["TA2", "SP2"]
    assert v["hand"][0] == {
        "id": "TA2",
        "suit": "T",
        "category": "Tampering",
        "rank": 2,
        "title": "Trusts input",
        "question": "Could crafted input hurt?",
        "holds_when": None,
        "applies_to": ["lambda"],
        "open": False,
        "rule": {"attr": "validates_input", "is": False},
        "mitigation": "Validate.",
        "explanation": "x",
        "references": [],
    }
    assert [x["hand_size"] for x in v["seats"]] == [2, 1, 1]
    assert "seed" not in v and "set_aside" not in v
    spectator = view_for(s, None)
    assert spectator["hand"] is None and spectator["legal"] is None and spectator["you"] is None
    with pytest.raises(UnknownSeat):
        view_for(s, 7)


def test_legal_moves_in_the_view(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2", "SP2"), ("TA3", "SP3"), ("IN2",)])
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2"))
    legal = view_for(s, 1)["legal"]
    assert legal["on_turn"] and legal["playable"] == ["TA3"] and legal["can_pass"]
    assert legal["blocked"] == [{"card": "SP3", "code": "must_follow_suit", "message": "Tampering was led and you hold Tampering: follow suit"}]
    assert legal["targets"] == {"TA3": ["Api"], "SP3": ["User", "Api"]}
    assert view_for(s, 0)["legal"]["facilitator"] == ["EndPlay", "EndGame", "SkipSeat", "RemoveSeat", "HandOver"]


def test_the_opening_card_is_the_leaders_secret(arch: Architecture, deck: Deck) -> None:
    s, _ = apply(new_game(settings(), arch, deck, 2), StartGame(seat=0))
    leader = s.turn
    assert leader is not None
    for seat in range(3):
        assert view_for(s, seat)["must_lead"] == (s.must_lead if seat == leader else None)
    assert_no_leak(s)


def test_ballots_are_secret_until_the_vote_closes(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)])
    s, _ = apply(s, AddThreat(seat=1, target="Api", suit=Suit.SPOOFING, text="x"))
    s, _ = apply(s, CastVote(seat=0, threat_id="T1", accept=False))
    mine, theirs = view_for(s, 0), view_for(s, 2)
    assert mine["threats"][0]["vote"] == {"deadline": 120.0, "electorate": [0, 2, 3], "cast": 1}
    assert mine["mine"]["votes"] == {"T1": False}  # her own ballot, apart from what everyone sees
    assert theirs["threats"] == mine["threats"] and theirs["mine"]["votes"] == {}
    assert view_for(s, None)["mine"] is None
    s, _ = apply(s, CastVote(seat=2, threat_id="T1", accept=True))
    s, _ = apply(s, CastVote(seat=3, threat_id="T1", accept=True))
    closed = view_for(s, None)["threats"][0]
    assert closed["status"] == "accepted" and closed["vote"] == {"yes": [2, 3], "no": [0]}
    assert view_for(s, 0)["mine"]["votes"] == {"T1": False}


def test_an_unknown_answer_says_what_the_model_lacks_as_data(arch: Architecture, deck: Deck) -> None:
    """The client tells the player which attribute of which element to fill in from ``gaps``, not from the
    reason's words; a threat the rule decided, or that no rule judges, has no ``gaps`` key at all."""
    s = table(arch, deck, [("TA2",), ("TA3",), ("TA4",), ("SP2",)])
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Fn"))
    s, _ = apply(s, PlayCard(seat=1, card_id="TA3", target="Api"))
    s, _ = apply(s, AddThreat(seat=2, target="Api", suit=Suit.SPOOFING, text="x"))
    held, unknown, note = view_for(s, None)["threats"]
    assert unknown["truth"] == "unknown" and unknown["reason"] == "Api: throttling is not known"
    assert unknown["gaps"] == [{"kind": "component", "id": "Api", "attr": "throttling"}]
    assert "gaps" not in held and "gaps" not in note
    # Every seat sees it alike, and it stays once the table has voted.
    assert view_for(s, 3)["threats"][1]["gaps"] == unknown["gaps"]
    for seat in (0, 2):  # two yes of three voters decide it
        s, _ = apply(s, CastVote(seat=seat, threat_id="T2", accept=True))
    decided = view_for(s, None)["threats"][1]
    assert decided["status"] == "accepted" and decided["gaps"] == unknown["gaps"]


def test_ratings_are_secret_until_the_end(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA3",)])
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Fn"))
    s, _ = apply(s, EndPlay(seat=0))
    s, _ = apply(s, RateThreat(seat=1, threat_id="T1", likelihood=5, impact=2))
    assert view_for(s, 1)["threats"][0]["ratings"] == {"count": 1}
    assert view_for(s, 1)["mine"]["ratings"] == {"T1": {"likelihood": 5, "impact": 2}}
    assert view_for(s, 0)["threats"] == view_for(s, 1)["threats"] and view_for(s, 0)["mine"]["ratings"] == {}
    assert view_for(s, 0)["final"] is None
    s, _ = apply(s, RateThreat(seat=0, threat_id="T1", likelihood=3, impact=3))
    final = view_for(s, None)["final"]
    assert s.phase is Phase.ENDED and final["threats"][0]["votes"][0]["likelihood"] == 5
    assert [line["seat"] for line in final["scoreboard"]] == [0, 1]


@pytest.mark.parametrize("seats", [1, 3, 5])
def test_no_hidden_card_in_any_view_during_a_bot_game(seats: int, arch: Architecture, deck: Deck) -> None:
    names = [f"P{i}" for i in range(seats)]
    s = new_game(settings(names, bots=range(seats)), arch, deck, 1000 + seats)
    now = 0.0
    while True:
        assert_no_leak(s)
        command = next_bot_command(s, now)
        if command is None:
            break
        s, _ = apply(s, command)
        now += 1
    assert s.phase is Phase.ENDED


def test_views_are_json(arch: Architecture, deck: Deck) -> None:
    s, _, _ = autoplay(new_game(settings(bots=range(3)), arch, deck, 5))
    for seat in (None, 0, 1, 2):
        assert json.loads(json.dumps(view_for(s, seat))) == view_for(s, seat)


def test_tiny_ids_are_distinctive() -> None:
    """The leak test searches for ids as substrings; make sure no other text contains one."""
    from gamekit import TINY_DECK, TINY_MODEL

    for cid in TINY_IDS:
        assert TINY_MODEL.count(cid) == 0 and TINY_DECK.count(cid) == 1


def test_a_seat_waiting_for_its_turn_sees_the_same_moves_while_the_turn_passes_between_others(
        arch: Architecture, deck: Deck) -> None:
    # The reason names nobody (the view's turn does), so Cat's moves do not change as Ann and Bob play.
    s = table(arch, deck, [("TA2", "SP2"), ("TA3", "SP3"), ("TA4", "IN2")])
    before = view_for(s, 2)["legal"]
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Fn"))
    after = view_for(s, 2)
    assert after["turn"] == 1 and after["legal"] == before
    assert {b["code"] for b in before["blocked"]} == {"not_your_turn"}
    assert {b["message"] for b in before["blocked"]} == {"it is not your turn"}
