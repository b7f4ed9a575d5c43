"""The architectures of the uploads this process parsed lately, so that a game created on one is not parsed again.

Someone uploads a file and, seconds later, creates a game on it: the upload's
parse already built the game's :class:`~game.architecture.Architecture`, and a
second parse of the stored document cost the server about 5 % of its CPU under
load, and a second or so of waiting for a template at the upload limit. An
architecture is an immutable value (frozen dataclasses, tuples, read-only
mappings; rules and the engine only read it), so games share one, and with it
the board that :func:`game.board.shared_board` keeps for it (each verdict judged
once for them all).

Only what the repository still has is served: :meth:`RecentUploads.get` takes
the :class:`~server.repository.UploadRecord` just read from it, so an upload
expired or deleted there (or in another process) is refused before this cache
is looked at. A miss (another process parsed it, a restart, an eviction) parses
the stored document under its stored file name, as the upload did.

Bounded twice: at most :data:`MOST` architectures, and at most
:data:`MOST_CHARS` characters of their documents. An architecture takes some 1
to 16 times its document in memory: 16 for a small model, whose fixed part
dominates (7.6 KB of YAML hold 120 KB), 5 to 7 for a template at the upload
limit or the largest one a game takes by default, 12 for a 1 MiB native model of
nothing but short list items. So the cache holds 25 MB at the very worst and
usually a few: two uploads at the default 1 MiB limit, or every ordinary one of
the last minutes. A document larger than the whole budget is not kept.

A miss is parsed once however many ask at the same time (several facilitators
starting games on one upload, a retried request): the first request parses, the
others wait for its architecture, or its error (:meth:`RecentUploads.architecture`).
A template at the upload limit takes a second of CPU; parsed by every request
at once, it took as many seconds as requests, and as many parse turns
(server/parse_threads.py), which other uploads then waited for.

A file uploaded again as it was (the same bytes under the same name: a team
starting its next session from the same template, every table of
bench/load.py) takes the architecture parsed from it lately
(:meth:`RecentUploads.of_document`), kept under the document's SHA-256 and file
name beside the uploads' ids and in the same budget. Parsing is a pure function
of the two, and its games then share one board, whose verdicts, card faces and
stored form are worked out once (bench/tables.py, docs/benchmarks.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import CancelledError, Future

from game.architecture import Architecture
from server.repository import UploadRecord

MOST = 32
"""Entries kept (an upload's id and its document are an entry each): far more uploads than a process sees between
an upload and its game."""
Key = str | tuple[str, str, str]
"""An upload's id, or a document's (type of its body, file name, SHA-256)."""
MOST_CHARS = 2 * 1024 * 1024
"""Characters of their documents kept in all (the weight of an architecture is its document's length)."""


@dataclasses.dataclass(frozen=True)
class Parsed:
    """An upload's architecture, as kept."""

    architecture: Architecture
    chars: int
    """The length of the upload's document: what the entry weighs."""
    expires_at: dt.datetime
    """The upload's expiry: past it the entry is let go (:meth:`RecentUploads.expire`)."""


class RecentUploads:
    """The architectures of the last uploads parsed by this process, by upload id (least recently used leave first).

    Safe under threading, gevent and eventlet: the lock is held only for dictionary
    operations, never across a parse, a database call or a switch; parse
    threads never touch it (an architecture is kept by the request that asked for
    the parse, once it is back). Requests waiting for another's parse wait on a
    :class:`~concurrent.futures.Future`, whose condition is made after serve's
    monkey-patching: under gevent and eventlet the waiting is cooperative.
    """

    def __init__(self, most: int = MOST, most_chars: int = MOST_CHARS) -> None:
        self.most = most
        self.most_chars = most_chars
        self._parsed: OrderedDict[Key, Parsed] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self._parsing: dict[Key, Future[Architecture]] = {}
        """The uploads and documents being parsed now: what a request asking for one of them waits for."""
        self.waiting = 0
        """Requests waiting for another request's parse of the same upload."""

    def __contains__(self, upload_id: object) -> bool:
        with self._lock:
            return upload_id in self._parsed

    def __len__(self) -> int:
        with self._lock:
            return len(self._parsed)

    @property
    def chars(self) -> int:
        """Characters of the documents of the architectures kept."""
        return self._chars

    def keep(self, upload: UploadRecord, architecture: Architecture) -> None:
        """Keep ``architecture``, parsed from ``upload``'s document, letting the least recently used go."""
        with self._lock:
            self._keep(upload.id, len(upload.document), upload.expires_at, architecture)

    def architecture(self, upload: UploadRecord, parse: Callable[[], Architecture]) -> Architecture:
        """The architecture of ``upload``, just read from the repository: kept, or parsed by ``parse`` and kept.

        While a request parses an upload, the others asking for it wait for that parse and get its
        architecture, or raise its error; an error is not kept, so the next request parses again.
        """
        return self._shared(upload.id, len(upload.document), upload.expires_at, parse)

    def of_document(self, data: bytes | str, filename: str, expires_at: dt.datetime,
                    parse: Callable[[], Architecture]) -> Architecture:
        """The architecture of a file being uploaded: the one parsed lately from the same bytes under the same
        name, or ``parse()``'s, kept until ``expires_at`` at the latest (that upload's expiry). Requests
        uploading the same file at once wait for one parse, as in :meth:`architecture`."""
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        # The type too: a JSON body's text and a raw body's bytes are read by the importers each their own way.
        key = (type(data).__name__, filename, hashlib.sha256(raw).hexdigest())
        return self._shared(key, len(data), expires_at, parse)

    def _shared(self, key: Key, chars: int, expires_at: dt.datetime, parse: Callable[[], Architecture]) -> Architecture:
        while True:
            with self._lock:
                kept = self._recall(key)
                if kept is not None:
                    return kept
                pending = self._parsing.get(key)
                if pending is None:
                    pending = self._parsing[key] = Future()
                    break
                self.waiting += 1
            try:
                return pending.result()
            except CancelledError:
                continue  # the request parsing it was stopped before it had an answer: parse here
            finally:
                with self._lock:
                    self.waiting -= 1
        try:
            architecture = parse()
        except Exception as exc:
            with self._lock:
                del self._parsing[key]
            pending.set_exception(exc)
            raise
        except BaseException:
            # Stopped (a greenlet killed, an interrupt) rather than failed: a waiting request parses instead.
            with self._lock:
                del self._parsing[key]
            pending.cancel()
            raise
        with self._lock:
            # In the same hold as the removal: a request coming now finds the architecture, and parses nothing.
            del self._parsing[key]
            self._keep(key, chars, expires_at, architecture)
        pending.set_result(architecture)
        return architecture

    def get(self, upload: UploadRecord) -> Architecture | None:
        """The architecture of ``upload``, just read from the repository (which refuses an expired one), if kept."""
        with self._lock:
            return self._recall(upload.id)

    def forget(self, upload_id: str) -> None:
        """Let an upload's architecture go."""
        with self._lock:
            self._pop(upload_id)

    def expire(self, now: dt.datetime) -> None:
        """Let go of the architectures of uploads past their time (the repository deletes those)."""
        with self._lock:
            for key in [k for k, p in self._parsed.items() if p.expires_at <= now]:
                self._pop(key)

    def clear(self) -> None:
        """Let every architecture go."""
        with self._lock:
            self._parsed.clear()
            self._chars = 0

    def _recall(self, key: Key) -> Architecture | None:
        """The kept architecture of an upload or a document, now the most recently used (the lock held)."""
        parsed = self._parsed.get(key)
        if parsed is None:
            return None
        self._parsed.move_to_end(key)
        return parsed.architecture

    def _keep(self, key: Key, chars: int, expires_at: dt.datetime, architecture: Architecture) -> None:
        if chars > self.most_chars:
            return
        self._pop(key)
        self._parsed[key] = Parsed(architecture, chars, expires_at)
        self._chars += chars
        while len(self._parsed) > self.most or self._chars > self.most_chars:
            self._pop(next(iter(self._parsed)))

    def _pop(self, key: Key) -> None:
        parsed = self._parsed.pop(key, None)
        if parsed is not None:
            self._chars -= parsed.chars
