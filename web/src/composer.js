// Playing a card (or adding a sticky note): pick a component or flow — on the
// diagram or in the list that mirrors it — edit the threat text, play.
//
// Keyboard: the list is a listbox; ↑/↓ (and Home/End) move through the
// components and flows, Enter plays (or adds the note), Tab reaches the text and the buttons,
// Escape cancels.
import { h, fill } from "./dom.js";
import { suit, suitSymbol, SUIT_ORDER, SUITS, rankLabel } from "./suits.js";
import { typeIcon, typeLabel } from "./icons.js";
import { mismatch } from "./verdicts.js";

// The server's default; the table sets the limit the server reports (GET /api/limits), which is configurable.
const DEFAULT_MAX_TEXT = 500;

/** Every component and flow of a view's architecture, as the list shows them (grouped by boundary). */
export function targetsOf(view) {
  const arch = view.architecture;
  const byId = new Map(arch.components.map((c) => [c.id, c]));
  const out = [];
  const groups = [...arch.boundaries.map((b) => ({ id: b.id, name: b.name })), { id: null, name: "Outside any boundary" }];
  const known = new Set(arch.boundaries.map((b) => b.id));
  for (const g of groups) {
    for (const c of arch.components) {
      const inGroup = g.id === null ? !c.boundary || !known.has(c.boundary) : c.boundary === g.id;
      if (inGroup) out.push({ kind: "component", id: c.id, name: c.name, type: c.type, group: g.name });
    }
  }
  for (const f of arch.flows) {
    const a = byId.get(f.source);
    const b = byId.get(f.target);
    out.push({ kind: "flow", id: f.id, name: `${a ? a.name : f.source} → ${b ? b.name : f.target}`, label: f.label, group: "Data flows" });
  }
  return out;
}

let serial = 0;

function limitText(n) {
  return `Up to ${n} characters.`;
}

export class Composer {
  /**
   * @param {HTMLElement} el
   * @param {{onSubmit: Function, onCancel: Function, onPickChange: Function}} handlers
   */
  constructor(el, handlers) {
    this.el = el;
    this.handlers = handlers;
    this.mode = null; // "play" | "note"
    this.card = null;
    this.targets = [];
    this.fits = new Set();
    this.index = -1;
    this.busy = false;
    this.el.hidden = true;
    this.id = `composer-${++serial}`;
    this.session = 0; // one more each time the composer opens (an answer to an earlier opening is not this one's)
    this.maxText = DEFAULT_MAX_TEXT;
  }

  /** The longest threat text the server takes (its /api/limits): a longer one was typed, then refused. */
  setMaxText(n) {
    this.maxText = n;
    if (!this.open) return;
    this.text.maxLength = n;
    this.limitHint.textContent = limitText(n);
  }

  /** The text a card starts the threat with: its question, unless the server takes less (it would be refused). */
  starter(card) {
    return card.question.length <= this.maxText ? card.question : "";
  }

  get open() {
    return this.mode !== null;
  }

  get pick() {
    const t = this.targets[this.index];
    return t ? { kind: t.kind, id: t.id } : null;
  }

  /**
   * Start playing `card` (mode "play") or writing a note (mode "note", card optional).
   * `opts.draft` (from `draft()`) fills in the target, the STRIDE category and the text kept from an
   * earlier opening, and puts the focus back where it was; `opts.notice` is a line that says why.
   */
  start(mode, view, card, opts = {}) {
    this.session += 1;
    this.mode = mode;
    this.card = card || null;
    this.view = view;
    this.targets = targetsOf(view);
    this.fits = new Set((card && view.legal && view.legal.targets[card.id]) || []);
    this.index = -1;
    this.busy = false;
    this.faceUp = opts.faceUp || [];
    this.render(opts.notice || null);
    this.el.hidden = false;
    if (this.handlers.onOpenChange) this.handlers.onOpenChange(true);
    const draft = opts.draft || null;
    if (draft) this.restore(draft);
    // The notice sits just above the text and the buttons, at the end: show them, not the top of the list.
    if (opts.notice) this.el.scrollTop = this.el.scrollHeight;
    if (draft && draft.focus === "text") {
      this.text.focus({ preventScroll: true });
      this.text.setSelectionRange(draft.selection[0], draft.selection[1]);
    } else if (!draft || draft.focus === "list") {
      this.listbox.focus({ preventScroll: true });
    }
    // On a narrow screen the page scrolls (the hand is docked at the bottom): bring the composer into view.
    if (window.matchMedia("(max-width: 980px)").matches) this.el.scrollIntoView({ block: "start" });
  }

  /** What is being written: the target picked, the STRIDE category, the text, and where the focus is in it. */
  draft() {
    if (!this.open) return null;
    const checked = this.mode === "note" ? this.suitInputs.map((l) => l.querySelector("input")).find((i) => i.checked) : null;
    const active = document.activeElement;
    return {
      pick: this.pick,
      suit: this.card ? this.card.suit : checked ? checked.value : null,
      text: this.text.value,
      focus: active === this.text ? "text" : active && this.el.contains(active) ? "list" : null,
      selection: [this.text.selectionStart, this.text.selectionEnd],
    };
  }

  /** Fill in a draft (a note's own STRIDE category only when it cites no card). */
  restore(draft) {
    this.text.value = draft.text;
    if (this.mode === "note" && !this.card && draft.suit) {
      for (const label of this.suitInputs) {
        const input = label.querySelector("input");
        input.checked = input.value === draft.suit;
      }
    }
    const i = draft.pick ? this.targets.findIndex((t) => t.kind === draft.pick.kind && t.id === draft.pick.id) : -1;
    if (i >= 0) this.setIndex(i);
  }

  close() {
    this.mode = null;
    this.card = null;
    this.el.hidden = true;
    fill(this.el);
    this.handlers.onPickChange(null);
    if (this.handlers.onOpenChange) this.handlers.onOpenChange(false);
  }

  /** The diagram was clicked: pick that component or flow. */
  choose(kind, id) {
    const i = this.targets.findIndex((t) => t.kind === kind && t.id === id);
    if (i >= 0) this.setIndex(i, true);
  }

  setIndex(i, fromDiagram = false) {
    this.index = Math.max(0, Math.min(this.targets.length - 1, i));
    for (const opt of this.listbox.querySelectorAll("[role=option]")) {
      const on = Number(opt.dataset.index) === this.index;
      opt.setAttribute("aria-selected", on ? "true" : "false");
      if (on) {
        this.listbox.setAttribute("aria-activedescendant", opt.id);
        opt.scrollIntoView({ block: "nearest" });
      }
    }
    const t = this.targets[this.index];
    this.pickedLabel.textContent = t ? `On: ${t.name}` : "Pick a component or flow";
    this.fitNote.textContent = t ? this.fitText(t) : "";
    this.fitNote.classList.toggle("misfit", Boolean(t && this.card && mismatch(this.view, this.card, t.kind, t.id)));
    this.submitButton.disabled = !t || this.busy;
    this.handlers.onPickChange(this.pick, fromDiagram);
  }

  /**
   * Before playing: whether the card can hold on the element picked and what the rules will look at there, so
   * that a newcomer learns why a card fits or not before the verdict, not only from it.
   */
  fitText(t) {
    const card = this.card;
    if (!card || card.open) return "";
    const wrong = mismatch(this.view, card, t.kind, t.id);
    if (wrong) return `${wrong} The rules will call it not valid: the elements marked “fits” are where it can hold.`;
    return card.holds_when ? `Fits. The rules will check whether ${card.holds_when}.` : "";
  }

  render(notice = null) {
    const card = this.card;
    const info = card ? suit(card.suit) : null;
    this.el.setAttribute("aria-label", this.mode === "note" ? "Add a sticky note" : "Play a card");
    const opts = this.targets.map((t, i) =>
      h(
        "div",
        {
          role: "option",
          id: `${this.id}-opt-${i}`,
          class: "target-option" + (this.fits.has(t.id) ? " fits" : ""),
          "aria-selected": "false",
          dataset: { index: String(i), kind: t.kind, target: t.id },
          onclick: () => this.setIndex(i),
          ondblclick: () => this.submit(),
        },
        t.kind === "component" ? h("img", { src: typeIcon(t.type), alt: "", width: 20, height: 20 }) : h("span", { class: "flow-icon", "aria-hidden": "true" }, "→"),
        h("span", { class: "target-name" }, t.name),
        h("span", { class: "target-type muted" }, t.kind === "component" ? typeLabel(t.type) : t.label || "flow"),
        this.fits.has(t.id) ? h("span", { class: "fits-tag", title: "this card can hold on this type of element" }, "fits") : null,
      ),
    );
    const grouped = [];
    let current = null;
    this.targets.forEach((t, i) => {
      if (!current || current.name !== t.group) {
        current = { name: t.group, items: [] };
        grouped.push(current);
      }
      current.items.push(opts[i]);
    });
    this.listbox = h(
      "div",
      {
        role: "listbox",
        tabindex: "0",
        class: "target-list",
        // Enter plays the card, or adds the note: a screen reader says which.
        "aria-label": this.mode === "note" ? "Component or flow to put the note on (↑ ↓ to choose, Enter to add the note)" : "Component or flow to play on (↑ ↓ to choose, Enter to play)",
        onkeydown: (e) => this.onListKey(e),
        onfocus: () => {
          if (this.index < 0) this.setIndex(this.firstFit());
        },
      },
      grouped.map((g) => h("div", { role: "group", "aria-label": g.name }, h("div", { class: "group-name", "aria-hidden": "true" }, g.name), g.items)),
    );
    this.text = h("textarea", {
      class: "threat-input",
      rows: 3,
      maxlength: this.maxText,
      "aria-label": "The threat, in your words",
      "aria-describedby": `${this.id}-limit`,
      // The card's question also shows as the hint when it is too long to be the text (a server's low limit).
      placeholder: this.mode === "note" ? "What could go wrong here?" : card ? card.question : "",
      onkeydown: (e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          this.submit();
        } else if (e.key === "Escape") {
          e.preventDefault();
          this.cancel();
        }
      },
    });
    this.text.value = card ? this.starter(card) : "";
    this.pickedLabel = h("span", { class: "picked", "aria-live": "polite" }, "Pick a component or flow");
    this.fitNote = h("p", { class: "fit-note small", "aria-live": "polite" });
    this.submitButton = h("button", { type: "button", class: "primary", disabled: true, onclick: () => this.submit() }, this.mode === "note" ? "Add sticky note" : "Play card");
    const extra = [];
    if (this.mode === "note") {
      this.suitInputs = SUIT_ORDER.map((l) =>
        h(
          "label",
          { class: "suit-radio", style: { "--suit": SUITS[l].colour, "--suit-ink": SUITS[l].ink } },
          h("input", { type: "radio", name: `${this.id}-suit`, value: l, checked: card ? card.suit === l : false, disabled: Boolean(card) }),
          suitSymbol(l, 14),
          ` ${l} `,
          h("span", { class: "sr-only" }, SUITS[l].name),
        ),
      );
      this.cardSelect = h(
        "select",
        {
          "aria-label": "Cite a card already played (optional)",
          onchange: () => {
            const chosen = this.faceUp.find((c) => c.id === this.cardSelect.value) || null;
            this.card = chosen;
            for (const label of this.suitInputs) {
              const input = label.querySelector("input");
              input.disabled = Boolean(chosen);
              if (chosen) input.checked = input.value === chosen.suit;
            }
            if (chosen && !this.text.value.trim()) this.text.value = this.starter(chosen);
          },
        },
        h("option", { value: "" }, "No card: a free threat the table votes on"),
        this.faceUp.map((c) => h("option", { value: c.id, selected: card && card.id === c.id }, `${c.id} · ${rankLabel(c.rank)} ${c.suit} · ${c.title}`)),
      );
      extra.push(
        h("fieldset", { class: "suit-picker" }, h("legend", null, "STRIDE category"), this.suitInputs),
        h("label", { class: "block" }, "Card ", this.cardSelect),
      );
    }
    fill(
      this.el,
      h(
        "div",
        { class: "composer-head", style: info ? { "--suit": info.colour, "--suit-ink": info.ink } : null },
        this.mode === "note"
          ? h("h2", null, "Add a sticky note")
          : h("h2", null, "Play ", h("span", { class: "suit-chip", style: { "--suit": info.colour, "--suit-ink": info.ink } }, suitSymbol(card.suit, 12), `${rankLabel(card.rank)} ${card.suit}`), " ", card.title),
        h("button", { type: "button", class: "close", "aria-label": "Cancel", onclick: () => this.cancel() }, "×"),
      ),
      h("p", { class: "small muted" }, `Click a component or arrow on the diagram, or choose below (↑ ↓, Enter ${this.mode === "note" ? "adds the note" : "plays"}). `, this.fits.size ? "Elements this card fits are marked." : ""),
      this.listbox,
      this.pickedLabel,
      this.fitNote,
      extra,
      notice ? h("p", { class: "notice" }, notice) : null,
      h("label", { class: "block" }, this.mode === "note" ? "Threat" : "Threat (edit it to say what you mean)", this.text),
      this.limitHint = h("p", { class: "small muted", id: `${this.id}-limit` }, limitText(this.maxText)),
      h(
        "div",
        { class: "composer-actions" },
        this.submitButton,
        this.mode === "play" ? h("button", { type: "button", class: "ghost", onclick: () => this.submit(true) }, "Play without a threat") : null,
        h("button", { type: "button", class: "ghost", onclick: () => this.cancel() }, "Cancel"),
      ),
      this.waiting = h("p", { class: "waiting small", role: "status", hidden: true }),
      this.error = h("p", { class: "error", role: "alert", hidden: true }),
    );
    this.el.onkeydown = (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        this.cancel();
      }
    };
  }

  firstFit() {
    const i = this.targets.findIndex((t) => this.fits.has(t.id));
    return i >= 0 ? i : 0;
  }

  onListKey(e) {
    const keys = { ArrowDown: 1, ArrowUp: -1, ArrowRight: 1, ArrowLeft: -1 };
    if (e.key in keys) {
      e.preventDefault();
      this.setIndex(this.index < 0 ? this.firstFit() : this.index + keys[e.key]);
    } else if (e.key === "Home") {
      e.preventDefault();
      this.setIndex(0);
    } else if (e.key === "End") {
      e.preventDefault();
      this.setIndex(this.targets.length - 1);
    } else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      if (this.index < 0) this.setIndex(this.firstFit());
      else this.submit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      this.cancel();
    } else if (e.key.length === 1 && /\S/.test(e.key)) {
      // Type-ahead: jump to the next element whose name starts with the letter.
      const k = e.key.toLowerCase();
      const n = this.targets.length;
      for (let step = 1; step <= n; step++) {
        const i = (Math.max(this.index, 0) + step) % n;
        if (this.targets[i].name.toLowerCase().startsWith(k)) {
          this.setIndex(i);
          break;
        }
      }
    }
  }

  showError(message) {
    this.waiting.hidden = true;
    this.error.textContent = message;
    this.error.hidden = false;
  }

  clearMessages() {
    if (!this.error) return;
    this.error.textContent = "";
    this.error.hidden = true;
    this.waiting.textContent = "";
    this.waiting.hidden = true;
  }

  /** The server has not answered yet (a slow link): say so; the command is sent again, not lost. */
  showWaiting(message) {
    if (!this.open) return;
    this.error.hidden = true;
    this.waiting.textContent = message;
    this.waiting.hidden = false;
  }

  setBusy(busy) {
    this.busy = busy;
    if (this.submitButton) this.submitButton.disabled = busy || !this.pick;
  }

  cancel() {
    this.close();
    this.handlers.onCancel();
  }

  submit(withoutThreat = false) {
    if (this.busy) return;
    this.clearMessages(); // an earlier refusal no longer applies to this attempt
    const pick = this.pick;
    const text = this.text.value.trim();
    if (this.mode === "play") {
      if (!withoutThreat && !pick) return this.showError("Pick the component or flow the threat is about.");
      this.handlers.onSubmit({ mode: "play", card: this.card, target: withoutThreat ? null : pick, text: withoutThreat ? null : text || null });
    } else {
      if (!pick) return this.showError("Pick the component or flow the threat is about.");
      const chosen = this.suitInputs.map((l) => l.querySelector("input")).find((i) => i.checked);
      if (!this.card && !chosen) return this.showError("Choose the STRIDE category of the threat.");
      if (!this.card && !text) return this.showError("Write the threat.");
      this.handlers.onSubmit({ mode: "note", card: this.card, target: pick, text: text || null, suit: this.card ? null : chosen.value });
    }
  }
}
