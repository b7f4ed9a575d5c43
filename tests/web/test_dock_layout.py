"""The dock ("Your cards and moves") with names at the length limit: one row of moves at 1280×800, nothing wider
than the screen, names cut with an ellipsis and whole in their title; on a phone too."""

from __future__ import annotations

from typing import Any

import requests
from ui_steps import SCREENSHOTS, on_turn, open_seat, rest_game, start, wait_until

# The dock bar's parts shown on screen, each with its box: the hand's heading and its line, the moves, the
# facilitator's tools (hidden ones, a phone's folded menu and sr-only lines, have no box and are left out).
BAR = """(() => {
  const bar = document.querySelector('.dock-bar');
  const dock = document.querySelector('.dock');
  const parts = [...bar.querySelectorAll('.hand-head > *, #pass, #add-note, .host-label, .host-tools > button, .host-tools > select, #facilitator-menu')]
    .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().width > 1)
    .map((el) => { const r = el.getBoundingClientRect();
      return {what: el.id || el.dataset.focus || el.className || el.tagName, top: r.top, bottom: r.bottom, left: r.left, right: r.right}; });
  const d = dock.getBoundingClientRect();
  return {parts, dock: {left: d.left, right: d.right, scroll: dock.scrollWidth, client: dock.clientWidth},
          bar: {scroll: bar.scrollWidth, client: bar.clientWidth},
          page: {scroll: document.scrollingElement.scrollWidth, width: window.innerWidth}};
})()"""


def names(limit: int) -> list[str]:
    """Three names at the limit, of wide letters."""
    return [(first + " " + "W" * limit)[:limit] for first in ("Maximiliana", "Wilhelmina", "Bartholomew")]


def assert_one_row(page: Any, expected: set[str]) -> None:
    m = page.evaluate(BAR)
    shown = {p["what"] for p in m["parts"]}
    assert expected <= shown, (expected - shown, m)
    # One row: every part shares a horizontal band with every other.
    top = max(p["top"] for p in m["parts"])
    bottom = min(p["bottom"] for p in m["parts"])
    assert top < bottom, f"the dock's moves wrap onto more than one row at {page.viewport_size}: {m['parts']}"
    # Nothing wider than its box or the screen.
    assert all(m["dock"]["left"] - 0.5 <= p["left"] and p["right"] <= m["dock"]["right"] + 0.5 for p in m["parts"]), m
    assert m["dock"]["scroll"] <= m["dock"]["client"] and m["bar"]["scroll"] <= m["bar"]["client"], m
    # A phone lays out a page wider than its screen by zooming out: the layout must be the screen's width.
    assert m["page"]["scroll"] <= m["page"]["width"] == page.viewport_size["width"], m


def test_long_names_keep_the_dock_on_one_row_at_1280_and_on_a_phone(web_server: Any, new_page: Any) -> None:
    limit = requests.get(f"{web_server.url}/api/limits", timeout=10).json()["max_name"]
    assert limit == 40
    host, other, third = names(limit)
    game = rest_game(web_server.url, [host, other, third])
    wide = new_page(1280, 800)  # the facilitator, at a laptop
    seat = new_page(1280, 800)  # a player not on turn
    open_seat(wide, game["links"][0])
    open_seat(seat, game["links"][2])
    start(wide, [wide, seat])
    # Until someone else is on turn, so the facilitator's dock says whose turn it is and offers to skip them.
    for _ in range(3):
        if not on_turn(wide):
            break
        wide.click("#pass")
        wait_until(lambda: not on_turn(wide), what="the turn to pass")
    on = [n for n in (other, third) if f"Dimmed: it is {n}'s turn" in wide.locator(".hand-head").inner_text()]
    assert on, wide.locator(".hand-head").inner_text()
    wait_until(lambda: wide.locator(".skip-seat").count() == 1, what="the facilitator's skip button")

    assert_one_row(wide, {"pass", "add-note", "hand-why", "skip-seat", "end-play", "end-game", "remove-seat", "hand-over"})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide.locator(".dock-bar").screenshot(path=str(SCREENSHOTS / "dock-long-names-1280.png"))
    # The names are cut, and whole where a pointer or a screen reader finds them.
    why = wide.locator("#hand-why")
    assert why.get_attribute("title") == f"Dimmed: it is {on[0]}'s turn"
    assert why.evaluate("(el) => el.scrollWidth > el.clientWidth")  # cut: its text is wider than its box
    skip = wide.locator(".skip-seat")
    assert on[0] in (skip.get_attribute("title") or "")
    assert on[0] in skip.evaluate("(el) => el.textContent")
    if not on_turn(seat):
        assert_one_row(seat, {"pass", "add-note", "hand-why"})

    # A phone: the moves on one row (the facilitator's tools behind their button), nothing wider than the screen.
    phone = new_page(390, 844, is_mobile=True, has_touch=True)
    open_seat(phone, game["links"][0])
    assert_one_row(phone, {"pass", "add-note", "facilitator-menu"})
    phone.click("#facilitator-menu")
    menu = phone.locator("#facilitator-tools")
    assert menu.is_visible()
    box = menu.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
