"""A slow link: the server's answer to a command takes longer than the client waits for it."""

from __future__ import annotations

import json
from typing import Any

from ui_steps import hand_ids, on_turn_page, play_turn, started_pair, version, vote_everywhere, wait_until


class SlowLink:
    """Sits on one page's WebSocket: holds the server's messages while ``slow`` is set; records the client's."""

    def __init__(self) -> None:
        self.slow = False
        self.held: list[Any] = []
        self.sent: list[str] = []
        self.ws: Any = None

    def route(self, ws: Any) -> None:
        server = ws.connect_to_server()
        self.ws = ws

        def from_server(message: Any) -> None:
            if self.slow:
                self.held.append(message)
            else:
                ws.send(message)

        def from_client(message: Any) -> None:
            if isinstance(message, str):
                self.sent.append(message)
            server.send(message)

        server.on_message(from_server)
        ws.on_message(from_client)

    def release(self) -> None:
        self.slow = False
        held, self.held = self.held, []
        for message in held:
            self.ws.send(message)

    def client_ids(self, event: str) -> list[str]:
        """The client ids of every ``event`` command the page sent (Socket.IO frames 42<id>[event, payload])."""
        ids = []
        for frame in self.sent:
            if not frame.startswith("42"):
                continue
            body = frame[2:].lstrip("0123456789")
            try:
                data = json.loads(body)
            except ValueError:
                continue
            if isinstance(data, list) and data and data[0] == event:
                ids.append(data[1]["client_id"])
        return ids


def slow_doug(url: str, new_page: Any) -> tuple[Any, Any, SlowLink]:
    """Kim and Doug in a started game, Doug's socket through a link the test can slow down."""
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    link = SlowLink()
    doug.route_web_socket("**/socket.io/**", link.route)
    started_pair(url, kim, doug)
    return kim, doug, link


def test_a_slow_answer_keeps_the_command_and_sends_it_again_with_the_same_client_id(web_server: Any, new_page: Any) -> None:
    kim, doug, link = slow_doug(web_server.url, new_page)
    while on_turn_page([kim, doug]) is not doug:
        play_turn(kim)
        vote_everywhere([kim, doug])
    card = doug.locator("#hand .card.playable").first
    card_id = card.get_attribute("data-card")
    card.locator(".card-face").click()
    doug.wait_for_selector("#composer:not([hidden])")
    doug.locator("#composer .target-option").first.click()
    doug.fill("#composer .threat-input", "Played over a slow link")
    link.slow = True
    doug.click("#composer button.primary")
    # Past the client's wait for an answer (10 s), on a connection that is still up:
    # (The route's handlers run while Playwright is called: wait in the page, not in Python.)
    for _ in range(80):
        if len(link.client_ids("play_card")) >= 2:
            break
        doug.wait_for_timeout(200)
    else:
        raise AssertionError("the command was not sent again")
    doug.wait_for_timeout(300)
    ids = link.client_ids("play_card")
    assert len(set(ids)) == 1, f"sent again with the same client id: {ids}"
    error = doug.locator("#composer .error")
    assert not error.is_visible(), f"a slow answer is not a failure: {error.inner_text()}"
    assert "still waiting" in doug.locator("#composer").inner_text().lower()
    assert doug.locator("#composer").is_visible(), "the play stays open while it waits"

    link.release()
    wait_until(lambda: card_id not in hand_ids(doug), what="the card to leave the hand")
    doug.wait_for_selector("#composer", state="hidden")
    # Kim's feed is read once her page has every update Doug's has: it may still be on its way to her.
    wait_until(lambda: version(kim) >= version(doug), what="Kim's page to catch up with Doug's")
    mine = [t for t in kim.locator("#feed .threat-text").all_inner_texts() if t == "Played over a slow link"]
    assert mine == ["Played over a slow link"], "the card was played once"
    assert doug.locator("#verdict .verdict-card").count() == 1
    assert "did not answer" not in doug.locator("body").inner_text()


def test_sending_again_clears_the_previous_error(web_server: Any, new_page: Any) -> None:
    kim, doug, link = slow_doug(web_server.url, new_page)
    doug.click("#add-note")
    doug.wait_for_selector("#composer:not([hidden])")
    doug.locator("#composer .target-option").nth(2).click()
    doug.click("#composer button.primary")  # no STRIDE category yet
    error = doug.locator("#composer .error")
    error.wait_for(state="visible")
    doug.locator("#composer .suit-radio").first.click()
    doug.fill("#composer .threat-input", "Sent on the second try")
    link.slow = True
    doug.click("#composer button.primary")
    doug.wait_for_timeout(300)
    assert not error.is_visible(), f"the old error is gone once the note is sent: {error.inner_text()}"
    link.release()
    doug.wait_for_selector("#composer", state="hidden")
    wait_until(lambda: "Sent on the second try" in kim.locator("#feed").inner_text(), what="the note in the feed")
