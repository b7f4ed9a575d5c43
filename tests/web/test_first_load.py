"""The first page load: JavaScript bytes (compressed) and time to interactive, measured in the browser.

Figures go to test-results/web-benchmarks.json (and docs/benchmarks.md by
hand). Only the size is asserted: it is deterministic; times are recorded,
never asserted.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import statistics
from typing import Any

from ui_steps import RESULTS, rest_game

BUDGET = 300 * 1024
"""Most compressed JavaScript the first load of any page may transfer."""
RUNS = 5


def _load(browser: Any, url: str, ready: str, mark: str = "threatdeck-ready") -> dict[str, Any]:
    """One cold load in a fresh context: scripts transferred and the time to the ready marker."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    scripts: list[Any] = []
    page.on("response", lambda r: scripts.append(r) if r.request.resource_type == "script" else None)
    page.goto(url)
    page.wait_for_selector(ready)
    page.wait_for_timeout(300)  # anything requested right after the marker is counted too
    timing = page.evaluate(f"""() => {{
        const nav = performance.getEntriesByType('navigation')[0];
        const m = performance.getEntriesByName('{mark}')[0];
        const d = performance.getEntriesByName('threatdeck-diagram')[0];
        return {{ready: m ? m.startTime : null, diagram: d ? d.startTime : null, dcl: nav.domContentLoadedEventEnd}};
    }}""")
    files = []
    for r in scripts:
        body = r.body()
        files.append({
            "url": r.url.split("/")[-1],
            "transferred": r.request.sizes()["responseBodySize"],
            "encoding": r.headers.get("content-encoding", "identity"),
            "raw": len(body),
            "gzip": len(gzip.compress(body, 9)),
        })
    context.close()
    return {
        "ready_ms": round(timing["ready"], 1),
        "diagram_ms": None if timing["diagram"] is None else round(timing["diagram"], 1),
        "dom_content_loaded_ms": round(timing["dcl"], 1),
        "js_files": files,
        "js_transferred_bytes": sum(f["transferred"] for f in files),
        "js_gzip_bytes": sum(f["gzip"] for f in files),
        "js_raw_bytes": sum(f["raw"] for f in files),
    }


def _summary(cold: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    first = runs[0]
    diagram = [r["diagram_ms"] for r in runs if r["diagram_ms"] is not None]
    return {
        "warm_runs": len(runs),
        "ready_ms_median": round(statistics.median(r["ready_ms"] for r in runs), 1),
        "ready_ms_max": max(r["ready_ms"] for r in runs),
        "ready_ms_cold_server": cold["ready_ms"],
        "diagram_ms_median": round(statistics.median(diagram), 1) if diagram else None,
        "js_transferred_kb": round(first["js_transferred_bytes"] / 1024, 1),
        "js_gzip_kb": round(first["js_gzip_bytes"] / 1024, 1),
        "js_raw_kb": round(first["js_raw_bytes"] / 1024, 1),
        "files": first["js_files"],
    }


def test_first_load_javascript_fits_the_budget_and_is_measured(web_server: Any, browser: Any) -> None:
    # The first load after the server started is "cold" (the server reads its examples and deck then);
    # the figures are the median of the warm loads after it. Every load is a fresh browser context (no cache).
    lobby_cold = _load(browser, web_server.url + "/", "body[data-ready=lobby]")
    lobby = [_load(browser, web_server.url + "/", "body[data-ready=lobby]") for _ in range(RUNS)]
    game = rest_game(web_server.url, ["Kim", "Doug"])
    table_cold = _load(browser, game["links"][1], "#diagram[data-layout=done]")
    table = [_load(browser, game["links"][1], "#diagram[data-layout=done]") for _ in range(RUNS)]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), platform.processor())
    figures = {
        "machine": {"cpu": cpu, "cores": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
                    "python": platform.python_version(), "chromium": browser.version},
        "lobby": _summary(lobby_cold, lobby),
        "table": _summary(table_cold, table),
        "budget_kb": BUDGET / 1024,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "web-benchmarks.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    for page in ("lobby", "table"):
        f = figures[page]
        print(f"\n{page}: {f['js_transferred_kb']} KB of JavaScript transferred ({f['js_gzip_kb']} KB gzip, "
              f"{f['js_raw_kb']} KB raw) in {len(f['files'])} files; interactive in {f['ready_ms_median']} ms "
              f"(median of {f['warm_runs']} warm loads, max {f['ready_ms_max']} ms; {f['ready_ms_cold_server']} ms "
              f"on a cold server)" + (f"; diagram drawn in {f['diagram_ms_median']} ms" if f["diagram_ms_median"] else ""))
    for page in ("lobby", "table"):
        assert figures[page]["js_transferred_kb"] * 1024 < BUDGET, f"the {page} transfers too much JavaScript"
        assert figures[page]["js_gzip_kb"] * 1024 < BUDGET
        assert all(f["encoding"] == "gzip" for f in figures[page]["files"]), "scripts are sent compressed"
