"""AWS SAM semantics read straight from the template, without running the SAM transform.

* ``Globals`` are merged into each ``AWS::Serverless::*`` resource the way SAM
  does: mappings merge key by key, lists are the global items followed by the
  resource's, and any other value (an intrinsic included) is the resource's
  own when it sets one. ``IgnoreGlobals`` is honoured. Unlike SAM, keys that
  SAM refuses in ``Globals`` (``Role``, ``Policies``) are merged too: the
  template's intent is clear even if SAM would not deploy it.
* Resources SAM would generate get SAM's logical ids: the implicit APIs
  ``ServerlessRestApi`` / ``ServerlessHttpApi``, execution roles
  ``<Function>Role`` and ``<StateMachine>Role``, and the EventBridge rule
  ``<Function><Event>`` of a Schedule / CloudWatchEvent / EventBridgeRule event.
* ``Events`` become flows. API events are synchronous invocations; S3, SNS,
  EventBridge and schedules are asynchronous events; SQS, Kinesis and
  DynamoDB streams are polled by Lambda, which then invokes the function
  synchronously, so those flows are events with ``async: false`` (failures
  are handled by the queue's redrive or the stream's on-failure destination,
  not by the function's asynchronous DLQ).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Final

from game.architecture import ComponentType
from game.importers import cloudformation_iam as iam
from game.importers import cloudformation_services as services
from game.importers.cloudformation_defaults import apply_defaults
from game.importers.cloudformation_model import Draft
from game.importers.cloudformation_template import Resource, Template, is_intrinsic

CT = ComponentType

GLOBALS_SECTIONS: Final[dict[str, str]] = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "StateMachine": "AWS::Serverless::StateMachine",
    "LayerVersion": "AWS::Serverless::LayerVersion",
}
"""``Globals`` sections and the resource type each applies to."""

IMPLICIT_REST_API: Final = "ServerlessRestApi"
IMPLICIT_HTTP_API: Final = "ServerlessHttpApi"
RULE_EVENTS: Final = ("Schedule", "ScheduleV2", "CloudWatchEvent", "EventBridgeRule")
POLLED_EVENTS: Final = ("SQS", "Kinesis", "DynamoDB", "MSK", "SelfManagedKafka", "MQ", "DocumentDB")
"""Events SAM turns into an ``AWS::Lambda::EventSourceMapping`` (whose ``DestinationConfig`` it passes on)."""
_WITH_EVENTS: Final = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")


def merge(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals merge of one value."""
    if isinstance(global_value, Mapping) and isinstance(local_value, Mapping):
        if is_intrinsic(global_value) or is_intrinsic(local_value):
            return local_value
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge(merged[key], value) if key in merged else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return list(global_value) + list(local_value)
    return local_value


def globals_for(section: Mapping[str, Any] | None, node: Mapping[str, Any]) -> dict[str, Any]:
    """The Globals section that applies to one resource, less what ``IgnoreGlobals`` drops."""
    if not section:
        return {}
    ignore = node.get("IgnoreGlobals")
    if ignore == "*":
        return {}
    out = dict(section)
    if isinstance(ignore, list):
        for key in ignore:
            out.pop(key, None)
    return out


def _events(resource: Resource) -> list[tuple[str, Mapping[str, Any]]]:
    events = resource.properties.get("Events")
    if not isinstance(events, Mapping):
        return []
    return [(str(name), event) for name, event in events.items() if isinstance(event, Mapping)]


def _event_properties(event: Mapping[str, Any]) -> Mapping[str, Any]:
    props = event.get("Properties")
    return props if isinstance(props, Mapping) else {}


def prepare(ctx: services.Context, globals_doc: Mapping[str, Any]) -> list[Resource]:
    """Create SAM's generated components; return the implicit APIs as resources to read like explicit ones."""
    t = ctx.template
    implicit: list[Resource] = []
    for resource in list(t.resources.values()):
        if resource.type not in _WITH_EVENTS:
            continue
        for name, event in _events(resource):
            kind = event.get("Type")
            props = _event_properties(event)
            where = dataclasses.replace(resource.location, path=f"Resources.{resource.id}.Properties.Events.{name}")
            if kind == "Api" and props.get("RestApiId") is None and IMPLICIT_REST_API not in t.resources:
                if IMPLICIT_REST_API not in t.generated:
                    implicit.append(_implicit_api(ctx, IMPLICIT_REST_API, "AWS::Serverless::Api", "Api", globals_doc, where, "Prod"))
            elif kind == "HttpApi" and props.get("ApiId") is None and IMPLICIT_HTTP_API not in t.resources:
                if IMPLICIT_HTTP_API not in t.generated:
                    implicit.append(_implicit_api(ctx, IMPLICIT_HTTP_API, "AWS::Serverless::HttpApi", "HttpApi", globals_doc, where, "$default"))
            elif kind in RULE_EVENTS:
                rule_type = "AWS::Scheduler::Schedule" if kind == "ScheduleV2" else "AWS::Events::Rule"
                rule = Draft(f"{resource.id}{name}", CT.EVENTBRIDGE, f"{resource.id}{name}", rule_type, where, description=f"{kind} rule SAM generates for {resource.id}")
                apply_defaults(rule)
                dlq = props.get("DeadLetterConfig")
                if isinstance(dlq, Mapping):
                    rule.set("dlq", True, f"Resources.{resource.id}.Properties.Events.{name}.Properties.DeadLetterConfig")
                else:
                    rule.set("dlq", False, f"Resources.{resource.id}.Properties.Events.{name}.Properties has no DeadLetterConfig")
                ctx.builder.add(rule)
                t.generated[rule.id] = rule_type
                if isinstance(dlq, Mapping):
                    dlq_where = dataclasses.replace(where, path=f"{where.path}.Properties.DeadLetterConfig")
                    for queue in ctx.drafts(dlq.get("Arn"), "AWS::SQS::Queue"):
                        ctx.builder.flow(rule.id, queue.id, "undeliverable events", "event", True, dlq_where)
    for resource in t.resources.values():
        if resource.type == "AWS::Serverless::Api":
            stage = ctx.template.text(resource.properties.get("StageName"))
            if stage:
                ctx.stage_api[f"{resource.id}{stage}Stage"] = resource.id
                t.generated[f"{resource.id}{stage}Stage"] = "AWS::ApiGateway::Stage"
        if resource.type in _WITH_EVENTS and resource.properties.get("Role") is None:
            _generated_role(ctx, resource)
        if resource.type == "AWS::Serverless::Function" and resource.properties.get("FunctionUrlConfig") is not None:
            # SAM names the URL <Function>Url: a CloudFront origin names it with !GetAtt <Function>Url.FunctionUrl
            t.generated[f"{resource.id}Url"] = "AWS::Lambda::Url"
    return implicit


def _implicit_api(ctx: services.Context, api_id: str, api_type: str, section: str, globals_doc: Mapping[str, Any], where: Any, stage: str) -> Resource:
    t = ctx.template
    inherited = globals_doc.get(section)
    props = dict(inherited) if isinstance(inherited, Mapping) else {}
    resource = Resource(api_id, api_type, props, {"Properties": {}}, where, props, section)
    draft = Draft(api_id, CT.API_GATEWAY, api_id, api_type, where, description=f"API that SAM creates for the {section} events of the template")
    apply_defaults(draft)
    ctx.builder.add(draft)
    t.generated[api_id] = api_type
    if api_type == "AWS::Serverless::Api":
        ctx.stage_api[f"{api_id}{stage}Stage"] = api_id
        t.generated[f"{api_id}{stage}Stage"] = "AWS::ApiGateway::Stage"
    return resource


def _generated_role(ctx: services.Context, resource: Resource) -> None:
    t = ctx.template
    role_id = f"{resource.id}Role"
    where = dataclasses.replace(resource.location, path=f"Resources.{resource.id}.Properties.Policies")
    role = Draft(role_id, CT.IAM_ROLE, role_id, "AWS::IAM::Role", where, description=f"Execution role SAM creates for {resource.id}")
    service = "lambda.amazonaws.com" if resource.type == "AWS::Serverless::Function" else "states.amazonaws.com"
    role.set("trusted_services", (service,), f"SAM: the role {resource.id} runs as")
    facts = services.policy_facts(role)
    if resource.type == "AWS::Serverless::Function":
        # SAM always attaches basic execution (CloudWatch Logs) to the roles it makes.
        iam.analyse_managed(t, "AWSLambdaBasicExecutionRole", "SAM's basic execution policy", facts)
    if resource.properties.get("Policies") is not None:
        iam.analyse_sam_policies(t, resource.properties.get("Policies"), f"Resources.{resource.id}.{resource.where('Policies')}", facts)
    ctx.builder.add(role)
    t.generated[role_id] = "AWS::IAM::Role"


def assign_generated_roles(ctx: services.Context) -> None:
    """Point each SAM function or state machine with no ``Role`` at the role SAM makes for it."""
    for resource in ctx.template.resources.values():
        if resource.type in _WITH_EVENTS and resource.properties.get("Role") is None:
            user = ctx.builder.get(resource.id)
            if user is not None and f"{resource.id}Role" in ctx.builder.drafts:
                user.set("role", f"{resource.id}Role", f"SAM generates {resource.id}Role (no Role is set)")


def read_events(ctx: services.Context) -> None:
    """Turn the ``Events`` of SAM functions and state machines into flows and API routes."""
    for resource in list(ctx.template.resources.values()):
        if resource.type not in _WITH_EVENTS:
            continue
        target = ctx.builder.get(resource.id)
        if target is None:
            continue
        for name, event in _events(resource):
            _read_event(ctx, resource, target, name, event)


def _read_event(ctx: services.Context, resource: Resource, target: Draft, name: str, event: Mapping[str, Any]) -> None:
    t = ctx.template
    kind = t.text(event.get("Type")) or ""
    props = _event_properties(event)
    path = f"Properties.Events.{name}"
    here = f"Resources.{resource.id}.{path}"

    def flow(source: Draft | None, label: str, flow_kind: str, is_async: bool) -> None:
        if source is not None:
            ctx.flow_from(source.id, target.id, label, flow_kind, is_async, resource, path)

    if kind in ("Api", "HttpApi"):
        rest = kind == "Api"
        explicit = props.get("RestApiId" if rest else "ApiId")
        api = ctx.draft(explicit, *services.API_TYPES) if explicit is not None else ctx.builder.get(IMPLICIT_REST_API if rest else IMPLICIT_HTTP_API)
        if api is None:
            return
        method = (t.text(props.get("Method")) or "ANY").upper()
        method = "ANY" if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" else method
        route = t.text(props.get("Path")) or "/"
        auth = t.mapping(props.get("Auth")) or {}
        authorizer = t.text(auth.get("Authorizer"))
        authorizers = api.facts.get("authorizers", {})
        route_auth = services.authorizer_kind(t, authorizer, authorizers) if authorizer else None
        model = t.mapping(props.get("RequestModel")) or {}
        validated = bool(t.flag(model.get("ValidateBody")) or t.flag(model.get("ValidateParameters")))
        where = f"{here}.Properties" + (".Auth.Authorizer" if authorizer else "")
        services.routes(api).append(services.Route(method, route, route_auth, validated, where))
        flow(api, f"{method} {route}", "invoke", False)
    elif kind == "S3":
        flow(ctx.draft(props.get("Bucket"), "AWS::S3::Bucket"), _first_text(t, props.get("Events")) or "object events", "event", True)
    elif kind == "SNS":
        topic = ctx.draft(props.get("Topic"), "AWS::SNS::Topic")
        flow(topic, "notifications", "event", True)
        if topic is not None:
            has = props.get("RedrivePolicy") is not None
            topic.facts.setdefault("subscriptions", []).append((has, f"{here}.Properties.RedrivePolicy" + ("" if has else " is not set")))
    elif kind == "SQS":
        flow(ctx.draft(props.get("Queue"), "AWS::SQS::Queue"), "messages", "event", False)
    elif kind in ("DynamoDB", "Kinesis"):
        for rid, _ in t.refs(props.get("Stream")):
            source = ctx.builder.get(rid)
            if source is not None and source.type is CT.DYNAMODB and source.attributes.get("stream") is not True:
                source.set("stream", True, f"{here}.Properties.Stream reads its stream")
            flow(source, "stream records", "event", False)
    elif kind in RULE_EVENTS:
        rule = ctx.builder.get(f"{resource.id}{name}")
        if rule is not None:
            bus = ctx.draft(props.get("EventBusName"), "AWS::Events::EventBus")
            if bus is not None:
                ctx.flow_from(bus.id, rule.id, "matching events", "event", True, resource, path)
            flow(rule, "scheduled events" if kind.startswith("Schedule") else "events", "event", True)
    elif kind == "CloudWatchLogs":
        flow(ctx.draft(props.get("LogGroupName"), "AWS::Logs::LogGroup"), "log events", "event", True)
    elif kind == "Cognito":
        flow(ctx.draft(props.get("UserPool"), "AWS::Cognito::UserPool"), _first_text(t, props.get("Trigger")) or "trigger", "invoke", False)
    if kind in POLLED_EVENTS and resource.type == "AWS::Serverless::Function":
        # SAM makes an event source mapping of these, and its on-failure destination is the function's
        services.send_batch_failures(ctx, target, props.get("DestinationConfig"), resource, f"{path}.Properties.DestinationConfig")


def _first_text(t: Template, node: Any) -> str | None:
    items = t.items(node)
    return t.text(items[0]) if items else None
