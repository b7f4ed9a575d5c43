"""A whole game against the real server, under gevent and eventlet; reconnects; a kill -9 mid-game."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests
from harness import NO_TIMEOUTS, Autoplayer, ServerProcess, all_seats_at, create_game

from server.client import SeatClient, leaked_cards


def seat_clients(url: str, tokens: list[str], clients: list[SeatClient]) -> list[SeatClient]:
    seats = [SeatClient(url, t).connect() for t in tokens]
    clients.extend(seats)
    return seats


def check_no_leaks(*cs: SeatClient) -> None:
    for c in cs:
        assert c.seen, f"seat {c.seat} received nothing"
        assert leaked_cards(c) == [], f"seat {c.seat} was shown cards it may not see"


def check_final(url: str, game_id: str, seats: list[SeatClient]) -> list[dict[str, Any]]:
    final = seats[0].view["final"]  # type: ignore[index]
    assert seats[0].view["phase"] == "ended"  # type: ignore[index]
    threats = final["threats"]
    assert threats, "the game found no threat"
    assert [t["rank"] for t in threats] == list(range(1, len(threats) + 1))
    risks = [t["risk"] for t in threats if t["risk"] is not None]
    assert risks == sorted(risks, reverse=True), "the list is prioritised by risk"
    for c in seats:
        assert c.view["final"] == final  # type: ignore[index]
    exported = requests.get(f"{url}/api/games/{game_id}/export?format=json", timeout=10).json()
    assert exported["final"] is True and exported["game_id"] == game_id
    assert [t["threat_id"] for t in exported["threats"]] == [t["threat_id"] for t in threats]
    return threats  # type: ignore[no-any-return]


@pytest.mark.parametrize("async_mode", ["gevent", "eventlet"])
def test_a_full_four_seat_game_ends_with_the_prioritised_list(start_server: Any, clients: list[SeatClient],
                                                                async_mode: str) -> None:
    server: ServerProcess = start_server(async_mode=async_mode)
    game = create_game(server.url, 4, timing=NO_TIMEOUTS)
    seats = seat_clients(server.url, game["tokens"], clients)
    watcher = SeatClient(server.url)
    clients.append(watcher)
    watcher.connect()
    assert watcher.spectate(game["game_id"])["ok"]
    assert [c.seat for c in seats] == [0, 1, 2, 3] and seats[0].role == "facilitator"

    player = Autoplayer(seats)
    player.play()
    assert player.errors == []
    assert seats[0].view["phase"] == "ended", f"stuck after {player.moves} moves"  # type: ignore[index]
    assert watcher.wait_version(seats[0].version)
    threats = check_final(server.url, game["game_id"], seats)
    assert watcher.view["final"]["threats"] == threats  # type: ignore[index]
    assert watcher.view["hand"] is None and watcher.view["legal"] is None  # type: ignore[index]
    check_no_leaks(*seats, watcher)

    audit = requests.get(f"{server.url}/api/games/{game['game_id']}/audit",
                         headers={"Authorization": f"Bearer {game['tokens'][0]}"}, timeout=10).json()["audit"]
    actions = [a["action"] for a in audit]
    assert actions[0] == "CreateGame" and actions.count("JoinSeat") == 3 and "StartGame" in actions
    assert actions.count("PlayCard") >= 4 and "GameEnded" not in actions
    assert server.unhandled_errors() == []


def test_a_client_that_drops_mid_trick_gets_its_seat_hand_and_state_back(start_server: Any,
                                                                        clients: list[SeatClient]) -> None:
    server = start_server()
    game = create_game(server.url, 4, timing=NO_TIMEOUTS)
    seats = seat_clients(server.url, game["tokens"], clients)
    player = Autoplayer(seats)
    # Play into the second trick, until a card is on the table and seat 2 has not acted in the trick yet.
    player.play(until=lambda: bool(
        seats[0].view["trick"] and seats[0].view["trick"]["number"] >= 2 and seats[0].view["trick"]["plays"]
        and seats[0].view["turn"] != 2))
    trick = seats[0].view["trick"]  # type: ignore[index]
    assert trick and trick["plays"], "no trick in progress"
    hand = [c["id"] for c in seats[2].view["hand"]]  # type: ignore[index]

    # 1. A clean disconnect; others play on; a new connection with the token gets everything back.
    seats[2].close()
    others = [seats[0], seats[1], seats[3]]
    for _ in range(2):
        Autoplayer([c for c in others]).step()
    back = SeatClient(server.url, game["tokens"][2]).connect()
    clients.append(back)
    assert back.seat == 2 and back.role == "player"
    assert back.version == seats[0].version
    assert back.view["trick"] == seats[0].view["trick"]  # type: ignore[index]
    still = [c["id"] for c in back.view["hand"]]  # type: ignore[index]
    assert set(still) <= set(hand) and still, "the same hand, less what was played meanwhile"
    seats[2] = back

    # 2. The transport is cut under it (laptop sleeps): python-socketio reconnects with the token by itself.
    seats[1].sio.eio.ws.sock.shutdown(socket.SHUT_RDWR)
    Autoplayer([seats[0], seats[2], seats[3]]).step()
    assert seats[1].wait_for(lambda: seats[1].version == seats[0].version and seats[1].sio.connected, 15)
    assert seats[1].seat == 1 and seats[1].view["hand"] is not None  # type: ignore[index]

    player = Autoplayer(seats)
    player.play()
    assert seats[0].view["phase"] == "ended"  # type: ignore[index]
    check_no_leaks(*seats)
    assert server.unhandled_errors() == []


def test_kill_9_mid_game_and_restart_loses_nothing(start_server: Any, clients: list[SeatClient], tmp_path: Any) -> None:
    server = start_server()
    game = create_game(server.url, 4, timing=NO_TIMEOUTS)
    seats = seat_clients(server.url, game["tokens"], clients)
    Autoplayer(seats).play(until=lambda: seats[0].version >= 25)
    before_version = seats[0].version
    before = [dict(c.view) for c in seats]  # type: ignore[arg-type]
    # Every acknowledged command was committed before its broadcast: kill without warning.
    server.kill()

    again = ServerProcess(tmp_path, database=server.database, name="restarted").start()
    try:
        public = requests.get(f"{again.url}/api/games/{game['game_id']}", timeout=10).json()
        assert public["version"] == before_version
        fresh = seat_clients(again.url, game["tokens"], clients)
        for c, old in zip(fresh, before):
            assert c.version == before_version
            for key in ("hand", "trick", "tricks", "threats", "seats", "turn", "legal", "phase"):
                assert c.view[key] == old[key], key  # type: ignore[index]
        Autoplayer(fresh).play()
        assert fresh[0].view["phase"] == "ended"  # type: ignore[index]
        check_final(again.url, game["game_id"], fresh)
    finally:
        again.stop()


def test_forged_tokens_other_seats_and_facilitator_actions_are_refused(start_server: Any,
                                                                       clients: list[SeatClient]) -> None:
    server = start_server()
    game = create_game(server.url, 4, timing=NO_TIMEOUTS)
    seats = seat_clients(server.url, game["tokens"], clients)
    intruder = SeatClient(server.url).connect()
    clients.append(intruder)

    forged = game["tokens"][1][:-4] + ("AAAA" if not game["tokens"][1].endswith("AAAA") else "BBBB")
    for token in (forged, "x" * 43, "", None, 42, {"$ne": None}):
        ack = intruder.call("join", {"token": token})
        assert not ack["ok"] and ack["error"]["code"] in ("invalid_token", "invalid_request"), ack
    ack = intruder.command("start")
    assert ack["error"]["code"] == "not_joined"

    # A player may not start the game, nor end it, nor skip or remove a seat.
    for event, fields in (("start", {}), ("end_play", {}), ("end_game", {}), ("skip_seat", {"target_seat": 0}),
                          ("remove_seat", {"target_seat": 0})):
        ack = seats[1].command(event, **fields)
        assert ack == {"ok": False, "error": {"code": "forbidden", "message": "only the facilitator can do that",
                                              "field": None}}, (event, ack)
    assert seats[0].command("start")["ok"]
    assert all_seats_at(seats, seats[0].version)

    # Nobody may act for another seat.
    on_turn = seats[0].view["turn"]  # type: ignore[index]
    other = (on_turn + 1) % 4
    ack = seats[other].command("pass", seat=on_turn)
    assert ack["error"]["code"] == "forbidden" and ack["error"]["field"] == "seat"
    ack = seats[other].command("pass")
    assert ack["error"]["code"] == "not_your_turn"

    # Spectators cannot act.
    watcher = SeatClient(server.url).connect()
    clients.append(watcher)
    assert watcher.spectate(game["game_id"])["ok"]
    assert watcher.command("pass")["error"]["code"] == "forbidden"

    audit = requests.get(f"{server.url}/api/games/{game['game_id']}/audit",
                         headers={"Authorization": f"Bearer {game['tokens'][0]}"}, timeout=10)
    denied = [a for a in audit.json()["audit"] if a["action"].startswith("denied:")]
    assert len(denied) == 6
    assert [a["actor"].split(" (")[0] for a in denied] == ["seat 1"] * 5 + [f"seat {other}"]
    assert [a["action"] for a in denied][-1] == "denied:pass" and denied[-1]["detail"] == {"code": "forbidden"}
    # The audit trail is the facilitator's only.
    r = requests.get(f"{server.url}/api/games/{game['game_id']}/audit",
                     headers={"Authorization": f"Bearer {game['tokens'][1]}"}, timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert server.unhandled_errors() == []


def test_someone_late_takes_a_free_seat_mid_game_and_plays_to_the_end(start_server: Any,
                                                                        clients: list[SeatClient]) -> None:
    server = start_server()
    game = create_game(server.url, 3, timing=NO_TIMEOUTS, free=1)
    seats = seat_clients(server.url, game["tokens"], clients)
    player = Autoplayer(seats)
    # Into the second trick.
    player.play(until=lambda: bool(seats[0].view and seats[0].view["phase"] == "play"
                                   and seats[0].view["trick"] and seats[0].view["trick"]["number"] >= 2))
    assert player.errors == []
    public = requests.get(f"{server.url}/api/games/{game['game_id']}", timeout=10).json()
    assert public["phase"] == "play" and public["free_seats"] == 1

    r = requests.post(f"{server.url}/api/games/{game['game_id']}/seats", json={"name": "Hannah"}, timeout=10)
    assert r.status_code == 201, r.text
    assert r.json()["seat"] == 3
    # Everyone at the table sees Hannah arrive, with the cards she was dealt counted.
    for c in seats:
        assert c.wait_for(lambda c=c: c.view is not None and len(c.view["seats"]) == 4), f"seat {c.seat}"
        assert c.view["seats"][3]["name"] == "Hannah" and c.view["seats"][3]["hand_size"] > 0  # type: ignore[index]
        assert any(e["type"] == "SeatJoined" and e["seat"] == 3 for u in c.updates for e in u["events"])
    hannah = seat_clients(server.url, [r.json()["token"]], clients)[0]
    assert hannah.seat == 3 and len(hannah.view["hand"]) == hannah.view["seats"][3]["hand_size"]  # type: ignore[index]
    full = requests.post(f"{server.url}/api/games/{game['game_id']}/seats", json={"name": "Leon"}, timeout=10)
    assert full.status_code == 409 and full.json()["error"]["code"] == "seats_full"

    everyone = [*seats, hannah]
    player = Autoplayer(everyone)
    player.play()
    assert player.errors == []
    assert seats[0].view["phase"] == "ended", f"stuck after {player.moves} moves"  # type: ignore[index]
    check_final(server.url, game["game_id"], everyone)
    check_no_leaks(*everyone)
    ended = requests.post(f"{server.url}/api/games/{game['game_id']}/seats", json={"name": "Leon"}, timeout=10)
    assert ended.status_code == 409 and ended.json()["error"]["code"] == "already_started"
    audit = requests.get(f"{server.url}/api/games/{game['game_id']}/audit",
                         headers={"Authorization": f"Bearer {game['tokens'][0]}"}, timeout=10).json()["audit"]
    assert [a["actor"] for a in audit if a["action"] == "JoinLate"] == ["seat 3 (Hannah)"]


def test_the_facilitator_hands_over_mid_game_and_the_new_one_runs_it_to_the_end(start_server: Any,
                                                                                clients: list[SeatClient]) -> None:
    """Kim must leave early: she hands facilitating to Doug; every seat and the shared screen see it at once."""
    server = start_server()
    game = create_game(server.url, 3, timing=NO_TIMEOUTS)
    kim, doug, sam = seats = seat_clients(server.url, game["tokens"], clients)
    watcher = SeatClient(server.url).connect()
    clients.append(watcher)
    assert watcher.spectate(game["game_id"])["ok"]
    player = Autoplayer(seats)
    player.play(until=lambda: player.moves >= 6)
    assert kim.view["phase"] == "play", "the game should still be in play"  # type: ignore[index]

    assert sam.command("hand_over", target_seat=2)["error"]["code"] == "forbidden"
    assert watcher.command("hand_over", target_seat=1)["error"]["code"] == "forbidden"
    ack = kim.command("hand_over", target_seat=1)
    assert ack["ok"], ack
    assert all_seats_at([*seats, watcher], ack["version"])
    for c in (*seats, watcher):
        assert c.view["facilitator"] == 1, c.seat  # type: ignore[index]
        assert any(e == {"type": "FacilitatorChanged", "seat": 1, "previous": 0, "reason": "hand_over"}
                   for u in c.updates for e in u["events"]), c.seat
    assert "EndGame" in doug.view["legal"]["facilitator"]  # type: ignore[index]
    assert kim.view["legal"]["facilitator"] == [] == sam.view["legal"]["facilitator"]  # type: ignore[index]
    assert kim.command("end_game")["error"]["code"] == "forbidden"

    # Kim's laptop closes; she comes back later as a player, and Doug ends the game.
    kim.close()
    back = SeatClient(server.url, game["tokens"][0]).connect()
    clients.append(back)
    assert back.role == "player"
    assert doug.command("end_game")["ok"]
    assert doug.wait_for(lambda: doug.view["phase"] == "ended")  # type: ignore[index]
    check_no_leaks(doug, sam, back)
    audit = requests.get(f"{server.url}/api/games/{game['game_id']}/audit",
                         headers={"Authorization": f"Bearer {game['tokens'][1]}"}, timeout=10).json()["audit"]
    handed = [a for a in audit if a["action"] == "HandOver"]
    assert [(a["actor"], a["detail"]["target_seat"]) for a in handed] == [(f"seat 0 ({kim.view['seats'][0]['name']}) facilitator", 1)]  # type: ignore[index]
    assert [a["action"] for a in audit if a["action"].startswith("denied:")] == ["denied:hand_over", "denied:end_game"]
    assert server.unhandled_errors() == []
