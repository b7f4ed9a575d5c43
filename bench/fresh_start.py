"""How often a freshly started server leaves a request of its opening burst unanswered.

    .venv/bin/python bench/fresh_start.py --starts 30                     # this checkout
    .venv/bin/python bench/fresh_start.py --starts 30 --base DIR          # and another one, alternating

Each start is a new ``threatdeck serve`` (gevent, SQLite in a new temporary
folder, rate limits raised) sent bench/load.py's opening: 100 tables at once,
each uploading examples/leejames-hr/before.yaml, creating a game on it, taking 5
more seats and joining all 6 over Socket.IO. A request not answered within
``--patience`` seconds counts as unanswered; the server is then asked for the
stacks of its threads (``faulthandler``, SIGUSR1) and of its greenlets
(SIGUSR2), written to its log, whose folder is kept and named. Reported per
checkout: starts, starts with an unanswered request, and the slowest answer of
each kind. Nothing is asserted.

With ``--base DIR`` (a checkout of other code, e.g. ``git worktree add --detach
DIR main``) the starts alternate between the two, so both meet the machine in
the same state. docs/benchmarks.md records the figures with the machine.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import textwrap  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from load import FIXTURE, NAMES, NO_TIMEOUTS, Wire, free_port, wait_ready  # noqa: E402

SEATS = 6
KINDS = ("upload", "game", "seat", "join")

SERVE = textwrap.dedent('''
    import faulthandler, gc, signal, sys, traceback
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # answers even while the loop is stuck

    def greenlets(*_):
        import greenlet
        for g in gc.get_objects():
            if isinstance(g, greenlet.greenlet) and not g.dead and g.gr_frame is not None:
                print(f"---- {g!r}", file=sys.stderr)
                traceback.print_stack(g.gr_frame, file=sys.stderr)
        sys.stderr.flush()

    signal.signal(signal.SIGUSR2, greenlets)
    sys.path.insert(0, ".")
    from server.cli import main
    sys.exit(main(sys.argv[1:]))
''')


def one_start(root: Path, games: int, patience: float) -> dict[str, Any]:
    """Start a server from ``root``, send the opening burst, stop it; what was slow or unanswered."""
    work = Path(tempfile.mkdtemp(prefix="threatdeck-fresh-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning", THREATDECK_RATE_EVENTS_BURST="1000000",
               THREATDECK_RATE_HTTP_BURST="1000000", THREATDECK_RATE_CREATE_BURST="1000000",
               THREATDECK_MAX_CONNECTIONS_PER_IP="100000")
    with open(work / "server.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVE, "serve", "--port", str(port), "--async-mode", "gevent",
             "--data-dir", str(work), "--log-level", "WARNING"],
            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=log)
    wait_ready(url + "/api/health", server)
    document = FIXTURE.read_bytes()
    slowest = dict.fromkeys(KINDS, 0.0)
    unanswered: list[str] = []
    wires: list[Wire] = []

    def timed(kind: str, call: Any) -> Any:
        start = time.monotonic()
        try:
            return call()
        finally:
            slowest[kind] = max(slowest[kind], time.monotonic() - start)

    def table(i: int) -> None:
        try:
            http = requests.Session()
            r = timed("upload", lambda: http.post(f"{url}/api/architectures", data=document, timeout=patience,
                                                  headers={"Content-Type": "application/yaml"}))
            r.raise_for_status()
            upload = r.json()["id"]
            r = timed("game", lambda: http.post(f"{url}/api/games", timeout=patience, json={
                "architecture": upload, "name": NAMES[0], "seats": SEATS, "timing": NO_TIMEOUTS}))
            r.raise_for_status()
            game_id, tokens = r.json()["game_id"], [r.json()["facilitator"]["token"]]
            for name in NAMES[1:SEATS]:
                r = timed("seat", lambda: http.post(f"{url}/api/games/{game_id}/seats", json={"name": name},
                                                    timeout=patience))
                r.raise_for_status()
                tokens.append(r.json()["token"])

            def join(token: str) -> None:
                wire = Wire()
                wires.append(wire)
                wire.connect(url)
                ack = wire.call("join", {"token": token}, timeout=patience)
                assert ack["ok"], ack

            gevent.joinall([gevent.spawn(timed, "join", lambda t=t: join(t)) for t in tokens], raise_error=True)
        except Exception as exc:  # noqa: BLE001 - counted, with what it was
            unanswered.append(f"table {i}: {type(exc).__name__}: {exc}"[:200])
            os.kill(server.pid, signal.SIGUSR1)
            gevent.sleep(0.5)
            os.kill(server.pid, signal.SIGUSR2)

    gevent.joinall([gevent.spawn(table, i) for i in range(games)])
    for wire in wires:
        wire.disconnect()
    server.terminate()
    server.wait(15)
    if unanswered:
        print(f"  {root}: {len(unanswered)} tables not served; stacks in {work / 'server.log'}", flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return {"unanswered": unanswered, "slowest": slowest}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=20, help="fresh starts per checkout (default 20)")
    parser.add_argument("--games", type=int, default=100, help="tables in the opening burst (default 100)")
    parser.add_argument("--patience", type=float, default=30, help="seconds a request may take (default 30)")
    parser.add_argument("--base", type=Path, help="another checkout, started alternately with this one")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
          flush=True)
    roots = [ROOT] if args.base is None else [args.base.resolve(), ROOT]
    seen: dict[Path, list[dict[str, Any]]] = {root: [] for root in roots}
    for _ in range(args.starts):
        for root in roots:
            seen[root].append(one_start(root, args.games, args.patience))
    for root, starts in seen.items():
        failed = sum(1 for s in starts if s["unanswered"])
        worst = {k: max(s["slowest"][k] for s in starts) for k in KINDS}
        print(f"{root}: {failed} of {len(starts)} starts left a request unanswered; slowest answers: "
              + ", ".join(f"{k} {v:.2f} s" for k, v in worst.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
