"""What reading the examples says: nothing about a file beside the models that is none (the shipped
leejames-hr/threats.yaml), a warning about a model that cannot be read."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from server.examples import Examples, examples_dir


def test_the_shipped_examples_read_without_a_word_at_info(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="server.examples"):
        found = Examples(examples_dir()).all()
    assert "leejames-hr/before" in [e.id for e in found]
    assert "leejames-hr/threats" not in [e.id for e in found]
    assert [r.getMessage() for r in caplog.records] == []


def test_a_broken_model_is_a_warning_and_a_file_that_is_no_model_is_not(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "notes.yaml").write_text("threats:\n  - name: one\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("threatdeck: 1\ncomponents: [\n", encoding="utf-8")
    (tmp_path / "unreadable.yaml").write_text("a: [\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="server.examples"):
        assert Examples(tmp_path).all() == []
    said = sorted((r.levelname, r.getMessage().split(":")[0]) for r in caplog.records)
    assert said == [("WARNING", "example broken.yaml skipped"), ("WARNING", "example unreadable.yaml skipped")]
