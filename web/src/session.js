// Where the client keeps who it is: the seat token from the seat link.
//
// A seat link is /play/<game>#token=<token>. The fragment never reaches the
// server's logs; the token is also kept in localStorage under the game id, so
// reloading the page, or opening /play/<game> without the fragment on the same
// browser, takes the same seat again.

const PREFIX = "threatdeck.seat.";
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null; // private mode or storage switched off: the URL alone keeps the seat
  }
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
