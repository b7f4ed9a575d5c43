"""An accessibility audit (axe-core) of every screen a player meets, on a desktop and on a phone.

Players use a keyboard only, a screen reader or a zoomed screen. Each screen is audited as it stands (axe's WCAG A
and AA rules and its best practices); a violation of serious or critical impact fails the test, and all of them are
listed, screen by screen, with the elements and what to fix.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_focus import add_note
from ui_steps import confirm, create_game, on_turn_page, open_seat, play_turn, rating_game, rest_game, start, wait_until

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844, "is_mobile": True, "has_touch": True},
}
FAILING = ("serious", "critical")

RUN_AXE = """async () => {
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
    }));
}"""


class Audit:
    """Runs axe-core on pages and keeps what it finds of serious or critical impact, by screen."""

    def __init__(self, source: str, viewport: str) -> None:
        self.source = source
        self.viewport = viewport
        self.screens: list[str] = []
        self.problems: list[str] = []

    def __call__(self, page: Any, screen: str) -> None:
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(self.source)
        self.screens.append(screen)
        for v in page.evaluate(RUN_AXE):
            if v["impact"] not in FAILING:
                continue
            lines = [f"{self.viewport} · {screen}: [{v['impact']}] {v['id']}: {v['help']} ({v['url']})"]
            for node in v["nodes"]:
                summary = " ".join(line.strip() for line in (node["summary"] or "").splitlines() if line.strip())
                lines.append(f"    {node['target']}\n        {summary}")
            self.problems.append("\n".join(lines))

    def check(self) -> None:
        """Fail with every violation found, screen by screen (no assertion rewriting: the list is the message)."""
        if self.problems:
            pytest.fail(f"{len(self.problems)} serious or critical accessibility violations on {self.viewport}:\n\n"
                        + "\n\n".join(self.problems), pytrace=False)


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: Any) -> str:
    return str(request.param)


def test_the_lobby_and_joining_by_link(web_server: Any, new_page: Any, axe_source: str, viewport: str) -> None:
    audit = Audit(axe_source, viewport)
    kim = new_page(**VIEWPORTS[viewport])
    kim.goto(web_server.url + "/")
    kim.wait_for_selector("body[data-ready=lobby]")
    audit(kim, "lobby: new game")
    kim.click("text=Read the STRIDE primer first")
    kim.wait_for_selector("dialog[open]")
    audit(kim, "lobby: the STRIDE primer")
    kim.keyboard.press("Escape")
    kim.wait_for_selector("dialog[open]", state="detached")
    links = create_game(kim, web_server.url, "Kim", seats=2)
    audit(kim, "lobby: game created")
    doug = new_page(**VIEWPORTS[viewport])
    doug.goto(links["join"])
    doug.wait_for_selector("#join-name")
    audit(doug, "join by link")
    audit.check()


def test_the_table_in_play_and_a_spectators_view(web_server: Any, new_page: Any, axe_source: str,
                                                 viewport: str) -> None:
    audit = Audit(axe_source, viewport)
    game = rest_game(web_server.url, ["Kim", "Doug"])
    kim, doug, screen = (new_page(**VIEWPORTS[viewport]) for _ in range(3))
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    kim.wait_for_selector("#diagram[data-layout=done]")
    audit(kim, "waiting room")
    start(kim, [kim, doug])
    screen.goto(game["watch"])
    screen.wait_for_selector("body[data-ready=table]")

    mover = on_turn_page([kim, doug])
    other = doug if mover is kim else kim
    mover.wait_for_selector("#diagram[data-layout=done]")
    audit(mover, "table: hand and diagram, on turn")
    # The hand is a region of its own, not announced as the page's footer (contentinfo).
    assert mover.get_by_role("contentinfo").count() == 0
    assert mover.get_by_role("region", name="Your cards and moves").locator("#hand").count() == 1
    other.wait_for_selector("#diagram[data-layout=done]")
    audit(other, "table: hand and diagram, another's turn")
    mover.locator("#hand .card.playable .card-face").first.click()
    mover.wait_for_selector("#composer:not([hidden])")
    audit(mover, "table: composer")
    mover.keyboard.press("Escape")
    mover.wait_for_selector("#composer", state="hidden")
    play_turn(mover, "An attacker changes another employee's salary on its way to the database.")
    mover.wait_for_selector("#verdict .verdict-card")
    audit(mover, "table: own verdict shown")
    add_note(other, "Anyone on the office wifi can read the payroll export.")
    mover.wait_for_selector("#votes .vote-prompt button.yes")
    audit(mover, "table: a vote open")
    screen.wait_for_selector("#diagram[data-layout=done]")
    screen.wait_for_selector("#votes .vote-prompt")
    audit(screen, "spectator")
    audit.check()


def test_the_rating_and_final_backlog_screens(web_server: Any, new_page: Any, axe_source: str, viewport: str) -> None:
    audit = Audit(axe_source, viewport)
    game = rating_game(web_server.url, ["Kim", "Doug"], accepted=2)
    kim = new_page(**VIEWPORTS[viewport])
    open_seat(kim, game["links"][0])
    kim.wait_for_selector("#rating .rating-item")
    audit(kim, "rating")
    item = kim.locator("#rating .rating-item").first
    item.locator(".scale").nth(0).locator("label").nth(2).click()
    item.locator(".scale").nth(1).locator("label").nth(3).click()
    kim.wait_for_selector("#rating .rating-item.rated")
    audit(kim, "rating: one threat rated")
    watcher = new_page(**VIEWPORTS[viewport])
    watcher.goto(game["watch"])
    watcher.wait_for_selector("#rating .rating-item")
    audit(watcher, "rating: the spectator's view")
    kim.click("#end-game")
    audit(kim, "rating: the facilitator asked to confirm the end")
    confirm(kim, "End the game")
    kim.wait_for_selector("body[data-ready=final]")
    audit(kim, "final backlog")
    kim.click("text=Show the diagram with its sticky notes")
    kim.wait_for_selector("#diagram[data-layout=done]")
    audit(kim, "final: the diagram with its sticky notes")
    audit.check()


HEARD = """() => {
  window.heard = [];
  const live = '[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"]';
  new MutationObserver((records) => {
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const region = el && el.closest(live);
      if (region && !region.closest("[hidden]") && region.textContent.trim()) {
        window.heard.push([region.id, region.textContent]);
      }
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""
"""Record what a screen reader reads out: each change of text in a live region that is shown, with the region's id."""


def test_a_screen_reader_hears_the_verdict_the_trick_and_whose_turn_it_is(web_server: Any, new_page: Any) -> None:
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    game = rest_game(web_server.url, ["Kim", "Doug"])
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    leader = on_turn_page([kim, doug])
    second = doug if leader is kim else kim
    second.evaluate(HEARD)
    play_turn(leader, "Someone replays a captured session cookie.")
    # The turn comes to this seat: the status line says so, as a live region.
    wait_until(lambda: any(region == "status-line" and text.startswith("Your turn")
                           for region, text in second.evaluate("window.heard")), what="'Your turn' read out")
    # Its play ends the trick: its verdict and who won the trick are news of one moment, and both are read out
    # (the second announcement replaced the first).
    play_turn(second, "An attacker changes another employee's salary on its way to the database.")
    head = second.locator("#verdict .verdict-head strong").inner_text().strip()

    def both_heard() -> bool:
        return any(region == "live" and head in text and "won trick 1" in text
                   for region, text in second.evaluate("window.heard"))

    wait_until(both_heard, what=f"the verdict ({head}) and the trick read out together")
