// The client's entry point: a tiny router over the server's pages
// ("/", "/join/<game>", "/play/<game>#token=…", "/watch/<game>").
import "./styles.css";
import { byId } from "./dom.js";
import { tokenFromHash, saveSeat, holdInTab } from "./session.js";
import { showLobby } from "./lobby.js";

const GAME_ID = /^[A-Za-z0-9_-]{12}$/;
/** A seat link whose "#" a chat or mail program sent as "%23": the token landed in the path. */
const HASH_IN_PATH = /^([A-Za-z0-9_-]{12})%23(.+)$/i;

async function route() {
  const root = byId("app");
  const parts = window.location.pathname.split("/").filter(Boolean);
  let [page, gameId] = parts;
  const mangled = gameId && HASH_IN_PATH.exec(gameId);
  if (mangled && (page === "play" || page === "watch" || page === "join")) {
    // Back into the fragment, which the browser never sends, and on as if the link had come whole.
    gameId = mangled[1];
    history.replaceState(null, "", `/${page}/${gameId}${window.location.search}#${decodeURIComponent(mangled[2])}`);
  }
  if ((page === "play" || page === "watch" || page === "join") && gameId && GAME_ID.test(gameId)) {
    if (page === "join") {
      const { showJoin } = await import("./join.js");
      return showJoin(root, gameId);
    }
    const { Table, seatToken } = await import("./table.js");
    const practice = new URLSearchParams(window.location.search).get("practice") === "1";
    if (page === "watch") return new Table(root, { gameId, token: null, practice: false });
    const fromHash = tokenFromHash();
    const token = seatToken(gameId, fromHash);
    if (!token) {
      const { showJoin } = await import("./join.js");
      return showJoin(root, gameId);
    }
    if (fromHash) saveSeat(gameId, { token });
    // Out of the address bar, where a shared screen, the history or a copied address would give the seat away;
    // kept there only when this tab has no storage to hold it.
    if (holdInTab(gameId, token) && window.location.hash) {
      history.replaceState(null, "", `${window.location.pathname}${window.location.search}`);
    }
    return new Table(root, { gameId, token, practice });
  }
  return showLobby(root);
}

route();
