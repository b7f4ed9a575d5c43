"""An upload keeps its file name: the architecture of a game played on it names its source locations after it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from serverkit import HR

from game.architecture import Architecture, SourceLocation


def locations(arch: Architecture) -> list[SourceLocation | None]:
    return [c.location for c in arch.components] + [f.location for f in arch.flows]


def played_on(app: Any, game_id: str) -> Architecture:
    architecture: Architecture = app.extensions["threatdeck"].games.live(game_id).state.board.architecture
    return architecture


def test_a_game_names_its_locations_after_the_uploaded_file(app: Any, client: Any) -> None:
    # They named "upload <id>", a name the person who uploaded hr.yaml never saw.
    up = client.post("/api/architectures?filename=hr.yaml", data=HR, content_type="application/yaml").json["id"]
    game = client.post("/api/games", json={"architecture": up, "name": "Kim"}).json["game_id"]
    found = locations(played_on(app, game))
    assert found and all(loc is not None and loc.file == "hr.yaml" for loc in found), found[:3]
    assert found[0] == SourceLocation(file="hr.yaml", line=8, path="components[0]")


@pytest.mark.parametrize("how", ["query", "multipart"])
def test_a_file_name_with_control_characters_is_refused_as_in_a_json_body(client: Any, how: str) -> None:
    """The name is stored with the upload and in the board of its games: PostgreSQL stores no NUL."""
    if how == "query":
        r = client.post("/api/architectures?filename=hr%00.yaml", data=HR, content_type="application/yaml")
    else:
        r = client.post("/api/architectures", data={"file": (io.BytesIO(HR.encode()), "hr\x00.yaml")},
                        content_type="multipart/form-data")
    assert r.status_code == 400, r.json
    assert r.json["error"]["code"] == "invalid_request" and r.json["error"]["field"] == "filename"
