// Building DOM without HTML strings.
//
// Every piece of text — player names, threat texts, component names, card
// texts — goes through textContent (via `h` children or `text`), so nothing a
// player or an uploaded model writes is ever parsed as HTML. No module of the
// client assigns innerHTML/outerHTML or calls insertAdjacentHTML; a test
// (tests/web/test_no_html_sinks.py) keeps it that way.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Create an element: h("button", {class: "x", onclick: fn, "aria-label": "…"}, "text", child…).
 * Attributes starting with "on" become event listeners; `dataset` and `style`
 * objects are merged; null/false attributes are skipped; strings and numbers
 * among the children become text nodes.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (/^on/i.test(key)) {
      // Event handlers are functions, never strings of code.
      if (typeof value !== "function") throw new TypeError(`${key} must be a function`);
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "style" && typeof value === "object") {
      for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, v);
    } else if (key === "value" && "value" in el) {
      el.value = value;
    } else if (key === "checked" || key === "disabled" || key === "selected") {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace all children of `el` with `children` (text or nodes). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * fill(), keeping the keyboard focus: when the focus was on a control inside `el`, it goes
 * to the control that stands in its place in the new content, found by its id or its
 * `data-focus` key. A key is a path ("vote:T3:yes"); when that control is gone, the nearest
 * one still there is focused ("vote:T3", say, the prompt itself), else the panel. So a panel rebuilt because
 * someone else acted does not throw a keyboard or screen-reader user back to the top.
 */
export function refill(el, ...children) {
  const active = document.activeElement;
  const key = active && active !== el && el.contains(active) ? focusKeyOf(active) : null;
  fill(el, ...children);
  if (key && !el.contains(document.activeElement)) {
    const again = findFocusKey(el, key);
    if (again) again.focus({ preventScroll: true });
    if (!el.contains(document.activeElement) && !el.hidden) {
      // Nothing stands in its place (or it is disabled now): the panel itself keeps the focus,
      // so the next Tab goes on from there (never a different action the user did not aim at).
      if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
      el.focus({ preventScroll: true });
    }
  }
  return el;
}

function focusKeyOf(node) {
  if (node.dataset && node.dataset.focus) return { focus: node.dataset.focus };
  if (node.id) return { id: node.id };
  const keyed = node.closest("[data-focus]");
  return keyed ? { focus: keyed.dataset.focus } : null;
}

function findFocusKey(el, key) {
  if (key.id) return el.querySelector(`#${CSS.escape(key.id)}`);
  const parts = key.focus.split(":");
  for (let n = parts.length; n > 0; n--) {
    const found = el.querySelector(`[data-focus="${CSS.escape(parts.slice(0, n).join(":"))}"]`);
    if (found && !found.disabled) return found;
  }
  return null;
}

/** Shorthand for document.getElementById. */
export function byId(id) {
  return document.getElementById(id);
}

/** Messages announced in this moment, read out together once it is over. */
let announcing = [];

/** Announce a message to screen readers through the polite live region. */
export function announce(message) {
  const region = byId("live");
  if (!region) return;
  // Several in one moment (a verdict and the trick it won) are read together: the last one replaced the others.
  announcing.push(message);
  if (announcing.length > 1) return;
  region.textContent = "";
  // A fresh text node after a tick makes screen readers read the same message twice in a row.
  setTimeout(() => {
    region.textContent = announcing.join(" ");
    announcing = [];
  }, 30);
}

/**
 * Keep `list`'s children in step with `items`, rebuilding only the items whose
 * signature changed (so focus, open <details> and scroll survive an update).
 * @param {HTMLElement} list
 * @param {Array} items
 * @param {(item) => string} key   stable identity
 * @param {(item) => string} sig   changes whenever the item must be drawn again
 * @param {(item) => HTMLElement} build
 */
export function reconcile(list, items, key, sig, build) {
  const old = new Map([...list.children].map((el) => [el.dataset.key, el]));
  let cursor = list.firstElementChild;
  for (const item of items) {
    const k = key(item);
    const signature = sig(item);
    let el = old.get(k);
    if (!el || el.dataset.sig !== signature) {
      const fresh = build(item);
      fresh.dataset.key = k;
      fresh.dataset.sig = signature;
      if (el) {
        const active = el.contains(document.activeElement) ? document.activeElement : null;
        el.replaceWith(fresh);
        if (el === cursor) cursor = fresh;
        if (active) refocus(active, fresh);
      }
      el = fresh;
    }
    old.delete(k);
    if (el !== cursor) list.insertBefore(el, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const el of old.values()) el.remove();
}

/** Put the focus back on the element of `fresh` that stands where `active` stood. */
function refocus(active, fresh) {
  let match = null;
  if (active.name) match = fresh.querySelector(`[name="${CSS.escape(active.name)}"][value="${CSS.escape(active.value || "")}"]`);
  if (!match && active.dataset && active.dataset.role) match = fresh.querySelector(`[data-role="${CSS.escape(active.dataset.role)}"]`);
  (match || fresh.querySelector("button, input, [tabindex]") || fresh).focus({ preventScroll: true });
}
