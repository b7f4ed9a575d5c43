"""How a threat's risk (mean likelihood × mean impact, 1 to 25) maps to each tool's priority scale.

One banding for every export, so a threat is "High" everywhere it goes:

========== ========= ======= ===================== ====================
risk       level     Jira    Azure DevOps Priority  Threat Dragon severity
========== ========= ======= ===================== ====================
20 – 25    High      Highest 1                      High
12 – 19.99 High      High    1                      High
6 – 11.99  Medium    Medium  2                      Medium
3 – 5.99   Low       Low     3                      Low
1 – 2.99   Low       Lowest  4                      Low
not rated  Medium    Medium  2                      Medium
========== ========= ======= ===================== ====================

A threat nobody rated is treated as Medium: it was accepted, so it matters,
but the team has not said how much.

>>> level(16.0), jira_priority(16.0), azure_priority(16.0)
('High', 'High', 1)
>>> level(None), jira_priority(None), azure_priority(None)
('Medium', 'Medium', 2)
"""

from __future__ import annotations

HIGH = 12.0
"""Lowest risk that is High."""
MEDIUM = 6.0
"""Lowest risk that is Medium."""


def level(risk: float | None) -> str:
    """``High``, ``Medium`` or ``Low`` (Threat Dragon's severities, Threat Composer's priorities)."""
    if risk is None:
        return "Medium"
    if risk >= HIGH:
        return "High"
    return "Medium" if risk >= MEDIUM else "Low"


def jira_priority(risk: float | None) -> str:
    """One of Jira's default priorities: Highest, High, Medium, Low, Lowest."""
    if risk is None:
        return "Medium"
    if risk >= 20.0:
        return "Highest"
    if risk >= HIGH:
        return "High"
    if risk >= MEDIUM:
        return "Medium"
    return "Low" if risk >= 3.0 else "Lowest"


def azure_priority(risk: float | None) -> int:
    """Azure DevOps' Priority field: 1 (must fix) to 4 (unimportant)."""
    if risk is None:
        return 2
    if risk >= HIGH:
        return 1
    if risk >= MEDIUM:
        return 2
    return 3 if risk >= 3.0 else 4
