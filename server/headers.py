"""The security headers every HTTP response of the app carries: pages, scripts, the API, errors and 404s.

The client is built by Vite into plain files: no inline script, no inline
style attribute (styles are set through the CSSOM, which a policy does not
block), no ``eval``. So the policy allows only this origin, images from
``data:`` (the diagram's component icons are SVG data URIs), and one inline
stylesheet by its hash: the one-line ``<style>`` cytoscape adds to the page
for its container (``tests/web/test_security.py`` fails if an upgrade changes
it). Every header
is set whatever the route, so a page nobody thought of (a 404, an error, a
file under ``web/dist``) is not the one left without them.

* ``Content-Security-Policy``: a script injected through a player's text
  would not run; ``frame-ancestors 'none'`` keeps another site from framing
  the facilitator's table and tricking a click on "End game" (clickjacking);
  ``form-action``/``base-uri`` stop a form or ``<base>`` pointing elsewhere.
* ``X-Frame-Options: DENY``: the same for browsers without ``frame-ancestors``.
* ``X-Content-Type-Options: nosniff``: a JSON body or an export holding a
  player's ``<script>`` is never read as HTML.
* ``Referrer-Policy: same-origin``: no address of this server (a game id,
  which lets anyone watch and, before the start, take a seat) goes to another
  site. Not ``no-referrer``: it also turns the ``Origin`` of same-origin
  POSTs into ``null``, which Engine.IO's origin check refuses, and Socket.IO's
  polling transport (the fallback where WebSockets are blocked) would break.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def style_hash(css: str) -> str:
    """The CSP source that allows one inline ``<style>`` element with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii") + "'"


CYTOSCAPE_STYLE = ".__________cytoscape_container { position: relative; }"
"""What cytoscape (3.x, the diagram) writes into the ``<style>`` element it adds to the page's head."""

CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {style_hash(CYTOSCAPE_STYLE)}; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def with_inline_style(css: str) -> str:
    """The policy, also allowing one inline stylesheet (the placeholder page served before the client is built)."""
    return CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {style_hash(css)}", 1)


class EngineIOHeaders:
    """WSGI middleware around Engine.IO and the Flask app it forwards to: one place that sets the headers on every
    answer, Flask's (pages, the API, errors, 404s) and those Engine.IO makes itself (long-polling).

    A header a response already has (Flask's, a route's wider policy) is kept.
    A WebSocket upgrade passes through untouched: its handshake belongs to the
    WebSocket server, and after it no HTTP response follows.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            return self.app(environ, start_response)

        def start_with_headers(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in response_headers}
            missing = [(name, value) for name, value in HEADERS.items() if name.lower() not in present]
            return start_response(status, [*response_headers, *missing], exc_info)

        return self.app(environ, start_with_headers)
