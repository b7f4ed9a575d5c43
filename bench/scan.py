"""Benchmark: scanning large architectures and many SAM templates.

Targets (issue: model, deck, rule engine): a generated architecture of 1,000
components and their flows scans in under 1 s; 500 SAM templates scan in under
30 s on one core. Run:  .venv/bin/python bench/scan.py [--quick]
It prints the figures; docs/benchmarks.md records them with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cards import load_deck  # noqa: E402
from game.architecture import Architecture, Component, ComponentType, Flow  # noqa: E402
from game.predicates import Graph  # noqa: E402
from game.rules import scan  # noqa: E402
from game.vocabulary import AttrKind, attributes_of  # noqa: E402

CT = ComponentType


def generated_architecture(n: int, seed: int = 7) -> Architecture:
    """A serverless-shaped system of ``n`` components: actors → APIs → functions → stores, roles shared."""
    rng = random.Random(seed)
    weights = [
        (CT.LAMBDA, 30), (CT.API_GATEWAY, 6), (CT.DYNAMODB, 10), (CT.S3, 8), (CT.SQS, 6), (CT.SNS, 4),
        (CT.EVENTBRIDGE, 3), (CT.STEP_FUNCTIONS, 3), (CT.IAM_ROLE, 12), (CT.LOG_GROUP, 6), (CT.ACTOR, 3),
        (CT.COGNITO, 2), (CT.SECRETS_STORE, 3), (CT.CODE_REPO, 1), (CT.EXTERNAL_SERVICE, 2),
    ]
    types = [t for t, w in weights for _ in range(w)]
    kinds = [rng.choice(types) for _ in range(n)]
    roles = [f"C{i}" for i, t in enumerate(kinds) if t is CT.IAM_ROLE] or ["C0"]
    comps = []
    for i, t in enumerate(kinds):
        attrs: dict[str, object] = {}
        for name, spec in attributes_of(t).items():
            if rng.random() < 0.3:  # most facts unknown, as in a hand-drawn model
                continue
            if spec.kind is AttrKind.BOOL:
                attrs[name] = rng.random() < 0.5
            elif spec.kind is AttrKind.ENUM:
                attrs[name] = rng.choice(spec.values)
            elif spec.kind is AttrKind.INT:
                attrs[name] = rng.randint(max(1, spec.minimum or 1), 900)
            elif spec.kind is AttrKind.REF:
                attrs[name] = rng.choice(roles)
            elif spec.kind is AttrKind.LIST:
                attrs[name] = ("iam:PassRole",) if rng.random() < 0.2 else ()
            else:
                attrs[name] = "x"
        comps.append(Component(f"C{i}", t, f"C{i}", attrs))  # type: ignore[arg-type]
    flows = []
    for i in range(n):
        for _ in range(2):
            j = rng.randrange(n)
            if j != i:
                flows.append(Flow(f"F{len(flows)}", f"C{i}", f"C{j}", is_async=rng.random() < 0.3))
    return Architecture("generated", tuple(comps), tuple(flows))


def bench_generated(n: int, repeats: int) -> list[float]:
    deck = load_deck()
    arch = generated_architecture(n)
    times = []
    findings = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        findings = len(scan(arch, deck, Graph(arch)))
        times.append(time.perf_counter() - t0)
    print(f"generated architecture: {n} components, {len(arch.flows)} flows, {findings} findings")
    return times


def sam_template(i: int) -> str:
    """A realistic SAM template, varied by ``i``."""
    fns = []
    for k in range(8):
        fns.append(f"""  Fn{k}:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler{k}
      CodeUri: src/
      Environment:
        Variables:
          TABLE: !Ref Table
          API_KEY: {'sk-live-' + str(i * 10 + k).zfill(24) if k % 3 == 0 else '"{{resolve:ssm:/app/key}}"'}
      Policies:
        - DynamoDBCrudPolicy:
            TableName: !Ref Table
      Events:
        Api:
          Type: Api
          Properties:
            Path: /item{k}
            Method: {'get' if k % 2 else 'post'}
""")
    return f"""AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Service {i}
Globals:
  Function:
    Runtime: python3.12
    Timeout: {10 + i % 20}
Resources:
{''.join(fns)}  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      PointInTimeRecoverySpecification:
        PointInTimeRecoveryEnabled: {'true' if i % 2 else 'false'}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration:
        Status: Enabled
  Queue:
    Type: AWS::SQS::Queue
"""


def bench_sam(count: int, text: str | None = None) -> float:
    """Time one ``threatdeck scan DIR --format json`` over ``count`` templates
    (generated ones, or copies of ``text``)."""
    from server.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            Path(tmp, f"svc{i:04d}.yaml").write_text(text if text is not None else sam_template(i))
        devnull = open(os.devnull, "w")
        saved = sys.stdout
        sys.stdout = devnull
        try:
            t0 = time.perf_counter()
            code = main(["scan", tmp, "--format", "json"])
            elapsed = time.perf_counter() - t0
        finally:
            sys.stdout = saved
            devnull.close()
    if code != 0:
        raise SystemExit(f"scan of the SAM templates exited {code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    except (AttributeError, OSError):
        pass
    print(f"python {platform.python_version()} on {platform.machine()}, cores used: 1")
    times = bench_generated(1000, 3 if args.quick else 10)
    print(f"scan 1,000 components: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms (target < 1000 ms)")
    n = 50 if args.quick else 500
    elapsed = bench_sam(n)
    print(f"scan {n} SAM templates: {elapsed:.2f} s total, {elapsed / n * 1000:.1f} ms each (target: 500 in < 30 s)")
    big = Path(__file__).resolve().parent.parent / "examples" / "leejames-hr" / "after.sam.yaml"
    elapsed = bench_sam(n, big.read_text())
    print(f"scan {n} copies of {big.name} ({big.stat().st_size:,} bytes): {elapsed:.2f} s total, {elapsed / n * 1000:.1f} ms each")


if __name__ == "__main__":
    main()
