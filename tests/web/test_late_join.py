"""Someone arrives five minutes late: the invite link still seats them while a seat is free and play goes on."""

from __future__ import annotations

from typing import Any

import requests
from ui_steps import HR_BEFORE, NO_LIMITS, confirm, hand_size, open_seat, start, wait_until


def test_a_late_joiner_takes_a_free_seat_in_play_and_the_table_sees_them_arrive(web_server: Any, new_page: Any) -> None:
    url = web_server.url
    created = requests.post(f"{url}/api/games", json={"example": HR_BEFORE, "name": "Kim", "seats": 3, "timing": NO_LIMITS},
                            timeout=10).json()
    game_id = created["game_id"]
    doug_seat = requests.post(f"{url}/api/games/{game_id}/seats", json={"name": "Doug"}, timeout=10).json()
    kim, doug = new_page(), new_page()
    open_seat(kim, created["facilitator"]["link"])
    open_seat(doug, doug_seat["link"])
    start(kim, [kim, doug])
    before = hand_size(kim) + hand_size(doug)

    sam = new_page(1280, 800)
    sam.goto(created["join_link"])
    sam.wait_for_selector("#join-name")
    assert "join now and you are dealt a fair share" in sam.inner_text("#join-late")
    assert sam.inner_text("#join-button") == "Take a seat and play"
    sam.fill("#join-name", "Sam")
    sam.click("#join-button")
    sam.wait_for_selector("body[data-ready=table]")
    sam.wait_for_selector("body[data-phase=play]")
    sam.wait_for_selector("#verdict:not([hidden]) >> text=Welcome to the game")
    assert "you play from the next one" in sam.inner_text("#verdict")
    assert hand_size(sam) > 0
    assert "Sam" in sam.inner_text("#scoreboard li[data-seat='2']")

    # Kim and Doug see Sam arrive: a word of news and a new row on the scoreboard, their hands a little smaller.
    for page in (kim, doug):
        page.wait_for_selector("#verdict:not([hidden]) >> text=Sam joined the game")
        assert "play from the next trick" in page.inner_text("#verdict")
        page.wait_for_selector("#scoreboard li[data-seat='2']")
        assert "Sam" in page.inner_text("#scoreboard li[data-seat='2']")
    wait_until(lambda: hand_size(kim) + hand_size(doug) + hand_size(sam) == before, what="the cards shared, none lost")
    assert hand_size(kim) + hand_size(doug) < before

    # The table is full now: the next person to come may watch.
    late = new_page(1280, 800)
    late.goto(created["join_link"])
    late.wait_for_selector("body[data-ready=join]")
    assert late.locator("#join-name").count() == 0
    assert "All seats are taken. You can still watch." in late.inner_text("main")

    # A reload of Sam's table does not greet again.
    sam.reload()
    sam.wait_for_selector("body[data-ready=table]")
    sam.wait_for_timeout(500)
    assert sam.locator("#verdict:not([hidden]) >> text=Welcome to the game").count() == 0
    assert web_server.errors() == []


def test_once_play_is_over_the_link_offers_only_to_watch(web_server: Any, new_page: Any) -> None:
    url = web_server.url
    created = requests.post(f"{url}/api/games", json={"example": HR_BEFORE, "name": "Kim", "seats": 3, "timing": NO_LIMITS},
                            timeout=10).json()
    kim = new_page()
    open_seat(kim, created["facilitator"]["link"])
    start(kim, [kim])
    kim.click("#end-play")
    confirm(kim, "End play")
    kim.wait_for_function("['rating', 'ended'].includes(document.body.dataset.phase)")
    page = new_page(1280, 800)
    page.goto(created["join_link"])
    page.wait_for_selector("body[data-ready=join]")
    assert page.locator("#join-name").count() == 0
    assert "Play is over, so no seats are free." in page.inner_text("main")
    assert page.locator("a[href^='/watch/']").count() == 1
