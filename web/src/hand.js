// The hand: one card per STRIDE threat, showing suit (colour, shape and
// letter), rank, title and question. Cards that cannot be played now are
// dimmed, with the reason the server gave (view.legal.blocked).
import { h, fill } from "./dom.js";
import { suit, suitSymbol, rankLabel } from "./suits.js";

/** The card that opens the game as its face shows it ("5 of Tampering · Changed in transit"), not by its id. */
export function leadName(view) {
  const card = (view.hand || []).find((c) => c.id === view.must_lead);
  return card ? `the ${rankLabel(card.rank)} of ${suit(card.suit).name} · ${card.title}` : view.must_lead;
}

/**
 * Why a card cannot be played, as the seat should read it. "Not your turn" comes
 * without a name (the view's turn says whose it is), so a seat's moves do not
 * change every time the turn passes between two other seats.
 */
export function blockedReason(view, b) {
  if (b.code !== "not_your_turn") return b.message;
  const seat = view.turn === null || view.turn === undefined ? null : view.seats[view.turn];
  return seat ? `it is ${seat.name}'s turn` : "it is nobody's turn";
}

/**
 * @param {HTMLElement} el  the hand's container
 * @param {object} view     the seat's view
 * @param {{selected: string|null, onSelect: Function, onLearn: Function, onHint: Function, hinted: string|null,
 *          onVoteCue: Function, closable: string[]}} ui  `closable`: the votes the facilitator may close now
 */
export function renderHand(el, view, ui, head) {
  const hand = view.hand || [];
  const legal = view.legal || { playable: [], blocked: [], on_turn: false };
  const blocked = new Map(legal.blocked.map((b) => [b.card, { ...b, message: blockedReason(view, b) }]));
  const focused = document.activeElement && el.contains(document.activeElement) ? document.activeElement : null;
  const focusKey = focused ? [focused.dataset.card, focused.dataset.role] : null;
  const shared = !legal.on_turn && legal.blocked.length ? blockedReason(view, legal.blocked[0]) : null;
  const cueFocused = document.activeElement && document.activeElement.classList.contains("vote-cue") && head.contains(document.activeElement);
  const list = h(
    "ul",
    { class: "hand-cards", "aria-label": `Your hand: ${hand.length} cards` },
    hand.map((card) => {
      const info = suit(card.suit);
      const block = blocked.get(card.id);
      const reasonId = `why-${card.id}`;
      const selected = ui.selected === card.id;
      return h(
        "li",
        {
          class: ["card", block ? "blocked" : "playable", selected ? "selected" : "", view.must_lead === card.id ? "must-lead" : ""].join(" "),
          style: { "--suit": info.colour, "--suit-ink": info.ink },
          dataset: { card: card.id, suit: card.suit },
        },
        h(
          "div",
          { class: "card-top" },
          h("span", { class: "corner", "aria-hidden": "true" }, h("span", { class: "rank" }, rankLabel(card.rank)), suitSymbol(card.suit, 15), h("span", { class: "letter" }, card.suit)),
          h("button", { type: "button", class: "learn", dataset: { card: card.id, role: "learn" }, title: "What this card means (STRIDE primer)", "aria-label": `Learn about ${card.title}`, onclick: () => ui.onLearn(card) }, "?"),
          h(
            "button",
            {
              type: "button",
              class: "hint" + (ui.hinted === card.id ? " on" : ""),
              dataset: { card: card.id, role: "hint" },
              "aria-pressed": ui.hinted === card.id ? "true" : "false",
              title: "Hint: show where this card might apply",
              "aria-label": `Hint: where might ${card.title} apply?`,
              onclick: () => ui.onHint(card),
            },
            "Hint",
          ),
        ),
        h(
          "button",
          {
            type: "button",
            class: "card-face",
            dataset: { card: card.id, role: "face" },
            "aria-pressed": selected ? "true" : "false",
            "aria-disabled": block ? "true" : null,
            "aria-describedby": block ? (legal.on_turn ? reasonId : "hand-why") : null,
            "aria-label": `${rankLabel(card.rank)} of ${info.name}: ${card.title}. ${card.question}`,
            onclick: () => ui.onSelect(card, block),
          },
          // Spaces between the lines (not drawn in a flex box): the text shown is then words of the name it has.
          h("span", { class: "suit-name" }, info.name),
          " ",
          h("span", { class: "card-title" }, card.title),
          " ",
          h("span", { class: "card-question" }, card.question),
        ),
        block && legal.on_turn ? h("p", { class: "why", id: reasonId }, block.message) : null,
      );
    }),
  );
  fill(
    head,
    h(
      "div",
      { class: "hand-head" },
      h("h2", null, view.phase === "setup" ? "Your hand" : `Your hand (${hand.length})`),
      // Displayed on a phone only (styles.css), where the status line may be scrolled out of view.
      legal.on_turn && view.phase === "play" ? h("span", { class: "turn-cue" }, "Your turn") : null,
      // A phone's vote panel sits under the diagram, out of sight: the dock says a vote waits for you, or, to
      // the facilitator who has voted, that one waits for someone else ("Close the vote now" is in the panel).
      view.phase === "play" && legal.votable && legal.votable.length && ui.onVoteCue
        ? h("button", { type: "button", class: "vote-cue", onclick: () => ui.onVoteCue() }, `Vote (${legal.votable.length})`)
        : view.phase === "play" && ui.closable && ui.closable.length && ui.onVoteCue
          ? h("button", { type: "button", class: "vote-cue", title: "A vote waits for someone: you may close it on the votes cast", onclick: () => ui.onVoteCue() }, `${ui.closable.length > 1 ? "Votes wait" : "Vote waits"} (${ui.closable.length})`)
          : null,
      // Cut with an ellipsis where the row is short (a long name): whole in the title, and to screen readers.
      view.must_lead ? h("span", { class: "note-line", title: `You open the game: lead ${leadName(view)}.` }, `You open the game: lead ${leadName(view)}.`) : null,
      shared ? h("span", { class: "note-line why-all", id: "hand-why", title: `Dimmed: ${shared}` }, `Dimmed: ${shared}`) : null,
    ),
  );
  fill(
    el,
    hand.length ? list : h("p", { class: "muted" }, view.phase === "setup" ? "Cards are dealt when the facilitator starts the game." : "No cards left."),
  );
  // The cue is drawn again (a vote cast, someone away): the focus stays on it, or goes to the hand once it is gone.
  if (cueFocused) {
    const again = head.querySelector("button.vote-cue") || el.querySelector("button.card-face");
    if (again) again.focus({ preventScroll: true });
  }
  if (focusKey) {
    const again = el.querySelector(`button[data-card="${CSS.escape(focusKey[0] || "")}"][data-role="${focusKey[1]}"]`);
    if (again) again.focus({ preventScroll: true });
  }
}
