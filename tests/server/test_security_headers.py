"""Every HTTP response carries the security headers (server/headers.py): pages, assets, the API, errors, 404s."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serverkit import HR, make_app

from server.headers import CONTENT_SECURITY_POLICY, EngineIOHeaders

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Any]:
    """An app serving a stand-in for the built client (web/dist need not exist)."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>t</title><script type=module src=/assets/a.js></script>")
    (dist / "assets" / "a.js").write_text("console.log(1)")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    app = make_app(WEB_DIST=str(dist))
    yield app.test_client()
    app.extensions["threatdeck"].stop()


def _check(response: Any, where: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{where}: {name} is {response.headers.get(name)!r}"
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, where
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, where


def test_every_kind_of_response_carries_the_headers(built: Any) -> None:
    upload = built.post("/api/architectures", data=HR, content_type="application/yaml")
    created = built.post("/api/games", json={"architecture": upload.json["id"], "name": "Kim", "seats": 2})
    game_id = created.json["game_id"]
    answers = {
        "the start page": built.get("/"),
        "a seat's page": built.get(f"/play/{game_id}"),
        "the join page": built.get(f"/join/{game_id}"),
        "a script": built.get("/assets/a.js"),
        "the icon": built.get("/favicon.svg"),
        "the API": built.get("/api/health"),
        "a new game (carries a token)": created,
        "an export": built.get(f"/api/games/{game_id}/export?format=markdown"),
        "an API error": built.get("/api/games/nosuchgame00"),
        "an unknown API path": built.get("/api/nothing"),
        "an unknown file": built.get("/nothing.js"),
        "a refused method": built.delete("/api/health"),
    }
    for where, response in answers.items():
        _check(response, where)
    assert answers["the start page"].headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    # The answers that carry a seat's token are never stored by a browser or a proxy.
    assert created.headers["Cache-Control"] == "no-store"
    assert built.post(f"/api/games/{game_id}/seats", json={"name": "Doug"}).headers["Cache-Control"] == "no-store"


def test_the_placeholder_page_allows_only_its_own_inline_style(tmp_path: Path) -> None:
    app = make_app(WEB_DIST=str(tmp_path / "not-built"))
    try:
        response = app.test_client().get("/")
    finally:
        app.extensions["threatdeck"].stop()
    _check(response, "the placeholder")
    css = re.search(r"<style>(.*?)</style>", response.get_data(as_text=True), re.S)
    assert css is not None
    digest = base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}'" in response.headers["Content-Security-Policy"]


def test_socketio_long_polling_answers_carry_the_headers(built: Any) -> None:
    """Engine.IO answers /socket.io/ itself, before Flask: its polling responses got none of the headers."""
    handshake = built.get("/socket.io/?EIO=4&transport=polling")
    assert handshake.status_code == 200 and handshake.get_data(as_text=True).startswith("0{")
    _check(handshake, "a polling handshake")
    assert handshake.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    sid = json.loads(handshake.get_data(as_text=True)[1:])["sid"]
    _check(built.post(f"/socket.io/?EIO=4&transport=polling&sid={sid}", data="40"), "a polling POST")
    _check(built.get("/socket.io/?EIO=4&transport=polling&sid=nosuchsession"), "Engine.IO's refusal of an unknown session")


def test_a_websocket_upgrade_passes_the_header_middleware_untouched() -> None:
    """Its handshake is the WebSocket server's (and under eventlet no start_response at all): nothing is added."""
    seen: list[list[tuple[str, str]]] = []

    def upgrade(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("101 Switching Protocols", [("Upgrade", "websocket"), ("Connection", "Upgrade")])
        return []

    EngineIOHeaders(upgrade)({"HTTP_UPGRADE": "websocket"}, lambda status, headers, exc_info=None: seen.append(headers))
    assert seen == [[("Upgrade", "websocket"), ("Connection", "Upgrade")]]
    # The same middleware does add them to a plain answer, keeping one the app set.
    EngineIOHeaders(lambda environ, start_response: start_response("200 OK", [("Referrer-Policy", "no-referrer")]) or [])(
        {}, lambda status, headers, exc_info=None: seen.append(headers))
    added = dict(seen[1])
    assert added["Referrer-Policy"] == "no-referrer" and added["X-Content-Type-Options"] == "nosniff"
    assert added["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
