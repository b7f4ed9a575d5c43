"""The composer (a card played, a sticky note): what it takes and what it says it does."""

from __future__ import annotations

from typing import Any

from ui_steps import on_turn_page, started_pair


def test_the_threat_text_takes_the_servers_limit(start_web_server: Any, new_page: Any) -> None:
    """The text box was capped at 500 characters whatever the server took (THREATDECK_MAX_THREAT_TEXT)."""
    server = start_web_server(THREATDECK_MAX_THREAT_TEXT="120")
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(server.url, kim, doug)
    kim.click("#add-note")
    box = kim.locator("#composer .threat-input")
    box.wait_for()
    assert box.get_attribute("maxlength") == "120"
    box.click()
    kim.keyboard.type("x" * 130)
    assert len(box.input_value()) == 120
    hint = kim.locator("#" + (box.get_attribute("aria-describedby") or "none"))
    assert "120 characters" in hint.inner_text()


def test_the_element_list_says_what_enter_does(web_server: Any, new_page: Any) -> None:
    """Writing a sticky note, a screen reader was told that Enter plays (the card-playing list's name)."""
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(web_server.url, kim, doug)
    kim.click("#add-note")
    note_list = kim.get_by_role("listbox", name="Component or flow to put the note on (↑ ↓ to choose, Enter to add the note)")
    note_list.wait_for()
    assert "play" not in (note_list.get_attribute("aria-label") or "")
    assert kim.get_by_role("region", name="Add a sticky note").is_visible()
    kim.keyboard.press("Escape")
    kim.wait_for_selector("#composer", state="hidden")
    page = on_turn_page([kim, doug])
    page.locator("#hand .card.playable .card-face").first.click()
    page.get_by_role("listbox", name="Component or flow to play on (↑ ↓ to choose, Enter to play)").wait_for()
    assert page.get_by_role("region", name="Play a card").is_visible()
