"""Whatever players type — names, threats, sticky notes — is shown as text and never runs."""

from __future__ import annotations

from typing import Any

from ui_steps import on_turn_page, open_seat, play_turn, rest_game, start, wait_until

NAME = "<img src=x onerror=__pwned=1>Kim"  # names have at most 40 characters
OTHER = "<script>__pwned=2</script>Doug"
THREAT = ('<script>window.__pwned=3</script><img src="x" onerror="window.__pwned=4">'
          '<b>bold</b> & "quotes" <a href="javascript:window.__pwned=5">link</a>')
NOTE = '<svg onload="window.__pwned=6"><circle r=5></svg><iframe src="javascript:window.__pwned=7"></iframe>'


def _nothing_ran(page: Any) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined", "a payload ran"
    injected = page.evaluate("""() => ({
        img: document.querySelectorAll('img[src="x"], img[onerror]').length,
        script: [...document.scripts].filter(s => !s.src).length,
        svg: document.querySelectorAll('svg[onload]').length,
        iframe: document.querySelectorAll('iframe').length,
        bold: document.querySelectorAll('#feed b, #votes b, .note-popover b').length,
        link: document.querySelectorAll('a[href^="javascript:"]').length,
    })""")
    assert injected == {"img": 0, "script": 0, "svg": 0, "iframe": 0, "bold": 0, "link": 0}, injected


def test_script_and_html_payloads_show_as_plain_text(web_server: Any, new_page: Any) -> None:
    game = rest_game(web_server.url, [NAME, OTHER, "Sam"])
    pages = [new_page(1280, 800) for _ in game["links"]]
    for page, link in zip(pages, game["links"]):
        open_seat(page, link)
    watcher = new_page(1280, 800)
    watcher.goto(game["watch"])
    watcher.wait_for_selector("body[data-ready=table]")
    start(pages[0], pages + [watcher])

    mover = on_turn_page(pages)
    play_turn(mover, text=THREAT)
    # A free sticky note, from someone not on turn, which goes to the vote (so it shows in every prompt).
    other = next(p for p in pages if p is not mover)
    other.click("#add-note")
    other.wait_for_selector("#composer:not([hidden])")
    other.locator("#composer .target-option").first.click()
    other.locator("#composer .suit-radio").first.click()
    other.fill("#composer .threat-input", NOTE)
    other.click("#composer button.primary")
    other.wait_for_selector("#composer", state="hidden")

    for page in pages + [watcher]:
        wait_until(lambda page=page: page.locator("#feed .feed-item").count() >= 2, what="both threats in the feed")
        feed = page.locator("#feed").inner_text()
        assert THREAT in feed and NOTE in feed, "the payloads are shown literally"
        board = page.locator("#scoreboard").inner_text()
        assert NAME in board and OTHER in board, "names are shown literally"
        _nothing_ran(page)

    # Not the mover: their own verdict stays over the top of the diagram (until they close it), on the note.
    voter = next(p for p in pages if p is not other and p is not mover)
    wait_until(lambda: voter.locator("#votes blockquote").count() > 0, what="the vote prompt")
    assert NOTE in voter.locator("#votes blockquote").first.inner_text()
    # The sticky note on the diagram, opened.
    voter.locator("#diagram .note").first.click()
    voter.wait_for_selector(".note-popover:not([hidden])")
    popover = voter.locator(".note-popover").inner_text()
    assert THREAT in popover or NOTE in popover
    for page in pages + [watcher]:
        _nothing_ran(page)
    assert web_server.errors() == []
