"""The composer (a card played, a sticky note): what it takes and what it says it does."""

from __future__ import annotations

from typing import Any

from ui_steps import started_pair


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
