"""Presence and taking over facilitating: a game never waits for good on a facilitator who has gone."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from serverkit import FakeClock, make_app, new_game
from test_sockets import Seat

from server.presence import STALE_BEATS, Presence
from server.sockets import presence_data
from server.repository import GameRecord, InMemoryGameRepository


def _presence(seat: Seat) -> list[dict[str, Any]]:
    """Every ``presence`` message the seat has received since last asked."""
    return [m["args"][0] for m in seat.c.get_received() if m["name"] == "presence"]


def _connected(message: dict[str, Any]) -> list[bool]:
    return [p["connected"] for p in message["seats"]]


def test_the_join_says_who_is_here_and_everyone_hears_of_arrivals_and_departures(
        app: Any, game: dict[str, Any]) -> None:
    kim = Seat(app, game["tokens"][0])
    assert _connected(kim.seen[0][0]["presence"]) == [True, False, False, False]
    assert kim.seen[0][0]["presence"]["take_over_after"] == 60
    _presence(kim)
    doug = Seat(app, game["tokens"][1])
    assert _connected(_presence(kim)[-1]) == [True, True, False, False]
    # A second tab of the same seat changes nothing anyone sees.
    again = Seat(app, game["tokens"][1])
    assert _presence(kim) == []
    again.c.disconnect()
    assert _presence(kim) == []
    watcher = Seat(app)
    assert _connected(watcher.emit("spectate", {"game_id": game["game_id"]})["presence"]) == [True, True, False, False]
    kim.c.disconnect()
    gone = _presence(doug)[-1]
    assert _connected(gone) == [False, True, False, False] and gone["seats"][0]["away_seconds"] == 0
    assert _presence(watcher)[-1] == gone  # spectators are told too
    assert _connected(watcher.emit("sync", {})["presence"]) == [False, True, False, False]


def test_a_seat_takes_over_once_the_facilitator_has_been_away_long_enough(
        app: Any, game: dict[str, Any], clock: FakeClock, client: Any) -> None:
    presence = app.extensions["threatdeck"].presence

    def wait(seconds: float) -> None:  # the heartbeat keeps the seats still connected fresh
        clock.advance(seconds)
        presence.beat()

    kim, doug = Seat(app, game["tokens"][0]), Seat(app, game["tokens"][1])
    refused = doug.command("take_over")
    assert refused["error"]["code"] == "facilitator_here" and "Kim is connected" in refused["error"]["message"]
    kim.c.disconnect()
    wait(30)
    refused = doug.command("take_over")
    assert refused["error"]["code"] == "facilitator_here" and "away for 30 s" in refused["error"]["message"]
    wait(31)
    doug.pump()
    assert doug.command("take_over")["ok"]
    update = doug.pump()[-1]
    assert [e["type"] for e in update["events"]] == ["FacilitatorChanged"]
    assert doug.view["facilitator"] == 1 and doug.view["legal"]["facilitator"] == ["StartGame", "RemoveSeat", "HandOver"]  # type: ignore[index]
    # Kim comes back as a player: her link still works, her facilitator's powers moved on.
    kim = Seat(app, game["tokens"][0])
    assert kim.seen[-1][0]["role"] == "player" and kim.view["legal"]["facilitator"] == []  # type: ignore[index]
    assert kim.command("start")["error"]["code"] == "forbidden"
    assert kim.command("take_over")["error"]["code"] == "facilitator_here"  # Doug is here
    assert doug.command("start")["ok"]
    # The audit trail belongs to whoever facilitates now.
    url = f"/api/games/{game['game_id']}/audit"
    assert client.get(url, headers={"Authorization": f"Bearer {game['tokens'][0]}"}).status_code == 403
    trail = client.get(url, headers={"Authorization": f"Bearer {game['tokens'][1]}"})
    assert trail.status_code == 200
    assert [a["action"] for a in trail.json["audit"] if a["action"] in ("TakeOver", "denied:start")] == [
        "TakeOver", "denied:start"]


def test_only_one_of_two_seats_taking_over_at_once_succeeds(app: Any, game: dict[str, Any], clock: FakeClock) -> None:
    kim, doug, sam = (Seat(app, t) for t in game["tokens"][:3])
    kim.c.disconnect()
    clock.advance(61)
    app.extensions["threatdeck"].presence.beat()
    assert doug.command("take_over")["ok"]
    # Sam's view is older, but the check is made on the state the command applies to: Doug is here.
    assert sam.command("take_over")["error"]["code"] == "facilitator_here"


def test_a_facilitator_who_never_connected_is_away_since_the_game_was_made(
        clock: FakeClock) -> None:
    app = make_app(FACILITATOR_AWAY_SECONDS=5)
    app.extensions["threatdeck"].games.clock = clock
    g = new_game(app.test_client())
    doug = Seat(app, g["tokens"][1])
    assert doug.command("take_over")["error"]["code"] == "facilitator_here"
    clock.advance(5)
    assert doug.command("take_over")["ok"]


def _game_record(game_id: str, created: dt.datetime) -> GameRecord:
    return GameRecord(id=game_id, version=0, phase="setup", deck="d", architecture_name="a", architecture={},
                      board={}, snapshot={}, snapshot_version=0, meta={}, created_at=created, updated_at=created,
                      expires_at=created + dt.timedelta(days=1), deadline_at=None)


def test_processes_see_each_others_seats_and_a_dead_process_seats_go_away() -> None:
    clock = FakeClock()
    repo = InMemoryGameRepository()
    created = dt.datetime.fromtimestamp(clock.now, dt.timezone.utc)
    repo.create_game(_game_record("g1", created), [], [])
    one, two = Presence(repo, clock, 10), Presence(repo, clock, 10)
    assert one.arrive("g1", 0, "s1") and not one.arrive("g1", 0, "s2")  # a second socket of the seat in the same process
    assert [p.connected for p in two.seats("g1", 2, created)] == [True, False]
    clock.advance(10)
    one.beat()
    clock.advance(STALE_BEATS * 10)
    assert two.seats("g1", 2, created)[0].connected  # beat 30 s ago: still alive
    clock.advance(1)
    away = two.seats("g1", 2, created)[0]  # three beats missed: process one is gone
    assert not away.connected and away.away_seconds == STALE_BEATS * 10 + 1
    assert two.seats("g1", 2, created)[1].away_seconds == STALE_BEATS * 10 + 11  # never seen: since the game was made
    assert two.arrive("g1", 0, "s3")
    assert two.seats("g1", 2, created)[0].connected
    assert two.leave("g1", 0, "s3")  # its only socket there
    # A socket leaves once however often it is said to (a disconnect and a join's own clean-up).
    assert not one.leave("g1", 0, "s1") and not one.leave("g1", 0, "s1")
    assert two.seats("g1", 2, created)[0].connected
    assert one.leave("g1", 0, "s2")
    left = two.seats("g1", 2, created)[0]
    assert not left.connected and left.away_seconds == 0


def test_a_count_that_could_not_be_written_is_written_by_the_next_beat() -> None:
    clock = FakeClock()
    repo = InMemoryGameRepository()
    created = dt.datetime.fromtimestamp(clock.now, dt.timezone.utc)
    repo.create_game(_game_record("g1", created), [], [])
    presence = Presence(repo, clock, 10)
    hold = repo.hold

    def busy(records: Any) -> None:
        raise RuntimeError("database is locked")

    repo.hold = busy  # type: ignore[method-assign]
    try:
        presence.arrive("g1", 0, "s1")
    except RuntimeError:
        pass
    repo.hold = hold  # type: ignore[method-assign]
    assert not presence.seats("g1", 1, created)[0].connected
    clock.advance(10)
    presence.beat()
    assert presence.seats("g1", 1, created)[0].connected


def test_changes_made_while_a_count_is_being_written_go_in_one_write_and_the_last_count_wins() -> None:
    """A reconnect storm: every seat's change waits behind the write before it. Those waiting go together in
    the next write (not one write each, one after another), and every row ends at its seat's last count."""
    clock = FakeClock()
    repo = InMemoryGameRepository()
    created = dt.datetime.fromtimestamp(clock.now, dt.timezone.utc)
    for g in range(10):
        repo.create_game(_game_record(f"g{g}", created), [], [])
    presence = Presence(repo, clock, 10)
    writes: list[int] = []
    hold, first = repo.hold, threading.Event()

    def slow(records: Any) -> None:
        writes.append(len(records))
        first.set()
        if len(writes) == 1:
            # The database is busy until everyone else has arrived (and "first" left): a fixed pause let some
            # changes come after the second write had begun, on a loaded machine.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not everyone_counted():
                time.sleep(0.005)
        hold(records)

    def everyone_counted() -> bool:
        with presence._lock:
            return len(presence._dirty) == len(seats) and presence._sockets.get(("g0", 0)) == {"g0-0"}

    seats = [(f"g{g}", n) for g in range(10) for n in range(6)]
    repo.hold = slow  # type: ignore[method-assign]
    opener = threading.Thread(target=presence.arrive, args=("g0", 0, "first"))
    opener.start()
    first.wait(5)
    threads = [threading.Thread(target=presence.arrive, args=(g, n, f"{g}-{n}")) for g, n in seats]
    threads += [threading.Thread(target=presence.leave, args=("g0", 0, "first"))]
    for t in threads:
        t.start()
    for t in threads + [opener]:
        t.join(30)
    assert writes == [1, len(seats)], writes  # the first seat's own write, then every change made meanwhile
    rows = {(r.game_id, r.seat): r.connections for g in range(10) for r in repo.presence(f"g{g}")}
    assert rows == {key: 1 for key in seats}  # g0's seat 0: "first" left, "g0-0" is there


def test_a_failed_write_is_reported_to_everyone_whose_change_it_carried() -> None:
    clock = FakeClock()
    repo = InMemoryGameRepository()
    created = dt.datetime.fromtimestamp(clock.now, dt.timezone.utc)
    repo.create_game(_game_record("g1", created), [], [])
    presence = Presence(repo, clock, 10)
    started = threading.Event()
    outcomes: dict[int, str] = {}

    def failing(records: Any) -> None:
        started.set()
        time.sleep(0.2)
        raise RuntimeError("database is locked")

    def arrive(seat: int) -> None:
        try:
            presence.arrive("g1", seat, f"s{seat}")
            outcomes[seat] = "stored"
        except Exception as exc:  # noqa: BLE001 - the outcome is what is checked
            outcomes[seat] = type(exc).__name__

    repo.hold = failing  # type: ignore[method-assign]
    first = threading.Thread(target=arrive, args=(0,))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=arrive, args=(seat,)) for seat in (1, 2)]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join(10)
    assert outcomes[0] == "RuntimeError" and set(outcomes.values()) <= {"RuntimeError", "PresenceNotStored"}
    assert "stored" not in outcomes.values()


def test_an_announcement_is_not_read_again_for_a_change_a_later_reading_has(app: Any, game: dict[str, Any]) -> None:
    """An announcement waiting for the lock while another one began reading after it was asked for: that reading
    has its change, so it reads nothing and sends nothing (a storm: one reading a game, not one a seat)."""
    from server import sockets

    rt, gid = app.extensions["threatdeck"], game["game_id"]
    reads: list[str] = []
    seats, live = rt.presence.seats, rt.games.live
    asked = threading.Event()

    def counted(game_id: str, *args: Any) -> Any:
        reads.append(game_id)
        return seats(game_id, *args)

    def looked_up(*args: Any, **kwargs: Any) -> Any:
        asked.set()  # announce_presence has taken its ticket and goes for the lock next
        return live(*args, **kwargs)

    rt.presence.seats = counted
    rt.games.live = looked_up
    with rt.presence_lock:
        waiting = threading.Thread(target=sockets.announce_presence, args=(rt, gid))
        waiting.start()
        assert asked.wait(5)
        rt.presence_read[gid] = next(rt.presence_tickets)  # another announcement read the presence meanwhile
    waiting.join(5)
    assert reads == []
    sockets.announce_presence(rt, gid)  # asked for after that reading: it reads
    assert reads == [gid]


def test_a_join_succeeds_when_presence_cannot_be_written(app: Any, game: dict[str, Any]) -> None:
    rt = app.extensions["threatdeck"]

    def down(record: Any) -> None:
        raise RuntimeError("database is locked")

    rt.repo.hold = down
    kim = Seat(app, game["tokens"][0])  # Seat() asserts the join succeeded
    assert kim.view is not None and kim.view["you"] == 0
    kim.c.disconnect()  # and leaving does not raise either


def test_a_seat_that_turns_to_watching_is_away(app: Any, game: dict[str, Any], clock: FakeClock) -> None:
    """A tab that leaves its seat for the spectator's view (the shared screen) no longer holds the seat."""
    kim, doug = Seat(app, game["tokens"][0]), Seat(app, game["tokens"][1])
    _presence(doug)
    assert kim.emit("spectate", {"game_id": game["game_id"]})["ok"]
    assert _connected(_presence(doug)[-1]) == [False, True, False, False]
    clock.advance(60)
    assert doug.command("take_over")["ok"]


def test_a_socket_that_closes_while_joining_does_not_hold_the_seat(app: Any, game: dict[str, Any]) -> None:
    """A lid closing during a reconnect: the disconnect is handled while the join is still on its way."""
    rt = app.extensions["threatdeck"]
    kim, doug = Seat(app, game["tokens"][0]), Seat(app)
    arrive = rt.presence.arrive

    def closing(*args: Any) -> bool:
        rt.presence.arrive = arrive
        doug.c.disconnect()  # handled before the join counts the socket
        return arrive(*args)

    rt.presence.arrive = closing
    doug.emit("join", {"token": game["tokens"][1]})
    assert [p["connected"] for p in presence_data(rt, rt.games.live(game["game_id"]))["seats"]] == [
        True, False, False, False]


def test_the_audit_trail_names_the_seat_that_facilitates_now(
        app: Any, game: dict[str, Any], clock: FakeClock, client: Any) -> None:
    kim, doug = Seat(app, game["tokens"][0]), Seat(app, game["tokens"][1])
    kim.c.disconnect()
    clock.advance(61)
    assert doug.command("take_over")["ok"]
    kim = Seat(app, game["tokens"][0])
    assert kim.command("start")["error"]["code"] == "forbidden"
    assert doug.command("start")["ok"]
    trail = client.get(f"/api/games/{game['game_id']}/audit", headers={"Authorization": f"Bearer {game['tokens'][1]}"})
    lines = [(a["actor"], a["action"]) for a in trail.json["audit"]]
    assert lines[-4:] == [
        ("seat 1 (Doug)", "TakeOver"),  # not yet the facilitator when he asked
        ("seat 0 (Kim)", "Connect"),
        ("seat 0 (Kim)", "denied:start"),
        ("seat 1 (Doug) facilitator", "StartGame"),
    ]


def test_a_process_forgets_what_it_showed_of_games_it_no_longer_serves(app: Any, game: dict[str, Any]) -> None:
    """Several processes: the game is deleted by another process's sweep, long after everyone left this one."""
    rt = app.extensions["threatdeck"]

    class OneBeat:
        def sleep(self, _seconds: float) -> None:
            rt.stop()

    Seat(app, game["tokens"][0]).c.disconnect()
    assert game["game_id"] in rt.presence_shown
    rt.repo.expire(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=365))
    rt._presence_loop(OneBeat())
    assert rt.presence_shown == {}


def test_a_take_over_after_the_end_or_from_a_removed_seat_gets_the_engines_reason(
        app: Any, game: dict[str, Any]) -> None:
    kim, doug, sam = (Seat(app, t) for t in game["tokens"][:3])  # Kim is here: the presence check would refuse
    assert kim.command("remove_seat", target_seat=2)["ok"]
    assert sam.command("take_over")["error"]["code"] == "seat_removed"
    assert kim.command("start")["ok"] and kim.command("end_game")["ok"]
    assert doug.command("take_over")["error"]["code"] == "game_over"


def test_a_seat_joining_is_answered_with_the_presence_its_arrival_announced_read_once(
        app: Any, game: dict[str, Any], monkeypatch: Any) -> None:
    presence = app.extensions["threatdeck"].presence
    readings: list[str] = []
    read = presence.seats
    monkeypatch.setattr(presence, "seats", lambda *a, **kw: readings.append("read") or read(*a, **kw))
    kim = Seat(app, game["tokens"][0])
    announced = _presence(kim)
    assert len(readings) == 1 and announced == [kim.seen[0][0]["presence"]]
    assert _connected(announced[0]) == [True, False, False, False]


def test_a_reading_made_between_the_arrival_and_the_answer_is_not_answered_with_the_older_one(
        app: Any, game: dict[str, Any], monkeypatch: Any) -> None:
    """The seat may have been sent the newer reading before its answer: the answer must not take it back."""
    rt = app.extensions["threatdeck"]
    doug = Seat(app, game["tokens"][1])
    record, left = rt.repo.record, []

    def meanwhile(audit: Any) -> None:  # Doug leaves while Kim's join is under way, after Kim's arrival was read
        if not left and audit and audit[0].action == "Connect":
            left.append(True)
            doug.c.disconnect()
        record(audit)

    monkeypatch.setattr(rt.repo, "record", meanwhile)
    kim = Seat(app, game["tokens"][0])
    assert _connected(_presence(kim)[-1]) == [True, False, False, False]  # Doug's leaving, announced to Kim
    assert _connected(kim.seen[0][0]["presence"]) == [True, False, False, False]  # and not taken back
