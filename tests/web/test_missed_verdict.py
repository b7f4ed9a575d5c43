"""A threat's finder has no vote on it: when the others decide it while the finder's page is closed, the finder is
told on return (the threat's text as typed, shown as text), once; and a finder who saw it decided is not told
again after a reload."""

from __future__ import annotations

from typing import Any

from ui_steps import open_seat, rest_game, version, wait_until

from server.client import SeatClient

# Markup in a player's text must reach the page as the characters typed.
TEXT = "<b>Replayed</b> tokens & <img src=x onerror=alert(1)> pass as another user."


def _token(game: dict[str, Any], seat: int) -> str:
    return str(game["links"][seat].split("#token=")[1])


def _notice(page: Any) -> str:
    verdict = page.locator("#verdict")
    return "" if verdict.is_hidden() else verdict.inner_text()


def _decide(url: str, game: dict[str, Any]) -> int:
    """Kim and Sam vote yes on Doug's T1 (two of two ballots: accepted); returns the version it leaves."""
    kim, sam = SeatClient(url, _token(game, 0)).connect(), SeatClient(url, _token(game, 2)).connect()
    try:
        assert kim.command("vote", threat="T1", accept=True)["ok"]
        assert sam.command("vote", threat="T1", accept=True)["ok"]
        assert sam.wait_for(lambda: sam.view["threats"][0]["status"] == "accepted")
        return int(sam.view["version"])
    finally:
        kim.close()
        sam.close()


def _found(url: str, game: dict[str, Any]) -> None:
    """Kim starts the game, and Doug adds T1 from a socket that then goes."""
    kim, doug = SeatClient(url, _token(game, 0)).connect(), SeatClient(url, _token(game, 1)).connect()
    try:
        assert kim.command("start")["ok"]
        assert doug.command("add_threat", target="HrApi", suit="S", text=TEXT)["ok"]
    finally:
        kim.close()
        doug.close()


def test_the_vote_on_your_threat_decided_while_away_is_told_on_return(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    _found(web_server.url, game)
    _decide(web_server.url, game)  # while nobody is on Doug's seat

    back = new_page()
    open_seat(back, game["links"][1])
    back.wait_for_selector("#verdict:not([hidden]) .missed-verdicts li")
    text = _notice(back)
    assert "Your threat was decided while you were away" in text
    assert "The others voted on your threat:" in text
    assert f"T1 · HR API: {TEXT} — accepted by the vote, 2 to 0: a point for you." in text, text
    assert back.locator("#verdict img, #verdict b").count() == 0  # the markup stayed text
    assert "A vote was decided without your ballot" not in text  # it had none to cast
    wait_until(lambda: "The others voted on your threat: T1 accepted." in back.locator("#live").inner_text(),
               what="the live region to say it")

    back.locator("#verdict [data-role=ok]").click()
    assert back.locator("#verdict").is_hidden()
    back.reload()  # closed: told once
    back.wait_for_selector("body[data-ready=table]")
    assert "decided while you were away" not in _notice(back).lower()


def test_a_finder_who_saw_the_vote_decided_is_not_told_again_after_a_reload(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, ["Kim", "Doug", "Sam"])
    _found(web_server.url, game)
    here = new_page()
    open_seat(here, game["links"][1])  # Doug is at the table while the others vote
    settled = _decide(web_server.url, game)
    wait_until(lambda: version(here) >= settled, timeout=30, what="the vote's outcome to reach Doug's page")

    here.reload()  # the whole view still lists it (Doug has not acted since), but this page saw it happen
    here.wait_for_selector("body[data-ready=table]")
    assert "decided while you were away" not in _notice(here).lower()
