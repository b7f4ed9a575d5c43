// The real-time connection (docs/protocol.md): one Socket.IO socket that joins
// a seat with its token (or spectates), keeps the view up to date from
// `update` patches, sends commands with a client id, and reconnects with
// backoff after a drop, joining the same seat again.
import { io } from "socket.io-client";
import { newClientId } from "./session.js";

const COMMAND_TIMEOUT_MS = 10000;

export class Connection {
  /**
   * @param {object} opts
   * @param {string} opts.gameId
   * @param {string|null} opts.token  the seat token; null to spectate
   * @param {(view: object, info: {events: Array, full: boolean}) => void} opts.onView
   * @param {(status: "connecting"|"online"|"offline"|"reconnecting", detail?: string) => void} opts.onStatus
   * @param {(ack: object) => void} opts.onJoined  first join and every re-join
   * @param {(error: {code: string, message: string}) => void} opts.onFatal  the seat or game is gone
   * @param {(presence: object) => void} [opts.onPresence]  who is connected (on joining, then on every change)
   */
  constructor(opts) {
    this.opts = opts;
    this.view = null;
    this.version = -1;
    this.pending = new Map(); // client id → {event, payload, resolve, …} of commands not yet acknowledged
    this.clockOffset = 0; // server seconds − local seconds
    this.joined = false;
    this.socket = io({
      path: "/socket.io",
      transports: ["websocket", "polling"],
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 8000,
      randomizationFactor: 0.4,
      timeout: 8000,
      autoConnect: false,
    });
    this.socket.on("connect", () => {
      performance.mark("threatdeck-socket");
      this.enter();
    });
    this.socket.on("disconnect", (reason) => {
      this.joined = false;
      this.opts.onStatus("offline", reason);
    });
    this.socket.io.on("reconnect_attempt", (n) => this.opts.onStatus("reconnecting", `attempt ${n}`));
    this.socket.on("connect_error", (err) => this.opts.onStatus("reconnecting", err && err.message));
    this.socket.on("update", (msg) => this.onUpdate(msg));
    this.socket.on("presence", (msg) => {
      if (msg && msg.game_id === this.opts.gameId && this.opts.onPresence) this.opts.onPresence(msg);
    });
    this.socket.on("expired", () => this.opts.onFatal({ code: "expired", message: "This game has expired." }));
  }

  start() {
    this.opts.onStatus("connecting");
    this.socket.connect();
  }

  /** (Re)join the seat, or spectate, and take the whole view from the acknowledgement. */
  async enter() {
    const { token, gameId } = this.opts;
    const ack = token ? await this.emit("join", { token }) : await this.emit("spectate", { game_id: gameId });
    if (!ack.ok) {
      const err = ack.error || { code: "unknown", message: "could not join" };
      if (["invalid_token", "not_found", "game_not_found"].includes(err.code)) this.opts.onFatal(err);
      else this.opts.onStatus("offline", err.message);
      return;
    }
    this.joined = true;
    // The server joins the game's rooms before it reads this view: an update sent in between may have come first
    // and be newer. At an equal version the answer is taken: a seat that joined while that change went out may
    // have been sent only the part every seat shares.
    if (ack.version >= this.version) this.setView(ack.view, ack.version, [], true);
    this.opts.onStatus("online");
    this.opts.onJoined(ack);
    if (ack.presence && this.opts.onPresence) this.opts.onPresence(ack.presence);
    // Commands sent while the connection was down are sent again with the same client id:
    // the server applies each client id once.
    for (const [clientId, cmd] of this.pending) this.resend(clientId, cmd);
  }

  onUpdate(msg) {
    if (!msg || msg.game_id !== this.opts.gameId) return;
    if (msg.version <= this.version) return; // already have it
    if (msg.base === null || msg.base === undefined) {
      this.setView(msg.view, msg.version, msg.events || [], true);
    } else if (msg.base === this.version && this.view) {
      const next = applyPatch(this.view, msg.sizes || [], msg.set || []);
      if (next) this.setView(next, msg.version, msg.events || [], false);
      else this.sync();
    } else {
      this.sync(); // missed an update: ask for the whole view
    }
  }

  async sync() {
    const ack = await this.emit("sync", {});
    if (ack.ok && ack.version > this.version) this.setView(ack.view, ack.version, [], true);
  }

  setView(view, version, events, full) {
    this.view = view;
    this.version = version;
    const clock = view && view.clock;
    if (clock && typeof clock.now === "number" && events.length) {
      // The commit that produced this update happened at clock.now (server time): a lower bound of the server's clock.
      const bound = clock.now - Date.now() / 1000;
      if (bound > this.clockOffset) this.clockOffset = bound;
    }
    this.opts.onView(view, { events, full });
  }

  /** The server's clock now, in its seconds. */
  serverNow() {
    return Date.now() / 1000 + this.clockOffset;
  }

  /** Take the server's clock from a Date header (±1 s), used until updates say better. */
  calibrate(serverSeconds) {
    this.clockOffset = serverSeconds - Date.now() / 1000;
  }

  emit(event, payload) {
    return new Promise((resolve) => {
      this.socket.timeout(COMMAND_TIMEOUT_MS).emit(event, payload, (err, ack) => {
        if (err) resolve({ ok: false, error: { code: "timeout", message: "the server did not answer in time" } });
        else resolve(ack || { ok: false, error: { code: "no_answer", message: "no answer" } });
      });
    });
  }

  /**
   * Send a command (play_card, vote, …). Resolves with the acknowledgement:
   * {ok: true, version} or {ok: false, error: {code, message}}.
   *
   * The command stays pending until the server answers it: while the connection is down it
   * waits and is sent after reconnecting; when an answer is late on a connection that is up
   * (a slow link), it is sent again. Always with the same client id, which the server applies
   * once, answering a repeat with the first outcome. `opts.onWaiting()` is called each time an
   * answer is late, for the UI to say it is still waiting.
   */
  command(event, payload = {}, opts = {}) {
    const clientId = newClientId();
    const cmd = { event, payload: { ...payload, client_id: clientId }, onWaiting: opts.onWaiting || null, attempts: 0 };
    const answered = new Promise((resolve) => (cmd.resolve = resolve));
    this.pending.set(clientId, cmd);
    if (this.socket.connected && this.joined) this.resend(clientId, cmd);
    return answered;
  }

  async resend(clientId, cmd) {
    const attempt = ++cmd.attempts;
    const ack = await this.emit(cmd.event, cmd.payload);
    if (this.pending.get(clientId) !== cmd) return; // answered already (by another attempt)
    if (ack.error && ack.error.code === "timeout") {
      if (attempt !== cmd.attempts) return; // a later attempt is on its way
      if (cmd.onWaiting) cmd.onWaiting();
      // Connected: a slow link, ask again. Not connected: enter() sends it after reconnecting.
      if (this.socket.connected && this.joined) this.resend(clientId, cmd);
      return;
    }
    this.pending.delete(clientId);
    cmd.resolve(ack);
    if (ack.ok && ack.version > this.version) {
      // The update for this command may still be on its way; if it was missed, sync.
      setTimeout(() => {
        if (this.version < ack.version) this.sync();
      }, 1500);
    }
    return ack;
  }

  close() {
    this.socket.close();
  }
}

/**
 * The view after an `update` patch (docs/protocol.md): `sizes` resize lists,
 * then `sets` put values at paths ([key or index, ...] from the top of the
 * view). Only the containers on a path are copied; the old view is left as it
 * was. Returns null when the patch does not fit the view (then the client syncs).
 */
export function applyPatch(view, sizes, sets) {
  const next = { ...view };
  const fresh = new Set([next]);
  const container = (path) => {
    let node = next;
    for (const key of path) {
      if (!has(node, key)) return null;
      let child = node[key];
      if (child === null || typeof child !== "object") return null;
      if (!fresh.has(child)) {
        child = Array.isArray(child) ? child.slice() : { ...child };
        node[key] = child;
        fresh.add(child);
      }
      node = child;
    }
    return node;
  };
  for (const op of sizes) {
    if (!isOp(op) || !Number.isInteger(op[1]) || op[1] < 0) return null;
    const list = container(op[0]);
    if (!Array.isArray(list)) return null;
    list.length = Math.min(list.length, op[1]);
    while (list.length < op[1]) list.push(null);
  }
  for (const op of sets) {
    if (!isOp(op) || op[0].length === 0) return null;
    const path = op[0];
    const parent = container(path.slice(0, -1));
    const key = path[path.length - 1];
    if (parent === null) return null;
    if (Array.isArray(parent) ? !has(parent, key) : typeof key !== "string") return null;
    parent[key] = op[1];
  }
  return next;
}

/** An operation of a patch: [path, value]. */
function isOp(op) {
  return Array.isArray(op) && op.length === 2 && Array.isArray(op[0]);
}

/**
 * Whether `key` names an item of `node`: a key the object has itself (not one it inherits, like "constructor"),
 * or an index of the list counted from the front; the same as server/patch.py's `_has`.
 */
function has(node, key) {
  if (node === null || typeof node !== "object") return false;
  if (Array.isArray(node)) return Number.isInteger(key) && key >= 0 && key < node.length;
  return typeof key === "string" && Object.prototype.hasOwnProperty.call(node, key);
}
