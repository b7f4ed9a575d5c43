"""The schema of a deck file, checked at load; every error names the card."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from marshmallow import Schema, ValidationError, fields, validate

from game.architecture import ComponentType
from game.cards import FLOW_TARGET, Card, Reference, Suit
from game.deck import Deck, DeckError
from game.predicates import PredicateError, compile_predicate

TARGETS = [t.value for t in ComponentType] + [FLOW_TARGET]
MAX_DECK_BYTES = 1_000_000


class InvalidCardData(ValueError):
    """A deck file is malformed; the message names the file, the card and the field."""

    code = "invalid_card_data"


class _ReferenceSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(1, 200))
    url = fields.Url(load_default=None, schemes={"https", "http"})


class _CardSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[A-Z][A-Za-z0-9_-]{0,15}$"))
    suit = fields.String(required=True, validate=validate.OneOf([s.category for s in Suit]))
    rank = fields.Integer(required=True, strict=True, validate=validate.Range(2, 14))
    title = fields.String(required=True, validate=validate.Length(1, 80))
    question = fields.String(required=True, validate=validate.Length(1, 300))
    applies_to = fields.List(fields.String(validate=validate.OneOf(TARGETS)), required=True, validate=validate.Length(min=1))
    rule = fields.Raw(required=True, allow_none=True)
    mitigation = fields.String(required=True, validate=validate.Length(1, 600))
    explanation = fields.String(required=True, validate=validate.Length(1, 800))
    references = fields.List(fields.Nested(_ReferenceSchema), load_default=list)


class _DeckSchema(Schema):
    deck = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9-]{1,40}$"))
    title = fields.String(required=True, validate=validate.Length(1, 80))
    description = fields.String(load_default="")
    cards = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1, max=500))


def _first_error(messages: Any, prefix: str = "") -> str:
    """Flatten marshmallow's nested messages into 'path: message'."""
    if isinstance(messages, Mapping):
        key, value = next(iter(messages.items()))
        return _first_error(value, f"{prefix}.{key}" if prefix else str(key))
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], prefix)
    return f"{prefix}: {messages}" if prefix else str(messages)


def parse_deck(text: str, source: str) -> Deck:
    """Parse and check a deck file's text; raise :class:`InvalidCardData` naming the card."""
    if len(text.encode()) > MAX_DECK_BYTES:
        raise InvalidCardData(f"{source}: larger than {MAX_DECK_BYTES} bytes")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidCardData(f"{source}: not valid YAML: {exc}") from None
    try:
        head = _DeckSchema().load(data if isinstance(data, Mapping) else {})
    except ValidationError as exc:
        raise InvalidCardData(f"{source}: {_first_error(exc.messages)}") from None
    cards: list[Card] = []
    for i, raw in enumerate(head["cards"]):
        name = raw.get("id", f"#{i + 1}") if isinstance(raw, Mapping) else f"#{i + 1}"
        where = f"{source}: card {name}"
        try:
            c = _CardSchema().load(raw if isinstance(raw, Mapping) else {})
        except ValidationError as exc:
            raise InvalidCardData(f"{where}: {_first_error(exc.messages)}") from None
        flows = FLOW_TARGET in c["applies_to"]
        types = [ComponentType(t) for t in c["applies_to"] if t != FLOW_TARGET]
        if flows and types:
            raise InvalidCardData(f"{where}: applies_to mixes flows and component types; a rule reads one or the other")
        try:
            rule = None if c["rule"] is None else compile_predicate(c["rule"], types=types, on_flows=flows, where="rule")
        except PredicateError as exc:
            raise InvalidCardData(f"{where}: {exc}") from None
        cards.append(
            Card(
                id=c["id"],
                suit=Suit.parse(c["suit"]),
                rank=c["rank"],
                title=c["title"],
                question=c["question"],
                applies_to=frozenset(c["applies_to"]),
                rule=rule,
                rule_source=c["rule"],
                mitigation=c["mitigation"],
                explanation=c["explanation"],
                references=tuple(Reference(r["label"], r["url"]) for r in c["references"]),
            )
        )
    try:
        return Deck(head["deck"], head["title"], tuple(cards), head["description"])
    except DeckError as exc:
        raise InvalidCardData(f"{source}: {exc}") from None
