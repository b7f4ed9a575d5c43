"""The facilitator's laptop goes to sleep before the game starts: the others see it, and one of them takes over."""

from __future__ import annotations

import time
from typing import Any

import pytest
from ui_steps import create_game, join, open_seat, rest_game, wait_until


@pytest.fixture
def quick_handover(start_web_server: Any) -> Any:
    """The real server, letting a seat take over once the facilitator has been away for 3 s."""
    return start_web_server(THREATDECK_FACILITATOR_AWAY="3")


def _tags(page: Any, seat: int) -> list[str]:
    return [t.strip() for t in page.locator(f"#scoreboard li[data-seat='{seat}'] .tag").all_inner_texts()]


NOTICE_SHOWN = """() => {
    const notice = document.querySelector("#host-away");
    return !notice.hidden && {text: notice.innerText, take_over: !document.querySelector("#take-over").hidden};
}"""
"""The facilitator-away notice's text and whether Take over is offered, once the notice is shown."""


def test_a_player_takes_over_from_a_facilitator_who_went_away(quick_handover: Any, new_page: Any) -> None:
    game = rest_game(quick_handover.url, ["Kim", "Doug", "Sam"])
    kim, doug = new_page(), new_page()
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    wait_until(lambda: "away" not in _tags(doug, 0), what="Kim shown as here")
    assert "away" in _tags(doug, 2)  # Sam never opened his link
    assert doug.locator("#host-away").is_hidden()
    assert doug.locator("#start-game").count() == 0

    kim.context.close()  # the lid closes
    # Read in the moment the notice appears: the button is due 3 s later, about what a few more round trips to
    # the page can take on a loaded machine.
    notice = doug.wait_for_function(NOTICE_SHOWN).json_value()
    assert "Kim (facilitator) is away" in notice["text"]
    assert not notice["take_over"]  # not yet: she may be back in a moment
    wait_until(lambda: "away" in _tags(doug, 0), what="Kim shown as away")

    doug.wait_for_selector("#take-over:visible", timeout=10_000)
    assert "has been away for" in doug.inner_text("#host-away")
    doug.click("#take-over")
    doug.wait_for_selector("#verdict:not([hidden]) >> text=You are the facilitator now")
    doug.wait_for_selector("#host-away[hidden]", state="attached")
    assert "host" in _tags(doug, 1) and "host" not in _tags(doug, 0)
    doug.click("#start-game")
    doug.wait_for_selector("body[data-phase=play]")

    # Kim wakes her laptop: she is a player now, and sees who facilitates.
    kim = new_page()
    open_seat(kim, game["links"][0])
    assert kim.locator("#host-away").is_hidden()
    assert "host" in _tags(kim, 1)
    assert kim.locator("#end-game").count() == 0
    assert quick_handover.errors() == []


@pytest.fixture
def slow_handover(start_web_server: Any) -> Any:
    """The real server, letting a seat take over once the facilitator has been away for 30 s (a countdown to watch)."""
    return start_web_server(THREATDECK_FACILITATOR_AWAY="30")


LIVE_CHANGES = """() => {
  window.liveChanges = [];
  const live = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"]';
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const region = el && el.closest(live);
      if (region && !region.closest("[hidden]")) window.liveChanges.push(region.textContent);
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""
"""Record every change of text a screen reader would read out (inside a live region that is shown)."""


def test_the_countdown_to_taking_over_is_not_read_out_every_second(slow_handover: Any, new_page: Any) -> None:
    game = rest_game(slow_handover.url, ["Kim", "Doug"])
    kim, doug = new_page(), new_page()
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    wait_until(lambda: "away" not in _tags(doug, 0), what="Kim shown as here")
    kim.context.close()
    doug.wait_for_selector("#host-away:not([hidden])")
    # The one announcement that Kim went away (it names the wait) comes first; only what follows is recorded.
    wait_until(lambda: "Kim (facilitator) is away" in doug.inner_text("#live"), what="Kim's absence announced")
    doug.evaluate(LIVE_CHANGES)
    first = doug.inner_text("#host-away-text")
    wait_until(lambda: doug.inner_text("#host-away-text") != first, what="the countdown moving on")
    doug.wait_for_timeout(1200)
    # The countdown is there to see, not read out every second; that Kim went away is said once.
    assert [t for t in doug.evaluate("window.liveChanges") if "take over in" in t] == []
    assert "Kim (facilitator) is away" in doug.inner_text("#live")


def test_a_removed_seat_is_not_offered_to_take_over(quick_handover: Any, new_page: Any) -> None:
    from server.client import SeatClient

    game = rest_game(quick_handover.url, ["Kim", "Doug", "Sam"])
    kim = SeatClient(quick_handover.url, game["links"][0].split("#token=")[1]).connect()
    try:
        assert kim.command("remove_seat", target_seat=2)["ok"]
    finally:
        kim.close()
    sam, doug = new_page(), new_page()
    open_seat(sam, game["links"][2])
    open_seat(doug, game["links"][1])
    doug.wait_for_selector("#take-over:visible", timeout=10_000)  # Kim has been away long enough
    assert sam.locator("#host-away").is_hidden() and sam.locator("#take-over").is_hidden()
    assert quick_handover.errors() == []


def test_the_keyboard_focus_goes_to_the_new_facilitators_controls(quick_handover: Any, new_page: Any) -> None:
    game = rest_game(quick_handover.url, ["Kim", "Doug"])  # Kim never opens her link
    doug = new_page()
    open_seat(doug, game["links"][1])
    doug.wait_for_selector("#take-over:visible", timeout=10_000)
    doug.focus("#take-over")
    doug.keyboard.press("Enter")
    doug.wait_for_selector("#host-away[hidden]", state="attached")
    # The button is gone with the notice: the focus moves on to what the new facilitator does next, not to the page.
    wait_until(lambda: doug.evaluate("document.activeElement.id") == "start-game", what="the focus on Start the game")


def test_a_facilitator_still_on_the_game_created_panel_is_here(quick_handover: Any, new_page: Any) -> None:
    """Creating the game and sharing its link takes a while: the others must not see the facilitator as away
    (and take over) while she is still on the lobby's Game created panel."""
    kim, doug = new_page(), new_page()
    links = create_game(kim, quick_handover.url, "Kim")
    join(doug, links["join"], "Doug")
    time.sleep(4)  # longer than the 3 s after which a seat may take over from a facilitator away
    wait_until(lambda: "away" not in _tags(doug, 0), what="Kim shown as here")
    assert doug.locator("#host-away").is_hidden()
    kim.context.close()
    wait_until(lambda: "away" in _tags(doug, 0), what="Kim shown as away once her lobby closed")


def test_the_old_facilitator_is_told_who_took_over(quick_handover: Any, new_page: Any) -> None:
    game = rest_game(quick_handover.url, ["Kim", "Doug"])
    kim, doug = new_page(), new_page()
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    kim.goto("about:blank")  # Kim's tab leaves the table (her browser keeps her seat)
    doug.wait_for_selector("#take-over:visible", timeout=10_000)
    doug.click("#take-over")
    doug.wait_for_selector("#verdict:not([hidden]) >> text=You are the facilitator now")
    open_seat(kim, game["links"][0])
    kim.wait_for_selector("#verdict:not([hidden]) >> text=Doug facilitates now")
    assert "took over facilitating while you were away" in kim.inner_text("#verdict")


def test_on_a_phone_the_keyboard_focus_goes_to_the_facilitator_menu(quick_handover: Any, new_page: Any) -> None:
    game = rest_game(quick_handover.url, ["Kim", "Doug"])
    kim, doug = new_page(), new_page(390, 844, is_mobile=True, has_touch=True)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    kim.click("#start-game")
    doug.wait_for_selector("body[data-phase=play]")
    kim.context.close()  # mid-game, the facilitator's laptop sleeps
    doug.wait_for_selector("#take-over:visible", timeout=10_000)
    doug.focus("#take-over")
    doug.keyboard.press("Enter")
    doug.wait_for_selector("#host-away[hidden]", state="attached")
    # On a phone the facilitator's tools are folded behind the Facilitator button: the focus goes there (a
    # hidden tool cannot take it, and the page was left with it).
    wait_until(lambda: doug.evaluate("document.activeElement.id") == "facilitator-menu", what="the focus on the Facilitator menu")
    doug.keyboard.press("Enter")
    assert doug.locator("#facilitator-tools").is_visible()


def test_the_news_of_a_take_over_mid_game_is_news_not_a_vote(quick_handover: Any, new_page: Any) -> None:
    game = rest_game(quick_handover.url, ["Kim", "Doug"])
    kim, doug = new_page(), new_page()
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    kim.click("#start-game")
    doug.wait_for_selector("body[data-phase=play]")
    kim.goto("about:blank")
    doug.wait_for_selector("#take-over:visible", timeout=10_000)
    doug.click("#take-over")
    card = doug.locator("#verdict .verdict-card")
    card.locator("text=You are the facilitator now").wait_for()
    # Drawn as information (the question mark is the verdicts' sign for a threat put to the vote)…
    assert card.get_attribute("data-verdict") == "info"
    assert card.locator(".verdict-icon").inner_text() == "i"
    # …and it names what the facilitator can do now: the game has started, there is nothing to start.
    text = card.inner_text()
    assert "start" not in text.replace("started", "").lower(), text
    assert "skip" in text.lower() and "end play" in text.lower()
    open_seat(kim, game["links"][0])
    news = kim.locator("#verdict .verdict-card")
    news.locator("text=Doug facilitates now").wait_for()
    assert news.get_attribute("data-verdict") == "info"
