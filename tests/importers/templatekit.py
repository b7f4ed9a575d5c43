"""What the tests of the CloudFormation importer share."""

from __future__ import annotations

from game.architecture import Architecture, Flow


def flows(arch: Architecture) -> dict[tuple[str, str], Flow]:
    """The architecture's flows by (source, target)."""
    return {(f.source, f.target): f for f in arch.flows}
