"""Layouts that must hold: long names, and a phone late in a game."""

from __future__ import annotations

from typing import Any

from ui_steps import on_turn_page, open_seat, play_turn, rest_game, start, started_pair, vote_everywhere, wait_until

LONG = "Maximiliana-Wolfeschlegelsteinhausenberg"  # 40 characters, the longest name a seat may have
NO_OVERFLOW = "document.scrollingElement.scrollWidth <= window.innerWidth"
SIDE_FITS = "(() => { const s = document.querySelector('.side'); return s.scrollWidth <= s.clientWidth; })()"


def test_a_forty_character_name_does_not_overflow_the_page(web_server: Any, new_page: Any) -> None:
    assert len(LONG) == 40
    game = rest_game(web_server.url, [LONG, "Doug"])
    wide, phone = new_page(1280, 800), new_page(375, 700)
    open_seat(wide, game["links"][0])
    open_seat(phone, game["links"][1])
    pages = [wide, phone]
    for page in pages:  # the waiting room lists the seated names
        assert LONG in page.locator("#setup").inner_text()
        assert page.evaluate(NO_OVERFLOW), f"overflow in the waiting room at {page.viewport_size}"
        assert page.evaluate(SIDE_FITS), f"the side panel overflows in the waiting room at {page.viewport_size}"
    start(wide, pages)
    # Until the long-named seat has a card in the trick (its figcaption) and a threat in the feed.
    for _ in range(6):
        mover = on_turn_page(pages)
        play_turn(mover, "A long name must not push the panel wider than the screen.")
        vote_everywhere(pages)
        if mover is wide:
            break
    for page in pages:
        wait_until(lambda page=page: LONG in page.locator("#trick").inner_text() or LONG in page.locator("#feed").inner_text(),
                   what="the long name in the trick or the feed")
        assert page.evaluate(NO_OVERFLOW), f"horizontal overflow at {page.viewport_size}"
        assert page.evaluate(SIDE_FITS), f"the side panel overflows at {page.viewport_size}"
        # The scoreboard still shows the name (shortened with an ellipsis), and the whole name on hover.
        name = page.locator(f"#scoreboard .seat-name[title='{LONG}']")
        assert name.count() == 1


def test_on_a_phone_the_hand_is_in_reach_late_in_a_game(web_server: Any, new_page: Any) -> None:
    kim, phone = new_page(1280, 800), new_page(375, 700, is_mobile=True, has_touch=True)
    pages = [kim, phone]
    started_pair(web_server.url, kim, phone)
    for _ in range(14):
        play_turn(on_turn_page(pages), "An attacker replays a captured request and changes another employee's salary.")
        vote_everywhere(pages)
    assert phone.locator("#feed .feed-item").count() >= 10
    hand_top = "document.querySelector('#hand').getBoundingClientRect().top"
    # At the top of the page, the hand is on screen without scrolling…
    phone.evaluate("window.scrollTo(0, 0)")
    assert phone.evaluate(f"{hand_top} < window.innerHeight"), phone.evaluate(hand_top)
    # …and it stays there while the player reads down the feed.
    phone.locator("#feed .feed-item").nth(8).scroll_into_view_if_needed()
    assert phone.evaluate("window.scrollY") > 0
    assert phone.evaluate(f"{hand_top} < window.innerHeight && {hand_top} >= 0"), phone.evaluate(hand_top)
    # The cards can be played from there: choosing one brings the composer into view.
    if phone.locator("#hand .card.playable").count() and phone.locator(".status-line.your-turn").count():
        phone.locator("#hand .card.playable .card-face").first.click()
        phone.wait_for_selector("#composer:not([hidden])")
        wait_until(lambda: phone.evaluate("(() => { const r = document.querySelector('#composer .target-list').getBoundingClientRect();"
                                          " return r.top >= 0 && r.top < window.innerHeight; })()"),
                   timeout=3, what="the composer's list in view")
    assert phone.evaluate(NO_OVERFLOW)
