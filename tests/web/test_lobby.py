"""The lobby's Game created panel: the links the facilitator shares."""

from __future__ import annotations

from typing import Any

from ui_steps import create_game, wait_until


def test_each_copy_button_says_copied_for_a_moment_only(web_server: Any, new_page: Any) -> None:
    kim = new_page(1440, 900, permissions=["clipboard-read", "clipboard-write"])
    links = create_game(kim, web_server.url, "Kim")
    invite = kim.locator("#created .copy-field", has=kim.locator("#created-join-link")).locator("button")
    watch = kim.locator("#created .copy-field", has=kim.locator("#created-watch-link")).locator("button")
    invite.click()
    wait_until(lambda: invite.inner_text() == "Copied ✓", timeout=5, what="Copied")
    assert kim.evaluate("navigator.clipboard.readText()") == links["join"]
    # Then the spectator link: only the button just pressed says Copied (as in the waiting room), not both.
    watch.click()
    wait_until(lambda: watch.inner_text() == "Copied ✓", timeout=5, what="Copied")
    assert kim.evaluate("navigator.clipboard.readText()") == links["watch"]
    wait_until(lambda: invite.inner_text() == "Copy", timeout=5, what="the invite link's button to say Copy again")
