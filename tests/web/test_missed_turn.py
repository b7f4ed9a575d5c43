"""A player whose turn ran out while their page was closed is told when they open their link again: from the
committed game (a server restart between), once (closing the notice is remembered across reloads); and of a
vote decided without their ballot meanwhile."""

from __future__ import annotations

import re
from typing import Any

from ui_steps import NO_LIMITS, SCREENSHOTS, on_turn, on_turn_page, open_seat, rest_game, start, wait_until

from server.client import SeatClient


def _notice(page: Any) -> str:
    verdict = page.locator("#verdict")
    return "" if verdict.is_hidden() else verdict.inner_text()


def test_a_turn_that_ran_out_while_the_page_was_closed_is_told_on_return(web_server: Any, new_page: Any) -> None:
    # Turns of 5 s. The seat away leads trick 1: its turn passes at +5 s and its next one comes at +15 s at the
    # earliest (the other seat's own turns run out in between), time enough to come back, read and reload.
    game = rest_game(web_server.url, ["Kim", "Doug"], timing={**NO_LIMITS, "turn_seconds": 5, "vote_seconds": 5})
    kim, doug = new_page(), new_page()
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    away = on_turn_page([kim, doug])
    here = doug if away is kim else kim
    link = game["links"][1 if away is doug else 0]
    context = away.context
    away.close()  # the laptop shuts: nobody on that seat sees its turn go
    # Meanwhile the other player adds a sticky note: its vote waits for the one seat away, and its time runs out.
    writer = SeatClient(web_server.url, game["links"][0 if away is doug else 1].split("#token=")[1]).connect()
    try:
        assert writer.command("add_threat", target="HrApi", suit="S", text="A replayed token passes as another user.")["ok"]
        wait_until(lambda: writer.view["threats"][0]["status"] != "voting", timeout=30, what="the vote's time to run out")
    finally:
        writer.close()

    wait_until(lambda: on_turn(here), timeout=30, what="the turn to pass on time")
    web_server.kill()  # and the server restarts before the player is back: what it tells comes from the database
    web_server.restart_same_port()

    back = context.new_page()
    back.set_default_timeout(15_000)
    open_seat(back, link)
    back.wait_for_selector("#verdict:not([hidden]) [data-verdict=turn]")
    text = _notice(back)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    back.locator("#verdict").screenshot(path=str(SCREENSHOTS / "missed-while-away.png"))
    assert "Time ran out: your turn passed while you were away" in text
    assert re.search(r"Your turn passed (once|twice) without you: its time ran out in tricks? 1\b", text), text
    assert "Your cards are still in your hand." in text
    assert "A vote was decided without your ballot:" in text and "T1" in text and "— rejected." in text
    wait_until(lambda: "Time ran out" in back.locator("#live").inner_text(), what="the live region to say it")

    back.reload()  # not closed yet: a reload shows it again
    back.wait_for_selector("body[data-ready=table]")
    back.wait_for_selector("#verdict:not([hidden]) [data-verdict=turn]")
    back.locator("#verdict [data-role=ok]").click()
    assert back.locator("#verdict").is_hidden()

    back.reload()  # closed: told once, not again
    back.wait_for_selector("body[data-ready=table]")
    assert "trick 1" not in _notice(back)

    # Another browser on the same seat has not been told: the game still lists it until the seat acts.
    other = new_page()
    open_seat(other, link)
    other.wait_for_selector("#verdict:not([hidden]) [data-verdict=turn]")
    assert "its time ran out in trick 1" in _notice(other)
