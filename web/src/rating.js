// Prioritising: every player rates each accepted threat for likelihood and
// impact (1–5). A rating is sent as soon as both are chosen; changing it
// sends it again (the server keeps the latest).
import { h, fill, reconcile } from "./dom.js";
import { ownOf, suitChip, seatName, targetName, stillRating } from "./panels.js";

const LIKELIHOOD = ["rare", "unlikely", "possible", "likely", "almost certain"];
const IMPACT = ["negligible", "minor", "moderate", "major", "severe"];

function scale(name, legend, words, value, onChange, disabled) {
  return h(
    "fieldset",
    { class: "scale", disabled },
    h("legend", null, legend),
    // What the ends mean, on screen (each step's word is in its title and, for screen readers, its label).
    h("span", { class: "scale-ends", "aria-hidden": "true" }, h("span", null, `1 ${words[0]}`), h("span", null, `5 ${words[4]}`)),
    [1, 2, 3, 4, 5].map((n) =>
      h(
        "label",
        { class: "scale-step", title: words[n - 1] },
        h("input", { type: "radio", name, value: String(n), checked: value === n, onchange: () => onChange(n) }),
        h("span", null, String(n)),
        h("span", { class: "sr-only" }, ` ${words[n - 1]}`),
      ),
    ),
  );
}

/**
 * Who the table waits for, by name, so a laptop asleep is not a mystery; and, to the facilitator, once only seats
 * that are away are left, a way to end now: otherwise the table waits for the rating time box, or for good.
 */
function waitingFor(view, away, onEndGame) {
  const all = stillRating(view);
  const left = all.filter((s) => s.seat !== view.you);
  if (!left.length) return null;
  const meToo = all.length > left.length;
  const names = left.map((s) => (away.has(s.seat) ? `${s.name} (away)` : s.name)).join(", ");
  const onlyAway = left.every((s) => away.has(s.seat));
  const hosting = view.legal && (view.legal.facilitator || []).includes("EndGame");
  return h(
    "div",
    { class: "rating-wait", id: "rating-wait" },
    h("p", null, `Still rating: ${names}.`),
    hosting && onlyAway && !meToo
      ? [
          h("p", { class: "small muted" }, "Nobody here is rating any more. End the game to order the list by the ratings given so far."),
          h("button", { type: "button", class: "primary", id: "end-rating-now", onclick: onEndGame }, "End the game now"),
        ]
      : null,
  );
}

/**
 * @param {Map<string, {likelihood?: number, impact?: number}>} drafts  ratings being chosen, by threat id
 * @param {Set<number>} away  seats without a connection
 */
export function renderRating(el, view, drafts, onRate, onFinish, away, onEndGame) {
  const accepted = view.threats.filter((t) => t.status === "accepted");
  const legal = view.legal;
  const mine = legal ? legal.can_finish_rating || legal.unrated.length > 0 : false;
  const done = view.you !== null && view.seats[view.you] && view.seats[view.you].finished_rating;
  const rated = accepted.filter((t) => ownOf(view, "ratings", t.id)).length;
  if (!el.querySelector(".rating-list")) {
    fill(el, h("div", { class: "rating-head" }), h("p", { class: "muted empty" }, "No valid threats were found in this game."), h("ol", { class: "rating-list" }));
  }
  const finish = el.querySelector("#finish-rating");
  const finishFocused = finish && finish === document.activeElement;
  // A spectator (a manager, a newcomer watching) follows the rating: which threats, how many ratings each has and
  // who is still rating; never a rating itself, which nobody but its rater sees before the end.
  const watching = view.you === null || view.you === undefined;
  fill(
    el.querySelector(".rating-head"),
    h("h2", null, watching ? "The team is rating the threats" : "Prioritise: rate every threat"),
    h("p", { class: "muted" }, watching
      ? "Each player rates every valid threat: how likely is it to happen, and how bad would it be? The ratings stay secret until the end; then risk = likelihood × impact orders the backlog."
      : "How likely is it to happen, and how bad would it be? Risk = likelihood × impact orders the backlog."),
    !watching ? h("p", { class: "progress", "aria-live": "polite" }, `You rated ${rated} of ${accepted.length}.`) : null,
    legal && legal.can_finish_rating
      ? h("button", { type: "button", class: "primary", id: "finish-rating", onclick: onFinish }, rated === accepted.length ? "I'm done rating" : "Finish rating (skip the rest)")
      : done
        ? h("p", { id: "rating-done", tabindex: "-1" }, "You're done. Waiting for the others…")
        : null,
    waitingFor(view, away, onEndGame),
  );
  // The Finish button, pressed, goes: the focus goes to what says it is done (not dropped to the page).
  if (finishFocused) (el.querySelector("#finish-rating") || el.querySelector("#rating-done"))?.focus();
  el.querySelector(".empty").hidden = accepted.length > 0;
  reconcile(
    el.querySelector(".rating-list"),
    accepted,
    (t) => t.id,
    (t) => {
      const yours = ownOf(view, "ratings", t.id);
      return JSON.stringify([yours, mine, mine || yours ? null : t.ratings && t.ratings.count]);
    },
    (t) => {
      const yours = ownOf(view, "ratings", t.id);
      const draft = drafts.get(t.id) || (yours ? { ...yours } : {});
      const change = (key) => (n) => {
        const next = { ...(drafts.get(t.id) || (yours ? { ...yours } : {})), [key]: n };
        drafts.set(t.id, next);
        if (next.likelihood && next.impact) onRate(t.id, next.likelihood, next.impact);
      };
      return h(
        "li",
        { class: "rating-item" + (yours ? " rated" : ""), dataset: { threat: t.id } },
        h(
          "div",
          { class: "rating-threat" },
          h("div", null, suitChip(t.suit), " ", h("strong", null, targetName(view, t.target_kind, t.target)), h("span", { class: "muted small" }, ` · ${t.id} · ${seatName(view, t.found_by)}`)),
          h("p", { class: "threat-text" }, t.text),
          t.mitigation ? h("p", { class: "small muted" }, "Mitigation: ", t.mitigation) : null,
        ),
        mine || yours
          ? h(
              "div",
              { class: "rating-scales" },
              // Done rating: the seat's ratings are shown, not changed (the server refuses a change, and the
              // radio chosen stayed on screen beside the risk of the rating kept).
              scale(`l-${t.id}`, "Likelihood", LIKELIHOOD, draft.likelihood, change("likelihood"), !mine),
              scale(`i-${t.id}`, "Impact", IMPACT, draft.impact, change("impact"), !mine),
              h("span", { class: "rated-mark" }, yours ? `✓ risk ${yours.likelihood * yours.impact}` : ""),
            )
          : h("p", { class: "small muted" }, `${t.ratings ? t.ratings.count : 0} ratings so far`),
      );
    },
  );
}
