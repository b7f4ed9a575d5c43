"""Prioritising: risk = mean likelihood × mean impact, and the final threat list.

Threats are ordered by risk, highest first; ties go to the threat more
players rated (more agreement), then to STRIDE order, then to the order they
were found. Threats nobody rated have no risk and come last. Risk is computed
with exact fractions, so the order never depends on float rounding; the
numbers shown are rounded to two decimals.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

from game.state import GameState
from game.threats import JudgedBy, Threat, ThreatStatus
from game.voting import Rating


@dataclasses.dataclass(frozen=True)
class RatingLine:
    """One seat's rating, as the final list shows it."""

    seat: int
    """Seat id."""
    name: str
    """Seat name."""
    likelihood: int
    """1 to 5."""
    impact: int
    """1 to 5."""


@dataclasses.dataclass(frozen=True)
class FinalThreat:
    """One entry of the prioritised threat list: what goes to the backlog."""

    rank: int
    """1 is the riskiest."""
    threat_id: str
    """``T1``…, as during the game."""
    category: str
    """STRIDE category, e.g. ``Information Disclosure``."""
    suit: str
    """STRIDE letter."""
    component: str
    """Id of the component (or flow) threatened."""
    target_kind: str
    """``component`` or ``flow``."""
    card: str | None
    """Id of the card (None for a free note)."""
    card_title: str | None
    """The card's anti-pattern."""
    text: str
    """The threat in the finder's words."""
    reason: str
    """Why it was accepted: the rule's reason, or the vote."""
    mitigation: str
    """What to do about it (the card's; empty for a free note)."""
    found_by: str
    """Name of the seat that found it."""
    judged_by: str
    """``rule`` or ``vote``."""
    votes: tuple[RatingLine, ...]
    """Every rating, by seat."""
    likelihood: float | None
    """Mean likelihood, two decimals (None: nobody rated it)."""
    impact: float | None
    """Mean impact, two decimals."""
    risk: float | None
    """Mean likelihood × mean impact, two decimals."""
    agreement: int
    """How many seats rated it."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        # Field by field: dataclasses.asdict deep-copies every value, and the final view of a game
        # renders a few dozen of these.
        data = {name: getattr(self, name) for name in _FIELDS}
        data["votes"] = [{"seat": v.seat, "name": v.name, "likelihood": v.likelihood, "impact": v.impact}
                         for v in self.votes]
        return data


_FIELDS = tuple(f.name for f in dataclasses.fields(FinalThreat))


def risk(ratings: tuple[Rating, ...]) -> tuple[Fraction, Fraction, Fraction] | None:
    """(mean likelihood, mean impact, risk) exactly, or None without ratings."""
    if not ratings:
        return None
    n = len(ratings)
    likelihood = Fraction(sum(r.likelihood for r in ratings), n)
    impact = Fraction(sum(r.impact for r in ratings), n)
    return likelihood, impact, likelihood * impact


def _order(threat: Threat) -> tuple[int, Fraction, int, int, int]:
    exact = risk(threat.ratings)
    value = Fraction(0) if exact is None else exact[2]
    return (exact is None, -value, -len(threat.ratings), threat.suit.order, int(threat.id[1:]))


def _shown(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _reason(threat: Threat) -> str:
    if threat.judged_by is not JudgedBy.VOTE:
        return threat.reason
    counted = threat.settled_tally()
    return f"accepted by vote, {len(counted.yes)} to {len(counted.no)}: {threat.reason}"


def final_list(state: GameState) -> tuple[FinalThreat, ...]:
    """The accepted threats, riskiest first: the prioritised backlog.

    Available in any phase (it reflects the ratings so far), final once the game has ended.
    """
    accepted = sorted((t for t in state.threats if t.status is ThreatStatus.ACCEPTED), key=_order)
    out: list[FinalThreat] = []
    for rank, t in enumerate(accepted, start=1):
        card = None if t.card_id is None else state.card(t.card_id)
        exact = risk(t.ratings)
        out.append(
            FinalThreat(
                rank=rank,
                threat_id=t.id,
                category=t.suit.category,
                suit=t.suit.value,
                component=t.target,
                target_kind=t.target_kind.value,
                card=t.card_id,
                card_title=None if card is None else card.title,
                text=t.text,
                reason=_reason(t),
                mitigation="" if card is None else card.mitigation,
                found_by=state.seats[t.found_by].name,
                judged_by="" if t.judged_by is None else t.judged_by.value,
                votes=tuple(RatingLine(r.seat, state.seats[r.seat].name, r.likelihood, r.impact) for r in t.ratings),
                likelihood=None if exact is None else _shown(exact[0]),
                impact=None if exact is None else _shown(exact[1]),
                risk=None if exact is None else _shown(exact[2]),
                agreement=len(t.ratings),
            )
        )
    return tuple(out)
