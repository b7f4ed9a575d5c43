"""The card decks as data (``cards/decks/*.yaml``) and their loader.

>>> deck = load_deck()
>>> len(deck) >= 48
True
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from cards.schema import InvalidCardData, parse_deck
from game.deck import Deck

DEFAULT_DECK = "serverless-stride"

__all__ = ["DEFAULT_DECK", "InvalidCardData", "available_decks", "load_deck", "parse_deck"]


def available_decks() -> list[str]:
    """Names of the decks shipped in the package."""
    folder = resources.files("cards") / "decks"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


@lru_cache(maxsize=8)
def load_deck(name: str = DEFAULT_DECK) -> Deck:
    """Load and check a shipped deck by name; raise :class:`InvalidCardData` naming the bad card."""
    if name not in available_decks():
        raise InvalidCardData(f"no deck named {name!r}; shipped decks: {', '.join(available_decks())}")
    text = (resources.files("cards") / "decks" / f"{name}.yaml").read_text(encoding="utf-8")
    return parse_deck(text, f"cards/decks/{name}.yaml")
