"""Typed errors of the game engine, each with a stable ``code`` and a human ``message``.

Two families, as in python-chess: :class:`InvalidCommand` means the command is
malformed whatever the state (a likelihood of 9, a text of 10,000 characters),
:class:`IllegalMove` means it is well formed but not allowed now (not your
turn, must follow suit). :class:`StaleState` means the command was built
against an older version of the game. Only ``server/`` maps codes to HTTP
statuses or socket errors; the engine never catches them.

Messages go to the seat that sent the command only, and never reveal another
seat's hand or the undealt cards.

>>> try:
...     raise NotYourTurn("it is Kim's turn")
... except GameError as exc:
...     exc.code, exc.message
('not_your_turn', "it is Kim's turn")
"""

from __future__ import annotations


class GameError(Exception):
    """Base of every error the engine raises for a command it refuses."""

    code = "game_error"
    """Stable snake_case identifier; clients switch on it, never on the message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        """One sentence for the player who sent the command."""

    def to_dict(self) -> dict[str, str]:
        """``{"code": ..., "message": ...}``, ready for a socket ``error`` event."""
        return {"code": self.code, "message": self.message}


class InvalidSetup(GameError, ValueError):
    """``new_game`` was given settings it cannot play: no seats, too few cards, duplicate names."""

    code = "invalid_setup"


class InvalidCommand(GameError, ValueError):
    """A command is malformed whatever the state: a bad field type or value, an unknown command type."""

    code = "invalid_command"


class InvalidSnapshot(GameError, ValueError):
    """A stored game, command log or event does not deserialise: corrupt, or from an incompatible version."""

    code = "invalid_snapshot"


class StaleState(GameError):
    """The command names a version of the game that is not the current one."""

    code = "stale_state"


class IllegalMove(GameError):
    """A well-formed command that the rules do not allow in the current state."""

    code = "illegal_move"


class GameOver(IllegalMove):
    """The game has ended; nothing more can be played, voted or rated."""

    code = "game_over"


class WrongPhase(IllegalMove):
    """The command belongs to another phase (e.g. rating while cards are still being played)."""

    code = "wrong_phase"


class UnknownSeat(IllegalMove):
    """No seat has that number."""

    code = "unknown_seat"


class SeatRemoved(IllegalMove):
    """The seat was removed from the game by the facilitator and can no longer act."""

    code = "seat_removed"


class NotFacilitator(IllegalMove):
    """Only the facilitator's seat may start, skip, remove or end."""

    code = "not_facilitator"


class AlreadyFacilitator(IllegalMove):
    """The seat taking over facilitating already facilitates, or the facilitator hands it over to itself."""

    code = "already_facilitator"


class FacilitatorSeat(IllegalMove):
    """The facilitator's own seat cannot be removed, so someone can always end the game."""

    code = "facilitator_seat"


class NotYourTurn(IllegalMove):
    """The seat tried to play or pass out of turn."""

    code = "not_your_turn"


class SeatNotOnTurn(IllegalMove):
    """The facilitator tried to skip a seat whose turn it is not."""

    code = "seat_not_on_turn"


class UnknownCard(IllegalMove):
    """No card of the game's deck has that id."""

    code = "unknown_card"


class CardNotInHand(IllegalMove):
    """The card is not in the seat's hand."""

    code = "card_not_in_hand"


class CardNotFaceUp(IllegalMove):
    """A sticky note may only cite a card that has already been played face up."""

    code = "card_not_face_up"


class MustLeadStartCard(IllegalMove):
    """The first lead of the game must be the lowest card of the start suit."""

    code = "must_lead_start_card"


class MustFollowSuit(IllegalMove):
    """The seat holds a card of the led suit and played another suit."""

    code = "must_follow_suit"


class UnknownTarget(IllegalMove):
    """The architecture has no component or flow with that id."""

    code = "unknown_target"


class DuplicateThreat(IllegalMove):
    """The same card on the same target (or the same note) is already accepted or being voted on."""

    code = "duplicate_threat"


class UnknownThreat(IllegalMove):
    """No threat has that id."""

    code = "unknown_threat"


class VoteClosed(IllegalMove):
    """The threat is not open for a vote (judged by its rule, or the vote has closed)."""

    code = "vote_closed"


class NotAVoter(IllegalMove):
    """The seat found the threat; the other players judge it."""

    code = "not_a_voter"


class AlreadyVoted(IllegalMove):
    """The seat has already voted on this threat."""

    code = "already_voted"


class ThreatNotAccepted(IllegalMove):
    """Only accepted threats are rated."""

    code = "threat_not_accepted"


class AlreadyFinished(IllegalMove):
    """The seat has already said it finished rating."""

    code = "already_finished"


class TableFull(IllegalMove):
    """No seat is left for a late joiner (the engine's limits on seats and on human seats)."""

    code = "table_full"


class NameTaken(IllegalMove):
    """A late joiner's name is already at the table (ignoring case)."""

    code = "name_taken"


#: Every error class, so tests and the server can list the codes.
ALL_ERRORS: tuple[type[GameError], ...] = (
    GameError,
    InvalidSetup,
    InvalidCommand,
    InvalidSnapshot,
    StaleState,
    IllegalMove,
    GameOver,
    WrongPhase,
    UnknownSeat,
    SeatRemoved,
    NotFacilitator,
    AlreadyFacilitator,
    FacilitatorSeat,
    NotYourTurn,
    SeatNotOnTurn,
    UnknownCard,
    CardNotInHand,
    CardNotFaceUp,
    MustLeadStartCard,
    MustFollowSuit,
    UnknownTarget,
    DuplicateThreat,
    UnknownThreat,
    VoteClosed,
    NotAVoter,
    AlreadyVoted,
    ThreatNotAccepted,
    AlreadyFinished,
    TableFull,
    NameTaken,
)
