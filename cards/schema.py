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


ONE_LEAF = {("any", "contains"): "contains_any", ("any", "eq"): "in", ("all", "ne"): "not_in"}
"""Runs of leaves that test one attribute value by value, and the single leaf that says the same.

Both answer alike, but the run's reason has a clause per value (E3 once had seven); the deck must use the leaf.
Only deck files are held to this: saved games compile their rules without it, so older rules still load."""


def _leaf_by_leaf(rule: object, where: str) -> str | None:
    """Where a rule tests one attribute against several values leaf by leaf, and what to write instead."""
    if not isinstance(rule, Mapping):
        return None
    for op in ("any", "all"):
        parts = rule.get(op)
        if not isinstance(parts, list):
            continue
        runs: dict[tuple[str, str], int] = {}
        for part in parts:
            if isinstance(part, Mapping) and len(part) == 2 and isinstance(part.get("attr"), str):
                comparison = next(k for k in part if k != "attr")
                runs[(part["attr"], comparison)] = runs.get((part["attr"], comparison), 0) + 1
        for (attr, comparison), count in runs.items():
            single = ONE_LEAF.get((op, comparison))
            if single is not None and count > 1:
                return (f"{where}.{op}: {count} '{comparison}' leaves test {attr} one value at a time; "
                        f"write one {{attr: {attr}, {single}: [...]}}, whose reason is one clause")
        for i, part in enumerate(parts):
            found = _leaf_by_leaf(part, f"{where}.{op}[{i}]")
            if found:
                return found
    for op in ("not", "reachable_from", "reaches", "source", "target"):
        found = _leaf_by_leaf(rule.get(op), f"{where}.{op}")
        if found:
            return found
    for op in ("incoming", "outgoing"):
        arg = rule.get(op)
        for key in ("from", "to", "flow"):
            found = _leaf_by_leaf(arg.get(key) if isinstance(arg, Mapping) else None, f"{where}.{op}.{key}")
            if found:
                return found
    return None


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
        run = _leaf_by_leaf(c["rule"], "rule")
        if run is not None:
            raise InvalidCardData(f"{where}: {run}")
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
