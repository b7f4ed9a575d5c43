// The table: the diagram at the centre, the hand below, the live state beside
// it. The client is dumb (STYLE.md 14): it renders the view the server sends
// and sends commands; `view.legal` only greys out what cannot be done now.
import { h, fill, refill, byId, announce } from "./dom.js";
import { Connection } from "./connection.js";
import { renderHand, leadName } from "./hand.js";
import { Composer } from "./composer.js";
import { renderScoreboard, renderTrick, renderFeed, renderVotes, closableVotes, seatName, targetName, suitChip, mmss } from "./panels.js";
import { renderRating } from "./rating.js";
import { renderFinal } from "./final.js";
import { openPrimer } from "./primer.js";
import { suit, rankLabel } from "./suits.js";
import { verdictLesson } from "./verdicts.js";
import { saveSeat, loadSeat, forgetSeat, facilitatorLinks, tabToken, loadTold, saveTold } from "./session.js";
import { qrSvg } from "./qr.js";
import { missedKey, missedNotice } from "./missed.js";
import { copyField } from "./copyfield.js";
import { api } from "./api.js";
import { Confirmation } from "./confirm.js";

/**
 * How long a toast that is news stays (a hint, the facilitator's change): the table moves on. What the player has
 * to read (their own threat judged, a refusal of their own move) has no time limit: it stays until they close it or
 * act again, since a newcomer reading why their threat was not valid lost it mid-sentence.
 */
const NEWS_MS = 9000;

/**
 * Refusals that say only that the table moved on a moment before the click: the other ballots settled a vote just
 * before this one arrived (several players vote at once, and the prompt stays up until the update comes). Not the
 * player's mistake, so not "Not allowed", and not kept on screen until closed.
 */
const OVERTAKEN = {
  vote_closed: ["Already decided", "The votes cast settled it a moment before yours arrived."],
};

const ERROR_HELP = {
  not_your_turn: "Wait for your turn — you can still add a sticky note.",
  must_follow_suit: "Play a card of the suit that was led.",
  stale_state: "The table changed a moment ago; look again and retry.",
};

export class Table {
  /**
   * @param {HTMLElement} root
   * @param {{gameId: string, token: string|null, practice: boolean}} opts
   */
  constructor(root, opts) {
    this.root = root;
    this.gameId = opts.gameId;
    this.token = opts.token;
    this.spectator = !opts.token;
    this.practice = opts.practice;
    this.view = null;
    this.cards = new Map(); // every card seen face up, by id (for explanations)
    this.selected = null; // card id being played
    this.hinted = null; // card id whose hint is shown
    this.drafts = new Map(); // ratings being chosen
    this.voting = new Set(); // threat ids with a vote on its way
    this.knownThreats = null; // threat ids already seen (to spot new verdicts)
    this.awaiting = null; // {card} after playing, until its verdict arrives
    this.diagram = null;
    this.showBoardAtEnd = false;
    this.presence = null; // the last `presence` message: who is connected
    this.presenceAt = 0; // when it came (browser seconds), to count the facilitator's absence on
    this.hostMenuOpen = false; // the facilitator's menu (a phone's disclosure; a plain row elsewhere)
    this.hostAwayNews = null; // what screen readers were last told of the facilitator's absence ("away", "can")
    this.verdictReturn = null; // what had the focus before the keyboard went to the verdict
    this.verdictExpired = false; // the verdict's time is up, but it is being read: it goes when the focus leaves
    this.verdictShown = null; // the toast shown, as toast()'s arguments: put back behind one that goes ahead of it
    this.heldToasts = []; // toasts that came on their own while the player read theirs: shown once it is closed
    this.focusHandPending = false; // the game was started from its button: the focus goes to the hand once dealt
    this.focusHostPending = null; // "take-over" or "hand-over": the focus goes to the new facilitator's controls once drawn
    this.boxLong = null; // the time box's deadline, once seen with more than the warning's time left
    this.boxWarned = null; // the time box's deadline whose end was announced as near
    this.confirmation = null; // {dialog, gone}: the facilitator's question being asked (confirm.js), rechecked on every view
    this.build();
    this.loadLimits();
    this.connection = new Connection({
      gameId: this.gameId,
      token: this.token,
      onView: (view, info) => this.onView(view, info),
      onStatus: (status, detail) => this.onStatus(status, detail),
      onJoined: (ack) => this.onJoined(ack),
      onFatal: (err) => this.onFatal(err),
      onPresence: (msg) => this.onPresence(msg),
    });
    this.calibrateClock();
    this.connection.start();
    this.timer = setInterval(() => this.renderClocks(), 250);
    document.addEventListener("keydown", (e) => {
      // Escape anywhere on the table: close the facilitator's menu, then the verdict, then the card being played.
      if (e.key !== "Escape" || e.defaultPrevented || document.querySelector("dialog[open]")) return;
      if (this.hostMenuOpen) this.setHostMenu(false, { refocus: true });
      else if (!this.el.verdict.hidden) this.hideVerdict();
      else if (this.composer.open) this.composer.cancel();
    });
    // A tap or click outside the open menu closes it, as a menu does (the focus stays where it went).
    document.addEventListener("pointerdown", (e) => {
      if (this.hostMenuOpen && !e.target.closest(".host-menu")) this.setHostMenu(false);
    });
  }

  /** The toast shown is the player's to read (no time limit): see toast(). */
  get verdictOwn() {
    return Boolean(this.verdictShown && this.verdictShown[3].own);
  }

  /** The threat id of the verdict shown, if it is one. */
  get verdictThreat() {
    return (this.verdictShown && this.verdictShown[3].threat) || null;
  }

  build() {
    this.el = {};
    const E = this.el;
    E.conn = h("span", { class: "conn", id: "conn-status" }, "connecting…");
    E.turnClock = h("span", { class: "clock", id: "turn-clock", hidden: true });
    E.boxClock = h("span", { class: "clock", id: "box-clock", hidden: true });
    E.title = h("h1", { class: "game-title" }, "Loading the game…");
    E.banner = h("div", { class: "banner", id: "banner", role: "status", hidden: true });
    // A live region: whose turn it is, said when it changes (renderStatus writes only a changed text).
    E.status = h("div", { class: "status-line", id: "status-line", role: "status" });
    E.hostAwayText = h("span", { id: "host-away-text" });
    E.takeOver = h("button", { type: "button", class: "ghost", id: "take-over", onclick: () => this.takeOver() }, "Take over facilitating");
    // Not a live region: its countdown changes every second. renderHostAway announces what changes once.
    E.hostAway = h("div", { class: "host-away", id: "host-away", hidden: true }, E.hostAwayText, " ", E.takeOver);
    // A removed seat's link still opens the table; its player may take a new seat while play goes on.
    E.rejoin = h("a", { class: "button ghost", id: "rejoin", href: `/join/${encodeURIComponent(this.gameId)}` }, "Take a seat again");
    E.removedText = h("span", { id: "removed-text" });
    E.removed = h("div", { class: "host-away", id: "removed-notice", hidden: true }, E.removedText, " ", E.rejoin);
    E.diagram = h("div", { id: "diagram", class: "diagram loading" }, h("p", { class: "muted" }, "Loading the diagram…"));
    E.composer = h("section", { id: "composer", class: "composer", "aria-label": "Play a card" });
    E.verdict = h("div", {
      id: "verdict",
      class: "verdict",
      hidden: true,
      // Where the keyboard came from, to give the focus back when the verdict closes under it.
      onfocusin: (e) => {
        if (!E.verdict.contains(e.relatedTarget)) this.verdictReturn = e.relatedTarget; // null: from nowhere (a click)
      },
      onfocusout: (e) => {
        if (this.verdictExpired && !E.verdict.contains(e.relatedTarget)) this.hideVerdict();
      },
    });
    E.setup = h("section", { id: "setup", class: "panel setup", hidden: true });
    E.votes = h("section", { id: "votes", class: "panel votes", hidden: true, "aria-label": "Votes" });
    E.scoreboard = h("section", { id: "scoreboard", class: "panel" });
    E.trick = h("section", { id: "trick", class: "panel trick" });
    E.feed = h("section", { id: "feed", class: "panel feed-panel" });
    E.actions = h("div", { id: "actions", class: "actions" });
    E.handHead = h("div", { class: "hand-head-slot" });
    E.hand = h("section", { id: "hand", class: "hand", "aria-label": "Your hand" });
    E.rating = h("section", { id: "rating", class: "rating", hidden: true });
    E.final = h("section", { id: "final", class: "final", hidden: true, "aria-label": "Results" });
    E.page = h(
      "div",
      { class: "table-page" + (this.spectator ? " spectator" : ""), dataset: { phase: "loading" } },
      h(
        "header",
        { class: "topbar" },
        h("a", { class: "brand", href: "/" }, "threat", h("b", null, "deck")),
        E.title,
        h("div", { class: "clocks" }, E.turnClock, E.boxClock),
        E.conn,
        h("button", { type: "button", class: "ghost", onclick: () => openPrimer(null, this.view) }, "STRIDE primer"),
      ),
      E.banner,
      h("section", { class: "status-area", "aria-label": "Game status" }, E.status, E.hostAway, E.removed),
      h(
        "main",
        { class: "table-main" },
        h("section", { class: "board", "aria-label": "Architecture diagram" }, E.diagram, E.composer),
        // Not on the board: a verdict stays until it is closed, and must not hide the diagram (styles.css).
        E.verdict,
        // A spectator has nothing to click in it, so the keyboard could not scroll it (nor the dock while the
        // threats are rated): focusable, as the final table's scroller is.
        h("aside", { class: "side", tabindex: this.spectator ? "0" : null, "aria-label": this.spectator ? "Scores, trick and threats" : null }, E.setup, E.votes, E.scoreboard, E.trick, E.feed),
      ),
      // Not a <footer>: outside an article that is the page's contentinfo landmark, and this is the player's hand.
      h("section", { class: "dock", "aria-label": this.spectator ? "Threats being rated" : "Your cards and moves", tabindex: this.spectator ? "0" : null }, h("div", { class: "dock-bar" }, E.handHead, E.actions), E.hand, E.rating),
      E.final,
    );
    fill(this.root, E.page);
    this.composer = new Composer(E.composer, {
      onSubmit: (what) => this.submitComposer(what),
      onCancel: () => this.cancelPlay(),
      onPickChange: (pick) => {
        if (this.diagram) this.diagram.setPicked(pick);
      },
      onOpenChange: (open) => this.el.page.classList.toggle("composing", open),
    });
  }

  async loadDiagram() {
    try {
      const { Diagram } = await import("./diagram.js");
      performance.mark("threatdeck-diagram-module");
      this.diagram = new Diagram(this.el.diagram, { onPick: (kind, id) => this.onDiagramPick(kind, id) });
      this.el.diagram.classList.remove("loading");
      if (this.view) this.renderDiagram();
    } catch (err) {
      fill(this.el.diagram, h("p", { class: "error" }, "The diagram could not be loaded: ", String(err && err.message)));
    }
  }

  /** The server's limit on a threat's text (fetched once; the composer keeps its default if this fails). */
  async loadLimits() {
    const limits = await api.limits().catch(() => null);
    if (limits && Number.isInteger(limits.max_threat_text) && limits.max_threat_text > 0) this.composer.setMaxText(limits.max_threat_text);
  }

  async calibrateClock() {
    try {
      const response = await fetch(`/api/games/${encodeURIComponent(this.gameId)}`, { method: "GET", headers: { Accept: "application/json" } });
      const date = response.headers.get("Date");
      if (date) this.connection.calibrate(Date.parse(date) / 1000 + 0.5);
    } catch {
      /* the clock stays the browser's */
    }
  }

  // ------------------------------------------------------------------ connection

  onStatus(status, detail) {
    const E = this.el;
    E.conn.dataset.status = status;
    E.conn.textContent = { connecting: "connecting…", online: "● online", offline: "● offline", reconnecting: "● reconnecting…" }[status] || status;
    if (status === "online") {
      if (!E.banner.hidden) announce("Reconnected.");
      E.banner.hidden = true;
      document.body.dataset.connection = "online";
    } else if (status === "offline" || status === "reconnecting") {
      if (this.view) {
        fill(E.banner, h("strong", null, "Connection lost."), " Reconnecting to your seat… your hand is safe on the server.", detail ? h("span", { class: "muted small" }, ` (${detail})`) : null);
        E.banner.hidden = false;
      }
      document.body.dataset.connection = status;
    }
  }

  onJoined(ack) {
    // Back after a while as a player, having left as the facilitator: someone took over meanwhile; say who.
    const before = this.role || (loadSeat(this.gameId) || {}).role;
    if (before === "facilitator" && ack.role === "player" && ack.view && ack.view.phase !== "ended") {
      const who = seatName(ack.view, ack.view.facilitator);
      this.toast("info", `${who} facilitates now`, `${who} took over facilitating while you were away. You play on as before.`, { news: true });
      announce(`${who} took over facilitating while you were away.`);
    }
    const kept = loadSeat(this.gameId) || {};
    if (kept.late && kept.token === this.token && ack.view && ack.view.phase === "play") {
      const cards = (ack.view.hand || []).length;
      const hand = cards ? `Your ${cards} card${cards === 1 ? " was" : "s were"} dealt from the cards nobody had seen.` : "No card was left to deal you, but your notes count.";
      this.toast("info", "Welcome to the game", `You came in mid-game: ${hand} This trick goes on without you; you play from the next one, and you can vote and add sticky notes now.`, { news: true });
    }
    if (ack.seat !== null && ack.seat !== undefined && this.token) {
      // late: greeted once, not again on a reload.
      saveSeat(this.gameId, { token: this.token, seat: ack.seat, name: ack.name, role: ack.role, late: false });
    }
    this.role = ack.role;
    if (this.practice && ack.role === "facilitator" && ack.view.phase === "setup") {
      this.connection.command("start", {}).then((r) => this.reportError(r));
    }
  }

  onPresence(msg) {
    this.presence = msg;
    this.presenceAt = Date.now() / 1000;
    if (!this.view) return;
    renderScoreboard(this.el.scoreboard, this.view, this.presence);
    this.renderHostAway();
    this.renderStatus(); // the seat on turn may have gone away, or come back
    this.renderActions(); // "(away)" in the lists of who to remove and who to hand over to, in every phase
    this.recheckConfirmation(); // and in the question of handing over
    this.showVotes(); // "Close the vote now" is offered while a vote waits for someone away
    if (this.view.phase === "rating") this.renderRatingPanel(); // who the rating waits for, and whether they are away
    if (!this.spectator && this.view.phase === "play") this.renderHand(); // and a phone's dock says so
  }

  /**
   * When the facilitator has gone (a laptop asleep, someone called away), say so, and once they have been away
   * long enough let a seated player take over: otherwise a game without time limits would wait for them for good.
   * Called on every clock tick: it updates text and the button in place, so focus stays on the button.
   */
  /** Tells a player the facilitator removed, and while play goes on offers the join page for a new seat. */
  renderRemoved() {
    const view = this.view;
    const E = this.el;
    const me = !this.spectator && view.you !== null ? view.seats.find((s) => s.seat === view.you) : null;
    const removed = Boolean(me && !me.present) && view.phase !== "ended";
    E.removed.hidden = !removed;
    if (!removed) return;
    const again = view.phase === "play";
    const text = `The facilitator removed you from this game; your points and threats stay on the scoreboard.${again ? " To play on, take a new seat under your name." : " You can follow the game from here."}`;
    if (E.removedText.textContent !== text) {
      E.removedText.textContent = text;
      announce(text);
    }
    E.rejoin.hidden = !again;
  }

  renderHostAway() {
    const view = this.view;
    const E = this.el;
    const p = this.presence && view && view.facilitator !== null ? this.presence.seats.find((s) => s.seat === view.facilitator) : null;
    // Only a seat still in the game may take over (a removed seat's link still shows the table).
    const me = view.you !== null ? view.seats.find((s) => s.seat === view.you) : null;
    const show = p && !p.connected && !this.spectator && me && me.present && view.you !== view.facilitator && view.phase !== "ended";
    E.hostAway.hidden = !show;
    if (!show) {
      this.hostAwayNews = null;
      return;
    }
    const away = (p.away_seconds || 0) + (Date.now() / 1000 - this.presenceAt);
    const wait = this.presence.take_over_after - away;
    const name = seatName(view, view.facilitator);
    const text = wait > 0 ? `${name} (facilitator) is away. If they do not come back, you can take over in ${mmss(wait)}.` : `${name} (facilitator) has been away for ${mmss(away)}.`;
    if (E.hostAwayText.textContent !== text) E.hostAwayText.textContent = text;
    E.takeOver.hidden = wait > 0;
    // Screen readers hear it when it changes (gone; now you can take over), not the countdown's every second.
    const news = wait > 0 ? "away" : "can";
    if (news !== this.hostAwayNews) {
      this.hostAwayNews = news;
      announce(news === "away" ? text : `${text} You can take over facilitating.`);
    }
  }

  async takeOver() {
    this.moveOn();
    this.el.takeOver.disabled = true;
    const ack = await this.connection.command("take_over", {});
    this.el.takeOver.disabled = false;
    this.reportError(ack);
    // The button went with the notice: keep the keyboard where the new facilitator acts next, not on the page
    // (once the view that makes this seat the facilitator has been drawn, if it has not come yet).
    if (ack && ack.ok && (document.activeElement === this.el.takeOver || document.activeElement === document.body)) {
      this.focusHostPending = "take-over";
      this.focusHostControls();
    }
  }

  /**
   * After a take-over or a hand-over, put the focus on the first of the facilitator's controls that is shown. A
   * take-over moves it from its own button (gone with the notice); a hand-over comes unasked, so it leaves alone a
   * player in the middle of something (see busy): the toast and the live region tell them.
   */
  focusHostControls() {
    const pending = this.focusHostPending;
    if (!pending || !this.view || this.view.facilitator !== this.view.you) return;
    this.focusHostPending = null;
    const active = document.activeElement;
    if (pending === "take-over" ? active !== this.el.takeOver && active !== document.body : this.busy(active)) return;
    // On a phone during play the tools are folded behind the Facilitator button: a hidden tool cannot take the focus.
    const shown = [byId("start-game"), byId("facilitator-menu"), ...this.el.page.querySelectorAll(".host-tools button")];
    const next = shown.find((el) => el && el.offsetParent !== null);
    if (next) next.focus();
  }

  /** Whether the player is in the middle of something (writing, a dialog, reading a verdict): the focus stays. */
  busy(active) {
    if (this.composer.open || document.querySelector("dialog[open]") || this.el.verdict.contains(active)) return true;
    return Boolean(active && active.matches("textarea, input:not([type]), input[type=text], [contenteditable=true]"));
  }

  onFatal(err) {
    if (err.code === "invalid_token") forgetSeat(this.gameId);
    clearInterval(this.timer);
    this.connection.close();
    fill(
      this.root,
      h(
        "main",
        { class: "page narrow" },
        h("h1", null, err.code === "invalid_token" ? "This seat link is not valid" : "This game is not available"),
        h("p", null, err.message),
        h("p", null, h("a", { href: "/", class: "button" }, "Back to the lobby")),
      ),
    );
    document.body.dataset.ready = "error";
  }

  reportError(ack) {
    if (!ack || ack.ok) return false;
    const err = ack.error || {};
    const overtaken = OVERTAKEN[err.code];
    if (overtaken) {
      const said = `${err.message ? `${err.message}. ` : ""}${overtaken[1]}`;
      this.toast("info", overtaken[0], said); // the answer to the click, but nothing to keep on screen
      announce(said);
      return true;
    }
    const message = `${err.message || "That was refused."}${ERROR_HELP[err.code] ? " " + ERROR_HELP[err.code] : ""}`;
    this.toast("refused", "Not allowed", message, { own: true });
    announce(message);
    if (err.code === "stale_state") this.connection.sync();
    return true;
  }

  // ------------------------------------------------------------------ views

  onView(view, info) {
    const first = this.view === null;
    const previous = this.view;
    this.view = view;
    document.body.dataset.version = String(view.version);
    if (previous && previous.phase !== view.phase) {
      this.heldToasts = []; // about the phase that ended
      this.hideVerdict();
    }
    for (const card of view.hand || []) this.cards.set(card.id, card);
    for (const t of [...view.tricks, ...(view.trick ? [view.trick] : [])]) for (const p of t.plays) this.cards.set(p.card.id, p.card);
    let kept = null;
    if (this.selected && !(view.legal && view.legal.playable.includes(this.selected))) {
      kept = this.turnLost(previous, view, info.events || []);
      this.cancelPlay({ refocus: !(kept && kept.note) });
    }
    if (this.hinted && !(view.hand || []).some((c) => c.id === this.hinted)) this.hinted = null;
    this.detectVerdicts(previous, view);
    this.render();
    this.recheckConfirmation();
    for (const e of info.events || []) {
      if (!(kept && e.type === "TurnPassed" && e.seat === view.you)) this.narrate(e, view);
    }
    if (kept) this.keepDraft(kept);
    this.tellMissed(previous, view, info, kept);
    if (first) {
      // A game already over opened on its results (render() said so): left as "table", every later render (a
      // reconnection's whole view) took the results for new, scrolling to the top and taking the focus.
      if (document.body.dataset.ready !== "final") document.body.dataset.ready = "table";
      performance.mark("threatdeck-ready");
      // The diagram's code (cytoscape, the largest chunk) loads once the table is usable.
      setTimeout(() => this.loadDiagram(), 0);
      document.title = `threatdeck · ${view.architecture.name}`;
    }
  }

  /**
   * The card being played can no longer be played: did my turn go by without it (the clock ran out, the
   * facilitator skipped me)? Then what I was writing must not vanish: returns {reason, draft, note}, `note`
   * when it can be kept as a sticky note (there is text, and notes are allowed); else null.
   */
  turnLost(previous, view, events) {
    if (view.you === null || view.you === undefined || view.phase !== "play") return null;
    const passed = events.find((e) => e.type === "TurnPassed" && e.seat === view.you);
    let reason = passed ? passed.reason : null;
    if (!passed && previous && previous.turn === view.you && view.turn !== view.you && (view.hand || []).some((c) => c.id === this.selected)) {
      reason = "unknown"; // a whole view (a missed update, a reconnection) carries no events
    }
    if (reason === null || reason === "pass" || reason === "removed") return null;
    const draft = this.composer.mode === "play" ? this.composer.draft() : null;
    const note = Boolean(draft && draft.text.trim() && view.legal && view.legal.can_add_threat);
    return { reason, draft, note, trick: passed ? passed.trick : null };
  }

  /** Say why the card being played was put back, and keep its threat as a sticky note, ready to add. */
  keepDraft({ reason, draft, note, trick }) {
    const why =
      reason === "timeout"
        ? "Time ran out: your turn passed and the card stays in your hand."
        : reason === "skipped"
          ? "The facilitator skipped your turn: the card stays in your hand."
          : "Your turn passed before the card was played: it stays in your hand.";
    if (note) {
      const faceUp = [...this.cards.values()].filter((c) => !(this.view.hand || []).some((x) => x.id === c.id));
      const message = `${why} What you wrote is kept as a sticky note: “Add sticky note” adds it.`;
      this.composer.start("note", this.view, null, { faceUp, draft, notice: message });
      announce(message);
    } else if (reason === "timeout") {
      this.turnRanOut(this.view, true, trick);
    } else {
      this.toast("turn", "Your turn passed", why);
      announce(why);
    }
  }

  /**
   * My turn ran out of time. The player was likely away (coffee, another window), so this is theirs to read, as
   * a verdict is: it stays until they close it or act again, where a toast of news would have gone before they
   * came back. It goes ahead of a verdict left open (read before they went): that one waits behind it.
   * `chosen`: a card had been chosen (no text written), and it goes back to the hand. `trick`: the turn's, so
   * that closing the notice is remembered (tellMissed does not tell it again after a reload).
   */
  turnRanOut(view, chosen = false, trick = null) {
    if (view.phase !== "play") return; // play ended with it: the phase's own screen says what comes next
    const next = view.turn !== null && view.turn !== view.you ? `to ${seatName(view, view.turn)}` : "on";
    const can = [
      view.legal && view.legal.can_add_threat ? "You can still add a sticky note at any time" : null,
      "you play again when your turn comes round",
    ].filter(Boolean).join(", and ");
    const body = `Your time for this turn ran out before you played, so the turn passed ${next}. ${chosen ? "The card you chose is" : "Your cards are"} still in your hand. ${can.charAt(0).toUpperCase()}${can.slice(1)}.`;
    const head = "Time ran out: your turn passed";
    this.toast("turn", head, body, { own: true, ahead: true, told: trick === null ? null : [`turn:${trick}`] });
    announce(`${head}. ${body}`);
  }

  /**
   * What the game settled without me (`view.missed`: my turn passed on time or skipped, a vote decided without
   * my ballot) since I last acted. Live, the update said so as it happened (the notice of a turn run out, the
   * vote prompt gone). A whole view (the page opened again, a laptop that slept reconnecting) carries no events:
   * then this says it, once, as a notice that stays until closed. Closing it is remembered in this browser
   * (loadTold); a reload before that shows it again (a phone reloads a tab it put away, the notice unread). The
   * server forgets what I missed once I act, and so does this.
   */
  tellMissed(previous, view, info, kept) {
    if (this.spectator || view.you === null || view.you === undefined) return;
    const missed = view.missed || [];
    const key = missedKey;
    const keys = new Set(missed.map(key));
    const stored = loadTold(this.gameId, view.you);
    const told = stored.filter((k) => keys.has(k));
    const live = !info.full || (info.events || []).length > 0;
    if (live || kept) {
      // Seen as it happened: a vote settling (its prompt went, or the verdict on my threat showed) and a turn
      // skipped; a turn run out is told by its own notice, and remembered once that is closed. A turn lost
      // mid-card was told just now (keepDraft).
      const before = new Set(((previous && previous.missed) || []).map(key));
      const turns = missed.filter((m) => m.kind === "turn");
      // A turn lost mid-card in a whole view has no event to name its trick: it is the latest turn missed.
      const lost = !kept ? null : kept.trick !== null ? `turn:${kept.trick}` : turns.length ? key(turns[turns.length - 1]) : null;
      for (const m of missed) {
        const k = key(m);
        const seen = live && !before.has(k) && (m.kind === "vote" || m.kind === "verdict" || m.reason === "skipped");
        if (!told.includes(k) && (seen || k === lost)) told.push(k);
      }
    }
    if (told.length !== stored.length || told.some((k, i) => k !== stored[i])) saveTold(this.gameId, view.you, told);
    if (live || view.phase === "ended") return;
    const untold = missed.filter((m) => !told.includes(key(m)));
    if (!untold.length) return;
    const { head, body, said } = missedNotice(view, untold);
    this.toast("turn", head, body, { own: true, ahead: true, told: untold.map(key) });
    announce(`${head}. ${said}`);
  }

  /** Remember in this browser that the seat was told these (view.missed keys), closing the notice that said so. */
  markTold(keys) {
    const view = this.view;
    if (!view || view.you === null || view.you === undefined || !keys || !keys.length) return;
    const listed = new Set((view.missed || []).map(missedKey));
    const told = loadTold(this.gameId, view.you).filter((k) => listed.has(k));
    for (const k of keys) if (listed.has(k) && !told.includes(k)) told.push(k);
    saveTold(this.gameId, view.you, told);
  }

  /**
   * New threats and settled votes since the last view: show my verdicts (the others' are in the feed, explained
   * there in practice: a toast of theirs would cover mine, and the diagram, every time someone plays).
   */
  detectVerdicts(previous, view) {
    const before = new Map((previous ? previous.threats : []).map((t) => [t.id, t]));
    if (this.knownThreats === null) {
      this.knownThreats = new Set(view.threats.map((t) => t.id));
      return;
    }
    for (const t of view.threats) {
      const old = before.get(t.id);
      const isNew = !this.knownThreats.has(t.id);
      this.knownThreats.add(t.id);
      if (isNew && t.found_by === view.you) this.showVerdict(t, view, true);
      else if (old && old.status === "voting" && t.status !== "voting" && t.found_by === view.you) {
        this.showVerdict(t, view, true, { news: true }); // the table decided, while the player may be reading another
      }
    }
  }

  /** `news`: it comes on its own (a vote settled), not as the answer to what the player just did. */
  showVerdict(t, view, mine, { news = false } = {}) {
    const card = t.card ? this.cards.get(t.card) : null;
    const where = targetName(view, t.target_kind, t.target);
    let kind;
    let head;
    if (t.status === "accepted") {
      kind = "valid";
      head = mine ? `Valid threat! +1 for you${t.judged_by === "vote" ? " (the table agreed)" : ""}` : `${seatName(view, t.found_by)}: valid threat (+1)`;
    } else if (t.status === "rejected") {
      kind = "invalid";
      head = mine ? `Not valid${t.judged_by === "vote" ? " (the table voted no)" : ""}` : `${seatName(view, t.found_by)}: not valid`;
    } else {
      kind = "vote";
      head = mine ? "To the vote: the rules can't tell, the table decides" : `${seatName(view, t.found_by)}'s threat goes to the vote`;
    }
    const lines = [h("p", null, suitChip(t.suit), " ", h("strong", null, where), ": ", h("span", { class: "threat-text" }, t.text))];
    const { why, lesson } = verdictLesson(view, t, card);
    if (why) lines.push(h("p", { class: "reason" }, h("strong", null, kind === "valid" ? "Why it holds: " : kind === "invalid" ? "Why not: " : "Why: "), why));
    if (lesson) lines.push(h("p", { class: "lesson" }, lesson));
    if (this.practice && card) {
      lines.push(h("p", { class: "teach" }, h("strong", null, `${suit(card.suit).name}: `), card.explanation));
      if (kind === "valid") lines.push(h("p", { class: "teach" }, h("strong", null, "Fix: "), card.mitigation));
    }
    this.toast(kind, head, lines, { own: mine, learn: card, threat: t.id, news });
    announce([`${head}.`, why, lesson].filter(Boolean).join(" "));
  }

  /** The feed's "Show the verdict" on one of my threats: back in view (closed by mistake), the keyboard on it. */
  showVerdictAgain(threatId) {
    const t = this.view && this.view.threats.find((x) => x.id === threatId);
    if (!t) return;
    this.showVerdict(t, this.view, true);
    const ok = this.el.verdict.querySelector("[data-role=ok]");
    ok.focus({ preventScroll: true });
    this.el.verdict.scrollIntoView({ block: "nearest" });
  }

  /**
   * Show a toast where verdicts go. `own`: the player's to read (their threat judged, a refusal of their move):
   * it stays until they close it (OK, Escape) or act again (moveOn); anything else is news and goes after NEWS_MS.
   * `news`: it came on its own, not as the answer to what the player just did; it does not take the place of an
   * own toast being read (unless it is about the same threat, as a vote's outcome after "to the vote"), but waits
   * for it to be closed. What the player's action brings always replaces what is shown: it answers them now, and
   * a verdict replaced is still in the feed ("Show the verdict"). `ahead`: it comes on its own but is more pressing
   * than the own toast shown (the player's turn ran out), which waits behind it instead ("1 more to read").
   */
  toast(kind, head, body, opts = {}) {
    const E = this.el;
    if (opts.ahead && !E.verdict.hidden && this.verdictOwn) {
      this.heldToasts.unshift([...this.verdictShown.slice(0, 3), { ...this.verdictShown[3], news: false }]);
    }
    if (opts.news && !E.verdict.hidden && this.verdictOwn && !(opts.threat && opts.threat === this.verdictThreat)) {
      this.heldToasts.push([kind, head, body, { ...opts, news: false }]);
      this.renderHeldCount();
      return;
    }
    clearTimeout(this.toastTimer);
    this.verdictExpired = false;
    this.verdictShown = [kind, head, body, opts];
    const reading = E.verdict.contains(document.activeElement); // a new toast in place of the one being read
    fill(
      E.verdict,
      h(
        "div",
        { class: `verdict-card ${kind}`, dataset: { verdict: kind } },
        h("div", { class: "verdict-head" }, h("span", { class: "verdict-icon", "aria-hidden": "true" }, { valid: "✓", invalid: "✗", vote: "?", refused: "!" }[kind] || "i"), h("strong", null, head)),
        h("div", { class: "verdict-body" }, typeof body === "string" ? h("p", null, body) : body),
        h(
          "div",
          { class: "verdict-actions" },
          h("span", { class: "small muted verdict-more" }),
          opts.learn ? h("button", { type: "button", class: "ghost", onclick: () => openPrimer(opts.learn, this.view) }, "Learn more") : null,
          h("button", { type: "button", class: "ghost", dataset: { role: "ok" }, onclick: () => this.hideVerdict() }, "OK"),
        ),
      ),
    );
    E.verdict.hidden = false;
    this.renderHeldCount();
    if (reading) E.verdict.querySelector("[data-role=ok]").focus({ preventScroll: true });
    // The answer to what the player just did, on a page scrolled down to the composer (a phone): its head in
    // view. Not news: that would pull the page from under someone reading the feed.
    const top = E.verdict.getBoundingClientRect().top;
    if (this.verdictOwn && !opts.news && top < 0) window.scrollBy(0, top - 8);
    if (!this.verdictOwn) {
      // Not while the keyboard is on it (being read): then it goes once the focus leaves it.
      this.toastTimer = setTimeout(() => {
        if (E.verdict.contains(document.activeElement)) this.verdictExpired = true;
        else this.hideVerdict();
      }, NEWS_MS);
    }
  }

  /** "1 more to read" beside OK while toasts wait behind the one shown (OK shows the next). */
  renderHeldCount() {
    const more = this.el.verdict.querySelector(".verdict-more");
    if (more) more.textContent = this.heldToasts.length ? `${this.heldToasts.length} more to read` : "";
  }

  /**
   * Close the toast; the next one waiting, if any, takes its place (the keyboard on it if it was on this one).
   * Else the focus, if it was on it, goes back to where the reader came from (else the hand).
   */
  hideVerdict() {
    const E = this.el;
    if (this.verdictShown && this.verdictShown[3].told && !E.verdict.hidden) this.markTold(this.verdictShown[3].told);
    if (this.heldToasts.length && !E.verdict.hidden) {
      this.toast(...this.heldToasts.shift());
      return;
    }
    const inside = E.verdict.contains(document.activeElement);
    clearTimeout(this.toastTimer);
    this.verdictExpired = false;
    this.verdictShown = null;
    E.verdict.hidden = true;
    if (!inside) return;
    const back = this.verdictReturn;
    const shown = (el) => el && el.isConnected && el.offsetParent !== null && !el.disabled;
    const next = [back, E.hand.querySelector("button.card-face"), byId("add-note"), ...E.page.querySelectorAll(".side button")].find(shown);
    if (next) next.focus({ preventScroll: true });
  }

  /**
   * The player acts again (chooses a card, plays, adds a note, passes, votes…): their verdict has been read; it
   * goes. Not when they open a sticky note: that may argue with the verdict, which stays readable while it is
   * written, until the note is added.
   */
  moveOn() {
    if (!this.el.verdict.hidden && this.verdictOwn) this.hideVerdict();
  }

  /** A few events deserve a word in the status line. */
  narrate(e, view) {
    if (e.type === "TrickWon") announce(`${seatName(view, e.seat)} won trick ${e.trick}.`);
    else if (e.type === "TurnPassed" && e.reason === "timeout" && e.seat === view.you) this.turnRanOut(view, false, e.trick);
    else if (e.type === "TurnPassed" && e.reason === "timeout") announce(`${seatName(view, e.seat)} ran out of time; the turn passed.`);
    else if (e.type === "PlayEnded") announce("Play is over. Time to prioritise: rate every threat.");
    else if (e.type === "FacilitatorChanged") this.facilitatorChanged(e, view);
    else if (e.type === "SeatJoined" && e.seat !== view.you) {
      const cards = e.hand_sizes[e.seat];
      const dealt = cards
        ? `was dealt ${cards} card${cards === 1 ? "" : "s"} from the cards nobody has seen (the fullest hands gave one each in turn)`
        : "had no card left to be dealt";
      this.toast("info", `${e.name} joined the game`, `${e.name} came late, sits after ${seatName(view, e.seat - 1)} and ${dealt}. They play from the next trick and vote from now on.`, { news: true });
      announce(`${e.name} joined the game.`);
    }
    else if (e.type === "VoteCalled" && e.by !== view.you) announce(`${seatName(view, e.by)} closed the vote on ${e.threat_id}: the votes cast decide it.`);
    else if (e.type === "GameEnded") announce("The game is over. The prioritised threat list is ready.");
    else if (e.type === "VoteOpened" && view.legal && view.legal.votable.includes(e.threat_id)) announce(`A vote is open on ${e.threat_id}.`);
  }

  /**
   * Someone else facilitates now: taken over from a facilitator who was away, or handed over by them. The new
   * facilitator is told what they can do now and, on a hand-over, the keyboard goes to their controls, as after
   * taking over; the seat that handed over is told who has them.
   */
  facilitatorChanged(e, view) {
    const handed = e.reason === "hand_over";
    const was = seatName(view, e.previous);
    const now = seatName(view, e.seat);
    // This tab saw it happen: back later, it must not say that someone took over "while you were away".
    if (!this.spectator && (e.seat === view.you || e.previous === view.you)) this.keepRole(e.seat === view.you ? "facilitator" : "player");
    if (e.seat === view.you) {
      // News, not a vote (the "?" toast); and only what can be done in this phase.
      const tools = { setup: ["start the game", "remove a player"], play: ["skip a seat", "end play", "end the game", "remove a player"], rating: ["end the game", "remove a player"] }[view.phase] || [];
      if (tools.length && view.legal && view.legal.facilitator.includes("HandOver")) tools.push("hand facilitating on");
      const can = tools.length ? ` You can ${tools.length > 1 ? `${tools.slice(0, -1).join(", ")} and ${tools[tools.length - 1]}` : tools[0]}: the Facilitator tools are yours.` : "";
      this.toast("info", "You are the facilitator now", `${handed ? `${was} handed facilitating to you.` : `${was} was away.`}${can}`, { news: true });
      if (handed) {
        this.focusHostPending = "hand-over";
        this.focusHostControls();
      }
    } else if (handed && e.previous === view.you) {
      // The answer to what this seat just did: it replaces what is shown.
      this.toast("info", `${now} facilitates now`, `You handed facilitating to ${now}. You play on as before.`);
    }
    announce(handed ? `${was} handed facilitating to ${now}.` : `${now} took over facilitating from ${was}.`);
  }

  /** The seat's role as the game stands, here and where this browser keeps the seat. */
  keepRole(role) {
    this.role = role;
    if (this.token) saveSeat(this.gameId, { token: this.token, role });
  }

  // ------------------------------------------------------------------ rendering

  render() {
    const view = this.view;
    const E = this.el;
    E.page.dataset.phase = view.phase;
    document.body.dataset.phase = view.phase;
    fill(E.title, h("strong", null, view.architecture.name), h("span", { class: "muted" }, ` · ${view.deck.title}`), this.practice ? h("span", { class: "tag" }, "practice") : null);
    this.renderStatus();
    this.renderDiagram();
    this.renderSetup();
    this.showVotes(view);
    renderScoreboard(E.scoreboard, view, this.presence);
    this.renderHostAway();
    this.renderRemoved();
    renderTrick(E.trick, view);
    renderFeed(E.feed, view, (id) => this.cards.get(id), this.practice, (id) => this.showVerdictAgain(id));
    this.renderActions();
    this.focusHostControls();
    if (view.phase === "rating") {
      E.hand.hidden = true;
      E.handHead.hidden = true;
      E.rating.hidden = false;
      this.renderRatingPanel();
    } else {
      E.rating.hidden = true;
      E.hand.hidden = this.spectator || view.phase === "ended";
      E.handHead.hidden = E.hand.hidden;
      if (!this.spectator) this.renderHand();
      this.focusHand();
    }
    if (view.phase === "ended") {
      E.final.hidden = false;
      // The results are drawn anew (the diagram shown or hidden, a reconnection): the keyboard stays on the
      // control it was on (found again by its data-focus key), not left on the page.
      const active = document.activeElement;
      const key = active && E.final.contains(active) && active.dataset ? active.dataset.focus : null;
      renderFinal(E.final, view, this.gameId);
      E.final.prepend(
        h(
          "div",
          { class: "final-toggle" },
          h("button", { type: "button", class: "ghost", dataset: { focus: "final-toggle" }, onclick: () => this.toggleBoard() }, this.showBoardAtEnd ? "Back to the results" : "Show the diagram with its sticky notes"),
        ),
      );
      const again = key ? E.final.querySelector(`[data-focus="${CSS.escape(key)}"]`) : null;
      if (again) again.focus({ preventScroll: true });
      E.page.classList.toggle("show-board", this.showBoardAtEnd);
      // The results take the place of the table's main area (hidden with them); beside the diagram, a strip.
      E.final.setAttribute("role", this.showBoardAtEnd ? "region" : "main");
      if (document.body.dataset.ready !== "final") {
        // The results replace the table: start reading them from the top.
        window.scrollTo(0, 0);
        const heading = E.final.querySelector("h1");
        heading.tabIndex = -1;
        heading.focus({ preventScroll: true });
      }
      document.body.dataset.ready = "final";
    }
    this.renderClocks();
  }

  toggleBoard() {
    this.showBoardAtEnd = !this.showBoardAtEnd;
    this.render();
    if (this.diagram) setTimeout(() => this.diagram.fit(), 50);
  }

  renderDiagram() {
    if (!this.diagram || !this.view) return;
    const view = this.view;
    this.diagram.setArchitecture(view.architecture);
    if (!this.drawn) {
      this.drawn = true;
      performance.mark("threatdeck-diagram");
    }
    this.diagram.setNotes(view.threats, (seat) => seatName(view, seat));
    if (this.hinted) {
      this.diagram.setTargets(this.targetRefs(this.hinted), "hint");
    } else {
      this.diagram.setTargets(null);
    }
    this.diagram.setPicked(this.composer.open ? this.composer.pick : null);
  }

  /** The components and flows a card fits (from view.legal.targets), with their kind. */
  targetRefs(cardId) {
    const view = this.view;
    const ids = (view.legal && view.legal.targets[cardId]) || [];
    const card = this.cards.get(cardId);
    const types = new Set(card ? card.applies_to : []);
    const comps = new Map(view.architecture.components.map((c) => [c.id, c]));
    return ids.map((id) => {
      const c = comps.get(id);
      return c && types.has(c.type) ? { kind: "component", id } : { kind: "flow", id };
    });
  }

  renderStatus() {
    const view = this.view;
    const E = this.el;
    let text;
    let mine = false;
    if (view.phase === "setup") {
      const n = view.seats.filter((s) => !s.bot).length;
      text = view.you !== null && view.you === view.facilitator ? `${n} ${n === 1 ? "player" : "players"} seated. Share the invite link, then start the game.` : `${n} seated. Waiting for ${seatName(view, view.facilitator)} to start the game…`;
    } else if (view.phase === "play") {
      const trick = view.trick;
      const led = trick && trick.led ? suit(trick.led).name : null;
      if (view.turn === view.you && view.you !== null) {
        mine = true;
        text = view.must_lead ? `Your turn: you open the game. Lead ${leadName(view)}, then pick a component.` : led ? `Your turn: ${led} was led — follow suit if you can. Pick a card, then a component.` : "Your turn: lead any card. Pick a card, then a component.";
      } else if (view.turn !== null) {
        text = `${seatName(view, view.turn)}'s turn${led ? ` · ${led} led` : ""}.${this.awayOnTurn(view)}${view.you !== null ? " You can add a sticky note any time." : ""}`;
      } else text = "Play is on.";
    } else if (view.phase === "rating") {
      text = "Prioritise: rate every valid threat for likelihood and impact.";
    } else {
      // The engine ends with "rated" too when nothing was valid, and then nobody rated anything.
      const rated = view.threats.some((t) => t.status === "accepted") ? "everyone rated" : "no valid threats to rate";
      text = `Game over${view.end_reason ? ` (${{ rated, time: "time is up", facilitator: "ended by the facilitator", tricks: "all cards played" }[view.end_reason] || view.end_reason})` : ""}.`;
    }
    if (E.status.textContent !== text) E.status.textContent = text; // a live region: the same text is not news
    E.status.classList.toggle("your-turn", mine);
    E.page.classList.toggle("my-turn", mine);
  }

  renderClocks() {
    const view = this.view;
    const E = this.el;
    if (!view) return;
    this.renderHostAway();
    const now = this.connection.serverNow();
    const c = view.clock;
    const turn = view.phase === "play" ? c.turn_deadline : null;
    const box = view.phase === "play" ? c.play_deadline : view.phase === "rating" ? c.rating_deadline : null;
    E.turnClock.hidden = turn === null || turn === undefined;
    if (!E.turnClock.hidden) {
      const left = turn - now;
      E.turnClock.textContent = `Turn ${mmss(left)}`;
      E.turnClock.classList.toggle("urgent", left < 15);
    }
    E.boxClock.hidden = box === null || box === undefined;
    if (!E.boxClock.hidden) {
      const left = box - now;
      E.boxClock.textContent = `${view.phase === "rating" ? "Prioritising" : "Time box"} ${mmss(left)}`;
      E.boxClock.classList.toggle("urgent", left < 60);
      this.warnBoxEnding(box, left);
    }
  }

  /**
   * Say once, to everyone, that the time box is about to end: at its end play stops mid-sentence (a card being
   * written is not played) or the game ends on the ratings given, and the clock's colour alone told nobody.
   */
  warnBoxEnding(box, left) {
    const rating = this.view.phase === "rating";
    const warnAt = rating ? 120 : 300;
    if (left > warnAt) {
      this.boxLong = box; // a box shorter than the warning from the start has nothing to warn of
      return;
    }
    if (left <= 0 || this.boxLong !== box || this.boxWarned === box) return;
    this.boxWarned = box;
    const head = rating ? "2 minutes of prioritising left" : "5 minutes of play left";
    const body = rating
      ? "Then the game ends and the list is ordered by the ratings given so far."
      : "Then play ends, a card being written is not played, and everyone rates the valid threats.";
    this.toast("info", head, body, { news: true });
    announce(`${head}. ${body}`);
  }

  renderSetup() {
    const view = this.view;
    const E = this.el;
    if (view.phase !== "setup") {
      E.setup.hidden = true;
      return;
    }
    E.setup.hidden = false;
    const origin = window.location.origin;
    const stored = facilitatorLinks(this.gameId) || {};
    const joinLink = stored.join_link || `${origin}/join/${this.gameId}`;
    const watchLink = stored.spectate_link || `${origin}/watch/${this.gameId}`;
    const legal = view.legal;
    const canStart = legal && legal.facilitator.includes("StartGame");
    const seatLink = this.token ? `${origin}/play/${this.gameId}#token=${this.token}` : null;
    refill(
      E.setup,
      h("h2", null, "Waiting room"),
      h("p", null, "Invite the team: each opens the invite link and types a name."),
      copyField("Invite link", joinLink, "join-link"),
      copyField("Spectator link (shared screen)", watchLink, "watch-link"),
      seatLink ? copyField("Your own seat link (keep it private)", seatLink, "seat-link", { secret: true }) : null,
      h("div", { class: "qr-box" }, qrSvg(joinLink, this.spectator ? 220 : 150), h("p", { class: "small muted" }, "Scan to join")),
      h("h3", null, "Seated"),
      h("ul", { class: "seated" }, view.seats.map((s) => h("li", null, s.name, s.bot ? " (bot)" : "", s.seat === view.facilitator ? " — facilitator" : ""))),
      canStart ? h("button", { type: "button", class: "primary big", id: "start-game", onclick: () => this.start() }, "Start the game") : null,
    );
  }

  renderActions() {
    const view = this.view;
    const E = this.el;
    const legal = view.legal;
    if (!legal || view.phase === "ended") {
      fill(E.actions);
      return;
    }
    const fac = legal.facilitator || [];
    // The tools, in every phase that has one (setup too: remove a seat taken by mistake, hand over before the start);
    // starting the game is the waiting room's button, and closing a vote is on its prompt.
    const hosting = fac.some((x) => x !== "StartGame" && x !== "CloseVote");
    if (!hosting || view.phase !== "play") this.hostMenuOpen = false; // it folds only during play
    // A facilitator's action first closes the menu it was chosen from (the focus goes back to its button).
    const host = (fn) => () => {
      this.setHostMenu(false, { refocus: true });
      fn();
    };
    // Who to remove or hand over to: "(away)" after a seat without a connection, what the choice turns on.
    const away = this.awaySeats(view);
    const seatOption = (s) => h("option", { value: String(s.seat) }, away.has(s.seat) ? `${s.name} (away)` : s.name);
    refill(
      E.actions,
      view.phase === "play"
        ? [
            h("button", { type: "button", id: "pass", disabled: !legal.can_pass, onclick: () => this.pass(), title: "Let the turn go without playing a card" }, "Pass"),
            h("button", { type: "button", id: "add-note", disabled: !legal.can_add_threat, onclick: () => this.startNote(), title: "Propose a threat at any time, without a card in hand" }, "+ Sticky note"),
          ]
        : null,
      hosting
        ? h(
            // On a phone, during play, the tools fold into a menu behind one button (styles.css); elsewhere the
            // button is not displayed and the wrapper is `display: contents`, so the row is as it always was.
            "div",
            { class: "host-menu" + (this.hostMenuOpen ? " open" : "") },
            h(
              "button",
              {
                type: "button",
                class: "ghost host-toggle",
                id: "facilitator-menu",
                "aria-expanded": this.hostMenuOpen ? "true" : "false",
                "aria-controls": "facilitator-tools",
                onclick: () => this.setHostMenu(!this.hostMenuOpen),
              },
              "Facilitator",
              h("span", { class: "chevron", "aria-hidden": "true" }, "▴"),
            ),
            h(
              "div",
              { class: "host-tools", id: "facilitator-tools", role: "group", "aria-label": "Facilitator" },
              h("span", { class: "muted small host-label" }, "Facilitator:"),
              fac.includes("SkipSeat") && view.turn !== view.you ? h("button", { type: "button", class: "ghost skip-seat", dataset: { focus: "skip-seat" }, title: `Skip ${seatName(view, view.turn)}`, onclick: host(() => this.skipSeat(view.turn)) }, h("span", { class: "skip-name" }, `Skip ${seatName(view, view.turn)}`), away.has(view.turn) ? "\u00a0(away)" : null) : null,
              fac.includes("EndPlay") ? h("button", { type: "button", class: "ghost", id: "end-play", onclick: host(() => this.confirmHost({ question: "End play and move on to prioritising?", detail: () => this.openVotesWarning() || "Everyone then rates the valid threats.", action: "End play" }, "end_play", "EndPlay")) }, "End play → prioritise") : null,
              fac.includes("EndGame") ? h("button", { type: "button", class: "ghost", id: "end-game", onclick: host(() => this.confirmHost({ question: "End the game now and produce the final list?", detail: () => this.openVotesWarning(), action: "End the game" }, "end_game", "EndGame")) }, "End game") : null,
              fac.includes("RemoveSeat")
                ? h(
                    "select",
                    {
                      class: "remove-seat",
                      dataset: { focus: "remove-seat" },
                      "aria-label": "Remove a player who left",
                      onchange: (e) => {
                        const seat = Number(e.target.value);
                        e.target.value = "";
                        if (!Number.isInteger(seat)) return;
                        host(() => this.removeSeat(seat, e.target))();
                      },
                    },
                    h("option", { value: "" }, "Remove…"),
                    view.seats
                      .filter((s) => s.present && s.seat !== view.you)
                      .map(seatOption),
                  )
                : null,
              fac.includes("HandOver")
                ? h(
                    "select",
                    {
                      class: "hand-over",
                      dataset: { focus: "hand-over" },
                      "aria-label": "Hand over facilitating to another player",
                      onchange: (e) => {
                        const value = e.target.value;
                        e.target.value = "";
                        if (value === "") return;
                        host(() => this.handOver(Number(value), e.target))();
                      },
                    },
                    h("option", { value: "" }, "Hand over…"),
                    // Who may take it (HandOver in the engine): a seat still in the game, not a bot, not this one.
                    view.seats
                      .filter((s) => s.present && !s.bot && s.seat !== view.you)
                      .map(seatOption),
                  )
                : null,
            ),
          )
        : null,
    );
  }

  /** Open or close the facilitator's menu; `refocus` puts the focus back on its button when it was inside. */
  setHostMenu(open, { refocus = false } = {}) {
    this.hostMenuOpen = open;
    const menu = this.el.actions.querySelector(".host-menu");
    if (!menu) return;
    const toggle = menu.querySelector("#facilitator-menu");
    const inside = menu.contains(document.activeElement);
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    // The tools hide with the menu only where its button is displayed (a phone): there the focus must not be
    // left on a hidden control. Elsewhere they stay a row and the focus stays put.
    if (!open && refocus && inside && toggle.offsetParent !== null) toggle.focus({ preventScroll: true });
  }

  renderHand() {
    renderHand(this.el.hand, this.view, {
      selected: this.selected,
      hinted: this.hinted,
      onSelect: (card, blocked) => this.selectCard(card, blocked),
      onLearn: (card) => openPrimer(card, this.view),
      onHint: (card) => this.hint(card),
      closable: closableVotes(this.view, this.awaySeats()),
      onVoteCue: () => {
        this.el.votes.scrollIntoView({ block: "start" });
        const first = this.el.votes.querySelector(".vote-buttons button") || this.el.votes.querySelector("button.close-vote") || this.el.votes.querySelector(".vote-prompt");
        if (first) {
          first.focus({ preventScroll: true });
          first.scrollIntoView({ block: "nearest" }); // "Close the vote now" ends a prompt that may be taller than the screen
        }
      },
    }, this.el.handHead);
  }

  // ------------------------------------------------------------------ actions

  selectCard(card, blocked) {
    if (blocked) {
      announce(`${card.title} cannot be played now: ${blocked.message}`);
      this.toast("refused", `${rankLabel(card.rank)} ${card.suit} · ${card.title}`, `Can't play it now: ${blocked.message}`, { own: true });
      return;
    }
    this.moveOn();
    if (this.selected === card.id) {
      this.cancelPlay();
      return;
    }
    this.selected = card.id;
    this.renderHand();
    this.composer.start("play", this.view, card);
    if (this.diagram) this.diagram.setTargets(this.targetRefs(card.id), "hint");
    announce(`${card.title} selected. Choose a component or flow, then press Enter to play.`);
  }

  cancelPlay({ refocus = true } = {}) {
    const wasSelected = this.selected;
    this.selected = null;
    if (this.composer.open) this.composer.close();
    if (this.view && !this.spectator) this.renderHand();
    this.renderDiagram();
    if (wasSelected && refocus) {
      const face = this.el.hand.querySelector(`button.card-face[data-card="${CSS.escape(wasSelected)}"]`);
      if (face) face.focus();
    } else if (refocus) this.focusNoteButton();
  }

  /** A sticky note's composer closed (added, cancelled) with the focus in it: back to its button, not the page. */
  focusNoteButton() {
    const add = byId("add-note");
    if (add && !add.disabled && (document.activeElement === document.body || !document.activeElement)) add.focus({ preventScroll: true });
  }

  hint(card) {
    this.hinted = this.hinted === card.id ? null : card.id;
    this.renderHand();
    this.renderDiagram();
    if (this.hinted) {
      const refs = this.targetRefs(card.id);
      const names = refs.map((r) => targetName(this.view, r.kind, r.id));
      const msg = names.length
        ? `${card.title} fits ${names.length === 1 ? "this element" : `these ${names.length} elements`}: ${names.slice(0, 8).join(", ")}${names.length > 8 ? "…" : ""}. Does the problem it describes exist there?`
        : `${card.title} fits no element of this diagram — play it to follow suit or to win a trick.`;
      this.toast("hint", "Hint", msg);
      announce(msg);
    }
  }

  startNote() {
    if (this.selected) this.cancelPlay();
    const faceUp = [...this.cards.values()].filter((c) => !(this.view.hand || []).some((x) => x.id === c.id));
    this.composer.start("note", this.view, null, { faceUp });
  }

  onDiagramPick(kind, id) {
    if (this.composer.open) {
      this.composer.choose(kind, id);
      return;
    }
  }

  async submitComposer(what) {
    this.moveOn();
    this.composer.setBusy(true);
    const session = this.composer.session;
    const waiting = {
      onWaiting: () => {
        const message = "Still waiting for the server… (a slow connection: it is being sent again, and counts once)";
        this.composer.showWaiting(message);
        announce(message);
      },
    };
    let ack;
    if (what.mode === "play") {
      ack = await this.connection.command(
        "play_card",
        { card: what.card.id, target: what.target ? what.target.id : null, text: what.text, expected_version: null },
        waiting,
      );
    } else {
      ack = await this.connection.command(
        "add_threat",
        { target: what.target.id, card: what.card ? what.card.id : null, suit: what.suit, text: what.text },
        waiting,
      );
    }
    // The composer was opened again meanwhile (the turn passed and it holds a sticky note, say): this answer
    // is not about what it holds now.
    if (this.composer.session !== session) return;
    if (!ack.ok) {
      this.composer.setBusy(false);
      const err = ack.error || {};
      this.composer.showError(`${err.message || "Refused."}${ERROR_HELP[err.code] ? " " + ERROR_HELP[err.code] : ""}`);
      announce(err.message || "Refused.");
      return;
    }
    const playedWithoutThreat = what.mode === "play" && !what.target;
    this.selected = null;
    this.composer.close();
    this.renderHand();
    this.renderDiagram();
    if (playedWithoutThreat) announce("Card played without a threat.");
    const first = this.el.hand.querySelector("button.card-face");
    if (first && what.mode === "play") first.focus({ preventScroll: true });
    else if (what.mode === "note") this.focusNoteButton();
  }

  async start() {
    this.moveOn();
    const button = byId("start-game");
    if (button) button.disabled = true;
    const fromButton = button && document.activeElement === button;
    const ack = await this.connection.command("start", {});
    this.reportError(ack);
    // The waiting room goes, its button with it: the keyboard goes to the cards just dealt (once they are drawn).
    if (ack && ack.ok && fromButton) {
      this.focusHandPending = true;
      this.focusHand();
    }
  }

  /** After starting the game, put the focus on the card that opens it (if this seat holds it), else the first card. */
  focusHand() {
    if (!this.focusHandPending || !this.view || this.view.phase !== "play") return;
    this.focusHandPending = false;
    if (document.activeElement !== document.body && !this.el.setup.contains(document.activeElement)) return;
    const lead = this.view.must_lead ? this.el.hand.querySelector(`button.card-face[data-card="${CSS.escape(this.view.must_lead)}"]`) : null;
    const next = lead || this.el.hand.querySelector("button.card-face");
    if (next) next.focus();
  }

  async pass() {
    this.moveOn();
    this.reportError(await this.connection.command("pass", {}));
  }

  /**
   * The seat on turn has no connection (a laptop asleep): the table would wait on it, out of the turn's time or
   * for good, with nobody on a phone (the scoreboard below the fold) knowing why. Says so, and what unblocks it.
   */
  awayOnTurn(view) {
    if (view.turn === null || !this.awaySeats(view).has(view.turn)) return "";
    const hosting = (view.legal ? view.legal.facilitator || [] : []).includes("SkipSeat");
    const then = hosting ? "you can skip them" : view.clock.turn_deadline ? "the turn passes when its time runs out" : "the facilitator can skip them";
    return ` They are away: ${then}.`;
  }

  /** Seats without a connection (a laptop asleep), from the last `presence` message; bots are never connected. */
  awaySeats(view = this.view) {
    return new Set(((this.presence && this.presence.seats) || []).filter((p) => !p.connected && !(view.seats.find((x) => x.seat === p.seat) || {}).bot).map((p) => p.seat));
  }

  showVotes(view = this.view) {
    const E = this.el;
    const inside = E.votes.contains(document.activeElement);
    renderVotes(E.votes, view, (id, a) => this.vote(id, a), this.voting, (id) => this.closeVote(id), this.awaySeats(view), (id) => this.cards.get(id));
    // The last open vote closed (the last ballot, or the facilitator's "Close the vote now") and the panel hid
    // with the keyboard in it: the focus goes to the hand, where play goes on, not dropped to the page.
    if (inside && E.votes.hidden) {
      const shown = (el) => el && el.isConnected && el.offsetParent !== null && !el.disabled;
      const next = [E.hand.querySelector("button.card-face"), byId("add-note"), ...E.page.querySelectorAll(".side button")].find(shown);
      if (next) next.focus({ preventScroll: true });
    }
  }

  async vote(threatId, accept) {
    this.moveOn();
    this.voting.add(threatId);
    this.showVotes();
    const ack = await this.connection.command("vote", { threat: threatId, accept });
    this.voting.delete(threatId);
    if (!this.reportError(ack)) announce(`You voted ${accept ? "yes" : "no"} on ${threatId}.`);
    this.showVotes();
  }

  /** Facilitator: settle a vote on the ballots cast (someone's laptop sleeps and there is no vote time limit). */
  async closeVote(threatId) {
    this.moveOn();
    this.voting.add(threatId);
    this.showVotes();
    const ack = await this.connection.command("close_vote", { threat: threatId });
    this.voting.delete(threatId);
    if (!this.reportError(ack)) announce(`You closed the vote on ${threatId}: the votes cast decide it.`);
    this.showVotes();
  }

  renderRatingPanel() {
    renderRating(this.el.rating, this.view, this.drafts, (id, l, i) => this.rate(id, l, i), () => this.finishRating(), this.awaySeats(),
      () => this.confirmHost({ question: "End the game now and produce the final list from the ratings given so far?", action: "End the game" }, "end_game", "EndGame"));
  }

  async rate(threatId, likelihood, impact) {
    this.moveOn();
    const ack = await this.connection.command("rate", { threat: threatId, likelihood, impact });
    if (!this.reportError(ack)) announce(`Rated ${threatId}: likelihood ${likelihood}, impact ${impact}.`);
  }

  async finishRating() {
    this.moveOn();
    this.reportError(await this.connection.command("finish_rating", {}));
  }

  /**
   * Skip the seat on turn. One click when it is away (the button says so); a player who is connected is probably
   * thinking, so the facilitator is asked first, as before ending play.
   */
  async skipSeat(seat, opener = null) {
    const name = seatName(this.view, seat);
    if (this.awaySeats().has(seat)) {
      this.hostCommand("skip_seat", { target_seat: seat });
      return;
    }
    const trick = this.view.trick ? this.view.trick.number : null;
    const yes = await this.ask({
      question: `Skip ${name}'s turn?`,
      detail: `${name} is connected and may still be thinking; their cards stay in their hand.`,
      action: `Skip ${name}'s turn`,
      opener,
      // The same turn: the seat on turn in the same trick (it comes back to them in the next one).
      applies: (view) => this.hosts("SkipSeat") && view.turn === seat && (view.trick ? view.trick.number : null) === trick,
      gone: `${name}'s turn is over: nobody was skipped.`,
    });
    if (yes) this.hostCommand("skip_seat", { target_seat: seat });
  }

  /** Remove a player who left: their cards are set aside, their points stay. */
  async removeSeat(seat, opener = null) {
    const name = seatName(this.view, seat);
    const yes = await this.ask({
      question: `Remove ${name} from the game?`,
      detail: "Their cards are set aside; their points stay.",
      action: `Remove ${name}`,
      opener,
      applies: (view) => this.hosts("RemoveSeat") && view.seats.some((s) => s.seat === seat && s.present),
      gone: `${name} is no longer in the game: nobody was removed.`,
    });
    if (yes) this.hostCommand("remove_seat", { target_seat: seat });
  }

  /** Hand facilitating to another player, once the facilitator confirms: the tools go with it at once. */
  async handOver(seat, opener = null) {
    const name = seatName(this.view, seat);
    const yes = await this.ask({
      question: `Hand facilitating to ${name}?`,
      // Written again as presence changes: whether they are here is what the facilitator weighs.
      detail: () => `${this.awaySeats().has(seat) ? `${name} is away just now. ` : ""}${name} gets the Facilitator tools at once, and you play on as a player.`,
      action: `Hand over to ${name}`,
      opener,
      applies: (view) => this.hosts("HandOver") && view.seats.some((s) => s.seat === seat && s.present && !s.bot),
      gone: `${name} can no longer take over facilitating: nothing was handed over.`,
    });
    if (yes) this.hostCommand("hand_over", { target_seat: seat });
  }

  /** Whether this seat may send the facilitator's `command` (an engine command name) as the table stands now. */
  hosts(command) {
    const legal = this.view && this.view.legal;
    return Boolean(legal && (legal.facilitator || []).includes(command));
  }

  /**
   * Ask the facilitator to confirm, in the page (confirm.js); resolves true to go ahead. `applies(view)` is checked
   * against every new view while the question is up: once the action no longer makes sense (the player left, the
   * turn moved on, this seat no longer facilitates) the dialog closes and nothing is done.
   */
  ask({ applies, gone, ...opts }) {
    // One question at a time: the newest is the one meant.
    if (this.confirmation) this.confirmation.dialog.close(false);
    const dialog = new Confirmation({ ...opts, applies: () => Boolean(this.view) && applies(this.view) });
    const asking = { dialog, gone };
    this.confirmation = asking;
    return dialog.open().finally(() => {
      if (this.confirmation === asking) this.confirmation = null;
    });
  }

  /** A new view: the question being asked closes, and says why, once what it asks no longer makes sense. */
  recheckConfirmation() {
    const asking = this.confirmation;
    if (!asking || !asking.dialog.recheck()) return;
    this.toast("info", "Nothing was done", asking.gone, { news: true });
    announce(asking.gone);
  }

  async hostCommand(event, payload) {
    this.moveOn();
    this.reportError(await this.connection.command(event, payload || {}));
  }

  /**
   * Ending play settles the open votes on the ballots cast so far, and a vote nobody has answered yet rejects its
   * threat: said before the facilitator confirms, so a threat found a moment ago is not thrown away unawares.
   */
  openVotesWarning() {
    const open = this.view.phase === "play" ? this.view.threats.filter((t) => t.status === "voting") : [];
    if (!open.length) return "";
    const ids = open.map((t) => t.id).join(", ");
    return open.length === 1
      ? `Threat ${ids} is still being voted on: it will be decided on the votes cast so far, and rejected if yes does not outnumber no.`
      : `Threats ${ids} are still being voted on: each will be decided on the votes cast so far, and rejected if yes does not outnumber no.`;
  }

  /** End play or the game, once confirmed; `command` is the engine's name for it (what makes the question apply). */
  async confirmHost({ question, detail, action }, event, command) {
    const yes = await this.ask({ question, detail, action, applies: () => this.hosts(command), gone: "You no longer facilitate, or that is done already: nothing was ended." });
    if (yes) this.hostCommand(event);
  }
}

/** Which seat token to use for /play/<game>: the fragment's, else this tab's, else the one this browser kept. */
export function seatToken(gameId, fromHash) {
  if (fromHash) return fromHash;
  const tab = tabToken(gameId);
  if (tab) return tab;
  const kept = loadSeat(gameId);
  return kept ? kept.token : null;
}
