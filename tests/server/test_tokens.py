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
