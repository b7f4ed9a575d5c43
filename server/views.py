"""``game.views.view_for``, built incrementally across the versions of one game.

A broadcast needs one view per seat and one public view after every command.
Built from scratch, each re-renders every finished trick, every threat and
every card in hand, and most of it is the same for every seat; late in a game
that was most of the server's time. States are immutable and the engine shares
unchanged parts between versions (a finished trick, an untouched threat, a
hand nobody played from are the same objects), so this builder:

- renders the public view (seats, clock, tricks, threats, the final list)
  once per state (:meth:`ViewBuilder.public`); it is what spectators get, and
  what the broadcast sends once to everyone in the game;
- renders each seat's own parts apart (:meth:`ViewBuilder.own`: hand, legal
  moves, its votes and ratings), so a seat is sent something of its own only
  when they changed;
- reuses, by object identity, what did not change since the last state (threat
  items, cards, the hand, the legal moves when they are equal, the votes and
  ratings), holding the objects so ids are not reused;
- so consecutive views share every unchanged value as the same object, which
  makes :func:`server.patch.diff` cheap (identity first).

The result is always equal to ``game.views.view_for`` (checked for every seat
at every version of whole games, and through patches, in
``tests/server/test_views.py``); only the work differs.
"""

from __future__ import annotations

from typing import Any

from game import views as engine_views
from game.engine import legal_moves, unrated_by_seat, voting_threats
from game.errors import UnknownSeat
from game.priority import final_list
from game.scoring import scoreboard
from game.state import GameState, Phase
from game.threats import Threat, ThreatStatus
from game.trick import Trick

_VOTING = ThreatStatus.VOTING
_ACCEPTED = ThreatStatus.ACCEPTED


def _entry(old: dict[str, Any], new: dict[str, Any] | None, key: str, value: Any) -> dict[str, Any] | None:
    """``new`` (``old`` copied at its first change, None until then) with ``key`` set to ``value`` (None: gone)."""
    if old.get(key) == value:
        return new
    if new is None:
        new = dict(old)
    if value is None:
        del new[key]
    else:
        new[key] = value
    return new


def _kept(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """``new``, with the values equal to ``old``'s being ``old``'s objects (all of ``old`` when nothing changed).

    A waiting seat's moves change whenever the turn passes (whose turn the engine's refusal names) while what it
    is shown stays the same; the same objects make the patch pass over them by identity."""
    if old is None:
        return new
    if new == old:
        return old
    for key, value in new.items():
        before = old.get(key)
        if before is not value and before == value:
            new[key] = before
    return new


class _SeatMemo:
    """What was last built of one seat's own parts, to reuse in its next view."""

    __slots__ = ("threats", "mine", "setup", "hand", "hand_view", "moves", "legal", "targets_hand", "missed", "missed_view")

    def __init__(self) -> None:
        self.threats: tuple[Threat, ...] = ()
        self.mine: dict[str, dict[str, Any]] | None = None
        self.setup: bool | None = None
        self.hand: object = None
        self.hand_view: list[dict[str, Any]] | None = None
        self.moves: object = None
        self.legal: dict[str, Any] | None = None
        self.targets_hand: object = None
        self.missed: object = None
        self.missed_view: list[dict[str, Any]] | None = None


class ViewBuilder:
    """Builds views for one game; keep one per game and feed it that game's states."""

    def __init__(self) -> None:
        self._board: tuple[object, dict[str, Any], dict[str, Any]] | None = None
        self._cards: dict[str, dict[str, Any]] = {}
        self._tricks: dict[int, tuple[Trick, dict[str, Any]]] = {}
        self._state: GameState | None = None
        self._public: dict[str, Any] = {}
        self._present: tuple[int, ...] = ()
        self._views: dict[int | None, dict[str, Any]] = {}
        self._owns: dict[int, dict[str, Any]] = {}
        self._seats: dict[int, _SeatMemo] = {}
        self._threat_memo: tuple[tuple[Threat, ...], list[dict[str, Any]], bool, tuple[int, ...]] | None = None
        self._seats_src: tuple[object, object, list[dict[str, Any]]] | None = None
        self._clock: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        self._final: tuple[object, dict[str, Any]] | None = None
        self._public_threats: dict[int, dict[str, Any]] = {}
        self._threat_diff: tuple[tuple[Threat, ...], tuple[Threat, ...], list[int]] | None = None
        self._unrated: dict[int, tuple[str, ...]] | None = None
        self._unrated_of: tuple[Threat, ...] | None = None
        self._voting: tuple[Threat, ...] = ()

    # ------------------------------------------------------------------ parts

    def _static(self, state: GameState) -> tuple[dict[str, Any], dict[str, Any]]:
        board = state.board
        if self._board is None or self._board[0] is not board:
            probe = engine_views.view_for(state, None)
            self._board = (board, probe["architecture"], probe["deck"])
            self._cards = {}
            self._seats.clear()
            self._threat_memo = None
        return self._board[1], self._board[2]

    def _card(self, state: GameState, card_id: str) -> dict[str, Any]:
        view = self._cards.get(card_id)
        if view is None:
            # Boards are shared by the games on the same architecture and deck: so are their card faces.
            view = self._cards[card_id] = state.board.memo(
                ("card_view", card_id), lambda: engine_views.card_view(state.card(card_id)))
        return view

    def _trick(self, state: GameState, trick: Trick, keep: dict[int, tuple[Trick, dict[str, Any]]]) -> dict[str, Any]:
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
                "joined": list(trick.joined),
                "winner": trick.winner,
            }
        keep[id(trick)] = (trick, view)
        return view

    def _seats_view(self, state: GameState) -> list[dict[str, Any]]:
        # Seat standings change only with the seats or the hands.
        src = self._seats_src
        if src is not None and src[0] is state.seats and src[1] is state.hands:
            return src[2]
        view = engine_views.seats_view(state)
        if src is not None:
            if view == src[2]:
                view = src[2]
            elif len(view) == len(src[2]):
                # A move changes one or two seats' standing: the others stay the same objects, which the patch
                # then passes over by identity instead of comparing them key by key.
                view = [old if old == new else new for old, new in zip(src[2], view)]
        self._seats_src = (state.seats, state.hands, view)
        return view

    def _clock_view(self, state: GameState) -> dict[str, Any]:
        key = (state.clock, state.turn_deadline, state.play_deadline, state.rating_deadline)
        if self._clock is None or self._clock[0] != key:
            self._clock = (key, engine_views.clock_view(state))
        return self._clock[1]

    def _advance(self, state: GameState) -> None:
        """Render the public parts of ``state`` (once per state, for every seat)."""
        architecture, deck = self._static(state)
        keep: dict[int, tuple[Trick, dict[str, Any]]] = {}
        trick = None if state.trick is None else self._trick(state, state.trick, keep)
        tricks = [self._trick(state, t, keep) for t in state.tricks]
        self._tricks = keep
        final = None
        if state.phase is Phase.ENDED:
            if self._final is None or self._final[0] is not state:
                self._final = (state, {
                    "scoreboard": [line.to_dict() for line in scoreboard(state)],
                    "threats": [f.to_dict() for f in final_list(state)],
                })
            final = self._final[1]
        self._public = {
            "version": state.version,
            "phase": state.phase.value,
            "you": None,
            "facilitator": state.settings.facilitator,
            "architecture": architecture,
            "deck": deck,
            "start_suit": state.settings.start_suit.value,
            "seats": self._seats_view(state),
            "clock": self._clock_view(state),
            "turn": state.turn,
            "trick": trick,
            "tricks": tricks,
            "threats": None,
            "end_reason": state.end_reason,
            "hand": None,
            "must_lead": None,
            "legal": None,
            "mine": None,
            "missed": None,
            "final": final,
        }
        self._present = tuple(state.present())
        self._unrated = self._unrated_by_seat(state) if state.phase is Phase.RATING else None
        self._voting = voting_threats(state)
        self._views = {}
        self._owns = {}
        self._public_threats = {}
        self._state = state

    def _unrated_by_seat(self, state: GameState) -> dict[int, tuple[str, ...]]:
        """Every seat's unrated threats: from the last state's, when only ratings were added since (a rating
        takes one id out of one seat's list); else in one pass over the ratings, not one pass a seat."""
        threats, old, before = state.threats, self._unrated, self._unrated_of
        self._unrated_of = threats
        if old is None or before is None or len(before) != len(threats) or len(old) != len(state.seats):
            return unrated_by_seat(state)
        if before is threats:
            return old
        unrated = dict(old)
        for i in self._changed(before, threats):
            was, now = before[i], threats[i]
            if was.status is not now.status or was.id != now.id:
                return unrated_by_seat(state)
            if now.status is not _ACCEPTED:
                continue
            raters = {r.seat for r in was.ratings}
            added = {r.seat for r in now.ratings}
            if not raters <= added:  # a rating taken away (never, today): count again
                return unrated_by_seat(state)
            for seat in added - raters:
                unrated[seat] = tuple(tid for tid in unrated[seat] if tid != now.id)
        return unrated

    def _threat_public(self, state: GameState, index: int) -> dict[str, Any]:
        """The view of a threat in the current state (once per state, for every seat)."""
        view = self._public_threats.get(index)
        if view is None:
            view = self._public_threats[index] = engine_views.threat_public(state, state.threats[index])
        return view

    def _changed(self, old: tuple[Threat, ...], threats: tuple[Threat, ...]) -> list[int]:
        """Indexes of the threats that differ between two versions' tuples (found once per pair, for every seat)."""
        diff = self._threat_diff
        if diff is None or diff[0] is not old or diff[1] is not threats:
            changed = [i for i, t in enumerate(threats) if i >= len(old) or old[i] is not t]
            diff = self._threat_diff = (old, threats, changed)
        return diff[2]

    def _threats(self, state: GameState) -> list[dict[str, Any]]:
        """The threat items, rebuilding only those whose threat or context changed since the last state."""
        threats = state.threats
        setup = state.phase is Phase.SETUP
        present = self._present
        memo = self._threat_memo
        if memo is not None and threats is memo[0] and setup == memo[2] and present == memo[3]:
            return memo[1]
        out: list[dict[str, Any]]
        if memo is not None and setup == memo[2] and len(memo[0]) <= len(threats):
            old, old_views = memo[0], memo[1]
            if present == memo[3]:
                # The usual step: a command touched a threat or two.
                out = old_views[:]
                for i in self._changed(old, threats):
                    view = self._threat_public(state, i)
                    if i < len(out):
                        out[i] = view
                    else:
                        out.append(view)
            else:  # a seat came or went: the electorate of every open vote changes
                out = [old_views[i] if i < len(old) and old[i] is t and t.status is not _VOTING
                       else self._threat_public(state, i) for i, t in enumerate(threats)]
        else:
            out = [self._threat_public(state, i) for i in range(len(threats))]
        self._threat_memo = (threats, out, setup, present)
        return out

    def _mine(self, state: GameState, seat: int, memo: _SeatMemo) -> dict[str, dict[str, Any]]:
        """The seat's own votes and ratings, looking only at the threats that changed since its last view."""
        threats = state.threats
        setup = state.phase is Phase.SETUP
        mine = memo.mine
        if mine is not None and threats is memo.threats and setup == memo.setup:
            return mine
        if mine is None or setup != memo.setup or len(memo.threats) > len(threats):
            mine = engine_views.mine_view(state, seat)
        else:
            votes, ratings = mine["votes"], mine["ratings"]
            new_votes = new_ratings = None
            for i in self._changed(memo.threats, threats):
                t = threats[i]
                new_votes = _entry(votes, new_votes, t.id, engine_views.own_vote(t, seat))
                new_ratings = _entry(ratings, new_ratings, t.id, engine_views.own_rating(state, t, seat))
            if new_votes is not None or new_ratings is not None:
                # Unchanged parts stay the same objects: cheap to compare and to patch.
                mine = {"votes": votes if new_votes is None else new_votes,
                        "ratings": ratings if new_ratings is None else new_ratings}
        memo.threats, memo.mine, memo.setup = threats, mine, setup
        return mine

    # ------------------------------------------------------------------ views

    def public(self, state: GameState) -> dict[str, Any]:
        """The view every seat shares and spectators get: ``game.views.view_for(state, None)``.

        Cached per state; do not mutate what is returned.
        """
        if state is not self._state:
            self._advance(state)
        view = self._views.get(None)
        if view is None:
            view = self._views[None] = dict(self._public, threats=self._threats(state))
        return view

    def own(self, state: GameState, seat: int) -> dict[str, Any]:
        """What only ``seat`` sees (the view's ``OWN_KEYS``): its seat number, hand, opening card, moves, votes
        and ratings, what it missed. Cached per state; do not mutate what is returned."""
        if isinstance(seat, bool) or not isinstance(seat, int) or not 0 <= seat < len(state.seats):
            raise UnknownSeat(f"there is no seat {seat}")
        if state is not self._state:
            self._advance(state)
        own = self._owns.get(seat)
        if own is not None:
            return own
        memo = self._seats.get(seat)
        if memo is None:
            memo = self._seats[seat] = _SeatMemo()
        hand = state.hands[seat]
        if hand is not memo.hand or memo.hand_view is None:
            memo.hand, memo.hand_view = hand, [self._card(state, i) for i in hand]
        moves = legal_moves(state, seat, self._unrated, self._voting)
        if memo.legal is None or moves != memo.moves:
            # The targets follow from the hand alone: the same hand keeps the same object (cheap to patch).
            targets = memo.legal["targets"] if memo.legal is not None and memo.targets_hand is hand else None
            memo.moves, memo.legal = moves, _kept(memo.legal, engine_views.legal_view(state, moves, targets))
            memo.targets_hand = hand
        missed = state.seats[seat].missed
        if missed is not memo.missed or memo.missed_view is None:
            memo.missed, memo.missed_view = missed, engine_views.missed_view(missed)
        own = self._owns[seat] = {
            "you": seat,
            "hand": memo.hand_view,
            "must_lead": state.must_lead if state.must_lead in hand else None,
            "legal": memo.legal,
            "mine": self._mine(state, seat, memo),
            "missed": memo.missed_view,
        }
        return own

    def view_for(self, state: GameState, seat: int | None) -> dict[str, Any]:
        """The same dict as ``game.views.view_for(state, seat)``: :meth:`public` with :meth:`own` over it.

        Views of the current state are cached; do not mutate what is returned.
        """
        if seat is None:
            return self.public(state)
        own = self.own(state, seat)
        view = self._views.get(seat)
        if view is None:
            view = self._views[seat] = {**self.public(state), **own}
        return view
