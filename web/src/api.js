// The REST API (server/api.py): examples, decks, uploads, games and seats.
// Every 4xx/5xx answer has the body {"error": {"code", "message", "field"}}.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

/** `raw`: send `body` (a string) as it is, not as JSON. */
async function request(method, path, body, raw = false) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = raw ? "application/octet-stream" : "application/json";
    init.body = raw ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", "the server cannot be reached; check the connection and try again");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(response.status, err.code || `http_${response.status}`, err.message || response.statusText || "request failed", err.field);
  }
  return data;
}

export const api = {
  limits: () => request("GET", "/api/limits"),
  examples: () => request("GET", "/api/examples"),
  decks: () => request("GET", "/api/decks"),
  deck: (name) => request("GET", `/api/decks/${encodeURIComponent(name)}`),
  // The file as it is (the raw body): as a JSON string its quotes and line breaks were escaped, and a file under
  // the server's limit (the lobby's "up to 1 MB") made a request over it, refused as too large.
  upload: (document, filename) => request("POST", `/api/architectures?filename=${encodeURIComponent(filename)}`, document, true),
  createGame: (body) => request("POST", "/api/games", body),
  game: (gameId) => request("GET", `/api/games/${encodeURIComponent(gameId)}`),
  join: (gameId, name) => request("POST", `/api/games/${encodeURIComponent(gameId)}/seats`, { name }),
};

/** Where the export of a game in a given format is downloaded from. */
export function exportUrl(gameId, format) {
  return `/api/games/${encodeURIComponent(gameId)}/export?format=${encodeURIComponent(format)}`;
}
