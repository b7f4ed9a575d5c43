// What the game settled for a player who was not there (`view.missed`): their turn passed when its time ran out
// or the facilitator skipped it, a vote was decided without their ballot. Said once they are back.
import { h } from "./dom.js";
import { suitChip, targetName } from "./panels.js";

/** The key of one thing missed, as the browser remembers having told it: "turn:3", "vote:T4". */
export function missedKey(m) {
  return m.kind === "turn" ? `turn:${m.trick}` : `vote:${m.threat}`;
}

function tricks(numbers) {
  const list = numbers.map(String);
  const words = list.length > 1 ? `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}` : list[0];
  return `${list.length > 1 ? "tricks" : "trick"} ${words}`;
}

function times(n) {
  return n === 1 ? "once" : n === 2 ? "twice" : `${n} times`;
}

/** How many votes the notice lists one by one; the rest are counted. */
const VOTES_LISTED = 5;

/**
 * The notice for a seat coming back to `missed` (not empty): `head`, `body` (nodes) and `said` (the body as one
 * sentence for the live region).
 */
export function missedNotice(view, missed) {
  const turns = missed.filter((m) => m.kind === "turn");
  const votes = missed.filter((m) => m.kind === "vote");
  const body = [];
  const said = [];
  if (turns.length) {
    const ran = turns.filter((m) => m.reason === "timeout").map((m) => m.trick);
    const skipped = turns.filter((m) => m.reason !== "timeout").map((m) => m.trick);
    const how = [ran.length ? `its time ran out in ${tricks(ran)}` : null, skipped.length ? `the facilitator skipped it in ${tricks(skipped)}` : null];
    const next = view.phase === "play" ? " You play again when your turn comes round, and you can add a sticky note at any time." : "";
    const text = `Your turn passed ${times(turns.length)} without you: ${how.filter(Boolean).join("; ")}.${view.phase === "play" ? " Your cards are still in your hand." : ""}${next}`;
    body.push(h("p", null, text));
    said.push(text);
  }
  if (votes.length) {
    const intro = votes.length === 1 ? "A vote was decided without your ballot:" : `${votes.length} votes were decided without your ballot:`;
    const items = votes.slice(-VOTES_LISTED).map((m) => {
      const t = view.threats.find((x) => x.id === m.threat);
      if (!t) return h("li", null, m.threat);
      const outcome = t.status === "accepted" ? "accepted" : t.status === "rejected" ? "rejected" : t.status;
      return h("li", null, suitChip(t.suit), ` ${t.id} · `, h("strong", null, targetName(view, t.target_kind, t.target)), ": ", h("span", { class: "threat-text" }, t.text), ` — ${outcome}.`);
    });
    const more = votes.length > VOTES_LISTED ? h("li", null, `and ${votes.length - VOTES_LISTED} earlier`) : null;
    body.push(h("p", null, intro), h("ul", { class: "missed-votes" }, items, more));
    said.push(`${intro} ${votes.map((m) => m.threat).join(", ")}.`);
  }
  const head = turns.length
    ? turns.every((m) => m.reason === "timeout")
      ? "Time ran out: your turn passed while you were away"
      : "Your turn passed while you were away"
    : "Decided while you were away";
  return { head, body, said: said.join(" ") };
}
