"""Verdicts: a player's own stays until they close it or act again; news goes by itself.

The pages run on Playwright's clock (``page.clock``), installed before they load, so a test jumps past the
9 s a toast lasts instead of sleeping through it.
"""

from __future__ import annotations

from typing import Any

from ui_steps import SCREENSHOTS, on_turn_page, play_turn, started_pair, wait_until

# Engine.IO's heartbeat runs on the page's clock too: a jump of 20 s must not look like a dead connection.
HEARTBEAT = {"THREATDECK_PING_INTERVAL": "120", "THREATDECK_PING_TIMEOUT": "120"}
PAST_A_TOAST = 20_000
"""Milliseconds to jump: well past the 9 s a toast lasts (6 s for a refusal, before verdicts stayed)."""


def clocked_page(new_page: Any, width: int = 1280, height: int = 800) -> Any:
    page = new_page(width, height)
    page.clock.install()
    return page


def test_your_own_verdict_stays_until_you_close_it_or_act(start_web_server: Any, new_page: Any) -> None:
    server = start_web_server(**HEARTBEAT)
    kim, doug = clocked_page(new_page), clocked_page(new_page)
    started_pair(server.url, kim, doug)  # not practice: there a verdict always stayed
    mover = on_turn_page([kim, doug])
    play_turn(mover, "An attacker changes another employee's salary on its way to the database.")
    verdict = mover.locator("#verdict .verdict-card")
    verdict.wait_for()
    head = verdict.locator(".verdict-head").inner_text()
    threat = mover.locator("#feed .feed-item").first.get_attribute("data-threat")

    # Read at leisure: it is still there long after a toast would have gone.
    mover.clock.fast_forward(PAST_A_TOAST)
    assert verdict.is_visible(), "the player's own verdict went by itself"
    assert verdict.locator(".verdict-head").inner_text() == head

    # OK closes it; the feed brings it back, the keyboard on it.
    verdict.locator("[data-role=ok]").click()
    mover.wait_for_selector("#verdict", state="hidden")
    mover.locator(f'#feed .feed-item[data-threat="{threat}"] button.show-verdict').click()
    verdict.wait_for()
    assert verdict.locator(".verdict-head").inner_text() == head
    assert mover.evaluate("!!document.activeElement.closest('#verdict')")
    mover.clock.fast_forward(PAST_A_TOAST)
    assert verdict.is_visible()

    # Choosing a card on the other's turn is refused, and says why: that replaces it, and stays too.
    mover.locator("#hand .card .card-face").first.click(force=True)  # dimmed (aria-disabled), still says why
    refused = mover.locator("#verdict .verdict-card[data-verdict=refused]")
    refused.wait_for()
    mover.clock.fast_forward(PAST_A_TOAST)
    assert refused.is_visible(), "a refusal of the player's own move went before it was read"
    # It stays readable while a sticky note is written, and the note's own verdict replaces it.
    mover.click("#add-note")
    mover.wait_for_selector("#composer:not([hidden])")
    assert refused.is_visible()
    mover.locator("#composer .target-option").nth(2).click()
    mover.locator("#composer .suit-radio").first.click()
    mover.fill("#composer .threat-input", "Someone replays a captured session cookie.")
    mover.click("#composer button.primary")
    mover.locator("#verdict .verdict-card[data-verdict=vote]").wait_for()
    assert refused.count() == 0


def test_news_and_the_other_seats_verdicts_do_not_stay(start_web_server: Any, new_page: Any) -> None:
    server = start_web_server(**HEARTBEAT)
    kim, doug = clocked_page(new_page), clocked_page(new_page)
    started_pair(server.url, kim, doug)
    mover = on_turn_page([kim, doug])
    other = doug if mover is kim else kim
    play_turn(mover, "An attacker changes another employee's salary on its way to the database.")
    mover.locator("#verdict .verdict-card").wait_for()
    own_head = mover.locator("#verdict .verdict-head").inner_text()

    # The other seat learns of it in the feed: no verdict of someone else covers its diagram.
    wait_until(lambda: other.locator("#feed .feed-item").count() == 1, what="the threat in the other seat's feed")
    assert other.locator("#verdict").is_hidden()

    # The other seat plays in turn: its own verdict shows on its page, and does not replace the mover's.
    on_turn_page([other])
    play_turn(other, "Someone reads the payroll export from the bucket.")
    other.locator("#verdict .verdict-card").wait_for()
    wait_until(lambda: mover.locator("#feed .feed-item").count() == 2, what="the other threat in the mover's feed")
    assert mover.locator("#verdict .verdict-head").inner_text() == own_head

    # Choosing a card, the next play, closes the verdict of the last one.
    leader = on_turn_page([kim, doug])
    assert leader.locator("#verdict").is_visible()
    leader.locator("#hand .card.playable .card-face").first.click()
    leader.wait_for_selector("#composer:not([hidden])")
    assert leader.locator("#verdict").is_hidden(), "the last verdict stayed over the next play"

    # A hint is news about the diagram (it stays outlined there): it goes as before.
    watcher = other if leader is mover else mover
    watcher.locator("#verdict [data-role=ok]").click()
    watcher.locator("#hand .card .hint").first.click()
    hint = watcher.locator("#verdict .verdict-card[data-verdict=hint]")
    hint.wait_for()
    watcher.clock.fast_forward(PAST_A_TOAST)
    hint.wait_for(state="hidden")


def test_a_verdict_that_comes_on_its_own_waits_for_the_one_being_read(start_web_server: Any, new_page: Any) -> None:
    server = start_web_server(**HEARTBEAT)
    kim, doug = clocked_page(new_page), clocked_page(new_page)
    started_pair(server.url, kim, doug)
    mover = on_turn_page([kim, doug])
    other = doug if mover is kim else kim
    # A sticky note of the mover's goes to the vote (the other seat decides it), then the mover plays a card.
    mover.click("#add-note")
    mover.wait_for_selector("#composer:not([hidden])")
    mover.locator("#composer .target-option").nth(2).click()
    mover.locator("#composer .suit-radio").first.click()
    mover.fill("#composer .threat-input", "Someone replays a captured session cookie.")
    mover.click("#composer button.primary")
    mover.wait_for_selector("#composer", state="hidden")
    play_turn(mover, "An attacker changes another employee's salary on its way to the database.")
    verdict = mover.locator("#verdict .verdict-card")
    wait_until(lambda: "cookie" not in verdict.inner_text(), what="the verdict of the card played")
    head = verdict.locator(".verdict-head").inner_text()

    # The table accepts the note while the mover reads: that verdict waits, and says so.
    other.locator("#votes .vote-prompt button.yes").click()
    more = mover.locator("#verdict .verdict-more")
    wait_until(lambda: more.inner_text() == "1 more to read", what="the vote's verdict to wait")
    mover.clock.fast_forward(PAST_A_TOAST)
    assert verdict.locator(".verdict-head").inner_text() == head
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mover.screenshot(path=str(SCREENSHOTS / "verdict-waiting-1280x800.png"))
    # OK shows it, in its place; it stays as well.
    verdict.locator("[data-role=ok]").click()
    wait_until(lambda: "the table agreed" in verdict.locator(".verdict-head").inner_text(), what="the vote's verdict")
    assert "cookie" in verdict.inner_text() and more.inner_text() == ""
    mover.clock.fast_forward(PAST_A_TOAST)
    assert verdict.is_visible()
