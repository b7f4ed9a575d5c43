"""Operating ``threatdeck serve``: what an operator sees when it cannot start, and how it stops.

A start that fails says why in one line and exits 2 (no traceback); SIGTERM
(a service manager stopping it) and Ctrl-C stop it cleanly with exit 0 and
nothing lost.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from harness import ROOT, ServerProcess, create_game, free_port

from server.cli import build_parser
from server.client import SeatClient


def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "server.cli", "serve", "--port", str(free_port()), "--data-dir", str(tmp_path / "data"),
           *args]
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning", **(env or {})}
    return subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60)


def one_line_refusal(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    for text in expected:
        assert text in last, last


@pytest.mark.parametrize(("args", "env", "expected"), [
    (("--database", "not a url"), {}, ("threatdeck: cannot start:", "Could not parse SQLAlchemy URL")),
    (("--database", "mysq://x/y"), {}, ("threatdeck: cannot start:", "postgresql:// database URL, got a mysq:// URL")),
    (("--database", "mysql://u:p@db/x"), {}, ("expected an sqlite:/// or postgresql:// database URL, got a mysql://",)),
    (("--redis", "redis://127.0.0.1:1/0"), {}, ("REDIS_URL: the message queue at redis://127.0.0.1:1/0 cannot be reached",)),
    (("--redis", "nonsense"), {}, ("REDIS_URL: expected a redis:// or rediss:// URL",)),
    ((), {"THREATDECK_SQLITE_SYNCHRONOUS": "fast"}, ("SQLITE_SYNCHRONOUS: expected one of",)),
    ((), {"THREATDECK_TICK_INTERVAL": "0"}, ("THREATDECK_TICK_INTERVAL: must be positive",)),
])
def test_a_server_that_cannot_start_says_why_in_one_line(
        tmp_path: Path, args: tuple[str, ...], env: dict[str, str], expected: tuple[str, ...]) -> None:
    one_line_refusal(serve(tmp_path, *args, env=env), *expected)


@pytest.mark.parametrize(("args", "env"), [
    (("--database", "sqlite://threatdeck:hunter2@/threatdeck.db"), {}),  # SQLAlchemy quotes a bad SQLite URL
    ((), {"DATABASE_URL": "sqlite://threatdeck:hunter%32@/threatdeck.db"}),
    (("--redis", "http://:hunter2@cache:6379/0"), {}),
])
def test_a_refusal_never_prints_a_password(tmp_path: Path, args: tuple[str, ...], env: dict[str, str]) -> None:
    done = serve(tmp_path, *args, env=env)
    one_line_refusal(done)
    assert "hunter2" not in done.stderr and "hunter%32" not in done.stderr, done.stderr


def test_a_bad_port_in_the_environment_is_refused_by_the_argument_parser(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--data-dir", str(tmp_path / "data")],
                          cwd=ROOT, env={**os.environ, "THREATDECK_PORT": "abc"}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "argument --port: expected a port number from 1 to 65535, got 'abc'" in done.stderr


@pytest.mark.parametrize(("env", "args", "expected"), [
    ({}, ("--port", "80000"), "argument --port: expected a port number from 1 to 65535, got '80000'"),
    ({}, ("--port", "-1"), "argument --port: expected a port number from 1 to 65535, got '-1'"),
    ({"THREATDECK_PORT": "99999"}, (), "argument --port: expected a port number from 1 to 65535, got '99999'"),
    ({"THREATDECK_LOG_LEVEL": "verbose"}, (),
     "argument --log-level: expected one of DEBUG, INFO, WARNING, ERROR, got 'verbose'"),
])
def test_ports_and_log_levels_the_server_cannot_use_are_refused_by_the_argument_parser(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str],
        args: tuple[str, ...], expected: str) -> None:
    # Past the parser, a port out of range failed in bind() and a log level in the environment in logging,
    # each with a traceback.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["serve", *args])
    assert stopped.value.code == 2
    assert expected in capsys.readouterr().err


def test_a_log_level_may_be_given_in_lower_case(monkeypatch: pytest.MonkeyPatch) -> None:
    assert build_parser().parse_args(["serve", "--log-level", "debug"]).log_level == "DEBUG"
    monkeypatch.setenv("THREATDECK_LOG_LEVEL", "warning")
    assert build_parser().parse_args(["serve"]).log_level == "WARNING"


@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_a_port_already_taken_is_refused_before_the_database_is_opened(tmp_path: Path, mode: str) -> None:
    # It used to say "serving" first, migrate the database, then fail (threading: Werkzeug's own lines, exit 1).
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve(tmp_path, "--port", str(port), "--async-mode", mode)
    one_line_refusal(done, f"threatdeck: cannot listen on 127.0.0.1:{port}: Address already in use")
    assert "serving" not in done.stderr
    assert not (tmp_path / "data" / "threatdeck.db").exists()


def test_a_database_migrated_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    first = ServerProcess(tmp_path).start()  # creates and migrates the database
    first.stop()
    with sqlite3.connect(tmp_path / "threatdeck.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    done = serve(tmp_path, "--database", f"sqlite:///{tmp_path / 'threatdeck.db'}")
    one_line_refusal(done, "revision '9999_from_the_future'", "newer version")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("mode", ["gevent", "eventlet", "threading"])
def test_a_stopped_server_exits_cleanly_and_keeps_every_move(tmp_path: Path, mode: str, how: signal.Signals) -> None:
    server = ServerProcess(tmp_path, async_mode=mode).start()
    game = create_game(server.url, 2)
    kim = SeatClient(server.url, game["tokens"][0]).connect()
    try:
        version = kim.command("start")["version"]
    finally:
        kim.close()
    assert server.proc is not None
    server.proc.send_signal(how)
    try:
        assert server.proc.wait(15) == 0, server.log()[-2000:]
    finally:
        server.kill()  # a server that did not stop must not outlive the test
    assert "Traceback" not in server.log(), server.log()[-2000:]
    # The database was closed, so its write-ahead log is folded in: a backup of threatdeck.db alone has the game.
    backup = tmp_path / "backup.db"
    shutil.copyfile(tmp_path / "threatdeck.db", backup)
    with contextlib.closing(sqlite3.connect(backup)) as db:
        assert db.execute("SELECT version FROM games WHERE id = ?", (game["game_id"],)).fetchall() == [(version,)]
    again = ServerProcess(tmp_path, async_mode=mode).start()
    try:
        public = requests.get(f"{again.url}/api/games/{game['game_id']}", timeout=10).json()
        assert public["version"] == version and public["phase"] == "play"
    finally:
        again.stop()


def test_the_db_command_refuses_a_database_migrated_by_a_newer_version(tmp_path: Path) -> None:
    from server.cli import main

    url = f"sqlite:///{tmp_path / 'threatdeck.db'}"
    assert main(["db", "upgrade", "--database", url]) == 0
    with sqlite3.connect(tmp_path / "threatdeck.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    assert main(["db", "upgrade", "--database", url]) == 2
