"""Resilience: a reload mid-trick keeps the seat and its hand; a dropped connection shows a banner and comes back."""

from __future__ import annotations

from typing import Any

from ui_steps import hand_ids, on_turn, on_turn_page, open_seat, play_turn, rest_game, start, version, wait_until


def test_a_page_reloaded_mid_trick_gets_its_seat_and_hand_back(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    pages = [new_page(1280, 800) for _ in game["links"]]
    for page, link in zip(pages, game["links"]):
        open_seat(page, link)
    start(pages[0], pages)

    # Mid-trick: one card is on the table and the next seat is to play.
    play_turn(on_turn_page(pages))
    wait_until(lambda: all(p.locator("#trick .trick-play").count() == 1 for p in pages), what="a card on the table")
    mover = on_turn_page(pages)
    name = mover.locator("#scoreboard .seat.you .seat-name").inner_text()
    hand = hand_ids(mover)
    trick = mover.locator("#trick").inner_text()
    at = version(mover)

    mover.reload()
    mover.wait_for_selector("body[data-ready=table]")
    wait_until(lambda: version(mover) == at, what="the same version after the reload")
    assert mover.locator("#scoreboard .seat.you .seat-name").inner_text() == name
    assert hand_ids(mover) == hand, "the same hand after the reload"
    assert mover.locator("#trick").inner_text() == trick, "the trick in progress is still on the table"
    assert on_turn(mover), "still this seat's turn"

    # Without the #token fragment (a bookmark of /play/<game>), this browser's seat comes back from storage.
    mover.goto(mover.url.split("#")[0])
    mover.wait_for_selector("body[data-ready=table]")
    assert mover.locator("#scoreboard .seat.you .seat-name").inner_text() == name
    assert hand_ids(mover) == hand

    # And the seat plays on.
    played = play_turn(mover)
    assert played["card"] not in hand_ids(mover)
    wait_until(lambda: all(p.locator("#trick .trick-play").count() >= 2 or p.locator("#trick h2").inner_text() != "Trick 1"
                           for p in pages), what="the others to see the card")
    assert web_server.errors() == []


def test_a_dropped_connection_shows_a_banner_and_reconnects_to_the_same_seat(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    hand = hand_ids(doug)
    assert doug.locator("#banner").is_hidden()

    web_server.kill()  # the server goes away under the players
    doug.wait_for_selector("#banner:not([hidden])")
    assert "Reconnecting" in doug.locator("#banner").inner_text()
    assert doug.locator("#conn-status").get_attribute("data-status") in ("offline", "reconnecting")
    assert hand_ids(doug) == hand, "the hand stays on screen meanwhile"

    web_server.restart_same_port()  # same database, same port: the client reconnects by itself
    doug.wait_for_selector("#banner", state="hidden", timeout=30_000)
    kim.wait_for_selector("#banner", state="hidden", timeout=30_000)
    assert doug.locator("#conn-status").get_attribute("data-status") == "online"
    assert hand_ids(doug) == hand
    mover = on_turn_page([kim, doug])
    play_turn(mover)
