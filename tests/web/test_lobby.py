"""The lobby's Game created panel: the links the facilitator shares."""

from __future__ import annotations

from typing import Any

from ui_steps import ROOT, create_game, wait_until


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


def test_the_upload_limit_the_lobby_states_and_checks_is_the_servers(start_web_server: Any, new_page: Any,
                                                                      tmp_path: Any) -> None:
    server = start_web_server(THREATDECK_MAX_UPLOAD_BYTES=str(3 * 1024))
    page = new_page(1280, 800)
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready=lobby]")
    page.check("input[name=arch-source][value=file]")
    assert "up to 3 KB" in page.locator("fieldset.source").first.inner_text()
    big = tmp_path / "big.yaml"
    big.write_text("name: Big\n" + "# padding\n" * 400)  # 4 KB: more than this server takes
    page.set_input_files("#arch-file", str(big))
    page.fill("#host-name", "Kim")
    page.click("#create-game")
    wait_until(lambda: page.locator("p.error[role=alert]").first.is_visible(), what="the error")
    assert "larger than 3 KB, the most this server takes" in page.locator("p.error[role=alert]").first.inner_text()


def test_an_earlier_session_larger_than_an_upload_is_taken(start_web_server: Any, new_page: Any, tmp_path: Any) -> None:
    # A game's JSON export is several times its model: the lobby held it to the upload limit (1 MiB by default,
    # passed at about 120 components). Its own limit follows the game size settings, and the lobby says it.
    from pathlib import Path

    from server.cli import main as cli

    first = tmp_path / "session1.threatdeck.json"
    before = Path(__file__).resolve().parents[2] / "examples" / "leejames-hr" / "before.yaml"
    assert cli(["play", str(before), "--players", "3", "--seed", "4", "--result", str(first)]) == 0
    assert first.stat().st_size > 3 * 1024
    server = start_web_server(THREATDECK_MAX_UPLOAD_BYTES=str(3 * 1024))
    page = new_page(1280, 900)
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready=lobby]")
    assert "up to 40.2 MB" in page.locator("label.field", has=page.locator("#previous-result")).inner_text()
    page.set_input_files("#previous-result", str(first))
    links = create_game(page, server.url, "Kim", example="leejames-hr/after", reload=False)
    assert links["game_id"]


def test_a_file_under_the_upload_limit_is_taken_whatever_it_holds(start_web_server: Any, new_page: Any,
                                                                   tmp_path: Any) -> None:
    """The lobby sent the file as a JSON string: its quotes and line breaks, escaped, made a file under the
    limit it states ("up to 200 KB") a request over what the server reads, refused as larger than the limit."""
    server = start_web_server(THREATDECK_MAX_UPLOAD_BYTES=str(200 * 1024))
    model = (ROOT / "examples" / "leejames-hr" / "before.yaml").read_text(encoding="utf-8")
    padding = '# "a" "b" "c" "d" "e" "f" "g" "h"\n'  # a comment: half of it escaped in JSON
    big = tmp_path / "commented.yaml"
    big.write_text(model + padding * ((195 * 1024 - len(model.encode())) // len(padding)), encoding="utf-8")
    assert 190 * 1024 < big.stat().st_size <= 200 * 1024
    page = new_page(1280, 800)
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready=lobby]")
    page.check("input[name=arch-source][value=file]")
    assert "up to 200 KB" in page.locator("fieldset.source").first.inner_text()
    page.set_input_files("#arch-file", str(big))
    page.fill("#host-name", "Kim")
    page.click("#create-game")
    page.wait_for_selector("#created:not([hidden]), p.error[role=alert]:visible")
    assert page.locator("#created").is_visible(), page.locator("p.error[role=alert]").first.inner_text()


def test_the_practice_invitation_names_the_example_it_is_played_on(start_web_server: Any, new_page: Any,
                                                                   tmp_path: Any) -> None:
    """It named the LeeJames HR system, whichever examples the server had: with its own folder, the practice game
    was played on another system than the one promised."""
    folder = tmp_path / "own-examples" / "payroll"
    folder.mkdir(parents=True)
    text = (ROOT / "examples" / "leejames-hr" / "before.yaml").read_text()
    name = next(line.split(":", 1)[1].strip().strip('"') for line in text.splitlines() if line.startswith("name:"))
    (folder / "v1.yaml").write_text(text.replace(f"name: {name}", "name: Payroll v1", 1))
    server = start_web_server(THREATDECK_EXAMPLES_DIR=str(tmp_path / "own-examples"))
    page = new_page()
    page.goto(server.url)
    invitation = page.locator("section.practice p").first
    invitation.wait_for()
    assert "on Payroll v1 against three bots" in invitation.inner_text(), invitation.inner_text()
    assert "LeeJames" not in invitation.inner_text()
