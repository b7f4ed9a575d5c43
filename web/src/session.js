// Where the client keeps who it is: the seat token from the seat link.
//
// A seat link is /play/<game>#token=<token>. The fragment never reaches the
// server's logs. Once read, the token leaves the address bar (main.js): shown
// there it is on every shared screen, in the browser's history and in any
// address copied to invite the team. It is kept instead in this tab's
// sessionStorage (so a reload keeps this tab's seat, even with another seat of
// the same game open in another tab) and in localStorage under the game id (so
// opening /play/<game> again in the same browser takes the same seat).

const PREFIX = "threatdeck.seat.";
const TAB_PREFIX = "threatdeck.tab-seat.";
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

function storage(kind = "localStorage") {
  try {
    return window[kind];
  } catch {
    return null; // private mode or storage switched off: the URL alone keeps the seat
  }
}

/** Hold a seat's token for this tab; false when the tab cannot keep it (then the URL must). */
export function holdInTab(gameId, token) {
  const store = storage("sessionStorage");
  if (!store || !TOKEN_RE.test(token || "")) return false;
  try {
    store.setItem(TAB_PREFIX + gameId, token);
    return store.getItem(TAB_PREFIX + gameId) === token;
  } catch {
    return false; // storage full or refused
  }
}

/** The token this tab holds for a game, or null. */
export function tabToken(gameId) {
  const store = storage("sessionStorage");
  const token = store ? store.getItem(TAB_PREFIX + gameId) : null;
  return token && TOKEN_RE.test(token) ? token : null;
}

/**
 * The address of a seat's table: /play/<game>, with the token handed over through this tab's storage rather than
 * the address bar; in the fragment only when the tab cannot keep it.
 */
export function tableHref(gameId, token, search = "") {
  const path = `/play/${encodeURIComponent(gameId)}${search}`;
  return holdInTab(gameId, token) ? path : `${path}#token=${token}`;
}

/** The token in the page's fragment (#token=…), if any. */
export function tokenFromHash(hash = window.location.hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const token = params.get("token");
  return token && TOKEN_RE.test(token) ? token : null;
}

/** The seat this browser holds in a game: {token, seat, name} or null. */
export function loadSeat(gameId) {
  const store = storage();
  if (!store) return null;
  try {
    const data = JSON.parse(store.getItem(PREFIX + gameId) || "null");
    return data && TOKEN_RE.test(data.token || "") ? data : null;
  } catch {
    return null;
  }
}

/** Remember a seat (the token from a seat link, and who it is when known). */
export function saveSeat(gameId, data) {
  const store = storage();
  if (!store || !data || !TOKEN_RE.test(data.token || "")) return;
  const previous = loadSeat(gameId);
  const merged = previous && previous.token === data.token ? { ...previous, ...data } : data;
  store.setItem(PREFIX + gameId, JSON.stringify(merged));
}

/** Forget a seat (the server said the token is not valid any more). */
export function forgetSeat(gameId) {
  const store = storage();
  if (store) store.removeItem(PREFIX + gameId);
  const tab = storage("sessionStorage");
  if (tab) tab.removeItem(TAB_PREFIX + gameId);
}

const TOLD_PREFIX = "threatdeck.told.";

/**
 * What a seat was told it missed (`view.missed` as keys: "turn:3", "vote:T4") and closed, in this browser: so a
 * reload does not tell it again. Kept per game and seat, and only while the server still lists it (it forgets
 * them once the seat acts), so it stays as small as `view.missed`.
 */
export function loadTold(gameId, seat) {
  const store = storage();
  if (!store) return [];
  try {
    const keys = JSON.parse(store.getItem(`${TOLD_PREFIX}${gameId}.${seat}`) || "[]");
    return Array.isArray(keys) ? keys.filter((k) => typeof k === "string") : [];
  } catch {
    return [];
  }
}

export function saveTold(gameId, seat, keys) {
  const store = storage();
  if (!store) return;
  try {
    if (keys.length) store.setItem(`${TOLD_PREFIX}${gameId}.${seat}`, JSON.stringify(keys));
    else store.removeItem(`${TOLD_PREFIX}${gameId}.${seat}`);
  } catch {
    /* storage full or refused: the notice comes back on a reload, until the seat acts */
  }
}

/** Remember what the practice game is, so "practice" in the lobby can return to it. */
export function rememberFacilitatorLinks(gameId, links) {
  const store = storage();
  if (store) store.setItem(PREFIX + gameId + ".links", JSON.stringify(links));
}

export function facilitatorLinks(gameId) {
  const store = storage();
  if (!store) return null;
  try {
    return JSON.parse(store.getItem(PREFIX + gameId + ".links") || "null");
  } catch {
    return null;
  }
}

/** A fresh id for one command, so a retry after a reconnect is applied once. */
export function newClientId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "c" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
