"""The REST API under ``/api``: architectures, examples, decks, games, seats, exports, audit.

Every body is validated with the schemas of :mod:`server.schemas`; every
error is JSON (``{"error": {"code", "message", "field"}}``) through
:mod:`server.errors`. The document describing it is served at
``/api/openapi.json`` (:mod:`server.openapi`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from marshmallow import ValidationError

from cards import InvalidCardData, available_decks, load_deck
from game.architecture import Architecture
from game.backlog import Backlog, carry_over
from game.exports.native import NativeExportError
from game.exports.result import ResultError, result_from_dict
from game.priority import final_list
from game.views import card_view, public_state
from server import errors, fastjson, schemas, tokens
from server.config import BODY_ROOM, max_result_bytes
from server.errors import (
    DatabaseUnavailable, Forbidden, InvalidToken, NotFound, PayloadTooLarge, RateLimited, error_dict, too_large,
)
from server.games import NewGame, free_seats
from server.parse_threads import SMALL_INPUT
from server.runtime import Runtime

bp = Blueprint("api", __name__, url_prefix="/api")

EXPORT_ALIASES = {"jira-csv": "jira", "azure-devops-csv": "azure-devops", "github-issues": "github"}
"""The names the web client uses for some of :data:`game.exports.FORMATS`."""

CREATING = {("POST", "api.upload"), ("POST", "api.create_game"), ("POST", "api.join")}
"""Requests that make a table: limited per IP, and taking turns (server/turns.py)."""


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["threatdeck"]
    return rt


def base_url() -> str:
    """Where links point: the PUBLIC_URL setting, else the URL the request came in on."""
    configured = current_app.config.get("PUBLIC_URL")
    return (configured or request.host_url).rstrip("/")


def seat_link(game_id: str, token: str) -> str:
    """A seat's secret link; the token is in the fragment, which browsers never send to a server."""
    return f"{base_url()}/play/{game_id}#token={token}"


RESULT_BYTES_PER_VALUE = 32
"""Fewest bytes of a new game's body per value it may hold. threatdeck's JSON export spends over 50 on each
(key, string, number, list or object); a body of tiny values ("[[],[],…]", 3 bytes each) takes over 30 times
its size once parsed, which at an earlier result's size limit (tens of MB) would be gigabytes."""


def _json_body(most_values: int | None = None) -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    # A body of megabytes (a new game's earlier result) takes a tenth of a second and more to count and parse:
    # not in the loop's thread.
    if len(raw) > SMALL_INPUT:
        return runtime().parsing.run(len(raw), _parsed_body, raw, most_values)
    return _parsed_body(raw, most_values)


def _parsed_body(raw: bytes, most_values: int | None) -> Any:
    # What could start a value, counted before parsing: an over-count (strings may hold these too), and quick.
    if most_values is not None and len(raw) > most_values and sum(map(raw.count, b"[{,:")) > most_values:
        raise PayloadTooLarge(f"the body holds more than {most_values:,} values (counting brackets, commas and "
                              "colons), more than threatdeck's JSON export of a game this server plays",
                              field="previous")
    try:
        # Strict, as everything stored and sent is: no lone surrogates, NaN or integers past 64 bits.
        return fastjson.loads(raw)
    except ValueError:
        raise errors.InvalidRequest("the body is not valid JSON", field="body") from None


@bp.before_request
def _limits() -> None:
    rt = runtime()
    ip = request.remote_addr or "?"
    wait = rt.http_limiter.take(ip)
    creating = (request.method, request.endpoint) in CREATING
    if wait == 0 and creating:
        wait = rt.create_limiter.take(ip)
    if wait > 0:
        raise RateLimited(f"too many requests; wait {wait:.1f}s", retry_after=wait)
    # Tables are made a few at a time, so a burst of them waits instead of holding up every game in play. Not a
    # large body: it takes a parse turn instead, and holding a creation turn meanwhile would make the usual small
    # ones wait behind someone's megabyte. Taken before the body is read: those waiting hold no body.
    if creating and (request.content_length or 0) <= SMALL_INPUT:
        rt.creating.take()
        g.creation_turn = True


@bp.teardown_request
def _creation_done(_error: BaseException | None) -> None:
    if g.pop("creation_turn", False):
        runtime().creating.give_back()


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")  # seat links and tokens are answers of this API
    return response


# --------------------------------------------------------------------------- service


@bp.get("/health")
def health() -> Response | tuple[Response, int]:
    """Liveness: answers when the app is up; 503 while the message queue shared with other processes is down,
    or the database does not answer (``database_unavailable``).

    Another live process on the database that shares no message queue with this one is reported in the body
    of a 200: every such process reports it, and a load balancer told 503 would take them all out, where
    players of a split game still play (slower, see docs/server.md)."""
    rt = runtime()
    problem = rt.queue_problem()
    if problem is not None:
        return jsonify({"ok": False, "service": "threatdeck", "problem": problem}), 503
    if rt.database_check.problem() is not None:
        # Not the driver's words (they name hosts); the clock and presence loops log those.
        return jsonify({"error": error_dict(DatabaseUnavailable())}), 503
    split = rt.split()
    if split:
        # Not where the others run (a host name): the log says that.
        return jsonify({"ok": True, "service": "threatdeck", "unshared_processes": split,
                        "warning": SPLIT_WARNING})
    return jsonify({"ok": True, "service": "threatdeck"})


SPLIT_WARNING = ("another server process uses this database without a message queue shared with this one: games "
                 "with players on both are split (see this process's log)")


@bp.get("/limits")
def limits() -> Response:
    """What this server takes: the lobby checks a file's size before sending it, and says what the limit is."""
    settings = runtime().settings
    return jsonify({
        "max_upload_bytes": int(settings["MAX_UPLOAD_BYTES"]),
        "max_result_bytes": max_result_bytes(settings),
        "max_threat_text": int(settings["MAX_THREAT_TEXT"]),
        "max_name": int(settings["MAX_NAME"]),
        "max_components": int(settings["MAX_ARCHITECTURE_COMPONENTS"]),
        "max_flows": int(settings["MAX_ARCHITECTURE_FLOWS"]),
    })


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 document of this API."""
    from server.openapi import document

    return jsonify(document())


# --------------------------------------------------------------------------- architectures


@bp.post("/architectures")
def upload() -> tuple[Response, int]:
    """Upload a native model, CloudFormation/SAM template or Threat Dragon file (raw, multipart or JSON)."""
    rt = runtime()
    limit = int(rt.settings["MAX_UPLOAD_BYTES"])
    filename = (request.args.get("filename") or "upload")[:200]
    if request.mimetype == "multipart/form-data":
        file = request.files.get("file")
        if file is None:
            raise errors.InvalidRequest("send the model as the form field 'file'", field="file")
        data: bytes | str = file.stream.read(limit + 1)
        filename = (file.filename or filename)[:200]
    elif request.mimetype == "application/json":
        body = rt.schemas.upload.load(_json_body())
        data, filename = body["document"], body["filename"]
    else:
        data = request.get_data(cache=False)
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > limit:
        raise PayloadTooLarge(too_large("the model", rt.settings), field="file")
    if size == 0:
        raise errors.InvalidRequest("the upload is empty", field="file")
    record, arch = rt.games.upload(data, schemas.check_filename(filename))
    return jsonify({
        "id": record.id, "name": arch.name, "format": arch.source_format, "components": len(arch.components),
        "flows": len(arch.flows), "boundaries": len(arch.boundaries), "expires_at": record.expires_at.isoformat(),
    }), 201


# --------------------------------------------------------------------------- examples and decks


def _example(e: Any, with_document: bool) -> dict[str, Any]:
    out = {"id": e.id, "name": e.name, "format": e.source_format, "components": e.components, "flows": e.flows,
           "description": e.description}
    if with_document:
        out["document"] = e.document
    return out


@bp.get("/examples")
def examples() -> Response:
    """The built-in example architectures."""
    return jsonify({"examples": [_example(e, False) for e in runtime().examples.all()]})


@bp.get("/examples/<path:example_id>")
def example(example_id: str) -> Response:
    """One example, with its document."""
    return jsonify(_example(runtime().examples.get(example_id), True))


def _deck_summary(name: str) -> dict[str, Any]:
    deck = load_deck(name)
    suits: dict[str, int] = {}
    for c in deck:
        suits[c.suit.value] = suits.get(c.suit.value, 0) + 1
    return {"name": deck.name, "title": deck.title, "description": deck.description, "cards": len(deck), "suits": suits}


@bp.get("/decks")
def decks() -> Response:
    """The shipped decks."""
    return jsonify({"decks": [_deck_summary(n) for n in available_decks()]})


@bp.get("/decks/<name>")
def deck(name: str) -> Response:
    """One deck with every card (cards are public; who holds which is not)."""
    if name not in available_decks():
        raise NotFound(f"no deck {name[:64]!r}", field="deck")
    out = _deck_summary(name)
    out["card_list"] = [card_view(c) for c in load_deck(name)]
    return jsonify(out)


# --------------------------------------------------------------------------- games


def _links(game_id: str) -> dict[str, str]:
    return {"join_link": f"{base_url()}/join/{game_id}", "spectate_link": f"{base_url()}/watch/{game_id}"}


@bp.post("/games")
def create_game() -> tuple[Response, int]:
    """A new game on an upload or an example; the caller is the facilitator (seat 0)."""
    rt = runtime()
    # The body may carry an earlier session's result, which is larger than any upload (see max_result_bytes).
    limit = max_result_bytes(rt.settings)
    request.max_content_length = limit + BODY_ROOM
    body = rt.schemas.create_game.load(_json_body(most_values=limit // RESULT_BYTES_PER_VALUE))
    if "architecture" in body:
        arch, document = rt.games.architecture_of_upload(body["architecture"])
    else:
        arch, document = rt.games.architecture_of_example(rt.examples, body["example"])
    baseline = None
    if "baseline" in body:
        baseline, _ = rt.games.architecture_of_upload(body["baseline"])
    elif "baseline_example" in body:
        baseline, _ = rt.games.architecture_of_example(rt.examples, body["baseline_example"])
    backlog = None
    if "previous" in body:
        # Reading back and re-checking some thousands of findings takes seconds: not in the loop's thread.
        backlog = rt.parsing.run(len(request.get_data(cache=True)), _backlog, body["previous"], arch, body["deck"])
    live, seat, token = rt.games.create(NewGame(
        architecture=arch, document=document, deck=body["deck"], facilitator=body["name"].strip(),
        max_seats=body["seats"], bots=body["bots"], start_suit=body["start_suit"],
        timing={k: v for k, v in body["timing"].items()}, baseline=baseline, backlog=backlog,
    ))
    return jsonify({
        "game_id": live.id,
        "version": live.version,
        "facilitator": {"game_id": live.id, "seat": 0, "name": seat.name, "role": "facilitator", "token": token,
                        "link": seat_link(live.id, token)},
        **_links(live.id),
        "expires_at": live.record.expires_at.isoformat(),
    }), 201


def _backlog(previous: Any, architecture: Architecture, deck_name: str) -> Backlog:
    """The earlier session's threats, re-checked against the new architecture (in a parse thread: touches no
    database, no request)."""
    try:
        result = result_from_dict(previous, "previous")
        deck = load_deck(deck_name)
    except ResultError as exc:
        raise ValidationError({"previous": [str(exc)]}) from None
    except InvalidCardData as exc:
        raise NotFound(str(exc), field="deck") from None
    return carry_over(result, architecture, deck)


def _game_id(game_id: str) -> str:
    if not tokens.GAME_ID_PATTERN.match(game_id):
        raise NotFound("no such game", field="game")
    return game_id


@bp.get("/games/<game_id>")
def game(game_id: str) -> Response:
    """A game's public state: what a spectator sees."""
    rt = runtime()
    live, state, view = rt.games.view(_game_id(game_id), None, fresh=True)
    return jsonify({
        "game_id": live.id, "version": state.version, "phase": state.phase.value,
        "architecture": live.record.architecture_name, "deck": live.record.deck,
        "seats": [{"seat": s.id, "name": s.name, "bot": s.bot, "present": s.present} for s in state.seats],
        # Taken before play ends: a late joiner gets a seat during play too, a removed seat's player again.
        "free_seats": free_seats(state, live.record.meta),
        "view": view, **_links(live.id), "expires_at": live.record.expires_at.isoformat(),
    })


@bp.post("/games/<game_id>/seats")
def join(game_id: str) -> tuple[Response, int]:
    """Take the next free seat (before the game starts, or during play as a late joiner); returns the seat's secret
    link."""
    rt = runtime()
    body = rt.schemas.join.load(_json_body())
    live, seat, token = rt.games.join(_game_id(game_id), body["name"], {"ip": request.remote_addr})
    assert seat.seat is not None
    return jsonify({"game_id": live.id, "seat": seat.seat, "name": seat.name, "role": seat.role, "token": token,
                    "link": seat_link(live.id, token)}), 201


@bp.get("/games/<game_id>/export")
def export(game_id: str) -> Response:
    """The game's result (the prioritised threat list, final once it has ended) in one of the export formats."""
    from game.exports import FORMATS
    from game.result import result_of

    rt = runtime()
    query = rt.schemas.export_query.load(request.args.to_dict())
    live = rt.games.live(_game_id(game_id), fresh=True)
    fmt = EXPORT_ALIASES.get(query["format"], query["format"])
    stem = f"threatdeck-{live.id}"
    state = public_state(live.state)  # no token is asked for: nobody's ratings before the end
    if fmt == "csv":
        return _download(_flat_csv(state), "text/csv; charset=utf-8", f"{stem}.csv")
    chosen = FORMATS[fmt]
    with rt.games.locked(live.id):
        result = result_of(state, game_id=live.id)
    try:
        text = chosen.render(result)
    except NativeExportError as exc:  # e.g. a CloudFormation logical id longer than a native id
        raise errors.NotExportable(f"this game cannot be written as {chosen.title}: {exc}", field="format") from None
    return _download(text, chosen.media_type, chosen.filename(stem))


def _flat_csv(state: Any) -> str:
    """One row per threat of the final list, every field a column: for a spreadsheet."""
    columns = ["rank", "threat_id", "category", "component", "target_kind", "card", "card_title", "text", "risk",
               "likelihood", "impact", "agreement", "found_by", "judged_by", "reason", "mitigation"]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for t in final_list(state):
        row = t.to_dict()
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells that start with these as formulas: make them text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _download(body: str, mimetype: str, filename: str) -> Response:
    # As the format states it: given as ``mimetype``, Werkzeug added a second "; charset=utf-8" to text types.
    response = Response(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/games/<game_id>/audit")
def audit(game_id: str) -> Response:
    """Who did what when, including refusals: for the facilitator (``Authorization: Bearer <token>``)."""
    rt = runtime()
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    try:
        member = rt.games.authenticate(token)
    except InvalidToken:
        raise InvalidToken("send the facilitator's token as 'Authorization: Bearer <token>'") from None
    # Whoever facilitates now (a take-over moves it), not whoever created the game.
    if member.game_id != _game_id(game_id) or rt.games.live(game_id, fresh=True).state.settings.facilitator != member.seat:
        raise Forbidden("only the game's facilitator can read its audit trail")
    lines = [{"at": a.at.isoformat(), "actor": a.actor, "action": a.action, "detail": a.detail}
             for a in rt.repo.audit(game_id)]
    return jsonify({"game_id": game_id, "audit": lines})


