"""Exporters: pure functions from results to documents other tools read.

Every exporter of a game takes a :class:`~game.result.GameResult` and returns
text; :data:`FORMATS` lists them with their media type and file suffix, so the
REST API, the web client and ``threatdeck export`` offer the same list::

    from game.exports import FORMATS, render
    fmt = FORMATS["jira"]            # ExportFormat(name, title, media_type, suffix, ...)
    body = render("jira", result)    # the file's text

For ``threatdeck scan`` (findings of one or more model files, no game),
:mod:`game.exports.findings` writes JSON and :mod:`game.exports.sarif` SARIF
2.1.0 located in the template; they are not listed here because they do not
start from a game. :mod:`game.exports.native` writes an architecture back as a
native model.

The modules are imported when a format is rendered, not when this package is
imported, so reading one scan document does not load every exporter.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from game.result import GameResult


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _markdown(result: GameResult) -> str:
    from game.exports.markdown import markdown_report

    return markdown_report(result)


def _jira(result: GameResult) -> str:
    from game.exports.spreadsheet import jira_csv

    return jira_csv(result)


def _azure(result: GameResult) -> str:
    from game.exports.spreadsheet import azure_devops_csv

    return azure_devops_csv(result)


def _github(result: GameResult) -> str:
    from game.exports.github import issues

    return _json(issues(result))


def _threat_dragon(result: GameResult) -> str:
    from game.exports.threat_dragon import threat_dragon_model

    return _json(threat_dragon_model(result))


def _threat_composer(result: GameResult) -> str:
    from game.exports.threat_composer import threat_composer_workspace

    return _json(threat_composer_workspace(result))


def _result(result: GameResult) -> str:
    from game.exports.result import result_to_dict

    return _json(result_to_dict(result))


@dataclasses.dataclass(frozen=True)
class ExportFormat:
    """One export of a game result."""

    name: str
    """What ``--format`` and ``?format=`` take."""
    title: str
    """For menus."""
    media_type: str
    """The ``Content-Type`` to serve it with."""
    suffix: str
    """File name ending, e.g. ``.tc.json``."""
    description: str
    """One line on what it is for."""
    render: Callable[[GameResult], str]
    """Result → the file's text (pure)."""

    def filename(self, stem: str) -> str:
        """A download name: ``stem`` with this format's suffix."""
        return stem + self.suffix

    def to_dict(self) -> dict[str, str]:
        """JSON-ready, for a client's format menu."""
        return {"name": self.name, "title": self.title, "media_type": self.media_type, "suffix": self.suffix,
                "description": self.description}


FORMATS: Mapping[str, ExportFormat] = MappingProxyType({
    f.name: f
    for f in (
        ExportFormat("markdown", "Markdown report", "text/markdown; charset=utf-8", ".md",
                     "The prioritised table and one section per threat, for a wiki or a pull request.", _markdown),
        ExportFormat("jira", "Jira CSV", "text/csv; charset=utf-8", ".jira.csv",
                     "One issue per threat for Jira's CSV importer (Summary, Issue Type, Priority, Description, Labels).",
                     _jira),
        ExportFormat("azure-devops", "Azure DevOps CSV", "text/csv; charset=utf-8", ".azure-devops.csv",
                     "One work item per threat for Azure Boards' CSV import (Work Item Type, Title, Priority, "
                     "Description, Tags).", _azure),
        ExportFormat("github", "GitHub issues", "application/json", ".github-issues.json",
                     "The bodies for POST /repos/{owner}/{repo}/issues; threatdeck export --push files them.", _github),
        ExportFormat("threat-dragon", "OWASP Threat Dragon", "application/json", ".threat-dragon.json",
                     "A Threat Dragon v2 model: the diagram with each threat on its element.", _threat_dragon),
        ExportFormat("threat-composer", "AWS Threat Composer", "application/json", ".tc.json",
                     "A Threat Composer workspace: threat statements with STRIDE and priority, mitigations linked.",
                     _threat_composer),
        ExportFormat("json", "threatdeck JSON", "application/json", ".threatdeck.json",
                     "The whole result (architecture, findings, threats, votes, scoreboard); threatdeck reads it back.",
                     _result),
    )
})
"""Every export of a game result, by name, in menu order."""


def export_format(name: str) -> ExportFormat:
    """The format with that name; ``KeyError`` naming the known ones otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise KeyError(f"no export format {name!r}; known: {', '.join(FORMATS)}") from None


def render(name: str, result: GameResult) -> str:
    """The result in the named format."""
    return export_format(name).render(result)
