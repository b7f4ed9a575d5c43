"""Keyboard focus survives what other players do, and the sticky-note popover behaves like a dialog."""

from __future__ import annotations

from typing import Any

import requests
from ui_steps import NO_LIMITS, on_turn_page, open_seat, play_turn, rest_game, start, started_pair, version, wait_until

ACTIVE = """(() => {
    const e = document.activeElement;
    if (!e || e === document.body) return 'body';
    const prompt = e.closest('.vote-prompt');
    return [e.tagName, e.id, e.className, e.getAttribute('aria-label') || '', e.dataset.threat || '',
            prompt ? prompt.dataset.threat : ''].join('|');
})()"""


def add_note(page: Any, text: str, index: int = 2) -> None:
    """A free sticky note (no card): it goes to the vote."""
    page.click("#add-note")
    page.wait_for_selector("#composer:not([hidden])")
    page.locator("#composer .target-option").nth(index).click()
    page.locator("#composer .suit-radio").first.click()
    page.fill("#composer .threat-input", text)
    page.click("#composer button.primary")
    page.wait_for_selector("#composer", state="hidden")


def wait_for_update(page: Any, before: int) -> None:
    wait_until(lambda: version(page) > before, what="the next update")
    page.wait_for_timeout(200)  # let the renders of that update finish


def test_the_waiting_room_keeps_the_focus_when_someone_joins(web_server: Any, new_page: Any) -> None:
    created = requests.post(f"{web_server.url}/api/games", json={"example": "leejames-hr/before", "name": "Kim", "seats": 3,
                                                                  "bots": 0, "timing": NO_LIMITS}, timeout=10).json()
    kim = new_page(1280, 800)
    open_seat(kim, created["facilitator"]["link"])
    kim.locator("#setup button.copy").first.focus()
    before = kim.evaluate(ACTIVE)
    assert "Copy Invite link" in before
    v = version(kim)
    requests.post(f"{web_server.url}/api/games/{created['game_id']}/seats", json={"name": "Doug"}, timeout=10).raise_for_status()
    wait_for_update(kim, v)
    assert "Doug" in kim.locator("#setup").inner_text()
    assert kim.evaluate(ACTIVE) == before, "the focus stays on the same Copy button"


def test_the_action_buttons_keep_the_focus_when_another_player_plays(web_server: Any, new_page: Any) -> None:
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    pages = [kim, doug]
    started_pair(web_server.url, kim, doug)
    mover = on_turn_page(pages)
    watcher = doug if mover is kim else kim
    watcher.focus("#add-note")
    v = version(watcher)
    play_turn(mover)
    wait_for_update(watcher, v)
    assert watcher.evaluate(ACTIVE).split("|")[1] == "add-note"
    # The facilitator's End game button too, while Doug plays (Kim plays first while the turn is hers).
    for _ in range(4):
        if on_turn_page(pages) is doug:
            break
        v = version(doug)
        play_turn(kim)
        wait_for_update(doug, v)
    assert on_turn_page(pages) is doug
    kim.focus("#end-game")
    v = version(kim)
    play_turn(doug)
    wait_for_update(kim, v)
    assert kim.evaluate(ACTIVE).split("|")[1] == "end-game"


def test_a_vote_button_keeps_the_focus_when_the_table_changes(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    pages = [new_page(1280, 800) for _ in range(3)]
    for page, link in zip(pages, game["links"]):
        open_seat(page, link)
    start(pages[0], pages)
    noter, voter, other = pages
    add_note(noter, "Anyone on the office wifi can read the payroll export.")
    voter.wait_for_selector("#votes .vote-prompt button.yes")
    voter.focus("#votes .vote-prompt button.yes")
    before = voter.evaluate(ACTIVE)
    threat = before.split("|")[5]
    assert threat
    v = version(voter)
    add_note(other, "A second note while the first is being voted on.", 3)
    wait_for_update(voter, v)
    wait_until(lambda: voter.locator("#votes .vote-prompt").count() == 2, what="the second vote prompt")
    voter.wait_for_timeout(200)
    assert voter.evaluate(ACTIVE) == before, "the focus stays on the same vote button"
    # After voting, the focus stays in that prompt (its buttons are gone), not on the page.
    voter.keyboard.press("Enter")
    wait_until(lambda: "You voted yes" in voter.locator(f"#votes .vote-prompt[data-threat='{threat}']").inner_text()
               or voter.locator(f"#votes .vote-prompt[data-threat='{threat}']").count() == 0, what="the vote to be recorded")
    voter.wait_for_timeout(300)
    after = voter.evaluate(ACTIVE)
    assert voter.evaluate("document.querySelector('#votes').contains(document.activeElement)"), after
    assert "yes" not in after.split("|")[2] and "no" not in after.split("|")[2], f"not on another vote's button: {after}"


def test_escape_closes_the_sticky_note_popover_and_returns_the_focus(web_server: Any, new_page: Any) -> None:
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(web_server.url, kim, doug)
    add_note(doug, "Payroll export readable on the office wifi.")
    kim.wait_for_selector("#diagram .note[data-threat]")
    note = kim.locator("#diagram .note[data-threat]").first
    threat = note.get_attribute("data-threat")
    note.focus()
    kim.keyboard.press("Enter")
    popover = kim.locator("#diagram .note-popover")
    popover.wait_for(state="visible")
    assert kim.evaluate(ACTIVE).split("|")[3] == "Close"
    kim.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    assert kim.evaluate(ACTIVE).split("|")[4] == threat, "the focus is back on the note that opened the popover"
    # The close button does the same.
    kim.keyboard.press("Enter")
    popover.wait_for(state="visible")
    kim.keyboard.press("Enter")  # on the focused Close button
    popover.wait_for(state="hidden")
    assert kim.evaluate(ACTIVE).split("|")[4] == threat


def test_a_verdict_read_from_the_keyboard_gives_the_focus_back(web_server: Any, new_page: Any) -> None:
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    pages = [kim, doug]
    started_pair(web_server.url, kim, doug)
    mover = on_turn_page(pages)
    play_turn(mover, "An attacker replays a captured request and changes another employee's salary.")
    mover.wait_for_selector("#verdict:not([hidden])")
    # From the hand, Shift+Tab back to the verdict to read it (its last button is OK).
    mover.locator("#add-note").focus()
    for _ in range(80):
        came_from = mover.evaluate(ACTIVE)
        mover.keyboard.press("Shift+Tab")
        if mover.evaluate("!!document.activeElement.closest('#verdict')"):
            break
    else:
        raise AssertionError("Shift+Tab never reached the verdict")
    assert mover.evaluate("document.activeElement.textContent") == "OK"
    # Being read, it does not vanish under the focus when its time is up…
    mover.wait_for_timeout(9_500)
    assert mover.locator("#verdict").is_visible(), "the verdict went while the keyboard was on it"
    # …and OK closes it with the focus back where the reader came from, not on the page.
    mover.keyboard.press("Enter")
    assert mover.locator("#verdict").is_hidden()
    assert mover.evaluate(ACTIVE) == came_from != "body"


def test_the_last_ballot_from_the_keyboard_leaves_the_focus_in_the_hand(web_server: Any, new_page: Any) -> None:
    """The vote is decided by this ballot: its prompt and the panel go, and the focus with them, to the page."""
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(web_server.url, kim, doug)
    add_note(doug, "Anyone on the office wifi can read the payroll export.")
    kim.wait_for_selector("#votes .vote-prompt button.yes")
    kim.focus("#votes .vote-prompt button.yes")
    kim.keyboard.press("Enter")  # Kim is the whole electorate: the vote closes at once
    kim.wait_for_selector("#votes", state="hidden")
    kim.wait_for_timeout(300)
    assert kim.evaluate("!!document.activeElement.closest('#hand button.card-face')"), kim.evaluate(ACTIVE)
