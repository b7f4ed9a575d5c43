"""Verdicts: a player's own stays until they close it or act again; news goes by itself.

The pages run on Playwright's clock (``page.clock``), installed before they load, so a test jumps past the
9 s a toast lasts instead of sleeping through it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

import pytest
from ui_steps import NO_LIMITS, ROOT, SCREENSHOTS, on_turn_page, open_seat, play_turn, start, started_pair, wait_until

from cards import load_deck
from game.importers import load_architecture
from game.predicates import Graph, Truth
from game.rules import judge
from game.vocabulary import spec_for

DECK = load_deck()

# Engine.IO's heartbeat runs on the page's clock too: a jump of 20 s must not look like a dead connection.
HEARTBEAT = {"THREATDECK_PING_INTERVAL": "120", "THREATDECK_PING_TIMEOUT": "120"}
PAST_A_TOAST = 20_000
"""Milliseconds to jump: well past the 9 s a toast lasts (6 s for a refusal, before verdicts stayed)."""


def clocked_page(new_page: Any, width: int = 1280, height: int = 800) -> Any:
    page = new_page(width, height)
    page.clock.install()
    return page


def test_your_own_verdict_stays_until_you_close_it_or_act(start_web_server: Any, new_page: Any) -> None:
    server = start_web_server(**HEARTBEAT)
    kim, doug = clocked_page(new_page), clocked_page(new_page)
    started_pair(server.url, kim, doug)  # not practice: there a verdict always stayed
    mover = on_turn_page([kim, doug])
    play_turn(mover, "An attacker changes another employee's salary on its way to the database.")
    verdict = mover.locator("#verdict .verdict-card")
    verdict.wait_for()
    head = verdict.locator(".verdict-head").inner_text()
    threat = mover.locator("#feed .feed-item").first.get_attribute("data-threat")

    # Read at leisure: it is still there long after a toast would have gone.
    mover.clock.fast_forward(PAST_A_TOAST)
    assert verdict.is_visible(), "the player's own verdict went by itself"
    assert verdict.locator(".verdict-head").inner_text() == head

    # OK closes it; the feed brings it back, the keyboard on it.
    verdict.locator("[data-role=ok]").click()
    mover.wait_for_selector("#verdict", state="hidden")
    mover.locator(f'#feed .feed-item[data-threat="{threat}"] button.show-verdict').click()
    verdict.wait_for()
    assert verdict.locator(".verdict-head").inner_text() == head
    assert mover.evaluate("!!document.activeElement.closest('#verdict')")
    mover.clock.fast_forward(PAST_A_TOAST)
    assert verdict.is_visible()

    # Choosing a card on the other's turn is refused, and says why: that replaces it, and stays too.
    mover.locator("#hand .card .card-face").first.click(force=True)  # dimmed (aria-disabled), still says why
    refused = mover.locator("#verdict .verdict-card[data-verdict=refused]")
    refused.wait_for()
    mover.clock.fast_forward(PAST_A_TOAST)
    assert refused.is_visible(), "a refusal of the player's own move went before it was read"
    # It stays readable while a sticky note is written, and the note's own verdict replaces it.
    mover.click("#add-note")
    mover.wait_for_selector("#composer:not([hidden])")
    assert refused.is_visible()
    mover.locator("#composer .target-option").nth(2).click()
    mover.locator("#composer .suit-radio").first.click()
    mover.fill("#composer .threat-input", "Someone replays a captured session cookie.")
    mover.click("#composer button.primary")
    mover.locator("#verdict .verdict-card[data-verdict=vote]").wait_for()
    assert refused.count() == 0


def test_news_and_the_other_seats_verdicts_do_not_stay(start_web_server: Any, new_page: Any) -> None:
    server = start_web_server(**HEARTBEAT)
    kim, doug = clocked_page(new_page), clocked_page(new_page)
    started_pair(server.url, kim, doug)
    mover = on_turn_page([kim, doug])
    other = doug if mover is kim else kim
    play_turn(mover, "An attacker changes another employee's salary on its way to the database.")
    mover.locator("#verdict .verdict-card").wait_for()
    own_head = mover.locator("#verdict .verdict-head").inner_text()

    # The other seat learns of it in the feed: no verdict of someone else covers its diagram.
    wait_until(lambda: other.locator("#feed .feed-item").count() == 1, what="the threat in the other seat's feed")
    assert other.locator("#verdict").is_hidden()

    # The other seat plays in turn: its own verdict shows on its page, and does not replace the mover's.
    on_turn_page([other])
    play_turn(other, "Someone reads the payroll export from the bucket.")
    other.locator("#verdict .verdict-card").wait_for()
    wait_until(lambda: mover.locator("#feed .feed-item").count() == 2, what="the other threat in the mover's feed")
    assert mover.locator("#verdict .verdict-head").inner_text() == own_head

    # Choosing a card, the next play, closes the verdict of the last one.
    leader = on_turn_page([kim, doug])
    assert leader.locator("#verdict").is_visible()
    leader.locator("#hand .card.playable .card-face").first.click()
    leader.wait_for_selector("#composer:not([hidden])")
    assert leader.locator("#verdict").is_hidden(), "the last verdict stayed over the next play"

    # A hint is news about the diagram (it stays outlined there): it goes as before.
    watcher = other if leader is mover else mover
    watcher.locator("#verdict [data-role=ok]").click()
    watcher.locator("#hand .card .hint").first.click()
    hint = watcher.locator("#verdict .verdict-card[data-verdict=hint]")
    hint.wait_for()
    watcher.clock.fast_forward(PAST_A_TOAST)
    hint.wait_for(state="hidden")


def test_a_verdict_that_comes_on_its_own_waits_for_the_one_being_read(start_web_server: Any, new_page: Any) -> None:
    server = start_web_server(**HEARTBEAT)
    kim, doug = clocked_page(new_page), clocked_page(new_page)
    started_pair(server.url, kim, doug)
    mover = on_turn_page([kim, doug])
    other = doug if mover is kim else kim
    # A sticky note of the mover's goes to the vote (the other seat decides it), then the mover plays a card.
    mover.click("#add-note")
    mover.wait_for_selector("#composer:not([hidden])")
    mover.locator("#composer .target-option").nth(2).click()
    mover.locator("#composer .suit-radio").first.click()
    mover.fill("#composer .threat-input", "Someone replays a captured session cookie.")
    mover.click("#composer button.primary")
    mover.wait_for_selector("#composer", state="hidden")
    play_turn(mover, "An attacker changes another employee's salary on its way to the database.")
    verdict = mover.locator("#verdict .verdict-card")
    wait_until(lambda: "cookie" not in verdict.inner_text(), what="the verdict of the card played")
    head = verdict.locator(".verdict-head").inner_text()

    # The table accepts the note while the mover reads: that verdict waits, and says so.
    other.locator("#votes .vote-prompt button.yes").click()
    more = mover.locator("#verdict .verdict-more")
    wait_until(lambda: more.inner_text() == "1 more to read", what="the vote's verdict to wait")
    mover.clock.fast_forward(PAST_A_TOAST)
    assert verdict.locator(".verdict-head").inner_text() == head
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mover.screenshot(path=str(SCREENSHOTS / "verdict-waiting-1280x800.png"))
    # OK shows it, in its place; it stays as well.
    verdict.locator("[data-role=ok]").click()
    wait_until(lambda: "the table agreed" in verdict.locator(".verdict-head").inner_text(), what="the vote's verdict")
    assert "cookie" in verdict.inner_text() and more.inner_text() == ""
    mover.clock.fast_forward(PAST_A_TOAST)
    assert verdict.is_visible()


# --- what the model does not say: from the verdict's gaps, never from the reason's words ------------------

SOURCE = ROOT / "web" / "src"
ORIGIN = "http://verdicts.test"
"""verdicts.js is loaded from web/src on a page of its own: its imports are served from the files (the JSON
vocabulary as a module, as the build does), so these run the client's own code without a server."""


def module_page(new_page: Any) -> Any:
    page = new_page()

    def serve(route: Any) -> None:
        path = urlparse(route.request.url).path
        if path == "/":
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>verdicts</title>")
            return
        file = (SOURCE / path.lstrip("/")).resolve()
        assert file.parent == SOURCE and file.is_file(), path
        body = file.read_text(encoding="utf-8")
        route.fulfill(status=200, content_type="text/javascript", body=f"export default {body};" if file.suffix == ".json" else body)

    page.route(f"{ORIGIN}/**", serve)
    page.goto(f"{ORIGIN}/")
    return page


def lesson(page: Any, view: dict[str, Any], threat: dict[str, Any]) -> dict[str, Any]:
    """``verdictLesson(view, threat, card)`` of web/src/verdicts.js, for a rule card that is not open."""
    card = {"id": threat["card"], "open": False, "applies_to": ["api_gateway", "lambda", "iam_role"], "holds_when": "it is so"}
    result: dict[str, Any] = page.evaluate(
        "async ([view, t, card]) => (await import('/verdicts.js')).verdictLesson(view, t, card)", [view, threat, card])
    return result


HR_VIEW = {"architecture": {
    "components": [
        {"id": "Employee", "name": "Employee", "type": "actor"},
        {"id": "HrApi", "name": "HR API", "type": "api_gateway"},
        {"id": "AuthFunction", "name": "Login function", "type": "lambda"},
        {"id": "SharedRole", "name": "Shared function role", "type": "iam_role"},
    ],
    "flows": [{"id": "Employee->HrApi", "source": "Employee", "target": "HrApi", "label": ""}],
}}
VOCABULARY = json.loads((SOURCE / "vocabulary.json").read_text(encoding="utf-8"))


def voting(target: str, reason: str, gaps: list[dict[str, str]] | None) -> dict[str, Any]:
    threat = {"id": "T1", "card": "S1", "suit": "S", "target": target, "target_kind": "component", "truth": "unknown",
              "reason": reason, "status": "voting", "judged_by": None}
    if gaps is not None:
        threat["gaps"] = gaps
    return threat


def test_an_unknown_verdict_names_the_element_and_attribute_its_gaps_give(new_page: Any) -> None:
    """On HR API, a verdict waiting on the login function's implements_auth names that function and says
    what the attribute means, whatever words the engine's reason uses."""
    page = module_page(new_page)
    gap = {"kind": "component", "id": "AuthFunction", "attr": "implements_auth"}
    doc = VOCABULARY["components"]["lambda"]["implements_auth"]["doc"]
    for reason in ("flow HrApi -> AuthFunction (AuthFunction: implements_auth is not known)",
                   "HrApi's login function does not say whether it checks passwords"):  # any wording
        why = lesson(page, HR_VIEW, voting("HrApi", reason, [gap]))["why"]
        assert why.startswith("For Login function, the model does not say whether ") or why.startswith("The model does not say whether Login function"), why
        assert doc.removeprefix("it ").removeprefix("its ") in why and reason not in why, why
        assert "HR API" not in why and "is not known" not in why, why


@pytest.mark.parametrize(
    ("gap", "says"),
    [
        # another component than the threat's target: a function's role
        ({"kind": "component", "id": "SharedRole", "attr": "admin"}, "Shared function role"),
        # a flow, named by its ends as the diagram names them
        ({"kind": "flow", "id": "Employee->HrApi", "attr": "encrypted"}, "the flow Employee → HR API"),
    ],
)
def test_a_gap_on_another_element_names_that_element(new_page: Any, gap: dict[str, str], says: str) -> None:
    page = module_page(new_page)
    spec = VOCABULARY["flow" if gap["kind"] == "flow" else "components"]
    spec = spec[gap["attr"]] if gap["kind"] == "flow" else spec["iam_role"][gap["attr"]]
    why = lesson(page, HR_VIEW, voting("AuthFunction", "the engine's words", [gap]))["why"]
    assert says in why and spec["doc"].removeprefix("it ").removeprefix("its ") in why, why
    assert "Login function" not in why, why


def test_a_verdict_without_gaps_shows_its_reason_in_the_diagrams_names(new_page: Any) -> None:
    """No gaps, nothing parsed: a reason that looks like "… is not known" (a game saved before gaps were sent)
    is shown as written, with the diagram's names."""
    page = module_page(new_page)
    why = lesson(page, HR_VIEW, voting("HrApi", "AuthFunction: implements_auth is not known", None))["why"]
    assert why == "Login function: implements_auth is not known"
    why = lesson(page, HR_VIEW, voting("HrApi", "flow Employee -> HrApi (Employee: type is actor)", []))["why"]
    assert why == "flow Employee → HR API (Employee: type is actor)"


ROLES_MODEL = """
threatdeck: 1
name: Payroll roles
components:
  - {id: PayFn, type: lambda, name: Pay function, attributes: {last_invoked_days: 10, role: PayRole}}
  - {id: PayRole, type: iam_role, name: Payroll role}
  - {id: Records, type: dynamodb, name: Records table}
flows:
  - {source: PayFn, target: Records, kind: write}
"""
"""A model where Elevation of Privilege's lowest cards wait on facts it lacks: E6 on the pay function on its
role's unused permissions (another component), E8 on the table on its own resource policy."""


def test_the_player_is_told_which_attribute_of_which_component_the_model_lacks(web_server: Any, new_page: Any) -> None:
    import requests

    architecture = load_architecture(ROLES_MODEL, "roles.yaml")
    upload = requests.post(f"{web_server.url}/api/architectures", data=ROLES_MODEL.encode(),
                           headers={"Content-Type": "application/yaml"}, timeout=10)
    upload.raise_for_status()
    created = requests.post(f"{web_server.url}/api/games", json={
        "architecture": upload.json()["id"], "name": "Kim", "seats": 2, "bots": 0, "timing": NO_LIMITS, "start_suit": "E"},
        timeout=10)
    created.raise_for_status()
    game = created.json()
    joined = requests.post(f"{web_server.url}/api/games/{game['game_id']}/seats", json={"name": "Doug"}, timeout=10)
    joined.raise_for_status()
    kim, doug = new_page(), new_page()
    open_seat(kim, game["facilitator"]["link"])
    open_seat(doug, joined.json()["link"])
    start(kim, [kim, doug])
    leader = on_turn_page([kim, doug])
    lead = DECK.card(leader.locator("#hand .card.must-lead").get_attribute("data-card") or "")
    graph = Graph(architecture)
    waiting = [(s, v) for s in [*architecture.components, *architecture.flows]
               if (v := judge(lead, s, graph)).truth is Truth.UNKNOWN and v.gaps]
    if not waiting:  # E6 leads unless the deal set it aside, and then E8 (both wait on a fact); lower still is rare
        pytest.skip(f"the opening card {lead.id} has no element this model leaves it undecided on")
    subject, verdict = waiting[0]
    gap = verdict.gaps[0]
    owner = architecture.component(gap.id)
    spec = spec_for(owner.type, gap.attr)
    assert spec is not None

    leader.locator(f'#hand .card[data-card="{lead.id}"] .card-face').click()
    leader.wait_for_selector("#composer:not([hidden])")
    leader.locator(f'#composer .target-option[data-target="{subject.id}"]').click()
    leader.click("#composer button.primary")
    shown = leader.locator("#verdict .verdict-card[data-verdict=vote] .reason")
    shown.wait_for()
    why = shown.inner_text()
    assert owner.name in why and spec.doc.removeprefix("it ").removeprefix("its ") in why, (verdict.reason, why)
    assert "is not known" not in why, why
    # The other seat's vote prompt says the same.
    other = doug if leader is kim else kim
    prompt = other.locator("#votes .vote-prompt")
    prompt.wait_for()
    assert owner.name in prompt.inner_text() and "is not known" not in prompt.inner_text()
# Each component of the diagram, where it is drawn, and what a click at its centre would reach. The page scrolls
# (a phone) to bring it above the docked hand first, as a player would. Cytoscape keeps its instance on its
# container (`_cyreg`): the test reads the positions it drew.
COMPONENTS_UNDER_A_CLICK = """() => {
    const canvas = document.querySelector('#diagram .diagram-canvas');
    const cy = canvas._cyreg.cy;
    const centre = (node) => {
        const box = canvas.getBoundingClientRect();
        const p = node.renderedPosition();
        return [box.left + p.x, box.top + p.y];
    };
    return cy.nodes('.component').map((node) => {
        let [x, y] = centre(node);
        const bottom = Math.min(window.innerHeight, document.querySelector('.dock').getBoundingClientRect().top);
        if (y < 8 || y > bottom - 8) {
            window.scrollBy(0, y - bottom / 2);
            [x, y] = centre(node);
        }
        const hit = document.elementFromPoint(x, y);
        const over = hit && !canvas.contains(hit) ? (hit.closest('[id]') || hit).id || hit.className : null;
        return { id: node.data('ref'), name: node.data('label').split('\\n')[0], x, y, over };
    });
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_your_own_verdict_leaves_every_component_of_the_diagram_in_reach(web_server: Any, new_page: Any,
                                                                           width: int, height: int) -> None:
    """A verdict stays until it is closed, on purpose: laid over the top of the diagram, it hid the components the
    player might play on next."""
    phone = width < 981
    kim = new_page(width, height, **({"is_mobile": True, "has_touch": True} if phone else {}))
    doug = new_page(1280, 800)
    started_pair(web_server.url, kim, doug)
    while on_turn_page([kim, doug]) is not kim:
        play_turn(doug, "Doug opens the game.")
    play_turn(kim, "An attacker changes another employee's salary on its way to the database.")
    kim.locator("#verdict .verdict-card").wait_for()
    kim.wait_for_selector("#diagram[data-layout=done]")

    components = kim.evaluate(COMPONENTS_UNDER_A_CLICK)
    assert len(components) == int(kim.get_attribute("#diagram", "data-nodes") or 0) > 5
    covered = [c for c in components if c["over"] is not None]
    assert covered == [], f"components a click does not reach while the verdict is shown: {covered}"
    assert kim.locator("#verdict").is_visible()

    if not phone:  # (on a phone the composer covers the diagram: there the list picks)
        # Writing a sticky note about it, the verdict still up: a click on each component picks it.
        kim.click("#add-note")
        kim.wait_for_selector("#composer:not([hidden])")
        # The diagram fits itself into the narrower board beside the composer: the same places twice, it is done.
        drawn = [kim.evaluate(COMPONENTS_UNDER_A_CLICK)]

        def settled() -> bool:
            drawn.append(kim.evaluate(COMPONENTS_UNDER_A_CLICK))
            return drawn[-1] == drawn[-2]

        wait_until(settled, what="the diagram to settle beside the composer")
        for component in drawn[-1]:
            assert component["over"] is None, component
            kim.mouse.click(component["x"], component["y"])
            assert kim.inner_text("#composer .picked") == f"On: {component['name']}"
        assert kim.locator("#verdict").is_visible()
