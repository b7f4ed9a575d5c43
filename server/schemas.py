"""marshmallow schemas for every REST body and every socket event, with length bounds.

Limits that are settings (threat text, names) are baked in when the app is
made: :func:`build` returns the schema instances for one app's limits.
Unknown fields are refused (marshmallow's default ``RAISE``), so a typo in a
client is an error, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing, validate, validates_schema

from game.cards import Suit
from game.state import MAX_HUMANS

TARGET = validate.Regexp(r"^[^\x00-\x1f\x7f]{1,300}$", error="expected a component or flow id (1-300 characters)")
GAME_ID = validate.Regexp(r"^[A-Za-z0-9_-]{12}$", error="expected a 12-character game id")
UPLOAD_ID = GAME_ID
TOKEN = validate.Regexp(r"^[A-Za-z0-9_-]{43}$", error="expected a 43-character token")
CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$", error="expected 1-64 letters, digits or _ . : -")
CARD_ID = validate.Regexp(r"^[A-Za-z0-9_.-]{1,32}$", error="expected a card id such as T3")
THREAT_ID = validate.Regexp(r"^T[0-9]{1,9}$", error="expected a threat id such as T4")
DECK = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{0,63}$", error="expected a deck name such as serverless-stride")
EXAMPLE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,255}$", error="expected an example id")
SUITS = [s.value for s in Suit] + [s.category for s in Suit] + [s.name.lower() for s in Suit]
MAX_SEAT = 11


def _no_control(text: str) -> bool:
    return not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", text)


class _NoControl(validate.Validator):
    error = "control characters and lone surrogates are not allowed"

    def __call__(self, value: str) -> str:
        if not _no_control(value):
            raise ValidationError(self.error)
        return value


FILENAME = [validate.Length(min=1, max=200), _NoControl()]
"""An upload's file name: stored with it and named in its source locations (PostgreSQL stores no NUL)."""


def check_filename(name: str) -> str:
    """``name`` when it may be an upload's file name, however it came (query, form or JSON body)."""
    try:
        for check in FILENAME:
            check(name)
    except ValidationError as exc:
        raise ValidationError({"filename": exc.messages}) from None
    return name


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
"""Characters that reorder or hide how the text around them is shown (embeddings, overrides, isolates, marks)."""


class _PlainName(validate.Validator):
    # A name is who made a move in the feed, the audit trail and the exports: "\u202emiK" shows as "Kim", so one
    # player could pass for another (spoofing, in the game's own terms). Scripts written right to left need none
    # of these in a name: the browser orders a name's letters by itself.
    error = "a name cannot hold characters that change the direction text is shown in"

    def __call__(self, value: str) -> str:
        if _BIDI_CONTROLS.search(value):
            raise ValidationError(self.error)
        return value


class _NotBlank(validate.Validator):
    error = "expected a name, not only spaces"

    def __call__(self, value: str) -> str:
        if not value.strip():
            raise ValidationError(self.error)
        return value


def _name(max_len: int) -> fields.String:
    # Names are stripped when seated: one of only spaces would be an empty name.
    return fields.String(required=True, validate=[validate.Length(min=1, max=max_len), _NoControl(), _PlainName(),
                                                   _NotBlank()])


class StrictBoolean(fields.Boolean):
    """true or false only (not 1, "yes" or "on")."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Strict(Schema):
    """Base: trims nothing, refuses unknown fields, refuses non-objects."""


# --------------------------------------------------------------------------- REST


class UploadSchema(Strict):
    """``POST /api/architectures`` as JSON: the model, template or diagram as text."""

    document = fields.String(required=True, validate=validate.Length(min=1))
    filename = fields.String(load_default="upload", validate=FILENAME)


class ArchitectureSchema(Strict):
    """An uploaded architecture, checked."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    format = fields.String(required=True)
    components = fields.Integer(required=True)
    flows = fields.Integer(required=True)
    boundaries = fields.Integer(required=True)
    expires_at = fields.DateTime(required=True)


class LimitsSchema(Strict):
    """What this server takes (its settings): clients check before sending, and say so."""

    max_upload_bytes = fields.Integer(required=True, metadata={"description": "largest architecture upload"})
    max_result_bytes = fields.Integer(required=True, metadata={
        "description": "largest earlier session's result (previous of POST /api/games): follows max_components and "
        "max_flows, as a game's JSON export is several times its model"})
    max_threat_text = fields.Integer(required=True, metadata={"description": "longest threat text, in characters"})
    max_name = fields.Integer(required=True, metadata={"description": "longest player name, in characters"})
    max_components = fields.Integer(required=True, metadata={"description": "most components in an architecture"})
    max_flows = fields.Integer(required=True, metadata={"description": "most flows in an architecture"})


class ExampleSchema(Strict):
    """A built-in example architecture."""

    id = fields.String(required=True)
    name = fields.String(required=True)
    format = fields.String(required=True)
    components = fields.Integer(required=True)
    flows = fields.Integer(required=True)
    description = fields.String()
    document = fields.String(metadata={"description": "the file's text (only from GET /api/examples/{id})"})


class DeckSchema(Strict):
    """A shipped deck."""

    name = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String()
    cards = fields.Integer(required=True)
    suits = fields.Dict(keys=fields.String(), values=fields.Integer())


class CardSchema(Strict):
    """One card of a deck, as every player may read it."""

    id = fields.String(required=True)
    suit = fields.String(required=True)
    category = fields.String(required=True)
    rank = fields.Integer(required=True)
    title = fields.String(required=True)
    question = fields.String(required=True)
    applies_to = fields.List(fields.String())
    open = fields.Boolean(metadata={"description": "the players, not a rule, judge it"})
    rule = fields.Raw(allow_none=True)
    mitigation = fields.String()
    explanation = fields.String()
    references = fields.List(fields.Dict())


class DeckDetailSchema(DeckSchema):
    """A deck with its cards."""

    cards_list = fields.List(fields.Nested(CardSchema), data_key="card_list")


class TimingSchema(Strict):
    """Time boxes of a game, in seconds; null switches one off."""

    play_seconds = fields.Float(allow_none=True, validate=validate.Range(min=60, max=24 * 3600))
    rating_seconds = fields.Float(allow_none=True, validate=validate.Range(min=60, max=24 * 3600))
    turn_seconds = fields.Float(allow_none=True, validate=validate.Range(min=5, max=3600))
    vote_seconds = fields.Float(allow_none=True, validate=validate.Range(min=5, max=3600))


def create_game_schema(max_name: int) -> type[Schema]:
    """``POST /api/games``: what to play on and who facilitates."""

    class CreateGameSchema(Strict):
        architecture = fields.String(validate=UPLOAD_ID, metadata={"description": "id of an upload"})
        example = fields.String(validate=EXAMPLE, metadata={"description": "id of a built-in example"})
        deck = fields.String(load_default="serverless-stride", validate=DECK)
        name = _name(max_name)
        seats = fields.Integer(load_default=MAX_HUMANS, validate=validate.Range(min=2, max=MAX_HUMANS),
                               metadata={"description": "most human seats, the facilitator's included"})
        bots = fields.Integer(load_default=0, validate=validate.Range(min=0, max=4))
        start_suit = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SUITS))
        timing = fields.Nested(TimingSchema, load_default=dict)
        baseline = fields.String(validate=UPLOAD_ID, metadata={
            "description": "a delta game: the upload of the previous version; only cards touching what changed are dealt"})
        baseline_example = fields.String(validate=EXAMPLE, metadata={
            "description": "a delta game: a built-in example as the previous version"})
        previous = fields.Dict(metadata={
            "description": "the threatdeck JSON result of an earlier session (GET /api/games/{id}/export?format=json): "
            "its threats start the new game, each re-checked against this architecture (open, still open, mitigated "
            "or unknown)"})

        @validates_schema
        def _one_source(self, data: Mapping[str, Any], **_: Any) -> None:
            if ("architecture" in data) == ("example" in data):
                raise ValidationError("give exactly one of architecture (an upload id) or example", "architecture")
            if "baseline" in data and "baseline_example" in data:
                raise ValidationError("give at most one of baseline (an upload id) or baseline_example", "baseline")

    return CreateGameSchema


def join_schema(max_name: int) -> type[Schema]:
    """``POST /api/games/{id}/seats``: take a free seat."""

    class JoinSchema(Strict):
        name = _name(max_name)

    return JoinSchema


class SeatLinkSchema(Strict):
    """A seat's secret: keep the link to yourself."""

    game_id = fields.String(required=True)
    seat = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "player or facilitator"})
    token = fields.String(required=True)
    link = fields.String(required=True, metadata={"description": "the seat's secret link (token in the fragment)"})


class CreatedGameSchema(Strict):
    """A new game: the facilitator's seat and the links to share."""

    game_id = fields.String(required=True)
    version = fields.Integer(required=True)
    facilitator = fields.Nested(SeatLinkSchema, required=True)
    join_link = fields.String(required=True, metadata={"description": "share with the team: each opens it to take a seat"})
    spectate_link = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class GameSchema(Strict):
    """A game's public state (what a spectator sees)."""

    game_id = fields.String(required=True)
    version = fields.Integer(required=True)
    phase = fields.String(required=True)
    architecture = fields.String(required=True)
    deck = fields.String(required=True)
    seats = fields.List(fields.Dict(), required=True)
    free_seats = fields.Integer(required=True, metadata={
        "description": "seats still to take: before the start, and during play for someone who comes late "
                       "(a removed seat's player again); 0 after"})
    view = fields.Dict(required=True, metadata={"description": (
        "view_for(state, None): the public view (docs/protocol.md). Each of its threats has the verdict's truth and "
        "reason (text for people) and, when the rules could not decide for lack of facts, gaps: "
        "[{kind: component|flow, id, attr}], the attributes the model does not give, to read instead of the text")})
    join_link = fields.String(required=True)
    spectate_link = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class AuditLineSchema(Strict):
    """One line of the audit trail."""

    at = fields.DateTime(required=True)
    actor = fields.String(required=True)
    action = fields.String(required=True)
    detail = fields.Dict()


class ErrorBodySchema(Strict):
    code = fields.String(required=True)
    message = fields.String(required=True)
    field = fields.String(allow_none=True)


class ErrorSchema(Strict):
    """Every 4xx answer."""

    error = fields.Nested(ErrorBodySchema, required=True)


def export_names() -> list[str]:
    """Every ``format`` the export takes: the engine's formats, their aliases, and a flat CSV."""
    from game.exports import FORMATS

    return [*FORMATS, "jira-csv", "azure-devops-csv", "github-issues", "csv"]


class ExportQuerySchema(Strict):
    """``GET /api/games/{id}/export``."""

    format = fields.String(load_default="json", validate=validate.OneOf(export_names()))


# --------------------------------------------------------------------------- sockets


class JoinEventSchema(Strict):
    """``join``: take your seat with its token (also how a client reconnects)."""

    token = fields.String(required=True, validate=TOKEN)


class SpectateEventSchema(Strict):
    """``spectate``: watch a game's public view."""

    game_id = fields.String(required=True, validate=GAME_ID)


class SyncEventSchema(Strict):
    """``sync``: ask for the current view again."""


class CommandEventSchema(Strict):
    """Fields every command event carries."""

    client_id = fields.String(required=True, validate=CLIENT_ID,
                              metadata={"description": "unique per command; a retry with the same id is applied once"})
    expected_version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10**9),
                                      metadata={"description": "refuse with stale_state unless the game is at this version"})
    seat = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=MAX_SEAT),
                          metadata={"description": "optional; must be the seat this connection joined as"})


def play_card_schema(max_text: int) -> type[Schema]:
    class PlayCardEventSchema(CommandEventSchema):
        """``play_card``: play a card from your hand on a component or flow, with your threat."""

        card = fields.String(required=True, validate=CARD_ID)
        target = fields.String(load_default=None, allow_none=True, validate=TARGET)
        text = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=max_text), _NoControl()])

    return PlayCardEventSchema


def add_threat_schema(max_text: int) -> type[Schema]:
    class AddThreatEventSchema(CommandEventSchema):
        """``add_threat``: a sticky note, at any time during play."""

        target = fields.String(required=True, validate=TARGET)
        card = fields.String(load_default=None, allow_none=True, validate=CARD_ID)
        suit = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(SUITS))
        text = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=max_text), _NoControl()])

    return AddThreatEventSchema


class VoteEventSchema(CommandEventSchema):
    """``vote``: yes or no on a threat the rules could not decide."""

    threat = fields.String(required=True, validate=THREAT_ID)
    accept = StrictBoolean(required=True)


class CloseVoteEventSchema(CommandEventSchema):
    """``close_vote``: the facilitator settles an open vote on the ballots cast."""

    threat = fields.String(required=True, validate=THREAT_ID)


class RateEventSchema(CommandEventSchema):
    """``rate``: likelihood and impact of an accepted threat, 1 to 5."""

    threat = fields.String(required=True, validate=THREAT_ID)
    likelihood = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    impact = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))


class TargetSeatEventSchema(CommandEventSchema):
    """``skip_seat`` / ``remove_seat`` / ``hand_over``: the facilitator acts on another seat."""

    target_seat = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_SEAT))


_PLAIN_TYPES: dict[type[fields.Field[Any]], type] = {fields.String: str, fields.Integer: int, StrictBoolean: bool}
"""The fields whose load returns a value of this exact type unchanged (marshmallow converts nothing else to it)."""


class EventPayload:
    """A socket event's ``schema.load``, answered without marshmallow for a payload it would take as it is.

    Commands are most of the socket traffic, and marshmallow's general machinery was about 18 µs of each one's
    validation (an accepted move costs the server well under a millisecond). Their fields are plain: a string,
    an integer or a boolean, with validators. A payload whose every field has exactly its type and passes the
    field's own validators loads here into what ``schema.load`` returns; anything else (a field missing, unknown
    or of another type, a failed validator, a schema with hooks) goes to ``schema.load``, which answers, or
    raises its error.
    """

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._fields = self._plain_fields(schema)

    @staticmethod
    def _plain_fields(schema: Schema) -> tuple[tuple[str, type, tuple[Any, ...], bool, Any], ...] | None:
        """(name, type, validators, allow_none, default or ``missing``) of every field; None when a field or the
        schema does something else on load."""
        # ``_hooks`` is marshmallow's own record of a schema's hooks: a version without it loads everything itself.
        hooks = getattr(schema, "_hooks", None)
        if hooks is None or schema.many or any(hooks.values()) or schema.dict_class is not dict:
            return None
        plain = []
        for name, field in schema.load_fields.items():
            kind = _PLAIN_TYPES.get(type(field))
            default = field.load_default
            if kind is None or field.data_key is not None or field.attribute is not None or callable(default) \
                    or field.pre_load or field.post_load:
                return None
            plain.append((name, kind, tuple(field.validators), field.allow_none, missing if field.required else default))
        return tuple(plain)

    def load(self, payload: Any) -> dict[str, Any]:
        plain = self._fields
        if plain is None or type(payload) is not dict:
            return self.schema.load(payload)  # type: ignore[no-any-return]
        data: dict[str, Any] = {}
        given = 0
        try:
            for name, kind, validators, allow_none, default in plain:
                value = payload.get(name, missing)
                if value is missing:
                    if default is missing:
                        return self.schema.load(payload)  # type: ignore[no-any-return]
                    data[name] = default
                    continue
                given += 1
                if value is None and allow_none:
                    data[name] = None
                    continue
                if type(value) is not kind:
                    return self.schema.load(payload)  # type: ignore[no-any-return]
                for check in validators:
                    if check(value) is False:
                        return self.schema.load(payload)  # type: ignore[no-any-return]
                data[name] = value
        except ValidationError:
            return self.schema.load(payload)  # type: ignore[no-any-return]
        if given != len(payload):  # a field the schema does not know
            return self.schema.load(payload)  # type: ignore[no-any-return]
        return data


@dataclasses.dataclass(frozen=True)
class Schemas:
    """The schema instances of one app (its limits baked in)."""

    create_game: Schema
    join: Schema
    upload: Schema
    export_query: Schema
    events: dict[str, EventPayload]
    """By socket event name."""


def build(max_text: int, max_name: int) -> Schemas:
    """Every schema, for these limits."""
    command = CommandEventSchema
    events: dict[str, EventPayload] = {name: EventPayload(schema) for name, schema in {
        "join": JoinEventSchema(),
        "spectate": SpectateEventSchema(),
        "sync": SyncEventSchema(),
        "start": command(),
        "play_card": play_card_schema(max_text)(),
        "add_threat": add_threat_schema(max_text)(),
        "pass": command(),
        "vote": VoteEventSchema(),
        "close_vote": CloseVoteEventSchema(),
        "rate": RateEventSchema(),
        "finish_rating": command(),
        "skip_seat": TargetSeatEventSchema(),
        "remove_seat": TargetSeatEventSchema(),
        "end_play": command(),
        "end_game": command(),
        "take_over": command(),
        "hand_over": TargetSeatEventSchema(),
    }.items()}
    return Schemas(
        create_game=create_game_schema(max_name)(),
        join=join_schema(max_name)(),
        upload=UploadSchema(),
        export_query=ExportQuerySchema(),
        events=events,
    )
