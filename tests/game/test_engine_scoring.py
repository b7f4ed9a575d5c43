"""Points and the scoreboard."""

from __future__ import annotations

from gamekit import table

from game.architecture import Architecture
from game.commands import PlayCard
from game.deck import Deck
from game.engine import apply
from game.scoring import ScoreLine, award_threat, award_trick, scoreboard
from game.state import Seat


def test_awards() -> None:
    seat = award_threat(award_trick(award_trick(Seat(0, "Ann"))))
    assert (seat.points, seat.tricks, seat.threats) == (3, 2, 1)


def test_scoreboard_most_points_first_ties_in_seat_order(arch: Architecture, deck: Deck) -> None:
    s = table(arch, deck, [("TA2",), ("TA4",), ("TA3",)])
    s, _ = apply(s, PlayCard(seat=0, card_id="TA2", target="Fn"))
    s, _ = apply(s, PlayCard(seat=1, card_id="TA4"))
    s, _ = apply(s, PlayCard(seat=2, card_id="TA3"))
    board = scoreboard(s)
    assert [(line.seat, line.points) for line in board] == [(0, 1), (1, 1), (2, 0)]
    assert board[0] == ScoreLine(0, "Ann", 1, 0, 1, True, False)
    assert board[1].to_dict() == {"seat": 1, "name": "Bob", "points": 1, "tricks": 1, "threats": 0, "present": True, "bot": False}
