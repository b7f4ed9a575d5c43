"""Encryption in transit: what a template proves about a flow's ``encrypted``, and only that.

A hop is encrypted when its receiver takes nothing but TLS: API Gateway,
AppSync and function URLs offer no plain-HTTP endpoint; a bucket, queue or
topic whose resource policy denies every request where ``aws:SecureTransport``
is false; a queue or topic with server-side encryption. CloudFront decides its
own hops: viewers follow the cache behaviours' ``ViewerProtocolPolicy``, the
hop to an origin the origin's protocol policy. Anything else stays unknown: a
template that says nothing proves nothing. The facts and their AWS pages are
:data:`~game.importers.cloudformation_defaults.TRANSIT`.

This runs last, once the metadata has drawn its flows; an ``encrypted`` the
metadata states is kept.

>>> from game.importers.cloudformation import parse_template
>>> arch = parse_template('''
... Metadata:
...   threatdeck:
...     actors: [{id: User, name: User, kind: end_user}]
...     flows: [{source: User, target: Api}, {source: User, target: Files}]
... Resources:
...   Api: {Type: AWS::Serverless::HttpApi}
...   Files: {Type: AWS::S3::Bucket}
... ''', "demo.yaml")
>>> [(f.id, f.attributes.get("encrypted")) for f in arch.flows]
[('User->Api', True), ('User->Files', None)]
>>> arch.flows[0].provenance["encrypted"]
'AWS: API Gateway APIs (REST, HTTP, WebSocket) expose HTTPS endpoints only'
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Final

from game.architecture import ComponentType
from game.importers import cloudformation_arns
from game.importers import cloudformation_cloudfront as cloudfront
from game.importers import cloudformation_services as services
from game.importers.cloudformation_defaults import ARN_FORMATS, TRANSIT
from game.importers.cloudformation_model import Draft, FlowDraft
from game.importers.cloudformation_template import ABSENT, UNKNOWN, Resource, Template, is_intrinsic, substitute

CT = ComponentType

REST_AND_HTTP_APIS: Final = (
    "AWS::ApiGateway::RestApi", "AWS::Serverless::Api", "AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi",
)
GRAPHQL_APIS: Final = ("AWS::AppSync::GraphQLApi", "AWS::Serverless::GraphQLApi")

_REGION: Final = "zz-region-1"
_ACCOUNT: Final = "000000000000"
"""Stand-ins for the region and account a template leaves to deployment: a policy covers the resource only
if it covers it in every region and account, so a literal ARN with a real region or account matches only
where it names a resource of the template by its physical name (read as the stack's own region and account)."""

_LOCATED_ARN: Final = re.compile(r"(arn:[^:]+:[^:]+:)[^:]*:[^:]*:(.*)", re.DOTALL)

_KEYS: Final = ("\u2603", "\u2603/\u2604.x")
"""Object keys no policy writes literally: a resource pattern matching both covers every object of the bucket."""

_SUB: Final = re.compile(r"\$\{([^}]*)\}")


@dataclasses.dataclass(frozen=True)
class SecureTransport:
    """A resource-policy statement that denies everyone every request made without TLS."""

    actions: tuple[str, ...]
    """The statement's ``Action`` patterns, lower-cased."""
    where: str
    """Path of the statement."""


@dataclasses.dataclass(frozen=True)
class _Service:
    """How one service's resource policies are attached and what they must deny."""

    policy_types: Mapping[str, str]
    """Policy resource type → the property naming the resources it is attached to."""
    resource_type: str
    fact: str
    """Key of the :data:`TRANSIT` fact."""


_SERVICES: Final = {
    CT.S3: _Service({"AWS::S3::BucketPolicy": "Bucket"}, "AWS::S3::Bucket", "s3_secure_transport"),
    CT.SQS: _Service({"AWS::SQS::QueuePolicy": "Queues", "AWS::SQS::QueueInlinePolicy": "Queue"}, "AWS::SQS::Queue", "sqs_secure_transport"),
    CT.SNS: _Service({"AWS::SNS::TopicPolicy": "Topics", "AWS::SNS::TopicInlinePolicy": "TopicArn"}, "AWS::SNS::Topic", "sns_secure_transport"),
}

MAX_STATEMENTS: Final = 1_000
"""Most statements read per policy (IAM's size limits keep real ones far smaller)."""


def decide(ctx: services.Context) -> None:
    """Set ``encrypted`` on every flow the template decides, with its provenance; leave the others alone."""
    denials = _secure_transport_statements(ctx)
    for flow in ctx.builder.flows:
        if "encrypted" in flow.attributes:
            continue  # stated in the metadata
        source, target = ctx.builder.get(flow.source), ctx.builder.get(flow.target)
        if source is None or target is None:
            continue
        encrypted, why = _receiver(flow, source, target, denials)
        if encrypted is None:
            encrypted, why = _sender(source, target)
        if encrypted is not None:
            flow.attributes["encrypted"] = encrypted
            flow.provenance["encrypted"] = why


def _receiver(flow: FlowDraft, source: Draft, target: Draft, denials: Mapping[str, list[SecureTransport]]) -> tuple[bool | None, str]:
    """True when the component the request goes to takes only TLS; otherwise None (a receiver never proves false)."""
    if target.resource_type in REST_AND_HTTP_APIS:
        return True, TRANSIT["api_gateway"].provenance
    if target.resource_type in GRAPHQL_APIS:
        return True, TRANSIT["appsync"].provenance
    if target.type is CT.LAMBDA and target.attributes.get("function_url") is True and _through_url(source):
        return True, f"{TRANSIT['function_url'].provenance}; {target.id} has one ({target.provenance.get('function_url', '')})"
    if target.type in (CT.S3, CT.SNS) or (target.type is CT.SQS and source.type is not CT.SQS):
        # A queue's redrive to its dead-letter queue is SQS moving messages itself, not a request.
        return _policy_or_sse(target, _action(target.type, flow.kind), denials)
    if source.type is CT.SQS and flow.kind == "event" and flow.is_async is False and target.type is not CT.SQS:
        # A polled queue: the poller's ReceiveMessage requests go to the queue.
        return _policy_or_sse(source, "sqs:receivemessage", denials)
    return None, ""


def _through_url(source: Draft) -> bool:
    """A caller outside AWS, or CloudFront, reaches a function with a URL through it; services invoke it otherwise."""
    return source.type is CT.ACTOR or cloudfront.notes(source) is not None


def _action(service: ComponentType, kind: str | None) -> str:
    """The action a request into the store needs, for matching a policy's ``Action``; ``s3:*`` when it could be any."""
    if service is CT.S3:
        return {"read": "s3:getobject", "write": "s3:putobject", "log": "s3:putobject"}.get(kind or "", "s3:*")
    return "sqs:sendmessage" if service is CT.SQS else "sns:publish"


def _policy_or_sse(store: Draft, action: str, denials: Mapping[str, list[SecureTransport]]) -> tuple[bool | None, str]:
    for statement in denials.get(store.id, []):
        if _covers_action(statement.actions, action):
            fact = TRANSIT[_SERVICES[store.type].fact]
            return True, f"{statement.where} denies requests without TLS ({fact.provenance})"
    if store.type in (CT.SQS, CT.SNS) and store.attributes.get("kms") in ("aws", "cmk"):
        fact = TRANSIT["sqs_sse" if store.type is CT.SQS else "sns_sse"]
        return True, f"{fact.provenance}; server-side encryption is on for {store.id} ({store.provenance.get('kms', '')})"
    return None, ""


def _covers_action(patterns: tuple[str, ...], action: str) -> bool:
    """Whether the statement's actions cover ``action`` (``s3:*`` stands for every action of the service)."""
    if action.endswith(":*"):
        service = action[:-1]
        return any(p in ("*", f"{service}*") for p in patterns)
    return any(_matches(p, action) for p in patterns)


def _sender(source: Draft, target: Draft) -> tuple[bool | None, str]:
    """CloudFront's own hops: from viewers by the cache behaviours, to an origin by its protocol policy."""
    viewed = cloudfront.notes(target)
    if viewed is not None:
        return cloudfront.viewer_protocol(viewed)
    serving = cloudfront.notes(source)
    if serving is not None:
        return cloudfront.origin_protocol(serving, target.id)
    return None, ""


# --- resource policies that deny requests without TLS ------------------------------


def _secure_transport_statements(ctx: services.Context) -> dict[str, list[SecureTransport]]:
    """Component id → the statements of its resource policies that deny every request made without TLS."""
    t = ctx.template
    found: dict[str, list[SecureTransport]] = {}
    for res in t.resources.values():
        for ctype, service in _SERVICES.items():
            attached = service.policy_types.get(res.type)
            if attached is None or not _always_deployed(t, res):
                continue
            document = res.properties.get("PolicyDocument")
            where = f"Resources.{res.id}.Properties.PolicyDocument"
            # A bucket policy names its bucket by name; queue and topic policies, by URL and ARN.
            for store in ctx.addressed(res.properties.get(attached), service.resource_type, bare=ctype is CT.S3):
                arns = _arns(_name(t, store.id), ctype)
                for statement in _denials(t, document, where, arns):
                    found.setdefault(store.id, []).append(statement)
    return found


def _always_deployed(t: Template, res: Resource) -> bool:
    """A policy under a CloudFormation condition proves nothing unless the condition holds with the defaults."""
    condition = res.node.get("Condition")
    return condition is None or (isinstance(condition, str) and t.condition(condition) is True)


def _denials(t: Template, document: Any, where: str, arns: tuple[str, ...]) -> list[SecureTransport]:
    doc = t.mapping(document) or {}
    statements = t.value(doc.get("Statement"))
    out: list[SecureTransport] = []
    for i, statement in enumerate(t.items(statements)[:MAX_STATEMENTS]):
        statement = t.mapping(statement)
        path = f"{where}.Statement[{i}]" if isinstance(statements, list) else f"{where}.Statement"
        if statement is None or not _denies_plain_requests(t, statement):
            continue
        actions = _texts(t, statement.get("Action"))
        resources = [_pattern(t, r) for r in _resource_items(t, statement.get("Resource"))]
        if actions is None or not resources or any(r is None for r in resources):
            continue  # a part the importer cannot read: it proves nothing
        if all(any(_matches(r, arn) for r in resources if r is not None) for arn in arns):
            out.append(SecureTransport(tuple(a.lower() for a in actions), path))
    return out


def _resource_items(t: Template, node: Any) -> list[Any]:
    """A statement's ``Resource`` as a list of values still holding their references (``!GetAtt B.Arn``)."""
    value = t.value(node)
    if isinstance(value, list):
        return [x for x in value if t.value(x) is not ABSENT]
    if value is UNKNOWN and is_intrinsic(node) and next(iter(node)) in ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join"):
        return [node]
    return [value] if isinstance(value, str) else []


def _denies_plain_requests(t: Template, statement: Mapping[str, Any]) -> bool:
    """Effect Deny, for everyone, exactly when ``aws:SecureTransport`` is false (no other condition narrows it)."""
    if any(k in statement for k in ("NotPrincipal", "NotAction", "NotResource")):
        return False
    if t.text(statement.get("Effect")) != "Deny" or not _everyone(t, statement.get("Principal")):
        return False
    condition = t.mapping(statement.get("Condition"))
    if condition is None or len(condition) != 1:
        return False
    ((operator, keys),) = condition.items()
    keys = t.mapping(keys)
    if operator not in ("Bool", "BoolIfExists") or keys is None or len(keys) != 1:
        return False
    ((key, value),) = keys.items()
    values = _texts(t, value)
    return str(key).lower() == "aws:securetransport" and values is not None and [v.lower() for v in values] == ["false"]


def _everyone(t: Template, principal: Any) -> bool:
    """``Principal: "*"`` or ``{AWS: "*"}``."""
    value = t.value(principal)
    if value == "*":
        return True
    mapping = t.mapping(principal)
    return mapping is not None and set(mapping) == {"AWS"} and _texts(t, mapping.get("AWS")) == ["*"]


def _texts(t: Template, node: Any) -> list[str] | None:
    """Every item of a string-or-list as text; None if one of them cannot be resolved."""
    items = t.items(node)
    texts = [t.text(x) for x in items]
    if not items or any(x is None for x in texts):
        return None
    return [x for x in texts if x is not None]


def _arns(name: str, ctype: ComponentType) -> tuple[str, ...]:
    """The ARNs a statement must cover: a bucket's objects, a queue or topic itself."""
    if ctype is CT.S3:
        return tuple(f"arn:aws:s3:::{name}/{key}" for key in _KEYS)
    service = "sqs" if ctype is CT.SQS else "sns"
    return (f"arn:aws:{service}:{_REGION}:{_ACCOUNT}:{name}",)


def _name(t: Template, rid: str) -> str:
    # Without a literal name the physical name is CloudFormation's to make: only references can match it.
    return cloudformation_arns.physical_name(t, rid) or f"{rid.lower()}-generated-name"


def _pattern(t: Template, node: Any) -> str | None:
    """A resource ARN with the references to the store, its parameters and pseudo parameters filled in;
    None when any part cannot be resolved."""
    text = t.pattern(node)
    filled = None if text is None else substitute(text, lambda name: _variable(t, name), _SUB)
    return None if filled is None else _in_stack(t, node, filled)


def _in_stack(t: Template, node: Any, arn: str) -> str:
    """An ARN that names a queue or topic of the template by its physical name, in the stand-in region and account."""
    rid = cloudformation_arns.named(t, node)
    regional = rid is not None and ARN_FORMATS[t.resources[rid].type].regional
    match = _LOCATED_ARN.fullmatch(arn) if regional else None
    return f"{match.group(1)}{_REGION}:{_ACCOUNT}:{match.group(2)}" if match is not None else arn


def _variable(t: Template, name: str) -> str | None:
    pseudo = {"AWS::Partition": "aws", "AWS::Region": _REGION, "AWS::AccountId": _ACCOUNT, "AWS::URLSuffix": "amazonaws.com"}
    if name in pseudo:
        return pseudo[name]
    head, _, attribute = name.partition(".")
    rtype = t.type_of(head)
    if rtype is not None:
        return _reference(t, head, rtype, attribute)
    if not attribute and head in t.parameters:
        return t.text({"Ref": head})
    return None


_STORES: Final = {"AWS::S3::Bucket": CT.S3, "AWS::SQS::Queue": CT.SQS, "AWS::SNS::Topic": CT.SNS}


def _reference(t: Template, rid: str, rtype: str, attribute: str) -> str | None:
    """What ``!Ref``/``!GetAtt`` of a bucket, queue or topic of the template gives, in the stand-in region."""
    kind = _STORES.get(rtype)
    if kind is None:
        return None
    name = _name(t, rid)
    arn = f"arn:aws:s3:::{name}" if kind is CT.S3 else _arns(name, kind)[0]
    if attribute == "Arn":
        return arn
    if attribute in ("QueueName", "TopicName"):
        return name
    if attribute == "":
        return {CT.S3: name, CT.SNS: arn}.get(kind, f"https://sqs.{_REGION}.amazonaws.com/{_ACCOUNT}/{name}")
    return None


MAX_PATTERN: Final = 2_048
"""Longest resource or action pattern matched (ARNs are at most a few hundred characters)."""


def _matches(pattern: str, text: str) -> bool:
    """IAM wildcard matching (``*`` any run, ``?`` one character), in time linear in both lengths' product."""
    if len(pattern) > MAX_PATTERN:
        return False
    p = i = 0
    star, mark = -1, 0
    while i < len(text):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[i]):
            p, i = p + 1, i + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, i, p + 1
        elif star >= 0:
            mark += 1
            p, i = star + 1, mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)
