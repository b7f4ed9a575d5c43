"""The rating screen (prioritising): what each player sees while rating the valid threats."""

from __future__ import annotations

from typing import Any

from ui_steps import confirm, open_seat, rate_everything, rating_game, wait_until


def test_a_long_rating_list_scrolls_in_its_box_not_the_page_into_blank_space(web_server: Any, new_page: Any) -> None:
    game = rating_game(web_server.url, ["Kim", "Doug", "Sam"], accepted=8)
    doug = new_page(1440, 900)
    open_seat(doug, game["links"][1])
    doug.wait_for_selector("#rating .rating-item")
    # More threats than the dock shows: the list scrolls inside the dock…
    assert doug.evaluate("(() => { const d = document.querySelector('.dock'); return d.scrollHeight > d.clientHeight; })()")
    # …and the table stays a screen high: the page itself has nothing below it to scroll to (the scales' hidden
    # radio buttons used to sit outside the dock's box, making the page as long as the whole list, empty).
    assert doug.evaluate("document.scrollingElement.scrollHeight <= window.innerHeight")
    doug.mouse.move(700, 700)
    doug.mouse.wheel(0, 3000)
    wait_until(lambda: doug.evaluate("document.querySelector('.dock').scrollTop") > 0, what="the dock to scroll")
    assert doug.evaluate("window.scrollY") == 0
    # The last threat is rated from there.
    last = doug.locator("#rating .rating-item").last
    last.locator(".scale").nth(0).locator("label").nth(1).click()
    last.locator(".scale").nth(1).locator("label").nth(2).click()
    wait_until(lambda: "rated" in (doug.locator("#rating .rating-item").last.get_attribute("class") or ""), what="the rating recorded")
    assert doug.evaluate("window.scrollY") == 0


def test_finishing_rating_from_the_keyboard_keeps_the_focus_on_the_rating_screen(web_server: Any, new_page: Any) -> None:
    game = rating_game(web_server.url, ["Kim", "Doug", "Sam"], accepted=2)
    doug = new_page(1440, 900)
    open_seat(doug, game["links"][1])
    doug.wait_for_selector("#finish-rating")
    doug.focus("#finish-rating")
    doug.keyboard.press("Enter")  # skip the rest
    doug.wait_for_selector("#rating >> text=You're done. Waiting for the others")
    # The button is gone with what it did: the focus is on what says so, not dropped to the page.
    wait_until(lambda: doug.evaluate("!!document.activeElement.closest('#rating')"), timeout=3, what="the focus on the rating screen")
    assert "You're done" in doug.evaluate("document.activeElement.textContent")


def test_once_done_rating_a_player_sees_the_ratings_kept_and_cannot_change_them(web_server: Any, new_page: Any) -> None:
    """The scales stayed live after "I'm done": a click was refused by the server, yet its radio stayed chosen,
    beside the risk of the rating the server kept."""
    game = rating_game(web_server.url, ["Kim", "Doug", "Sam"], accepted=2)
    doug = new_page(1440, 900)
    open_seat(doug, game["links"][1])
    item = doug.locator("#rating .rating-item").first
    item.locator(".scale").nth(0).locator("label").nth(2).click()  # likelihood 3
    item.locator(".scale").nth(1).locator("label").nth(3).click()  # impact 4
    wait_until(lambda: "risk 12" in doug.locator("#rating .rating-item").first.inner_text(), what="the rating recorded")
    doug.click("#finish-rating")
    doug.wait_for_selector("#rating >> text=You're done. Waiting for the others")
    item = doug.locator("#rating .rating-item").first
    item.locator(".scale").nth(0).locator("label").nth(4).click(force=True)  # likelihood 5, as a late change of mind
    doug.wait_for_timeout(500)
    checked = doug.evaluate("[...document.querySelectorAll('#rating .rating-item:first-child input:checked')].map((i) => i.value)")
    assert checked == ["3", "4"], checked
    assert "risk 12" in item.inner_text()
    assert doug.locator("#verdict").is_hidden(), doug.locator("#verdict").inner_text()  # no refusal to read
    assert item.locator("input[type=radio]:enabled").count() == 0


def test_a_rating_that_waits_only_for_a_laptop_asleep_names_it_and_lets_the_facilitator_end(web_server: Any, new_page: Any) -> None:
    """Everyone in the room was done, and the table waited for the rating time box with "Waiting for the others…":
    nobody said for whom, and the facilitator had only the general End game to guess at."""
    game = rating_game(web_server.url, ["Kim", "Doug", "Sam"], accepted=2)
    kim, doug = new_page(1280, 800), new_page(390, 844)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])  # Sam's laptop is asleep: his seat never connects
    for page in (kim, doug):
        page.click("#finish-rating")
        page.wait_for_selector("#rating >> text=You're done")
    for page in (kim, doug):
        wait_until(lambda p=page: "Still rating: Sam (away)." in p.locator("#rating-wait").inner_text(), what="whom the table waits for")
        assert page.locator(".scoreboard li[data-seat='1'] .hand-size").inner_text() == "done"
        assert page.locator(".scoreboard li[data-seat='2'] .hand-size").inner_text() == "rating…"
    assert doug.locator("#end-rating-now").count() == 0, "only the facilitator ends the game"
    kim.click("#end-rating-now")
    confirm(kim, "End the game")
    for page in (kim, doug):
        page.wait_for_selector("body[data-phase=ended]")


def test_a_player_who_rated_every_threat_counts_as_done_on_the_scoreboard(web_server: Any, new_page: Any) -> None:
    """The engine counts a seat that rated every threat as done, but the scoreboard said "rating…" until it also
    pressed "I'm done"."""
    game = rating_game(web_server.url, ["Kim", "Doug", "Sam"], accepted=1)
    kim, doug = new_page(1280, 800), new_page(1280, 800)
    open_seat(kim, game["links"][0])
    open_seat(doug, game["links"][1])
    doug.wait_for_selector("#rating .rating-item")
    rate_everything(doug, seed=2)  # without pressing "I'm done"
    wait_until(lambda: kim.locator(".scoreboard li[data-seat='1'] .hand-size").inner_text() == "done", what="Doug done on Kim's scoreboard")
    assert "Still rating: Sam (away)." in kim.locator("#rating-wait").inner_text()
    assert "Doug" not in kim.locator("#rating-wait").inner_text()


def test_a_spectator_follows_the_rating_without_seeing_a_rating(web_server: Any, new_page: Any) -> None:
    """The spectator link (a manager, a newcomer on the shared screen) showed nothing of prioritising: the rating
    list was in the players' dock only. It shows the threats and how far the table is, never how anyone rated."""
    import requests

    game = rating_game(web_server.url, ["Kim", "Doug"], accepted=2)
    watcher = new_page(1280, 800)
    watcher.goto(game["watch"])
    watcher.wait_for_selector("body[data-phase=rating]")
    rating = watcher.locator("#rating")
    rating.locator(".rating-item").first.wait_for()
    assert rating.is_visible()
    public = requests.get(f"{web_server.url}/api/games/{game['game_id']}", timeout=10).json()["view"]
    accepted = [t["id"] for t in public["threats"] if t["status"] == "accepted"]
    assert [i.get_attribute("data-threat") for i in rating.locator(".rating-item").all()] == accepted
    assert "The team is rating the threats" in rating.inner_text()
    assert "Still rating: Kim (away), Doug (away)." in watcher.locator("#rating-wait").inner_text()
    assert rating.locator("input").count() == 0  # nothing to rate, nothing to finish
    assert watcher.locator("#finish-rating").count() == 0

    doug = new_page(1440, 900)
    open_seat(doug, game["links"][1])
    first = doug.locator("#rating .rating-item").first
    threat = first.get_attribute("data-threat")
    first.locator(".scale").nth(0).locator("label").nth(3).click()  # likelihood 4
    first.locator(".scale").nth(1).locator("label").nth(4).click()  # impact 5
    wait_until(lambda: "risk 20" in doug.locator("#rating .rating-item").first.inner_text(), what="Doug's rating recorded")
    doug.click("#finish-rating")  # done, with one rated

    item = watcher.locator(f'#rating .rating-item[data-threat="{threat}"]')
    wait_until(lambda: "1 ratings so far" in item.inner_text(), what="the spectator to see the rating counted")
    wait_until(lambda: "Still rating: Kim (away)." in watcher.locator("#rating-wait").inner_text(), what="Doug done")
    text = watcher.locator("#rating").inner_text()
    assert "risk" not in text.replace("risk = likelihood", "") and "20" not in text
    public = requests.get(f"{web_server.url}/api/games/{game['game_id']}", timeout=10).json()["view"]
    rated = next(t for t in public["threats"] if t["id"] == threat)
    assert rated["ratings"] == {"count": 1} and public["mine"] is None and public["missed"] is None
