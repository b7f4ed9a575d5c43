"""Late in a game the sticky notes stay legible and leave the diagram readable: on a laptop during play, in the
rating phase (the diagram a short strip, zoomed out) and on a phone, no two stacks of notes overlap, none covers a
component's icon or label, and every threat is still one click away (its note, or its stack's badge, opens the list)."""

from __future__ import annotations

from typing import Any

import pytest
from server.client import SeatClient
from test_accessibility import Audit
from ui_steps import RESULTS, open_seat, phase, played_game, threat_ids, wait_until

NOTES = 18
"""At least this many valid threats (the plays stop at 18 to about 22), as many as a table finds on the LeeJames
example before it rates them."""

# Where cytoscape drew each component (its icon and its label) and where each stack of notes is, in the page's
# coordinates. Cytoscape keeps its instance on its container (`_cyreg`). A stack's box is that of its buttons as
# drawn (turned a little, as notes on a board are).
GEOMETRY = """() => {
    const canvas = document.querySelector('#diagram .diagram-canvas');
    const cy = canvas._cyreg.cy;
    const origin = canvas.getBoundingClientRect();
    const page = (b) => ({ left: origin.left + b.x1, top: origin.top + b.y1, right: origin.left + b.x2, bottom: origin.top + b.y2 });
    const components = cy.nodes('.component').map((node) => {
        const p = node.renderedPosition();
        return {
            name: node.data('label').split('\\n')[0],
            centre: [origin.left + p.x, origin.top + p.y],
            label: page(node.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false })),
            labelDrawn: cy.renderer().eleTextBiggerThanMin(node),  // zoomed far out, cytoscape leaves labels out
        };
    });
    const stacks = [...document.querySelectorAll('#diagram .note-stack')].map((stack) => {
        const boxes = [...stack.querySelectorAll('button')].map((b) => b.getBoundingClientRect());
        return {
            key: stack.dataset.key,
            left: Math.min(...boxes.map((b) => b.left)), top: Math.min(...boxes.map((b) => b.top)),
            right: Math.max(...boxes.map((b) => b.right)), bottom: Math.max(...boxes.map((b) => b.bottom)),
        };
    });
    return { components, stacks, canvas: { left: origin.left, top: origin.top, right: origin.right, bottom: origin.bottom },
             zoom: cy.zoom() };
}"""


def overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """The area two boxes share (0 when they only touch)."""
    w = min(a["right"], b["right"]) - max(a["left"], b["left"])
    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return max(0.0, w) * max(0.0, h)


def inside(point: list[float], box: dict[str, float]) -> bool:
    return box["left"] <= point[0] <= box["right"] and box["top"] <= point[1] <= box["bottom"]


def assert_legible(page: Any, where: str, noted: int, *, labels_drawn: bool = False) -> None:
    """``noted``: how many elements have notes (one stack each); ``labels_drawn``: the view is one where cytoscape
    draws the components' labels (not zoomed far out)."""
    page.wait_for_selector("#diagram[data-layout=done]")
    # The diagram fits itself to its area as the page settles: the same geometry twice, it is done.
    drawn = [page.evaluate(GEOMETRY)]

    def settled() -> bool:
        page.wait_for_timeout(120)
        drawn.append(page.evaluate(GEOMETRY))
        return drawn[-1] == drawn[-2]

    wait_until(settled, what="the diagram to settle")
    geometry = drawn[-1]
    stacks, components = geometry["stacks"], geometry["components"]
    assert len(stacks) == noted, f"{where}: {len(stacks)} stacks of notes for {noted} elements"
    if labels_drawn:
        assert all(c["labelDrawn"] for c in components), f"{where}: labels left out at zoom {geometry['zoom']:.2f}"
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.locator("#diagram").screenshot(path=str(RESULTS / f"note-stacks-{where}.png"))
    problems = []
    for i, a in enumerate(stacks):
        for b in stacks[i + 1:]:
            if overlap(a, b) > 1:
                problems.append(f"{a['key']} overlaps {b['key']}")
        for c in components:
            if inside(c["centre"], a):
                problems.append(f"{a['key']} covers the icon of {c['name']}")
            if c["labelDrawn"] and overlap(a, c["label"]) > 1:
                problems.append(f"{a['key']} covers the label of {c['name']}")
        canvas = geometry["canvas"]
        if a["left"] < canvas["left"] - 1 or a["right"] > canvas["right"] + 1 or a["top"] < canvas["top"] - 1 \
                or a["bottom"] > canvas["bottom"] + 1:
            problems.append(f"{a['key']} lies outside the diagram")
    assert problems == [], f"{where} (zoom {geometry['zoom']:.2f}): {problems}"
    if geometry["zoom"] < 0.4:  # zoomed far out: every stack of two notes or more is folded into its badge
        unfolded = page.locator("#diagram .note-stack:has(button:nth-child(2))").count()
        assert unfolded == 0 and page.locator("#diagram .note-badge").count() > 0, f"{where}: {unfolded} stacks not folded"


def assert_every_threat_reachable(page: Any, threats: list[str], where: str) -> None:
    """Each stack's first button (a note, or the badge of a folded stack) opens the list of its element's threats;
    Escape gives the focus back to it. Together the lists name every threat on the diagram."""
    found: set[str] = set()
    for stack in page.locator("#diagram .note-stack").all():
        button = stack.locator("button").first
        name = button.get_attribute("aria-label") or ""
        assert name, f"{where}: a note with no accessible name"
        if "note-badge" in (button.get_attribute("class") or ""):  # the keyboard's way in
            button.focus()
            page.keyboard.press("Enter")
        else:
            button.click()
        popover = page.locator("#diagram .note-popover")
        popover.wait_for()
        assert page.evaluate("document.activeElement.closest('.note-popover') !== null"), f"{where}: focus not in the list"
        found.update(threat_ids(" ".join(popover.locator(".meta").all_inner_texts())))
        page.keyboard.press("Escape")
        popover.wait_for(state="hidden")
        key = stack.get_attribute("data-key")
        assert page.evaluate("(key) => document.activeElement.closest('.note-stack')?.dataset.key", key) == key, \
            f"{where}: the focus did not go back to {key}"
    assert sorted(found) == sorted(threats), f"{where}: not reachable {sorted(set(threats) - found)}"


def assert_hover_keeps_the_suit(page: Any, where: str) -> None:
    """A note under the pointer keeps its suit's colour: the general button hover painted it paper, the suit gone."""
    note = page.locator("#diagram .note-stack button.note:not(.voting):not(.more):not(.note-badge)").first
    before = note.evaluate("(n) => getComputedStyle(n).backgroundColor")
    note.hover()
    assert note.evaluate("(n) => n.matches(':hover')"), f"{where}: the pointer is not on the note"
    assert note.evaluate("(n) => getComputedStyle(n).backgroundColor") == before, f"{where}: hover repaints the note"
    page.mouse.move(0, 0)


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_twenty_sticky_notes_leave_the_diagram_readable(web_server: Any, new_page: Any, axe_source: str,
                                                         width: int, height: int) -> None:
    game = played_game(web_server.url, ["Kim", "Doug", "Sam"], accepted=NOTES, end_play=False, spread=True)
    threats = game["threats"]
    assert len(threats) >= NOTES and game["noted"] >= 4, game
    phone = width < 981
    page = new_page(width, height, **({"is_mobile": True, "has_touch": True} if phone else {}))
    open_seat(page, game["links"][1])
    wait_until(lambda: page.locator("#diagram .note-stack button").count() > 0, what="the sticky notes")
    RESULTS.mkdir(exist_ok=True)
    size = f"{width}x{height}"
    audit = Audit(axe_source, size)  # the notes, the badges and "+n" among them
    assert_legible(page, f"play-{size}", game["noted"], labels_drawn=True)
    audit(page, "play, 20 sticky notes")
    if not phone:
        assert_hover_keeps_the_suit(page, f"play-{size}")
    assert_every_threat_reachable(page, threats, f"play-{size}")

    kim = SeatClient(web_server.url, game["links"][0].split("#token=")[1]).connect()
    try:
        assert kim.command("end_play")["ok"]
    finally:
        kim.close()
    wait_until(lambda: phase(page) == "rating", what="the rating phase")
    assert_legible(page, f"rating-{size}", game["noted"])
    audit(page, "rating, 20 sticky notes")
    assert_every_threat_reachable(page, threats, f"rating-{size}")
    audit.check()
