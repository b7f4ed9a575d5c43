"""The outcome of a game as one pure value: what every exporter reads.

:func:`result_of` builds a :class:`GameResult` from a game state: the
architecture played on, the deck, the prioritised threat list, the
scoreboard, the deck's rule findings on the architecture, the earlier threats
the game started with (a :class:`~game.backlog.Backlog`) and a summary of the
settings. It holds no secrets (no seed, no hands), so it can be shared, and
:mod:`game.exports.result` writes it as the threatdeck JSON export and reads
it back, so ``threatdeck export`` works from a saved file.

The architecture is kept as the native format carries it (no source
locations or provenance, :func:`game.exports.native.portable`), so a result
read back from its export equals the one written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from game.architecture import Architecture
from game.backlog import Backlog, CarriedThreat, threat_key
from game.deck import Deck
from game.exports.native import portable
from game.predicates import Graph
from game.priority import FinalThreat, final_list
from game.rules import Finding, scan
from game.scoring import ScoreLine, scoreboard
from game.state import GameState, Phase


@dataclasses.dataclass(frozen=True)
class FindingLine:
    """A card whose rule holds on a component or flow of the architecture (as ``threatdeck scan`` reports)."""

    card: str
    """Card id."""
    category: str
    """STRIDE category."""
    suit: str
    """STRIDE letter."""
    title: str
    """The card's anti-pattern."""
    component: str
    """Id of the component or flow."""
    target_kind: str
    """``component`` or ``flow``."""
    reason: str
    """Why the rule holds."""
    mitigation: str
    """The card's mitigation."""

    @staticmethod
    def of(finding: Finding) -> FindingLine:
        """The line for a scan finding."""
        card = finding.card
        return FindingLine(
            card=card.id,
            category=card.suit.category,
            suit=card.suit.value,
            title=card.title,
            component=finding.target,
            target_kind="flow" if finding.is_flow else "component",
            reason=finding.reason,
            mitigation=card.mitigation,
        )


@dataclasses.dataclass(frozen=True)
class SettingsSummary:
    """How the game was set up, without anything secret."""

    seats: tuple[str, ...]
    """Seat names in playing order."""
    bots: tuple[str, ...]
    """Names of the seats bots played."""
    facilitator: str
    """The facilitator's seat name."""
    start_suit: str
    """The suit that opened the game (category)."""
    play_seconds: float | None
    """Time box for play (None: none)."""
    rating_seconds: float | None
    """Time box for rating."""
    turn_seconds: float | None
    """Time for a turn."""
    vote_seconds: float | None
    """Time for a vote."""
    cards_in_play: int
    """Cards dealt from (fewer than the deck in a delta game)."""
    delta: bool
    """Whether only the cards fitting what changed were dealt."""
    focus: tuple[str, ...] = ()
    """In a delta game, the ids of the components and flows that changed, sorted."""


@dataclasses.dataclass(frozen=True)
class GameResult:
    """Everything a game produced that is worth keeping: the input of every exporter."""

    architecture: Architecture
    """The architecture played on (portable: no locations or provenance)."""
    deck: str
    """Name of the deck."""
    deck_title: str
    """Its display title."""
    threats: tuple[FinalThreat, ...]
    """The prioritised threat list, riskiest first."""
    scoreboard: tuple[ScoreLine, ...]
    """Every seat, most points first."""
    findings: tuple[FindingLine, ...]
    """Every card rule that holds on the architecture, in STRIDE order."""
    settings: SettingsSummary
    """How the game was set up."""
    scope: str
    """Scope of the stable threat keys: the first session's (see :mod:`game.backlog`)."""
    carried: tuple[CarriedThreat, ...] = ()
    """Threats of earlier sessions and their status on this architecture."""
    game_id: str | None = None
    """The server's id of the game, when it has one."""
    phase: str = Phase.ENDED.value
    """Where the game was when the result was taken (``ended``: the list is final)."""
    game_version: int = 0
    """How many commands the game had accepted."""
    baseline: str = ""
    """Name of the architecture the earlier threats were found on."""

    @property
    def final(self) -> bool:
        """Whether the game had ended (the list and ratings are final)."""
        return self.phase == Phase.ENDED.value

    def key_of(self, threat: FinalThreat) -> str:
        """The stable key of a threat of the final list."""
        return threat_key(self.scope, threat.card, threat.suit, threat.component, threat.target_kind, threat.text)

    def earlier(self, threat: FinalThreat) -> CarriedThreat | None:
        """The earlier threat this one finds again, if any."""
        key = self.key_of(threat)
        return next((c for c in self.carried if c.key == key), None)

    def carried_only(self) -> tuple[CarriedThreat, ...]:
        """Earlier threats not found again in this game."""
        found = {self.key_of(t) for t in self.threats}
        return tuple(c for c in self.carried if c.key not in found)


def fingerprint(architecture: Architecture) -> str:
    """A short hash of what the rules read (ids, types, boundaries, attributes, flows), names aside.

    The default scope of a first session's threat keys: games on the same
    model share keys, so their exports do not file the same threat twice.
    """
    data = {
        "components": [
            [c.id, c.type.value, c.boundary, sorted((k, _plain(v)) for k, v in c.attributes.items())]
            for c in architecture.components
        ],
        "flows": [
            [f.id, f.source, f.target, f.data_class, f.is_async, f.kind, sorted((k, _plain(v)) for k, v in f.attributes.items())]
            for f in architecture.flows
        ],
        "boundaries": [b.id for b in architecture.boundaries],
    }
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return "a" + digest[:11]


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def settings_summary(state: GameState, delta: bool) -> SettingsSummary:
    """The settings of a game, without anything secret."""
    s = state.settings
    return SettingsSummary(
        seats=tuple(seat.name for seat in s.seats),
        bots=tuple(seat.name for seat in s.seats if seat.bot),
        facilitator=s.seats[s.facilitator].name,
        start_suit=s.start_suit.category,
        play_seconds=s.play_seconds,
        rating_seconds=s.rating_seconds,
        turn_seconds=s.turn_seconds,
        vote_seconds=s.vote_seconds,
        cards_in_play=len(state.board.deck),
        delta=delta,
        focus=tuple(sorted(state.board.focus)),
    )


def result_of(
    state: GameState,
    *,
    deck: Deck | None = None,
    backlog: Backlog | None = None,
    game_id: str | None = None,
    scope: str | None = None,
) -> GameResult:
    """The result of a game, in any phase (final once it has ended).

    ``deck`` is the whole deck the game was set up with, for the rule
    findings (default: the cards in play, which a delta game filters).
    ``backlog`` holds the earlier threats the game started from (default:
    the game's own, when its settings carry one). The scope of the threat keys
    is the backlog's, else ``scope``, else the architecture's
    :func:`fingerprint`.
    """
    if backlog is None:
        backlog = state.settings.backlog
    architecture = state.board.architecture
    full = deck if deck is not None else state.board.deck
    findings = tuple(FindingLine.of(f) for f in scan(architecture, full, Graph(architecture)))
    chosen_scope = backlog.scope if backlog is not None else (scope or fingerprint(architecture))
    return GameResult(
        architecture=portable(architecture),
        deck=full.name,
        deck_title=full.title,
        threats=final_list(state),
        scoreboard=scoreboard(state),
        findings=findings,
        settings=settings_summary(state, delta=bool(state.board.focus)),
        scope=chosen_scope,
        carried=backlog.threats if backlog is not None else (),
        game_id=game_id,
        phase=state.phase.value,
        game_version=state.version,
        baseline=backlog.baseline if backlog is not None else "",
    )
