"""Benchmark: memory taken by importing a JSON file at the server's upload limit (tracemalloc peaks).

Three files of just under 1 MiB (THREATDECK_MAX_UPLOAD_BYTES' default): threatdeck's Threat Dragon export of a
generated architecture (bench/scan.py's), a native model of the same in JSON, and a CloudFormation JSON template
of functions, roles and tables. For each, the peak traced while ``load_architecture`` reads it, and for the
template the peaks of its two parsers alone (the standard library's, which counts the nodes first, and
cfn-lint's, which keeps a line for every node). tracemalloc slows Python several times: the times printed are
untraced, best of 3. Run:

    .venv/bin/python bench/import_memory.py [--bytes N]

docs/benchmarks.md records the figures with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cfnlint.decode import cfn_json  # noqa: E402
from scan import generated_architecture  # noqa: E402

from game.exports.native import native_document, portable  # noqa: E402
from game.exports.threat_dragon import threat_dragon_model  # noqa: E402
from game.importers import load_architecture  # noqa: E402
from game.importers.documents import load_json  # noqa: E402
from game.result import GameResult, SettingsSummary  # noqa: E402


def largest_under(limit: int, make: Callable[[int], str]) -> str:
    """``make(n)`` for the largest ``n`` (by 10 % steps) whose text stays under ``limit`` bytes."""
    n, best = 20, make(20)
    while True:
        n = int(n * 1.1) + 1
        text = make(n)
        if len(text.encode()) > limit:
            return best
        best = text


def threat_dragon(n: int) -> str:
    arch = portable(generated_architecture(n))
    settings = SettingsSummary(seats=("Kim",), bots=(), facilitator="Kim", start_suit="Tampering", play_seconds=None,
                               rating_seconds=None, turn_seconds=None, vote_seconds=None, cards_in_play=0, delta=False)
    result = GameResult(architecture=arch, deck="serverless-stride", deck_title="Serverless STRIDE", threats=(),
                        scoreboard=(), findings=(), settings=settings, scope="bench")
    return json.dumps(threat_dragon_model(result), indent=2)


def native(n: int) -> str:
    return json.dumps(native_document(portable(generated_architecture(n))), indent=2)


def cloudformation(n: int) -> str:
    resources: dict[str, Any] = {}
    for i in range(n):
        resources[f"Fn{i}"] = {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "app.handler", "Role": {"Fn::GetAtt": [f"Role{i}", "Arn"]},
            "Environment": {"Variables": {"TABLE": {"Ref": f"Table{i}"}}}, "Code": {"ZipFile": "def handler(e, c): pass"},
            "TracingConfig": {"Mode": "Active"}}}
        resources[f"Role{i}"] = {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{
                "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                "Resource": {"Fn::GetAtt": [f"Table{i}", "Arn"]}}]}}]}}
        resources[f"Table{i}"] = {"Type": "AWS::DynamoDB::Table", "Properties": {
            "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}}
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}, indent=2)


def peak(run: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def seconds(run: Callable[[], Any]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bytes", type=int, default=1024 * 1024, help="largest file (default 1 MiB)")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'file':<34} {'bytes':>11} {'peak':>14} {'x size':>7} {'time':>8}")
    for name, make in (("Threat Dragon export", threat_dragon), ("native model (JSON)", native),
                       ("CloudFormation template (JSON)", cloudformation)):
        data = largest_under(args.bytes, make).encode()
        size = len(data)
        runs: list[tuple[str, Callable[[], Any]]] = [(name, lambda: load_architecture(data, "bench.json"))]
        if make is cloudformation:
            text = data.decode()
            runs += [("  standard parser (counts nodes)", lambda: load_json(text, "bench.json")),
                     ("  cfn-lint's parser (lines)", lambda: cfn_json.loads(text))]
        for label, run in runs:
            taken = peak(run)
            print(f"{label:<34} {size:>11,} {taken:>14,} {taken / size:>7.1f} {seconds(run):>7.2f}s")


if __name__ == "__main__":
    main()
