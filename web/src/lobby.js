// The lobby: start a game from a built-in example, an uploaded file or a
// pasted template; choose the deck, seats, bots, time boxes and (for a delta
// game) the previous version; then share the links. Or practise alone.
import { h, fill, announce } from "./dom.js";
import { api, ApiError } from "./api.js";
import { saveSeat, rememberFacilitatorLinks, tableHref } from "./session.js";
import { openPrimer } from "./primer.js";
import { copyField } from "./copyfield.js";
import { SUIT_ORDER, SUITS, suitSymbol } from "./suits.js";

const PRACTICE_EXAMPLE = "leejames-hr/before";
/** What the server takes when it cannot be asked (its defaults). */
const DEFAULT_MAX_UPLOAD = 1024 * 1024;
/** An earlier session's result: its limit follows the game size settings (a JSON export is several times its model). */
const DEFAULT_MAX_RESULT = 42229760;

/** A size in bytes as people read it: "1 MB", "512 KB", "2.5 MB" (rounded down: never more than the limit). */
export function sizeLabel(bytes) {
  if (bytes >= 1024 * 1024) return `${Math.floor((bytes * 10) / (1024 * 1024)) / 10} MB`;
  if (bytes >= 1024) return `${Math.floor(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

function field(label, control, help) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, label), control, help ? h("span", { class: "help" }, help) : null);
}

function minutes(value) {
  return value === "" || value === null ? null : Number(value) * 60;
}

/** An architecture source picker: example | file | paste. Returns {el, read(): Promise<{example}|{architecture}>}. */
function sourcePicker(prefix, examples, legend, maxUpload) {
  let mode = "example";
  const exampleSelect = h(
    "select",
    { id: `${prefix}-example`, name: `${prefix}-example` },
    examples.map((e) => h("option", { value: e.id, selected: e.id === PRACTICE_EXAMPLE }, `${e.name} — ${e.components} components, ${e.flows} flows (${e.format})`)),
  );
  const fileInput = h("input", { type: "file", id: `${prefix}-file`, accept: ".yaml,.yml,.json,.template,.txt" });
  const paste = h("textarea", {
    id: `${prefix}-paste`,
    rows: 8,
    spellcheck: "false",
    placeholder: "Paste a CloudFormation/SAM template, a Threat Dragon model or a threatdeck model (YAML or JSON)",
  });
  const panes = {
    example: h("div", { class: "source-pane" }, field("Built-in example", exampleSelect)),
    file: h("div", { class: "source-pane", hidden: true }, field("Architecture file", fileInput, `threatdeck YAML, CloudFormation/SAM template or OWASP Threat Dragon JSON, up to ${sizeLabel(maxUpload)}`)),
    paste: h("div", { class: "source-pane", hidden: true }, field("Template or model", paste)),
  };
  const tabs = ["example", "file", "paste"].map((m) =>
    h(
      "label",
      { class: "seg" },
      h("input", {
        type: "radio",
        name: `${prefix}-source`,
        value: m,
        checked: m === mode,
        onchange: () => {
          mode = m;
          for (const [k, pane] of Object.entries(panes)) pane.hidden = k !== m;
        },
      }),
      h("span", null, { example: "Example", file: "Upload a file", paste: "Paste a template" }[m]),
    ),
  );
  const el = h("fieldset", { class: "source" }, h("legend", null, legend), h("div", { class: "segmented", role: "radiogroup" }, tabs), panes.example, panes.file, panes.paste);
  async function read() {
    if (mode === "example") return { example: exampleSelect.value };
    let text;
    let filename;
    if (mode === "file") {
      const file = fileInput.files && fileInput.files[0];
      if (!file) throw new ApiError(400, "no_file", "Choose a file to upload.", `${prefix}-file`);
      if (file.size > maxUpload) throw new ApiError(413, "too_large", `That file is larger than ${sizeLabel(maxUpload)}, the most this server takes.`, `${prefix}-file`);
      text = await file.text();
      filename = file.name;
    } else {
      text = paste.value;
      filename = "pasted.yaml";
      if (!text.trim()) throw new ApiError(400, "empty", "Paste a template or model first.", `${prefix}-paste`);
    }
    const uploaded = await api.upload(text, filename);
    return { architecture: uploaded.id, uploaded };
  }
  return { el, read };
}

export async function showLobby(root) {
  let examples = [];
  let decks = [];
  let maxUpload = DEFAULT_MAX_UPLOAD;
  let maxResult = DEFAULT_MAX_RESULT;
  const problems = [];
  try {
    let limits;
    [examples, decks, limits] = await Promise.all([api.examples(), api.decks(), api.limits().catch(() => null)]);
    if (limits && Number.isInteger(limits.max_upload_bytes) && limits.max_upload_bytes > 0) maxUpload = limits.max_upload_bytes;
    if (limits && Number.isInteger(limits.max_result_bytes) && limits.max_result_bytes > 0) maxResult = limits.max_result_bytes;
  } catch (err) {
    problems.push(err.message);
  }
  examples = Array.isArray(examples) ? examples : examples.examples || [];
  decks = Array.isArray(decks) ? decks : decks.decks || [];

  const result = h("section", { id: "created", class: "panel created", hidden: true, "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const source = sourcePicker("arch", examples, "Architecture", maxUpload);
  const baseline = sourcePicker("base", examples, "Previous version (the baseline)", maxUpload);
  baseline.el.hidden = true;
  const delta = h("input", {
    type: "checkbox",
    id: "delta",
    onchange: () => {
      baseline.el.hidden = !delta.checked;
    },
  });
  const name = h("input", { id: "host-name", type: "text", required: true, maxlength: 40, autocomplete: "nickname", placeholder: "e.g. Kim" });
  const deck = h(
    "select",
    { id: "deck" },
    decks.map((d) => h("option", { value: d.name }, `${d.title} (${d.cards} cards)`)),
  );
  const seats = h("input", { id: "seats", type: "number", min: 2, max: 8, value: 6 });
  const bots = h("input", { id: "bots", type: "number", min: 0, max: 4, value: 0 });
  const play = h("input", { id: "play-minutes", type: "number", min: 1, max: 1440, value: 45, placeholder: "no limit" });
  const rating = h("input", { id: "rating-minutes", type: "number", min: 1, max: 1440, value: 15, placeholder: "no limit" });
  const turn = h("input", { id: "turn-seconds", type: "number", min: 5, max: 3600, value: 90, placeholder: "no limit" });
  const vote = h("input", { id: "vote-seconds", type: "number", min: 5, max: 3600, value: 120, placeholder: "no limit" });
  const previous = h("input", { type: "file", id: "previous-result", accept: ".json" });
  const submit = h("button", { type: "submit", class: "primary big", id: "create-game" }, "Create the game");

  /** The earlier session's JSON export, if one was chosen: the server re-checks its threats. */
  async function readPrevious() {
    const file = previous.files && previous.files[0];
    if (!file) return null;
    if (file.size > maxResult) throw new ApiError(413, "too_large", `The earlier session's file is larger than ${sizeLabel(maxResult)}, the most this server takes.`, "previous");
    try {
      return JSON.parse(await file.text());
    } catch {
      throw new ApiError(400, "not_json", "The earlier session's file is not JSON: choose a game's threatdeck JSON export.", "previous");
    }
  }

  const form = h(
    "form",
    {
      class: "panel new-game",
      id: "new-game",
      "aria-labelledby": "new-game-title",
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        if (!name.value.trim()) {
          error.textContent = "Type your name: you facilitate and play too.";
          error.hidden = false;
          name.focus();
          return;
        }
        submit.disabled = true;
        submit.textContent = "Creating…";
        try {
          const arch = await source.read();
          const body = {
            name: name.value.trim(),
            deck: deck.value || "serverless-stride",
            seats: Number(seats.value),
            bots: Number(bots.value),
            timing: {
              play_seconds: minutes(play.value),
              rating_seconds: minutes(rating.value),
              turn_seconds: turn.value === "" ? null : Number(turn.value),
              vote_seconds: vote.value === "" ? null : Number(vote.value),
            },
          };
          if (arch.example) body.example = arch.example;
          else body.architecture = arch.architecture;
          const earlier = await readPrevious();
          if (earlier) body.previous = earlier;
          if (delta.checked) {
            const base = await baseline.read();
            if (base.example) body.baseline_example = base.example;
            else body.baseline = base.architecture;
          }
          const created = await api.createGame(body);
          showCreated(result, created);
          form.hidden = true;
          practice.hidden = true;
        } catch (err) {
          // The server's message says what is wrong (e.g. a delta game whose two versions do not differ).
          error.textContent = err.message || String(err);
          error.hidden = false;
          announce(`Could not create the game: ${err.message}`);
        } finally {
          submit.disabled = false;
          submit.textContent = "Create the game";
        }
      },
    },
    h("h2", { id: "new-game-title" }, "New game"),
    field("Your name", name, "You facilitate the game and play a seat."),
    source.el,
    h("label", { class: "check" }, delta, " Delta game: only the cards that touch what changed since a previous version"),
    baseline.el,
    field(
      "Earlier session (optional)",
      previous,
      `A previous game's threatdeck JSON export, up to ${sizeLabel(maxResult)}: its threats are re-checked against this architecture and listed as open or mitigated in this game's exports.`,
    ),
    field("Deck", deck),
    h("div", { class: "row" }, field("Human seats", seats, "2–8, yours included"), field("Bots", bots, "0–4 computer players")),
    h(
      "fieldset",
      { class: "timeboxes" },
      h("legend", null, "Time boxes (empty: no limit)"),
      h("div", { class: "row" }, field("Play (min)", play), field("Prioritising (min)", rating), field("Turn (s)", turn), field("Vote (s)", vote)),
    ),
    error,
    submit,
  );

  // The example the practice game is played on: the HR system, or the first one this server has instead.
  const practiceExample = examples.find((e) => e.id === PRACTICE_EXAMPLE) || examples[0] || null;
  const practiceOn = practiceExample ? `on ${practiceExample.name} ` : "";
  const practiceButton = h("button", { type: "button", class: "primary big", id: "practice", onclick: () => startPractice() }, "Practise alone against 3 bots");
  const practiceName = h("input", { id: "practice-name", type: "text", maxlength: 40, value: "Me", "aria-label": "Your name for the practice game" });
  const practiceError = h("p", { class: "error", role: "alert", hidden: true });
  const practice = h(
    "section",
    { class: "panel practice", "aria-labelledby": "practice-title" },
    h("h2", { id: "practice-title" }, "New to STRIDE?"),
    h(
      "p",
      null,
      `Play a solo practice game ${practiceOn}against three bots. Every verdict — yours and theirs — is explained, with the fix. One game is enough to learn the six STRIDE categories.`,
    ),
    h("div", { class: "row" }, field("Your name", practiceName), practiceButton),
    practiceError,
    h("button", { type: "button", class: "ghost", onclick: () => openPrimer(null) }, "Read the STRIDE primer first"),
  );

  async function startPractice() {
    practiceButton.disabled = true;
    practiceError.hidden = true;
    try {
      const example = practiceExample && practiceExample.id;
      const created = await api.createGame({
        name: practiceName.value.trim() || "Me",
        example,
        seats: 2,
        bots: 3,
        timing: { play_seconds: null, rating_seconds: null, turn_seconds: null, vote_seconds: 30 },
      });
      const seat = created.facilitator;
      saveSeat(created.game_id, { token: seat.token, seat: seat.seat, name: seat.name, role: seat.role });
      window.location.assign(tableHref(created.game_id, seat.token, "?practice=1"));
    } catch (err) {
      practiceError.textContent = err.message;
      practiceError.hidden = false;
      practiceButton.disabled = false;
    }
  }

  fill(
    root,
    h(
      "main",
      { class: "lobby" },
      h(
        "header",
        { class: "hero" },
        h("h1", { class: "brand-big" }, "threat", h("b", null, "deck")),
        h("p", { class: "lead" }, "A STRIDE threat-modelling card game for teams that build serverless systems on AWS. Put your architecture in the middle of the table, play threats on it like sticky notes, and leave with a prioritised backlog."),
        h("p", { class: "suits-line", "aria-label": "The six STRIDE suits" }, SUIT_ORDER.map((l) => h("span", { class: "suit-chip", style: { "--suit": SUITS[l].colour, "--suit-ink": SUITS[l].ink } }, suitSymbol(l, 12), ` ${l} · ${SUITS[l].name}`))),
      ),
      problems.length ? h("p", { class: "error", role: "alert" }, "The server did not answer: ", problems.join("; ")) : null,
      h("div", { class: "lobby-grid" }, form, h("div", null, practice, result)),
    ),
  );
  document.title = "threatdeck · lobby";
  document.body.dataset.ready = "lobby";
  performance.mark("threatdeck-ready");
}

function showCreated(el, created) {
  const seat = created.facilitator;
  saveSeat(created.game_id, { token: seat.token, seat: seat.seat, name: seat.name, role: seat.role });
  rememberFacilitatorLinks(created.game_id, { join_link: created.join_link, spectate_link: created.spectate_link });
  const tableUrl = tableHref(created.game_id, seat.token);
  const seatLink = `/play/${encodeURIComponent(created.game_id)}#token=${seat.token}`;
  fill(
    el,
    h("h2", null, "Game created"),
    h("p", null, "Share the invite link with the team (each person opens it and types a name). Put the spectator link on the shared screen."),
    copyField("Invite link", created.join_link, "created-join-link"),
    copyField("Spectator link", created.spectate_link, "created-watch-link"),
    copyField("Your seat link (private: it is your seat)", seat.link || new URL(seatLink, window.location.origin).href, "created-seat-link", {
      secret: true,
    }),
    h("div", { id: "created-qr", class: "qr-box" }),
    h("a", { class: "button primary big", id: "open-table", href: tableUrl }, "Open the table"),
  );
  import("./qr.js").then(({ qrSvg }) => {
    const box = document.getElementById("created-qr");
    if (box) box.append(qrSvg(created.join_link, 160), h("p", { class: "small muted" }, "Scan to join"));
  });
  el.hidden = false;
  el.querySelector("#open-table").focus();
  // The facilitator is here while this panel is open: others see a seat without a connection as away, and
  // may take over from a facilitator away long enough. So hold the seat's connection until the table opens.
  import("./connection.js")
    .then(({ Connection }) => {
      const quiet = () => {};
      new Connection({ gameId: created.game_id, token: seat.token, onView: quiet, onStatus: quiet, onJoined: quiet, onFatal: quiet }).start();
    })
    .catch(() => {
      /* without it the facilitator only shows as away sooner */
    });
}
