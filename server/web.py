"""The browser client: ``web/dist`` when it has been built, a plain placeholder page until then.

Client-side routes (``/play/<game>``, ``/join/<game>``, ``/watch/<game>``)
all serve the client's ``index.html``; the seat token travels in the URL
fragment (``#token=…``), which browsers never send to the server.
"""

from __future__ import annotations

import html
import mimetypes
from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_from_directory
from werkzeug.exceptions import NotFound

from server.headers import with_inline_style

bp = Blueprint("web", __name__)

PLACEHOLDER_STYLE = ("body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}\n"
                     "code{background:#eee;padding:0 .2em}")
PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>threatdeck</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{style}</style></head>
<body><h1>threatdeck</h1>
<p>A STRIDE threat-modelling card game for teams that build serverless systems on AWS.</p>
<p>The server is running{page}. The browser client has not been built yet
(<code>web/dist</code> is missing); the API is described at
<a href="/api/openapi.json">/api/openapi.json</a> and the real-time protocol in
<code>docs/protocol.md</code>.</p>
</body></html>
"""


def dist_dir() -> Path | None:
    """The built client's folder, if there is one with an index.html."""
    configured = current_app.config.get("WEB_DIST")
    folder = Path(configured) if configured else Path(__file__).resolve().parent.parent / "web" / "dist"
    return folder if (folder / "index.html").is_file() else None


def _index(page: str = "") -> Response:
    folder = dist_dir()
    if folder is None:
        note = f" (you asked for <code>{html.escape(page)}</code>)" if page else ""
        response = Response(PLACEHOLDER.format(page=note, style=PLACEHOLDER_STYLE), mimetype="text/html")
        # Its one inline stylesheet is allowed by its hash: the policy stays without 'unsafe-inline'.
        response.headers["Content-Security-Policy"] = with_inline_style(PLACEHOLDER_STYLE)
        return response
    response = send_from_directory(folder, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index() -> Response:
    """The client's start page."""
    return _index()


@bp.get("/play/<game_id>")
@bp.get("/join/<game_id>")
@bp.get("/watch/<game_id>")
def client_route(game_id: str) -> Response:
    """A page of the client; the client reads the game id from the path and the token from the fragment."""
    return _index(f"/…/{game_id}")


@bp.get("/<path:filename>")
def asset(filename: str) -> Response:
    """A file of the built client (scripts, styles, images)."""
    folder = dist_dir()
    if folder is None or filename.startswith("api/"):
        raise NotFound()
    # The build leaves a gzip copy beside each script and stylesheet (web/scripts/compress.mjs):
    # send it to browsers that accept gzip, so the first load transfers the compressed bytes.
    if filename.startswith("assets/") and "gzip" in request.headers.get("Accept-Encoding", "") \
            and (folder / (filename + ".gz")).is_file():
        response = send_from_directory(folder, filename + ".gz", max_age=3600)
        response.headers["Content-Encoding"] = "gzip"
        response.mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    else:
        response = send_from_directory(folder, filename, max_age=3600)
    response.vary.add("Accept-Encoding")
    return response
