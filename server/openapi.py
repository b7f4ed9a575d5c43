"""The OpenAPI 3 document of the REST API, built with apispec from the marshmallow schemas."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from server import schemas

ERRORS = {
    "400": "invalid request (a field is missing or out of bounds)",
    "403": "invalid token, or not allowed",
    "404": "no such game, upload, example or deck (or it expired)",
    "409": "the game's state does not allow it (started, full, changed meanwhile)",
    "413": "body too large",
    "422": "the model, template or diagram cannot be read",
    "429": "too many requests (see Retry-After)",
    "503": "server_busy: as many large files are being parsed, or as many uploads, games and seats being made, "
           "and waiting, as the server takes; try again after Retry-After seconds",
}


def _errors(*codes: str) -> dict[str, Any]:
    return {c: {"description": ERRORS[c], "content": {"application/json": {"schema": "Error"}}} for c in codes}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _game_param() -> dict[str, Any]:
    return {"name": "game_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{12}$"}}


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The whole document (built once)."""
    spec = APISpec(
        title="threatdeck",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "REST API of the threatdeck game server. The game itself is played over "
                             "Socket.IO: see docs/protocol.md."},
    )
    s = schemas
    for name, schema in (
        ("Error", s.ErrorSchema), ("Upload", s.UploadSchema), ("Architecture", s.ArchitectureSchema),
        ("Limits", s.LimitsSchema), ("Example", s.ExampleSchema), ("Deck", s.DeckSchema), ("Card", s.CardSchema),
        ("CreateGame", s.create_game_schema(40)), ("Join", s.join_schema(40)), ("SeatLink", s.SeatLinkSchema),
        ("CreatedGame", s.CreatedGameSchema), ("Game", s.GameSchema), ("AuditLine", s.AuditLineSchema),
    ):
        spec.components.schema(name, schema=schema)
    spec.path(path="/api/health", operations={"get": {
        "summary": "Liveness", "responses": {
            "200": {"description": "the server is up; `unshared_processes` (and a `warning`) when other live "
                                   "processes on the same database share no message queue with this one: games "
                                   "with players on both are split (a 200 all the same: every such process says "
                                   "so, and a load balancer must not take them all out)",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "ok": {"type": "boolean"}, "service": {"type": "string"},
                        "unshared_processes": {"type": "integer", "minimum": 1},
                        "warning": {"type": "string"}}}}}},
            "503": {"description": "the message queue shared with other processes is down, or the database "
                                   "does not answer (`database_unavailable`, as Error)"}}}})
    spec.path(path="/api/limits", operations={"get": {
        "summary": "What this server takes (upload size, text and name lengths, architecture size)",
        "responses": {"200": _json("Limits", "the limits")}}})
    spec.path(path="/api/openapi.json", operations={"get": {
        "summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document"}}}})
    spec.path(path="/api/architectures", operations={"post": {
        "summary": "Upload an architecture (native YAML/JSON, CloudFormation/SAM, Threat Dragon)",
        "description": "Send the file as the raw body (any text content type), as multipart field `file`, "
                       "or as JSON `{document, filename}`. Kept for a day for a new game to use.",
        "parameters": [{"name": "filename", "in": "query", "schema": {"type": "string", "maxLength": 200},
                        "description": "the file's name, kept with the upload: a game's source locations name it "
                                       "(no control characters; a longer one is cut to 200)"}],
        "requestBody": {"content": {
            "application/json": {"schema": "Upload"},
            "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
            "application/yaml": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        }},
        "responses": {"201": _json("Architecture", "the upload, checked"),
                      **_errors("400", "413", "422", "429", "503")},
    }})
    spec.path(path="/api/examples", operations={"get": {
        "summary": "Built-in example architectures",
        "responses": {"200": {"description": "examples", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"examples": {"type": "array", "items": {"$ref": "#/components/schemas/Example"}}}}}}}},
    }})
    spec.path(path="/api/examples/{example_id}", operations={"get": {
        "summary": "One example with its document",
        "parameters": [{"name": "example_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": _json("Example", "the example"), **_errors("404")},
    }})
    spec.path(path="/api/decks", operations={"get": {
        "summary": "Shipped decks",
        "responses": {"200": {"description": "decks", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"decks": {"type": "array", "items": {"$ref": "#/components/schemas/Deck"}}}}}}}},
    }})
    spec.path(path="/api/decks/{name}", operations={"get": {
        "summary": "One deck with every card",
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "the deck; `card_list` holds the cards", "content": {"application/json": {
            "schema": {"allOf": [{"$ref": "#/components/schemas/Deck"}, {"type": "object", "properties": {
                "card_list": {"type": "array", "items": {"$ref": "#/components/schemas/Card"}}}}]}}}},
            **_errors("404")},
    }})
    spec.path(path="/api/games", operations={"post": {
        "summary": "Create a game; the caller facilitates (seat 0)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": "CreateGame"}}},
        "responses": {"201": _json("CreatedGame", "the game, the facilitator's secret link and the links to share"),
                      **_errors("400", "404", "413", "422", "429", "503")},
    }})
    spec.path(path="/api/games/{game_id}", operations={"get": {
        "summary": "A game's public state (spectator view)", "parameters": [_game_param()],
        "responses": {"200": _json("Game", "the game"), **_errors("404")},
    }})
    spec.path(path="/api/games/{game_id}/seats", operations={"post": {
        "summary": "Take the next free seat, before the game starts or during play",
        "description": "During play the newcomer joins late: a new seat after the last one, dealt an even share of "
                       "the cards nobody has seen, playing from the next trick; a seat the facilitator removed is "
                       "free again, and its name, so its player may come back in a new seat. 409 seats_full when "
                       "every seat is taken, already_started once play has ended; 422 invalid_setup for the name of "
                       "a seat still in the game.",
        "parameters": [_game_param()],
        "requestBody": {"required": True, "content": {"application/json": {"schema": "Join"}}},
        "responses": {"201": _json("SeatLink", "your seat and its secret link"),
                      **_errors("400", "404", "409", "422", "429", "503")},
    }})
    spec.path(path="/api/games/{game_id}/export", operations={"get": {
        "summary": "Download the game's result: the prioritised threat list and more",
        "description": "json: the whole result (threatdeck reads it back); markdown: a report; jira / jira-csv, "
                       "azure-devops / azure-devops-csv: CSV for their importers; github / github-issues: issue "
                       "bodies; threat-dragon: a Threat Dragon v2 model; threat-composer: a Threat Composer "
                       "workspace; csv: one row per threat.",
        "parameters": [_game_param(), {"name": "format", "in": "query",
                                       "schema": {"type": "string", "enum": s.export_names(), "default": "json"}}],
        "responses": {"200": {"description": "the list as an attachment", "content": {
            "application/json": {"schema": {"type": "object"}}, "text/csv": {"schema": {"type": "string"}},
            "text/markdown": {"schema": {"type": "string"}}}}, **_errors("400", "404")},
    }})
    spec.path(path="/api/games/{game_id}/audit", operations={"get": {
        "summary": "The game's audit trail (facilitator only)",
        "parameters": [_game_param()],
        "security": [{"seatToken": []}],
        "responses": {"200": {"description": "who did what when", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"game_id": {"type": "string"}, "audit": {
                "type": "array", "items": {"$ref": "#/components/schemas/AuditLine"}}}}}}},
            **_errors("403", "404")},
    }})
    spec.components.security_scheme("seatToken", {"type": "http", "scheme": "bearer",
                                                  "description": "the facilitator's seat token"})
    return spec.to_dict()
