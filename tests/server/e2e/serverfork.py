"""The fork server of the end-to-end harness (harness.py): gevent servers forked from a process that imported them.

A cold ``python -m server.cli serve`` spends nearly all of its start importing:
cfn-lint (with sympy) for the importers the parse threads load first, SQLAlchemy's
models, Flask, Socket.IO. That took seconds each time on the 2-core CI machine,
and the browser and end-to-end tests start some 170 servers. This process does
what a server does before it reads its arguments (``server.cli.serve.patch`` for
gevent, then the imports) once; each server is then a fork of it that runs
``server/cli/__main__.py`` as ``python -m server.cli`` would (``runpy``), with
the arguments, environment, working directory and log the harness gives, and
exits the way that process would (``sys.exit``, so ``atexit`` handlers run).

Run as ``python serverfork.py`` by the harness, with the environment every server
gets (``PYTHONWARNINGS``: the interpreter reads it when it starts, so a server
that needs another one is not forked). It talks in lines of JSON:

* on stdin, ``{"spawn": {"argv": [...], "env": {...}, "cwd": ..., "log": ...}}``,
  answered ``{"pid": n}``; ``{"signal": pid, "number": n}`` (sent by this
  process, which knows whether the child is still there, so a signal never
  reaches a recycled pid), answered ``{"signalled": pid}``;
* on stdout, also ``{"exited": pid, "code": c}`` when a child exits (``c`` as
  ``Popen.returncode``: minus the signal's number when a signal ended it).

When stdin closes (the test session ends, or dies), the children still running
are killed and this process exits.
"""

from __future__ import annotations

import atexit
import json
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]


def preload() -> None:
    """What a gevent server imports on its way to serving, in the order it does (patched first)."""
    from server.cli.serve import patch

    patch("gevent")
    import gevent.pywsgi  # noqa: F401
    from alembic import command  # noqa: F401  (migrations on start)

    import server.cli
    from server import access_log, api, app, errors, headers, migrations, runtime, sockets, web, websocket  # noqa: F401
    from game.importers import load_importers

    server.cli.build_parser()  # imports every subcommand's module
    load_importers()  # cfn-lint: what ParseThreads does first in every server


def serve_forks() -> dict[str, Any]:
    """Answer requests until stdin closes (then exit); returns in a forked child, with its request."""
    from gevent import monkey
    from gevent.os import fork_gevent

    select = monkey.get_original("select", "select")
    waitpid = monkey.get_original("os", "waitpid")
    children: set[int] = set()
    pending = b""

    def say(message: dict[str, Any]) -> None:
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(1, data):]

    def reap() -> None:
        for pid in list(children):
            done, status = waitpid(pid, os.WNOHANG)
            if done:
                children.discard(pid)
                say({"exited": pid, "code": os.waitstatus_to_exitcode(status)})

    say({"ready": os.getpid()})
    while True:
        readable, _, _ = select([0], [], [], 0.05)
        reap()
        if not readable:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            for pid in children:
                os.kill(pid, signal.SIGKILL)
            for pid in children:
                waitpid(pid, 0)
            raise SystemExit(0)
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            if "signal" in request:
                pid = int(request["signal"])
                if pid in children:  # not reaped yet: the pid is still this child's (a zombie at worst)
                    os.kill(pid, int(request["number"]))
                say({"signalled": pid})
                continue
            pid = fork_gevent()
            if pid == 0:
                return dict(request["spawn"])
            children.add(pid)
            say({"pid": pid})


def become(request: dict[str, Any]) -> None:
    """In the child: the process ``subprocess.Popen`` would have made of the request (before its interpreter ran)."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    # Nothing else is closed: this process holds only what the imports opened, as a cold server does (gevent's
    # loop, made by a module that opens a socket at import and made anew in the child by fork_gevent). Closing
    # the loop's descriptors here had SQLite's files open on their numbers, closed again under it by the loop.
    sys.argv = ["-m", *request["argv"]]  # runpy puts the module's path first, as -m does


# The harness's side (the test session's process).

INTERPRETER_SETTINGS = ("PYTHON", "GEVENT", "LD_", "LC_", "LANG", "TZ")
"""Environment variables read when an interpreter or gevent starts: a server whose differ from the fork server's
is started as a process of its own."""
ENABLED = os.environ.get("THREATDECK_TEST_FORKSERVER", "1") != "0"
"""``THREATDECK_TEST_FORKSERVER=0``: every server is a ``python -m server.cli serve`` of its own, as before."""
START_TIMEOUT = 180.0
"""Bounds only a fork server that hangs while it imports (seconds on a loaded machine)."""


class ForkedServer:
    """A forked server, with what the harness and the tests use of ``subprocess.Popen``."""

    def __init__(self, forks: Forks, pid: int, args: list[str]) -> None:
        self.forks = forks
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.forks.exit_code(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            code = self.forks.wait_exit(self.pid, timeout)
            if code is None:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self.returncode = code
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            self.forks.signal(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Forks:
    """The fork server, started by :func:`shared` on first use, for the rest of the session."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = dict(env)
        self.stderr = tempfile.NamedTemporaryFile(prefix="threatdeck-serverfork-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([sys.executable, __file__], cwd=ROOT, env=self.env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr)
        self.asking = threading.Lock()
        self.changed = threading.Condition()
        self.replies: list[dict[str, Any]] = []
        self.exits: dict[int, int] = {}
        self.closed = False
        threading.Thread(target=self._read, name="serverfork-reader", daemon=True).start()
        with self.changed:
            if not self.changed.wait_for(lambda: self.replies or self.closed, START_TIMEOUT) or self.closed:
                self.close()
                raise RuntimeError(f"the fork server did not start:\n{self.log()}")
            self.replies.pop(0)  # {"ready": pid}

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            message = json.loads(line)
            with self.changed:
                if "exited" in message:
                    self.exits[int(message["exited"])] = int(message["code"])
                else:
                    self.replies.append(message)
                self.changed.notify_all()
        with self.changed:
            self.closed = True
            self.changed.notify_all()

    def log(self) -> str:
        return Path(self.stderr.name).read_text(errors="replace")

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.asking:
            assert self.proc.stdin is not None
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            with self.changed:
                if not self.changed.wait_for(lambda: self.replies or self.closed, 60) or not self.replies:
                    raise RuntimeError(f"the fork server did not answer {request}:\n{self.log()}")
                return self.replies.pop(0)

    def compatible(self, env: dict[str, str]) -> bool:
        """Whether a server with this environment may be forked from this one."""
        if self.closed:
            return False
        differ = {k for k in set(env) | set(self.env) if env.get(k) != self.env.get(k)}
        return not any(k.startswith(INTERPRETER_SETTINGS) for k in differ)

    def spawn(self, cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> ForkedServer:
        """``cmd`` is ``[python, "-m", "server.cli", ...]``, as it would be given to Popen."""
        assert cmd[1:3] == ["-m", "server.cli"], cmd
        reply = self._ask({"spawn": {"argv": cmd[3:], "env": env, "cwd": str(cwd), "log": str(log)}})
        return ForkedServer(self, int(reply["pid"]), cmd)

    def exit_code(self, pid: int) -> int | None:
        with self.changed:
            if pid in self.exits:
                return self.exits[pid]
            if self.closed:
                return _gone(pid)
            return None

    def wait_exit(self, pid: int, timeout: float | None) -> int | None:
        with self.changed:
            self.changed.wait_for(lambda: pid in self.exits or self.closed, timeout)
        return self.exit_code(pid)

    def signal(self, pid: int, number: int) -> None:
        if self.closed:
            if _gone(pid) is None:
                os.kill(pid, number)
            return
        self._ask({"signal": pid, "number": number})

    def close(self) -> None:
        """Stop the fork server (which kills the servers still running)."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()
        os.unlink(self.stderr.name)


def _gone(pid: int) -> int | None:
    """For a child of a fork server that died: None while the pid is there, else -9 (how it ended is not known)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return -signal.SIGKILL
    return None


_shared: list[Forks] = []
_starting = threading.Lock()


def shared(env: dict[str, str]) -> Forks | None:
    """The session's fork server, for a gevent server with this environment; None where one cannot serve it."""
    if not ENABLED:
        return None
    with _starting:
        if not _shared:
            base = dict(os.environ)
            base.update({k: v for k, v in env.items() if k.startswith(INTERPRETER_SETTINGS)})
            _shared.append(Forks(base))
            atexit.register(_shared[0].close)
    forks = _shared[0]
    return forks if forks.compatible(env) else None


if __name__ == "__main__":
    sys.path[0] = str(ROOT)  # where the server's `python -m server.cli` (run in ROOT) finds its packages
    os.chdir(ROOT)
    preload()
    child = serve_forks()
    become(child)
    runpy.run_module("server.cli", run_name="__main__", alter_sys=True)
