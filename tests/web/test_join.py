"""Joining by the invite link: what a person is told when the name they typed cannot be used."""

from __future__ import annotations

from typing import Any

import requests
from ui_steps import HR_BEFORE, NO_LIMITS


def test_a_name_already_at_the_table_is_refused_in_plain_words(web_server: Any, new_page: Any) -> None:
    created = requests.post(f"{web_server.url}/api/games", json={"example": HR_BEFORE, "name": "Kim", "seats": 3, "timing": NO_LIMITS},
                            timeout=10).json()
    game_id = created["game_id"]
    assert requests.post(f"{web_server.url}/api/games/{game_id}/seats", json={"name": "Doug"}, timeout=10).ok
    page = new_page(1280, 800)
    page.goto(created["join_link"])
    page.wait_for_selector("#join-name")
    page.fill("#join-name", "doug")  # a second Doug, typed in lower case
    page.click("#join-button")
    error = page.locator("form.join .error")
    error.wait_for(state="visible")
    # Said as the person sees it (not the engine's "two seats are called 'doug'"), with what to do about it.
    assert error.inner_text() == "Someone at this table is already called Doug: add an initial or a nickname so the others can tell you apart."
    # The name is there to change, the focus on it, and the next name is taken.
    assert page.evaluate("document.activeElement.id") == "join-name"
    page.fill("#join-name", "Doug B")
    page.click("#join-button")
    page.wait_for_selector("body[data-ready=table]")
