// The final screen: scoreboard, threats by STRIDE category, the prioritised
// threat list, and one-click exports of the backlog.
import { h, s, fill } from "./dom.js";
import { SUITS, SUIT_ORDER, suit } from "./suits.js";
import { suitChip, targetName } from "./panels.js";
import { exportUrl } from "./api.js";
import { readableReason } from "./verdicts.js";

/** The export formats the server offers (GET /api/games/<id>/export?format=…). */
export const EXPORTS = [
  { format: "markdown", label: "Markdown", file: "threats.md" },
  { format: "jira-csv", label: "Jira CSV", file: "threats-jira.csv" },
  { format: "azure-devops-csv", label: "Azure DevOps CSV", file: "threats-azure-devops.csv" },
  { format: "github-issues", label: "GitHub issues", file: "threats-github-issues.json" },
  { format: "threat-dragon", label: "Threat Dragon", file: "threats.threat-dragon.json" },
  { format: "threat-composer", label: "Threat Composer", file: "threats.tc.json" },
  // The whole session, which the lobby's "Earlier session" upload takes to build on it.
  { format: "json", label: "threatdeck JSON (for the next session)", file: "session.threatdeck.json" },
];

/** A bar chart (SVG) of threats by STRIDE category: valid ones solid, not valid ones hatched. */
export function strideChart(threats) {
  const counts = Object.fromEntries(SUIT_ORDER.map((l) => [l, { accepted: 0, rejected: 0 }]));
  for (const t of threats) {
    if (t.status === "accepted") counts[t.suit].accepted += 1;
    else if (t.status === "rejected") counts[t.suit].rejected += 1;
  }
  const max = Math.max(1, ...SUIT_ORDER.map((l) => counts[l].accepted + counts[l].rejected));
  const W = 520;
  const barH = 26;
  const gap = 10;
  const left = 180;
  const H = SUIT_ORDER.length * (barH + gap) + 10;
  const scaleX = (n) => ((W - left - 130) * n) / max;
  const rows = SUIT_ORDER.map((l, i) => {
    const info = SUITS[l];
    const y = 5 + i * (barH + gap);
    const c = counts[l];
    return s(
      "g",
      { class: "bar", dataset: { suit: l } },
      s("text", { x: left - 10, y: y + barH / 2 + 5, "text-anchor": "end", class: "bar-label" }, `${l} · ${info.name}`),
      s("rect", { x: left, y, width: Math.max(0, scaleX(c.accepted)), height: barH, fill: info.colour, stroke: "#1a1a1a", "stroke-width": c.accepted ? 1 : 0 }),
      s("rect", {
        x: left + scaleX(c.accepted),
        y,
        width: Math.max(0, scaleX(c.rejected)),
        height: barH,
        fill: "url(#hatch)",
        stroke: info.colour,
        "stroke-width": c.rejected ? 1.5 : 0,
      }),
      s("text", { x: left + scaleX(c.accepted + c.rejected) + 8, y: y + barH / 2 + 5, class: "bar-value" }, c.rejected ? `${c.accepted} valid, ${c.rejected} not` : `${c.accepted}`),
    );
  });
  const summary = SUIT_ORDER.map((l) => `${SUITS[l].name}: ${counts[l].accepted} valid, ${counts[l].rejected} not valid`).join("; ");
  return h(
    "figure",
    { class: "chart" },
    s(
      "svg",
      { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": `Threats by STRIDE category. ${summary}` },
      s("defs", null, s("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, s("rect", { width: 6, height: 6, fill: "#ffffff" }), s("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#777", "stroke-width": 2 }))),
      rows,
    ),
    h("figcaption", { class: "small muted" }, "Solid: valid threats. Hatched: proposed but not valid."),
  );
}

export function renderFinal(el, view, gameId) {
  const final = view.final || { scoreboard: [], threats: [] };
  // Everyone with the most points wins (the scoreboard lists a tie in seat order: the first was named the winner
  // alone); nobody does with none.
  const best = final.scoreboard.length ? final.scoreboard[0].points : 0;
  const winners = best > 0 ? final.scoreboard.filter((line) => line.points === best) : [];
  const points = `${best} ${best === 1 ? "point" : "points"}`;
  const names = winners.map((line) => line.name);
  const won = winners.length === 1 ? ` ${names[0]} wins with ${points}.` : winners.length ? ` ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} share the win with ${points}.` : "";
  fill(
    el,
    h(
      "header",
      { class: "final-head" },
      h("h1", null, "Threat model complete"),
      h(
        "p",
        { class: "lead" },
        final.threats.length
          ? `${view.architecture.name}: ${final.threats.length} valid ${final.threats.length === 1 ? "threat" : "threats"}, prioritised by the team.`
          : `${view.architecture.name}: no valid threats were found, so there was nothing to prioritise.`,
        won,
      ),
    ),
    h(
      "div",
      { class: "final-grid" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "final-score" },
        h("h2", { id: "final-score" }, "Scoreboard"),
        h(
          "table",
          { class: "score-table" },
          h("thead", null, h("tr", null, h("th", null, "#"), h("th", null, "Player"), h("th", null, "Points"), h("th", null, "Tricks"), h("th", null, "Threats"))),
          h(
            "tbody",
            null,
            final.scoreboard.map((line, i) =>
              // A tie shares its place (1, 1, 3).
              h("tr", { class: best > 0 && line.points === best ? "leader" : "" }, h("td", null, String(final.scoreboard.findIndex((x) => x.points === line.points) + 1)), h("td", null, line.name, line.bot ? " (bot)" : "", line.present === false ? " (left)" : ""), h("td", null, h("strong", null, String(line.points))), h("td", null, String(line.tricks)), h("td", null, String(line.threats))),
            ),
          ),
        ),
      ),
      h("section", { class: "panel", "aria-labelledby": "final-chart" }, h("h2", { id: "final-chart" }, "Threats by STRIDE category"), strideChart(view.threats)),
      h(
        "section",
        { class: "panel exports", "aria-labelledby": "final-exports" },
        h("h2", { id: "final-exports" }, "Export the backlog"),
        h("p", { class: "small muted" }, "One click downloads the prioritised list for your tracker or modelling tool."),
        h(
          "div",
          { class: "export-buttons" },
          EXPORTS.map((x) => h("a", { class: "button", href: exportUrl(gameId, x.format), download: x.file, dataset: { format: x.format, focus: `export:${x.format}` } }, `⇩ ${x.label}`)),
        ),
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "final-list" },
      h("h2", { id: "final-list" }, "Prioritised threats"),
      final.threats.length === 0
        ? h("p", { class: "muted" }, "No valid threats were found.")
        : h(
            "div",
            // Wide on a phone: the table scrolls sideways in its own box (reachable with the keyboard).
            { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Table of prioritised threats", dataset: { focus: "final-list" } },
            h(
              "table",
              { class: "threat-table" },
              h(
                "thead",
                null,
                h("tr", null, h("th", { scope: "col" }, "Rank"), h("th", { scope: "col" }, "Risk"), h("th", { scope: "col" }, "STRIDE"), h("th", { scope: "col" }, "Where"), h("th", { scope: "col" }, "Threat"), h("th", { scope: "col" }, "Mitigation"), h("th", { scope: "col" }, "Found by")),
              ),
              h(
                "tbody",
                null,
                final.threats.map((t) =>
                  h(
                    "tr",
                    { dataset: { threat: t.threat_id } },
                    h("td", { class: "num" }, String(t.rank)),
                    h("td", { class: "num", title: t.risk === null ? "nobody rated it" : `likelihood ${t.likelihood} × impact ${t.impact}, ${t.agreement} ratings` }, t.risk === null ? "–" : String(t.risk)),
                    h("td", null, suitChip(t.suit), h("span", { class: "sr-only" }, suit(t.suit).name)),
                    h("td", null, targetName(view, t.target_kind, t.component)),
                    h("td", null, h("span", { class: "threat-text" }, t.text), h("div", { class: "small muted" }, t.card ? `${t.card} · ${t.card_title}` : "sticky note", " · ", readableReason(view, t.reason))),
                    h("td", { class: "small" }, t.mitigation || "–"),
                    h("td", null, t.found_by),
                  ),
                ),
              ),
            ),
          ),
    ),
  );
}
