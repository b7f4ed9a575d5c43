"""Someone arrives five minutes late: the invite link still seats them while a seat is free and play goes on."""

from __future__ import annotations

from typing import Any

import requests
from ui_steps import HR_BEFORE, NO_LIMITS, confirm, hand_size, on_turn, open_seat, start, version, wait_until


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


def test_the_trick_says_who_joins_next_trick_apart_from_who_passed(web_server: Any, new_page: Any) -> None:
    """A seat that joined mid-trick sits it out, and the trick panel listed it under "Passed:" with those who let
    their turn go: the table read it as the newcomer passing a turn they never had."""
    url = web_server.url
    created = requests.post(f"{url}/api/games", json={"example": HR_BEFORE, "name": "Kim", "seats": 3, "timing": NO_LIMITS},
                            timeout=10).json()
    doug_seat = requests.post(f"{url}/api/games/{created['game_id']}/seats", json={"name": "Doug"}, timeout=10).json()
    kim, doug = new_page(1280, 800), new_page(390, 844)
    open_seat(kim, created["facilitator"]["link"])
    open_seat(doug, doug_seat["link"])
    start(kim, [kim, doug])
    names = {id(kim): "Kim", id(doug): "Doug"}
    wait_until(lambda: on_turn(kim) or on_turn(doug), what="a leader")
    leader = kim if on_turn(kim) else doug
    before = version(leader)
    leader.click("#pass")
    wait_until(lambda: version(kim) > before and version(doug) > before, what="the pass, on both pages")

    sam = new_page(1280, 800)
    sam.goto(created["join_link"])
    sam.fill("#join-name", "Sam")
    sam.click("#join-button")
    sam.wait_for_selector("body[data-phase=play]")
    watcher = new_page(1280, 800)
    watcher.goto(created["spectate_link"])
    watcher.wait_for_selector("body[data-ready=table]")
    for page in (kim, doug, sam, watcher):
        page.wait_for_selector("#trick .trick-joining")
        assert page.inner_text("#trick .trick-joining") == "Joins next trick: Sam"
        assert page.inner_text("#trick .trick-passed") == f"Passed: {names[id(leader)]}"

    # The next trick: Sam plays in it, and nobody is said to be joining any more.
    other = doug if leader is kim else kim
    before = version(other)
    other.click("#pass")  # nobody played: the trick goes to nobody, and the next one starts
    wait_until(lambda: version(kim) > before, what="the next trick")
    wait_until(lambda: "Trick 2" in kim.inner_text("#trick"), what="trick 2 on the table")
    assert kim.locator("#trick .trick-joining").count() == 0
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
    # A selector, not wait_for_function: polling a string of script is eval, which the page's CSP refuses.
    kim.wait_for_selector("body[data-phase=rating], body[data-phase=ended]")
    page = new_page(1280, 800)
    page.goto(created["join_link"])
    page.wait_for_selector("body[data-ready=join]")
    assert page.locator("#join-name").count() == 0
    assert "Play is over, so no seats are free." in page.inner_text("main")
    assert page.locator("a[href^='/watch/']").count() == 1
