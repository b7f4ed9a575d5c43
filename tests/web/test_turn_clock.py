"""The turn clock: a turn that times out while its player is writing a threat does not lose the words."""

from __future__ import annotations

from typing import Any

from ui_steps import NO_LIMITS, SCREENSHOTS, hand_ids, on_turn, on_turn_page, open_seat, rest_game, start, wait_until

TURN_SECONDS = 8
"""Short, but long enough to choose a card, a target and type on a loaded machine (the schema allows 5)."""


# Engine.IO's heartbeat runs on the page's clock too (page.clock): a jump of 20 s must not look like a dead connection.
HEARTBEAT = {"THREATDECK_PING_INTERVAL": "120", "THREATDECK_PING_TIMEOUT": "120"}
PAST_A_TOAST = 20_000
"""Milliseconds to jump: well past the 9 s a toast of news lasts."""


def timed_pair(url: str, new_page: Any, *, clocked: bool = False) -> tuple[Any, Any]:
    """Kim and Doug in a started game whose turns time out after TURN_SECONDS; returns (on turn, the other).
    ``clocked``: the pages run on Playwright's clock, so a test can jump past a toast's time."""
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    if clocked:
        for page in (kim, doug):
            page.clock.install()
    game = rest_game(url, ["Kim", "Doug"], timing={**NO_LIMITS, "turn_seconds": TURN_SECONDS})
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    mover = on_turn_page([kim, doug])
    assert mover.locator("#turn-clock").is_visible(), "the turn has a clock"
    return mover, doug if mover is kim else kim


def timed_out(mover: Any, other: Any) -> None:
    """Wait until both pages show the turn passed by the clock. The other page showing its turn says nothing of the
    mover's, which may not have that update yet: its notice was then looked for, and not found, in time."""
    wait_until(lambda: not on_turn(mover) and on_turn(other), timeout=TURN_SECONDS + 10, what="the turn to time out")


def test_a_threat_being_written_when_the_turn_times_out_is_kept_as_a_sticky_note(web_server: Any, new_page: Any) -> None:
    mover, other = timed_pair(web_server.url, new_page)
    card = mover.locator("#hand .card.playable").first
    card_id = card.get_attribute("data-card") or ""
    card_suit = card.get_attribute("data-suit") or ""
    card.locator(".card-face").click()
    mover.wait_for_selector("#composer:not([hidden])")
    option = mover.locator("#composer .target-option").nth(2)
    target = option.get_attribute("data-target") or ""
    option.click()
    text = "Anyone can <b>read</b> this & the payslips — written as the clock ran out"
    mover.fill("#composer .threat-input", text)

    # Past the limit: the server passes the turn on its own.
    timed_out(mover, other)

    notice = mover.locator("#composer .notice")
    notice.wait_for(state="visible", timeout=5000)
    said = notice.inner_text().lower()
    assert "time ran out" in said and "turn passed" in said, said
    wait_until(lambda: "time ran out" in (mover.text_content("#live") or "").lower(), timeout=3, what="the announcement")
    assert card_id in hand_ids(mover), "the card was not played: it stays in the hand"

    # The words are kept in a sticky note, on the same target, ready to add with one click.
    assert mover.locator("#composer h2").inner_text() == "Add a sticky note"
    assert mover.input_value("#composer .threat-input") == text
    chosen = mover.locator("#composer .target-option[aria-selected=true]")
    assert chosen.count() == 1 and chosen.get_attribute("data-target") == target
    if card_suit:
        assert mover.locator("#composer .suit-radio input:checked").get_attribute("value") == card_suit
    assert mover.locator("#composer .suit-radio input:checked").count() == 1, "the card's STRIDE category is chosen"
    assert mover.locator("#composer b").count() == 0, "the text stays text"
    assert mover.evaluate("document.activeElement.classList.contains('threat-input')"), "the focus is back in the text"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mover.screenshot(path=str(SCREENSHOTS / "turn-timed-out-note.png"))

    mover.click("#composer button.primary")
    mover.wait_for_selector("#composer", state="hidden")
    for page in (mover, other):
        wait_until(lambda p=page: text in p.locator("#feed .threat-text").all_inner_texts(), what="the note in the feed")


def test_a_turn_that_times_out_with_no_text_written_says_so(web_server: Any, new_page: Any) -> None:
    mover, other = timed_pair(web_server.url, new_page)
    card = mover.locator("#hand .card.playable").first
    card_id = card.get_attribute("data-card") or ""
    card.locator(".card-face").click()
    mover.wait_for_selector("#composer:not([hidden])")
    mover.locator("#composer .target-option").first.click()
    mover.fill("#composer .threat-input", "")

    timed_out(mover, other)
    toast = mover.locator("#verdict .verdict-card")
    toast.wait_for(state="visible", timeout=5000)
    assert "time ran out" in toast.inner_text().lower()
    assert mover.locator("#composer").is_hidden(), "nothing was written: no sticky note to keep"
    assert card_id in hand_ids(mover)


def test_a_player_away_when_their_turn_runs_out_is_told_when_they_come_back(start_web_server: Any, new_page: Any) -> None:
    """Nobody at the screen (coffee, another window): the notice stays until read, as an own verdict does; the
    other seat hears of it as news only."""
    server = start_web_server(**HEARTBEAT)
    away, other = timed_pair(server.url, new_page, clocked=True)
    timed_out(away, other)

    notice = away.locator("#verdict .verdict-card[data-verdict=turn]")
    notice.wait_for(state="visible", timeout=5000)
    wait_until(lambda: "your turn passed" in (away.text_content("#live") or "").lower(), timeout=3, what="the announcement")
    wait_until(lambda: "ran out of time" in (other.text_content("#live") or ""), timeout=3, what="the other's announcement")
    away.clock.fast_forward(PAST_A_TOAST)
    other.clock.fast_forward(PAST_A_TOAST)

    assert notice.is_visible(), "the notice went before the player came back"
    said = notice.inner_text().lower()
    assert "time ran out" in said and "your turn passed" in said and "sticky note" in said, said
    next_name = (away.text_content("#status-line") or "").split("'s turn")[0]
    assert next_name in ("Kim", "Doug") and f"passed to {next_name}" in notice.inner_text(), notice.inner_text()
    # It heads the side column: the diagram beside it stays in reach.
    box, board = away.locator("#verdict").bounding_box(), away.locator("#diagram").bounding_box()
    assert box and board and box["x"] >= board["x"] + board["width"], (box, board)
    assert other.locator("#verdict").is_hidden(), "another seat's timeout is news: nothing stays on that page"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    away.screenshot(path=str(SCREENSHOTS / "turn-ran-out-away.png"))

    notice.locator("[data-role=ok]").click()
    assert away.locator("#verdict").is_hidden()
