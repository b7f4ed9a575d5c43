"""What a person does in the browser client, as small steps the browser tests share."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HR_BEFORE = "leejames-hr/before"
ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results"
"""Where measurements go (gitignored)."""
SCREENSHOTS = Path(os.environ.get("THREATDECK_SCREENSHOTS") or RESULTS / "screenshots")
"""Where the full-game test saves its screenshots: test-results/ (gitignored), so a test run leaves the
checkout clean; ``THREATDECK_SCREENSHOTS=docs/screenshots`` refreshes the ones the README shows."""


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    """Poll until ``predicate()`` holds (plumbing for multi-page steps, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


CONFIRM = "dialog#confirm[open]"
"""The page's own confirmation (web/src/confirm.js), asked before a facilitator's action that cannot be undone."""


def confirm(page: Any, action: str | None = None) -> str:
    """Answer the page's confirmation with its action button (named ``action`` when given); returns what it asked."""
    dialog = page.locator(CONFIRM)
    dialog.wait_for()
    asked = dialog.inner_text()
    button = dialog.locator("button[data-role=confirm]")
    if action is not None:
        assert button.inner_text() == action, button.inner_text()
    button.click()
    dialog.wait_for(state="detached")
    return str(asked)


def create_game(page: Any, url: str, name: str, *, seats: int = 3, bots: int = 0, example: str = HR_BEFORE,
                no_time_limits: bool = True, screenshot: Path | None = None, reload: bool = True) -> dict[str, str]:
    """Fill in the lobby's New game form; returns the links the lobby shows.

    ``reload=False`` keeps what the page already has in the form (a chosen file, say).
    """
    if reload:
        page.goto(url + "/")
    page.wait_for_selector("body[data-ready=lobby]")
    page.fill("#host-name", name)
    page.select_option("#arch-example", example)
    page.fill("#seats", str(seats))
    page.fill("#bots", str(bots))
    if screenshot is not None:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(screenshot))
    if no_time_limits:
        for field in ("#play-minutes", "#rating-minutes", "#turn-seconds", "#vote-seconds"):
            page.fill(field, "")
    page.click("#create-game")
    page.wait_for_selector("#created:not([hidden])")
    links = {
        "join": page.input_value("#created-join-link"),
        "watch": page.input_value("#created-watch-link"),
        "seat": page.input_value("#created-seat-link"),
    }
    links["game_id"] = links["join"].rstrip("/").rsplit("/", 1)[1]
    return links


def open_table(page: Any) -> None:
    """From the lobby's Game created panel to the table."""
    page.click("#open-table")
    page.wait_for_selector("body[data-ready=table]")


def join(page: Any, join_link: str, name: str) -> None:
    """Open the invite link and type a display name (all the link asks for)."""
    page.goto(join_link)
    page.wait_for_selector("#join-name")
    page.fill("#join-name", name)
    page.click("#join-button")
    page.wait_for_selector("body[data-ready=table]")


def version(page: Any) -> int:
    return int(page.evaluate("document.body.dataset.version || -1"))


def phase(page: Any) -> str:
    return str(page.evaluate("document.body.dataset.phase || ''"))


def on_turn(page: Any) -> bool:
    return bool(page.locator(".status-line.your-turn").count())


def hand_size(page: Any) -> int:
    return int(page.locator("#hand .card").count())


def play_turn(page: Any, text: str | None = None) -> dict[str, str]:
    """Click the first playable card, then the first element it fits (else the first one), edit the text, play."""
    before = hand_size(page)
    card = page.locator("#hand .card.playable").first
    card_id = card.get_attribute("data-card")
    card.locator(".card-face").click()
    page.wait_for_selector("#composer:not([hidden])")
    option = page.locator("#composer .target-option.fits").first
    if option.count() == 0:
        option = page.locator("#composer .target-option").first
    target = option.get_attribute("data-target")
    option.click()
    if text is not None:
        page.fill("#composer .threat-input", text)
    page.click("#composer button.primary")
    page.wait_for_selector("#composer", state="hidden")
    wait_until(lambda: hand_size(page) == before - 1, what="the card to leave the hand")
    return {"card": card_id or "", "target": target or ""}


def vote_everywhere(pages: list[Any]) -> int:
    """Every page answers the vote prompts it is shown (yes); returns how many votes were cast."""
    cast = 0
    for page in pages:
        for button in page.locator("#votes .vote-prompt button.yes").all():
            try:
                button.click(timeout=2000)
                cast += 1
            except Exception:  # noqa: BLE001 - the prompt closed meanwhile (the vote was decided)
                pass
    return cast


SNAPSHOT = """() => ({
    phase: document.body.dataset.phase || "",
    turn: !!document.querySelector(".status-line.your-turn"),
    playable: document.querySelectorAll("#hand .card.playable").length,
    votes: document.querySelectorAll("#votes .vote-prompt button.yes").length,
})"""


def play_until_rating(pages: list[Any], *, max_moves: int = 200, after_move: Callable[[int], None] | None = None) -> int:
    """Play the whole game: whoever is on turn plays; everyone votes when asked; until the rating phase."""
    moves = 0
    while moves < max_moves:
        states = [p.evaluate(SNAPSHOT) for p in pages]
        if all(s["phase"] == "rating" for s in states):
            return moves
        if any(s["votes"] for s in states):
            vote_everywhere([p for p, s in zip(pages, states) if s["votes"]])
        mover = next((p for p, s in zip(pages, states) if s["phase"] == "play" and s["turn"] and s["playable"]), None)
        if mover is None:
            time.sleep(0.05)
            continue
        play_turn(mover)
        moves += 1
        if after_move:
            after_move(moves)
    raise AssertionError(f"no rating phase after {moves} moves")


def rate_everything(page: Any, seed: int) -> int:
    """Rate every threat on the rating screen (likelihood and impact, 1-5); returns how many."""
    n = page.locator("#rating .rating-item").count()
    for k in range(n):
        for _attempt in range(3):
            if phase(page) != "rating":
                return n
            item = page.locator("#rating .rating-item").nth(k)
            if "rated" in (item.get_attribute("class") or ""):
                break
            item.locator(".scale").nth(0).locator("label").nth((k + seed) % 5).click()
            item.locator(".scale").nth(1).locator("label").nth((2 * k + seed + 1) % 5).click()
            try:
                wait_until(lambda: phase(page) != "rating"
                           or "rated" in (page.locator("#rating .rating-item").nth(k).get_attribute("class") or ""),
                           timeout=5, what="the rating to be recorded")
                break
            except AssertionError:
                continue  # the list was redrawn under the click: choose again
    wait_until(lambda: phase(page) == "ended" or page.locator("#rating .rating-item.rated").count() == n,
               what="every rating to be recorded")
    return n


def threat_ids(text: str) -> list[str]:
    return re.findall(r"\bT\d+\b", text)


NO_LIMITS = {"play_seconds": None, "rating_seconds": None, "turn_seconds": None, "vote_seconds": None}


def rest_game(url: str, names: list[str], *, example: str = HR_BEFORE, bots: int = 0,
              timing: dict[str, float | None] | None = None, start_suit: str | None = None) -> dict[str, Any]:
    """A game made through the REST API (for tests whose subject is not the lobby): the first name facilitates.

    ``timing`` is the game's time boxes (``NO_LIMITS`` unless given), e.g. ``{**NO_LIMITS, "turn_seconds": 8}``;
    ``start_suit`` the suit whose lowest card opens the game (the server's default, Tampering, unless given).
    """
    import requests

    created = requests.post(f"{url}/api/games", json={"example": example, "name": names[0], "seats": max(2, len(names)),
                                                       "bots": bots, "timing": NO_LIMITS if timing is None else timing,
                                                       "start_suit": start_suit},
                            timeout=10)
    created.raise_for_status()
    game = created.json()
    links = [game["facilitator"]["link"]]
    for name in names[1:]:
        seat = requests.post(f"{url}/api/games/{game['game_id']}/seats", json={"name": name}, timeout=10)
        seat.raise_for_status()
        links.append(seat.json()["link"])
    return {"game_id": game["game_id"], "links": links, "join": game["join_link"], "watch": game["spectate_link"]}


def open_seat(page: Any, link: str) -> None:
    page.goto(link)
    page.wait_for_selector("body[data-ready=table]")


def start(facilitator: Any, pages: list[Any]) -> None:
    facilitator.click("#start-game")
    for page in pages:
        page.wait_for_selector("body[data-phase=play]")


def started_pair(url: str, kim: Any, doug: Any) -> dict[str, Any]:
    """A game of Kim (facilitating) and Doug, each seated on the page given, started; returns the game."""
    game = rest_game(url, ["Kim", "Doug"])
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    start(kim, [kim, doug])
    return game


def on_turn_page(pages: list[Any]) -> Any:
    """The page whose seat is on turn (waits for one)."""
    found: list[Any] = []

    def look() -> bool:
        found[:] = [p for p in pages if on_turn(p)]
        return bool(found)

    wait_until(look, what="a seat on turn")
    return found[0]


def hand_ids(page: Any) -> list[str]:
    return [c.get_attribute("data-card") or "" for c in page.locator("#hand .card").all()]


def rating_game(url: str, names: list[str], *, accepted: int = 3, timing: dict[str, float | None] | None = None) -> dict[str, Any]:
    """A game played by socket clients (no browser) until ``accepted`` threats are valid, then moved on to
    prioritising by its facilitator: for tests whose subject is the rating screen. Nobody has rated yet.
    ``timing`` as for ``rest_game``."""
    return played_game(url, names, accepted=accepted, timing=timing)


def played_game(url: str, names: list[str], *, accepted: int, timing: dict[str, float | None] | None = None,
                end_play: bool = True, spread: bool = False) -> dict[str, Any]:
    """A game played by socket clients (no browser) until ``accepted`` threats are valid (none being voted on);
    then, with ``end_play``, moved on to prioritising. ``spread`` plays each card on a different one of the
    elements it fits (by turns, a flow every third time it can), not always the first, so the sticky notes land all over the diagram.
    The game's ``threats`` are the ids of those on the diagram (not rejected), ``noted`` how many elements they are on."""
    from server.client import SeatClient, next_move

    game = rest_game(url, names, timing=timing)
    seats = [SeatClient(url, link.split("#token=")[1]).connect() for link in game["links"]]
    played = 0
    try:
        for _ in range(2000):
            view = seats[0].view
            if view["phase"] != "play" and view["phase"] != "setup":
                break
            valid = sum(t["status"] == "accepted" for t in view["threats"])
            # Not while a seat has news it has not acted on since (a vote settled on its threat, say): these
            # clients saw it, but a browser opened on the seat later would first show "while you were away".
            told = not any(seat.view.get("missed") for seat in seats)
            if valid >= accepted and told and not any(t["status"] == "voting" for t in view["threats"]):
                if not end_play:
                    break
                assert seats[0].command("end_play")["ok"]
                continue
            moved = False
            for seat in seats:
                move = next_move(seat.view)
                if move is not None and spread and move[0] == "play_card":
                    targets = seat.view["legal"]["targets"].get(move[1]["card"]) or []
                    flows = {f["id"] for f in seat.view["architecture"]["flows"]}
                    if played % 3 == 0 and any(t in flows for t in targets):  # a flow's notes sit on its arrow
                        targets = [t for t in targets if t in flows]
                    if targets:
                        target = targets[(played * 7) % len(targets)]
                        move = ("play_card", {**move[1], "target": target, "text": f"{move[1]['card']} threatens {target}"})
                if move is not None:
                    ack = seat.command(move[0], **move[1])
                    if not ack["ok"]:
                        seat.sync()  # the view was behind an update in flight
                    moved = moved or ack["ok"]
                    if ack["ok"]:
                        played += move[0] == "play_card"
                        for other in seats:
                            other.wait_version(ack["version"])
            if not moved:
                time.sleep(0.05)
        assert seats[0].view["phase"] == ("rating" if end_play else "play"), (seats[0].view["phase"], [(t["id"], t["status"]) for t in seats[0].view["threats"]])
        noted = [t for t in seats[0].view["threats"] if t["status"] != "rejected"]
        game["threats"] = [t["id"] for t in noted]
        game["noted"] = len({(t["target_kind"], t["target"]) for t in noted})
    finally:
        for seat in seats:
            seat.close()
    return game
