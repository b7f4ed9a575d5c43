"""A large upload is parsed while the server goes on answering everyone else (gevent and eventlet).

The event loop serves every game of the process from one thread: a file parsed
in that thread held them all for as long as the parse took (seconds for a
CloudFormation template at the upload limit). The server now parses in an OS
thread (server/parse_threads.py). What is shown here is an order, not a time:
a health check sent while the server is parsing a large template is answered
before the template's own answer comes back. Errors and results come back as
they were.

How "while the server is parsing" is made sure of, with raw sockets: the whole
upload is written first; then health checks go one after another, and only one
sent after an earlier one came back counts (by then the server has read the
upload and begun its parse, which needs no more than the bytes it already
had). It counts if its answer is there while the upload's is not: had the loop
been parsing, it would have written the upload's answer before even reading
the health check.
"""

from __future__ import annotations

import json
import select
import socket
from pathlib import Path
from typing import Any

import pytest
from harness import ServerProcess

from game.importers import ModelError, load_architecture
from server.errors import error_dict

LARGE_GAMES = {"THREATDECK_MAX_COMPONENTS": "5000", "THREATDECK_MAX_FLOWS": "20000"}
"""The template has some 2,900 components: a game this large is allowed, so the upload is kept (201)."""


def template(broken: bool = False) -> bytes:
    """A CloudFormation template in JSON of just under the upload limit (1 MiB): functions, tables and buckets;
    ``broken``: its last resource has no type, which the importer finds after cfn-lint has read it all."""
    resources: dict[str, Any] = {}
    for i in range(950):
        resources[f"Fn{i}"] = {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "app.handler", "Role": "arn:aws:iam::123456789012:role/r",
            "Environment": {"Variables": {"TABLE": {"Ref": f"Table{i}"}, "BUCKET": {"Ref": f"Bucket{i}"}}},
            "Code": {"ZipFile": "def handler(event, context): pass"}}}
        resources[f"Table{i}"] = {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}}
        resources[f"Bucket{i}"] = {"Type": "AWS::S3::Bucket",
                                   "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}}
    if broken:
        resources["Broken"] = {"Properties": {}}
    text = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=2).encode()
    assert 900_000 < len(text) <= 1024 * 1024
    return text


def send(server: ServerProcess, method: str, path: str, body: bytes = b"") -> socket.socket:
    """A request written whole on its own connection (closed by the server after its answer)."""
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=120)
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {len(body)}\r\n\r\n")
    conn.sendall(head.encode() + body)
    return conn


def answered(conn: socket.socket) -> bool:
    """Whether the answer to the request on ``conn`` has begun to arrive (without reading it)."""
    return bool(select.select([conn], [], [], 0)[0])


def answer(conn: socket.socket) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of the answer on ``conn``."""
    data = b""
    with conn:
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body)


def health_answered_during_the_parse(server: ServerProcess, upload: socket.socket) -> bool:
    """Health checks one after another until the upload is answered; whether one sent after another came back
    was answered while the upload was not (see the module docstring)."""
    came_back = 0
    while not answered(upload):
        check = send(server, "GET", "/api/health")
        select.select([check, upload], [], [], 120)
        if answered(check):
            if not answered(upload) and came_back:
                answer(check)
                return True
            came_back += 1
        check.close()
    return False


@pytest.mark.parametrize("mode", ["gevent", "eventlet"])
def test_a_large_upload_is_parsed_while_the_server_answers_others_with_the_same_result_and_errors(
        tmp_path: Path, mode: str) -> None:
    server = ServerProcess(tmp_path, async_mode=mode, env=LARGE_GAMES).start()
    try:
        good, bad = template(), template(broken=True)

        upload = send(server, "POST", "/api/architectures?filename=big.json", good)
        assert health_answered_during_the_parse(server, upload)
        status, body = answer(upload)
        arch = load_architecture(good, "big.json")
        assert status == 201, body
        assert (body["name"], body["format"], body["components"], body["flows"], body["boundaries"]) == (
            arch.name, arch.source_format, len(arch.components), len(arch.flows), len(arch.boundaries))

        upload = send(server, "POST", "/api/architectures?filename=big.json", bad)
        assert health_answered_during_the_parse(server, upload)
        status, body = answer(upload)
        with pytest.raises(ModelError) as refused:
            load_architecture(bad, "big.json")
        assert (status, body) == (422, {"error": error_dict(refused.value)})
        assert body["error"]["field"] == "Resources.Broken.Type"

        assert server.unhandled_errors() == []
    finally:
        server.stop()
