// An icon and a badge for every component type of game/architecture.py
// (ComponentType). The icons are small constant SVG documents (no model text
// ever goes into them), used as data URIs by the diagram and the target list.

const W = "#ffffff";

const GLYPHS = {
  person: `<circle cx="24" cy="16" r="7" fill="${W}"/><path d="M10 40c0-9 6-14 14-14s14 5 14 14z" fill="${W}"/>`,
  api: `<path d="M18 14l-9 10 9 10M30 14l9 10-9 10M27 11l-6 26" stroke="${W}" stroke-width="3.5" fill="none" stroke-linecap="round" stroke-linejoin="round"/>`,
  lambda: `<path d="M13 38l9.5-17.5L18 11h-5M22.5 20.5L31 38h5" stroke="${W}" stroke-width="4" fill="none" stroke-linecap="round" stroke-linejoin="round"/>`,
  table: `<ellipse cx="24" cy="13" rx="12" ry="4.5" fill="${W}"/><path d="M12 13v22c0 2.5 5.4 4.5 12 4.5s12-2 12-4.5V13" fill="none" stroke="${W}" stroke-width="3"/><path d="M12 21c0 2.5 5.4 4.5 12 4.5s12-2 12-4.5M12 28c0 2.5 5.4 4.5 12 4.5s12-2 12-4.5" fill="none" stroke="${W}" stroke-width="2.5"/>`,
  bucket: `<path d="M11 14h26l-4 24H15z" fill="none" stroke="${W}" stroke-width="3" stroke-linejoin="round"/><ellipse cx="24" cy="14" rx="13" ry="4" fill="${W}"/>`,
  shield: `<path d="M24 8l13 5v9c0 9-6 15-13 18-7-3-13-9-13-18v-9z" fill="none" stroke="${W}" stroke-width="3" stroke-linejoin="round"/><circle cx="24" cy="21" r="3.5" fill="${W}"/><path d="M18 32c1-4 3.5-6 6-6s5 2 6 6z" fill="${W}"/>`,
  queue: `<rect x="8" y="17" width="8" height="14" rx="1.5" fill="${W}"/><rect x="20" y="17" width="8" height="14" rx="1.5" fill="${W}"/><rect x="32" y="17" width="8" height="14" rx="1.5" fill="${W}" fill-opacity=".6"/>`,
  topic: `<circle cx="24" cy="24" r="4.5" fill="${W}"/><path d="M14 14a14 14 0 0 0 0 20M34 14a14 14 0 0 1 0 20M9 9a21 21 0 0 0 0 30M39 9a21 21 0 0 1 0 30" stroke="${W}" stroke-width="3" fill="none" stroke-linecap="round"/>`,
  bus: `<path d="M8 24h32" stroke="${W}" stroke-width="3.5"/><circle cx="12" cy="14" r="3.5" fill="${W}"/><circle cx="24" cy="34" r="3.5" fill="${W}"/><circle cx="36" cy="14" r="3.5" fill="${W}"/><path d="M12 17v7M24 24v7M36 17v7" stroke="${W}" stroke-width="2.5"/>`,
  flowchart: `<rect x="17" y="7" width="14" height="9" rx="2" fill="${W}"/><rect x="7" y="32" width="14" height="9" rx="2" fill="${W}"/><rect x="27" y="32" width="14" height="9" rx="2" fill="${W}"/><path d="M24 16v8M14 32v-8h20v8" stroke="${W}" stroke-width="2.5" fill="none"/>`,
  key: `<circle cx="17" cy="24" r="7" fill="none" stroke="${W}" stroke-width="3.5"/><path d="M24 24h16M34 24v7M39 24v5" stroke="${W}" stroke-width="3.5" stroke-linecap="round"/>`,
  log: `<rect x="11" y="8" width="26" height="32" rx="3" fill="none" stroke="${W}" stroke-width="3"/><path d="M16 16h16M16 22h16M16 28h11M16 34h14" stroke="${W}" stroke-width="2.5" stroke-linecap="round"/>`,
  badge: `<rect x="9" y="12" width="30" height="24" rx="3" fill="none" stroke="${W}" stroke-width="3"/><circle cx="18" cy="22" r="3.5" fill="${W}"/><path d="M12.5 32c1-3.5 3-5 5.5-5s4.5 1.5 5.5 5M27 20h8M27 26h8" stroke="${W}" stroke-width="2.5" fill="none" stroke-linecap="round"/>`,
  branch: `<circle cx="15" cy="12" r="4" fill="none" stroke="${W}" stroke-width="3"/><circle cx="15" cy="36" r="4" fill="none" stroke="${W}" stroke-width="3"/><circle cx="33" cy="17" r="4" fill="none" stroke="${W}" stroke-width="3"/><path d="M15 16v16M33 21c0 7-18 5-18 11" stroke="${W}" stroke-width="3" fill="none"/>`,
  globe: `<circle cx="24" cy="24" r="14" fill="none" stroke="${W}" stroke-width="3"/><ellipse cx="24" cy="24" rx="6" ry="14" fill="none" stroke="${W}" stroke-width="2.5"/><path d="M10 24h28M12 17h24M12 31h24" stroke="${W}" stroke-width="2" fill="none"/>`,
  gear: `<circle cx="24" cy="24" r="6" fill="none" stroke="${W}" stroke-width="3.5"/><path d="M24 8v6M24 34v6M8 24h6M34 24h6M12.7 12.7l4.3 4.3M31 31l4.3 4.3M12.7 35.3l4.3-4.3M31 17l4.3-4.3" stroke="${W}" stroke-width="3.5" stroke-linecap="round"/>`,
  cylinder: `<ellipse cx="24" cy="13" rx="12" ry="4.5" fill="${W}"/><path d="M12 13v22c0 2.5 5.4 4.5 12 4.5s12-2 12-4.5V13" fill="none" stroke="${W}" stroke-width="3"/>`,
  box: `<rect x="12" y="12" width="24" height="24" rx="3" fill="none" stroke="${W}" stroke-width="3.5"/>`,
};

/** type → [label, colour, glyph]. Colours follow the AWS service categories. */
const TYPES = {
  actor: ["Actor", "#4b5563", "person"],
  api_gateway: ["API Gateway", "#8C4FFF", "api"],
  lambda: ["Lambda", "#C85A00", "lambda"],
  dynamodb: ["DynamoDB", "#3B48CC", "table"],
  s3: ["S3 bucket", "#3F8624", "bucket"],
  cognito: ["Cognito", "#C7131F", "shield"],
  sqs: ["SQS queue", "#B0084D", "queue"],
  sns: ["SNS topic", "#B0084D", "topic"],
  eventbridge: ["EventBridge", "#B0084D", "bus"],
  step_functions: ["Step Functions", "#B0084D", "flowchart"],
  secrets_store: ["Secrets", "#C7131F", "key"],
  log_group: ["Logs", "#B0084D", "log"],
  iam_role: ["IAM role", "#C7131F", "badge"],
  code_repo: ["Code repo", "#2d3748", "branch"],
  external_service: ["External", "#52606d", "globe"],
  process: ["Process", "#52606d", "gear"],
  store: ["Data store", "#52606d", "cylinder"],
  generic: ["Component", "#52606d", "box"],
};

const cache = new Map();

/** A human name of a component type. */
export function typeLabel(type) {
  return (TYPES[type] || TYPES.generic)[0];
}

/** The colour that marks a component type. */
export function typeColour(type) {
  return (TYPES[type] || TYPES.generic)[1];
}

/** The icon of a component type as a data: URI (SVG, 48×48). */
export function typeIcon(type) {
  const key = TYPES[type] ? type : "generic";
  if (!cache.has(key)) {
    const [, colour, glyph] = TYPES[key];
    const shape = key === "actor" ? `<circle cx="24" cy="24" r="23" fill="${colour}"/>` : `<rect x="1" y="1" width="46" height="46" rx="9" fill="${colour}"/>`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">${shape}${GLYPHS[glyph]}</svg>`;
    cache.set(key, "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg));
  }
  return cache.get(key);
}

export const COMPONENT_TYPES = Object.keys(TYPES);
