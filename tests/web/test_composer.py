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


def test_a_question_longer_than_the_servers_limit_is_a_hint_not_the_text(start_web_server: Any, new_page: Any) -> None:
    """The composer started the threat with the card's question even when the server took less: playing it
    unedited was refused as too long. Every shipped question is longer than 60 characters."""
    server = start_web_server(THREATDECK_MAX_THREAT_TEXT="60")
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(server.url, kim, doug)
    page = on_turn_page([kim, doug])
    page.locator("#hand .card.playable .card-face").first.click()
    box = page.locator("#composer .threat-input")
    box.wait_for()
    assert box.input_value() == ""
    question = box.get_attribute("placeholder") or ""
    assert len(question) > 60
    # Played as it stands: the card's own question is the threat, and the server takes it.
    page.locator("#composer [role=listbox] [role=option]").first.click()
    page.get_by_role("button", name="Play card").click()
    page.wait_for_selector("#composer", state="hidden")
    assert not page.locator("#composer .error:not([hidden])").count()


ON_SCREEN = """(el) => { const r = el.getBoundingClientRect();
    if (!(r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth)) return false;
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return top !== null && el.contains(top); }"""
"""Whether an element is on the screen and not under something else (no scrolling asked of the player)."""


def test_on_a_laptop_screen_the_whole_sticky_note_form_is_in_view(web_server: Any, new_page: Any) -> None:
    """At 1280×800 the board was shorter than the composer: the threat box and "Add sticky note" were under its
    edge, in a panel the player had to find out to scroll."""
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    started_pair(web_server.url, kim, doug)
    for page in (kim, doug):  # on turn (a banner of its own) and not
        page.click("#add-note")
        page.wait_for_selector("#composer:not([hidden])")
        page.wait_for_timeout(300)
        for what in ("#composer .threat-input", "#composer button.primary", "#composer .suit-radio"):
            assert page.evaluate(ON_SCREEN, page.locator(what).first.element_handle()), what
        page.keyboard.press("Escape")
