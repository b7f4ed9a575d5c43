"""A laptop asleep on its turn: the table is told who it waits for, and the facilitator how to move on."""

from __future__ import annotations

from typing import Any

from ui_steps import on_turn, open_seat, rest_game, start, wait_until

LOBBY_DEFAULTS = {"play_seconds": 45 * 60, "rating_seconds": 15 * 60, "turn_seconds": 90, "vote_seconds": 120}


def status(page: Any) -> str:
    return page.inner_text("#status-line")


def test_the_table_is_told_when_the_seat_on_turn_is_away_and_the_facilitator_can_skip_it(web_server: Any, new_page: Any) -> None:
    """Sam's laptop slept: the status said only "Sam's turn." for 90 s a round, and a phone, whose scoreboard is
    below the fold, could not tell why nothing happened."""
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"], timing=LOBBY_DEFAULTS)
    kim, doug = new_page(1280, 800), new_page(390, 844)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])  # Sam's seat never connects
    start(kim, [kim, doug])
    # Pass round the table until it is Sam's turn. (Each pass waits for the next page to show what comes next:
    # counting the polls of a page still behind ran out of rounds on a slow machine before Sam's turn came.)
    for _ in range(6):
        wait_until(lambda: "Sam's turn" in status(kim) or on_turn(kim) or on_turn(doug), what="a turn to show")
        if "Sam's turn" in status(kim):
            break
        mover = kim if on_turn(kim) else doug
        version = mover.evaluate("document.body.dataset.version")
        mover.click("#pass")
        wait_until(lambda m=mover, v=version: m.evaluate("document.body.dataset.version") != v, what="the pass")
    wait_until(lambda: "Sam's turn" in status(kim), what="Sam's turn")

    wait_until(lambda: "Sam's turn. They are away: you can skip them." in status(kim), what="the facilitator told")
    wait_until(lambda: "Sam's turn. They are away: the turn passes when its time runs out." in status(doug), what="Doug told")
    skip = kim.locator("button[data-focus=skip-seat]")
    assert (skip.text_content() or "").replace("\u00a0", " ") == "Skip Sam (away)"
    skip.click()
    wait_until(lambda: "Sam's turn" not in status(kim), what="the turn to move on")
    assert "away" not in status(kim)



def test_after_the_leader_passes_the_trick_names_the_seat_that_leads_now(web_server: Any, new_page: Any) -> None:
    """It said "Ann leads. Passed: Ann" once Ann's turn had passed (by her, or by the clock)."""
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    pages = [new_page(1280, 800) for _ in range(3)]
    for page, link in zip(pages, game["links"]):
        open_seat(page, link)
    start(pages[0], pages)
    wait_until(lambda: any(on_turn(p) for p in pages), what="a leader")
    leader = next(p for p in pages if on_turn(p))
    name = {pages[0]: "Kim", pages[1]: "Doug", pages[2]: "Sam"}[leader]
    trick = pages[0].locator("#trick")
    assert f"{name} leads." in trick.inner_text()
    version = leader.evaluate("document.body.dataset.version")
    leader.click("#pass")
    # Every page, not Kim's alone: whose turn it is now is read from the page that shows it.
    wait_until(lambda: all(p.evaluate("document.body.dataset.version") != version for p in pages), what="the pass")
    wait_until(lambda: "Passed: " in trick.inner_text(), what="the pass shown")
    text = trick.inner_text()
    nxt = next(n for n, p in zip(("Kim", "Doug", "Sam"), pages) if on_turn(p))
    assert f"{nxt} leads." in text and f"{name} leads." not in text, text
