"""A player whose seat the facilitator removed opens the invite link again: the join page says what happened and
seats them again under the same name, in a new seat, while the old one keeps its score."""

from __future__ import annotations

from typing import Any

from ui_steps import hand_size, open_seat, rest_game, wait_until

from server.client import SeatClient


def test_a_removed_player_is_seated_again_from_the_join_page(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug"])  # two seats: the table is full
    kim = SeatClient(web_server.url, game["links"][0].split("#token=")[1]).connect()
    try:
        assert kim.command("start")["ok"]
        doug = new_page()
        open_seat(doug, game["links"][1])  # this browser remembers Doug's seat
        doug.wait_for_selector("body[data-phase=play]")
        kept = f"JSON.parse(localStorage.getItem('threatdeck.seat.{game['game_id']}') || '{{}}').seat"
        wait_until(lambda: doug.evaluate(kept) == 1, what="the browser to keep Doug's seat")
        assert kim.command("remove_seat", target_seat=1)["ok"]  # Doug's laptop died; the game went on

        # The table Doug's link still opens says so, and leads to the join page.
        doug.wait_for_selector("#removed-notice:not([hidden])")
        assert doug.inner_text("#removed-text").startswith("The facilitator removed you from this game")
        doug.click("#rejoin")
        doug.wait_for_selector("body[data-ready=join]")
        said = doug.inner_text("#join-removed")
        assert said.startswith("The facilitator removed your seat (Doug) from this game. Take a seat again to play on")
        assert doug.locator("#continue-seat").count() == 0  # that seat no longer plays
        assert doug.input_value("#join-name") == "Doug"
        doug.click("#join-button")
        doug.wait_for_selector("body[data-ready=table]")
        doug.wait_for_selector("body[data-phase=play]")
        doug.wait_for_selector("#scoreboard li[data-seat='2']")
        assert "Doug" in doug.inner_text("#scoreboard li[data-seat='2']")
        assert hand_size(doug) > 0
        assert kim.wait_for(lambda: len(kim.view["seats"]) == 3)
        assert [(s["name"], s["present"]) for s in kim.view["seats"]] == [("Kim", True), ("Doug", False), ("Doug", True)]

        # Back on the join page, the seat this browser now holds is the one to continue.
        doug.goto(game["join"])
        doug.wait_for_selector("body[data-ready=join]")
        assert doug.locator("#join-removed").count() == 0
        assert doug.inner_text("#continue-seat") == "Continue as Doug"
        assert doug.locator("#join-name").count() == 0  # no seat left to take

        # At the end the old seat's line says it left: two lines named Doug, and which one is the player now.
        doug.click("#continue-seat")
        doug.wait_for_selector("body[data-phase=play]")
        assert kim.command("end_game")["ok"]
        doug.wait_for_selector("body[data-phase=ended] .score-table")
        players = sorted(doug.locator(".score-table tbody tr td:nth-child(2)").all_inner_texts())
        assert players == ["Doug", "Doug (left)", "Kim"], players
    finally:
        kim.close()
