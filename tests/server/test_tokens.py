"""Seat tokens and public ids."""

from __future__ import annotations

import pytest

from server import tokens


def test_a_token_matches_only_its_own_digest() -> None:
    t = tokens.new_token()
    assert tokens.well_formed(t) and len(t) == 43
    assert tokens.matches(t, tokens.digest(t)) and not tokens.matches(t, tokens.digest(tokens.new_token()))


def test_an_id_never_starts_with_a_dash_or_underscore(monkeypatch: pytest.MonkeyPatch) -> None:
    """A game id is typed after ``threatdeck export``: one starting with "-" would be read as an option."""
    drawn = iter(["-abcdefghijk", "_abcdefghijk", "Xabcdefghij-"])
    monkeypatch.setattr(tokens.secrets, "token_urlsafe", lambda n: next(drawn))
    assert tokens.new_id() == "Xabcdefghij-"
    monkeypatch.undo()
    ids = [tokens.new_id() for _ in range(2000)]
    assert all(tokens.GAME_ID_PATTERN.match(i) and i[0].isalnum() for i in ids)
    assert len(set(ids)) == len(ids)


def test_logs_hide_whatever_could_be_a_token_and_keep_ids() -> None:
    t = tokens.new_token()
    game, sid = tokens.new_id(), "Ab3dEf6hIj-lMn0pQr_t"  # a game id and a Socket.IO session id stay readable
    cases = {
        f"GET /play/{game}%23token={t} HTTP/1.1": f"GET /play/{game}%23token=*** HTTP/1.1",
        f"GET /play/{game}%23token%3D{t} HTTP/1.1": f"GET /play/{game}%23token%3D*** HTTP/1.1",  # "3D" is no part
        f"GET /socket.io/?EIO=4&sid={sid}&token={t}&t=x HTTP/1.1": f"GET /socket.io/?EIO=4&sid={sid}&token=***&t=x HTTP/1.1",
        f"GET /play/{game}#token={t}trailing": f"GET /play/{game}#token=***",  # a longer run may hold one
        f"'{t}'": "'***'",
    }
    for line, expected in cases.items():
        assert tokens.redact(line) == expected
    assert tokens.redact("GET /assets/index-B4x9_aQz.js HTTP/1.1") == "GET /assets/index-B4x9_aQz.js HTTP/1.1"


def test_the_server_log_format_hides_tokens_in_messages_and_tracebacks() -> None:
    import logging

    from server.access_log import RedactingFormatter

    t = tokens.new_token()
    try:
        raise KeyError(t)
    except KeyError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "GET %s failed", (f"/play/g%23token={t}",),
                                   (type(exc), exc, exc.__traceback__))
    text = RedactingFormatter("%(levelname)s %(message)s").format(record)
    assert t not in text and text.startswith("ERROR GET /play/g%23token=*** failed") and "KeyError: '***'" in text
