// The six STRIDE suits: colour (Okabe–Ito, safe for the common colour-vision
// deficiencies), a letter and a shape, so a suit never depends on colour alone.
import { s } from "./dom.js";

/** Suit letter → everything the client shows about it. */
export const SUITS = {
  S: {
    letter: "S",
    name: "Spoofing",
    colour: "#0072B2", // blue
    ink: "#ffffff",
    shape: "circle",
    property: "authenticity",
    question: "Can someone pretend to be someone — or something — they are not?",
    about:
      "Spoofing is using another identity: a stolen password, a forged or replayed token, a function that " +
      "trusts a caller it never checked. Ask who is on the other end of each flow and how you know.",
    example: "An attacker replays a leaked session token and reads another employee's payslips.",
    defence: "Managed identity (Cognito/OIDC) with MFA, authorizers on every route, signed and short-lived tokens.",
  },
  T: {
    letter: "T",
    name: "Tampering",
    colour: "#E69F00", // orange
    ink: "#000000",
    shape: "triangle",
    property: "integrity",
    question: "Can someone change data, code or configuration they should not?",
    about:
      "Tampering is modifying something in transit or at rest: an injected query, an edited object in a bucket, " +
      "a changed function package or pipeline. Ask what checks the input and who may write each store.",
    example: "A crafted request body injects a filter expression that deletes every record of a table.",
    defence: "Request validation, least-privilege write access, signed code, versioned and locked-down buckets.",
  },
  R: {
    letter: "R",
    name: "Repudiation",
    colour: "#CC79A7", // reddish purple
    ink: "#000000",
    shape: "square",
    property: "non-repudiation",
    question: "Could someone deny doing something, because nothing proves they did?",
    about:
      "Repudiation is acting without leaving evidence: no audit trail of who changed a record, logs that expire " +
      "after a day, logs anyone can delete. Ask what the system could prove after an incident.",
    example: "A disgruntled member of staff edits salaries and nothing ties the change to them.",
    defence: "Audit trails (e.g. DynamoDB Streams to an audit table), CloudTrail, access logs, retained immutable logs.",
  },
  I: {
    letter: "I",
    name: "Information Disclosure",
    colour: "#56B4E9", // sky blue
    ink: "#000000",
    shape: "diamond",
    property: "confidentiality",
    question: "Can someone read data they should not see?",
    about:
      "Information disclosure is data reaching the wrong people: a public bucket, secrets in the repository, " +
      "verbose errors, unencrypted traffic or storage. Ask where each piece of sensitive data travels and rests.",
    example: "Payslip PDFs sit in a public bucket and anyone with the link can download them.",
    defence: "Block public access, encrypt in transit and at rest, keep secrets in Secrets Manager, return minimal errors.",
  },
  D: {
    letter: "D",
    name: "Denial of Service",
    colour: "#D55E00", // vermillion
    ink: "#ffffff",
    shape: "star",
    property: "availability",
    question: "Can someone stop the system from working for everyone else?",
    about:
      "Denial of service is making the system unavailable: a flood of requests with no throttling, a function " +
      "that exhausts the account's concurrency, a table deleted without backups. Ask what breaks first and how you recover.",
    example: "Someone deletes the employees table and there is no backup to restore.",
    defence: "Throttling and usage plans, WAF, reserved concurrency, dead-letter queues, backups and point-in-time recovery.",
  },
  E: {
    letter: "E",
    name: "Elevation of Privilege",
    colour: "#009E73", // bluish green
    ink: "#ffffff",
    shape: "hexagon",
    property: "authorisation",
    question: "Can someone do more than they are allowed to?",
    about:
      "Elevation of privilege is gaining rights you were not given: one IAM role shared by every function, " +
      "wildcard permissions, staff and customers on the same API. Ask how big the blast radius of each part is.",
    example: "A bug in the employee API lets an employee call a staff-only route and edit any record.",
    defence: "One least-privilege role per function, separate APIs or authorizers per audience, no wildcards.",
  },
};

export const SUIT_ORDER = ["S", "T", "R", "I", "D", "E"];

/** Suit info for a letter or a category name ("Information Disclosure"). */
export function suit(key) {
  if (SUITS[key]) return SUITS[key];
  const found = Object.values(SUITS).find((x) => x.name.toLowerCase() === String(key).toLowerCase());
  return found || SUITS.S;
}

const SHAPES = {
  circle: () => s("circle", { cx: 8, cy: 8, r: 6.5 }),
  triangle: () => s("polygon", { points: "8,1.5 15,14.5 1,14.5" }),
  square: () => s("rect", { x: 2, y: 2, width: 12, height: 12 }),
  diamond: () => s("polygon", { points: "8,0.5 15.5,8 8,15.5 0.5,8" }),
  star: () => s("polygon", { points: "8,0.8 10.1,5.6 15.3,5.9 11.3,9.3 12.6,14.5 8,11.7 3.4,14.5 4.7,9.3 0.7,5.9 5.9,5.6" }),
  hexagon: () => s("polygon", { points: "4,1.5 12,1.5 15.5,8 12,14.5 4,14.5 0.5,8" }),
};

/** A small SVG of the suit's shape, in its colour (decorative: the letter says it in text). */
export function suitSymbol(letter, size = 16) {
  const info = suit(letter);
  const shape = SHAPES[info.shape]();
  shape.setAttribute("fill", info.colour);
  shape.setAttribute("stroke", "#1a1a1a");
  shape.setAttribute("stroke-width", "1");
  return s("svg", { class: "suit-symbol", width: size, height: size, viewBox: "0 0 16 16", "aria-hidden": "true", focusable: "false" }, shape);
}

/** Rank as printed on a card: 2–10, J, Q, K, A (the open card). */
export function rankLabel(rank) {
  return { 11: "J", 12: "Q", 13: "K", 14: "A" }[rank] || String(rank);
}
