"""The facilitator's controls: handing facilitating to a chosen player, skipping a turn with care, removing a
player, in every phase; and the page's own confirmation (web/src/confirm.js) they ask with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui_steps import CONFIRM, confirm, on_turn, open_seat, rating_game, rest_game, start, version, wait_until


def _tags(page: Any, seat: int) -> list[str]:
    return [t.strip() for t in page.locator(f"#scoreboard li[data-seat='{seat}'] .tag").all_inner_texts()]


class Sent:
    """The Socket.IO events a page sends, by name: a question cancelled, or closed by itself, sends nothing."""

    def __init__(self, page: Any) -> None:
        self.frames: list[str] = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: self.frames.append(str(payload))))

    def count(self, event: str) -> int:
        return sum(f'["{event}"' in frame for frame in self.frames)


def _active(page: Any, test: str) -> bool:
    """Whether the element with the keyboard focus matches the CSS selector ``test``."""
    return bool(page.evaluate("(test) => !!document.activeElement && document.activeElement.matches(test)", test))


def _options(page: Any, select: str) -> Callable[[], list[str]]:
    return lambda: [o.strip() for o in page.locator(f"#facilitator-tools select.{select} option").all_inner_texts()]


def test_the_facilitator_hands_over_to_a_chosen_player_who_gets_the_controls(web_server: Any, new_page: Any) -> None:
    from server.client import SeatClient

    game = rest_game(web_server.url, ["Kim", "Doug", "Sam", "Hannah"], bots=1)
    kim_seat = SeatClient(web_server.url, game["links"][0].split("#token=")[1]).connect()
    try:
        assert kim_seat.command("remove_seat", target_seat=3)["ok"]  # Hannah left before the start
    finally:
        kim_seat.close()
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    sent = Sent(kim)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])  # Sam never opens his link: he is away
    start(kim, [kim, doug])
    wait_until(lambda: "away" in _tags(kim, 2), what="Sam shown as away")

    choose = kim.locator("#facilitator-tools select.hand-over")
    assert choose.get_attribute("aria-label") == "Hand over facilitating to another player"
    # Not Kim herself, not Hannah (removed), not the bot.
    wait_until(lambda: _options(kim, "hand-over")() == ["Hand over…", "Doug", "Sam (away)"],
               what="the players Kim can hand over to")

    # The page asks, in a dialog of its own: the question, the action named, and the focus on Cancel.
    choose.select_option(label="Doug")
    dialog = kim.locator(CONFIRM)
    dialog.wait_for()
    assert dialog.locator("h2").inner_text() == "Hand facilitating to Doug?"
    assert "gets the Facilitator tools at once" in dialog.inner_text()
    assert dialog.locator("button[data-role=confirm]").inner_text() == "Hand over to Doug"
    assert dialog.locator("button[data-role=cancel]").inner_text() == "Cancel"
    assert _active(kim, "dialog#confirm button[data-role=cancel]"), "the focus starts on Cancel"
    # She thinks better of it, twice (Escape, then Cancel): nothing is sent, and the keyboard is back on the list.
    kim.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    assert _active(kim, "select.hand-over") and choose.input_value() == ""
    choose.select_option(label="Doug")
    dialog.locator("button[data-role=cancel]").click()
    dialog.wait_for(state="detached")
    assert _active(kim, "select.hand-over")
    assert "host" in _tags(kim, 0)

    choose.select_option(label="Doug")
    confirm(kim, "Hand over to Doug")
    doug.wait_for_selector("#verdict:not([hidden]) >> text=You are the facilitator now")
    assert sent.count("hand_over") == 1, "the two questions cancelled sent nothing"
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
        web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    sent = Sent(kim)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])  # Sam's seat never connects
    start(kim, [kim, doug])
    wait_until(lambda: "away" in _tags(kim, 2), what="Sam shown as away")
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
        before = version(kim)
        skips = sent.count("skip_seat")
        if label == "Skip Sam (away)":
            skip.click()  # one click: nothing asked
            assert kim.locator(CONFIRM).count() == 0
            wait_until(lambda b=before: version(kim) != b, what="Sam skipped")
            checked.add("Sam")
        elif label == "Skip Doug":
            skip.click()
            dialog = kim.locator(CONFIRM)
            dialog.wait_for()
            assert dialog.locator("h2").inner_text() == "Skip Doug's turn?"
            assert "connected" in dialog.inner_text()
            assert _active(kim, "dialog#confirm button[data-role=cancel]")
            dialog.locator("button[data-role=cancel]").click()
            dialog.wait_for(state="detached")
            assert _active(kim, "button[data-focus=skip-seat]"), "the focus back on the button that asked"
            assert sent.count("skip_seat") == skips and version(kim) == before and on_turn(doug)
            skip.click()
            confirm(kim, "Skip Doug's turn")
            wait_until(lambda b=before: version(kim) != b, what="Doug skipped")
            wait_until(lambda: not on_turn(doug), what="Doug's turn to pass")
            assert sent.count("skip_seat") == skips + 1
            checked.add("Doug")
    assert checked == {"Doug", "Sam"}
    assert web_server.errors() == []


def test_the_question_goes_by_itself_once_what_it_asks_no_longer_makes_sense(web_server: Any, new_page: Any) -> None:
    """The browser's own confirm() box stayed up, and answered yes, after the player had left, the turn had moved
    on or the facilitator had handed over in another tab: the page then sent a command meant for another table."""
    from server.client import SeatClient

    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    sent = Sent(kim)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])  # Sam never opens his link
    start(kim, [kim, doug])
    dialog = kim.locator(CONFIRM)
    other_tab = SeatClient(web_server.url, game["links"][0].split("#token=")[1]).connect()  # Kim, in another tab
    try:
        # The player already left: Kim removes Sam in the other tab while this one asks.
        kim.locator("#facilitator-tools select.remove-seat").select_option(label="Sam (away)")  # never connected
        dialog.wait_for()
        assert dialog.locator("h2").inner_text() == "Remove Sam from the game?"
        assert dialog.locator("button[data-role=confirm]").inner_text() == "Remove Sam"
        assert other_tab.command("remove_seat", target_seat=2)["ok"]
        dialog.wait_for(state="detached")
        kim.wait_for_selector("#verdict:not([hidden]) >> text=Sam is no longer in the game: nobody was removed.")
        assert sent.count("remove_seat") == 0

        # The turn moved on: Doug passes while Kim is asked whether to skip him.
        for _ in range(4):
            wait_until(lambda: on_turn(kim) or on_turn(doug), what="a seat on turn")
            if on_turn(doug):
                break
            before = version(kim)
            kim.click("#pass")
            wait_until(lambda b=before: version(kim) != b, what="Kim's pass")
        wait_until(lambda: on_turn(doug), what="Doug's turn")
        skip = kim.locator("#facilitator-tools button[data-focus=skip-seat]")
        skip.wait_for()
        skip.click()
        dialog.wait_for()
        assert dialog.locator("button[data-role=confirm]").inner_text() == "Skip Doug's turn"
        doug.click("#pass")
        dialog.wait_for(state="detached")
        kim.wait_for_selector("#verdict:not([hidden]) >> text=Doug's turn is over: nobody was skipped.")
        assert sent.count("skip_seat") == 0

        # No longer the facilitator: Kim hands over in the other tab while this one asks whether to end play.
        kim.click("#end-play")
        dialog.wait_for()
        assert dialog.locator("button[data-role=confirm]").inner_text() == "End play"
        assert other_tab.command("hand_over", target_seat=1)["ok"]
        dialog.wait_for(state="detached")
        kim.wait_for_selector("#facilitator-tools", state="detached")
        assert sent.count("end_play") == 0
        assert kim.evaluate("document.body.dataset.phase") == "play"
    finally:
        other_tab.close()
    assert web_server.errors() == []


def test_the_question_fits_a_phone_and_a_laptop_and_shows_names_as_text(web_server: Any, new_page: Any) -> None:
    name = "<b>Sam</b> & the <i>longest</i> name"  # 36 characters, with markup that must stay text
    game = rest_game(web_server.url, ["Kim", name])
    for width, height in ((390, 844), (1280, 800)):
        kim = new_page(width, height)
        open_seat(kim, game["links"][0])
        kim.locator("#facilitator-tools select.remove-seat").select_option(label=f"{name} (away)")
        dialog = kim.locator(CONFIRM)
        dialog.wait_for()
        assert dialog.locator("h2").inner_text() == f"Remove {name} from the game?"
        assert dialog.locator("button[data-role=confirm]").inner_text() == f"Remove {name}"
        assert dialog.locator("b, i").count() == 0, "a name is text, never markup"
        box = dialog.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, (height, box)
        for role in ("cancel", "confirm"):
            button = dialog.locator(f"button[data-role={role}]").bounding_box()
            assert button is not None and button["x"] + button["width"] <= box["x"] + box["width"] + 0.5, (width, role)
            assert button["height"] >= 24, (width, role)
        assert kim.evaluate("document.documentElement.scrollWidth") <= width, "the page is not widened"
        kim.keyboard.press("Escape")
        dialog.wait_for(state="detached")
        assert _active(kim, "select.remove-seat")
    assert web_server.errors() == []


def test_in_setup_the_facilitator_can_remove_a_seat_and_hand_over(web_server: Any, new_page: Any) -> None:
    """The engine allows both before the start, but the page offered them only once play had begun: a seat taken
    by mistake stayed in the game, and a facilitator who had to leave before the start could not pass it on."""
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam", "Oops"])
    kim, doug = new_page(1280, 800), new_page(390, 844)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    assert kim.evaluate("document.body.dataset.phase") == "setup"
    remove = _options(kim, "remove-seat")
    # Whether a seat is connected is what removing it turns on: Sam and Oops never opened their links.
    wait_until(lambda: remove() == ["Remove…", "Doug", "Sam (away)", "Oops (away)"], what="the seats Kim can remove")
    kim.locator("#facilitator-tools select.remove-seat").select_option(label="Oops (away)")
    confirm(kim, "Remove Oops")
    wait_until(lambda: remove() == ["Remove…", "Doug", "Sam (away)"], what="Oops removed")
    wait_until(lambda: _options(kim, "hand-over")() == ["Hand over…", "Doug", "Sam (away)"],
               what="the players Kim can hand over to")
    assert doug.locator("#facilitator-tools").count() == 0 and doug.locator("#start-game").count() == 0

    kim.locator("#facilitator-tools select.hand-over").select_option(label="Doug")
    confirm(kim, "Hand over to Doug")
    # Doug starts the game now, on his phone; Kim's tools and button are gone.
    doug.wait_for_selector("#verdict:not([hidden]) >> text=You are the facilitator now")
    assert "start the game" in doug.inner_text("#verdict")
    doug.wait_for_selector("#start-game")
    doug.wait_for_selector("#facilitator-tools select.hand-over")
    kim.wait_for_selector("#facilitator-tools", state="detached")
    assert kim.locator("#start-game").count() == 0
    start(doug, [kim, doug])
    assert web_server.errors() == []


def test_the_away_marks_follow_presence_in_setup_and_rating(web_server: Any, new_page: Any) -> None:
    """"(away)" in the hand-over list changed only during play: in the waiting room and while rating, a player who
    came back was still offered as away, and one who left was offered as here."""
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    kim = new_page(1280, 800)
    open_seat(kim, game["links"][0])
    hand_over = _options(kim, "hand-over")
    wait_until(lambda: hand_over() == ["Hand over…", "Doug (away)", "Sam (away)"], what="nobody else here yet")
    doug = new_page(1280, 800)
    open_seat(doug, game["links"][1])
    wait_until(lambda: hand_over() == ["Hand over…", "Doug", "Sam (away)"], what="Doug arriving in the waiting room")
    doug.close()
    wait_until(lambda: hand_over() == ["Hand over…", "Doug (away)", "Sam (away)"], what="Doug leaving the waiting room")

    game = rating_game(web_server.url, ["Kim", "Doug", "Sam"], accepted=1)
    kim = new_page(1280, 800)
    open_seat(kim, game["links"][0])
    assert kim.evaluate("document.body.dataset.phase") == "rating"
    hand_over = _options(kim, "hand-over")
    wait_until(lambda: hand_over() == ["Hand over…", "Doug (away)", "Sam (away)"], what="nobody else here yet")
    doug = new_page(1280, 800)
    open_seat(doug, game["links"][1])
    wait_until(lambda: hand_over() == ["Hand over…", "Doug", "Sam (away)"], what="Doug arriving to rate")
    doug.close()
    wait_until(lambda: hand_over() == ["Hand over…", "Doug (away)", "Sam (away)"], what="Doug leaving while rating")
    assert web_server.errors() == []
