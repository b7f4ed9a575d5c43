// The live state around the diagram: scoreboard, the trick on the table,
// the feed of threats, and vote prompts. Each renderer rebuilds its panel
// from the view (they are small); text always goes in as text.
import { h, fill, refill, reconcile } from "./dom.js";
import { suit, suitSymbol, rankLabel } from "./suits.js";
import { verdictLesson } from "./verdicts.js";

export function seatName(view, seat) {
  const s = view.seats.find((x) => x.seat === seat);
  return s ? s.name : `seat ${seat}`;
}

/** A component's or flow's display name. */
export function targetName(view, kind, id) {
  if (kind === "flow") {
    const f = view.architecture.flows.find((x) => x.id === id);
    if (!f) return id;
    const from = view.architecture.components.find((c) => c.id === f.source);
    const to = view.architecture.components.find((c) => c.id === f.target);
    return `${from ? from.name : f.source} → ${to ? to.name : f.target}${f.label ? ` (${f.label})` : ""}`;
  }
  const c = view.architecture.components.find((x) => x.id === id);
  return c ? c.name : id;
}

export function suitChip(letter, extra = "") {
  const info = suit(letter);
  return h("span", { class: "suit-chip " + extra, style: { "--suit": info.colour, "--suit-ink": info.ink }, title: info.name }, suitSymbol(letter, 12), letter);
}

export function mmss(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const total = Math.max(0, Math.ceil(seconds));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, "0")}`;
}

/**
 * Seats the game still waits for: present and neither finished nor done with every threat (the engine ends the
 * rating when there are none).
 */
export function stillRating(view) {
  const quota = view.threats.filter((t) => t.status === "accepted").length;
  return view.seats.filter((s) => s.present && !s.finished_rating && (s.rated || 0) < quota);
}

/** `presence`: the last `presence` message (docs/protocol.md), or null before the first. */
export function renderScoreboard(el, view, presence = null) {
  const here = new Map(((presence && presence.seats) || []).map((p) => [p.seat, p.connected]));
  const best = Math.max(...view.seats.map((s) => s.points));
  const rating = new Set(view.phase === "rating" ? stillRating(view).map((s) => s.seat) : []);
  fill(
    el,
    h("h2", null, "Scoreboard"),
    h(
      "ol",
      { class: "scoreboard" },
      view.seats.map((s) =>
        h(
          "li",
          {
            class: ["seat", s.seat === view.turn ? "on-turn" : "", s.seat === view.you ? "you" : "", s.present ? "" : "removed"].join(" "),
            dataset: { seat: String(s.seat) },
          },
          h("span", { class: "seat-name", title: s.name }, s.name),
          s.bot ? h("span", { class: "tag" }, "bot") : null,
          s.seat === view.facilitator ? h("span", { class: "tag", title: "facilitator" }, "host") : null,
          s.seat === view.you ? h("span", { class: "tag you-tag" }, "you") : null,
          !s.present ? h("span", { class: "tag" }, "left") : null,
          s.present && !s.bot && here.get(s.seat) === false ? h("span", { class: "tag away", title: "not connected" }, "away") : null,
          s.seat === view.turn ? h("span", { class: "turn-marker", "aria-label": "on turn" }, "▶") : null,
          h(
            "span",
            { class: "points", title: `${s.tricks} tricks + ${s.threats} threats` },
            h("strong", null, String(s.points)),
            s.points === best && best > 0 ? " ★" : "",
          ),
          view.phase === "play" ? h("span", { class: "hand-size", title: "cards in hand" }, `${s.hand_size} cards`) : null,
          view.phase === "rating" ? h("span", { class: "hand-size" }, rating.has(s.seat) ? "rating…" : "done") : null,
        ),
      ),
    ),
  );
}

export function miniCard(card, extra) {
  const info = suit(card.suit);
  return h(
    "div",
    { class: "mini-card", style: { "--suit": info.colour, "--suit-ink": info.ink }, title: `${card.title}: ${card.question}` },
    h("span", { class: "mini-rank" }, rankLabel(card.rank), suitSymbol(card.suit, 12), card.suit),
    h("span", { class: "mini-title" }, card.title),
    extra || null,
  );
}

function trickCards(view, trick) {
  return h(
    "div",
    { class: "trick-cards" },
    trick.plays.map((p) => h("figure", { class: "trick-play" + (trick.winner === p.seat ? " winner" : "") }, miniCard(p.card), h("figcaption", null, seatName(view, p.seat)))),
  );
}

export function renderTrick(el, view) {
  const current = view.trick;
  const last = view.tricks.length ? view.tricks[view.tricks.length - 1] : null;
  if (!current && !last) {
    fill(el, h("h2", null, "Trick"), h("p", { class: "muted" }, view.phase === "setup" ? "Cards are dealt when the game starts." : "No trick on the table."));
    return;
  }
  const parts = [];
  if (current) {
    parts.push(
      h("h2", null, `Trick ${current.number}`, current.led ? h("span", { class: "led", title: "The suit led: follow it if you can. Elevation of Privilege (E) is trump." }, " · led: ", suitChip(current.led)) : null),
      // Before the first card the seat on turn leads: after a leader's pass (or time running out) that is the next.
      current.plays.length ? trickCards(view, current) : h("p", { class: "muted" }, `${seatName(view, view.turn ?? current.leader)} leads.`),
      ...sittingOut(view, current),
    );
  }
  if (last && (!current || !current.plays.length)) {
    // Between tricks, the one just finished stays in view: who won it and with what.
    parts.push(
      h(
        "div",
        { class: "last-trick" },
        h("h3", null, `Trick ${last.number}: `, last.winner !== null && last.winner !== undefined ? `won by ${seatName(view, last.winner)}` : "nobody played"),
        last.plays.length ? trickCards(view, last) : null,
      ),
    );
  }
  fill(el, parts);
}

/**
 * Who is done with the trick without a card: those who let their turn go ("Passed:") and those who came in during
 * it (`joined`, also in `passed` for the turn order), who never had a turn and play from the next trick.
 */
function sittingOut(view, trick) {
  const joined = new Set(trick.joined || []);
  const passed = trick.passed.filter((x) => !joined.has(x));
  const names = (seats) => seats.map((x) => seatName(view, x)).join(", ");
  return [
    passed.length ? h("p", { class: "muted small trick-passed" }, "Passed: ", names(passed)) : null,
    joined.size ? h("p", { class: "muted small trick-joining" }, "Joins next trick: ", names([...joined])) : null,
  ];
}

export function statusBadge(t) {
  if (t.status === "accepted") return h("span", { class: "badge ok" }, "✓ valid", t.judged_by === "vote" ? " (vote)" : "");
  if (t.status === "rejected") return h("span", { class: "badge no" }, "✗ not valid", t.judged_by === "vote" ? " (vote)" : "");
  return h("span", { class: "badge vote" }, "? to the vote");
}

/**
 * The feed: every threat, newest first.
 * @param {(cardId: string) => object|undefined} cardById  a card seen face up, for its explanation
 * @param {boolean} teach  practice mode: explain each verdict
 * @param {(threatId: string) => void} [onShowVerdict]  shows one of my verdicts again (closed by mistake)
 */
export function renderFeed(el, view, cardById, teach, onShowVerdict) {
  if (!el.firstElementChild) {
    el.append(h("h2", null, "Threats found ", h("span", { class: "count" })), h("p", { class: "muted empty" }, "None yet. Play a card on a component, or add a sticky note."), h("ol", { class: "feed", reversed: true }));
  }
  const threats = [...view.threats].reverse();
  el.querySelector(".count").textContent = `(${view.threats.filter((t) => t.status === "accepted").length} valid)`;
  el.querySelector(".empty").hidden = threats.length > 0;
  const newest = threats.length ? threats[0].id : null;
  reconcile(
    el.querySelector("ol.feed"),
    threats,
    (t) => t.id,
    (t) => JSON.stringify([t.status, t.reason, t.judged_by, t.vote ? t.vote.cast : null, teach, t.id === newest]),
    (t) => {
      const card = t.card ? cardById(t.card) : null;
      return h(
        "li",
        { class: "feed-item " + t.status, dataset: { threat: t.id } },
        h("div", { class: "feed-head" }, suitChip(t.suit), " ", h("strong", null, targetName(view, t.target_kind, t.target)), " ", statusBadge(t)),
        h("p", { class: "threat-text" }, t.text),
        // "Threat T3 · card T9": threats and Tampering cards share the letter T.
        h("p", { class: "meta" }, `Threat ${t.id} · ${seatName(view, t.found_by)}`, t.card_title ? ` · card ${t.card} ${t.card_title}` : " · sticky note"),
        ...(t.status !== "voting" ? feedWhy(view, t, card) : []),
        teach && card && t.status !== "voting"
          ? h(
              "details",
              { class: "teach", open: t.id === newest },
              h("summary", null, "What this card teaches"),
              h("p", null, card.explanation),
              t.status === "accepted" ? h("p", null, h("strong", null, "Mitigation: "), card.mitigation) : null,
            )
          : null,
        onShowVerdict && t.found_by === view.you
          ? h("button", { type: "button", class: "ghost small show-verdict", dataset: { threat: t.id }, onclick: () => onShowVerdict(t.id) }, "Show the verdict")
          : null,
      );
    },
  );
}

/** The feed's "Why" line, in the diagram's names, and for a threat not valid what would have made it valid. */
function feedWhy(view, t, card) {
  const { why, lesson } = verdictLesson(view, t, card);
  return [why ? h("p", { class: "reason" }, "Why: ", why) : null, lesson ? h("p", { class: "reason lesson" }, lesson) : null];
}

/** The seat's own vote or rating of a threat (`view.mine`), or null. */
export function ownOf(view, kind, threatId) {
  const mine = view.mine && view.mine[kind];
  return mine && Object.hasOwn(mine, threatId) ? mine[threatId] : null;
}

/**
 * The ids of the open votes the facilitator may close on the votes cast now ("Close the vote now"): those with
 * no time limit to close them that wait for a voter (see renderVotes).
 */
export function closableVotes(view, away = new Set()) {
  if (!view.legal || !view.legal.facilitator.includes("CloseVote")) return [];
  // Not on every vote: one click at "0 of 3 votes cast" rejected a threat the table was about to vote on. Once
  // someone has voted, it is offered with everyone connected too: a player at the table may not be answering.
  return view.threats
    .filter((t) => {
      const v = t.vote || {};
      return t.status === "voting" && v.electorate && v.deadline == null && v.cast < v.electorate.length && (v.cast > 0 || v.electorate.some((s) => away.has(s)));
    })
    .map((t) => t.id);
}

/**
 * Vote prompts: one per open vote; the facilitator may close one on the votes cast (`onClose`) when it has no
 * time limit to close it and waits for a voter: once someone has voted, or while a voter is away (`away`: the
 * seats without a connection).
 */
export function renderVotes(el, view, onVote, busy, onClose, away = new Set(), cardById = () => undefined) {
  const votable = view.legal ? view.legal.votable : [];
  const closable = onClose ? closableVotes(view, away) : [];
  const open = view.threats.filter((t) => t.status === "voting");
  if (!open.length) {
    el.hidden = true;
    fill(el);
    return;
  }
  el.hidden = false;
  refill(
    el,
    h("h2", null, "Vote"),
    open.map((t) => {
      const mayVote = votable.includes(t.id) && !busy.has(t.id);
      const v = t.vote || {};
      const yours = ownOf(view, "votes", t.id);
      const { why, lesson } = verdictLesson(view, t, t.card ? cardById(t.card) : null);
      return h(
        "div",
        // tabindex -1: the focus can rest on the prompt once its buttons are gone (the vote is cast).
        { class: "vote-prompt", role: "group", "aria-label": `Vote on ${t.id}`, tabindex: "-1", dataset: { threat: t.id, focus: `vote:${t.id}` } },
        h("p", null, suitChip(t.suit), " ", h("strong", null, seatName(view, t.found_by)), " says, on ", h("strong", null, targetName(view, t.target_kind, t.target)), ":"),
        h("blockquote", { class: "threat-text" }, t.text),
        h("p", { class: "small muted" }, why || "The rules cannot decide this one: is it a real threat?"),
        lesson ? h("p", { class: "small vote-lesson" }, lesson) : null,
        mayVote
          ? h(
              "div",
              { class: "vote-buttons" },
              h("button", { type: "button", class: "yes", dataset: { focus: `vote:${t.id}:yes` }, onclick: () => onVote(t.id, true) }, "✓ Real threat"),
              h("button", { type: "button", class: "no", dataset: { focus: `vote:${t.id}:no` }, onclick: () => onVote(t.id, false) }, "✗ Not a threat"),
            )
          : h("p", { class: "small" }, yours === true ? "You voted yes." : yours === false ? "You voted no." : t.found_by === view.you ? "Your threat: the others decide." : "Waiting for the votes."),
        v.electorate ? h("p", { class: "small muted" }, `${v.cast} of ${v.electorate.length} votes cast`) : null,
        closable.includes(t.id) && !busy.has(t.id)
          ? h("button", { type: "button", class: "ghost small close-vote", dataset: { focus: `vote:${t.id}:close` }, title: "For a vote someone cannot answer now (away, asleep): the votes cast decide, a tie rejects.", onclick: () => onClose(t.id) }, "Close the vote now")
          : null,
      );
    }),
  );
}
