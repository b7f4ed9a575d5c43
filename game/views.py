"""What one seat (or a spectator) may see: the public state plus its own hand.

The server sends each seat ``view_for(state, seat)`` and spectators
``view_for(state, None)``. Secrets are removed here, before anything reaches a
transport: other seats' hands (only their sizes are shown), the set-aside
cards (not even their number), the seed, the card the opening leader must
lead (to anyone but its holder), how each seat voted while a vote is open,
and everyone else's ratings until the game ends.

The result is plain JSON data (dicts, lists, str, int, float, bool, None).
"""

from __future__ import annotations

from typing import Any

from game.cards import Card
from game.engine import LegalMoves, legal_moves
from game.errors import UnknownSeat
from game.priority import final_list
from game.scoring import scoreboard
from game.state import GameState, Missed, Phase, evolve
from game.threats import JudgedBy, Threat, ThreatStatus
from game.trick import Trick
from game.voting import electorate

OWN_KEYS = ("you", "hand", "must_lead", "legal", "mine", "missed")
"""View keys only that seat sees: its seat number, hand, opening card, legal moves, votes and ratings, and what
the game settled without it since it last acted (a spectator's are null)."""
PUBLIC_KEYS = ("version", "phase", "facilitator", "architecture", "deck", "start_suit", "seats", "clock", "turn",
               "trick", "tricks", "threats", "end_reason", "final")
"""View keys every seat sees alike."""


def card_view(card: Card) -> dict[str, Any]:
    """A card face up: everything printed on it."""
    return {
        "id": card.id,
        "suit": card.suit.value,
        "category": card.suit.category,
        "rank": card.rank,
        "title": card.title,
        "question": card.question,
        "holds_when": card.holds_when,
        "applies_to": sorted(card.applies_to),
        "open": card.is_open,
        "rule": card.rule_source,
        "mitigation": card.mitigation,
        "explanation": card.explanation,
        "references": [{"label": r.label, "url": r.url} for r in card.references],
    }


def _trick_view(state: GameState, trick: Trick) -> dict[str, Any]:
    return {
        "number": trick.number,
        "leader": trick.leader,
        "led": None if trick.led is None else trick.led.value,
        "plays": [{"seat": p.seat, "card": card_view(state.card(p.card_id))} for p in trick.plays],
        "passed": list(trick.passed),
        # Which of `passed` never had a turn: they came in mid-trick (a client shows them as joining, not passing).
        "joined": list(trick.joined),
        "winner": trick.winner,
    }


def threat_public(state: GameState, t: Threat) -> dict[str, Any]:
    """A threat as every seat sees it (each seat's own vote and rating are in its ``mine``: :func:`mine_view`)."""
    card = None if t.card_id is None else state.card(t.card_id)
    view: dict[str, Any] = {
        "id": t.id,
        "card": t.card_id,
        "card_title": None if card is None else card.title,
        "suit": t.suit.value,
        "category": t.suit.category,
        "target": t.target,
        "target_kind": t.target_kind.value,
        "text": t.text,
        "truth": t.truth.value,
        "reason": t.reason,
        "status": t.status.value,
        "judged_by": None if t.judged_by is None else t.judged_by.value,
        "source": t.source.value,
        "trick": t.trick,
        "found_by": t.found_by,
        "mitigation": None if card is None else card.mitigation,
    }
    if t.gaps:
        # The reason's "is not known" as data, for the client to say what the model lacks (only on unknown
        # answers, so most threats carry no extra key).
        view["gaps"] = [{"kind": g.kind, "id": g.id, "attr": g.attr} for g in t.gaps]
    if t.status is ThreatStatus.VOTING:
        voters = electorate(state.present(), t.found_by)
        view["vote"] = {
            "deadline": t.vote_deadline,
            "electorate": list(voters),
            "cast": sum(1 for v in t.votes if v.seat in voters),
        }
    elif t.judged_by is JudgedBy.VOTE:
        counted = t.settled_tally()
        view["vote"] = {"yes": list(counted.yes), "no": list(counted.no)}
    if t.status is ThreatStatus.ACCEPTED and state.phase is not Phase.SETUP:
        view["ratings"] = {"count": len(t.ratings)}
    return view


def own_vote(t: Threat, seat: int) -> bool | None:
    """How ``seat`` voted on ``t`` (None: it did not, or the threat was never put to a vote)."""
    if t.status is not ThreatStatus.VOTING and t.judged_by is not JudgedBy.VOTE:
        return None
    return next((v.accept for v in t.votes if v.seat == seat), None)


def own_rating(state: GameState, t: Threat, seat: int) -> dict[str, int] | None:
    """``seat``'s rating of ``t`` (None: not rated, or not a threat to rate)."""
    if t.status is not ThreatStatus.ACCEPTED or state.phase is Phase.SETUP:
        return None
    own = next((r for r in t.ratings if r.seat == seat), None)
    return None if own is None else {"likelihood": own.likelihood, "impact": own.impact}


def mine_view(state: GameState, seat: int) -> dict[str, dict[str, Any]]:
    """The seat's own votes and ratings, by threat id: kept apart from the threats, which every seat sees alike,
    so what every seat sees can be sent once to all of them."""
    votes: dict[str, Any] = {}
    ratings: dict[str, Any] = {}
    for t in state.threats:
        vote = own_vote(t, seat)
        if vote is not None:
            votes[t.id] = vote
        rating = own_rating(state, t, seat)
        if rating is not None:
            ratings[t.id] = rating
    return {"votes": votes, "ratings": ratings}


def missed_view(missed: tuple[Missed, ...]) -> list[dict[str, Any]]:
    """What a seat missed, as data: ``{"kind": "turn", "trick", "reason"}``, or ``{"kind": "vote", "threat"}`` and
    ``{"kind": "verdict", "threat"}`` (a vote on its own threat settled)."""
    return [{"kind": m.kind, "trick": m.trick, "reason": m.reason} if m.kind == "turn" else {"kind": m.kind, "threat": m.threat}
            for m in missed]


NOT_YOUR_TURN = "it is not your turn"
"""The reason a card waits for the seat's turn, without naming whose turn it is (``turn`` says): so a seat's legal
moves stay the same while the turn passes between the others, and it is sent nothing of its own meanwhile."""


def legal_view(state: GameState, moves: LegalMoves, targets: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A seat's legal moves as data, with the targets each card in its hand fits (``targets``: already worked
    out for this hand)."""
    if targets is None:
        targets = {
            card_id: [s.id for s in state.board.targets(state.card(card_id))]
            for card_id in state.hands[moves.seat]
        }
    return {
        "on_turn": moves.on_turn,
        "playable": list(moves.playable),
        "blocked": [{"card": b.card_id, "code": b.code,
                     "message": NOT_YOUR_TURN if b.code == "not_your_turn" else b.message} for b in moves.blocked],
        "targets": targets,
        "can_pass": moves.can_pass,
        "can_add_threat": moves.can_add_threat,
        "votable": list(moves.votable),
        "unrated": list(moves.unrated),
        "can_finish_rating": moves.can_finish_rating,
        "facilitator": list(moves.facilitator),
    }


def view_for(state: GameState, seat: int | None) -> dict[str, Any]:
    """The game as ``seat`` may see it; ``None`` for a spectator (no hand, no moves)."""
    if seat is not None and (isinstance(seat, bool) or not isinstance(seat, int) or not 0 <= seat < len(state.seats)):
        raise UnknownSeat(f"there is no seat {seat}")
    arch = state.board.architecture
    view: dict[str, Any] = {
        "version": state.version,
        "phase": state.phase.value,
        "you": seat,
        "facilitator": state.settings.facilitator,
        "architecture": {
            "name": arch.name,
            "components": [{"id": c.id, "name": c.name, "type": c.type.value, "boundary": c.boundary} for c in arch.components],
            "flows": [{"id": f.id, "source": f.source, "target": f.target, "label": f.label} for f in arch.flows],
            "boundaries": [{"id": b.id, "name": b.name} for b in arch.boundaries],
            "focus": sorted(state.board.focus),
        },
        "deck": {"name": state.board.deck.name, "title": state.board.deck.title},
        "start_suit": state.settings.start_suit.value,
        "seats": seats_view(state),
        "clock": clock_view(state),
        "turn": state.turn,
        "trick": None if state.trick is None else _trick_view(state, state.trick),
        "tricks": [_trick_view(state, t) for t in state.tricks],
        "threats": [threat_public(state, t) for t in state.threats],
        "end_reason": state.end_reason,
        "hand": None,
        "must_lead": None,
        "legal": None,
        "mine": None,
        "missed": None,
        "final": None,
    }
    if seat is not None:
        hand = state.hands[seat]
        view["hand"] = [card_view(state.card(i)) for i in hand]
        # Which card opens the game is the holder's secret until it is played.
        view["must_lead"] = state.must_lead if state.must_lead in hand else None
        view["legal"] = legal_view(state, legal_moves(state, seat))
        view["mine"] = mine_view(state, seat)
        view["missed"] = missed_view(state.seats[seat].missed)
    if state.phase is Phase.ENDED:
        view["final"] = {
            "scoreboard": [line.to_dict() for line in scoreboard(state)],
            "threats": [f.to_dict() for f in final_list(state)],
        }
    return view


def seats_view(state: GameState) -> list[dict[str, Any]]:
    """Every seat's public standing: points, tricks, threats, hand size."""
    return [
        {
            "seat": s.id,
            "name": s.name,
            "bot": s.bot,
            "present": s.present,
            "points": s.points,
            "tricks": s.tricks,
            "threats": s.threats,
            "hand_size": len(state.hands[s.id]),
            "finished_rating": s.finished,
            # How many it has rated (never which, nor how): who the table still waits for during rating.
            "rated": s.rated,
        }
        for s in state.seats
    ]


def public_state(state: GameState) -> GameState:
    """The state with every seat's ratings withheld until the game ends, for what anyone may fetch (the exports).

    Ratings are secret while seats are still rating (each seat's view shows only how many there are);
    a result built from this state ranks the threats without them.
    """
    if state.phase is Phase.ENDED or not any(t.ratings for t in state.threats):
        return state
    return evolve(state, threats=tuple(evolve(t, ratings=()) if t.ratings else t for t in state.threats))


def clock_view(state: GameState) -> dict[str, float | None]:
    """The game clock and its running deadlines."""
    return {
        "now": state.clock,
        "turn_deadline": state.turn_deadline,
        "play_deadline": state.play_deadline,
        "rating_deadline": state.rating_deadline,
    }
