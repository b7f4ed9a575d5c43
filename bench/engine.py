"""Benchmark of the game engine: a full 6-seat bot game on the LeeJames HR example.

    .venv/bin/python bench/engine.py [--games N] [--seats 6] [--json]

Prints the time of a whole bot game (bots' decisions included), the time of
replaying the same game's commands (the engine alone), and the median and
90th percentile of one ``apply``. Targets: under 20 ms per game, median
apply under 50 µs. The figures go into docs/benchmarks.md ("Engine").

Every game is timed in several interleaved rounds. As with ``timeit``, the
best round is the engine's own cost (other processes on a shared machine can
only add time); the median of the rounds is printed too, with the load
average, so you can tell how busy the machine was.

It uses examples/leejames-hr/before.yaml and the shipped serverless deck
when they exist, else the test fixtures under tests/game/fixtures/.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cards import available_decks, load_deck, parse_deck  # noqa: E402
from game.architecture import Architecture  # noqa: E402
from game.bots import autoplay  # noqa: E402
from game.deck import Deck  # noqa: E402
from game.engine import apply, new_game  # noqa: E402
from game.importers import load_architecture  # noqa: E402
from game.state import GameState, Settings  # noqa: E402

EXAMPLE = ROOT / "examples" / "leejames-hr" / "before.yaml"
FIXTURE_MODEL = ROOT / "tests" / "game" / "fixtures" / "leejames-before.yaml"
FIXTURE_DECK = ROOT / "tests" / "game" / "fixtures" / "practice-deck.yaml"


def inputs() -> tuple[Architecture, Deck, str]:
    """The architecture and deck to play, and a line saying which."""
    model = EXAMPLE if EXAMPLE.exists() else FIXTURE_MODEL
    architecture = load_architecture(model.read_bytes(), str(model.relative_to(ROOT)))
    if "serverless-stride" in available_decks():
        deck, deck_name = load_deck(), "cards/decks/serverless-stride.yaml"
    else:
        deck = parse_deck(FIXTURE_DECK.read_text(encoding="utf-8"), str(FIXTURE_DECK.relative_to(ROOT)))
        deck_name = str(FIXTURE_DECK.relative_to(ROOT))
    return architecture, deck, f"{model.relative_to(ROOT)} with {deck_name} ({len(deck)} cards)"


def fresh(architecture: Architecture, deck: Deck, seats: int, seed: int) -> GameState:
    """A new bot game."""
    return new_game(Settings.for_names(bots=seats), architecture, deck, seed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=100, help="games (seeds) per measurement (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="times each game is timed; the best counts (default 5)")
    parser.add_argument("--seats", type=int, default=6, help="bot seats (default 6)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    architecture, deck, what = inputs()

    # Warm up: the board memoises every (card, target) verdict on first use.
    autoplay(fresh(architecture, deck, args.seats, 0))

    load_before = os.getloadavg()[0]
    seeds = range(args.games)
    starts = {seed: fresh(architecture, deck, args.seats, seed) for seed in seeds}
    commands = {seed: autoplay(starts[seed])[1] for seed in seeds}
    game = {seed: [] for seed in seeds}  # type: dict[int, list[float]]
    cold = {seed: [] for seed in seeds}  # type: dict[int, list[float]]
    replay_ms = {seed: [] for seed in seeds}  # type: dict[int, list[float]]
    apply_us = {seed: [[] for _ in commands[seed]] for seed in seeds}  # type: dict[int, list[list[float]]]
    clock = time.perf_counter_ns
    gc.collect()
    # Rounds interleave every kind of measurement, so a burst of load elsewhere
    # hits them alike; the best of the rounds is the engine's own cost.
    for _ in range(args.repeat):
        for seed in seeds:
            t0 = clock()
            autoplay(fresh(architecture, deck, args.seats, seed))
            game[seed].append((clock() - t0) / 1e6)
            # Cold: a fresh Architecture object, so no board is shared and every
            # (card, target) verdict the game needs is computed inside it.
            t0 = clock()
            autoplay(fresh(dataclasses.replace(architecture), deck, args.seats, seed))
            cold[seed].append((clock() - t0) / 1e6)
            state = starts[seed]
            times = apply_us[seed]
            t0 = clock()
            for i, command in enumerate(commands[seed]):
                c0 = clock()
                state, _ = apply(state, command)
                times[i].append((clock() - c0) / 1e3)
            replay_ms[seed].append((clock() - t0) / 1e6)

    def best(per_seed: dict[int, list[float]]) -> list[float]:
        return [min(v) for v in per_seed.values()]

    def typical(per_seed: dict[int, list[float]]) -> list[float]:
        return [statistics.median(v) for v in per_seed.values()]

    apply_best = [min(t) for per in apply_us.values() for t in per]
    apply_typical = [statistics.median(t) for per in apply_us.values() for t in per]
    figures = {
        "input": what,
        "seats": args.seats,
        "games": args.games,
        "repeat": args.repeat,
        "commands_per_game_mean": round(statistics.mean(len(c) for c in commands.values()), 1),
        "game_ms_median": round(statistics.median(best(game)), 2),
        "game_ms_p90": round(statistics.quantiles(best(game), n=10)[-1], 2),
        "game_ms_median_typical": round(statistics.median(typical(game)), 2),
        "cold_game_ms_median": round(statistics.median(best(cold)), 2),
        "replay_ms_median": round(statistics.median(best(replay_ms)), 2),
        "apply_us_median": round(statistics.median(apply_best), 1),
        "apply_us_p90": round(statistics.quantiles(apply_best, n=10)[-1], 1),
        "apply_us_median_typical": round(statistics.median(apply_typical), 1),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        f = figures
        print(f"engine benchmark: {what}, {args.seats} bot seats, {args.games} games x {args.repeat} rounds, Python {f['python']}")
        print(f"  load average           {f['load_average'][0]} before, {f['load_average'][1]} after, on {f['cpus']} CPUs")
        print(f"  commands per game      {f['commands_per_game_mean']}")
        print(f"  full bot game          median {f['game_ms_median']} ms, p90 {f['game_ms_p90']} ms (best of rounds; target < 20 ms)")
        print(f"                         median {f['game_ms_median_typical']} ms (median of rounds)")
        print(f"  cold bot game          median {f['cold_game_ms_median']} ms (fresh architecture object: every verdict computed in the game)")
        print(f"  replay (engine only)   median {f['replay_ms_median']} ms per game")
        print(f"  one apply              median {f['apply_us_median']} µs, p90 {f['apply_us_p90']} µs (best of rounds; target median < 50 µs)")
        print(f"                         median {f['apply_us_median_typical']} µs (median of rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
