// The architecture as an interactive diagram: cytoscape.js draws it, the
// dagre layout (cytoscape-dagre) places it, trust boundaries are compound
// nodes (regions), flows are arrows. Sticky notes are DOM elements laid over
// the canvas and kept on their component while the view pans and zooms.
//
// This module is loaded on demand (import()), so the lobby does not pay for
// cytoscape.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { h, s as svg, fill } from "./dom.js";
import { typeIcon, typeLabel, typeColour } from "./icons.js";
import { suit } from "./suits.js";

cytoscape.use(dagre);

const BOUNDARY_TINTS = ["#fdf2e9", "#eaf4fb", "#eef7ee", "#f5eefa", "#fbf7e6", "#eef0f7"];
const BOUNDARY_LINES = ["#b7791f", "#2b6cb0", "#2f855a", "#6b46c1", "#975a16", "#4a5568"];
const MAX_NOTES_SHOWN = 5;
// A note's side in pixels: NOTE_SIZE.atZoom1 times the zoom, within min and max. 20 is the least its letter
// reads at; with NOTE_GAP between them, the notes' centres stay 24 px apart (the least target spacing of WCAG 2.2).
const NOTE_SIZE = { atZoom1: 28, min: 20, max: 34 };
const NOTE_GAP = 4;
const BOX_PAD = 2; // a note is turned a few degrees (styles.css): its corners stick out of its box
const STACK_GAP = 9; // more room between two stacks than between two notes, to tell them apart
const BADGE_PILE = 6; // the notes under a badge's top one peek out by this much (styles.css)
// Zoomed out this far, the labels are gone (min-zoomed-font-size) and a row of notes is wider than its icon
// several times over: every stack folds into its badge.
const FOLD_BELOW_ZOOM = 0.4;
// Where a stack may move, as rings of places around its own, `step` notes apart: a row of notes a little (within
// a note), a badge further (within four), in coarser steps (fewer places to try when there is no room); and
// where a crowded diagram leaves a badge no room near it, further still (a line ties it to its element).
const NOTES_REACH = { rings: 2, step: 0.5 };
const BADGE_REACH = { rings: 4, step: 1 };
const BADGE_FAR = { rings: 5, step: 2 };
const FLOW_LABEL_THIN = 24; // a flow label's box no wider or taller than this is level (or upright): all text
const ZOOM_BUTTONS = { width: 56, height: 132 }; // .diagram-zoom, from the diagram's bottom right corner
const FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif";

/** Element id in the graph for a component, flow or boundary id (they live in separate namespaces). */
export const nodeId = (componentId) => "c:" + componentId;
export const edgeId = (flowId) => "f:" + flowId;
const boundaryId = (id) => "b:" + id;

function style() {
  return [
    {
      selector: "node.component",
      style: {
        shape: "round-rectangle",
        width: 52,
        height: 52,
        "background-color": "#ffffff",
        "background-opacity": 0,
        "background-image": "data(icon)",
        "background-fit": "contain",
        "background-clip": "none",
        "border-width": 0,
        label: "data(label)",
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-y": 6,
        "text-wrap": "wrap",
        "text-max-width": 120,
        "font-family": FONT,
        "font-size": 12,
        "line-height": 1.2,
        color: "#111827",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.85,
        "text-background-padding": 2,
        "text-background-shape": "round-rectangle",
        "min-zoomed-font-size": 5,
      },
    },
    {
      selector: "node.boundary",
      style: {
        shape: "round-rectangle",
        "background-color": "data(tint)",
        "background-opacity": 0.75,
        "border-width": 2,
        "border-style": "dashed",
        "border-color": "data(line)",
        label: "data(label)",
        "text-valign": "top",
        "text-halign": "center",
        "text-margin-y": -4,
        "font-family": FONT,
        "font-size": 13,
        "font-weight": 700,
        color: "data(line)",
        padding: 22,
        "min-zoomed-font-size": 5,
      },
    },
    {
      selector: "edge",
      style: {
        width: 1.8,
        "line-color": "#6b7280",
        "target-arrow-color": "#6b7280",
        "target-arrow-shape": "triangle",
        "arrow-scale": 1.1,
        "curve-style": "bezier",
        label: "data(label)",
        "font-size": 10,
        "font-family": FONT,
        color: "#374151",
        "text-rotation": "autorotate",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.9,
        "text-background-padding": 1,
        "min-zoomed-font-size": 9,
        "text-max-width": 140,
        "text-wrap": "ellipsis",
      },
    },
    { selector: "node.component.focus", style: { "border-width": 3, "border-color": "#F0E442", "border-style": "double", "background-opacity": 1, "background-color": "#fffbe0" } },
    { selector: ".faded", style: { opacity: 0.28 } },
    { selector: "node.component.target", style: { "border-width": 4, "border-color": "data(ring)", "border-opacity": 1, "background-opacity": 1 } },
    { selector: "edge.target", style: { width: 4, "line-color": "data(ring)", "target-arrow-color": "data(ring)" } },
    { selector: "node.component.hint", style: { "border-width": 4, "border-style": "dashed", "border-color": "#000000" } },
    { selector: "edge.hint", style: { width: 4, "line-style": "dashed", "line-color": "#000000", "target-arrow-color": "#000000" } },
    { selector: "node.component.picked", style: { "border-width": 6, "border-color": "#000000", "border-style": "solid", "background-opacity": 1 } },
    { selector: "edge.picked", style: { width: 6, "line-color": "#000000", "target-arrow-color": "#000000" } },
    { selector: "node.component:active, node.component:selected", style: { "overlay-opacity": 0.08 } },
  ];
}

function intersects(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** A stack's box with its top-left corner at x, y (padded for the notes' turn). */
function boxAt(x, y, width, height) {
  return { left: x - BOX_PAD, top: y - BOX_PAD, right: x + width + BOX_PAD, bottom: y + height + BOX_PAD };
}

/** The width of a row of `count` notes of `size` (the last MAX_NOTES_SHOWN, then "+n"). */
function rowWidth(count, size) {
  const shown = Math.min(count, MAX_NOTES_SHOWN);
  return shown * size + (shown - 1) * NOTE_GAP + (count > shown ? NOTE_GAP + moreWidth(size) : 0);
}

const moreWidth = (size) => size + 10; // "+12" (styles.css, .note.more)
const badgeSize = (size) => size + BADGE_PILE;

/**
 * Boxes already taken on the screen (icons, labels, stacks placed), bucketed by a coarse grid: a place is
 * checked against the boxes of the cells it touches, not all of them. Boxes out of `view` are left out.
 */
class Occupancy {
  constructor(cell, view) {
    this.cell = cell;
    this.view = view;
    this.cells = new Map();
  }

  add(box) {
    if (!intersects(box, this.view)) return;
    const c = this.cell;
    const [x1, x2] = [Math.floor(Math.max(box.left, this.view.left) / c), Math.floor(Math.min(box.right, this.view.right) / c)];
    const [y1, y2] = [Math.floor(Math.max(box.top, this.view.top) / c), Math.floor(Math.min(box.bottom, this.view.bottom) / c)];
    for (let x = x1; x <= x2; x++) {
      for (let y = y1; y <= y2; y++) {
        const key = x * 8192 + y;
        const list = this.cells.get(key);
        if (list) list.push(box);
        else this.cells.set(key, [box]);
      }
    }
  }

  /** A taken box that `box` (within the view) overlaps, or null. */
  hit(box) {
    const c = this.cell;
    for (let x = Math.floor(box.left / c); x <= Math.floor(box.right / c); x++) {
      for (let y = Math.floor(box.top / c); y <= Math.floor(box.bottom / c); y++) {
        const list = this.cells.get(x * 8192 + y);
        if (!list) continue;
        for (const other of list) if (intersects(box, other)) return other;
      }
    }
    return null;
  }
}

/**
 * Whether cytoscape draws a label of `font` px with a min-zoomed-font-size of `least` at this zoom: it compares
 * the font at the scale of its texture, 2^ceil(log2(zoom × pixel ratio)), not at the zoom itself.
 */
function labelDrawn(font, least, zoom) {
  return font * Math.pow(2, Math.ceil(Math.log2(zoom * (window.devicePixelRatio || 1)))) >= least;
}

const spirals = new Map();
/** Grid offsets within `rings` of (0, 0), nearest first (then by angle): where to look for room, in order. */
function spiral(rings) {
  if (!spirals.has(rings)) {
    const offsets = [];
    for (let dx = -rings; dx <= rings; dx++) for (let dy = -rings; dy <= rings; dy++) offsets.push([dx, dy]);
    offsets.sort((a, b) => a[0] * a[0] + a[1] * a[1] - (b[0] * b[0] + b[1] * b[1]) || Math.atan2(a[1], a[0]) - Math.atan2(b[1], b[0]));
    spirals.set(rings, offsets);
  }
  return spirals.get(rings);
}

export class Diagram {
  /**
   * @param {HTMLElement} host an empty element; the diagram fills it
   * @param {{onPick: (kind: "component"|"flow", id: string) => void}} handlers
   */
  constructor(host, handlers) {
    this.host = host;
    this.handlers = handlers;
    this.signature = null;
    this.notes = [];
    this.names = {};
    this.stacks = new Map(); // element key → its .note-stack
    this.leaders = new Map(); // element key → the line from it to its stack, when the stack had to move away
    this.geometry = null; // see noteGeometry()
    this.placing = null; // the view the notes were last placed for
    this.canvas = h("div", { class: "diagram-canvas", "aria-hidden": "true" });
    this.overlay = h("div", { class: "diagram-notes" });
    this.leaderLines = svg("svg", { class: "note-leaders", "aria-hidden": "true" });
    this.overlay.append(this.leaderLines);
    this.popover = h("div", {
      class: "note-popover",
      hidden: true,
      role: "dialog",
      "aria-label": "Threats on this element",
      onkeydown: (e) => {
        // Escape closes the popover (and only the popover: the table's own Escape handling is skipped).
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          this.closePopover();
        }
      },
    });
    this.opener = null; // {key, threat} of the note button that opened the popover, to return the focus to
    const zoom = h(
      "div",
      { class: "diagram-zoom", role: "group", "aria-label": "Zoom" },
      h("button", { type: "button", title: "Zoom in", "aria-label": "Zoom in", onclick: () => this.zoomBy(1.25) }, "+"),
      h("button", { type: "button", title: "Zoom out", "aria-label": "Zoom out", onclick: () => this.zoomBy(0.8) }, "−"),
      h("button", { type: "button", title: "Fit the diagram", "aria-label": "Fit the diagram", onclick: () => this.fit() }, "⤢"),
    );
    fill(host, this.canvas, this.overlay, this.popover, zoom);
    host.classList.add("diagram");
    this.cy = cytoscape({
      container: this.canvas,
      style: style(),
      minZoom: 0.15,
      maxZoom: 3,
      boxSelectionEnabled: false,
      autoungrabify: true,
    });
    this.cy.on("tap", "node.component", (e) => this.handlers.onPick("component", e.target.data("ref")));
    this.cy.on("tap", "edge", (e) => this.handlers.onPick("flow", e.target.data("ref")));
    this.cy.on("tap", (e) => {
      if (e.target === this.cy) this.closePopover(false); // a click elsewhere keeps the focus where it went
    });
    this.cy.on("mouseover", "node.component, edge", () => (this.canvas.style.cursor = "pointer"));
    this.cy.on("mouseout", "node.component, edge", () => (this.canvas.style.cursor = ""));
    let queued = false;
    this.cy.on("render viewport resize", () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        this.placeNotes();
      });
    });
    this.resizeObserver = new ResizeObserver(() => {
      this.cy.resize();
      if (!this.userMoved) this.fit();
    });
    this.resizeObserver.observe(host);
    this.cy.on("zoom pan", (e) => {
      if (e.originalEvent) this.userMoved = true;
      this.host.dataset.zoom = this.cy.zoom().toFixed(3);
    });
  }

  /** Draw an architecture from a view ({components, flows, boundaries, focus}); lays out only when it changed. */
  setArchitecture(arch) {
    const signature = JSON.stringify([arch.components, arch.flows, arch.boundaries]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.names = {};
    const elements = [];
    const known = new Set(arch.boundaries.map((b) => b.id));
    arch.boundaries.forEach((b, i) => {
      elements.push({
        group: "nodes",
        classes: "boundary",
        data: { id: boundaryId(b.id), label: b.name, tint: BOUNDARY_TINTS[i % BOUNDARY_TINTS.length], line: BOUNDARY_LINES[i % BOUNDARY_LINES.length] },
      });
    });
    const focus = new Set(arch.focus || []);
    for (const c of arch.components) {
      this.names["component:" + c.id] = c.name;
      elements.push({
        group: "nodes",
        classes: "component" + (focus.has(c.id) ? " focus" : ""),
        data: {
          id: nodeId(c.id),
          ref: c.id,
          parent: c.boundary && known.has(c.boundary) ? boundaryId(c.boundary) : undefined,
          label: `${c.name}\n${typeLabel(c.type)}`,
          icon: typeIcon(c.type),
          ring: typeColour(c.type),
        },
      });
    }
    const ids = new Set(arch.components.map((c) => c.id));
    for (const f of arch.flows) {
      if (!ids.has(f.source) || !ids.has(f.target)) continue;
      this.names["flow:" + f.id] = f.label || `${f.source} → ${f.target}`;
      elements.push({
        group: "edges",
        classes: focus.has(f.id) ? "focus" : "",
        data: { id: edgeId(f.id), ref: f.id, source: nodeId(f.source), target: nodeId(f.target), label: f.label || "", ring: "#000000" },
      });
    }
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add(elements);
    });
    performance.mark("threatdeck-layout-start");
    this.layoutBest();
    performance.mark("threatdeck-layout-end");
    this.geometry = null;
    this.placing = null;
    this.userMoved = false;
    this.fit();
    this.host.dataset.nodes = String(this.cy.nodes(".component").length);
    this.host.dataset.edges = String(this.cy.edges().length);
    this.host.dataset.layout = "done";
  }

  /**
   * Lay the graph out with dagre top-to-bottom and left-to-right, and keep
   * the one that fills the visible area at the larger zoom (the diagram is
   * read on wide shared screens as well as narrow laptops).
   */
  layoutBest() {
    const W = Math.max(1, this.cy.width());
    const H = Math.max(1, this.cy.height());
    let best = null;
    for (const rankDir of ["TB", "LR"]) {
      this.cy
        .layout({ name: "dagre", rankDir, nodeSep: 28, rankSep: 64, edgeSep: 10, padding: 20, fit: false, animate: false, nodeDimensionsIncludeLabels: true })
        .run();
      const bb = this.cy.elements().boundingBox();
      const zoom = Math.min(W / Math.max(bb.w, 1), H / Math.max(bb.h, 1));
      const positions = new Map(this.cy.nodes().map((n) => [n.id(), { ...n.position() }]));
      if (!best || zoom > best.zoom) best = { zoom, rankDir, positions };
    }
    if (best.rankDir !== "LR") {
      this.cy.batch(() => this.cy.nodes().forEach((n) => {
        if (!n.isParent()) n.position(best.positions.get(n.id()));
      }));
    }
    this.host.dataset.rankdir = best.rankDir;
  }

  fit() {
    this.cy.fit(this.cy.elements(), 28);
    this.host.dataset.zoom = this.cy.zoom().toFixed(3);
    this.placeNotes();
  }

  zoomBy(factor) {
    const level = Math.max(this.cy.minZoom(), Math.min(this.cy.maxZoom(), this.cy.zoom() * factor));
    this.userMoved = true;
    this.cy.zoom({ level, renderedPosition: { x: this.cy.width() / 2, y: this.cy.height() / 2 } });
  }

  /**
   * Highlight where something may go: `targets` is a list of {kind, id} (or null for none);
   * `mode` is "target" (a card is selected: the others fade) or "hint" (outline only).
   */
  setTargets(targets, mode = "target", colour = "#000000") {
    this.cy.batch(() => {
      this.cy.elements().removeClass("target hint faded");
      if (!targets) return;
      const wanted = new Set(targets.map((t) => (t.kind === "flow" ? edgeId(t.id) : nodeId(t.id))));
      this.cy.elements("node.component, edge").forEach((el) => {
        if (wanted.has(el.id())) {
          el.addClass(mode);
          if (mode === "target") el.data("ring", colour);
        } else if (mode === "target") {
          el.addClass("faded");
        }
      });
    });
  }

  /** Mark the component or flow the player picked ({kind, id} or null). */
  setPicked(pick) {
    this.cy.elements().removeClass("picked");
    if (!pick) return;
    const el = this.cy.getElementById(pick.kind === "flow" ? edgeId(pick.id) : nodeId(pick.id));
    el.addClass("picked");
  }

  /**
   * The sticky notes: threats (from the view) that are accepted or waiting for a vote.
   * @param {Array} threats view.threats
   * @param {(seat: number) => string} seatName
   */
  setNotes(threats, seatName) {
    this.notes = threats.filter((t) => t.status !== "rejected");
    this.placing = null;
    this.seatName = seatName;
    this.placeNotes();
  }

  /**
   * Lay the sticky notes over the diagram. Notes grow and shrink with the zoom (within NOTE_SIZE); each
   * element's stack goes where it covers no other stack, no component's icon and no label, as near its element
   * as it can: first as a row of notes, then, where a row has no room (or the diagram is zoomed far out), folded
   * into one badge (the count, on a pile in the suits' colours). Runs on every pan and zoom: it reads only the
   * graph's geometry (cached per layout) and writes transforms, never measuring the page.
   */
  placeNotes() {
    const groups = new Map();
    for (const t of this.notes) {
      const key = (t.target_kind === "flow" ? "flow:" : "component:") + t.target;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(t);
    }
    const zoom = this.cy.zoom();
    const pan = this.cy.pan();
    const view = { left: 0, top: 0, right: this.cy.width(), bottom: this.cy.height() };
    // Cytoscape renders on its own (a hover, a highlight) as well: the same view and notes, the same places.
    const placing = [zoom, pan.x, pan.y, view.right, view.bottom].join();
    if (placing === this.placing) return;
    this.placing = placing; // forgotten when the notes or the graph change
    const size = Math.round(Math.max(NOTE_SIZE.min, Math.min(NOTE_SIZE.max, NOTE_SIZE.atZoom1 * zoom)));
    if (this.noteSize !== size) {
      this.noteSize = size;
      this.overlay.style.setProperty("--note-size", `${size}px`);
    }
    const geometry = this.noteGeometry();
    const toView = (b) => ({ left: b.x1 * zoom + pan.x, top: b.y1 * zoom + pan.y, right: b.x2 * zoom + pan.x, bottom: b.y2 * zoom + pan.y });
    // The zoom buttons (bottom right, styles.css) stay clear too.
    const taken = new Occupancy(size * 2, view);
    taken.add({ left: view.right - ZOOM_BUTTONS.width, top: view.bottom - ZOOM_BUTTONS.height, right: view.right, bottom: view.bottom });
    // Labels, while cytoscape draws them: see style(), min-zoomed-font-size.
    if (labelDrawn(13, 5, zoom)) for (const label of geometry.labels) taken.add(toView(label));
    if (labelDrawn(10, 9, zoom)) for (const label of geometry.flowLabels) taken.add(toView(label));
    const componentLabels = labelDrawn(12, 5, zoom);
    for (const c of geometry.components) {
      if (componentLabels) taken.add(toView(c.label));
      // The middle of the icon: a note may sit on its corner, as a sticky note on a card does.
      const icon = toView(c.icon);
      const inset = (icon.right - icon.left) * 0.18;
      taken.add({ left: icon.left + inset, top: icon.top + inset, right: icon.right - inset, bottom: icon.bottom - inset });
    }
    const foldAll = zoom < FOLD_BELOW_ZOOM;
    const seen = new Set();
    let crowded = 0; // stacks that found no room
    // Components first (a note belongs next to its icon), then flows; in a fixed order, so a stack does not hop.
    const keys = [...groups.keys()].sort((a, b) => (a[0] === b[0] ? (a < b ? -1 : 1) : a[0] === "c" ? -1 : 1));
    for (const key of keys) {
      const list = groups.get(key);
      const at = geometry.anchors.get(key);
      if (!at) continue;
      seen.add(key);
      const ax = at.x * zoom + pan.x;
      const ay = at.y * zoom + pan.y;
      // Where the stack would like to be: on the icon's top-right corner, or just above a flow's midpoint.
      const reach = at.half * zoom;
      const home = { x: ax + reach - 4, y: ay - reach - size * 0.6 };
      const row = rowWidth(list.length, size);
      const badge = badgeSize(size);
      let mode = foldAll ? "badge" : "notes";
      let box = null;
      if (ax < view.left || ax > view.right || ay < view.top || ay > view.bottom) {
        // Its element is out of sight: so is the stack (the diagram clips it), and it takes no one's room.
        box = mode === "badge" ? boxAt(home.x, home.y, badge, badge) : boxAt(home.x, home.y, row, size);
      } else {
        // What blocked the last place tried most likely blocks the next one too: asked first, it saves the rest.
        let blocker = null;
        const clear = (b) => {
          if (b.left < view.left || b.top < view.top || b.right > view.right || b.bottom > view.bottom) return false;
          if (blocker && intersects(b, blocker)) return false;
          blocker = taken.hit(b);
          return blocker === null;
        };
        const tries = foldAll ? [] : [["notes", row, size, NOTES_REACH]];
        tries.push(["badge", badge, badge, BADGE_REACH], ["badge", badge, badge, BADGE_FAR]);
        search: for (const [kind, width, height, reach] of tries) {
          const step = reach.step * size;
          for (const [dx, dy] of spiral(reach.rings)) {
            const candidate = boxAt(home.x + dx * step, home.y + dy * step, width, height);
            if (clear(candidate)) {
              box = candidate;
              mode = kind;
              break search;
            }
          }
        }
        if (!box) {
          // Nowhere free: the badge (the least to cover anything with) at home, kept within the diagram.
          crowded++;
          mode = "badge";
          const x = Math.max(view.left + BOX_PAD, Math.min(home.x, view.right - badge - BOX_PAD));
          const y = Math.max(view.top + BOX_PAD, Math.min(home.y, view.bottom - badge - BOX_PAD));
          box = boxAt(x, y, badge, badge);
        }
        taken.add({ left: box.left - STACK_GAP, top: box.top - STACK_GAP, right: box.right + STACK_GAP, bottom: box.bottom + STACK_GAP });
      }
      let stack = this.stacks.get(key);
      if (!stack) {
        stack = h("div", { class: "note-stack", dataset: { key } });
        this.stacks.set(key, stack);
        this.overlay.append(stack);
      }
      const signature = mode + ":" + list.map((t) => t.id + t.status).join(",");
      if (stack.dataset.sig !== signature) this.fillStack(stack, key, list, mode, signature);
      const transform = `translate(${Math.round(box.left + BOX_PAD)}px, ${Math.round(box.top + BOX_PAD)}px)`;
      if (stack.dataset.at !== transform) {
        stack.dataset.at = transform;
        stack.style.transform = transform;
      }
      // Moved away from its element, a stack is tied to it by a line: from the icon's edge (a flow's midpoint)
      // to the nearest point of the stack.
      const cx = (box.left + box.right) / 2;
      const cy = (box.top + box.bottom) / 2;
      const fromX = Math.max(ax - reach, Math.min(cx, ax + reach));
      const fromY = Math.max(ay - reach, Math.min(cy, ay + reach));
      const toX = Math.max(box.left + BOX_PAD, Math.min(fromX, box.right - BOX_PAD));
      const toY = Math.max(box.top + BOX_PAD, Math.min(fromY, box.bottom - BOX_PAD));
      let line = this.leaders.get(key);
      if (Math.hypot(toX - fromX, toY - fromY) > size * 0.6) {
        if (!line) {
          line = svg("line", {});
          this.leaders.set(key, line);
          this.leaderLines.append(line);
        }
        line.setAttribute("x1", fromX.toFixed(1));
        line.setAttribute("y1", fromY.toFixed(1));
        line.setAttribute("x2", toX.toFixed(1));
        line.setAttribute("y2", toY.toFixed(1));
      } else if (line) {
        line.remove();
        this.leaders.delete(key);
      }
    }
    for (const [key, stack] of this.stacks) {
      if (!seen.has(key)) {
        stack.remove();
        this.stacks.delete(key);
      }
    }
    for (const [key, line] of this.leaders) {
      if (!seen.has(key)) {
        line.remove();
        this.leaders.delete(key);
      }
    }
    // For the benchmark and the tests: how many stacks could not be kept clear of the rest.
    if (this.host.dataset.crowdedNotes !== String(crowded)) this.host.dataset.crowdedNotes = String(crowded);
  }

  /**
   * Where each element's notes are anchored and what they must not cover, in the graph's own coordinates
   * (kept until the graph changes: the view turns them into the screen's with the zoom and pan).
   */
  noteGeometry() {
    if (this.geometry) return this.geometry;
    const anchors = new Map();
    const components = [];
    this.cy.nodes(".component").forEach((n) => {
      const p = n.position();
      const half = n.width() / 2;
      anchors.set("component:" + n.data("ref"), { x: p.x, y: p.y, half, flow: false });
      components.push({
        icon: { x1: p.x - half, y1: p.y - half, x2: p.x + half, y2: p.y + half },
        label: n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false }),
      });
    });
    // A trust boundary's name, on its top edge.
    const labels = this.cy.nodes(".boundary").map((n) => n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false }));
    const flowLabels = [];
    this.cy.edges().forEach((e) => {
      const m = e.midpoint();
      anchors.set("flow:" + e.data("ref"), { x: m.x, y: m.y, half: 0, flow: true });
      const b = e.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false, includeUnderlays: false });
      if (!(b.w > 0 && b.h > 0)) return;
      // A label along a slanting arrow fills only a band across its box: keep the middle of the box clear.
      const [sx, sy] = b.w > FLOW_LABEL_THIN && b.h > FLOW_LABEL_THIN ? [b.w * 0.22, b.h * 0.22] : [0, 0];
      flowLabels.push({ x1: b.x1 + sx, y1: b.y1 + sy, x2: b.x2 - sx, y2: b.y2 - sy });
    });
    this.geometry = { anchors, components, flowLabels, labels: labels.filter((b) => b.w > 0 && b.h > 0) };
    return this.geometry;
  }

  /** (Re)draw one stack's buttons: its notes (the last MAX_NOTES_SHOWN, then "+n") or its badge. */
  fillStack(stack, key, list, mode, signature) {
    const before = (stack.dataset.sig || "").split(":").pop();
    const had = new Set(before.split(",").map((s) => s.replace(/(accepted|voting)$/, "")));
    const focused = stack.contains(document.activeElement) ? document.activeElement.dataset.threat || "" : null;
    stack.dataset.sig = signature;
    stack.dataset.mode = mode;
    const isNew = (t) => !had.has(t.id);
    if (mode === "badge") {
      // One note folds into itself: its letter says more than a count of 1.
      fill(stack, list.length === 1 ? this.noteButton(list[0], key, isNew(list[0])) : this.badgeButton(key, list, list.some(isNew)));
    } else {
      const shown = list.slice(-MAX_NOTES_SHOWN);
      fill(
        stack,
        shown.map((t) => this.noteButton(t, key, isNew(t))),
        list.length > shown.length
          ? h("button", { type: "button", class: "note more", dataset: { role: "more" }, "aria-label": `+${list.length - shown.length} more threats on ${this.names[key] || key}`, onclick: () => this.openPopover(key, stack, null) }, `+${list.length - shown.length}`)
          : null,
      );
    }
    // Folded or unfolded under the keyboard's focus (a zoom with the wheel): the focus stays on this stack.
    if (focused !== null) {
      const again = (focused && stack.querySelector(`button[data-threat="${CSS.escape(focused)}"]`)) || stack.querySelector("button");
      if (again) again.focus({ preventScroll: true });
    }
  }

  noteButton(t, key, isNew) {
    const info = suit(t.suit);
    const label = `${t.id}: ${info.name}${t.status === "voting" ? " (being voted on)" : ""} — ${t.text}`;
    return h(
      "button",
      {
        type: "button",
        class: "note" + (t.status === "voting" ? " voting" : "") + (isNew ? " dropped" : ""),
        style: { "--suit": info.colour, "--suit-ink": info.ink },
        title: label,
        "aria-label": label,
        dataset: { threat: t.id, suit: t.suit },
        onclick: () => this.openPopover(key, this.stacks.get(key), t.id),
      },
      t.suit,
    );
  }

  /** One element's notes folded: the count on a pile of notes in its suits' colours (most found on top). */
  badgeButton(key, list, isNew) {
    const counts = new Map();
    for (const t of list) counts.set(t.suit, (counts.get(t.suit) || 0) + 1);
    const suits = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([letter]) => letter);
    const voting = list.filter((t) => t.status === "voting").length;
    const name = this.names[key] || key.split(":").slice(1).join(":");
    const label =
      `${list.length} ${list.length === 1 ? "threat" : "threats"} on ${name}: ` +
      [...counts.entries()].map(([letter, n]) => `${n} ${suit(letter).name}`).join(", ") +
      (voting ? `; ${voting} being voted on` : "");
    const top = suit(suits[0]);
    const under = (i) => (suits[i] ? suit(suits[i]).colour : top.colour);
    return h(
      "button",
      {
        type: "button",
        class: "note note-badge" + (list.length === 2 ? " pair" : "") + (voting ? " voting" : "") + (isNew ? " dropped" : ""),
        style: { "--suit": top.colour, "--suit-ink": top.ink, "--suit-2": under(1), "--suit-3": under(2) },
        title: label,
        "aria-label": label,
        dataset: { role: "badge", suits: suits.join("") },
        onclick: () => this.openPopover(key, this.stacks.get(key), null),
      },
      h("span", { class: "pile", "aria-hidden": "true" }),
      h("span", { class: "count" }, String(list.length)),
    );
  }

  /** Show every note on one element; `threat` is the note clicked (null for "+n"), which gets the focus back on close. */
  openPopover(key, anchor, threat) {
    this.opener = { key, threat };
    const list = this.notes.filter((t) => (t.target_kind === "flow" ? "flow:" : "component:") + t.target === key);
    const name = this.names[key] || key.split(":").slice(1).join(":");
    fill(
      this.popover,
      h("div", { class: "note-popover-head" }, h("strong", null, name), h("button", { type: "button", class: "close", "aria-label": "Close", onclick: () => this.closePopover() }, "×")),
      h(
        "ul",
        null,
        list.map((t) => {
          const info = suit(t.suit);
          return h(
            "li",
            { style: { "--suit": info.colour } },
            h("span", { class: "suit-chip", style: { "--suit": info.colour, "--suit-ink": info.ink } }, t.suit),
            " ",
            h("span", { class: "threat-text" }, t.text),
            h("div", { class: "meta" }, `${t.id} · ${info.name} · ${t.status === "voting" ? "being voted on" : "accepted"} · found by ${this.seatName ? this.seatName(t.found_by) : t.found_by}`),
          );
        }),
      ),
    );
    this.popover.hidden = false;
    const box = anchor ? anchor.getBoundingClientRect() : null;
    const host = this.host.getBoundingClientRect();
    const left = box ? Math.min(Math.max(8, box.left - host.left), host.width - 300) : 8;
    const top = box ? Math.min(box.bottom - host.top + 6, host.height - 160) : 8;
    this.popover.style.left = `${Math.max(8, left)}px`;
    this.popover.style.top = `${Math.max(8, top)}px`;
    this.popover.querySelector("button.close").focus();
  }

  closePopover(returnFocus = true) {
    const wasOpen = !this.popover.hidden;
    this.popover.hidden = true;
    const opener = this.opener;
    this.opener = null;
    if (!wasOpen || !opener || !returnFocus) return;
    // The note stacks are redrawn as threats change: find the opener's button in the stack as it is now.
    const stack = this.stacks.get(opener.key);
    const button = stack
      ? (opener.threat && stack.querySelector(`button.note[data-threat="${CSS.escape(opener.threat)}"]`)) || stack.querySelector("button.note.more") || stack.querySelector("button.note")
      : null;
    if (button) button.focus({ preventScroll: true });
  }

  destroy() {
    this.resizeObserver.disconnect();
    this.cy.destroy();
  }
}
