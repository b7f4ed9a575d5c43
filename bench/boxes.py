"""Benchmark: which trust boundary box each node of a Threat Dragon diagram lies in.

The importer tried every box for every node (10,000 nodes and 1,000 boxes: 15 s); it now sweeps along x or y
(game/importers/threat_dragon.py, ``_innermost_boxes``). This prints both side by side, in one run, on three
layouts of 10,000 nodes and 1,000 boxes: columns of boxes with a box nested in each (as threatdeck's own export
draws them), rows of bands, and boxes dropped at random (overlapping). It checks both find the same boxes.
Times are the best of the runs (other processes only add time); the machine may be shared. Run:

    .venv/bin/python bench/boxes.py [--quick]

docs/benchmarks.md records the figures with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from game.importers import threat_dragon  # noqa: E402
from game.importers.threat_dragon import _Element, _innermost, _innermost_boxes, from_document  # noqa: E402

Box = tuple[float, float, float, float]


def columns(nodes: int, boxes: int, rng: random.Random) -> tuple[list[Box], list[Box]]:
    """Half the boxes side by side in a grid, each with a smaller box inside; nodes spread over them."""
    outer = boxes // 2
    per_row = 25
    out: list[Box] = []
    for k in range(outer):
        x, y = (k % per_row) * 1200.0, (k // per_row) * 1200.0
        out += [(x, y, 1000.0, 1000.0), (x + 500.0, y + 500.0, 400.0, 400.0)]
    return out, [_node(rng, *out[2 * rng.randrange(outer)]) for _ in range(nodes)]


def rows(nodes: int, boxes: int, rng: random.Random) -> tuple[list[Box], list[Box]]:
    """Bands across the whole diagram, one under the other (Internet, DMZ, VPC… as rows)."""
    out = [(0.0, k * 300.0, 30_000.0, 260.0) for k in range(boxes)]
    return out, [_node(rng, *out[rng.randrange(boxes)]) for _ in range(nodes)]


def scattered(nodes: int, boxes: int, rng: random.Random) -> tuple[list[Box], list[Box]]:
    """Boxes of any size dropped anywhere, overlapping; nodes anywhere."""
    out = [(rng.uniform(0, 30_000), rng.uniform(0, 30_000), rng.uniform(100, 3000), rng.uniform(100, 3000))
           for _ in range(boxes)]
    return out, [(rng.uniform(0, 33_000), rng.uniform(0, 33_000), 100.0, 100.0) for _ in range(nodes)]


def _node(rng: random.Random, x: float, y: float, w: float, h: float) -> Box:
    return (x + rng.uniform(0, w - 100), y + rng.uniform(0, h - 100), 100.0, 100.0)


def elements(td_type: str, shapes: list[Box]) -> list[_Element]:
    return [_Element(diagram=0, path="", props_path="", cell_id=f"{td_type}{i}", td_type=td_type, name="",
                     props={}, box=b) for i, b in enumerate(shapes)]


def document(boxes: list[Box], nodes: list[Box]) -> dict[str, Any]:
    def cell(i: int, td_type: str, b: Box) -> dict[str, Any]:
        return {"id": f"c{i}", "shape": "x", "position": {"x": b[0], "y": b[1]}, "size": {"width": b[2], "height": b[3]},
                "data": {"type": td_type, "name": f"{td_type[3:]} {i}"}}
    cells = [cell(i, "tm.BoundaryBox", b) for i, b in enumerate(boxes)]
    cells += [cell(len(boxes) + i, "tm.Process", b) for i, b in enumerate(nodes)]
    return {"version": "2.3.0", "summary": {"title": "boxes"}, "detail": {"diagrams": [{"cells": cells}]}}


def best(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return min(times), out


def every_box(nodes: list[_Element], boxes: list[_Element]) -> list[_Element | None]:
    """The matching as it was: every box tried for every node."""
    return [_innermost(e, boxes) for e in nodes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 nodes and 200 boxes, one run each")
    parser.add_argument("--import", dest="whole", action="store_true", help="also time the whole import")
    args = parser.parse_args()
    n, b, repeat = (2_000, 200, 1) if args.quick else (10_000, 1_000, 3)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{n:,} nodes, {b:,} boxes; best of {repeat} (every box: best of 1)")
    print(f"{'layout':<10} {'every box':>12} {'sweep':>12} {'faster':>8}")
    for layout in (columns, rows, scattered):
        shapes, centres = layout(n, b, random.Random(7))
        boxes, nodes = elements("tm.BoundaryBox", shapes), elements("tm.Process", centres)
        before, expected = best(lambda: every_box(nodes, boxes), 1)
        after, got = best(lambda: _innermost_boxes(nodes, boxes), repeat)
        assert [id(x) for x in got] == [id(x) for x in expected], layout.__name__
        print(f"{layout.__name__:<10} {before * 1000:>10.0f}ms {after * 1000:>10.1f}ms {before / after:>7.0f}x")
        if args.whole:
            doc = document(shapes, centres)
            sweep = threat_dragon._innermost_boxes
            threat_dragon._innermost_boxes = every_box  # type: ignore[assignment]
            try:
                whole_before, _ = best(lambda: from_document(doc, "boxes.json"), 1)
            finally:
                threat_dragon._innermost_boxes = sweep
            whole_after, _ = best(lambda: from_document(doc, "boxes.json"), 1)
            print(f"{'  import':<10} {whole_before * 1000:>10.0f}ms {whole_after * 1000:>10.0f}ms")


if __name__ == "__main__":
    main()
