"""Layouts that must hold: long names, a phone late in a game, and a phone's dock that leaves room for the table."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ui_steps import (NO_LIMITS, RESULTS, confirm, hand_size, on_turn, on_turn_page, open_seat, phase, play_turn, rating_game,
                      rest_game, start, started_pair, vote_everywhere, wait_until)

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


PHONES = [(390, 844), (360, 640)]
# The share of the screen's height taken by the docked hand and the facilitator's controls: the union of
# their boxes' vertical extents, clipped to the viewport (a control outside the dock counts too).
DOCK_SHARE = """(() => {
    const spans = [...document.querySelectorAll('.dock, .host-tools, #facilitator-menu')]
        .map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0)
        .map((r) => [Math.max(0, r.top), Math.min(window.innerHeight, r.bottom)]).filter(([a, b]) => b > a)
        .sort((x, y) => x[0] - y[0]);
    let covered = 0, end = -1;
    for (const [a, b] of spans) {
        if (b <= end) continue;
        covered += b - Math.max(a, end);
        end = b;
    }
    return covered / window.innerHeight;
})()"""
DOCK_BOUND = 0.20


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_on_a_phone_the_dock_leaves_the_table_in_view(web_server: Any, new_page: Any, width: int, height: int) -> None:
    kim = new_page(width, height, is_mobile=True, has_touch=True)
    doug = new_page(1280, 800)
    pages = [kim, doug]
    started_pair(web_server.url, kim, doug)
    if on_turn_page(pages) is doug:
        play_turn(doug, "Doug opens the game.")
        vote_everywhere(pages)
    wait_until(lambda: on_turn(kim), what="the facilitator's turn")
    # The facilitator's view on her turn: the dock and her controls leave most of the screen to the table,
    # at the top of the page and while she reads further down.
    kim.evaluate("window.scrollTo(0, 0)")
    share = kim.evaluate(DOCK_SHARE)
    kim.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    share_scrolled = kim.evaluate(DOCK_SHARE)
    record_share(f"{width}x{height}", share, share_scrolled)
    assert share <= DOCK_BOUND and share_scrolled <= DOCK_BOUND, (share, share_scrolled)
    assert kim.evaluate(NO_OVERFLOW)
    # It is plain that it is her turn, in the dock itself (the status line may be scrolled away).
    assert kim.locator(".dock .turn-cue").is_visible()
    assert "your turn" in kim.locator(".dock .turn-cue").inner_text().lower()
    # Every card can be reached: the row scrolls sideways, each card's buttons are whole targets.
    assert kim.evaluate("(() => { const l = document.querySelector('#hand .hand-cards');"
                        " return getComputedStyle(l).overflowX === 'auto' && l.getBoundingClientRect().right <= window.innerWidth; })()")
    for button in kim.locator("#hand .card").first.locator("button").all():
        box = button.bounding_box()
        assert box and box["width"] >= 24 and box["height"] >= 24, box
    # A card is played from the compact hand, by touch.
    before = hand_size(kim)
    kim.locator("#hand .card.playable .card-face").first.tap()
    kim.wait_for_selector("#composer:not([hidden])")
    target = kim.locator("#composer .target-option.fits")
    (target if target.count() else kim.locator("#composer .target-option")).first.tap()
    kim.locator("#composer button.primary").tap()
    kim.wait_for_selector("#composer", state="hidden")
    wait_until(lambda: hand_size(kim) == before - 1, what="the card to leave the hand")
    vote_everywhere(pages)
    while on_turn_page(pages) is kim:  # she won the trick: she leads the next one
        play_turn(kim)
        vote_everywhere(pages)
    # Doug's turn: her cards say whose turn it is (the server sends the reason without a name)…
    wait_until(lambda: "it is Doug's turn" in (kim.locator("#hand-why").text_content() or ""),
               what="the hand to say whose turn it is")
    # …and the facilitator's controls are one closed menu button…
    menu = kim.locator("#facilitator-menu")
    panel = kim.locator("#facilitator-tools")
    assert menu.get_attribute("aria-expanded") == "false" and panel.is_hidden()
    assert kim.evaluate(DOCK_SHARE) <= DOCK_BOUND
    # …that opens, and Escape closes it with the focus back on the button (keyboard)…
    menu.focus()
    kim.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true" and panel.is_visible()
    kim.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false" and panel.is_hidden()
    assert kim.evaluate("document.activeElement.id") == "facilitator-menu"
    # …and its actions work: skip Doug (the turn comes back to Kim), then end play.
    menu.tap()
    skip = panel.get_by_role("button", name="Skip Doug")
    assert skip.is_visible()
    skip.tap()
    confirm(kim, "Skip Doug's turn")  # Doug is connected: asked first
    wait_until(lambda: on_turn(kim), what="the turn back to the facilitator")
    assert menu.get_attribute("aria-expanded") == "false", "the menu closes once an action is chosen"
    menu.tap()
    panel.locator("#end-play").tap()
    confirm(kim, "End play")
    for page in pages:  # prioritising, or the end when no threat was valid (nothing to rate)
        wait_until(lambda page=page: phase(page) in ("rating", "ended"), what="play to end")


def record_share(viewport: str, top: float, scrolled: float) -> None:
    """Keep the measured shares in test-results (gitignored) for the record."""
    path = RESULTS / "phone-dock.json"
    RESULTS.mkdir(exist_ok=True)
    figures = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    figures[viewport] = {"at_top": round(top, 3), "scrolled_down": round(scrolled, 3)}
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


def test_on_the_desktop_the_facilitator_tools_stay_in_the_bar(web_server: Any, new_page: Any) -> None:
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(web_server.url, kim, doug)
    # No menu to open: the tools are shown in a row, as before.
    assert kim.locator("#facilitator-menu").is_hidden()
    assert kim.locator("#facilitator-tools").is_visible()
    assert kim.locator("#end-game").is_visible()
    assert kim.locator(".dock .turn-cue").count() == 0 or kim.locator(".dock .turn-cue").is_hidden()


def test_on_a_phone_the_rating_list_is_in_reach_and_fits(web_server: Any, new_page: Any) -> None:
    game = rating_game(web_server.url, ["Kim", "Sam"], accepted=3)
    sam = new_page(390, 844, is_mobile=True, has_touch=True)
    open_seat(sam, game["links"][1])
    sam.wait_for_selector("#rating .rating-item")
    # The list to rate starts on the first screen (not under the diagram and every side panel)…
    assert sam.evaluate("document.querySelector('#rating').getBoundingClientRect().top < window.innerHeight")
    # …each threat fits the screen's width, its text readable beside nothing (not squeezed to a letter a line)…
    assert sam.evaluate(NO_OVERFLOW)
    for item in sam.locator("#rating .rating-item").all():
        box = item.bounding_box()
        text = item.locator(".threat-text").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert text and text["width"] >= 250, text
    # …and the page ends where its content does (no empty screens to scroll through below it).
    assert sam.evaluate("document.scrollingElement.scrollHeight <= document.querySelector('.table-page').getBoundingClientRect().height + 1")
    item = sam.locator("#rating .rating-item").first
    item.locator(".scale").nth(0).locator("label").nth(3).tap()
    item.locator(".scale").nth(1).locator("label").nth(4).tap()
    wait_until(lambda: "rated" in (sam.locator("#rating .rating-item").first.get_attribute("class") or ""), what="the rating recorded")
    assert "risk 20" in sam.locator("#rating .rating-item").first.inner_text()


LINES = """(el) => { const r = document.createRange(); r.selectNodeContents(el);
    return new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top))).size; }"""
"""How many lines an element's text takes on screen."""


def test_the_waiting_rooms_copy_buttons_keep_their_word_whole(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim, screen = new_page(1440, 900), new_page(1920, 1080)
    open_seat(kim, game["links"][0])
    screen.goto(game["watch"])  # the shared screen shows the waiting room too
    screen.wait_for_selector("body[data-ready=table]")
    for page in (kim, screen):
        buttons = page.locator("#setup .copy-row button.copy")
        assert buttons.count() >= 2
        for button in buttons.all():
            assert button.inner_text() == "Copy"
            assert button.evaluate(LINES) == 1, f"'Copy' broken over lines at {page.viewport_size}"
        assert page.evaluate(SIDE_FITS)


def test_the_scoreboard_keeps_each_card_count_on_one_line(web_server: Any, new_page: Any) -> None:
    kim, doug = new_page(1440, 900), new_page(1440, 900)
    started_pair(web_server.url, kim, doug)
    # The seat on turn is in bold: its "14 cards" broke over two lines.
    for page in (kim, doug):
        counts = page.locator("#scoreboard .hand-size")
        assert counts.count() == 2
        for count in counts.all():
            assert count.inner_text().endswith("cards")
            assert count.evaluate(LINES) == 1, count.evaluate("(e) => e.closest('li').className")


def test_on_a_phone_a_verdict_shown_while_writing_a_note_is_readable(web_server: Any, new_page: Any) -> None:
    kim, sam = new_page(1280, 800), new_page(390, 844, is_mobile=True, has_touch=True)
    pages = [kim, sam]
    started_pair(web_server.url, kim, sam)
    while on_turn_page(pages) is not sam:
        play_turn(kim)
        vote_everywhere(pages)
    play_turn(sam, "An attacker replays a captured request and changes another employee's salary.")
    sam.wait_for_selector("#verdict:not([hidden])")
    # Straight on to a sticky note, the verdict still up: it stays a card to read, on the screen.
    sam.locator("#add-note").tap()
    sam.wait_for_selector("#composer:not([hidden])")
    assert sam.locator("#verdict").is_visible()
    box = sam.locator("#verdict .verdict-card").bounding_box()
    assert box and box["width"] >= 300 and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert sam.evaluate(NO_OVERFLOW)
    sam.locator("#verdict .verdict-actions button", has_text="OK").tap()
    assert sam.locator("#verdict").is_hidden() and sam.locator("#composer").is_visible()


def test_on_a_phone_the_dock_says_a_vote_waits_and_takes_you_to_it(web_server: Any, new_page: Any) -> None:
    """The vote panel sits under the diagram on a phone, out of sight: with no vote time limit the game would
    wait on a player who never saw it."""
    from test_focus import add_note

    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    kim, sam = new_page(1280, 800), new_page(1280, 800)
    doug = new_page(390, 844, is_mobile=True, has_touch=True)
    for page, link in zip((kim, doug, sam), game["links"]):
        open_seat(page, link)
    start(kim, [kim, doug, sam])
    assert doug.locator("button.vote-cue").count() == 0
    add_note(sam, "Anyone on the office wifi can read the payroll export.")
    doug.wait_for_selector("button.vote-cue:visible")
    assert doug.inner_text("button.vote-cue") == "Vote (1)"
    assert kim.locator("button.vote-cue").is_hidden()  # the desktop's vote panel is in view already
    doug.click("button.vote-cue")
    wait_until(lambda: doug.evaluate("document.activeElement && document.activeElement.closest('#votes') !== null"),
               what="the focus in the vote panel")
    top = doug.evaluate("document.querySelector('#votes').getBoundingClientRect().top")
    assert 0 <= top < 844
    doug.click("#votes .vote-prompt button.yes")
    wait_until(lambda: doug.locator("button.vote-cue").count() == 0, what="the cue gone once voted")


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_on_a_phone_the_clocks_do_not_push_the_top_bar_off_the_screen(web_server: Any, new_page: Any,
                                                                       width: int, height: int) -> None:
    """A game with a turn limit and a time box shows two clocks in the top bar: on a phone the page scrolled
    sideways and the STRIDE primer button was off the screen."""
    game = rest_game(web_server.url, ["Kim", "Doug"], timing={**NO_LIMITS, "turn_seconds": 600, "play_seconds": 3600})
    kim, doug = new_page(1280, 800), new_page(width, height, is_mobile=True, has_touch=True)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    doug.wait_for_selector("#turn-clock:not([hidden])")
    doug.wait_for_selector("#box-clock:not([hidden])")
    assert doug.evaluate(NO_OVERFLOW), doug.evaluate("document.scrollingElement.scrollWidth")
    primer = doug.locator(".topbar button", has_text="STRIDE primer").bounding_box()
    assert primer and primer["x"] >= 0 and primer["x"] + primer["width"] <= width, primer
    for clock in ("#turn-clock", "#box-clock"):
        assert doug.locator(clock).evaluate(LINES) == 1, f"{clock} broken over lines"


@pytest.mark.parametrize(("width", "height"), PHONES)
def test_on_a_phone_the_game_title_is_not_squeezed_to_a_sliver(web_server: Any, new_page: Any,
                                                                width: int, height: int) -> None:
    """Without clocks (a game with no time limits, as retros often are) the brand, the connection and the primer
    button took the row and the game's title showed as a letter."""
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim, doug = new_page(1280, 800), new_page(width, height, is_mobile=True, has_touch=True)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    title = doug.locator(".topbar .game-title")
    wait_until(lambda: "Loading" not in title.inner_text(), what="the game's title")
    assert title.evaluate("(t) => t.clientWidth") >= 100, title.evaluate("(t) => [t.clientWidth, t.textContent]")
    assert doug.evaluate(NO_OVERFLOW), doug.evaluate("document.scrollingElement.scrollWidth")
    primer = doug.locator(".topbar button", has_text="STRIDE primer").bounding_box()
    assert primer and primer["x"] >= 0 and primer["x"] + primer["width"] <= width, primer


# Each element in the composer's list, as drawn: its name's width and whether the whole name is shown.
TARGET_NAMES = """[...document.querySelectorAll('#composer .target-option')].map((o) => {
    const n = o.querySelector('.target-name');
    return {text: o.textContent, share: n.clientWidth / o.clientWidth, whole: n.scrollWidth <= n.clientWidth + 1};
})"""


@pytest.mark.parametrize(("width", "height"), [(1366, 800), (360, 640)])
def test_the_composers_list_names_every_flow(web_server: Any, new_page: Any, width: int, height: int) -> None:
    """A flow's label (its request, say) took the row: "Internal support staff → HR API" was squeezed to a few
    pixels, and flows with the same label ("whole request logged") could not be told apart."""
    kim, doug = new_page(1280, 800), new_page(width, height)
    started_pair(web_server.url, kim, doug)
    doug.click("#add-note")  # the same list as playing a card, at any time
    doug.wait_for_selector("#composer .target-option[data-kind=flow]")
    rows = doug.evaluate(TARGET_NAMES)
    assert len(rows) > 20
    for row in rows:
        assert row["whole"] and row["share"] >= 0.4, row
