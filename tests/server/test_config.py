"""Settings: mapping over environment over defaults; the secret key kept in the data folder; the layering rule."""

from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest

from server import config


def test_a_mapping_beats_the_environment_which_beats_the_defaults(tmp_path: Path) -> None:
    env = {"GAME_TTL": "60", "THREATDECK_MAX_THREAT_TEXT": "200", "THREATDECK_DATA_DIR": str(tmp_path)}
    s = config.load({"GAME_TTL": 30}, environ=env)
    assert s["GAME_TTL"] == 30 and s["MAX_THREAT_TEXT"] == 200 and s["MAX_NAME"] == 40
    assert s["DATABASE_URL"] == f"sqlite:///{(tmp_path / 'threatdeck.db').resolve()}"
    assert s["ASYNC_MODE"] == "threading" and s["REDIS_URL"] is None


@pytest.mark.parametrize("given,problem", [
    ({"ASYNC_MODE": "asyncio"}, "ASYNC_MODE"),
    ({"GAME_TTL": "soon"}, "GAME_TTL"),
    ({"AUTO_MIGRATE": "perhaps"}, "AUTO_MIGRATE"),
    ({"MAX_UPLOAD_BYTES": 0}, "MAX_UPLOAD_BYTES"),
    # a zero interval spun the idle server; a negative TTL expired every upload at once
    ({"TICK_INTERVAL": 0}, "TICK_INTERVAL: must be positive"),
    ({"EXPIRY_INTERVAL": -1}, "EXPIRY_INTERVAL: must be positive"),
    ({"UPLOAD_TTL": -5}, "UPLOAD_TTL: must be positive"),
    ({"FACILITATOR_AWAY_SECONDS": -1}, "FACILITATOR_AWAY_SECONDS: must be zero or more"),
    ({"PRESENCE_HEARTBEAT": 0}, "PRESENCE_HEARTBEAT: must be positive"),
    ({"PING_TIMEOUT": 0}, "PING_TIMEOUT"),
    ({"SQLITE_SYNCHRONOUS": "fast"}, "SQLITE_SYNCHRONOUS: expected one of OFF, NORMAL, FULL, EXTRA"),
    ({"REDIS_URL": "nonsense"}, "REDIS_URL: expected a redis:// or rediss:// URL"),
    # nan passed every range check (a clock that never ticks); inf and huge values overflowed a sleep or a date
    ({"TICK_INTERVAL": "nan"}, "TICK_INTERVAL: expected a finite number, got 'nan'"),
    ({"FACILITATOR_AWAY_SECONDS": "nan"}, "FACILITATOR_AWAY_SECONDS: expected a finite number"),
    ({"EXPIRY_INTERVAL": "inf"}, "EXPIRY_INTERVAL: expected a finite number"),
    ({"GAME_TTL": 10**12}, "GAME_TTL: must be at most 3153600000"),
    ({"UPLOAD_TTL": 10**12}, "UPLOAD_TTL: must be at most"),
    ({"PING_INTERVAL": 10**11}, "PING_INTERVAL: must be at most 86400"),
    # a wait past the longest a lock takes failed every large upload that had to wait (a 500), not the start
    ({"PARSE_WAIT": 1e12}, "PARSE_WAIT: must be at most 86400"),
    ({"PARSE_WAIT": 86_401}, "PARSE_WAIT: must be at most 86400"),
    ({"GAME_TTL": "1e3"}, "GAME_TTL: expected a whole number, got '1e3'"),
    # a negative count of proxies read past the end of X-Forwarded-For: a 500 on every request
    ({"TRUSTED_PROXIES": -1}, "TRUSTED_PROXIES: must be zero or more"),
    # without a scheme no invite link (nor its QR code) was a link
    ({"PUBLIC_URL": "threatdeck.example.com"}, "PUBLIC_URL: expected an http:// or https:// URL"),
    ({"PUBLIC_URL": "https://"}, "PUBLIC_URL: expected an http:// or https:// URL"),
])
def test_bad_settings_name_themselves(given: dict[str, object], problem: str, tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=problem):
        config.load({"DATA_DIR": str(tmp_path), **given}, environ={})


def test_a_bad_setting_from_the_environment_is_named_by_its_variable(tmp_path: Path) -> None:
    # MAX_ARCHITECTURE_COMPONENTS was named, though the operator had set THREATDECK_MAX_COMPONENTS.
    env = {"THREATDECK_DATA_DIR": str(tmp_path)}
    with pytest.raises(config.ConfigError, match=r"^THREATDECK_MAX_COMPONENTS: must be positive, got 0$"):
        config.load(environ={**env, "THREATDECK_MAX_COMPONENTS": "0"})
    with pytest.raises(config.ConfigError, match=r"^THREATDECK_TICK_INTERVAL: expected a finite number, got 'nan'$"):
        config.load(environ={**env, "THREATDECK_TICK_INTERVAL": "nan"})
    with pytest.raises(config.ConfigError, match=r"^GAME_TTL: must be at most"):
        config.load(environ={**env, "GAME_TTL": str(10**12)})


def test_the_parse_wait_is_bounded_by_a_day_and_named_as_the_operator_set_it(tmp_path: Path) -> None:
    env = {"THREATDECK_DATA_DIR": str(tmp_path)}
    assert config.load(environ={**env, "THREATDECK_PARSE_WAIT": "86400"})["PARSE_WAIT"] == 86_400.0
    with pytest.raises(config.ConfigError,
                       match=r"^THREATDECK_PARSE_WAIT: must be at most 86400 \(seconds\), got 1e\+300$"):
        config.load(environ={**env, "THREATDECK_PARSE_WAIT": "1e300"})


def test_a_redis_url_it_refuses_is_not_repeated_with_its_password(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError) as refused:
        config.load({"DATA_DIR": str(tmp_path), "REDIS_URL": "http://:hunter2@cache:6379/0"}, environ={})
    assert "hunter2" not in str(refused.value)
    assert str(refused.value) == "REDIS_URL: expected a redis:// or rediss:// URL, got a http:// URL"


def test_the_game_ttl_is_read_under_its_threatdeck_name_and_its_old_one(tmp_path: Path) -> None:
    base = {"THREATDECK_DATA_DIR": str(tmp_path)}
    assert config.load(environ={**base, "THREATDECK_GAME_TTL": "5"})["GAME_TTL"] == 5
    assert config.load(environ={**base, "GAME_TTL": "7"})["GAME_TTL"] == 7
    assert config.load(environ={**base, "GAME_TTL": "7", "THREATDECK_GAME_TTL": "5"})["GAME_TTL"] == 5


def test_the_secret_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = config.load({"DATA_DIR": str(tmp_path)}, environ={})["SECRET_KEY"]
    second = config.load({"DATA_DIR": str(tmp_path)}, environ={})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert config.load({"DATA_DIR": str(tmp_path)}, environ={"SECRET_KEY": "given"})["SECRET_KEY"] == "given"


def test_the_pure_core_never_imports_the_server() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for package in ("game", "cards"):
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                if any(n == "server" or n.startswith("server.") or n.split(".")[0] in ("flask", "sqlalchemy")
                       for n in names):
                    offenders.append(f"{path.relative_to(root)}: {names}")
    assert offenders == []


def test_importing_the_package_builds_nothing_and_imports_no_web_stack() -> None:
    """``threatdeck serve`` monkey-patches for gevent/eventlet after ``server`` is imported, before the app is."""
    import subprocess
    import sys

    code = ("import sys, server, server.cli; "
            "heavy = [m for m in ('server.app', 'flask', 'flask_socketio', 'sqlalchemy', 'psycopg') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_data_folder_under_the_home_folder_is_not_a_folder_named_tilde(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A systemd Environment= line or --data-dir=~/… reaches the server unexpanded; it made ./~/threatdeck.
    monkeypatch.setenv("HOME", str(tmp_path))
    s = config.load(environ={"THREATDECK_DATA_DIR": "~/threatdeck"})
    assert s["DATA_DIR"] == str(tmp_path / "threatdeck")
    assert s["DATABASE_URL"] == f"sqlite:///{tmp_path / 'threatdeck' / 'threatdeck.db'}"


@pytest.mark.parametrize(("setting", "origin", "accepted"), [
    ("https://team.example/", "https://team.example", True),  # the trailing slash refused every socket
    ("https://a.example, https://team.example", "https://team.example", True),
    ("*", "https://anywhere.example", True),
    ("https://team.example", "https://evil.example", False),
    (" , ", "https://evil.example", False),  # no origin given is the same origin only, not every origin
])
def test_cors_origins_are_matched_as_browsers_send_them(setting: str, origin: str, accepted: bool) -> None:
    from serverkit import make_app

    app = make_app(CORS_ORIGINS=setting)
    r = app.test_client().get("/socket.io/?EIO=4&transport=polling", headers={"Origin": origin})
    assert (r.status_code == 200) is accepted, (r.status_code, r.data[:200])


@pytest.mark.parametrize("channel", ["", "two words", "tab\there", "x" * 101, "bell\x07"])
def test_a_redis_channel_is_a_short_printable_name(channel: str, tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"^THREATDECK_REDIS_CHANNEL: expected 1 to 100 printable"):
        config.load(environ={"THREATDECK_DATA_DIR": str(tmp_path), "THREATDECK_REDIS_CHANNEL": channel or " "})

