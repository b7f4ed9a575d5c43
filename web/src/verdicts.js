// What a verdict teaches. The engine's reason is written for scans and exports: it names components by id
// ("AuthFunction: validates_input is false") and cards by id ("T3 applies to s3"). A player sees names and
// card titles, and a newcomer told "not valid" needs to hear what would have made the threat valid.
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

const NOT_KNOWN = /^(?<before>.*, but )?(?<trail>.+?): (?<path>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*) is not known$/;

/**
 * A rule that cannot decide says "<trail>: <attribute path> is not known" (trail: an id, "flow A -> B", or
 * "Fn.role (Role)"). Said in words, with the attribute's meaning: "the model does not say whether Login function
 * …". Null when the reason is not of that shape.
 */
function notKnownInWords(view, reason, readable) {
  const m = NOT_KNOWN.exec(reason);
  if (!m) return null;
  const { before, trail, path } = m.groups;
  const components = view.architecture.components;
  const byId = (id) => components.find((c) => c.id === id);
  const segments = path.split(".");
  let type;
  let name;
  const flow = /^flow (.+) -> (.+)$/.exec(trail);
  const via = /^(.+)\.[a-z_]+ \((.+)\)$/.exec(trail); // "Fn.role (Role)": the path is read on Role
  if (flow) {
    type = "flow";
    name = `the flow ${readable(flow[1])} → ${readable(flow[2])}`;
  } else if (via && byId(via[2])) {
    type = byId(via[2]).type;
    name = readable(via[2]);
    segments.splice(0, segments.length - 1);
  } else {
    const c = byId(trail);
    if (!c) return null;
    type = c.type;
    name = c.name || c.id;
  }
  // Follow references ("role.admin": the admin attribute of the function's role).
  for (const ref of segments.slice(0, -1)) {
    const spec = attributeSpec(type, ref);
    name = `${name}'s ${attributeWords(ref)}`;
    type = spec && spec.ref ? spec.ref[0] : null;
  }
  const attr = segments[segments.length - 1];
  const spec = type ? attributeSpec(type, attr) : null;
  let clause;
  if (spec && spec.bool) {
    const it = /^(it|its) (.*)$/.exec(spec.doc);
    clause = it
      ? `the model does not say whether ${name}${it[1] === "its" ? "'s" : ""} ${it[2]}`
      : `for ${name}, the model does not say whether ${spec.doc}`;
  } else if (spec) {
    clause = `the model does not give ${name}'s ${attributeWords(attr)} (${spec.doc})`;
  } else {
    clause = `the model does not give ${name}'s ${attributeWords(attr)}`;
  }
  if (before) return readable(before) + clause;
  return clause.charAt(0).toUpperCase() + clause.slice(1);
}

/**
 * The reason with every component id the diagram shows under another name replaced by that name, and an attribute
 * the model lacks said in words ("the model does not say whether …"). The engine's reason itself stays as it is:
 * scans, exports and golden files read it.
 */
export function readableReason(view, reason) {
  if (!reason || !view || !view.architecture) return reason;
  const words = notKnownInWords(view, reason, (text) => namesForIds(view, text));
  return words || namesForIds(view, reason);
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
  let why = wrongType || readableReason(view, t.reason);
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
