"""A vote someone cannot answer (a laptop asleep, no vote time limit): the facilitator closes it on the votes cast."""

from __future__ import annotations

from typing import Any

from test_focus import add_note
from ui_steps import CONFIRM, confirm, on_turn, open_seat, play_turn, rest_game, start, vote_everywhere, wait_until


def test_the_facilitator_closes_a_vote_that_waits_for_a_sleeping_voter(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])  # no time limits; Sam never opens his link
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    pages = [kim, doug]
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, pages)
    close = kim.locator("#votes .vote-prompt button.close-vote")
    # Named, since Kim is offered to skip Doug too, and Doug's page may not show his turn yet.
    skip_sam = kim.locator("[data-focus=skip-seat][title='Skip Sam']")
    for _ in range(20):  # play until a threat goes to a vote (Sam's ballot never comes)
        wait_until(lambda: any(on_turn(p) for p in pages) or skip_sam.count() > 0, what="a seat on turn, or Sam's")
        if not any(on_turn(p) for p in pages):
            version = kim.evaluate("document.body.dataset.version")
            skip_sam.click()  # Sam's turn: the facilitator skips it
            # Before the server says Sam is away the page asks first, as for a player who is connected.
            wait_until(lambda v=version: kim.evaluate("document.body.dataset.version") != v or kim.locator(CONFIRM).count() > 0,
                       what="the skip, or its question")
            if kim.locator(CONFIRM).count():
                confirm(kim, "Skip Sam's turn")
            # Until the skip comes back the old button is still there, and clicking it again timed out.
            wait_until(lambda v=version: kim.evaluate("document.body.dataset.version") != v, what="the skip")
            continue
        play_turn(next(p for p in pages if on_turn(p)), "A forged token is accepted by the API.")
        vote_everywhere(pages)
        if close.count():
            break
    assert close.count(), "no vote was left open"
    assert doug.locator("#votes button.close-vote").count() == 0  # the facilitator's alone
    threat = kim.locator("#votes .vote-prompt").first.get_attribute("data-threat")
    close.first.click()
    wait_until(lambda: kim.locator(f"#votes .vote-prompt[data-threat='{threat}']").count() == 0,
               what="the vote to close")
    wait_until(lambda: doug.locator(f"#votes .vote-prompt[data-threat='{threat}']").count() == 0,
               what="the vote to close for Doug too")


def test_closing_a_vote_from_the_keyboard_leaves_the_focus_in_the_hand(web_server: Any, new_page: Any) -> None:
    """The prompt, the panel and the button went with the vote: the focus fell to the page, and the next Tab
    started again from the top."""
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])  # Sam never opens his link: the vote waits on him
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    add_note(doug, "Anyone on the office wifi can read the payroll export.")
    close = kim.locator("#votes .vote-prompt button.close-vote")
    close.wait_for()
    close.focus()
    kim.keyboard.press("Enter")
    kim.wait_for_selector("#votes", state="hidden")
    kim.wait_for_timeout(300)
    assert kim.evaluate("!!document.activeElement.closest('#hand button.card-face')"), kim.evaluate(
        "document.activeElement.outerHTML.slice(0, 120)")


def vote_opened(url: str, new_page: Any) -> tuple[Any, Any, Any]:
    """Kim, Doug and Sam at a game without a vote time limit; Doug's sticky note is put to the vote, and Kim (the
    facilitator), with everyone connected and nobody voted yet, is not offered to close it."""
    game = rest_game(url, ["Kim", "Doug", "Sam"])
    kim, doug, sam = new_page(1280, 800), new_page(1280, 800), new_page(1280, 800)
    for page, link in zip((kim, doug, sam), game["links"]):
        open_seat(page, link)
    start(kim, [kim, doug, sam])
    add_note(doug, "Anyone on the office wifi can read the payroll export.")
    kim.wait_for_selector("#votes .vote-prompt")
    kim.wait_for_timeout(300)
    assert kim.locator("#votes button.close-vote").count() == 0, "everyone is here and nobody has voted"
    return kim, doug, sam


def close_the_vote(kim: Any) -> None:
    kim.locator("#votes .vote-prompt button.close-vote").click()
    kim.wait_for_selector("#votes", state="hidden")
    wait_until(lambda: "valid (vote)" in kim.locator("#feed .feed-item").first.inner_text(), what="the verdict")


def test_close_the_vote_now_is_offered_only_while_the_vote_waits_for_someone_away(web_server: Any,
                                                                                  new_page: Any) -> None:
    """It was on every vote, everyone there: one click at "0 of 2 votes cast" rejected a threat the table was
    about to vote on (docs/web.md: for a vote that waits for a player who is away)."""
    kim, _doug, sam = vote_opened(web_server.url, new_page)
    sam.context.close()  # Sam's laptop sleeps before he votes
    kim.wait_for_selector("#votes .vote-prompt button.close-vote")
    kim.locator("#votes .vote-prompt button.yes").click()  # Kim votes: 1 of 2, the vote still waits for Sam
    kim.wait_for_selector("#votes .vote-prompt >> text=You voted yes.")
    close_the_vote(kim)


def test_close_the_vote_now_is_offered_once_someone_voted_with_everyone_connected(web_server: Any,
                                                                                    new_page: Any) -> None:
    """Sam is at the table but not answering (no vote time limit): after the first ballot Kim may close the vote."""
    kim, _doug, sam = vote_opened(web_server.url, new_page)
    kim.locator("#votes .vote-prompt button.yes").click()  # 1 of 2: the vote waits for Sam, who is connected
    kim.wait_for_selector("#votes .vote-prompt button.close-vote")
    close_the_vote(kim)
    sam.wait_for_selector("#votes", state="hidden")


def test_on_a_phone_the_facilitator_who_voted_reaches_close_the_vote_now(web_server: Any, new_page: Any) -> None:
    """The dock's "Vote (1)" went once Kim had voted, and the prompt with "Close the vote now" stayed under the
    diagram, out of sight: on a phone Kim could not find the button to close a vote that waits for Sam."""
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])  # no vote time limit
    kim = new_page(390, 844, is_mobile=True, has_touch=True)
    doug, sam = new_page(1280, 800), new_page(1280, 800)
    for page, link in zip((kim, doug, sam), game["links"]):
        open_seat(page, link)
    start(kim, [kim, doug, sam])
    add_note(doug, "Anyone on the office wifi can read the payroll export.")
    kim.wait_for_selector("button.vote-cue:visible")
    kim.click("button.vote-cue")
    kim.click("#votes .vote-prompt button.yes")  # 1 of 2: the vote waits for Sam
    kim.wait_for_selector("#votes .vote-prompt >> text=You voted yes.")
    sam.context.close()  # Sam's laptop sleeps before he votes
    kim.evaluate("window.scrollTo(0, 0)")  # back to the diagram and the hand
    close = kim.locator("#votes .vote-prompt button.close-vote")
    close.wait_for(state="attached")
    assert not kim.evaluate(IN_VIEW, close.element_handle()), "the prompt starts out of sight (the defect's premise)"
    cue = kim.locator("button.vote-cue")
    cue.wait_for()
    assert cue.inner_text() == "Vote waits (1)"
    cue.tap()
    wait_until(lambda: kim.evaluate(IN_VIEW, close.element_handle()), what="'Close the vote now' in view")
    assert kim.evaluate("document.activeElement.classList.contains('close-vote')")
    close.tap()
    kim.wait_for_selector("#votes", state="hidden")
    wait_until(lambda: "valid (vote)" in kim.locator("#feed .feed-item").first.inner_text(), what="the verdict")
    assert kim.locator("button.vote-cue").count() == 0


IN_VIEW = """(el) => { const r = el.getBoundingClientRect();
    if (!(r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth)) return false;
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return top !== null && el.contains(top); }"""
"""Whether an element is on the screen, not under the dock."""


def test_ending_play_warns_that_a_vote_still_open_is_decided_on_the_votes_cast(web_server: Any, new_page: Any) -> None:
    """End play settles open votes on the ballots cast: a sticky note nobody had voted on yet was rejected, and the
    confirmation said only "End play and move on to prioritising?"."""
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    doug.click("#add-note")
    doug.wait_for_selector("#composer:not([hidden])")
    doug.locator("#composer .target-option").first.click()
    doug.locator("#composer .suit-radio").first.click()
    doug.fill("#composer .threat-input", "Anyone on the floor can read the payslips on the shared printer.")
    doug.click("#composer button.primary")
    kim.wait_for_selector("#votes .vote-prompt")
    kim.click("#end-play")
    asked = confirm(kim, "End play")
    kim.wait_for_selector("body[data-phase=ended]")  # the note, the only threat, was rejected: nothing to rate
    assert "T1 is still being voted on" in asked and "decided on the votes cast so far" in asked, asked
