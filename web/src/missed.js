// What the game settled for a player who was not there (`view.missed`): their turn passed when its time ran out
// or the facilitator skipped it, a vote was decided without their ballot, the vote on a threat they found was
// decided (they have no vote on it). Said once they are back.
import { h } from "./dom.js";
import { suitChip, targetName } from "./panels.js";

/** The key of one thing missed, as the browser remembers having told it: "turn:3", "vote:T4", "verdict:T4". */
export function missedKey(m) {
  return m.kind === "turn" ? `turn:${m.trick}` : `${m.kind}:${m.threat}`;
}

/** One threat of the notice: suit, id, target and the player's text (as text), then `outcome`. */
function threatItem(view, id, outcome) {
  const t = view.threats.find((x) => x.id === id);
  if (!t) return h("li", null, id);
  return h("li", null, suitChip(t.suit), ` ${t.id} · `, h("strong", null, targetName(view, t.target_kind, t.target)), ": ", h("span", { class: "threat-text" }, t.text), ` — ${outcome(t)}.`);
}

/** How the vote on my own threat went: "accepted by the vote, 2 to 1: a point for you". */
function verdictOf(t) {
  const tally = t.vote && Array.isArray(t.vote.yes) ? `, ${t.vote.yes.length} to ${t.vote.no.length}` : "";
  if (t.status === "accepted") return `accepted by the vote${tally}: a point for you`;
  if (t.status === "rejected") return `rejected by the vote${tally}`;
  return t.status;
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
  const verdicts = missed.filter((m) => m.kind === "verdict");
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
    const items = votes.slice(-VOTES_LISTED).map((m) => threatItem(view, m.threat, (t) => t.status));
    const more = votes.length > VOTES_LISTED ? h("li", null, `and ${votes.length - VOTES_LISTED} earlier`) : null;
    body.push(h("p", null, intro), h("ul", { class: "missed-votes" }, items, more));
    said.push(`${intro} ${votes.map((m) => m.threat).join(", ")}.`);
  }
  if (verdicts.length) {
    // The finder has no vote on its own threat: these were decided by the others, whatever the finder did.
    const intro = verdicts.length === 1 ? "The others voted on your threat:" : `The others voted on ${verdicts.length} of your threats:`;
    const items = verdicts.slice(-VOTES_LISTED).map((m) => threatItem(view, m.threat, verdictOf));
    const more = verdicts.length > VOTES_LISTED ? h("li", null, `and ${verdicts.length - VOTES_LISTED} earlier`) : null;
    body.push(h("p", null, intro), h("ul", { class: "missed-verdicts" }, items, more));
    const outcomes = verdicts.map((m) => {
      const t = view.threats.find((x) => x.id === m.threat);
      return t ? `${m.threat} ${t.status}` : m.threat;
    });
    said.push(`${intro} ${outcomes.join(", ")}.`);
  }
  const head = turns.length
    ? turns.every((m) => m.reason === "timeout")
      ? "Time ran out: your turn passed while you were away"
      : "Your turn passed while you were away"
    : verdicts.length === 1 && !votes.length
      ? "Your threat was decided while you were away"
      : "Decided while you were away";
  return { head, body, said: said.join(" ") };
}
