"""The final screen: its exports (one of them the next session's input) and its layout on a phone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ui_steps import confirm, create_game, on_turn_page, play_turn, rating_game, started_pair, vote_everywhere, wait_until

NO_OVERFLOW = "document.scrollingElement.scrollWidth <= window.innerWidth"


def ended_game(url: str, new_page: Any, *, width: int = 1280, height: int = 800) -> list[Any]:
    """Two players play until a threat is valid (at least four moves), then the facilitator ends the game."""
    kim, doug = new_page(1280, 800), new_page(width, height)
    pages = [kim, doug]
    started_pair(url, kim, doug)
    for moves in range(40):
        play_turn(on_turn_page(pages), "An attacker replays the request and reads every employee's salary; no log says who.")
        vote_everywhere(pages)
        if moves >= 3 and kim.locator("#feed .feed-item.accepted").count():
            break
    kim.click("#end-game")
    confirm(kim, "End the game")
    for page in pages:
        page.wait_for_selector("body[data-ready=final]")
    return pages


def test_the_final_screen_exports_the_threatdeck_json_the_next_session_takes(web_server: Any, new_page: Any, tmp_path: Path) -> None:
    kim, _doug = ended_game(web_server.url, new_page)
    link = kim.locator('#final .export-buttons a[data-format="json"]')
    assert link.count() == 1, "the final screen offers the threatdeck JSON export"
    assert "threatdeck JSON" in link.inner_text() and "next session" in link.inner_text()
    with kim.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".json")
    result = json.loads(saved.read_text())
    assert result["threats"], "the export holds the session's threats"

    # The lobby's "Earlier session" upload takes the file as it was downloaded.
    lobby = new_page(1280, 900)
    lobby.goto(web_server.url + "/")
    lobby.wait_for_selector("body[data-ready=lobby]")
    lobby.set_input_files("#previous-result", str(saved))
    links = create_game(lobby, web_server.url, "Kim", example="leejames-hr/after", reload=False)
    assert links["game_id"]


def test_the_final_threat_table_does_not_widen_a_phone_page(web_server: Any, new_page: Any) -> None:
    _kim, doug = ended_game(web_server.url, new_page, width=375, height=700)
    assert doug.locator("#final .threat-table tbody tr").count() >= 1
    wait_until(lambda: doug.evaluate(NO_OVERFLOW), timeout=3, what="no horizontal overflow on the final screen at 375 px")
    # The table scrolls sideways in its own box, which the keyboard can reach.
    wrap = doug.locator("#final .table-scroll")
    assert wrap.count() == 1 and wrap.get_attribute("tabindex") == "0"
    assert doug.evaluate("(() => { const w = document.querySelector('#final .table-scroll'); return w.scrollWidth > w.clientWidth; })()")


def game_over(url: str) -> dict[str, Any]:
    """A game of Kim and Doug played to its end by socket clients (no browser): the final list is ready."""
    from server.client import SeatClient

    game = rating_game(url, ["Kim", "Doug"], accepted=2)
    kim = SeatClient(url, game["links"][0].split("#token=")[1]).connect()
    try:
        assert kim.command("end_game")["ok"]
    finally:
        kim.close()
    return game


def open_final(page: Any, link: str) -> None:
    page.goto(link)
    page.wait_for_selector("#final h1")


def test_a_results_page_opened_after_the_end_keeps_its_place_when_the_connection_comes_back(web_server: Any, new_page: Any) -> None:
    game = game_over(web_server.url)
    doug = new_page(1280, 500)  # a small window: the results are a page to scroll through
    open_final(doug, game["links"][1])
    # The page says it shows the results (not the table) even when it opened on them.
    wait_until(lambda: doug.evaluate("document.body.dataset.ready") == "final", timeout=3, what="data-ready=final")
    doug.locator('#final a[data-format="markdown"]').focus()
    doug.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")  # down the prioritised list
    below = doug.evaluate("window.scrollY")
    assert below > 100
    # The connection drops and comes back (a laptop changes network): the reader stays where they were.
    doug.context.set_offline(True)
    wait_until(lambda: doug.evaluate("document.body.dataset.connection") != "online", what="the connection lost")
    doug.context.set_offline(False)
    wait_until(lambda: doug.evaluate("document.body.dataset.connection") == "online", timeout=30, what="the connection back")
    doug.wait_for_timeout(500)
    # (The Connection lost banner came and went above: the page may have moved by its height, no more.)
    assert doug.evaluate("window.scrollY") >= below - 60, "the page jumped back to the top"
    assert doug.evaluate("document.activeElement.dataset.format") == "markdown", "the focus was taken away"


def test_showing_the_diagram_at_the_end_keeps_the_keyboard_focus_on_its_button(web_server: Any, new_page: Any) -> None:
    game = game_over(web_server.url)
    kim = new_page(1280, 800)
    open_final(kim, game["links"][0])
    kim.focus(".final-toggle button")
    kim.keyboard.press("Enter")
    kim.wait_for_selector("#diagram:visible")
    # The button is drawn again with its other label: the focus is on it, not left on the page.
    assert kim.evaluate("document.activeElement.textContent") == "Back to the results"
    kim.keyboard.press("Enter")
    kim.wait_for_selector("#final h1:visible")
    assert kim.evaluate("document.activeElement.textContent") == "Show the diagram with its sticky notes"


def test_a_tie_is_not_won_by_the_first_seat_alone(web_server: Any, new_page: Any) -> None:
    """The final screen named the first of the scoreboard the winner: "Kim wins with 0 points." over a
    scoreboard where Doug has as many (seat order breaks ties on the list, not the game)."""
    kim, doug = new_page(1280, 800), new_page(390, 844)
    started_pair(web_server.url, kim, doug)
    kim.click("#end-game")  # at once: nobody has a point
    confirm(kim, "End the game")
    for page in (kim, doug):
        page.wait_for_selector("body[data-ready=final]")
        lead = page.locator("#final .final-head .lead").inner_text()
        assert "wins" not in lead and "Kim" not in lead, lead
        ranks = page.locator("#final .score-table tbody tr td:first-child").all_inner_texts()
        assert ranks == ["1", "1"], ranks
        assert page.locator("#final .score-table tr.leader").count() == 0


def test_a_game_ended_with_nothing_valid_does_not_say_everyone_rated(web_server: Any, new_page: Any) -> None:
    """Play ended with no valid threat: nothing to rate, so the game ended at once, and the page said
    "Game over (everyone rated)" and "0 valid threats, prioritised by the team" to a team that rated nothing."""
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(web_server.url, kim, doug)
    kim.click("#end-play")
    confirm(kim, "End play")
    for page in (kim, doug):
        page.wait_for_selector("body[data-phase=ended]")
        status = page.inner_text("#status-line")
        assert "everyone rated" not in status and "no valid threats to rate" in status, status
        lead = page.inner_text(".final-head .lead")
        assert "prioritised by the team" not in lead and "nothing to prioritise" in lead, lead
