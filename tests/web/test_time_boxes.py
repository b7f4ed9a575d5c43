"""A retro with the lobby's default time limits: the time boxes do not end play or rating unannounced.

The pages run on Playwright's clock (``page.clock``), installed before they load, so a test jumps forty minutes
into the play time box instead of waiting for it; the server's clock is real, so nothing ends meanwhile.
"""

from __future__ import annotations

from typing import Any

from ui_steps import create_game, join, open_seat, open_table, rating_game, start, wait_until

# Engine.IO's heartbeat runs on the page's clock too: a jump of forty minutes must not look like a dead connection.
HEARTBEAT = {"THREATDECK_PING_INTERVAL": "7200", "THREATDECK_PING_TIMEOUT": "7200"}
FORTY_MINUTES = 40 * 60 * 1000 + 5_000
"""Milliseconds to jump into the lobby's default 45-minute play time box: a little under 5 minutes left."""
LOBBY_DEFAULTS = {"play_seconds": 45 * 60, "rating_seconds": 15 * 60, "turn_seconds": 90, "vote_seconds": 120}


def test_everyone_is_told_five_minutes_before_the_play_time_box_ends(start_web_server: Any, new_page: Any) -> None:
    """At 45:00 play ended mid-sentence, with a card being written not played: the clock's colour had turned
    orange in the last minute, and nobody was told anything before."""
    server = start_web_server(**HEARTBEAT)
    kim, doug, boss = new_page(1280, 800), new_page(390, 844), new_page(1280, 800)
    for page in (kim, doug, boss):
        page.clock.install()
    links = create_game(kim, server.url, "Kim", no_time_limits=False)  # the lobby's defaults: 45 min of play
    join(doug, links["join"], "Doug")
    open_table(kim)
    boss.goto(links["watch"])
    boss.wait_for_selector("body[data-ready=table]")
    start(kim, [kim, doug])
    wait_until(lambda: "Time box 44:" in kim.inner_text("#box-clock"), what="the time box counting down")

    for page in (kim, doug, boss):
        page.clock.fast_forward(FORTY_MINUTES)
    for page in (kim, doug, boss):
        toast = page.locator("#verdict .verdict-card")
        toast.wait_for(state="visible", timeout=5000)
        assert "5 minutes of play left" in toast.inner_text()
        wait_until(lambda p=page: "5 minutes of play left" in (p.text_content("#live") or ""), timeout=3, what="the announcement")
    # Said once: closed, it does not come back at the next tick.
    kim.locator("#verdict [data-role=ok]").click()
    kim.clock.fast_forward(2_000)
    assert kim.locator("#verdict").is_hidden()


def test_everyone_is_told_two_minutes_before_prioritising_ends(start_web_server: Any, new_page: Any) -> None:
    """At the end of the rating time box the game ends on the ratings given: a player still rating is told first."""
    server = start_web_server(**HEARTBEAT)
    game = rating_game(server.url, ["Kim", "Doug"], accepted=1, timing=LOBBY_DEFAULTS)
    doug = new_page(1280, 800)
    doug.clock.install()
    open_seat(doug, game["links"][1])
    wait_until(lambda: "Prioritising 14:" in doug.inner_text("#box-clock"), what="the rating time box counting down")
    doug.clock.fast_forward(13 * 60 * 1000 + 5_000)
    toast = doug.locator("#verdict .verdict-card")
    toast.wait_for(state="visible", timeout=5000)
    assert "2 minutes of prioritising left" in toast.inner_text()
