"""The browser side of the security review: the seat token leaves the address bar, the built client runs under
the server's strict Content-Security-Policy, and no other site can frame the table (server/headers.py)."""

from __future__ import annotations

import time
from typing import Any

from ui_steps import create_game, join, on_turn_page, open_seat, open_table, play_turn, rest_game, start, wait_until

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def _seat_name(page: Any) -> str:
    return str(page.locator("#scoreboard .seat.you .seat-name").inner_text())


def test_the_seat_token_leaves_the_address_bar_and_each_tab_keeps_its_seat(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim = new_page(1280, 800)
    open_seat(kim, game["links"][0])
    token = game["links"][0].split("#token=")[1]
    # Not in the address bar (a shared screen, a copied address, the history), yet the seat is Kim's.
    assert token not in kim.url and "#" not in kim.url, kim.url
    assert kim.evaluate("location.href") == f"{web_server.url}/play/{game['game_id']}"
    assert _seat_name(kim) == "Kim"

    # Another seat of the same game in another tab of the same browser: each tab keeps its own after a reload.
    doug = kim.context.new_page()
    open_seat(doug, game["links"][1])
    assert "#" not in doug.url
    kim.reload()
    kim.wait_for_selector("body[data-ready=table]")
    wait_until(lambda: kim.locator("#scoreboard .seat.you").count() == 1, what="Kim's scoreboard")
    assert _seat_name(kim) == "Kim", "the reloaded tab took the seat last opened in the browser"
    assert "#" not in kim.url

    # Joining by the invite link never puts the new seat's token in the address either.
    sam_game = rest_game(web_server.url, ["Ann"])  # two seats, one free
    sam = new_page(1280, 800)
    join(sam, sam_game["join"], "Sam")
    assert sam.url == f"{web_server.url}/play/{sam_game['game_id']}", sam.url
    assert _seat_name(sam) == "Sam"
    assert web_server.errors() == []


def test_the_client_runs_under_the_content_security_policy(web_server: Any, new_page: Any) -> None:
    kim = new_page(1440, 900)
    kim.add_init_script(CSP_WATCH)
    response = kim.goto(web_server.url + "/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    links = create_game(kim, web_server.url, "Kim", seats=2, reload=False)
    open_table(kim)
    kim.wait_for_selector("#diagram canvas")  # cytoscape, with the component icons as data: images

    doug = new_page(1440, 900)
    doug.add_init_script(CSP_WATCH)
    join(doug, links["join"], "Doug")
    watcher = new_page(1280, 800)
    watcher.add_init_script(CSP_WATCH)
    watcher.goto(links["watch"])
    watcher.wait_for_selector("body[data-ready=table]")

    start(kim, [kim, doug])
    mover = on_turn_page([kim, doug])
    play_turn(mover, "A forged token is accepted by the API.")
    mover.locator("#hand button.learn").first.click()
    mover.wait_for_selector("dialog#primer[open]")
    time.sleep(0.5)  # let a late image or style load report itself
    for page in (kim, doug, watcher):
        assert page.evaluate("window.__cspViolations") == [], page.url
    assert web_server.errors() == []


def test_another_site_cannot_frame_the_table(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim = new_page(1280, 800)
    open_seat(kim, game["links"][0])  # the facilitator's seat is now in this browser's storage
    attacker = kim.context.new_page()
    attacker.set_content(f'<iframe id="bait" src="{web_server.url}/play/{game["game_id"]}" width="800" height="600"></iframe>')
    attacker.wait_for_load_state("load")
    framed = attacker.frame_locator("#bait")
    time.sleep(1.0)
    # Blocked by frame-ancestors: the frame shows the browser's error page, never the table and its buttons.
    assert framed.locator("body[data-ready]").count() == 0
    assert framed.locator("#start-game").count() == 0
