"""How long placing the sticky notes takes on every pan and zoom of a large diagram.

    .venv/bin/python bench/note_stacks.py                       # 60 components, 80 flows, 150 notes
    .venv/bin/python bench/note_stacks.py --components 30 --notes 40
    .venv/bin/python bench/note_stacks.py --dist DIR/web/dist       # another checkout's build, to compare

Loads the built client's diagram module (web/dist, served as files) into a page
of Debian's Chromium, draws a generated architecture in a 1280×800 box (``--size``) with
notes on most of its components and flows, then times ``placeNotes()`` (the
collision pass and its writes, which run once per frame while the view moves)
over a sweep of zoom levels and pans: the call alone, and the call followed by
the layout it leaves for the browser (``offsetWidth``), so a forced reflow would
show. Reported in milliseconds: median, 95th percentile and the slowest, and
how many stacks were folded into badges or found no room clear of the rest
(``data-crowded-notes``). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import platform
import random
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
TYPES = ["lambda", "dynamodb", "s3", "sqs", "sns", "api_gateway", "secrets_store", "log_group", "iam_role", "actor"]
SUITS = "STRIDE"

SWEEP = """async ([module, arch, threats, width, height]) => {
    const { Diagram } = await import(module);
    const host = document.createElement('div');
    host.style.cssText = `position:fixed;left:0;top:0;width:${width}px;height:${height}px;`;
    document.body.replaceChildren(host);
    const diagram = new Diagram(host, { onPick() {} });
    diagram.setArchitecture(arch);
    diagram.setNotes(threats, (seat) => 'Seat ' + seat);
    const cy = diagram.cy;
    const fitted = cy.zoom();
    const bare = [], again = [], layout = [], badges = [], crowded = [];
    for (let round = 0; round < 3; round++) {
        for (let i = 0; i <= 40; i++) {
            const level = fitted * Math.pow(2, (i - 10) / 10);  // from half the fitted zoom to eight times it
            cy.zoom({ level, renderedPosition: { x: width / 2 + 40 * Math.sin(i), y: height / 2 + 30 * Math.cos(i) } });
            let t = performance.now();
            diagram.placeNotes();
            bare.push(performance.now() - t);
            diagram.placing = null;  // (placed already for this view: it would return at once)
            t = performance.now();
            diagram.placeNotes();
            again.push(performance.now() - t);
            t = performance.now();
            void host.offsetWidth;
            layout.push(performance.now() - t);
            badges.push(host.querySelectorAll('.note-badge').length);
            crowded.push(Number(host.dataset.crowdedNotes));
        }
    }
    diagram.fit();
    window.benchDiagram = diagram;  // for the screenshots
    const fit = Number(host.dataset.crowdedNotes);
    return { bare, again, layout, badges, crowded, fit, stacks: host.querySelectorAll('.note-stack').length, fitted };
}"""


def architecture(components: int, seed: int) -> dict[str, object]:
    """A layered system: a few callers, then rows of functions and stores, each calling one or two of the next row."""
    rng = random.Random(seed)
    comps = [{"id": f"C{i}", "type": TYPES[i % len(TYPES)], "name": f"Component {i} of the system",
              "boundary": "outside" if i < 3 else "account"} for i in range(components)]
    flows = []
    for i in range(3, components):
        for source in rng.sample(range(max(0, i - 8), i), min(2, i)):
            flows.append({"id": f"F{len(flows)}", "source": f"C{source}", "target": f"C{i}", "label": f"call {len(flows)}"})
    return {"components": comps, "flows": flows, "focus": [],
            "boundaries": [{"id": "outside", "name": "Internet"}, {"id": "account", "name": "AWS account"}]}


def threats(arch: dict[str, list[dict[str, str]]], notes: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    targets = [("component", c["id"]) for c in arch["components"]] + [("flow", f["id"]) for f in arch["flows"]]
    return [{"id": f"T{n + 1}", "target_kind": kind, "target": target, "suit": rng.choice(SUITS),
             "status": "voting" if n % 9 == 0 else "accepted", "text": f"Threat {n + 1}", "found_by": n % 4}
            for n, (kind, target) in enumerate(rng.choice(targets) for _ in range(notes))]


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the name is the base class's
        pass


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=60)
    parser.add_argument("--notes", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", default="1280x800", help="the diagram's width and height in pixels, e.g. 940x220 (a laptop's strip while rating)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--screenshots", type=Path, help="save the diagram fitted and zoomed in as PREFIX-fit.png, PREFIX-zoom.png")
    parser.add_argument("--dist", type=Path, default=DIST, help="the built client (default: this checkout's)")
    args = parser.parse_args()
    module = next((args.dist / "assets").glob("diagram-*.js"), None)
    if module is None:
        raise SystemExit("build the client first (cd web && npm run build)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(args.dist)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    arch = architecture(args.components, args.seed)
    notes = threats(arch, args.notes, args.seed)  # type: ignore[arg-type]

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        width, height = (int(n) for n in args.size.split("x"))
        page = browser.new_page(viewport={"width": max(width, 320), "height": max(height, 320)})
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        result = page.evaluate(SWEEP, [f"/assets/{module.name}", arch, notes, width, height])
        if args.screenshots:
            page.wait_for_timeout(600)  # the notes' drop animation
            page.screenshot(path=f"{args.screenshots}-fit.png")
            page.evaluate(f"() => benchDiagram.cy.zoom({{ level: benchDiagram.cy.zoom() * 3, renderedPosition: {{ x: {width / 2}, y: {height / 2} }} }})")
            page.wait_for_timeout(600)
            page.screenshot(path=f"{args.screenshots}-zoom.png")
        browser.close()
    server.shutdown()
    print(f"{platform.node()} {platform.processor() or platform.machine()}: {args.components} components, "
          f"{len(arch['flows'])} flows, {args.notes} notes on {result['stacks']} elements, fitted zoom {result['fitted']:.2f}")
    for name, what in (("bare", "placeNotes"), ("again", "placeNotes again"), ("layout", "the layout after")):
        values = result[name]
        print(f"  {what:17}: median {percentile(values, 0.5):.2f} ms, p95 {percentile(values, 0.95):.2f} ms, "
              f"slowest {max(values):.2f} ms over {len(values)} views")
    if result["fit"] is None or result["fit"] != result["fit"]:  # a build that does not count them (NaN)
        crowded = "not counted by this build"
    else:
        crowded = f"{result['fit']:.0f} fitted, up to {max(result['crowded']):.0f} over the sweep"
    print(f"  folded into badges: {min(result['badges'])}–{max(result['badges'])} stacks; no room: {crowded}")


if __name__ == "__main__":
    main()
