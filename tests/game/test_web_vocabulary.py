"""web/src/vocabulary.json, which the browser reads to say "is not known" in words, is the vocabulary's current docs."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_web_clients_copy_of_the_vocabulary_is_current() -> None:
    loader = importlib.machinery.SourceFileLoader("web_vocabulary", str(ROOT / "scripts" / "web-vocabulary"))
    spec = importlib.util.spec_from_loader("web_vocabulary", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    written = json.loads((ROOT / "web" / "src" / "vocabulary.json").read_text(encoding="utf-8"))
    assert written == module.web_vocabulary(), "run scripts/web-vocabulary"
    assert written["components"]["lambda"]["validates_input"]["bool"] is True
