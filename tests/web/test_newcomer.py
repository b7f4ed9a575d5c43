"""A newcomer learning STRIDE at the table: what the screens say to someone who has never heard of it."""

from __future__ import annotations

import re
from typing import Any

from ui_steps import on_turn_page, open_seat, rating_game, rest_game, start, started_pair, wait_until

from cards import load_deck

DECK = load_deck()


def test_the_opening_card_is_named_as_its_face_shows_it(web_server: Any, new_page: Any) -> None:
    kim, doug = new_page(1440, 900), new_page(1440, 900)
    started_pair(web_server.url, kim, doug)
    leader = on_turn_page([kim, doug])
    lead = leader.locator("#hand .card.must-lead").get_attribute("data-card") or ""
    card = DECK.card(lead)
    # Its face shows rank, suit and title, never the id: "lead T9" named a card nobody could find in the hand.
    status = leader.locator("#status-line").inner_text()
    assert card.title in status and card.suit.category in status, status
    assert not re.search(rf"\b{lead}\b", status), status
    head = leader.locator(".hand-head-slot").inner_text()
    assert card.title in head and not re.search(rf"\blead {lead}\b", head), head
