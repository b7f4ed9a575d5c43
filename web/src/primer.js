// The STRIDE primer: what each suit means, and for a card its explanation,
// mitigation and references. Reachable from every card (the "?" button) and
// from the header.
import { h, fill } from "./dom.js";
import { SUITS, SUIT_ORDER, suit, suitSymbol, rankLabel } from "./suits.js";
import { fitsKinds } from "./verdicts.js";

let dialog = null;

function ensureDialog() {
  if (dialog) return dialog;
  dialog = h("dialog", { id: "primer", class: "primer", "aria-labelledby": "primer-title" });
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close(); // a click on the backdrop
  });
  document.body.append(dialog);
  return dialog;
}

function safeUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

function suitSection(letter, open) {
  const info = SUITS[letter];
  return h(
    "details",
    { class: "primer-suit", open, style: { "--suit": info.colour } },
    h("summary", null, suitSymbol(letter, 16), h("strong", null, ` ${info.letter} — ${info.name}`), h("span", { class: "muted" }, ` · breaks ${info.property}`)),
    h("p", { class: "primer-question" }, info.question),
    h("p", null, info.about),
    h("p", null, h("strong", null, "For example: "), info.example),
    h("p", null, h("strong", null, "Typical defences: "), info.defence),
  );
}

/**
 * Who opens the game, as this game is set up (`view.start_suit`; the lobby, before any game, says the default).
 * The engine tries the next suits in STRIDE order when nobody was dealt one (a small delta deck).
 */
function openingLead(view) {
  const letter = view && view.start_suit && SUITS[view.start_suit] ? view.start_suit : null;
  const which = letter
    ? `The holder of the lowest ${suit(letter).name} card opens this game with it`
    : `The holder of the lowest card of the opening suit (${suit("T").name}, unless the game is set up with another) opens the game with it`;
  return `${which}; if nobody holds one, the lowest card of the next suit in STRIDE order.`;
}

/**
 * Open the primer; with a card, the card's lesson comes first. `view`: the game's view at the table (its
 * settings make some of the rules: which suit opens it), null in the lobby.
 */
export function openPrimer(card, view = null) {
  const d = ensureDialog();
  const parts = [];
  if (card) {
    const info = suit(card.suit);
    const refs = (card.references || []).map((r) => {
      const url = r.url ? safeUrl(r.url) : null;
      return h("li", null, url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, r.label) : r.label);
    });
    parts.push(
      h(
        "section",
        { class: "primer-card", style: { "--suit": info.colour, "--suit-ink": info.ink } },
        h("div", { class: "primer-card-head" }, h("span", { class: "rank" }, rankLabel(card.rank)), suitSymbol(card.suit, 20), h("span", null, `${info.name} · ${card.id}`)),
        h("h3", null, card.title),
        h("p", { class: "primer-question" }, card.question),
        h("h4", null, `What ${info.name} means here`),
        h("p", null, card.explanation),
        h("h4", null, "How to fix it"),
        h("p", null, card.mitigation),
        card.applies_to && card.applies_to.length ? h("p", { class: "small muted primer-fits" }, "Fits: ", fitsKinds(card).join(", ")) : null,
        card.open ? h("p", { class: "small" }, "An open card (ace): no rule judges it — describe a threat and the table votes.") : null,
        refs.length ? h("div", null, h("h4", null, "References"), h("ul", { class: "refs" }, refs)) : null,
      ),
    );
  }
  parts.push(
    h("h3", null, "STRIDE in one minute"),
    h(
      "p",
      null,
      "STRIDE is a checklist of six ways a system gets attacked. Walk the diagram — every component and every flow — and ask each question. " +
        "A threat you find is a sticky note on the diagram; the team then rates how likely it is and how bad it would be, and the riskiest become backlog items.",
    ),
    SUIT_ORDER.map((l) => suitSection(l, card ? l === card.suit : false)),
    h(
      "details",
      { class: "primer-rules" },
      h("summary", null, h("strong", null, "How the game plays")),
      h(
        "ul",
        null,
        h("li", null, "Each STRIDE category is a suit. Cards rank by number up to 10, then J, Q, K; the ace (A) of each suit is an open card for a threat the deck has no card for."),
        h("li", null, "On your turn, play a card from your hand on a component or flow of the diagram, saying what could go wrong there in your own words. Hint shows where a card fits."),
        h("li", null, "The rules judge it at once against the architecture: valid (+1 point), not valid (with the reason and what would have made it valid) or, when the model cannot tell, to the vote."),
        h("li", null, "Only the first to find a threat scores: the same card on the same element as a valid threat, or one being voted on, is refused."),
        h("li", null, `Tricks work as in whist. ${openingLead(view)} The first card of a trick sets the suit led; follow it if you can, else play any card.`),
        h("li", null, "Elevation of Privilege is trump: an E card beats every card of the suit led. The highest E card wins the trick, else the highest card of the suit led. The winner gets +1 point and leads next."),
        h("li", null, "Spotted something off-turn? Add a sticky note at any time; the table votes on it."),
        h("li", null, "At the end everyone rates each valid threat for likelihood (1 rare to 5 almost certain) and impact (1 negligible to 5 severe); risk = likelihood × impact orders the backlog."),
      ),
    ),
  );
  fill(
    d,
    h(
      "div",
      { class: "primer-head" },
      h("h2", { id: "primer-title" }, card ? `Learn: ${card.title}` : "STRIDE primer"),
      h("button", { type: "button", class: "close", "aria-label": "Close the primer", onclick: () => d.close() }, "×"),
    ),
    h("div", { class: "primer-body" }, parts),
  );
  if (!d.open) d.showModal();
  d.querySelector("button.close").focus();
}
