// Asking before a facilitator's action that cannot be undone (remove a player, skip a turn, hand over, end play),
// in the page rather than the browser's own confirm box: that box blocks every update and timer of the table while
// it is up, cannot name its button after the action, and cannot go away by itself when the table moves on.
import { h } from "./dom.js";

/**
 * One question in a modal <dialog>: `question` as its heading, `detail` below it, a primary button named for the
 * action (`action`: "Remove Sam") and Cancel. Escape and Cancel cancel. The focus starts on Cancel (the safe
 * default) and goes back to the control that opened it when it closes (`opener`, else the one that had the focus;
 * when that is hidden, as the tools of a phone's folded menu are, the one that has the focus now). Every string is
 * set as text.
 *
 * `applies()` says whether the action still makes sense; `recheck()` (called by its owner when the view changes)
 * closes the dialog without acting once it does not. `detail` may be a function: `recheck()` writes it again (a
 * vote opened meanwhile changes what ending play decides).
 */
export class Confirmation {
  /**
   * @param {{question: string, detail?: string|(() => string), action: string, opener?: Element|null, applies?: () => boolean}} opts
   */
  constructor({ question, detail = "", action, opener = null, applies = () => true }) {
    this.applies = applies;
    this.describe = typeof detail === "function" ? detail : () => detail;
    this.opener = opener || document.activeElement;
    this.fallback = document.activeElement;
    // The opener may be redrawn while the dialog is up (panels are rebuilt from each view): found again by its key.
    this.openerKey = this.opener && this.opener !== document.body ? keyOf(this.opener) : null;
    this.settled = false;
    this.answer = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.cancelButton = h("button", { type: "button", class: "ghost", dataset: { role: "cancel" }, onclick: () => this.close(false) }, "Cancel");
    this.okButton = h("button", { type: "button", class: "primary", dataset: { role: "confirm" }, onclick: () => this.close(true) }, action);
    this.detail = h("p", { id: "confirm-detail" });
    this.dialog = h(
      "dialog",
      { class: "confirm", id: "confirm", "aria-labelledby": "confirm-question", "aria-describedby": "confirm-detail" },
      h("h2", { id: "confirm-question" }, question),
      this.detail,
      h("div", { class: "confirm-actions" }, this.cancelButton, this.okButton),
    );
    this.writeDetail();
    // Escape: the browser closes a modal dialog on its own; this makes it a Cancel.
    this.dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      this.close(false);
    });
  }

  /** Show it; resolves true when the action is confirmed, false when cancelled or no longer applicable. */
  open() {
    document.body.append(this.dialog);
    this.dialog.showModal();
    this.cancelButton.focus();
    return this.answer;
  }

  /** The table changed: close without acting when the action no longer makes sense (returns true then). */
  recheck() {
    if (this.settled) return false;
    if (this.applies()) {
      this.writeDetail();
      return false;
    }
    this.close(false);
    return true;
  }

  writeDetail() {
    const text = this.describe() || "";
    if (this.detail.textContent !== text) this.detail.textContent = text;
    this.detail.hidden = !text;
  }

  close(confirmed) {
    if (this.settled) return;
    this.settled = true;
    if (this.dialog.open) this.dialog.close();
    this.dialog.remove();
    this.giveFocusBack();
    this.resolve(confirmed);
  }

  giveFocusBack() {
    const shown = (el) => el && el.isConnected && el.offsetParent !== null && !el.disabled;
    let back = shown(this.opener) ? this.opener : null;
    if (!back && this.openerKey) {
      const again = document.querySelector(this.openerKey);
      if (shown(again)) back = again;
    }
    if (!back && shown(this.fallback)) back = this.fallback;
    if (back) back.focus({ preventScroll: true });
  }
}

/** A selector that finds a control again once its panel was rebuilt: its id, else its data-focus key. */
function keyOf(el) {
  if (el.id) return `#${CSS.escape(el.id)}`;
  if (el.dataset && el.dataset.focus) return `[data-focus="${CSS.escape(el.dataset.focus)}"]`;
  return null;
}
