"""Amazon CloudFront distributions: the origins they reach and the protocols on either side.

A distribution stays a ``generic`` component (no card is about a CDN as such).
What matters is the hop from it to each origin the template defines, drawn as a
flow, and what its cache behaviours say about the protocol of each hop: viewers
follow ``ViewerProtocolPolicy``, origins their protocol policy. The protocols
are kept on the draft (:class:`Distribution`) for
:mod:`game.importers.cloudformation_transit`, which decides ``encrypted`` once
every flow, the metadata's included, is drawn.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final

from game.architecture import ComponentType
from game.importers import cloudformation_services as services
from game.importers.cloudformation_defaults import TRANSIT
from game.importers.cloudformation_model import Draft
from game.importers.cloudformation_template import Resource

CT = ComponentType

DISTRIBUTION: Final = "AWS::CloudFront::Distribution"
FUNCTION_URL: Final = "AWS::Lambda::Url"

SECURE_VIEWER: Final = frozenset({"https-only", "redirect-to-https"})
"""Viewer protocol policies under which no request is served over plain HTTP."""
VIEWER_POLICIES: Final = SECURE_VIEWER | {"allow-all"}
_ORIGIN_FACTS: Final = {"http-only": "origin_http", "https-only": "origin_https", "match-viewer": "origin_match_viewer"}
ORIGIN_POLICIES: Final = frozenset(_ORIGIN_FACTS)

MAX_BEHAVIOURS: Final = 1_000
"""Most cache behaviours and origins read per distribution (CloudFront's own quotas are far lower)."""


@dataclasses.dataclass(frozen=True)
class Behaviour:
    """A cache behaviour: the protocol viewers may use for the requests it matches."""

    origin: str | None
    """Its ``TargetOriginId`` (an origin or an origin group), when known."""
    policy: str | None
    """Its ``ViewerProtocolPolicy``, when known and valid."""
    where: str
    """Path of the policy in the template."""


@dataclasses.dataclass(frozen=True)
class Origin:
    """An origin the template can name: the component behind it and the protocol CloudFront uses to it."""

    id: str
    """The origin's ``Id``."""
    target: str
    """The component it reaches."""
    policy: str | None
    """``http-only``, ``https-only`` or ``match-viewer``; None when the template does not say."""
    why: str
    """Where the policy comes from (a path, or the S3-origin fact)."""


@dataclasses.dataclass
class Distribution:
    """What the transit decision needs from a distribution."""

    behaviours: list[Behaviour] = dataclasses.field(default_factory=list)
    """The default cache behaviour first, then the others."""
    origins: list[Origin] = dataclasses.field(default_factory=list)
    """Origins that reach a component of the template."""
    groups: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    """Origin group id → its members' origin ids."""
    readable: bool = True
    """False when the behaviours cannot be listed (an unresolvable ``CacheBehaviors``): nothing is decided."""
    where: str = ""
    """Path of its ``DistributionConfig``."""


def notes(draft: Draft) -> Distribution | None:
    """The distribution notes of a draft, if it is a distribution."""
    found = draft.facts.get("cloudfront")
    return found if isinstance(found, Distribution) else None


def read_distribution(ctx: services.Context, res: Resource, draft: Draft) -> None:
    """``AWS::CloudFront::Distribution``: its cache behaviours, and a flow to each origin of the template."""
    t = ctx.template
    config = t.mapping(res.properties.get("DistributionConfig")) or {}
    base = f"Resources.{res.id}.Properties.DistributionConfig"
    found = Distribution(where=base)
    draft.facts["cloudfront"] = found
    default = t.mapping(config.get("DefaultCacheBehavior"))
    if default is None:
        found.readable = False
    else:
        found.behaviours.append(_behaviour(ctx, default, f"{base}.DefaultCacheBehavior"))
    others = config.get("CacheBehaviors")
    items = t.items(others)
    if (others is not None and not items and t.value(others) != []) or len(items) > MAX_BEHAVIOURS:
        found.readable = False  # an !If or import we cannot list: some behaviour may differ
    for i, item in enumerate(items[:MAX_BEHAVIOURS]):
        behaviour = t.mapping(item)
        if behaviour is None:
            found.readable = False
            continue
        found.behaviours.append(_behaviour(ctx, behaviour, f"{base}.CacheBehaviors[{i}]"))
    groups = t.mapping(config.get("OriginGroups")) or {}
    for group in t.items(groups.get("Items"))[:MAX_BEHAVIOURS]:
        group = t.mapping(group) or {}
        gid = t.text(group.get("Id"))
        members = t.mapping(group.get("Members")) or {}
        if gid:
            found.groups[gid] = [m for m in (t.text((t.mapping(x) or {}).get("OriginId")) for x in t.items(members.get("Items"))) if m]
    for i, item in enumerate(t.items(config.get("Origins"))[:MAX_BEHAVIOURS]):
        origin = t.mapping(item)
        if origin is None:
            continue
        target = _origin_target(ctx, origin.get("DomainName"))
        if target is None or target.id == draft.id:
            continue
        oid = t.text(origin.get("Id")) or f"#{i}"
        where = f"{base}.Origins[{i}]"
        policy, why = _origin_policy(ctx, origin, where)
        found.origins.append(Origin(oid, target.id, policy, why))
        kind = "read" if target.type is CT.S3 else "invoke"
        ctx.flow_from(draft.id, target.id, f"origin {oid}"[:200], kind, False, res, f"Properties.DistributionConfig.Origins[{i}]")


def _behaviour(ctx: services.Context, behaviour: Mapping[str, Any], where: str) -> Behaviour:
    t = ctx.template
    policy = t.text(behaviour.get("ViewerProtocolPolicy"))
    return Behaviour(t.text(behaviour.get("TargetOriginId")), policy if policy in VIEWER_POLICIES else None, f"{where}.ViewerProtocolPolicy")


def _origin_target(ctx: services.Context, domain: Any) -> Draft | None:
    """The one component an origin's ``DomainName`` names: a bucket, an API, a function through its URL."""
    t = ctx.template
    found: list[Draft] = []
    for rid in t.targets(domain):
        draft = ctx.builder.get(rid)
        if t.type_of(rid) == FUNCTION_URL:
            url = t.resources.get(rid)
            # SAM's generated <Function>Url has no resource of its own
            draft = ctx.draft(url.properties.get("TargetFunctionArn"), *services.FUNCTION_TYPES) if url else ctx.builder.get(rid[: -len("Url")])
        if draft is not None and draft.type is not CT.IAM_ROLE and draft not in found:
            found.append(draft)
    return found[0] if len(found) == 1 else None


def _origin_policy(ctx: services.Context, origin: Mapping[str, Any], where: str) -> tuple[str | None, str]:
    t = ctx.template
    custom = t.mapping(origin.get("CustomOriginConfig"))
    if custom is not None:
        policy = t.text(custom.get("OriginProtocolPolicy"))
        if policy not in ORIGIN_POLICIES:
            return None, ""
        fact = TRANSIT[_ORIGIN_FACTS[policy]]
        return policy, f"{where}.CustomOriginConfig.OriginProtocolPolicy is {policy} ({fact.provenance})"
    if origin.get("S3OriginConfig") is not None:
        return "match-viewer", f"{where} is an S3 origin ({TRANSIT['s3_origin'].provenance})"
    return None, ""


def viewer_protocol(distribution: Distribution, origins: set[str] | None = None) -> tuple[bool | None, str]:
    """Whether every request the behaviours serve (those of ``origins`` only, if given) arrives encrypted.

    A flow is one arrow whatever path it requests, so the behaviours must agree:
    all secure is true, all ``allow-all`` false, a mix unknown.
    """
    if not distribution.readable:
        return None, ""
    chosen = [b for b in distribution.behaviours if origins is None or _reaches(distribution, b, origins)]
    if not chosen or any(b.policy is None for b in chosen):
        return None, ""
    secure = {b.policy in SECURE_VIEWER for b in chosen}
    if len(secure) != 1:
        return None, ""
    encrypted = secure.pop()
    if len(chosen) == 1:
        why = f"{chosen[0].where} is {chosen[0].policy}"
    else:
        said = "https-only or redirect-to-https" if encrypted else "allow-all"
        why = f"the ViewerProtocolPolicy of all {len(chosen)} cache behaviours of {distribution.where} is {said}"
    return encrypted, f"{why} ({TRANSIT['viewer_https' if encrypted else 'viewer_http'].provenance})"


def _reaches(distribution: Distribution, behaviour: Behaviour, origins: set[str]) -> bool:
    target = behaviour.origin
    if target is None:
        return True  # cannot tell which origin it serves: it counts for all, so an unknown stays unknown
    return target in origins or any(m in origins for m in distribution.groups.get(target, ()))


def origin_protocol(distribution: Distribution, target: str) -> tuple[bool | None, str]:
    """Whether CloudFront reaches ``target`` over HTTPS: every origin naming it must agree."""
    answers: list[tuple[bool | None, str]] = []
    for origin in distribution.origins:
        if origin.target != target:
            continue
        if origin.policy == "https-only":
            answers.append((True, origin.why))
        elif origin.policy == "http-only":
            answers.append((False, origin.why))
        elif origin.policy == "match-viewer":
            viewer, why = viewer_protocol(distribution, {origin.id})
            answers.append((viewer, f"{why}, and {origin.why}" if viewer is not None else ""))
        else:
            answers.append((None, ""))
    if not answers or any(a[0] is None for a in answers) or len({a[0] for a in answers}) != 1:
        return None, ""
    return answers[0]


READERS: Final = {DISTRIBUTION: read_distribution}
