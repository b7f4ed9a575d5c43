"""``threatdeck export``: a game's result in the format a team's tools import, or filed as GitHub issues.

GAME is a threatdeck JSON result file (``threatdeck play --result FILE``, or
the ``json`` export of the REST API), or, with ``--database URL``, the id of a
game stored by the server. ``--format`` picks one of
:data:`game.exports.FORMATS`; the text goes to ``--output`` or stdout.

``--format github --push OWNER/REPO`` files the issues instead: it lists the
repository's issues (every page, open and closed), reads the threatdeck
markers in their bodies, and creates only the threats not filed yet, with a
token from ``THREATDECK_GITHUB_TOKEN`` or ``GITHUB_TOKEN``, against
``--api-url`` (default ``THREATDECK_GITHUB_API_URL``, else GitHub's API). Pushing
again creates nothing; a push that stopped half-way can simply be run again.

Exit 0 when done, 2 when the input or the options cannot be used, 1 when
GitHub refuses or cannot be reached. Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from game.result import GameResult

DEFAULT_API_URL = "https://api.github.com"
"""GitHub's REST API (GitHub Enterprise Server: ``https://HOST/api/v3``)."""
TOKEN_VARIABLES = ("THREATDECK_GITHUB_TOKEN", "GITHUB_TOKEN")
"""Where the token is read from, first found wins."""
MAX_PAGES = 200
"""Most pages of issues listed (100 each)."""
TIMEOUT = 30.0
"""Seconds to wait for one HTTP answer."""

_REPO = re.compile(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Problem(Exception):
    """A reason to stop: a one-line message and the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def register(sub: Any) -> None:
    """Add the ``export`` subcommand."""
    from game.exports import FORMATS

    p = sub.add_parser(
        "export",
        help="write a game's threats for Jira, Azure DevOps, GitHub, Threat Dragon, Threat Composer, Markdown or JSON",
        description="Export the prioritised threat list of a game. GAME is a threatdeck JSON result file "
        "(threatdeck play --result FILE), or a game id with --database. With --format github --push OWNER/REPO, "
        "create the GitHub issues not filed yet. Exit 2 on bad input, 1 when GitHub fails.",
    )
    p.add_argument("game", metavar="GAME", help="a threatdeck JSON result file, or a game id with --database")
    p.add_argument("--format", "-f", required=True, choices=list(FORMATS), help="what to write")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument("--database", metavar="URL", help="read game GAME from the server's database (e.g. sqlite:///instance/threatdeck.db)")
    p.add_argument("--push", metavar="OWNER/REPO", help="with --format github: create the issues in this repository")
    p.add_argument("--api-url", metavar="URL", help="GitHub API base URL (default: $THREATDECK_GITHUB_API_URL or GitHub's)")
    p.add_argument("--dry-run", action="store_true", help="with --push: list what would be created, create nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export or push; return the exit code."""
    try:
        result = load_game(args.game, args.database)
        if args.push is not None:
            if args.format != "github":
                raise Problem("--push files GitHub issues: use it with --format github")
            return push(result, args.push, api_url(args.api_url), args.dry_run, args.output)
        if args.dry_run:
            raise Problem("--dry-run goes with --push")
        write(args.format, result, args.output)
    except Problem as exc:
        print(f"threatdeck export: {exc.message}", file=sys.stderr)
        return exc.code
    return 0


# --------------------------------------------------------------------------- reading a game


def load_game(game: str, database: str | None) -> GameResult:
    """The result of GAME: a result file, or a stored game when a database is given."""
    if database is not None:
        return _from_database(game, database)
    from game.exports.result import ResultError, load_result
    from server.cli.files import FileProblem, display, read_bounded, read_limit

    try:
        limit = read_limit()
        return load_result(read_bounded(game, limit), display(game), max_bytes=limit)
    except (FileProblem, ResultError) as exc:
        raise Problem(str(exc)) from None


def _from_database(game_id: str, url: str) -> GameResult:
    """Replay a stored game from the server's database (read only: nothing is migrated or written)."""
    import sqlalchemy as sa

    from cards import InvalidCardData, load_deck
    from game.errors import GameError
    from game.result import result_of
    from server.db import MEMORY_URL, make_engine
    from server.errors import NotFound
    from server.games import Games
    from server.repository import SqlGameRepository

    if url == MEMORY_URL:
        raise Problem("--database memory:// holds no games outside a running server; give the server's database URL")
    try:
        engine = make_engine(url)
    except (ValueError, sa.exc.ArgumentError) as exc:
        raise Problem(f"--database: {exc}") from None
    try:
        games = Games(SqlGameRepository(engine), ttl=0.0, upload_ttl=0.0, max_components=0)
        live = games.live(game_id)
    except NotFound:
        raise Problem(f"no game {game_id!r} in that database (it may have expired)") from None
    except GameError as exc:
        raise Problem(f"game {game_id}: {exc.message}") from None
    except sa.exc.SQLAlchemyError as exc:
        raise Problem(f"--database: cannot read games ({type(exc).__name__}: {str(exc).splitlines()[0]})") from None
    finally:
        engine.dispose()
    try:
        deck = load_deck(live.record.deck)
    except InvalidCardData:
        deck = None  # a deck no longer shipped: the findings use the cards the game was dealt
    return result_of(live.state, deck=deck, game_id=live.id)


# --------------------------------------------------------------------------- writing


def _emit(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except OSError as exc:
        raise Problem(f"{output}: {exc.strerror or exc}") from None


def write(name: str, result: GameResult, output: str | None) -> None:
    """Render the format and write it."""
    from game.exports import render
    from game.exports.native import NativeExportError

    try:
        text = render(name, result)
    except NativeExportError as exc:
        raise Problem(str(exc)) from None
    _emit(text, output)


# --------------------------------------------------------------------------- GitHub


def api_url(given: str | None) -> str:
    """The API base URL to use, checked: https, or http only to this machine (the token travels with it)."""
    url = (given or os.environ.get("THREATDECK_GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    if not url.isascii() or not url.isprintable() or any(ch.isspace() for ch in url):
        raise Problem(f"--api-url must be an http(s) URL of printable ASCII without spaces, not {url!r}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number from 0 to 65535
    except ValueError as exc:
        raise Problem(f"--api-url {url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Problem(f"--api-url must be an http(s) URL, not {url!r}")
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        raise Problem("--api-url must use https (plain http only to localhost), because the token is sent with every request")
    return url


def token() -> str:
    """The GitHub token from the environment."""
    for name in TOKEN_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            if not value.isascii() or not value.isprintable():
                raise Problem(f"{name} holds characters that are not printable ASCII; a GitHub token never does")
            return value
    raise Problem("set GITHUB_TOKEN (or THREATDECK_GITHUB_TOKEN) to a token that may create issues in the repository")


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of a URL, the port made explicit; None when it cannot be read."""
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    return scheme, host, port or {"http": 80, "https": 443}.get(scheme)


def _within(url: str, origin: str) -> bool:
    """Whether ``url`` is on the scheme, host and port of ``origin`` (the token may go there)."""
    here = _origin(origin)
    return here is not None and _origin(url) == here and urlsplit(url).path.startswith("/")


class _RedirectRefused(Exception):
    """A redirect away from the API's origin, refused before the token goes with it."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only on the API's own scheme, host and port; any other is refused, so the
    ``Authorization`` header never leaves for another host (nor from https to http)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        if not _within(newurl, self.origin):
            fp.close()
            raise _RedirectRefused(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class GitHub:
    """The two calls a push needs, over ``urllib``; errors become :class:`Problem` with exit code 1."""

    def __init__(self, base: str, secret: str) -> None:
        self.base = base
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base))
        self.secret = secret
        self.opener = urllib.request.build_opener(_SameOriginRedirects(self.origin))

    def request(self, method: str, url: str, body: Mapping[str, Any] | None = None) -> tuple[Any, Mapping[str, str]]:
        """Send one request; the parsed JSON answer and the headers."""
        if not url.startswith(self.origin + "/") or not _within(url, self.origin):
            raise Problem(f"GitHub pointed to {url}, outside {self.origin}; not following it with the token", 1)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.secret}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "threatdeck",
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        path = urlsplit(url).path
        try:
            with self.opener.open(req, timeout=TIMEOUT) as response:
                raw = response.read()
                headers = {k.lower(): v for k, v in response.headers.items()}
        except _RedirectRefused as exc:
            raise Problem(f"GitHub redirected {method} {path} to {exc.url}, outside {self.origin}; "
                          "not following it with the token", 1) from None
        except urllib.error.HTTPError as exc:
            raise Problem(f"GitHub answered {exc.code} to {method} {path}: {_message(exc)}", 1) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise Problem(f"cannot reach {self.origin}: {reason}", 1) from None
        except http.client.HTTPException as exc:
            raise Problem(f"cannot talk to {self.origin}: {type(exc).__name__}: {exc}", 1) from None
        try:
            return (json.loads(raw) if raw else None), headers
        except ValueError:
            raise Problem(f"GitHub's answer to {method} {path} is not JSON", 1) from None

    def issue_bodies(self, repo: str) -> list[str | None]:
        """The bodies of every issue of the repository, open and closed (pull requests included)."""
        from game.exports.github import next_page

        url: str | None = f"{self.base}/repos/{repo}/issues?state=all&per_page=100"
        bodies: list[str | None] = []
        seen: set[str] = set()
        while url is not None:
            if url in seen or len(seen) >= MAX_PAGES:
                raise Problem(f"stopped listing issues after {len(seen)} pages", 1)
            seen.add(url)
            page, headers = self.request("GET", url)
            if not isinstance(page, list):
                raise Problem(f"GitHub's list of issues of {repo} is not a list", 1)
            bodies.extend(item.get("body") if isinstance(item, dict) else None for item in page)
            url = next_page(headers.get("link"))
        return bodies

    def create(self, repo: str, issue: Mapping[str, Any]) -> Any:
        """Create one issue; the created issue as GitHub returns it."""
        created, _ = self.request("POST", f"{self.base}/repos/{repo}/issues", issue)
        return created


def push(result: GameResult, repo: str, base: str, dry_run: bool, output: str | None) -> int:
    """File the threats not yet filed in ``repo``; print one line per issue and a summary."""
    from game.exports.github import issues, to_create

    if not _REPO.match(repo):
        raise Problem(f"--push takes OWNER/REPO, not {repo!r}")
    planned = issues(result)
    if output is not None:
        _emit(json.dumps(planned, indent=2, ensure_ascii=False) + "\n", output)
    hub = GitHub(base, token())
    new = to_create(planned, hub.issue_bodies(repo))
    skipped = len(planned) - len(new)
    for issue in new:
        if dry_run:
            print(f"would create: {issue['title']}")
            continue
        created = hub.create(repo, issue)
        number = created.get("number") if isinstance(created, dict) else None
        link = created.get("html_url") if isinstance(created, dict) else None
        print(f"created #{number}: {issue['title']}" + (f" ({link})" if link else ""))
    verb = "would create" if dry_run else "created"
    print(f"{repo}: {verb} {len(new)} issue{'s' if len(new) != 1 else ''}, "
          f"{skipped} already filed", file=sys.stderr)
    return 0


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        data = {}
    message = data.get("message") if isinstance(data, dict) else None
    return str(message or exc.reason)
