"""Lint: the client never turns strings into HTML (player and model text is always set as text)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "web" / "src"
SINKS = re.compile(
    r"\.(innerHTML|outerHTML)\s*[+]?=|insertAdjacentHTML\s*\(|document\.write(ln)?\s*\(|createContextualFragment\s*\(|"
    r"DOMParser\b|\bsrcdoc\b|new\s+Function\s*\(|\beval\s*\(|setAttribute\(\s*[\"']on\w+",
)


def test_the_web_client_has_no_html_sinks() -> None:
    files = sorted(p for p in SRC.rglob("*") if p.suffix in (".js", ".mjs", ".ts"))
    assert files, "no client sources found"
    found = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//", 1)[0]
            if SINKS.search(code):
                found.append(f"{path.relative_to(SRC.parent)}:{n}: {line.strip()}")
    assert found == [], "build DOM with textContent (web/src/dom.js h()), not HTML strings:\n" + "\n".join(found)


def test_the_lint_catches_what_it_should() -> None:
    for bad in ('el.innerHTML = text', 'el.outerHTML += "<b>"', 'el.insertAdjacentHTML("beforeend", s)',
                "document.write(x)", "new DOMParser()", 'iframe.srcdoc = s', 'el.setAttribute("onclick", s)'):
        assert SINKS.search(bad), bad
    for fine in ("el.textContent = text", 'h("p", null, text)', "el.replaceChildren(node)"):
        assert not SINKS.search(fine), fine
