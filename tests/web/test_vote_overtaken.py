"""A ballot that arrives just after the other ballots settled the vote (players vote at once; the prompt stays up
until the update comes): the player is told the vote was already decided, not that their move was not allowed."""

from __future__ import annotations

import re
from typing import Any

from test_focus import add_note
from ui_steps import open_seat, rest_game, start, wait_until


class HeldUpdates:
    """Sits on a page's Socket.IO websocket and, while ``on``, keeps the server's ``update`` messages from the page
    (the page's own ballots and their answers still go through): the page is a moment behind the table."""

    def __init__(self, page: Any) -> None:
        self.on = False
        self.held: list[str] = []
        self.route: Any = None
        page.route_web_socket(re.compile(r".*/socket\.io/.*"), self.connect)

    def connect(self, ws: Any) -> None:
        server = ws.connect_to_server()
        self.route = ws

        def to_page(message: Any) -> None:
            if self.on and isinstance(message, str) and message.startswith('42["update"'):
                self.held.append(message)
            else:
                ws.send(message)

        server.on_message(to_page)
        ws.on_message(lambda message: server.send(message))

    def release(self) -> None:
        self.on = False
        for message in self.held:
            self.route.send(message)
        self.held.clear()


def test_a_ballot_after_the_vote_was_settled_is_told_so_gently(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])  # no time limits
    kim, doug, sam = new_page(1280, 800), new_page(1280, 800), new_page(1280, 800)
    late = HeldUpdates(sam)
    for page, link in zip((kim, doug, sam), game["links"]):
        open_seat(page, link)
    start(kim, [kim, doug, sam])
    add_note(doug, "Anyone on the office wifi can read the payroll export.")  # Kim and Sam vote on it
    for page in (kim, sam):
        page.wait_for_selector("#votes .vote-prompt button.no")
    late.on = True  # Sam's page stays a moment behind
    kim.locator("#votes .vote-prompt button.no").click()  # half the ballots say no: rejected at once
    kim.wait_for_selector("#votes", state="hidden")
    # The route's handler runs only while the test waits on the browser: Sam's copy of the outcome may reach it
    # after Kim's page has shown it, so wait on Sam's page until the route holds it.
    for _ in range(200):
        if late.held:
            break
        sam.wait_for_timeout(50)
    assert late.held, "Sam's page was sent the vote's outcome"
    sam.locator("#votes .vote-prompt button.yes").click()  # Sam still sees the prompt, and votes
    toast = sam.locator("#verdict .verdict-card")
    toast.wait_for()
    assert toast.get_attribute("data-verdict") == "info", toast.inner_text()
    assert toast.locator(".verdict-head").inner_text().endswith("Already decided")
    assert "Not allowed" not in toast.inner_text() and "settled it a moment before yours arrived" in toast.inner_text()
    late.release()
    sam.wait_for_selector("#votes", state="hidden")
    wait_until(lambda: "rejected" in sam.locator("#feed .feed-item").first.inner_text().lower() or
               "not valid" in sam.locator("#feed .feed-item").first.inner_text().lower(), what="the vote's outcome")
