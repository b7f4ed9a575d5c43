"""Keyboard only: Tab to a card, Enter to choose it, arrow keys to pick a component, Enter to play."""

from __future__ import annotations

from typing import Any

from ui_steps import hand_ids, on_turn_page, open_seat, rest_game, start, started_pair, wait_until

ACTIVE = "(() => { const e = document.activeElement; return e ? [e.tagName, e.className, e.dataset.card || '', e.getAttribute('role') || ''].join('|') : ''; })()"


def test_one_card_is_played_with_the_keyboard_alone(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    page = on_turn_page([kim, doug])
    playable = {c.get_attribute("data-card") for c in page.locator("#hand .card.playable").all()}
    assert playable, "a card to play"
    before = hand_ids(page)
    threats_before = page.locator("#feed .feed-item").count()

    # Tab from the top of the page to the first playable card.
    page.locator("body").focus()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(300):
        page.keyboard.press("Tab")
        tag, cls, card, _role = page.evaluate(ACTIVE).split("|")
        if tag == "BUTTON" and "card-face" in cls and card in playable:
            break
    else:
        raise AssertionError("Tab never reached a playable card")
    page.keyboard.press("Enter")
    page.wait_for_selector("#composer:not([hidden])")
    assert page.evaluate(ACTIVE).split("|")[3] == "listbox", "choosing a card puts the focus in the component list"
    chosen = page.locator("#composer [role=option][aria-selected=true]")
    assert chosen.count() == 1, "the list starts on an element (the first one the card fits)"
    # Arrow keys move through the list mirroring the diagram; the diagram marks the pick.
    first = chosen.get_attribute("data-target")
    page.keyboard.press("ArrowDown")
    assert page.locator("#composer [role=option][aria-selected=true]").get_attribute("data-target") != first
    page.keyboard.press("ArrowUp")
    target = page.locator("#composer [role=option][aria-selected=true]").get_attribute("data-target")
    assert target == first
    page.keyboard.press("Enter")

    page.wait_for_selector("#composer", state="hidden")
    wait_until(lambda: len(hand_ids(page)) == len(before) - 1, what="the card to be played")
    wait_until(lambda: page.locator("#feed .feed-item").count() == threats_before + 1, what="the threat in the feed")
    newest = page.locator("#feed .feed-item").first
    assert page.locator("#trick .trick-play").count() == 1
    # The verdict is announced in the live region and shown at once.
    wait_until(lambda: page.locator("#live").inner_text().strip() != "", what="the verdict in the live region")
    live = page.locator("#live").inner_text()
    assert any(word in live for word in ("Valid threat", "Not valid", "To the vote")), live
    assert page.locator("#verdict .verdict-card").count() == 1
    status = newest.get_attribute("class") or ""
    assert any(s in status for s in ("accepted", "rejected", "voting"))


def test_starting_the_game_from_the_keyboard_puts_the_focus_in_the_hand(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    kim.focus("#start-game")
    kim.keyboard.press("Enter")
    kim.wait_for_selector("body[data-phase=play]")
    # The waiting room (and its button) are gone: the focus goes to the cards just dealt, not to the page;
    # to the card that opens the game when Kim holds it.
    wait_until(lambda: kim.evaluate(ACTIVE).split("|")[1].startswith("card-face"), timeout=3, what="the focus in the hand")
    card = kim.evaluate(ACTIVE).split("|")[2]
    must_lead = kim.locator("#hand .card.must-lead")
    if must_lead.count():
        assert card == must_lead.get_attribute("data-card")


def test_a_sticky_note_from_the_keyboard_gives_the_focus_back_to_its_button(web_server: Any, new_page: Any) -> None:
    """Added (Ctrl+Enter) or cancelled (Escape), the note's composer went and the focus fell to the page."""
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(web_server.url, kim, doug)
    doug.focus("#add-note")
    doug.keyboard.press("Enter")
    doug.wait_for_selector("#composer:not([hidden])")
    doug.keyboard.press("ArrowDown")  # an element
    doug.keyboard.press("Tab")
    doug.keyboard.press("Space")  # the first STRIDE category
    doug.fill("#composer .threat-input", "Anyone on the office wifi can read the payroll export.")
    doug.focus("#composer .threat-input")
    doug.keyboard.press("Control+Enter")
    doug.wait_for_selector("#composer", state="hidden")
    wait_until(lambda: doug.evaluate("document.activeElement.id") == "add-note", timeout=3, what="the focus on + Sticky note")
    doug.keyboard.press("Enter")
    doug.wait_for_selector("#composer:not([hidden])")
    doug.keyboard.press("Escape")
    doug.wait_for_selector("#composer", state="hidden")
    assert doug.evaluate("document.activeElement.id") == "add-note"
