"""Three people, three browser contexts: create, join and play a whole game on LeeJames HR to the prioritised list."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import requests

from ui_steps import (
    SCREENSHOTS,
    create_game,
    join,
    open_table,
    phase,
    play_until_rating,
    rate_everything,
    vote_everywhere,
    wait_until,
)


def _download(page: Any, fmt: str, tmp_path: Path) -> tuple[str, str]:
    with page.expect_download() as info:
        page.click(f'#final a[data-format="{fmt}"]')
    download = info.value
    assert download.failure() is None, f"the {fmt} export failed: {download.failure()}"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return download.suggested_filename, path.read_text(encoding="utf-8")


def _export_formats(url: str) -> list[str]:
    """The export formats the server documents (its OpenAPI enum of GET /api/games/{id}/export?format=)."""
    spec = requests.get(f"{url}/api/openapi.json", timeout=10).json()
    params = spec["paths"]["/api/games/{game_id}/export"]["get"]["parameters"]
    return list(next(p for p in params if p["name"] == "format")["schema"]["enum"])


def test_three_players_play_leejames_hr_to_the_prioritised_list(web_server: Any, new_page: Any, tmp_path: Path) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    kim = new_page(1440, 900)
    links = create_game(kim, web_server.url, "Kim", seats=3, screenshot=SCREENSHOTS / "lobby.png")
    open_table(kim)
    kim.wait_for_selector("#diagram[data-layout=done]")
    assert kim.locator("#setup #join-link").input_value() == links["join"]
    assert kim.locator("#setup svg.qr").count() == 1

    doug = new_page(1280, 800)
    sam = new_page(1280, 800)
    join(doug, links["join"], "Doug")
    join(sam, links["join"], "Sam")
    wait_until(lambda: kim.locator("#setup .seated li").count() == 3, what="three seats in the waiting room")
    watcher = new_page(1280, 800)
    watcher.goto(links["watch"])
    watcher.wait_for_selector("body[data-ready=table]")

    kim.click("#start-game")
    pages = [kim, doug, sam]
    for p in pages + [watcher]:
        p.wait_for_selector("body[data-phase=play]")
    # The diagram: every component of the architecture drawn, trust boundaries as regions.
    drawn = kim.evaluate("document.querySelector('#diagram').dataset.layout")
    assert drawn == "done"

    shot: dict[str, bool] = {"table": False}

    def after_move(moves: int) -> None:
        if moves >= 15 and not shot["table"]:
            # Mid-game, as seen by whoever is on turn with a card chosen and a component picked.
            vote_everywhere(pages)
            for p in pages:
                if p.locator(".status-line.your-turn").count() and p.locator("#hand .card.playable").count():
                    p.locator("#hand .card.playable .card-face").first.click()
                    p.wait_for_selector("#composer:not([hidden])")
                    fit = p.locator("#composer .target-option.fits").first
                    (fit if fit.count() else p.locator("#composer .target-option").first).click()
                    if p.locator("#verdict:not([hidden])").count():
                        p.click("#verdict .verdict-actions button:last-child")
                    p.wait_for_timeout(300)  # let the diagram settle beside the composer
                    p.screenshot(path=str(SCREENSHOTS / "table.png"))
                    p.keyboard.press("Escape")
                    p.wait_for_selector("#composer", state="hidden")
                    shot["table"] = True
                    break

    moves = play_until_rating(pages, after_move=after_move)
    assert shot["table"], "no mid-game screenshot was taken"
    assert moves >= 50, f"a whole game of 58 cards dealt to three seats, not {moves} plays"

    # The sticky notes: every accepted threat sits on its component or flow.
    accepted = int(kim.evaluate("document.querySelectorAll('#feed .feed-item.accepted').length"))
    assert accepted > 0
    assert kim.locator("#diagram .note").count() > 0

    for seed, p in enumerate(pages):
        wait_until(lambda p=p: phase(p) in ("rating", "ended"), what="the rating phase")
        if phase(p) == "rating":
            rate_everything(p, seed)
    for p in pages + [watcher]:
        p.wait_for_selector("body[data-ready=final]")
    kim.wait_for_timeout(300)
    kim.screenshot(path=str(SCREENSHOTS / "final.png"))

    # The final screen: scoreboard, STRIDE chart, prioritised list (riskiest first).
    assert kim.locator("#final .score-table tbody tr").count() == 3
    assert kim.locator("#final .chart svg .bar").count() == 6
    rows = kim.locator("#final .threat-table tbody tr")
    assert rows.count() == accepted
    risks = [float(r) for r in kim.locator("#final .threat-table tbody td:nth-child(2)").all_inner_texts() if r != "–"]
    assert risks == sorted(risks, reverse=True) and risks, "the list is prioritised by risk"
    top_text = rows.first.locator(".threat-text").inner_text().strip()
    # Everyone, spectator included, sees the same list.
    for p in (doug, sam, watcher):
        assert p.locator("#final .threat-table tbody tr").first.locator(".threat-text").inner_text().strip() == top_text

    # One-click exports: every button of the final screen downloads a file.
    offered = _export_formats(web_server.url)
    name, markdown = _download(kim, "markdown", tmp_path)
    assert name.endswith(".md") and top_text.split()[0] in markdown
    assert web_server.errors() == []
    assert {"jira-csv", "azure-devops-csv", "github-issues", "threat-dragon", "threat-composer"} <= set(offered), offered
    name, jira = _download(kim, "jira-csv", tmp_path)
    assert name.endswith(".csv")
    table = list(csv.reader(io.StringIO(jira)))
    assert len(table) == accepted + 1, "a header and one issue per threat"
    assert top_text.split()[0] in jira
    name, dragon = _download(kim, "threat-dragon", tmp_path)
    assert name.endswith(".json")
    model = json.loads(dragon)
    assert top_text in json.dumps(model, ensure_ascii=False)
    assert web_server.errors() == []
