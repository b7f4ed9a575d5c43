"""Games on the same architecture and deck share one board (game/board.py), and under ``--async-mode threading``
requests use it from several real threads at once: every answer must be the one a board of its own gives."""

from __future__ import annotations

import dataclasses
import random
import threading

from game.architecture import Architecture
from game.board import Board, shared_board
from game.deck import Deck
from game.predicates import Truth

COPIES = 24
"""Architectures played on: more than shared_board keeps, so boards are let go and made again while in use."""
THREADS = 4
ROUNDS = 50_000


def ranking(board: Board, card_id: str) -> tuple[str, ...]:
    """The card's targets, those its rule holds on first (a bot's kind of ranking, kept in the board's memo)."""
    card = board.cards[card_id]
    order = {Truth.HOLDS: 0, Truth.UNKNOWN: 1, Truth.DOES_NOT_HOLD: 2}
    return tuple(s.id for s in sorted(board.targets(card), key=lambda s: order[board.judge(card, s).truth]))


def test_threads_sharing_boards_get_the_answers_of_a_board_of_their_own(arch: Architecture, deck: Deck,
                                                                           switching_often: None) -> None:
    copies = [dataclasses.replace(arch, name=f"copy {i}") for i in range(COPIES)]
    fresh = Board(arch, deck)
    targets = {c.id: fresh.targets(c) for c in deck.cards}
    verdicts = {(c.id, s.id): fresh.judge(c, s) for c in deck.cards for s in targets[c.id]}
    rankings = {c.id: ranking(fresh, c.id) for c in deck.cards}
    pairs = sorted(verdicts)
    wrong: list[str] = []

    def play(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(ROUNDS):
                architecture = rng.choice(copies)
                board = shared_board(architecture, deck)
                if board.architecture is not architecture or board.deck is not deck:
                    wrong.append(f"a board for {board.architecture.name}, asked for {architecture.name}")
                card_id, subject_id = rng.choice(pairs)
                card = board.cards[card_id]
                if board.targets(card) != targets[card_id]:
                    wrong.append(f"targets of {card_id}")
                subject = next(s for s in board.targets(card) if s.id == subject_id)
                if board.judge(card, subject) != verdicts[card_id, subject_id]:
                    wrong.append(f"verdict of {card_id} on {subject_id}")
                if board.memo(("ranking", card_id), lambda: ranking(board, card_id)) != rankings[card_id]:
                    wrong.append(f"ranking of {card_id}")
        except Exception as exc:  # noqa: BLE001 - an error in a thread is an answer too, and a wrong one
            wrong.append(repr(exc))

    threads = [threading.Thread(target=play, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong, wrong[:5]
