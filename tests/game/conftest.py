"""Fixtures for the game engine's tests (helpers live in gamekit.py)."""

from __future__ import annotations

import pytest
from gamekit import tiny_architecture, tiny_deck

from game.architecture import Architecture
from game.deck import Deck


@pytest.fixture(scope="session")
def arch() -> Architecture:
    """The tiny architecture."""
    return tiny_architecture()


@pytest.fixture(scope="session")
def deck() -> Deck:
    """The tiny 12-card deck."""
    return tiny_deck()
