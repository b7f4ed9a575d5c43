// What a verdict teaches. The engine's reason is written for scans and exports: it names components by id
// ("AuthFunction: validates_input is false") and cards by id ("T3 applies to s3"). A player sees names and
// card titles, and a newcomer told "not valid" needs to hear what would have made the threat valid. What an
// unknown answer lacks comes as data beside the reason (a threat's `gaps`), never parsed out of its words.
import { typeLabel } from "./icons.js";
import { suit } from "./suits.js";
import VOCABULARY from "./vocabulary.json";

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What an attribute is, from game/vocabulary.py (via vocabulary.json): {doc, bool, ref?}, or null. */
function attributeSpec(type, attr) {
  const specs = type === "flow" ? VOCABULARY.flow : VOCABULARY.components[type];
  return (specs && Object.prototype.hasOwnProperty.call(specs, attr) && specs[attr]) || null;
}

/** An attribute's name as words: "reserved_concurrency" → "reserved concurrency", "timeout_s" → "timeout". */
function attributeWords(attr) {
  return attr.replace(/_s$/, "").replace(/_/g, " ");
}

/** How the diagram names the component or flow a gap is on, and its vocabulary's type ("flow" for a flow). */
function gapElement(view, gap) {
  const components = view.architecture.components;
  const named = (id) => {
    const c = components.find((x) => x.id === id);
    return c ? c.name || c.id : id;
  };
  if (gap.kind === "flow") {
    const f = view.architecture.flows.find((x) => x.id === gap.id);
    return { type: "flow", name: f ? `the flow ${named(f.source)} → ${named(f.target)}` : `the flow ${gap.id}` };
  }
  const c = components.find((x) => x.id === gap.id);
  return { type: c ? c.type : null, name: c ? c.name || c.id : gap.id };
}

/** One attribute the model lacks, in words with its meaning: "the model does not say whether Login function …". */
function gapInWords(view, gap) {
  const { type, name } = gapElement(view, gap);
  const spec = type ? attributeSpec(type, gap.attr) : null;
  if (spec && spec.bool) {
    const it = /^(it|its) (.*)$/.exec(spec.doc);
    return it
      ? `the model does not say whether ${name}${it[1] === "its" ? "'s" : ""} ${it[2]}`
      : `for ${name}, the model does not say whether ${spec.doc}`;
  }
  if (spec) return `the model does not give ${name}'s ${attributeWords(gap.attr)} (${spec.doc})`;
  return `the model does not give ${name}'s ${attributeWords(gap.attr)}`;
}

/**
 * What a rule that cannot decide waits on, in words, from the verdict's `gaps` (each {kind, id, attr}: the
 * component or flow and the attribute the model does not give); null when there are none. Read from the data,
 * not from the reason's wording, which is written for scans and exports and may change.
 */
export function gapsInWords(view, gaps) {
  if (!gaps || !gaps.length || !view || !view.architecture) return null;
  const text = gaps.map((gap) => gapInWords(view, gap)).join("; ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The reason with every component id the diagram shows under another name replaced by that name. The engine's
 * reason itself stays as it is: scans, exports and golden files read it.
 */
export function readableReason(view, reason) {
  if (!reason || !view || !view.architecture) return reason;
  return namesForIds(view, reason);
}

/** `reason` with every component id the diagram shows under another name replaced by that name. */
function namesForIds(view, reason) {
  const names = new Map(view.architecture.components.filter((c) => c.name && c.name !== c.id).map((c) => [c.id, c.name]));
  let text = reason.replace(/ -> /g, " → ");
  if (!names.size) return text;
  // Longest ids first, so that one id that begins another is not replaced inside it; an id inside a longer word,
  // or a segment of an attribute path (after a dot), is not an id.
  const ids = [...names.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(?<![\\w.-])(?:${ids.join("|")})(?![\\w-])`, "g");
  text = text.replace(pattern, (id) => names.get(id));
  return text;
}

/** The kinds of element a card fits, each as the diagram labels it: ["Lambda", "Code repo"], ["data flows (arrows)"]. */
export function fitsKinds(card) {
  return (card.applies_to || []).map((t) => (t === "flow" ? "data flows (arrows)" : typeLabel(t)));
}

/** The kinds of element a card fits, as the diagram labels them: "S3 bucket", "Lambda or Code repo", "data flows". */
export function fitsLabel(card) {
  const kinds = fitsKinds(card);
  if (kinds.length <= 1) return kinds.join("");
  return `${kinds.slice(0, -1).join(", ")} or ${kinds[kinds.length - 1]}`;
}

/** The element a threat or pick is on: {kind, name, type}. */
function element(view, kind, id) {
  if (kind === "flow") {
    const f = view.architecture.flows.find((x) => x.id === id);
    const name = (cid) => (view.architecture.components.find((c) => c.id === cid) || { name: cid }).name;
    return { kind, name: f ? `${name(f.source)} → ${name(f.target)}` : id, type: null };
  }
  const c = view.architecture.components.find((x) => x.id === id);
  return { kind, name: c ? c.name : id, type: c ? c.type : null };
}

/** Why `card` cannot be judged on the element at all (a type it does not fit), as a sentence; null when it fits. */
export function mismatch(view, card, kind, id) {
  if (!card || card.open) return null;
  const el = element(view, kind, id);
  const types = card.applies_to || [];
  if (kind === "flow") return types.includes("flow") ? null : `This card fits only ${fitsLabel(card)}, and ${el.name} is a data flow.`;
  if (types.includes(el.type)) return null;
  if (types.includes("flow")) return `This card is played on data flows (arrows), and ${el.name} is a component.`;
  return `This card fits only ${fitsLabel(card)}, and ${el.name} is of type ${el.type ? typeLabel(el.type) : "unknown"}.`;
}

/**
 * What to say about a threat's verdict: `why` (the rule's reason, readable) and `lesson` (what makes the card's
 * threat hold, or what the vote decides), either possibly null. `card`: the card it cites, when known.
 */
export function verdictLesson(view, t, card) {
  const open = card ? card.open : !t.card;
  const wrongType = card && t.judged_by === "rule" ? mismatch(view, card, t.target_kind, t.target) : null;
  let why = wrongType || gapsInWords(view, t.gaps) || readableReason(view, t.reason);
  let lesson = null;
  if (open && t.judged_by !== "vote") {
    why = t.card ? "An open card: no rule judges it, the table does." : "A sticky note without a card: the table judges it.";
    // What the table decides, in STRIDE's own words: the category's question.
    const category = suit(t.suit);
    if (t.status === "voting") lesson = `Vote yes if this is a real ${category.name} threat here. ${category.question}`;
  } else if (card && card.holds_when && t.judged_by !== "vote") {
    // A valid threat's text usually is the card's question, which says it already.
    if (t.status === "voting") lesson = `The model does not say enough for the rules to decide. Vote yes if you think ${card.holds_when}.`;
    else if (wrongType) lesson = `On those, it holds where ${card.holds_when}.`;
    else if (t.status === "rejected") lesson = `It would hold only where ${card.holds_when}.`;
  }
  return { why, lesson };
}
