"""Files parsed in real OS threads, a few large ones at a time, so the process's games go on meanwhile.

Under gevent and eventlet every game of a process is served by one thread, the
event loop's. A CloudFormation template at the upload limit keeps cfn-lint's
decoder busy for a second or more, an earlier session's result as large as the
server takes (``previous`` of a new game) for some seconds more, and while
either was parsed in the loop's thread no socket event was handled and no
broadcast went out, in any game (bench/upload_stall.py, docs/benchmarks.md).

A thread rather than a worker process: what the parsers return cannot leave the
process as it is (an architecture read from a template keeps cfn-lint's string
classes, made on the fly and not picklable; a result holds read-only mappings),
so a worker would send it back in a form of our own for the loop to read again,
and would need starting, watching and restarting under three async modes. A
thread runs the same code on the same objects, its errors (``ModelError``)
included. What it costs: the thread and the loop share the interpreter's lock,
which a running thread hands over every switch interval (5 ms), so the games
slow down while a file is parsed instead of stopping; and a parse's memory peak
(some 40 MB for a template at the upload limit, some 240 MB for the largest
result) is this process's, which is why only ``most`` large files are parsed at
once. Those beyond wait for their turn, at most ``waiting`` of them and for at
most ``wait`` seconds; past either, :class:`~server.errors.ServerBusy` (503
``server_busy``, with ``Retry-After``). Small files (every game's usual model)
go to a thread without a turn: they take milliseconds, and must not wait behind
someone's megabyte.

How the work reaches a thread: under gevent, the hub's thread pool; under
eventlet, ``eventlet.tpool``; under threading every request has a thread of its
own already, and the work runs in it.

What a thread must never do is wait for a lock another thread holds. After
monkey-patching, every lock the standard library makes is a green one,
importlib's per-module import locks too, and a green lock waited on across
threads can lose its wake-up (gevent issues #1744 and #2013): the thread then
sleeps for good. On a fresh server, a hundred uploads at once had several
threads import the same modules (the YAML importer, the codec of UTF-8 with a
byte order mark), and now and then one upload was never answered
(docs/benchmarks.md). So ``prepare`` imports, in the loop's thread and before
any file goes to a thread, everything a parse would import on first use; and a
thread that has not returned after ``deadline`` seconds is not waited on for
ever: its request is answered 503 ``server_busy``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from server.errors import ServerBusy
from server.turns import Turns

T = TypeVar("T")

log = logging.getLogger("threatdeck.parse_threads")

SMALL_INPUT = 64 * 1024
"""Bytes up to which a file is parsed without waiting for a turn (its parse takes milliseconds)."""
BUSY_RETRY_AFTER = 5.0
"""Seconds a refused client is told to wait (Retry-After): about the parse of a large file."""


class ThreadTimedOut(Exception):
    """The thread given a piece of work has not returned in time (it is left to finish, if it ever does)."""


def _in_thread(async_mode: str) -> Callable[[Callable[[], Any], float], Any]:
    """How a piece of work is run in a real OS thread under the async mode, its caller waiting cooperatively for
    at most the given seconds (then :class:`ThreadTimedOut`)."""
    if async_mode == "gevent":
        import gevent

        def in_gevent_pool(work: Callable[[], Any], deadline: float) -> Any:
            try:
                return gevent.get_hub().threadpool.spawn(work).get(timeout=deadline)
            except gevent.Timeout:
                raise ThreadTimedOut from None

        return in_gevent_pool
    if async_mode == "eventlet":
        import eventlet
        from eventlet import tpool

        def in_eventlet_pool(work: Callable[[], Any], deadline: float) -> Any:
            timer = eventlet.Timeout(deadline, ThreadTimedOut)
            try:
                return tpool.execute(work)
            finally:
                timer.cancel()

        return in_eventlet_pool
    # The request's own thread, with real locks: nothing to lose a wake-up, and nothing to interrupt it with.
    return lambda work, _deadline: work()


def _caught(work: Callable[[], T]) -> tuple[T | None, Exception | None]:
    """``work()``, with its error returned rather than raised: raised in the pool's thread, the pools may print
    it (eventlet's, unless told to be quiet); the caller raises it in its own thread, as it was."""
    try:
        return work(), None
    except Exception as exc:  # noqa: BLE001 - raised again by the caller, whatever it is
        return None, exc


class ParseThreads:
    """Runs parsers in OS threads; at most ``most`` of them on large files at once (see the module docstring)."""

    def __init__(self, async_mode: str, *, most: int, waiting: int, wait: float, deadline: float,
                 prepare: Callable[[], object] | None = None) -> None:
        self.most = most
        self.waiting = waiting
        self.wait = wait
        self.deadline = deadline
        """Seconds a thread is waited for before its request is refused (503)."""
        if prepare is not None:
            prepare()  # here, in the loop's thread, before any thread can race another to an import
        self._hand_over = _in_thread(async_mode)
        self._turns = Turns(most=most, waiting=waiting, wait=wait, retry_after=BUSY_RETRY_AFTER,
                            busy="the server is busy reading other large files; try again in a few seconds")

    @property
    def running(self) -> int:
        """Large files being parsed now."""
        return self._turns.running

    @property
    def queued(self) -> int:
        """Large files waiting for their turn."""
        return self._turns.queued

    def run(self, size: int, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` in a thread; ``size``, the bytes parsed, decides whether it waits for a turn."""
        if size <= SMALL_INPUT:
            return self._in_thread(functools.partial(work, *args))
        with self._turns.turn():
            return self._in_thread(functools.partial(work, *args))

    def _in_thread(self, work: Callable[[], T]) -> T:
        try:
            value, error = self._hand_over(functools.partial(_caught, work), self.deadline)
        except ThreadTimedOut:
            log.error("a parse thread has not returned after %g s; its request is answered 503 server_busy and "
                      "the thread is left to finish, if it ever does (a thread stuck for good keeps one of the "
                      "pool's threads: restart the server if this repeats)", self.deadline)
            raise ServerBusy("the server could not finish reading the file; try again in a few seconds",
                             retry_after=BUSY_RETRY_AFTER) from None
        if error is not None:
            try:
                raise error
            finally:
                del error  # the traceback holds this frame: no cycle left to the collector
        return cast(T, value)  # None only with an error
