"""The server's own work per accepted move, in one process: validate, apply, commit, views, patches, encoding.

    .venv/bin/python bench/moves.py [--moves 1300] [--games 4] [--tree DIR]
    valgrind --tool=callgrind .venv/bin/python bench/moves.py --moves 100      # then --moves 1300: subtract

Plays 6-seat games on examples/leejames-hr/before.yaml (no time limits, every
deal seeded alike) by calling ``server.sockets.command`` for each move, as a
connection's handler does, with SQLite in a temporary folder. Six connections
per game sit in the game's rooms; python-socketio's emit runs up to the point
where a message would be queued for a connection, where it is counted instead
(the websocket writes are the transport's, measured by ``bench/load.py``).

Prints the moves, the messages and bytes per move, and the CPU time per move.
This machine is noisy, so to compare two versions of the server, count
instructions instead: run this under ``valgrind --tool=callgrind`` with 100 and
with 1,300 moves and divide the difference of the totals by the difference of
the accepted moves printed (start-up and game creation cancel out; the four
games end after 1,200 moves, so that is 1,100). ``--tree`` runs the server code
of another checkout (e.g. a ``git worktree`` of an earlier commit) with this script.

``--refusals N`` then sends N commands the server refuses, as the load
benchmark's seats do when their view was behind (a vote that has closed): a
seat that is not on turn passes, in each game still in play, through the
event's handler (rate limit, validation, the engine's refusal, the check that
the process's copy is not stale, the error acknowledgement), and prints the CPU
time a refusal. Under callgrind, subtract a run without them and divide by N.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NO_LIMITS = {"play_seconds": None, "rating_seconds": None, "turn_seconds": None, "vote_seconds": None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--moves", type=int, default=1300, help="accepted moves to play (default 1300)")
    parser.add_argument("--games", type=int, default=4, help="games played in turn (default 4)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose server runs (default: this one)")
    parser.add_argument("--refusals", type=int, default=0, help="refused commands to send after the moves (default 0)")
    args = parser.parse_args()
    tree = args.tree.resolve()
    sys.path.insert(0, str(tree))
    os.chdir(tree)

    import server.games
    from server import create_app, sockets
    from server.client import next_move
    from server.runtime import Connection

    server.games.secrets.randbits = lambda bits: 123456789  # the same deals in every run: comparable counts
    data = Path(tempfile.mkdtemp(prefix="threatdeck-moves-"))
    app = create_app({"DATABASE_URL": f"sqlite:///{data}/moves.db", "BACKGROUND_TASKS": False,
                      "RATE_EVENTS_BURST": 10**9, "RATE_HTTP_BURST": 10**9, "RATE_CREATE_BURST": 10**9})
    rt = app.extensions["threatdeck"]
    sio = sockets.socketio.server
    sent = [0, 0]

    def queued(eio_sid: str, pkt: object) -> None:  # where a message would join its connection's queue
        sent[0] += 1
        body = getattr(pkt, "data", None)
        sent[1] += len(body) if isinstance(body, str | bytes) else 0

    sio._send_eio_packet = queued
    client = app.test_client()
    document = (tree / "examples" / "leejames-hr" / "before.yaml").read_text()
    seats = []
    for g in range(args.games):
        upload = client.post("/api/architectures", data=document, content_type="application/yaml").json
        created = client.post("/api/games", json={"architecture": upload["id"], "name": "P0", "seats": 6,
                                                  "timing": NO_LIMITS}).json
        tokens = [created["facilitator"]["token"]]
        tokens += [client.post(f"/api/games/{created['game_id']}/seats", json={"name": f"P{i}"}).json["token"]
                   for i in range(1, 6)]
        for seat, token in enumerate(tokens):
            member = rt.games.authenticate(token)
            sid = sio.manager.connect(f"e{g}-{seat}", "/")
            for room in (sockets.seat_room(member.game_id, seat), sockets.game_room(member.game_id)):
                sio.manager.enter_room(sid, "/", room)
            rt.connections[sid] = Connection(sid=sid, ip="127.0.0.1", member=member)
            seats.append((g, seat, sid, member))
    sent[:] = [0, 0]
    moves = refused = n = 0
    start = time.process_time()
    while moves < args.moves:
        progressed = False
        for g in range(args.games):
            for game, seat, sid, member in seats:
                if game != g:
                    continue
                move = next_move(rt.games.view(member.game_id, seat)[2])
                if move is None:
                    continue
                event, fields = move
                n += 1
                ack = sockets.command(rt, sid, event, sockets.ACTIONS[event], {"client_id": f"c{n}", **fields})
                moves, refused = (moves + 1, refused) if ack.get("ok") else (moves, refused + 1)
                progressed = True
                break
        if not progressed:
            break
    cpu = time.process_time() - start
    print(f"{moves} accepted moves ({refused} refused) of {args.games} games: {sent[0] / max(moves, 1):.2f} messages "
          f"and {sent[1] / max(moves, 1):,.0f} bytes a move, {1e3 * cpu / max(moves, 1):.3f} ms of CPU a move "
          f"({tree})")
    if args.refusals:
        refuse(rt, sio, seats, args.refusals)
    return 0


def refuse(rt: Any, sio: Any, seats: list[tuple[Any, ...]], count: int) -> None:
    """Send ``count`` commands the engine refuses (a seat not on turn passes) and print the CPU time of each."""
    from server import sockets
    from game.state import Phase

    handler = sio.handlers["/"]["pass"]  # the event's handler, as a connection's reader calls it
    waiting: dict[int, str] = {}
    for game, seat, sid, member in seats:
        state = rt.games.live(member.game_id).state
        if state.phase is Phase.PLAY and state.turn != seat:
            waiting.setdefault(game, sid)
    if not waiting:
        print("no game is in play: no refusals (play fewer moves)")
        return
    sids = list(waiting.values())
    start = time.process_time()
    for n in range(count):
        ack = handler(sids[n % len(sids)], {"client_id": f"r{n}"})
        assert not ack["ok"] and ack["error"]["code"] == "not_your_turn", ack
    cpu = time.process_time() - start
    print(f"{count} refused commands in {len(sids)} games: {1e6 * cpu / count:.1f} µs of CPU a refusal "
          f"({sockets.__file__})")


if __name__ == "__main__":
    sys.exit(main())
