"""``game.views.view_for``, memoised across the versions of one game.

A broadcast needs one view per seat and one public view after every command;
building each from scratch re-renders every finished trick, every threat and
every card in hand, which late in a game is most of the server's time. States
are immutable and the engine shares unchanged parts between versions, so a
finished trick, an unchanged threat or a card renders to the same data as
before: this builder reuses it, keyed by object identity (holding the objects
so ids are not reused), and builds the rest exactly as ``view_for`` does,
with its own helpers. Reused parts are the same objects in consecutive
views, which also makes comparing them for patches cheap.

``tests/server/test_views.py`` checks that the result equals ``view_for``
for every seat at every version of whole games; if the engine's view changes
shape, that test names the difference. ``EXACT_VIEWS`` (setting) bypasses
this module.
"""

from __future__ import annotations

from typing import Any

from game import views as engine_views
from game.errors import UnknownSeat
from game.priority import final_list
from game.scoring import scoreboard
from game.state import GameState, Phase
from game.threats import ThreatStatus


class ViewBuilder:
    """Builds views for one game; keep one per game and feed it that game's states."""

    def __init__(self) -> None:
        self._board: tuple[object, dict[str, Any], dict[str, Any]] | None = None
        self._cards: dict[str, dict[str, Any]] = {}
        self._tricks: dict[int, tuple[object, dict[str, Any]]] = {}
        self._threats: dict[tuple[int, int | None, str, tuple[int, ...] | None], tuple[object, dict[str, Any]]] = {}
        self._final: tuple[object, dict[str, Any]] | None = None
        self._state: object = None

    def _static(self, state: GameState) -> tuple[dict[str, Any], dict[str, Any]]:
        board = state.board
        if self._board is None or self._board[0] is not board:
            probe = engine_views.view_for(state, None)
            self._board = (board, probe["architecture"], probe["deck"])
            self._cards = {}
        return self._board[1], self._board[2]

    def _card(self, state: GameState, card_id: str) -> dict[str, Any]:
        view = self._cards.get(card_id)
        if view is None:
            view = self._cards[card_id] = engine_views.card_view(state.card(card_id))
        return view

    def _trick(self, state: GameState, trick: Any, keep: dict[int, tuple[object, dict[str, Any]]]) -> dict[str, Any]:
        hit = self._tricks.get(id(trick))
        if hit is not None and hit[0] is trick:
            view = hit[1]
        else:
            view = {
                "number": trick.number,
                "leader": trick.leader,
                "led": None if trick.led is None else trick.led.value,
                "plays": [{"seat": p.seat, "card": self._card(state, p.card_id)} for p in trick.plays],
                "passed": list(trick.passed),
                "winner": trick.winner,
            }
        keep[id(trick)] = (trick, view)
        return view

    def view_for(self, state: GameState, seat: int | None) -> dict[str, Any]:
        """The same dict as ``game.views.view_for(state, seat)``."""
        if seat is not None and (isinstance(seat, bool) or not isinstance(seat, int) or not 0 <= seat < len(state.seats)):
            raise UnknownSeat(f"there is no seat {seat}")
        architecture, deck = self._static(state)
        new_state = state is not self._state
        tricks_keep: dict[int, tuple[object, dict[str, Any]]] = {} if new_state else self._tricks
        trick = None if state.trick is None else self._trick(state, state.trick, tricks_keep)
        tricks = [self._trick(state, t, tricks_keep) for t in state.tricks]
        present = tuple(state.present())
        threats = []
        for t in state.threats:
            key = (id(t), seat, state.phase.value, present if t.status is ThreatStatus.VOTING else None)
            hit = self._threats.get(key)
            if hit is not None and hit[0] is t:
                threats.append(hit[1])
            else:
                tv = engine_views._threat_view(state, t, seat)
                self._threats[key] = (t, tv)
                threats.append(tv)
        if new_state:
            self._tricks = tricks_keep
            live = {id(t) for t in state.threats}
            self._threats = {k: v for k, v in self._threats.items() if k[0] in live}
            self._state = state
        view: dict[str, Any] = {
            "version": state.version,
            "phase": state.phase.value,
            "you": seat,
            "facilitator": state.settings.facilitator,
            "architecture": architecture,
            "deck": deck,
            "start_suit": state.settings.start_suit.value,
            "seats": engine_views.seats_view(state),
            "clock": engine_views.clock_view(state),
            "turn": state.turn,
            "trick": trick,
            "tricks": tricks,
            "threats": threats,
            "end_reason": state.end_reason,
            "hand": None,
            "must_lead": None,
            "legal": None,
            "final": None,
        }
        if seat is not None:
            hand = state.hands[seat]
            view["hand"] = [self._card(state, i) for i in hand]
            view["must_lead"] = state.must_lead if state.must_lead in hand else None
            view["legal"] = engine_views._legal_view(state, seat)
        if state.phase is Phase.ENDED:
            if self._final is None or self._final[0] is not state:
                self._final = (state, {
                    "scoreboard": [line.to_dict() for line in scoreboard(state)],
                    "threats": [f.to_dict() for f in final_list(state)],
                })
            view["final"] = self._final[1]
        return view
