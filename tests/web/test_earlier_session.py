"""A second session builds on the first: the lobby takes the earlier game's JSON export."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import yaml
from ui_steps import create_game

from server.cli import main as cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "leejames-hr"


def test_the_lobby_starts_a_game_from_an_earlier_sessions_export(web_server: Any, new_page: Any, tmp_path: Path) -> None:
    first = tmp_path / "session1.threatdeck.json"
    assert cli(["play", str(EXAMPLES / "before.yaml"), "--players", "3", "--seed", "4", "--result", str(first)]) == 0
    page = new_page(1280, 900)
    page.goto(web_server.url + "/")
    page.wait_for_selector("body[data-ready=lobby]")
    page.set_input_files("#previous-result", str(first))
    links = create_game(page, web_server.url, "Kim", example="leejames-hr/after", reload=False)
    with urllib.request.urlopen(f"{web_server.url}/api/games/{links['game_id']}/export?format=json", timeout=20) as r:
        export = json.loads(r.read())
    statuses = {(t["card"], t["component"]): t["status"] for t in export["earlier"]}
    nine = {(t["card"], t["component"]) for t in yaml.safe_load((EXAMPLES / "threats.yaml").read_text())["threats"]}
    assert statuses, "the earlier session's threats were carried over"
    assert nine & set(statuses) and all(statuses[p] == "mitigated" for p in nine & set(statuses))

    # A file that is not a threatdeck export is refused with the server's reason, next to the form.
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": "world"}')
    page.goto(web_server.url + "/")
    page.wait_for_selector("body[data-ready=lobby]")
    page.fill("#host-name", "Kim")
    page.set_input_files("#previous-result", str(bad))
    page.click("#create-game")
    error = page.locator("#new-game .error")
    error.wait_for(state="visible")
    assert "threatdeck_result" in error.inner_text() or "result" in error.inner_text()
