"""The facilitator's own seat link is masked on screen: the facilitator often shares their screen while the team joins."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from ui_steps import create_game, open_seat, rest_game, wait_until

ON_SCREEN = """() => [document.body.innerText,
    ...[...document.querySelectorAll("input, textarea")]
        .filter((f) => f.type !== "password" && f.offsetParent !== null).map((f) => f.value)].join("\\n")"""
"""The text a shared screen shows: the page's text and the values of the visible fields that are not masked."""


def token(link: str) -> str:
    return urlsplit(link).fragment.removeprefix("token=")


def test_the_waiting_room_masks_the_facilitators_seat_link_until_shown(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim"])  # two seats: Doug takes the other one below
    kim = new_page(1440, 900, permissions=["clipboard-read", "clipboard-write"])
    open_seat(kim, game["links"][0])
    kim.wait_for_selector("#seat-link")
    secret = token(game["links"][0])
    assert secret and secret not in kim.evaluate(ON_SCREEN)
    # The invite and spectator links stay in plain sight: they are meant to be shared.
    assert game["join"] in kim.evaluate(ON_SCREEN) and game["watch"] in kim.evaluate(ON_SCREEN)
    # Copy still gives the whole link, and leaves it masked.
    seat_field = kim.locator("#setup .copy-field", has=kim.locator("#seat-link"))
    seat_field.locator("button.copy").click()
    wait_until(lambda: seat_field.locator("button.copy").inner_text() == "Copied ✓", timeout=5, what="Copied")
    copied = kim.evaluate("navigator.clipboard.readText()")
    assert token(copied) == secret and copied.endswith(f"/play/{game['game_id']}#token={secret}")
    assert secret not in kim.evaluate(ON_SCREEN)
    # Show reveals it, and it stays shown when someone joins and the waiting room is rebuilt.
    seat_field.locator("button.reveal").click()
    assert secret in kim.evaluate(ON_SCREEN)
    assert seat_field.locator("button.reveal").inner_text() == "Hide"
    requests.post(f"{web_server.url}/api/games/{game['game_id']}/seats", json={"name": "Doug"}, timeout=10).raise_for_status()
    wait_until(lambda: "Doug" in kim.locator("#setup").inner_text(), what="Doug in the waiting room")
    assert secret in kim.evaluate(ON_SCREEN)
    kim.locator("#setup button.reveal").click()
    assert secret not in kim.evaluate(ON_SCREEN)


def test_the_game_created_panel_masks_the_seat_link_too(web_server: Any, new_page: Any) -> None:
    kim = new_page(1440, 900, permissions=["clipboard-read", "clipboard-write"])
    links = create_game(kim, web_server.url, "Kim")
    secret = token(links["seat"])
    assert secret and secret not in kim.evaluate(ON_SCREEN)
    assert links["join"] in kim.evaluate(ON_SCREEN)
    seat_field = kim.locator("#created .copy-field", has=kim.locator("#created-seat-link"))
    seat_field.locator("button.copy").click()
    wait_until(lambda: seat_field.locator("button.copy").inner_text() == "Copied ✓", timeout=5, what="Copied")
    assert kim.evaluate("navigator.clipboard.readText()") == links["seat"]
    seat_field.locator("button.reveal").click()
    assert secret in kim.evaluate(ON_SCREEN)


def test_a_seat_link_whose_hash_was_sent_as_percent_23_still_seats_the_player(web_server: Any, new_page: Any) -> None:
    """Some chat and mail programs send "#" as "%23": the token then sat in the path, the client did not see the
    game, and the player got the lobby with no word of why."""
    game = rest_game(web_server.url, ["Kim", "Doug"])
    doug = new_page(1280, 800)
    secret = token(game["links"][1])
    doug.goto(game["links"][1].replace("#", "%23"))
    doug.wait_for_selector("body[data-ready=table]")
    assert doug.evaluate("location.pathname") == f"/play/{game['game_id']}"
    assert secret not in doug.evaluate("location.href")  # out of the address bar, as for a whole link
    held = doug.evaluate(f"localStorage.getItem('threatdeck.seat.{game['game_id']}')")
    assert held and secret in held  # this browser holds Doug's seat, as after a whole link
