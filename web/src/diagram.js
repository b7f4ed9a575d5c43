// The architecture as an interactive diagram: cytoscape.js draws it, the
// dagre layout (cytoscape-dagre) places it, trust boundaries are compound
// nodes (regions), flows are arrows. Sticky notes are DOM elements laid over
// the canvas and kept on their component while the view pans and zooms.
//
// This module is loaded on demand (import()), so the lobby does not pay for
// cytoscape.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { h, fill } from "./dom.js";
import { typeIcon, typeLabel, typeColour } from "./icons.js";
import { suit } from "./suits.js";

cytoscape.use(dagre);

const BOUNDARY_TINTS = ["#fdf2e9", "#eaf4fb", "#eef7ee", "#f5eefa", "#fbf7e6", "#eef0f7"];
const BOUNDARY_LINES = ["#b7791f", "#2b6cb0", "#2f855a", "#6b46c1", "#975a16", "#4a5568"];
const MAX_NOTES_SHOWN = 5;
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
    this.canvas = h("div", { class: "diagram-canvas", "aria-hidden": "true" });
    this.overlay = h("div", { class: "diagram-notes" });
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
    this.seatName = seatName;
    this.placeNotes();
  }

  placeNotes() {
    const groups = new Map();
    for (const t of this.notes) {
      const key = (t.target_kind === "flow" ? "flow:" : "component:") + t.target;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(t);
    }
    const seen = new Set();
    for (const [key, list] of groups) {
      const [kind, ...rest] = key.split(":");
      const id = rest.join(":");
      const el = this.cy.getElementById(kind === "flow" ? edgeId(id) : nodeId(id));
      if (!el || el.empty()) continue;
      let x;
      let y;
      if (kind === "flow") {
        const mid = el.renderedMidpoint();
        x = mid.x + 6;
        y = mid.y - 14;
      } else {
        const pos = el.renderedPosition();
        const half = (el.width() * this.cy.zoom()) / 2;
        x = pos.x + half - 4;
        y = pos.y - half - 10;
      }
      seen.add(key);
      let stack = this.overlay.querySelector(`[data-key="${CSS.escape(key)}"]`);
      const signature = list.map((t) => t.id + t.status).join(",");
      if (!stack) {
        stack = h("div", { class: "note-stack", dataset: { key } });
        this.overlay.append(stack);
      }
      if (stack.dataset.sig !== signature) {
        const fresh = new Set(list.map((t) => t.id));
        const had = new Set((stack.dataset.sig || "").split(",").map((s) => s.replace(/(accepted|voting)$/, "")));
        stack.dataset.sig = signature;
        const shown = list.slice(-MAX_NOTES_SHOWN);
        fill(
          stack,
          shown.map((t) => this.noteButton(t, key, !had.has(t.id) && fresh.has(t.id))),
          list.length > shown.length ? h("button", { type: "button", class: "note more", dataset: { role: "more" }, onclick: () => this.openPopover(key, stack, null) }, `+${list.length - shown.length}`) : null,
        );
      }
      stack.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
    }
    for (const stack of [...this.overlay.children]) {
      if (!seen.has(stack.dataset.key)) stack.remove();
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
        onclick: () => this.openPopover(key, this.overlay.querySelector(`[data-key="${CSS.escape(key)}"]`), t.id),
      },
      t.suit,
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
    const stack = [...this.overlay.children].find((el) => el.dataset.key === opener.key);
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
