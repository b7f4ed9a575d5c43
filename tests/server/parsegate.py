"""A parse held open on purpose, and the threads of other users' requests, for the tests of turn-taking."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from game.importers import load_architecture

HELD = "held.yaml"
"""The file name whose parse waits for :meth:`Gate.open`."""


class Gate:
    """``load_architecture`` as the server calls it, recording when each parse starts and ends; the parse of a
    file named :data:`HELD` waits, once started, until :meth:`open` (at most 10 s), holding its request's turn."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []
        self.held = threading.Event()
        self._open = threading.Event()

    def parse(self, data: bytes | str, source: str) -> Any:
        self.log.append(("start", source))
        if source == HELD:
            self.held.set()
            self._open.wait(10)
        self.log.append(("end", source))
        return load_architecture(data, source)

    def open(self) -> None:
        self._open.set()

    @property
    def parsed(self) -> list[str]:
        """The files whose parse has ended, in that order."""
        return [source for step, source in self.log if step == "end"]


def in_background(call: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run ``call`` in a thread (a request of another user); its answer lands in the list."""
    answers: list[Any] = []
    thread = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    thread.start()
    return thread, answers


def soon(condition: Callable[[], bool]) -> bool:
    """Whether ``condition()`` comes true within 10 s."""
    give_up = time.monotonic() + 10
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.005)
    return True
