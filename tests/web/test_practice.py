"""A solo practice game against bots, from the lobby, explains each verdict."""

from __future__ import annotations

from typing import Any

from ui_steps import play_turn, wait_until


def test_a_practice_game_against_bots_explains_the_verdicts(web_server: Any, new_page: Any) -> None:
    page = new_page(1440, 900)
    page.goto(web_server.url + "/")
    page.wait_for_selector("body[data-ready=lobby]")
    page.fill("#practice-name", "Newcomer")
    page.click("#practice")
    page.wait_for_selector("body[data-phase=play]")  # practice starts by itself
    assert page.locator("#scoreboard .seat").count() == 4
    assert page.locator("#scoreboard .tag", has_text="bot").count() == 3

    # The primer is one click away from every card.
    page.locator("#hand .card .learn").first.click()
    page.wait_for_selector("dialog#primer[open]")
    primer = page.locator("dialog#primer").inner_text()
    for word in ("Spoofing", "Tampering", "Repudiation", "Information Disclosure", "Denial of Service", "Elevation of Privilege",
                 "How to fix it", "References"):
        assert word in primer, word
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog#primer", state="hidden")

    # A hint points at where a card might apply, on the diagram and in words.
    page.locator("#hand .card .hint").first.click()
    page.wait_for_selector("#verdict .verdict-card[data-verdict=hint]")
    page.locator("#hand .card .hint").first.click()

    wait_until(lambda: page.locator(".status-line.your-turn").count() > 0, what="the newcomer's turn")
    play_turn(page)
    verdict = page.locator("#verdict .verdict-card")
    verdict.wait_for()
    kind = verdict.get_attribute("data-verdict")
    assert kind in ("valid", "invalid", "vote")
    text = verdict.inner_text()
    assert "Why" in text, "the verdict says why"
    if kind != "vote":
        assert verdict.locator(".teach").count() >= 1, "practice explains what the card teaches"
    # The bots play on, and each of their verdicts is explained in the feed.
    wait_until(lambda: page.locator("#feed .feed-item").count() >= 2, what="the bots' threats")
    assert page.locator("#feed .feed-item .reason").count() >= 1
    assert page.locator("#feed details.teach").count() >= 1
    # The verdict stays until the newcomer has read it.
    page.wait_for_timeout(1000)
    assert page.locator("#verdict").is_visible()
    page.click("#verdict .verdict-actions button:last-child")
    assert page.locator("#verdict").is_hidden()
