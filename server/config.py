"""The server's settings: defaults, environment variables and an explicit mapping.

Precedence, highest first: the mapping given to :func:`server.create_app`, the
environment, the defaults below. Every setting has one name in the Flask config
(``app.config[NAME]``) and, where it is read from the environment, one variable.

Nothing here touches the network; :func:`load` only reads (and, for the secret
key, may write one file in the data folder).
"""

from __future__ import annotations

import dataclasses
import math
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ASYNC_MODES = ("gevent", "eventlet", "threading")
"""The async modes the server supports; gevent is the serving default (see docs/server.md)."""
SQLITE_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
"""SQLite's ``synchronous`` modes."""
REDIS_SCHEMES = ("redis://", "rediss://", "unix://", "redis+sentinel://", "valkey://", "valkeys://")
"""URL schemes python-socketio's Redis manager connects to."""
MAX_CHANNEL = 100
"""Longest Redis channel name."""


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting: its default, the environment variable that overrides it and how to parse it."""

    name: str
    """Key in ``app.config``."""
    default: Any
    """Value when neither the mapping nor the environment sets it."""
    env: str | None
    """Environment variable, or None when the setting is only for code and tests."""
    parse: type = str
    """How to read the environment's string: str, int, float or bool."""
    doc: str = ""
    """One line for docs/server.md."""


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", None, "DATABASE_URL", str,
            "SQLAlchemy URL; default sqlite:///<data dir>/threatdeck.db; 'memory://' keeps games in memory (tests)"),
    Setting("REDIS_URL", None, "REDIS_URL", str,
            "turns on Flask-SocketIO's message queue so several processes share rooms"),
    Setting("REDIS_CHANNEL", "threatdeck", "THREATDECK_REDIS_CHANNEL", str,
            "Redis channel of the message queue: the same on every process of one deployment, another for each "
            "deployment sharing the Redis (channels are not per database number)"),
    Setting("DATA_DIR", "data", "THREATDECK_DATA_DIR", str, "folder for the SQLite database and the secret key"),
    Setting("SECRET_KEY", None, "SECRET_KEY", str, "Flask secret; generated and kept in <data dir>/secret_key when unset"),
    Setting("ASYNC_MODE", "threading", "THREATDECK_ASYNC_MODE", str,
            "gevent, eventlet or threading; `threatdeck serve` defaults to gevent"),
    Setting("AUTO_MIGRATE", True, "THREATDECK_AUTO_MIGRATE", bool, "apply Alembic migrations when the app starts"),
    Setting("BACKGROUND_TASKS", True, "THREATDECK_BACKGROUND_TASKS", bool,
            "run the clock (turn deadlines) and the expiry sweeper"),
    Setting("SQLITE_SYNCHRONOUS", "NORMAL", "THREATDECK_SQLITE_SYNCHRONOUS", str,
            "SQLite PRAGMA synchronous: NORMAL survives a crash of the process, FULL also a power cut"),
    Setting("SNAPSHOT_EVERY", 100, "THREATDECK_SNAPSHOT_EVERY", int,
            "store the whole state every N commands (and at every change of phase); the log has the rest"),
    Setting("PUBLIC_URL", None, "THREATDECK_PUBLIC_URL", str,
            "base of the links handed out (default: the URL the request came in on)"),
    Setting("CORS_ORIGINS", None, "THREATDECK_CORS_ORIGINS", str,
            "comma-separated origins allowed to open a socket; default: same origin only"),
    Setting("TRUSTED_PROXIES", 0, "THREATDECK_TRUSTED_PROXIES", int,
            "how many reverse proxies set X-Forwarded-For (for per-IP limits)"),
    Setting("WEB_DIST", None, "THREATDECK_WEB_DIST", str, "built web client to serve at / (default: web/dist)"),
    Setting("EXAMPLES_DIR", None, "THREATDECK_EXAMPLES_DIR", str,
            "folder of built-in example architectures (default: the repository's examples/)"),
    # limits
    Setting("MAX_UPLOAD_BYTES", 1024 * 1024, "THREATDECK_MAX_UPLOAD_BYTES", int, "largest architecture upload"),
    Setting("MAX_ARCHITECTURE_COMPONENTS", 500, "THREATDECK_MAX_COMPONENTS", int,
            "most components an architecture played in a game may have; also sizes the files the command line reads back"),
    Setting("MAX_ARCHITECTURE_FLOWS", 2_000, "THREATDECK_MAX_FLOWS", int,
            "most data flows an architecture played in a game may have; also sizes the files the command line reads back"),
    Setting("MAX_EVENT_BYTES", 16 * 1024, "THREATDECK_MAX_EVENT_BYTES", int, "largest Socket.IO message, in bytes of UTF-8"),
    Setting("MAX_THREAT_TEXT", 500, "THREATDECK_MAX_THREAT_TEXT", int, "longest threat text, in characters"),
    Setting("MAX_NAME", 40, "THREATDECK_MAX_NAME", int, "longest player name"),
    Setting("RATE_EVENTS_PER_SECOND", 20.0, "THREATDECK_RATE_EVENTS", float, "socket events refilled per second"),
    Setting("RATE_EVENTS_BURST", 60, "THREATDECK_RATE_EVENTS_BURST", int, "socket events a connection may send at once"),
    Setting("RATE_HTTP_PER_SECOND", 5.0, "THREATDECK_RATE_HTTP", float, "API requests refilled per second, per IP"),
    Setting("RATE_HTTP_BURST", 120, "THREATDECK_RATE_HTTP_BURST", int, "API requests an IP may send at once"),
    Setting("RATE_CREATE_PER_MINUTE", 30.0, "THREATDECK_RATE_CREATE", float,
            "uploads and new games refilled per minute, per IP"),
    Setting("RATE_CREATE_BURST", 30, "THREATDECK_RATE_CREATE_BURST", int, "uploads and new games an IP may make at once"),
    Setting("MAX_PARSES", 2, "THREATDECK_MAX_PARSES", int,
            "large files (over 64 KiB: uploads, an earlier session's result) parsed at once, each in a thread; "
            "more wait their turn"),
    Setting("PARSE_QUEUE", 8, "THREATDECK_PARSE_QUEUE", int,
            "large files that may wait for their turn; one more is refused at once (503 server_busy)"),
    Setting("PARSE_WAIT", 30.0, "THREATDECK_PARSE_WAIT", float,
            "seconds a large file waits for its turn at most, up to a day (then 503 server_busy)"),
    Setting("PARSE_TIMEOUT", 60.0, "THREATDECK_PARSE_TIMEOUT", float,
            "seconds a file's parse thread is waited for at most (then 503 server_busy; the thread is left to finish)"),
    Setting("MAX_CREATIONS", 2, "THREATDECK_MAX_CREATIONS", int,
            "uploads, new games and seats being made at once; more wait their turn, so a burst of them does not "
            "hold up the games in play"),
    Setting("CREATION_QUEUE", 1000, "THREATDECK_CREATION_QUEUE", int,
            "uploads, new games and seats that may wait for their turn; one more is refused at once (503 server_busy)"),
    Setting("CREATION_WAIT", 30.0, "THREATDECK_CREATION_WAIT", float,
            "seconds an upload, a new game or a seat waits for its turn at most (then 503 server_busy)"),
    Setting("MAX_CONNECTIONS_PER_IP", 200, "THREATDECK_MAX_CONNECTIONS_PER_IP", int, "open sockets per IP"),
    # time
    Setting("GAME_TTL", 7 * 24 * 3600, "THREATDECK_GAME_TTL", int, "seconds without a move after which a game is deleted"),
    Setting("UPLOAD_TTL", 24 * 3600, "THREATDECK_UPLOAD_TTL", int, "seconds an uploaded architecture is kept unused"),
    Setting("EXPIRY_INTERVAL", 60.0, "THREATDECK_EXPIRY_INTERVAL", float, "seconds between expiry sweeps"),
    Setting("TICK_INTERVAL", 1.0, "THREATDECK_TICK_INTERVAL", float,
            "seconds between clock ticks for turn deadlines and for resending views after a failed broadcast"),
    Setting("PRESENCE_HEARTBEAT", 10.0, "THREATDECK_PRESENCE_HEARTBEAT", float,
            "seconds between a process's presence heartbeats; its seats count as away 3 missed beats after it dies"),
    Setting("FACILITATOR_AWAY_SECONDS", 60.0, "THREATDECK_FACILITATOR_AWAY", float,
            "seconds the facilitator must be away before another seat may take over facilitating"),
    Setting("PING_INTERVAL", 10, "THREATDECK_PING_INTERVAL", int, "Engine.IO ping interval (seconds)"),
    Setting("PING_TIMEOUT", 20, "THREATDECK_PING_TIMEOUT", int, "Engine.IO ping timeout (seconds)"),
)

_BY_NAME = {s.name: s for s in SETTINGS}

BODY_ROOM = 64 * 1024
"""Bytes a request body may have beyond the file it carries: multipart framing, or a new game's other fields."""

_OLD_ENV = {"GAME_TTL": "GAME_TTL"}
"""Environment variables read before the setting had its THREATDECK_ name (still read when that one is unset)."""

POSITIVE = ("MAX_UPLOAD_BYTES", "MAX_EVENT_BYTES", "MAX_THREAT_TEXT", "MAX_NAME", "MAX_ARCHITECTURE_COMPONENTS",
            "MAX_ARCHITECTURE_FLOWS", "MAX_CONNECTIONS_PER_IP", "RATE_EVENTS_PER_SECOND", "RATE_EVENTS_BURST",
            "RATE_HTTP_PER_SECOND", "RATE_HTTP_BURST", "RATE_CREATE_PER_MINUTE", "RATE_CREATE_BURST", "GAME_TTL",
            "UPLOAD_TTL", "EXPIRY_INTERVAL", "TICK_INTERVAL", "PING_INTERVAL", "PING_TIMEOUT", "SNAPSHOT_EVERY",
            "PRESENCE_HEARTBEAT", "MAX_PARSES", "PARSE_WAIT", "PARSE_TIMEOUT", "MAX_CREATIONS", "CREATION_WAIT")
"""Settings that make no sense at zero or below (a zero interval would spin the idle server)."""

CENTURY = 100 * 365 * 24 * 3600
DAY = 24 * 3600
LARGEST = {
    # Expiry times are dates: a TTL far past a century overflowed them and failed every new game.
    "GAME_TTL": CENTURY, "UPLOAD_TTL": CENTURY,
    # Sleeps of the background tasks and Engine.IO's heartbeat: the sleep itself, or a browser's timer (past
    # 24.8 days it fires at once), fails long before the number does.
    "TICK_INTERVAL": DAY, "EXPIRY_INTERVAL": DAY, "PRESENCE_HEARTBEAT": DAY, "PING_INTERVAL": DAY,
    "PING_TIMEOUT": DAY, "PARSE_TIMEOUT": DAY, "CREATION_WAIT": DAY,
    # How long a large upload waits for a parse turn: past the longest wait a lock takes, an upload that had to
    # wait failed with a 500 (an OverflowError) instead of the server refusing to start; nobody waits a day.
    "PARSE_WAIT": DAY,
}
"""Upper bounds, in seconds, of the settings that stop working past one."""


class ConfigError(ValueError):
    """A setting has a value the server cannot use; the message names it."""


def _parse(setting: Setting, raw: Any, label: str | None = None) -> Any:
    """The value of ``raw`` for the setting; a :class:`ConfigError` names it as ``label`` (default: its name)."""
    name = label or setting.name
    if raw is None:
        return None
    if setting.parse is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name}: expected true or false, got {raw!r}")
    if setting.parse is int:
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if setting.parse is float:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: expected a number, got {raw!r}") from None
        if not math.isfinite(value):  # nan passed every range check below; inf overflows the sleeps
            raise ConfigError(f"{name}: expected a finite number, got {raw!r}")
        return value
    return str(raw)


def load(mapping: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """All settings, resolved: mapping over environment over defaults.

    Keys of ``mapping`` that are not settings (``TESTING``, Flask's own) are passed through.
    """
    env = os.environ if environ is None else environ
    given = dict(mapping or {})
    out: dict[str, Any] = {}
    read_from: dict[str, str] = {}
    """The environment variable each setting was read from: a problem is named as the operator wrote it."""
    for s in SETTINGS:
        if s.name in given:
            raw = given.pop(s.name)
        elif s.env and env.get(s.env) not in (None, ""):
            raw = env[s.env]
            read_from[s.name] = s.env
        elif s.name in _OLD_ENV and env.get(_OLD_ENV[s.name]) not in (None, ""):
            raw = env[_OLD_ENV[s.name]]
            read_from[s.name] = _OLD_ENV[s.name]
        else:
            out[s.name] = s.default
            continue
        out[s.name] = _parse(s, raw, read_from.get(s.name))
    out.update(given)
    try:
        _check(out)
    except _Problem as problem:
        raise ConfigError(f"{read_from.get(problem.name, problem.name)}: {problem.text}") from None
    data_dir = Path(out["DATA_DIR"]).expanduser()  # "~/threatdeck" from a unit file or --data-dir=~/…: no shell expands it
    out["DATA_DIR"] = str(data_dir)
    if not out["DATABASE_URL"]:
        out["DATABASE_URL"] = f"sqlite:///{(data_dir / 'threatdeck.db').resolve()}"
    if not out.get("SECRET_KEY"):
        out["SECRET_KEY"] = persistent_secret(data_dir) if not out.get("TESTING") else secrets.token_hex(32)
    return out


class _Problem(Exception):
    def __init__(self, name: str, text: str) -> None:
        super().__init__(name, text)
        self.name, self.text = name, text


def _check(out: Mapping[str, Any]) -> None:
    """Raise :class:`_Problem` for the first setting out of its range."""
    if out["ASYNC_MODE"] not in ASYNC_MODES:
        raise _Problem("ASYNC_MODE", f"expected one of {', '.join(ASYNC_MODES)}, got {out['ASYNC_MODE']!r}")
    for name in POSITIVE:
        if out[name] <= 0:
            raise _Problem(name, f"must be positive, got {out[name]!r}")
    for name, largest in LARGEST.items():
        if out[name] > largest:
            raise _Problem(name, f"must be at most {largest} (seconds), got {out[name]!r}")
    for name in ("PARSE_QUEUE", "CREATION_QUEUE"):  # zero is allowed: refuse at once what cannot be done now
        if out[name] < 0:
            raise _Problem(name, f"must be zero or more, got {out[name]!r}")
    if out["FACILITATOR_AWAY_SECONDS"] < 0:  # zero is allowed: take over as soon as the facilitator is gone
        raise _Problem("FACILITATOR_AWAY_SECONDS", f"must be zero or more, got {out['FACILITATOR_AWAY_SECONDS']!r}")
    if out["TRUSTED_PROXIES"] < 0:  # ProxyFix would read the wrong end of X-Forwarded-For, or past it (a 500)
        raise _Problem("TRUSTED_PROXIES", f"must be zero or more, got {out['TRUSTED_PROXIES']!r}")
    public = urlsplit(str(out.get("PUBLIC_URL") or "https://x"))
    if public.scheme not in ("http", "https") or not public.netloc:
        # "threatdeck.example.com" gave invite links (and their QR codes) without a scheme: not links at all.
        raise _Problem("PUBLIC_URL", f"expected an http:// or https:// URL, got {out['PUBLIC_URL']!r}")
    redis_url = str(out.get("REDIS_URL") or "")
    if redis_url and not redis_url.startswith(REDIS_SCHEMES):
        # Only the scheme is repeated: the rest of the URL may hold a password.
        got = f"a {redis_url.split('://', 1)[0]}:// URL" if "://" in redis_url else "no URL scheme"
        raise _Problem("REDIS_URL", f"expected a redis:// or rediss:// URL, got {got}")
    channel = str(out["REDIS_CHANNEL"])
    if not 0 < len(channel) <= MAX_CHANNEL or not channel.isprintable() or any(c.isspace() for c in channel):
        # Shown in logs and typed into every process's settings: a name, not arbitrary bytes.
        raise _Problem("REDIS_CHANNEL", f"expected 1 to {MAX_CHANNEL} printable characters without spaces, "
                                        f"got {channel!r}")
    if str(out["SQLITE_SYNCHRONOUS"]).upper() not in SQLITE_SYNCHRONOUS:
        raise _Problem("SQLITE_SYNCHRONOUS", f"expected one of {', '.join(SQLITE_SYNCHRONOUS)}, "
                                             f"got {out['SQLITE_SYNCHRONOUS']!r}")


def game_size(environ: Mapping[str, str] | None = None) -> tuple[int, int]:
    """(MAX_ARCHITECTURE_COMPONENTS, MAX_ARCHITECTURE_FLOWS) from the environment or the defaults.

    For the command line: it reads back what threatdeck wrote about games this large, and needs no other
    setting (:func:`load` would also create a secret key).
    """
    env = os.environ if environ is None else environ
    sizes = []
    for name in ("MAX_ARCHITECTURE_COMPONENTS", "MAX_ARCHITECTURE_FLOWS"):
        s = _BY_NAME[name]
        raw = env.get(s.env or "")
        try:
            value = s.default if raw in (None, "") else _parse(s, raw)
        except ConfigError:
            raise ConfigError(f"{s.env}: expected a whole number, got {raw!r}") from None
        if value <= 0:
            raise ConfigError(f"{s.env}: must be positive, got {value!r}")
        sizes.append(int(value))
    return sizes[0], sizes[1]


def max_result_bytes(config: Mapping[str, Any]) -> int:
    """Largest earlier session's result a new game takes (``previous`` of ``POST /api/games``).

    A game's JSON export lists every finding and holds the whole model, so it is several times the model's size
    (past MAX_UPLOAD_BYTES at about 120 components): the limit follows the game size settings, as the command
    line's read limit does, so the export of any game this server plays comes back in.
    """
    from game.importers import max_file_bytes

    sizes = int(config["MAX_ARCHITECTURE_COMPONENTS"]), int(config["MAX_ARCHITECTURE_FLOWS"])
    return max(int(config["MAX_UPLOAD_BYTES"]), max_file_bytes(*sizes))


def uses_data_dir(config: Mapping[str, Any]) -> bool:
    """Whether the database lives in the data folder (the embedded default)."""
    url = str(config["DATABASE_URL"])
    return url.startswith("sqlite:///") and url != "sqlite:///:memory:"


def persistent_secret(data_dir: Path) -> str:
    """The secret key kept in ``<data dir>/secret_key``, created (mode 0600) on first use."""
    path = data_dir / "secret_key"
    try:
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    tmp = data_dir / f".secret_key.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    try:
        os.link(tmp, path)  # atomic: the first process to start wins, the others read its key
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    finally:
        tmp.unlink()
    return key


def setting(name: str) -> Setting:
    """The definition of one setting (for docs and tests)."""
    return _BY_NAME[name]
