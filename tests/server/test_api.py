"""The REST API: happy paths, every error as JSON with a code, and the OpenAPI document."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from serverkit import HR, make_app, new_game


def error(response: Any) -> dict[str, Any]:
    body = response.json
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}, body
    return body["error"]  # type: ignore[no-any-return]


def test_health_and_the_placeholder_page(client: Any) -> None:
    assert client.get("/api/health").json == {"ok": True, "service": "threatdeck"}
    page = client.get("/")
    assert page.status_code == 200 and b"threatdeck" in page.data
    assert client.get("/play/abcdefabcdef").status_code == 200


@pytest.mark.parametrize("how", ["raw", "multipart", "json"])
def test_an_architecture_can_be_uploaded_three_ways(client: Any, how: str) -> None:
    if how == "raw":
        r = client.post("/api/architectures?filename=hr.yaml", data=HR, content_type="application/yaml")
    elif how == "multipart":
        r = client.post("/api/architectures", data={"file": (io.BytesIO(HR.encode()), "hr.yaml")},
                        content_type="multipart/form-data")
    else:
        r = client.post("/api/architectures", json={"document": HR, "filename": "hr.yaml"})
    assert r.status_code == 201, r.json
    assert r.json["name"] == "LeeJames HR (test copy)" and r.json["format"] == "native"
    assert r.json["components"] == 8 and len(r.json["id"]) == 12


def test_bad_uploads_are_refused_with_a_reason(client: Any, app: Any) -> None:
    e = error(client.post("/api/architectures", data=b"just: text\n", content_type="application/yaml"))
    assert e["code"] == "invalid_model" and "not a threatdeck model" in e["message"]
    assert error(client.post("/api/architectures", data=b"", content_type="text/plain"))["field"] == "file"
    assert error(client.post("/api/architectures", json={"documnt": "x"}))["code"] == "invalid_request"
    r = client.post("/api/architectures", data=b"a" * (app.config["MAX_UPLOAD_BYTES"] + 1), content_type="text/plain")
    assert r.status_code == 413 and error(r)["code"] == "payload_too_large"
    r = client.post("/api/architectures", data=b"a" * (app.config["MAX_CONTENT_LENGTH"] + 10), content_type="text/plain")
    assert r.status_code == 413 and error(r)["code"] == "request_entity_too_large"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefg", "bcdefgh"))
    r = client.post("/api/architectures", data=bomb, content_type="application/yaml")
    assert r.status_code == 422


def test_examples_and_decks_are_listed(client: Any, tmp_path: Any) -> None:
    folder = tmp_path / "examples" / "hr"
    folder.mkdir(parents=True)
    (folder / "before.yaml").write_text(HR)
    (folder / "broken.yaml").write_text("nope: [")
    application = make_app(EXAMPLES_DIR=str(tmp_path / "examples"))
    c = application.test_client()
    listed = c.get("/api/examples").json["examples"]
    assert [e["id"] for e in listed] == ["hr/before"] and "document" not in listed[0]
    one = c.get("/api/examples/hr/before").json
    assert one["document"] == HR and one["components"] == 8
    assert error(c.get("/api/examples/hr/nothing"))["code"] == "not_found"
    r = c.post("/api/games", json={"example": "hr/before", "name": "Kim"})
    assert r.status_code == 201, r.json

    decks = client.get("/api/decks").json["decks"]
    assert decks[0]["name"] == "serverless-stride" and decks[0]["cards"] >= 48
    deck = client.get("/api/decks/serverless-stride").json
    assert len(deck["card_list"]) == deck["cards"] and {"id", "suit", "rank", "question"} <= set(deck["card_list"][0])
    assert error(client.get("/api/decks/nope"))["code"] == "not_found"


def test_creating_joining_and_reading_a_game(client: Any) -> None:
    g = new_game(client, ("Kim", "Doug"))
    created = g["created"]
    assert created["facilitator"]["seat"] == 0 and created["facilitator"]["role"] == "facilitator"
    assert created["facilitator"]["link"].endswith(f"/play/{g['game_id']}#token={g['tokens'][0]}")
    assert created["join_link"].endswith(f"/join/{g['game_id']}")
    public = client.get(f"/api/games/{g['game_id']}").json
    assert public["phase"] == "setup" and [s["name"] for s in public["seats"]] == ["Kim", "Doug"]
    assert public["view"]["hand"] is None and public["free_seats"] == 0
    assert all(t not in json.dumps(public) for t in g["tokens"]), "tokens are never shown again"
    # Full, and names are unique.
    r = client.post(f"/api/games/{g['game_id']}/seats", json={"name": "Sam"})
    assert r.status_code == 409 and error(r)["code"] == "seats_full"
    g2 = new_game(client, ("Kim",), seats=3)
    r = client.post(f"/api/games/{g2['game_id']}/seats", json={"name": "kim"})
    assert r.status_code == 422 and error(r)["code"] == "invalid_setup"


@pytest.mark.parametrize("body,field", [
    ({}, "name"),
    ({"name": "K"}, "architecture"),
    ({"architecture": "x" * 12, "example": "a", "name": "K"}, "architecture"),
    ({"example": "a", "name": ""}, "name"),
    ({"example": "a", "name": "K" * 41}, "name"),
    ({"example": "a", "name": "K", "seats": 9}, "seats"),
    ({"example": "a", "name": "K", "seats": "4"}, None),
    ({"example": "a", "name": "K", "timing": {"turn_seconds": 1}}, "timing.turn_seconds"),
    ({"example": "a", "name": "K", "deck": "../../etc/passwd"}, "deck"),
    ({"example": "a", "name": "K", "admin": True}, "admin"),
    ([1, 2], None),
])
def test_invalid_game_requests_name_the_field(client: Any, body: Any, field: str | None) -> None:
    r = client.post("/api/games", json=body)
    assert 400 <= r.status_code < 500
    e = error(r)
    if field is not None:
        assert e["field"] == field, e


def test_non_json_and_unknown_games_are_4xx(client: Any) -> None:
    assert error(client.post("/api/games", data=b"{nope", content_type="application/json"))["field"] == "body"
    assert error(client.post("/api/games", data=b"[" * 100_000, content_type="application/json"))["field"] == "body"
    assert client.get("/api/games/abcdefabcdef").status_code == 404
    assert client.get("/api/games/../../x").status_code == 404
    assert client.post("/api/games/abcdefabcdef/seats", json={"name": "x"}).status_code == 404
    assert error(client.get("/api/nothing"))["code"] == "not_found"
    assert client.delete("/api/games").status_code == 405


def test_export_in_every_format(client: Any) -> None:
    g = new_game(client, ("Kim", "Doug"))
    url = f"/api/games/{g['game_id']}/export"
    body = client.get(url).json
    assert body["final"] is False and body["threats"] == [] and body["game_id"] == g["game_id"]
    csv_ = client.get(url + "?format=csv")
    assert csv_.mimetype == "text/csv" and csv_.data.startswith(b"rank,threat_id,category")
    assert "attachment" in csv_.headers["Content-Disposition"]
    names = client.get("/api/openapi.json").json["paths"]["/api/games/{game_id}/export"]["get"]["parameters"][1]
    for fmt in names["schema"]["enum"]:
        r = client.get(f"{url}?format={fmt}")
        assert r.status_code == 200 and r.data, fmt
        assert r.headers["Content-Disposition"].startswith('attachment; filename="threatdeck-'), fmt
        assert r.headers["Content-Type"].count("charset") <= 1, r.headers["Content-Type"]
    assert client.get(url + "?format=markdown").data.startswith(b"#")
    assert client.get(url + "?format=jira-csv").data == client.get(url + "?format=jira").data
    assert error(client.get(url + "?format=pdf"))["field"] == "format"


def test_the_audit_trail_is_for_the_facilitator(client: Any) -> None:
    g = new_game(client, ("Kim", "Doug"))
    url = f"/api/games/{g['game_id']}/audit"
    assert client.get(url).status_code == 403
    assert client.get(url, headers={"Authorization": f"Bearer {g['tokens'][1]}"}).status_code == 403
    lines = client.get(url, headers={"Authorization": f"Bearer {g['tokens'][0]}"}).json["audit"]
    assert [a["action"] for a in lines] == ["CreateGame", "JoinSeat"]
    assert lines[1]["actor"] == "seat 1 (Doug)"


def test_rate_limits_answer_429_with_retry_after() -> None:
    application = make_app(RATE_HTTP_BURST=3, RATE_HTTP_PER_SECOND=0.001)
    c = application.test_client()
    codes = [c.get("/api/decks").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = c.get("/api/decks")
    assert error(r)["code"] == "rate_limited" and int(r.headers["Retry-After"]) >= 1
    creating = make_app(RATE_CREATE_BURST=1, RATE_CREATE_PER_MINUTE=0.001).test_client()
    assert creating.post("/api/architectures", data=HR, content_type="application/yaml").status_code == 201
    assert creating.post("/api/architectures", data=HR, content_type="application/yaml").status_code == 429


def test_the_openapi_document_describes_every_api_route(client: Any, app: Any) -> None:
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.") and "Error" in doc["components"]["schemas"]
    routes = {r.rule.replace("<", "{").replace(">", "}").replace("path:", "") for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/")}
    assert routes == set(doc["paths"]), routes ^ set(doc["paths"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert "responses" in op and "summary" in op, (path, method)


def test_an_unexpected_error_is_logged_and_answered_without_a_trace(app: Any, caplog: Any) -> None:
    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    r = app.test_client().get("/api/boom")
    assert r.status_code == 500 and error(r)["code"] == "internal"
    assert b"secret detail" not in r.data and b"Traceback" not in r.data
    assert "secret detail" in caplog.text


def test_a_delta_game_deals_only_cards_touching_what_changed(client: Any) -> None:
    before = client.post("/api/architectures", data=HR, content_type="application/yaml").json["id"]
    changed = HR.replace("{pitr: false, backup_plan: false, stream: false}", "{pitr: true, backup_plan: true, stream: true}")
    after = client.post("/api/architectures", data=changed, content_type="application/yaml").json["id"]
    r = client.post("/api/games", json={"architecture": after, "baseline": before, "name": "Kim"})
    assert r.status_code == 201, r.json
    view = client.get(f"/api/games/{r.json['game_id']}").json["view"]
    assert "PayslipTable" in view["architecture"]["focus"]
    joined = client.post(f"/api/games/{r.json['game_id']}/seats", json={"name": "Doug"})
    assert joined.status_code == 201
    after_join = client.get(f"/api/games/{r.json['game_id']}").json["view"]
    assert after_join["architecture"]["focus"] == view["architecture"]["focus"] and len(after_join["seats"]) == 2
    same = client.post("/api/games", json={"architecture": before, "baseline": before, "name": "Kim"})
    assert same.status_code == 422 and error(same)["code"] == "invalid_setup"
    both = client.post("/api/games", json={"architecture": after, "baseline": before, "baseline_example": "x", "name": "K"})
    assert error(both)["field"] == "baseline"


def test_a_game_can_start_from_an_earlier_sessions_result(client: Any, tmp_path: Any) -> None:
    """The backlog round trip: the JSON export of one session starts the next, its threats re-checked."""
    from pathlib import Path

    import yaml

    from server.cli import main as cli

    examples = Path(__file__).resolve().parents[2] / "examples" / "leejames-hr"
    saved = tmp_path / "first.json"
    assert cli(["play", str(examples / "before.yaml"), "--players", "3", "--seed", "1", "--result", str(saved)]) == 0
    previous = json.loads(saved.read_text(encoding="utf-8"))
    after = client.post("/api/architectures", data=(examples / "after.yaml").read_text(encoding="utf-8"),
                        content_type="application/yaml").json["id"]
    r = client.post("/api/games", json={"architecture": after, "name": "Kim", "previous": previous})
    assert r.status_code == 201, r.json
    game = r.json["game_id"]
    assert client.post(f"/api/games/{game}/seats", json={"name": "Doug"}).status_code == 201  # a join keeps it
    export = client.get(f"/api/games/{game}/export?format=json").json
    earlier = {(t["card"], t["component"]): t["status"] for t in export["earlier"]}
    nine = yaml.safe_load((examples / "threats.yaml").read_text(encoding="utf-8"))
    pairs = {(t["card"], t["component"]) for t in nine["threats"]}
    found = pairs & set(earlier)
    assert found, "the bots of the first session found some of the article's nine threats"
    assert all(earlier[p] == "mitigated" for p in found), {p: earlier[p] for p in found}
    bad = client.post("/api/games", json={"architecture": after, "name": "Kim", "previous": {"threatdeck_result": 99}})
    assert bad.status_code == 400 and error(bad)["field"] == "previous"


def test_text_that_is_not_text_is_refused_before_it_reaches_the_store(client: Any) -> None:
    """A lone surrogate escape (\\ud800) in a JSON body used to pass the standard library's decoder and fail as a
    500 when the server encoded or stored it; bodies are decoded as strictly as everything stored and sent."""
    r = client.post("/api/architectures", data='{"document": "\\ud800"}', content_type="application/json")
    assert r.status_code == 400 and error(r) == {"code": "invalid_request", "field": "body",
                                                 "message": "the body is not valid JSON"}
    up = client.post("/api/architectures", data=HR, content_type="application/yaml").json["id"]
    r = client.post("/api/games", data='{"architecture": "%s", "name": "\\udfff"}' % up, content_type="application/json")
    assert r.status_code == 400 and error(r)["field"] == "body"
    model = ('{"threatdeck": 1, "name": "x", "components": [{"id": "A", "type": "lambda", "name": "\\ud800"}]}')
    r = client.post("/api/architectures", data=model, content_type="text/plain")
    assert r.status_code == 422 and "surrogate" in error(r)["message"]


def test_an_earlier_threat_cannot_break_out_of_the_markdown_table(client: Any) -> None:
    """Earlier threats may name components no longer in the architecture, but only by an id: a component with a
    line break and HTML in it used to end the table row and open a raw HTML block in the Markdown export."""
    up = client.post("/api/architectures", data=HR, content_type="application/yaml").json["id"]
    first = client.post("/api/games", json={"architecture": up, "name": "Kim"}).json["game_id"]
    previous = client.get(f"/api/games/{first}/export?format=json").json
    earlier = {"key": "k1", "category": "Tampering", "suit": "T", "target_kind": "component", "card": None,
               "card_title": None, "text": "old note", "mitigation": "", "found_by": "Kim", "found_in": "",
               "risk": None, "previous_status": "open", "status": "open", "reason": "r", "mitigated_by": None}
    previous["earlier"] = [dict(earlier, component="x\n<script>alert(1)</script>|y")]
    r = client.post("/api/games", json={"architecture": up, "name": "Kim", "previous": previous})
    assert r.status_code == 400 and error(r)["field"] == "previous" and "earlier[0].component" in error(r)["message"]
    previous["earlier"] = [dict(earlier, component="Gone-Bucket")]
    r = client.post("/api/games", json={"architecture": up, "name": "Kim", "previous": previous})
    assert r.status_code == 201, r.json


def test_an_architecture_with_more_data_flows_than_a_game_takes_is_refused() -> None:
    c = make_app(MAX_ARCHITECTURE_FLOWS=3).test_client()
    model = {"threatdeck": 1, "name": "x", "components": [{"id": "A", "type": "lambda"}, {"id": "B", "type": "lambda"}],
             "flows": [{"source": "A", "target": "B"}] * 4}
    r = c.post("/api/architectures", data=json.dumps(model), content_type="text/plain")
    assert r.status_code == 422 and error(r)["message"].endswith("has 4 data flows; a game takes at most 3")
    model["flows"] = model["flows"][:3]
    assert c.post("/api/architectures", data=json.dumps(model), content_type="text/plain").status_code == 201


def test_a_name_of_only_spaces_is_refused_as_the_name(client: Any) -> None:
    up = client.post("/api/architectures", data=HR, content_type="application/yaml").json["id"]
    r = client.post("/api/games", json={"architecture": up, "name": "   "})
    assert r.status_code == 400 and error(r)["field"] == "name" and "only spaces" in error(r)["message"]
    game = client.post("/api/games", json={"architecture": up, "name": "Kim"}).json["game_id"]
    r = client.post(f"/api/games/{game}/seats", json={"name": " \u3000 "})
    assert r.status_code == 400 and error(r)["field"] == "name"


@pytest.mark.parametrize("padding", [0, 200_000])
def test_an_export_too_large_to_upload_back_is_refused_with_what_to_do(padding: int) -> None:
    """A game's Threat Dragon export draws every element and is several times its model: uploaded back, it was
    refused as "the model is larger than 1,048,576 bytes", or past the body limit with Werkzeug's "The data value
    transmitted exceeds the capacity limit", neither saying what to do."""
    played = make_app()
    c = played.test_client()
    game = new_game(c)["game_id"]
    drawn = c.get(f"/api/games/{game}/export?format=threat-dragon").get_data(as_text=True)
    played.extensions["threatdeck"].stop()
    limit = len(drawn) // 2
    application = make_app(MAX_UPLOAD_BYTES=limit)
    r = application.test_client().post("/api/architectures", data=drawn + " " * padding,
                                       content_type="application/octet-stream")
    e = error(r)
    assert r.status_code == 413 and e["code"] == ("payload_too_large" if not padding else "request_entity_too_large")
    assert e["message"].startswith(f"the {'model' if not padding else 'request'} is larger than {limit:,} bytes")
    assert "THREATDECK_MAX_UPLOAD_BYTES" in e["message"] and "upload the model itself" in e["message"]
    assert "threatdeck play, which reads 42,229,760 bytes" in e["message"]
    application.extensions["threatdeck"].stop()


def test_a_game_the_json_export_cannot_hold_is_refused_with_the_reason(client: Any) -> None:
    """A logical id of 160 letters is a CloudFormation id but no native one: the JSON export, which holds the
    architecture in the native format, answered 500 (internal error)."""
    r = client.post("/api/architectures", data=f"Resources:\n  {'Payslips' * 20}:\n    Type: AWS::S3::Bucket\n",
                    content_type="application/yaml")
    game = client.post("/api/games", json={"architecture": r.json["id"], "name": "Kim", "seats": 2}).json["game_id"]
    r = client.get(f"/api/games/{game}/export?format=json")
    e = error(r)
    assert r.status_code == 422 and e["code"] == "not_exportable" and e["field"] == "format"
    assert e["message"].startswith("this game cannot be written as threatdeck JSON: component id 'PayslipsPayslips")
    assert client.get(f"/api/games/{game}/export?format=markdown").status_code == 200


def test_the_limits_are_the_servers_settings(client: Any) -> None:
    assert client.get("/api/limits").json == {"max_upload_bytes": 1024 * 1024, "max_result_bytes": 42_229_760,
                                              "max_threat_text": 500, "max_name": 40, "max_components": 500,
                                              "max_flows": 2000}
    bigger = make_app(MAX_UPLOAD_BYTES=3 * 1024 * 1024, MAX_THREAT_TEXT=800).test_client().get("/api/limits").json
    assert bigger["max_upload_bytes"] == 3 * 1024 * 1024 and bigger["max_threat_text"] == 800


def many_functions(n: int) -> dict[str, Any]:
    """A model of ``n`` badly set up functions with long texts: its JSON export lists hundreds of findings."""
    bad = {"public": True, "policy_any_principal": True, "cross_account": True, "kms": "none", "data_class": "secret",
           "runtime": "python2.7", "env_secrets": True, "code_secrets": True, "validates_input": False,
           "implements_auth": True, "authz_from_token": False, "logs_payload": True, "verbose_errors": True,
           "on_failure": False, "tracing": False, "function_url": True, "function_url_auth": "none",
           "source_arn_condition": False, "code_signing": False, "cross_account_layers": True,
           "runtime_deprecated": True}
    return {"threatdeck": 1, "name": "Many functions", "description": "d" * 2000,
            "components": [{"id": f"Fn{i:03d}", "type": "lambda", "name": f"Function {i} " + "N" * 180,
                            "description": "d" * 2000, "attributes": bad} for i in range(n)],
            "flows": [{"source": f"Fn{i:03d}", "target": f"Fn{(i + 1) % n:03d}", "label": "L" * 200,
                       "data_class": "pii"} for i in range(n)]}


def test_the_json_export_of_a_large_game_starts_the_next_session() -> None:
    """At about 120 components a game's JSON export passed 1 MiB, the upload limit, and the lobby's Earlier
    session could no longer take it: the earlier result's limit follows the game size settings, as the command
    line's does."""
    from game.importers import max_file_bytes

    application = make_app()
    c = application.test_client()
    model = json.dumps(many_functions(150))
    assert len(model) < application.config["MAX_UPLOAD_BYTES"]
    up = c.post("/api/architectures", data=model, content_type="text/plain").json["id"]
    first = c.post("/api/games", json={"architecture": up, "name": "Kim", "seats": 2}).json["game_id"]
    previous = c.get(f"/api/games/{first}/export?format=json").get_data()
    assert len(previous) > application.config["MAX_UPLOAD_BYTES"] + 64 * 1024  # past the body limit too
    body = b'{"architecture": "%s", "name": "Kim", "previous": %s}' % (up.encode(), previous)
    r = c.post("/api/games", data=body, content_type="application/json")
    assert r.status_code == 201, r.json
    earlier = c.get(f"/api/games/{r.json['game_id']}/export?format=json").json["earlier"]
    assert earlier == [] or all(t["status"] in ("open", "still-open") for t in earlier)
    limit = max_file_bytes(500, 2000)
    assert c.get("/api/limits").json["max_result_bytes"] == limit
    # Still bounded: past the earlier result's limit (and room for the rest of the body) the request is refused.
    r = c.post("/api/games", data=b'{"name": "Kim", "previous": {"x": "%s"}}' % (b"p" * (limit + 64 * 1024)),
               content_type="application/json")
    e = error(r)
    assert r.status_code == 413 and f"the earlier session's result is larger than {limit:,} bytes" in e["message"]
    # Nor may it be a body of tiny values, which take some 30 times their size once parsed.
    r = c.post("/api/games", data=b'{"name": "Kim", "previous": {"x": [%s[]]}}' % (b"[]," * 2_000_000),
               content_type="application/json")
    assert r.status_code == 413 and "more than 1,319,680 values" in error(r)["message"]
    # An architecture upload keeps its own limit.
    r = c.post("/api/architectures", data=b"a" * (application.config["MAX_UPLOAD_BYTES"] + 1), content_type="text/plain")
    assert r.status_code == 413
    application.extensions["threatdeck"].stop()
    smaller = make_app(MAX_ARCHITECTURE_COMPONENTS=150, MAX_ARCHITECTURE_FLOWS=150)
    assert smaller.test_client().get("/api/limits").json["max_result_bytes"] == max_file_bytes(150, 150)
    smaller.extensions["threatdeck"].stop()


@pytest.mark.parametrize("name", ["\u202emiK", "Kim\u2066 (facilitator)\u2069", "Ki\u200fm", "Kim\u061c"])
def test_a_name_cannot_reorder_how_it_is_shown(client: Any, name: str) -> None:
    """U+202E and its kin made one player's name show as another's ("\\u202emiK" reads "Kim") in the feed, the
    audit trail and the exports: a player could pass for the facilitator."""
    up = client.post("/api/architectures", data=HR, content_type="application/yaml").json["id"]
    r = client.post("/api/games", json={"architecture": up, "name": name})
    assert r.status_code == 400 and error(r)["field"] == "name" and "direction" in error(r)["message"]
    game = client.post("/api/games", json={"architecture": up, "name": "Kim"}).json["game_id"]
    r = client.post(f"/api/games/{game}/seats", json={"name": name})
    assert r.status_code == 400 and error(r)["field"] == "name"
    # Right-to-left names themselves are names.
    assert client.post(f"/api/games/{game}/seats", json={"name": "\u05d3\u05e0\u05d4"}).status_code == 201
