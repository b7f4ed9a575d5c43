// A link shown with a Copy button: the lobby's Game created panel and the waiting room.
//
// A seat link is a secret (whoever opens it takes the seat), and the facilitator often
// shares their screen while the team joins. So a secret field is masked until its owner
// presses Show, and Copy works without showing it.

import { h, announce } from "./dom.js";

// Ids of the secret fields shown: the waiting room is rebuilt on every update, and
// someone joining must neither mask the link again nor show it.
const shown = new Set();

export function copyField(label, value, id, { secret = false } = {}) {
  const visible = () => !secret || shown.has(id);
  const input = h("input", {
    type: visible() ? "text" : "password",
    readonly: true,
    value,
    id,
    class: "copy-input",
    autocomplete: "off",
    spellcheck: "false",
    onfocus: (e) => e.target.select(),
  });
  const button = h(
    "button",
    {
      type: "button",
      class: "ghost copy",
      dataset: { focus: `copy:${id}` },
      "aria-label": `Copy ${label}`,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(value);
        } catch {
          copyFromField(input);
        }
        button.textContent = "Copied ✓";
        // For a moment only: else every button pressed went on saying Copied.
        setTimeout(() => (button.textContent = "Copy"), 1500);
        announce(`${label} copied.`);
      },
    },
    "Copy",
  );
  const toggle = secret
    ? h("button", {
        type: "button",
        class: "ghost reveal",
        dataset: { focus: `reveal:${id}` },
        "aria-controls": id,
        onclick: () => {
          if (shown.has(id)) shown.delete(id);
          else shown.add(id);
          input.type = visible() ? "text" : "password";
          labelToggle(toggle, label, visible());
        },
      })
    : null;
  if (toggle) labelToggle(toggle, label, visible());
  return h("div", { class: "copy-field" }, h("label", { for: id }, label), h("div", { class: "copy-row" }, input, toggle, button));
}

function labelToggle(toggle, label, visible) {
  toggle.textContent = visible ? "Hide" : "Show";
  toggle.setAttribute("aria-label", `${visible ? "Hide" : "Show"} ${label}`);
}

/** Without the Clipboard API: copy the field's selection. Browsers never copy out of a password field, so
 * it is a text field for the copy only; nothing is painted before it is masked again. */
function copyFromField(input) {
  const type = input.type;
  input.type = "text";
  input.select();
  document.execCommand("copy");
  input.type = type;
}
