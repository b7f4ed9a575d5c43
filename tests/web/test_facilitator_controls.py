"""The facilitator's controls: handing facilitating to a chosen player, and skipping a turn with care."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ui_steps import on_turn, open_seat, rest_game, start, version, wait_until


def _tags(page: Any, seat: int) -> list[str]:
    return [t.strip() for t in page.locator(f"#scoreboard li[data-seat='{seat}'] .tag").all_inner_texts()]


class Asked:
    """A page whose confirmations are answered from a list (yes, no…) and kept, to see what was asked."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.questions: list[str] = []
        self.answers: list[bool] = []
        page.on("dialog", self._answer)

    def _answer(self, dialog: Any) -> None:
        self.questions.append(dialog.message)
        if self.answers and self.answers.pop(0):
            dialog.accept()
        else:
            dialog.dismiss()


@pytest.fixture
def asking_page(browser: Any) -> Iterator[Callable[..., Asked]]:
    """A page in a fresh browser context whose confirm() dialogs the test answers (new_page accepts them all)."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(width: int = 1280, height: int = 800, **kwargs: Any) -> Asked:
        context = browser.new_context(viewport={"width": width, "height": height}, **kwargs)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: errors.append(f"{exc}"))
        return Asked(page)

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"uncaught errors in the pages: {errors}"


def test_the_facilitator_hands_over_to_a_chosen_player_who_gets_the_controls(
        web_server: Any, new_page: Any, asking_page: Callable[..., Asked]) -> None:
    from server.client import SeatClient

    game = rest_game(web_server.url, ["Kim", "Doug", "Sam", "Hannah"], bots=1)
    kim_seat = SeatClient(web_server.url, game["links"][0].split("#token=")[1]).connect()
    try:
        assert kim_seat.command("remove_seat", target_seat=3)["ok"]  # Hannah left before the start
    finally:
        kim_seat.close()
    asked = asking_page()
    kim, doug = asked.page, new_page(1280, 800)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])  # Sam never opens his link: he is away
    start(kim, [kim, doug])
    wait_until(lambda: "away" in _tags(kim, 2), what="Sam shown as away")

    choose = kim.locator("#facilitator-tools select.hand-over")
    assert choose.get_attribute("aria-label") == "Hand over facilitating to another player"
    # Not Kim herself, not Hannah (removed), not the bot.
    wait_until(lambda: choose.locator("option").all_inner_texts() == ["Hand over…", "Doug", "Sam (away)"],
               what="the players Kim can hand over to")

    # She thinks better of it: nothing changes.
    asked.answers = [False]
    before = version(kim)
    choose.select_option(label="Doug")
    wait_until(lambda: len(asked.questions) == 1, what="the confirmation")
    assert "Hand facilitating to Doug?" in asked.questions[0]
    kim.wait_for_timeout(500)
    assert version(kim) == before and "host" in _tags(kim, 0)
    assert choose.input_value() == ""

    asked.answers = [True]
    choose.select_option(label="Doug")
    doug.wait_for_selector("#verdict:not([hidden]) >> text=You are the facilitator now")
    assert "Kim handed facilitating to you." in doug.inner_text("#verdict")
    assert "hand facilitating on" in doug.inner_text("#verdict")
    # Doug's controls appear and the keyboard goes to them, as after taking over.
    doug.wait_for_selector("#facilitator-tools #end-play")
    wait_until(lambda: doug.evaluate("document.activeElement.closest('#facilitator-tools') !== null"),
               what="the focus on Doug's facilitator tools")
    wait_until(lambda: "host" in _tags(doug, 1) and "host" not in _tags(doug, 0), what="Doug shown as the host")
    assert "Kim handed facilitating to Doug." in doug.inner_text("#live")

    # Kim is told, and her controls are gone.
    kim.wait_for_selector("#verdict:not([hidden]) >> text=Doug facilitates now")
    assert "You handed facilitating to Doug" in kim.inner_text("#verdict")
    kim.wait_for_selector("#facilitator-tools", state="detached")
    assert kim.locator("#end-play, #end-game, select.hand-over, select.remove-seat").count() == 0
    # Back later (a reload), she is not told that someone took over while she was away: she handed it over.
    kim.reload()
    kim.wait_for_selector("body[data-ready=table]")
    wait_until(lambda: "host" in _tags(kim, 1), what="Kim's table after the reload")
    kim.wait_for_timeout(700)
    assert "took over" not in kim.inner_text("#verdict") and "took over" not in kim.inner_text("#live")
    assert kim.locator("#facilitator-tools").count() == 0
    assert web_server.errors() == []


def test_a_connected_player_is_skipped_only_once_the_facilitator_confirms_an_away_one_at_once(
        web_server: Any, new_page: Any, asking_page: Callable[..., Asked]) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    asked = asking_page()
    kim, doug = asked.page, new_page(1280, 800)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])  # Sam's seat never connects
    start(kim, [kim, doug])
    skip = kim.locator("#facilitator-tools button[data-focus=skip-seat]")
    checked: set[str] = set()
    for _ in range(12):
        if checked == {"Doug", "Sam"}:
            break
        wait_until(lambda: on_turn(kim) or skip.count() > 0, what="a seat on turn")
        if on_turn(kim):
            before = version(kim)
            kim.click("#pass")
            wait_until(lambda b=before: version(kim) != b, what="Kim's pass")
            continue
        label = (skip.text_content() or "").replace("\u00a0", " ")
        questions = len(asked.questions)
        before = version(kim)
        if label == "Skip Sam (away)":
            skip.click()  # one click: nothing asked
            wait_until(lambda b=before: version(kim) != b, what="Sam skipped")
            assert len(asked.questions) == questions
            checked.add("Sam")
        elif label == "Skip Doug":
            asked.answers = [False]
            skip.click()
            wait_until(lambda q=questions: len(asked.questions) == q + 1, what="the question")
            assert "Skip Doug's turn?" in asked.questions[-1] and "connected" in asked.questions[-1]
            kim.wait_for_timeout(500)
            assert version(kim) == before and on_turn(doug)  # still Doug's turn
            asked.answers = [True]
            skip.click()
            wait_until(lambda b=before: version(kim) != b, what="Doug skipped")
            wait_until(lambda: not on_turn(doug), what="Doug's turn to pass")
            checked.add("Doug")
        else:
            kim.wait_for_timeout(100)  # the skip button of a seat whose presence is not known yet
    assert checked == {"Doug", "Sam"}
    assert web_server.errors() == []
