"""GitHub issues: the request bodies, and ``threatdeck export --push`` against a local recording server."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from exportkit import FakeGitHub, bot_result, deck, example, fake_github, hand_result, nine

from game.backlog import carry_over
from game.exports.github import filed_keys, issues, key_of_issue, marker, next_page, to_create
from game.exports.result import result_to_dict
from game.result import GameResult
from server.cli import main


def save(result: GameResult, tmp_path: Path) -> str:
    path = tmp_path / "result.threatdeck.json"
    path.write_text(json.dumps(result_to_dict(result)), encoding="utf-8")
    return str(path)


def push(capsys: pytest.CaptureFixture[str], path: str, hub: FakeGitHub, *extra: str) -> tuple[int, str, str]:
    code = main(["export", path, "--format", "github", "--push", "o/r", "--api-url", hub.base, *extra])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THREATDECK_GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", FakeGitHub.TOKEN)


def test_bodies_have_title_body_labels_and_one_marker() -> None:
    result = bot_result("before.yaml")
    planned = issues(result)
    assert len(planned) == len(result.threats)
    keys = [key_of_issue(i) for i in planned]
    assert keys == [result.key_of(t) for t in result.threats]
    assert len(set(keys)) == len(keys)
    for issue, t in zip(planned, result.threats):
        assert set(issue) == {"title", "body", "labels"}
        assert 0 < len(issue["title"]) <= 256 and issue["title"].startswith(f"[{t.category}]")
        assert issue["labels"][0] == "threatdeck" and all(len(label) <= 50 for label in issue["labels"])
        assert issue["body"].count("<!-- threatdeck:threat:") == 1
        assert f"threatdeck id: `{result.key_of(t)}`" in issue["body"]
        assert "### Mitigation" in issue["body"] and "### Votes" in issue["body"]
    json.dumps(planned)  # JSON-ready


def test_markers_survive_odd_ids() -> None:
    for key in ("a1:S1:AuthFunction", "a1:T9:flow:Api->Fn#2", "a1:note-0f3a:web app"):
        assert filed_keys([f"text\n{marker(key)}\n"]) == {key}
        assert "-->" not in marker(key)[4:-3]


def test_earlier_threats_open_ones_are_filed_mitigated_ones_not() -> None:
    first = hand_result(example("before.yaml"), nine() + [("T7", "PayslipsFunction")])
    backlog = carry_over(first, example("after.yaml"), deck())
    second = dataclasses.replace(hand_result(example("after.yaml"), []), carried=backlog.threats, scope=backlog.scope)
    planned = issues(second)
    assert [key_of_issue(i) for i in planned] == [f"{first.scope}:T7:PayslipsFunction"]  # still open; the nine mitigated
    assert "still still-open" not in planned[0]["body"]


def test_to_create_skips_what_is_filed() -> None:
    planned = issues(bot_result("after.yaml"))
    existing = ["unrelated", None, planned[1]["body"], "see " + marker(key_of_issue(planned[3]))]
    new = to_create(planned, existing)
    assert [key_of_issue(i) for i in new] == [key_of_issue(i) for k, i in enumerate(planned) if k not in (1, 3)]


def test_next_page() -> None:
    assert next_page(None) is None
    assert next_page('<https://x.example/r?page=9>; rel="last"') is None
    assert next_page('<https://x.example/r?page=2>; rel="next", <https://x.example/r?page=9>; rel="last"') == "https://x.example/r?page=2"


def test_push_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str], token: None) -> None:
    result = bot_result("before.yaml")
    path = save(result, tmp_path)
    with fake_github() as hub:
        for n in range(250):  # three pages of other issues, so the listing has to follow the Link headers
            hub.add(f"Unrelated {n}", "nothing to see" if n % 7 else None)
        code, out, err = push(capsys, path, hub)
        assert code == 0, err
        assert len(hub.posts()) == len(result.threats)
        assert f"created {len(result.threats)} issues, 0 already filed" in err
        assert out.count("created #") == len(result.threats)
        first_gets = len(hub.gets())
        assert first_gets == 3  # 250 issues, 100 a page
        assert all(r.query["state"] == ["all"] for r in hub.gets())
        assert all(r.headers["authorization"] == f"Bearer {FakeGitHub.TOKEN}" for r in hub.requests)
        assert all(r.headers["accept"] == "application/vnd.github+json" for r in hub.requests)
        posted = [r.body for r in hub.posts()]
        assert posted == issues(result)

        code, out, err = push(capsys, path, hub)  # the second push files nothing
        assert code == 0, err
        assert len(hub.posts()) == len(result.threats)
        assert "created 0 issues" in err and f"{len(result.threats)} already filed" in err
        assert len(hub.gets()) > first_gets


def test_push_files_only_the_missing_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str], token: None) -> None:
    result = bot_result("after.yaml")
    planned = issues(result)
    with fake_github() as hub:
        for n in range(120):
            hub.add(f"Other {n}", "x")
        hub.add(planned[0]["title"], planned[0]["body"])  # on page 2
        hub.add("Copied by hand", "notes\n" + marker(key_of_issue(planned[2])))
        code, _, err = push(capsys, save(result, tmp_path), hub)
        assert code == 0, err
        assert [r.body["title"] for r in hub.posts()] == [i["title"] for k, i in enumerate(planned) if k not in (0, 2)]


def test_dry_run_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], token: None) -> None:
    result = bot_result("after.yaml")
    with fake_github() as hub:
        code, out, err = push(capsys, save(result, tmp_path), hub, "--dry-run")
        assert code == 0, err
        assert hub.posts() == []
        assert out.count("would create:") == len(result.threats)


def test_bad_credentials_exit_1_on_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    monkeypatch.delenv("THREATDECK_GITHUB_TOKEN", raising=False)
    with fake_github() as hub:
        code, _, err = push(capsys, save(bot_result("after.yaml"), tmp_path), hub)
    assert code == 1
    assert err.strip() == "threatdeck export: GitHub answered 401 to GET /repos/o/r/issues: Bad credentials"


def test_refused_post_stops_and_a_rerun_continues(tmp_path: Path, capsys: pytest.CaptureFixture[str], token: None) -> None:
    result = bot_result("after.yaml")
    path = save(result, tmp_path)
    with fake_github() as hub:
        hub.fail_posts_with = 403
        code, _, err = push(capsys, path, hub)
        assert code == 1 and "secondary rate limit" in err and "Traceback" not in err
        hub.fail_posts_with = None
        code, _, err = push(capsys, path, hub)
        assert code == 0 and len(hub.issues) == len(result.threats)


def test_link_to_another_host_is_not_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str], token: None) -> None:
    with fake_github() as hub:
        for n in range(150):
            hub.add(f"Other {n}", "x")
        hub.foreign_next = True
        code, _, err = push(capsys, save(bot_result("after.yaml"), tmp_path), hub)
        assert code == 1 and "not following it with the token" in err
        assert hub.posts() == []


def test_redirect_to_another_origin_is_refused_and_the_token_stays(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   token: None) -> None:
    with fake_github() as hub, fake_github() as elsewhere:  # two ports of 127.0.0.1: two origins
        hub.redirect_to = elsewhere.base
        code, _, err = push(capsys, save(bot_result("after.yaml"), tmp_path), hub)
        assert [r.method for r in hub.requests] == ["GET"]
        assert elsewhere.requests == []  # the token never reached the other server
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"redirected GET /repos/o/r/issues to {elsewhere.base}/" in err and "not following it with the token" in err


def test_redirect_within_the_origin_is_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str], token: None) -> None:
    with fake_github() as hub:
        hub.redirect_to = hub.base + "/moved"  # answered 404 by the fake: followed, with the token
        code, _, err = push(capsys, save(bot_result("after.yaml"), tmp_path), hub)
        assert [r.path for r in hub.requests] == ["/repos/o/r/issues", "/moved/repos/o/r/issues"]
        assert hub.requests[1].headers["authorization"] == f"Bearer {FakeGitHub.TOKEN}"
    assert code == 1 and "GitHub answered 404" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "github", "--push", "not-a-repo"], "--push takes OWNER/REPO"),
        (["--format", "markdown", "--push", "o/r"], "use it with --format github"),
        (["--format", "github", "--push", "o/r", "--api-url", "http://github.example"], "must use https"),
        (["--format", "github", "--push", "o/r", "--api-url", "ftp://127.0.0.1"], "http(s) URL"),
        (["--format", "markdown", "--dry-run"], "--dry-run goes with --push"),
        (["--format", "github", "--push", "o/r", "--api-url", "https://[::1"], "is not a URL"),
        (["--format", "github", "--push", "o/r", "--api-url", "https://x:abc"], "is not a URL"),
        (["--format", "github", "--push", "o/r", "--api-url", "https://x:99999"], "is not a URL"),
        (["--format", "github", "--push", "o/r", "--api-url", "https://git hub.example"], "printable ASCII"),
    ],
)
def test_bad_push_options_exit_2(args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 token: None) -> None:
    code = main(["export", save(bot_result("after.yaml"), tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_missing_token_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("THREATDECK_GITHUB_TOKEN", raising=False)
    with fake_github() as hub:
        code, _, err = push(capsys, save(bot_result("after.yaml"), tmp_path), hub)
        assert hub.requests == []
    assert code == 2 and "GITHUB_TOKEN" in err


@pytest.mark.parametrize("secret", ["tøken", "tok\x01en", "tok\u2028en"])
def test_token_not_printable_ascii_exit_2(secret: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", secret)
    monkeypatch.delenv("THREATDECK_GITHUB_TOKEN", raising=False)
    with fake_github() as hub:
        code, _, err = push(capsys, save(bot_result("after.yaml"), tmp_path), hub)
        assert hub.requests == []
    assert code == 2 and "GITHUB_TOKEN" in err and "printable ASCII" in err and len(err.strip().splitlines()) == 1
    assert secret not in err


def test_threatdeck_token_wins(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    monkeypatch.setenv("THREATDECK_GITHUB_TOKEN", FakeGitHub.TOKEN)
    with fake_github() as hub:
        code, _, err = push(capsys, save(bot_result("after.yaml"), tmp_path), hub, "--dry-run")
    assert code == 0, err


def test_api_url_from_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str], token: None,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with fake_github() as hub:
        monkeypatch.setenv("THREATDECK_GITHUB_API_URL", hub.base)
        code = main(["export", save(bot_result("after.yaml"), tmp_path), "--format", "github", "--push", "o/r", "--dry-run"])
        assert code == 0 and hub.gets()


def test_a_threat_text_mentions_nobody_and_references_no_issue() -> None:
    """Filing the issues must not notify someone a player named (``@``) or link to other issues (``#``)."""
    from exportkit import with_texts

    from game.exports.github import WORD_JOINER

    result = with_texts(bot_result("before.yaml"), "Ask @octocat and @acme/security about #12 and acme/app#3.",
                        found_by="@mallory")
    for issue in issues(result):
        body = issue["body"]
        for ping in ("@octocat", "@acme/security", "#12", "app#3", "@mallory"):
            assert ping not in body, (ping, body)
        assert f"@{WORD_JOINER}octocat" in body and f"#{WORD_JOINER}12" in body
        assert "threatdeck:threat:" in body  # the marker is the module's own, untouched
    # An e-mail address is no mention: left as it is.
    mail = with_texts(bot_result("before.yaml"), "Send it to ops@example.com")
    assert "ops@example.com" in issues(mail)[0]["body"]
