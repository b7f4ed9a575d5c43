"""Reading each AWS service's resources into component attributes and flows.

One reader per resource type. Readers of *component* resources (a bucket, a
function) set the component's own attributes; readers of *helper* resources
(a bucket policy, a stage, a permission) are folded into the component they
configure and add to its attributes or to the flows. Where a decision needs
facts from several resources (is the bucket public, given its policy, its
Block Public Access and its ACL?), readers leave notes in ``Draft.facts`` and a
finisher decides once everything has been read.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from game.architecture import ComponentType
from game.importers import cloudformation_arns as arns
from game.importers import cloudformation_iam as iam
from game.importers import cloudformation_secrets as secrets
from game.importers.cloudformation_defaults import DEPRECATED_RUNTIMES
from game.importers.cloudformation_model import Builder, Draft
from game.importers.cloudformation_template import UNKNOWN, Resource, Template

CT = ComponentType

FUNCTION_TYPES: Final = ("AWS::Lambda::Function", "AWS::Serverless::Function")
API_TYPES: Final = (
    "AWS::ApiGateway::RestApi", "AWS::Serverless::Api", "AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi",
    "AWS::AppSync::GraphQLApi", "AWS::Serverless::GraphQLApi",
)
TABLE_TYPES: Final = ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
STATE_MACHINE_TYPES: Final = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")

COMPONENT_TYPES: Final[dict[str, ComponentType]] = {
    "AWS::Serverless::Function": CT.LAMBDA,
    "AWS::Lambda::Function": CT.LAMBDA,
    "AWS::Serverless::Api": CT.API_GATEWAY,
    "AWS::ApiGateway::RestApi": CT.API_GATEWAY,
    "AWS::Serverless::HttpApi": CT.API_GATEWAY,
    "AWS::ApiGatewayV2::Api": CT.API_GATEWAY,
    "AWS::AppSync::GraphQLApi": CT.API_GATEWAY,
    "AWS::Serverless::GraphQLApi": CT.API_GATEWAY,
    "AWS::DynamoDB::Table": CT.DYNAMODB,
    "AWS::Serverless::SimpleTable": CT.DYNAMODB,
    "AWS::S3::Bucket": CT.S3,
    "AWS::Cognito::UserPool": CT.COGNITO,
    "AWS::Cognito::IdentityPool": CT.COGNITO,
    "AWS::SQS::Queue": CT.SQS,
    "AWS::SNS::Topic": CT.SNS,
    "AWS::Events::EventBus": CT.EVENTBRIDGE,
    "AWS::Events::Rule": CT.EVENTBRIDGE,
    "AWS::Scheduler::Schedule": CT.EVENTBRIDGE,
    "AWS::Pipes::Pipe": CT.EVENTBRIDGE,
    "AWS::Serverless::StateMachine": CT.STEP_FUNCTIONS,
    "AWS::StepFunctions::StateMachine": CT.STEP_FUNCTIONS,
    "AWS::SecretsManager::Secret": CT.SECRETS_STORE,
    "AWS::SSM::Parameter": CT.SECRETS_STORE,
    "AWS::Logs::LogGroup": CT.LOG_GROUP,
    "AWS::IAM::Role": CT.IAM_ROLE,
    "AWS::AppConfig::ConfigurationProfile": CT.SECRETS_STORE,
}
"""Resource types that become a component of a known kind; any other non-helper type becomes ``generic``."""

NAME_PROPERTIES: Final = (
    "FunctionName", "BucketName", "TableName", "QueueName", "TopicName", "UserPoolName", "IdentityPoolName",
    "StateMachineName", "LogGroupName", "RoleName", "Name",
)
"""Properties whose literal value names a resource."""

SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$")
ACCOUNT_PRINCIPAL = re.compile(r"^(\d{12}|arn:[^:]+:iam::\d{12}:)")
LIMITING_CONDITION_KEYS: Final = frozenset(
    k.lower()
    for k in (
        "aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp",
        "aws:PrincipalOrgID", "aws:PrincipalAccount", "aws:PrincipalArn", "aws:userid", "aws:SourceOrgID",
        "aws:PrincipalServiceName", "s3:DataAccessPointArn", "s3:DataAccessPointAccount",
    )
)
"""Condition keys that pin a statement to known callers, so ``Principal: *`` is not public (as S3 judges it)."""


@dataclasses.dataclass
class Context:
    """Everything a reader needs: the template, the model being built and name lookups."""

    template: Template
    """The decoded template."""
    builder: Builder
    """Components and flows so far."""
    by_name: dict[str, str] = dataclasses.field(default_factory=dict)
    """Literal physical names (FunctionName, BucketName...) → logical id."""
    stage_api: dict[str, str] = dataclasses.field(default_factory=dict)
    """Stages SAM generates (``ServerlessRestApiProdStage``) → their API."""

    def draft(self, node: Any, *types: str) -> Draft | None:
        """The component a reference (or a literal physical name or ARN) points at."""
        rid = self.template.target(node, *types) or arns.named(self.template, node, *types, bare=True)
        if rid is None:
            text = self.template.text(node)
            if text:
                rid = self.by_name.get(text) or self.by_name.get(re.split(r"[:/]", text)[-1])
                if rid is not None and types and self.template.type_of(rid) not in types:
                    rid = None  # a function that shares its name with the bucket a policy names is not that bucket
        return self.builder.get(rid)

    def drafts(self, node: Any, *types: str) -> list[Draft]:
        """Every component a value names."""
        found = [self.builder.get(rid) for rid in self.template.targets(node, *types)]
        return [d for d in found if d is not None]

    def addressed(self, node: Any, *types: str, bare: bool = False) -> list[Draft]:
        """Every component a value names by reference, or by a literal ARN or queue URL (with ``bare``, by a
        physical name alone) of a resource the template names (:mod:`~game.importers.cloudformation_arns`):
        what a resource policy is attached to, what a permission lets in."""
        t = self.template
        found = list(t.targets(node, *types))
        # A !Sub of the stack's region and account has no value to list until deployment: read it whole.
        for item in t.items(node) or [node]:
            rid = arns.named(t, item, *types, bare=bare)
            if rid is not None and rid not in found:
                found.append(rid)
        return [d for d in (self.builder.get(rid) for rid in found) if d is not None]

    def flow_from(self, source: str, target: str, label: str, kind: str, is_async: bool | None, resource: Resource, path: str) -> None:
        """Add a flow located at a path of a resource."""
        location = dataclasses.replace(resource.location, path=f"Resources.{resource.id}.{path}")
        self.builder.flow(source, target, label, kind, is_async, location)


def set_flag(t: Template, draft: Draft, props: Mapping[str, Any], key: str, attribute: str) -> None:
    """Set a boolean attribute from a boolean property; a property that cannot be resolved makes it unknown."""
    if key not in props:
        return
    value = t.flag(props.get(key))
    if value is None:
        draft.forget(attribute)
    else:
        draft.set(attribute, value, f"Properties.{key}")


Reader = Callable[[Context, Resource, Draft], None]
Helper = Callable[[Context, Resource], None]


# --- Lambda --------------------------------------------------------------------


def read_function(ctx: Context, res: Resource, draft: Draft) -> None:
    """Runtime, limits, tracing, failure handling, URLs, signing, layers and environment of a function."""
    t, p = ctx.template, res.properties
    sam = res.type == "AWS::Serverless::Function"
    if p.get("Role") is not None:
        set_role(ctx, draft, p.get("Role"), res.where("Role"), res)
    runtime = t.text(p.get("Runtime"))
    if runtime:
        draft.set("runtime", runtime, res.where("Runtime"))
        deprecated = DEPRECATED_RUNTIMES.get(runtime)
        why = f"{res.where('Runtime')} {runtime}: " + (f"deprecated since {deprecated}" if deprecated else "a supported runtime")
        draft.set("runtime_deprecated", deprecated is not None, why)
    timeout = t.number(p.get("Timeout"))
    if timeout is not None and timeout >= 1:
        draft.set("timeout_s", timeout, res.where("Timeout"))
    elif "Timeout" in p:
        draft.forget("timeout_s")
    reserved = t.number(p.get("ReservedConcurrentExecutions"))
    if reserved is not None and reserved >= 0:
        draft.set("reserved_concurrency", reserved, res.where("ReservedConcurrentExecutions"))
    elif "ReservedConcurrentExecutions" in p:
        draft.forget("reserved_concurrency")
    if sam and "Tracing" in p:
        mode = t.text(p.get("Tracing"))
        if mode is None:
            draft.forget("tracing")
        else:
            draft.set("tracing", mode == "Active", f"{res.where('Tracing')} is {mode}")
    tracing_config = t.mapping(p.get("TracingConfig"))
    if tracing_config is not None:
        mode = t.text(tracing_config.get("Mode"))
        draft.set("tracing", mode == "Active", f"{res.where('TracingConfig', 'Mode')} is {mode or 'PassThrough'}")
    dlq_key = "DeadLetterQueue" if sam else "DeadLetterConfig"
    dlq = t.mapping(p.get(dlq_key))
    if dlq and (dlq.get("TargetArn") is not None):
        draft.set("on_failure", True, res.where(dlq_key, "TargetArn"))
        send_failures(ctx, draft, dlq.get("TargetArn"), "failed invocations", res, f"Properties.{dlq_key}.TargetArn")
    invoke_config = t.mapping(p.get("EventInvokeConfig"))
    if invoke_config is not None:
        destinations = t.mapping(invoke_config.get("DestinationConfig")) or {}
        on_failure = t.mapping(destinations.get("OnFailure"))
        if on_failure:
            draft.set("on_failure", True, res.where("EventInvokeConfig", "DestinationConfig", "OnFailure"))
            send_failures(ctx, draft, on_failure.get("Destination"), "failed invocations", res, "Properties.EventInvokeConfig.DestinationConfig.OnFailure.Destination")
    url = t.mapping(p.get("FunctionUrlConfig")) if sam else None
    if url is not None:
        _set_url(draft, t.text(url.get("AuthType")), res.where("FunctionUrlConfig", "AuthType"))
    if p.get("CodeSigningConfigArn") is not None:
        draft.set("code_signing", True, res.where("CodeSigningConfigArn"))
    layers = t.items(p.get("Layers"))
    if layers:
        foreign = [i for i, layer in enumerate(layers) if _foreign_layer(t, layer)]
        if foreign:
            draft.set("cross_account_layers", True, f"{res.where('Layers', foreign[0])} is published by another account")
        else:
            draft.set("cross_account_layers", False, f"{res.where('Layers')}: every layer is this stack's or this account's")
    environment = t.mapping(p.get("Environment"))
    if environment is not None and "Variables" in environment:
        found, why = secrets.scan(t, environment.get("Variables"), res.where("Environment", "Variables"))
        draft.set("env_secrets", found, why)
    logging = t.mapping(p.get("LoggingConfig")) or {}
    group = ctx.draft(logging.get("LogGroup"), "AWS::Logs::LogGroup")
    if group is not None:
        ctx.flow_from(draft.id, group.id, "function logs", "log", True, res, "Properties.LoggingConfig.LogGroup")


def send_failures(ctx: Context, sender: Draft, destination: Any, label: str, res: Resource, path: str) -> None:
    """The failure path: what could not be processed travels, asynchronously, to a dead-letter queue or destination."""
    for dlq in ctx.drafts(destination):
        if dlq.type is not CT.IAM_ROLE:
            ctx.flow_from(sender.id, dlq.id, label, "event", True, res, path)


def _set_url(draft: Draft, auth: str | None, where: str) -> None:
    draft.set("function_url", True, where)
    if auth == "NONE":
        draft.set("function_url_auth", "none", f"{where} is NONE")
        draft.set("public", True, f"{where} is NONE: anyone can call the function URL")
    elif auth == "AWS_IAM":
        draft.set("function_url_auth", "iam", f"{where} is AWS_IAM")


def _foreign_layer(t: Template, layer: Any) -> bool:
    if t.targets(layer):
        return False
    text = t.pattern(layer) or ""
    if "${AWS::AccountId}" in text:
        return False
    return bool(re.match(r"^arn:[^:]+:lambda:[^:]*:\d{12}:layer:", text))


def help_permission(ctx: Context, res: Resource) -> None:
    """``AWS::Lambda::Permission``: who may invoke the function, and the flow from a service source."""
    t, p = ctx.template, res.properties
    fn = ctx.draft(p.get("FunctionName"), *FUNCTION_TYPES)
    if fn is None:
        return
    principal = t.text(p.get("Principal")) or ""
    where = f"Resources.{res.id}.Properties.Principal"
    if principal == "*":
        fn.set("policy_any_principal", True, f"{where} is *")
        if t.text(p.get("FunctionUrlAuthType")) == "NONE":
            fn.set("public", True, f"{where} is * with FunctionUrlAuthType NONE")
    elif ACCOUNT_PRINCIPAL.match(principal):
        fn.set("cross_account", True, f"{where} names account {principal.split(':')[4] if ':' in principal else principal}")
    elif SERVICE_PRINCIPAL.match(principal):
        if p.get("SourceArn") is None and p.get("SourceAccount") is None:
            fn.set("source_arn_condition", False, f"Resources.{res.id}.Properties: {principal} may invoke it with no SourceArn or SourceAccount")
        synchronous = principal.startswith("apigateway.") or principal.startswith("cognito-idp.")
        for source in ctx.addressed(p.get("SourceArn")):
            # The permission behind a flow already drawn (an integration, a notification) adds nothing.
            if not any(f.source == source.id and f.target == fn.id for f in ctx.builder.flows):
                ctx.flow_from(source.id, fn.id, principal.split(".")[0], "invoke" if synchronous else "event", not synchronous, res, "Properties.SourceArn")


def help_event_source_mapping(ctx: Context, res: Resource) -> None:
    """``AWS::Lambda::EventSourceMapping``: a polled queue, stream or table feeding a function."""
    t, p = ctx.template, res.properties
    fn = ctx.draft(p.get("FunctionName"), *FUNCTION_TYPES)
    if fn is None:
        return
    for rid, attribute in t.refs(p.get("EventSourceArn")):
        source = ctx.builder.get(rid)
        if source is None:
            continue
        if source.type is CT.DYNAMODB and source.attributes.get("stream") is not True:
            source.set("stream", True, f"Resources.{res.id}.Properties.EventSourceArn reads its stream")
        label = "stream records" if attribute == "StreamArn" or source.type is not CT.SQS else "messages"
        ctx.flow_from(source.id, fn.id, label, "event", False, res, "Properties.EventSourceArn")
    send_batch_failures(ctx, fn, p.get("DestinationConfig"), res, "Properties.DestinationConfig")


def send_batch_failures(ctx: Context, fn: Draft, destination_config: Any, res: Resource, path: str) -> None:
    """An event source mapping's on-failure destination: the function's poller sends what it gave up on there."""
    on_failure = ctx.template.mapping((ctx.template.mapping(destination_config) or {}).get("OnFailure"))
    if on_failure:
        send_failures(ctx, fn, on_failure.get("Destination"), "failed batches", res, f"{path}.OnFailure.Destination")


def help_event_invoke_config(ctx: Context, res: Resource) -> None:
    """``AWS::Lambda::EventInvokeConfig``: an on-failure destination for asynchronous invocations."""
    t, p = ctx.template, res.properties
    fn = ctx.draft(p.get("FunctionName"), *FUNCTION_TYPES)
    destinations = t.mapping(p.get("DestinationConfig")) or {}
    on_failure = t.mapping(destinations.get("OnFailure"))
    if fn is not None and on_failure:
        fn.set("on_failure", True, f"Resources.{res.id}.Properties.DestinationConfig.OnFailure")
        send_failures(ctx, fn, on_failure.get("Destination"), "failed invocations", res, "Properties.DestinationConfig.OnFailure.Destination")


def help_function_url(ctx: Context, res: Resource) -> None:
    """``AWS::Lambda::Url``: a function URL and its auth type."""
    fn = ctx.draft(res.properties.get("TargetFunctionArn"), *FUNCTION_TYPES)
    if fn is not None:
        _set_url(fn, ctx.template.text(res.properties.get("AuthType")), f"Resources.{res.id}.Properties.AuthType")


# --- IAM -----------------------------------------------------------------------


def policy_facts(draft: Draft) -> iam.PolicyFacts:
    """The policy notes of a role draft."""
    facts = draft.facts.setdefault("policies", iam.PolicyFacts())
    assert isinstance(facts, iam.PolicyFacts)
    return facts


def read_role(ctx: Context, res: Resource, draft: Draft) -> None:
    """``AWS::IAM::Role``: its trust policy, inline policies and managed policies."""
    t, p = ctx.template, res.properties
    facts = policy_facts(draft)
    services = iam.trusted_services(t, p.get("AssumeRolePolicyDocument"))
    if services:
        draft.set("trusted_services", tuple(services), "Properties.AssumeRolePolicyDocument")
    for i, policy in enumerate(t.items(p.get("Policies"))):
        policy = t.mapping(policy) or {}
        iam.analyse_document(t, policy.get("PolicyDocument"), f"Properties.Policies[{i}].PolicyDocument", facts)
    for i, arn in enumerate(t.items(p.get("ManagedPolicyArns"))):
        iam.analyse_managed(t, arn, f"Properties.ManagedPolicyArns[{i}]", facts)


def help_policy(ctx: Context, res: Resource) -> None:
    """``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy`` attached to roles of the template."""
    for role in ctx.drafts(res.properties.get("Roles"), "AWS::IAM::Role"):
        iam.analyse_document(ctx.template, res.properties.get("PolicyDocument"), f"Resources.{res.id}.Properties.PolicyDocument", policy_facts(role))


def help_role_policy(ctx: Context, res: Resource) -> None:
    """``AWS::IAM::RolePolicy``: one inline policy of one role, weighed as the role's own ``Policies`` are."""
    role = ctx.draft(res.properties.get("RoleName"), "AWS::IAM::Role")
    if role is not None:
        iam.analyse_document(ctx.template, res.properties.get("PolicyDocument"), f"Resources.{res.id}.Properties.PolicyDocument", policy_facts(role))


def finish_role(ctx: Context, role: Draft) -> None:
    """Turn a role's policy notes into attributes, and its accesses into flows from every user of the role."""
    facts = policy_facts(role)
    read = "; ".join(facts.sources[:3]) + (f" and {len(facts.sources) - 3} more" if len(facts.sources) > 3 else "") or "no policy at all"
    privesc = sorted(facts.privesc)
    found: list[tuple[str, Any, str | None, str]] = [
        ("admin", True, facts.admin, f"no policy allows every action on every resource: {read}"),
        ("actions_wildcard", True, facts.actions_wildcard, f"no policy allows every action of a service: {read}"),
        ("resources_wildcard", True, facts.resources_wildcard, f"no policy allows a scopable action on every resource: {read}"),
        ("privesc_actions", tuple(privesc), "; ".join(f"{a} at {facts.privesc[a]}" for a in privesc[:3]) or None, f"no policy allows an escalation action: {read}"),
    ]
    for name, value, where, clean in found:
        if where is not None:
            role.set(name, value, where)
        elif not facts.unanalysed:
            role.set(name, () if name == "privesc_actions" else False, clean)
        else:
            # A policy the importer cannot read may grant anything: a clean answer would be a guess.
            role.forget(name)
    if facts.unanalysed:
        role.description = (role.description + " " if role.description else "") + "Not analysed: " + "; ".join(facts.unanalysed[:5])
    users = [d for d in ctx.builder.drafts.values() if d.attributes.get("role") == role.id]
    for user in users:
        for access in facts.accesses:
            target = ctx.builder.get(access.target)
            if target is None or target.type is CT.IAM_ROLE:
                continue  # passing or assuming a role is an escalation question, not a data flow
            ctx.builder.flow(user.id, access.target, f"{access.kind} ({access.label})", access.kind, False, role.location)


# --- S3 ------------------------------------------------------------------------

_BPA_FLAGS: Final = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
_PUBLIC_ACLS: Final = {"PublicRead": (True, False), "PublicReadWrite": (True, True), "AuthenticatedRead": (True, False)}
_READ_ACTIONS: Final = ("s3:getobject", "s3:getobjectversion", "s3:listbucket", "s3:listbucketversions")
_WRITE_ACTIONS: Final = ("s3:putobject", "s3:deleteobject", "s3:deleteobjectversion", "s3:putobjectacl")


def read_bucket(ctx: Context, res: Resource, draft: Draft) -> None:
    """Block Public Access, ownership, ACL, versioning, logging, Object Lock, encryption and notifications."""
    t, p = ctx.template, res.properties
    flags = {flag: (True, "AWS default: new buckets block all public access since April 2023") for flag in _BPA_FLAGS}
    bpa = t.mapping(p.get("PublicAccessBlockConfiguration"))
    if bpa is not None:
        for flag in _BPA_FLAGS:
            # Inside a PublicAccessBlockConfiguration, a flag left out is false.
            flags[flag] = (t.flag(bpa.get(flag)) is True, f"Properties.PublicAccessBlockConfiguration.{flag}")
        off = [flag for flag in _BPA_FLAGS if not flags[flag][0]]
        why = f"Properties.PublicAccessBlockConfiguration.{off[0]} is false" if off else "Properties.PublicAccessBlockConfiguration: all four settings are true"
        draft.set("block_public_access", not off, why)
    draft.facts["bpa"] = flags
    ownership = "BucketOwnerEnforced"
    ownership_where = "AWS default: ACLs are disabled (BucketOwnerEnforced) on new buckets since April 2023"
    controls = t.mapping(p.get("OwnershipControls")) or {}
    for i, rule in enumerate(t.items(controls.get("Rules"))):
        value = t.text((t.mapping(rule) or {}).get("ObjectOwnership"))
        if value:
            ownership, ownership_where = value, f"Properties.OwnershipControls.Rules[{i}].ObjectOwnership is {value}"
    draft.facts["ownership"] = (ownership, ownership_where)
    acl = t.text(p.get("AccessControl"))
    if acl:
        draft.facts["acl"] = (acl, f"Properties.AccessControl is {acl}")
    versioning = t.mapping(p.get("VersioningConfiguration"))
    status = t.text(versioning.get("Status")) if versioning is not None else None
    if status is not None:
        draft.set("versioning", status == "Enabled", f"Properties.VersioningConfiguration.Status is {status}")
    elif "VersioningConfiguration" in p:
        draft.forget("versioning")
    logging = t.mapping(p.get("LoggingConfiguration"))
    if logging is not None:
        draft.set("access_logging", True, "Properties.LoggingConfiguration")
        target = ctx.draft(logging.get("DestinationBucketName"), "AWS::S3::Bucket")
        if target is not None:
            ctx.flow_from(draft.id, target.id, "server access logs", "log", True, res, "Properties.LoggingConfiguration")
    lock = t.flag(p.get("ObjectLockEnabled"))
    lock_config = t.mapping(p.get("ObjectLockConfiguration")) or {}
    if lock is not None or lock_config:
        enabled = lock is True or t.text(lock_config.get("ObjectLockEnabled")) == "Enabled"
        draft.set("object_lock", enabled, "Properties.ObjectLockEnabled" if lock is not None else "Properties.ObjectLockConfiguration")
    encryption = t.mapping(p.get("BucketEncryption")) or {}
    for i, rule in enumerate(t.items(encryption.get("ServerSideEncryptionConfiguration"))):
        default = t.mapping((t.mapping(rule) or {}).get("ServerSideEncryptionByDefault")) or {}
        where = f"Properties.BucketEncryption.ServerSideEncryptionConfiguration[{i}].ServerSideEncryptionByDefault"
        algorithm = t.text(default.get("SSEAlgorithm")) or ""
        if algorithm.startswith("aws:kms"):
            draft.set("kms", kms_kind(t, default.get("KMSMasterKeyID")), where)
    notifications = t.mapping(p.get("NotificationConfiguration")) or {}
    for key, prop, types in (
        ("LambdaConfigurations", "Function", FUNCTION_TYPES),
        ("QueueConfigurations", "Queue", ("AWS::SQS::Queue",)),
        ("TopicConfigurations", "Topic", ("AWS::SNS::Topic",)),
    ):
        for i, item in enumerate(t.items(notifications.get(key))):
            item = t.mapping(item) or {}
            target = ctx.draft(item.get(prop), *types)
            if target is not None:
                event = t.text(item.get("Event")) or "object event"
                ctx.flow_from(draft.id, target.id, event, "event", True, res, f"Properties.NotificationConfiguration.{key}[{i}]")


def kms_kind(t: Template, key: Any) -> str:
    """``cmk`` for a customer-managed key, ``aws`` for the AWS managed key (``alias/aws/...``) or none given."""
    if key is None:
        return "aws"
    text = t.pattern(key) or ""
    if t.targets(key, "AWS::KMS::Key", "AWS::KMS::Alias"):
        return "cmk"
    if text.startswith("alias/aws/") or ":alias/aws/" in text:
        return "aws"
    return "cmk"


def principals_of(t: Template, statement: Mapping[str, Any]) -> list[str]:
    """Every principal of a statement as text (``*`` for ``Principal: "*"`` or ``{AWS: "*"}``)."""
    principal = t.value(statement.get("Principal"))
    if isinstance(principal, str):
        return [principal]
    out: list[str] = []
    if isinstance(principal, Mapping):
        for key in ("AWS", "Service", "Federated", "CanonicalUser"):
            for item in t.items(principal.get(key)):
                text = t.text(item)
                if text:
                    out.append(text)
    return out


def limited_by_condition(t: Template, statement: Mapping[str, Any]) -> bool:
    """Whether a Condition pins the statement to known callers or networks."""
    condition = t.mapping(statement.get("Condition")) or {}
    for operator in condition.values():
        for key in (t.mapping(operator) or {}):
            if str(key).lower() in LIMITING_CONDITION_KEYS:
                return True
    return False


def open_statements(t: Template, document: Any, where: str) -> list[tuple[Mapping[str, Any], str, bool, bool]]:
    """Allow statements of a resource policy: (statement, path, any principal, another account)."""
    out: list[tuple[Mapping[str, Any], str, bool, bool]] = []
    doc = t.mapping(document) or {}
    statements = t.value(doc.get("Statement"))
    for i, statement in enumerate(t.items(statements)):
        statement = t.mapping(statement)
        if statement is None or (t.text(statement.get("Effect")) or "Allow") != "Allow":
            continue
        principals = principals_of(t, statement)
        anyone = "*" in principals and not limited_by_condition(t, statement)
        foreign = any(ACCOUNT_PRINCIPAL.match(p) for p in principals)
        path = f"{where}.Statement[{i}]" if isinstance(statements, list) else f"{where}.Statement"
        out.append((statement, path, anyone, foreign))
    return out


def _actions(t: Template, statement: Mapping[str, Any]) -> list[str]:
    return [a.lower() for a in (t.text(x) for x in t.items(statement.get("Action"))) if a]


def _grants(actions: list[str], wanted: tuple[str, ...]) -> bool:
    return any(a == "*" or a == "s3:*" or any(re.fullmatch(re.escape(a).replace(r"\*", ".*"), w) for w in wanted) for a in actions)


def help_bucket_policy(ctx: Context, res: Resource) -> None:
    """``AWS::S3::BucketPolicy``: who the policy lets in."""
    t, p = ctx.template, res.properties
    bucket = ctx.draft(p.get("Bucket"), "AWS::S3::Bucket")
    if bucket is None:
        return
    grants: list[tuple[bool, bool, str]] = bucket.facts.setdefault("grants", [])
    for statement, path, anyone, foreign in open_statements(t, p.get("PolicyDocument"), f"Resources.{res.id}.Properties.PolicyDocument"):
        if anyone:
            bucket.set("policy_any_principal", True, f"{path} allows Principal *")
            actions = _actions(t, statement)
            grants.append((_grants(actions, _READ_ACTIONS), _grants(actions, _WRITE_ACTIONS), path))
        if foreign:
            bucket.set("cross_account", True, f"{path} names another account")


def finish_bucket(ctx: Context, bucket: Draft) -> None:
    """Decide public read/write from the policy grants, the ACL and what Block Public Access blocks."""
    flags: dict[str, tuple[bool, str]] = bucket.facts.get("bpa", {})
    if not flags:
        return
    policy_block = next((where for flag in ("BlockPublicPolicy", "RestrictPublicBuckets") for on, where in [flags[flag]] if on), None)
    acl_block = next((where for flag in ("BlockPublicAcls", "IgnorePublicAcls") for on, where in [flags[flag]] if on), None)
    ownership, ownership_where = bucket.facts["ownership"]
    if ownership == "BucketOwnerEnforced":
        acl_block = acl_block or ownership_where
    for index, attribute in ((0, "public_read"), (1, "public_write")):
        verb = "read" if index == 0 else "write"
        granted: list[str] = [g[2] for g in bucket.facts.get("grants", []) if g[index]]
        acl: tuple[str, str] = bucket.facts.get("acl", ("", ""))
        acl_grants = _PUBLIC_ACLS.get(acl[0], (False, False))[index]
        if granted and policy_block is None:
            bucket.set(attribute, True, f"{granted[0]} lets anyone {verb}; Block Public Access does not stop it")
        elif acl_grants and acl_block is None:
            bucket.set(attribute, True, f"{acl[1]}, and ACLs are in force ({ownership_where})")
        elif granted:
            bucket.set(attribute, False, f"{granted[0]} lets anyone {verb}, but Block Public Access stops public policies ({policy_block})")
        elif acl_grants:
            bucket.set(attribute, False, f"{acl[1]}, but public ACLs have no effect ({acl_block})")


# --- DynamoDB ------------------------------------------------------------------


def read_table(ctx: Context, res: Resource, draft: Draft) -> None:
    """Recovery, protection, streams, encryption and capacity of a table."""
    t, p = ctx.template, res.properties
    pitr = t.mapping(p.get("PointInTimeRecoverySpecification"))
    if pitr is not None:
        enabled = t.flag(pitr.get("PointInTimeRecoveryEnabled"))
        if enabled is None:
            draft.forget("pitr")
        else:
            draft.set("pitr", enabled, "Properties.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled")
    set_flag(t, draft, p, "DeletionProtectionEnabled", "deletion_protection")
    stream = t.mapping(p.get("StreamSpecification"))
    if stream is not None and stream.get("StreamViewType") is not None:
        draft.set("stream", True, "Properties.StreamSpecification.StreamViewType")
    sse = t.mapping(p.get("SSESpecification"))
    if sse is not None and t.flag(sse.get("SSEEnabled")):
        draft.set("kms", kms_kind(t, sse.get("KMSMasterKeyId")) if sse.get("KMSMasterKeyId") is not None else "aws", "Properties.SSESpecification")
    if res.type == "AWS::DynamoDB::Table":
        mode = t.text(p.get("BillingMode"))
        if mode == "PAY_PER_REQUEST":
            draft.set("autoscaling", True, "Properties.BillingMode is PAY_PER_REQUEST")
        elif mode == "PROVISIONED":
            draft.set("autoscaling", False, "Properties.BillingMode is PROVISIONED")
        elif "BillingMode" in p:
            draft.forget("autoscaling")
    elif p.get("ProvisionedThroughput") is not None:
        draft.set("autoscaling", False, "Properties.ProvisionedThroughput: fixed provisioned capacity")
    if p.get("ResourcePolicy") is not None:
        policy = t.mapping(p.get("ResourcePolicy"))
        if policy is None:
            draft.forget("policy_any_principal")
            draft.forget("cross_account")
        for _, path, anyone, foreign in open_statements(t, (policy or {}).get("PolicyDocument"), "Properties.ResourcePolicy.PolicyDocument"):
            if anyone:
                draft.set("policy_any_principal", True, f"{path} allows Principal * with no limiting condition")
            if foreign:
                draft.set("cross_account", True, f"{path} names another account")
    draft.facts["tags"] = _tags(t, p.get("Tags"))


def _tags(t: Template, node: Any) -> dict[str, str]:
    value = t.value(node)
    if isinstance(value, Mapping):
        return {str(k): t.text(v) or "" for k, v in value.items()}
    out: dict[str, str] = {}
    for item in t.items(value):
        item = t.mapping(item) or {}
        key = t.text(item.get("Key"))
        if key:
            out[key] = t.text(item.get("Value")) or ""
    return out


def help_scalable_target(ctx: Context, res: Resource) -> None:
    """``AWS::ApplicationAutoScaling::ScalableTarget`` on a table's capacity."""
    p = res.properties
    if (ctx.template.text(p.get("ServiceNamespace")) or "") != "dynamodb":
        return
    for table in ctx.drafts(p.get("ResourceId"), *TABLE_TYPES):
        table.set("autoscaling", True, f"Resources.{res.id} scales its capacity")


def help_backup_selection(ctx: Context, res: Resource) -> None:
    """``AWS::Backup::BackupSelection``: tables chosen by ARN, by wildcard or by tag."""
    t = ctx.template
    selection = t.mapping(res.properties.get("BackupSelection")) or {}
    where = f"Resources.{res.id}.Properties.BackupSelection"
    chosen = {d.id: f"{where}.Resources" for d in ctx.drafts(selection.get("Resources"), *TABLE_TYPES)}
    for item in t.items(selection.get("Resources")):
        text = t.pattern(item) or ""
        if text == "*" or re.match(r"^arn:[^:]*:dynamodb:[^:]*:[^:]*:table/\*$", re.sub(r"\$\{[^}]*\}", "x", text)):
            for d in ctx.builder.drafts.values():
                if d.type is CT.DYNAMODB:
                    chosen.setdefault(d.id, f"{where}.Resources selects every table")
    for tag in t.items(selection.get("ListOfTags")):
        tag = t.mapping(tag) or {}
        key, value = t.text(tag.get("ConditionKey")), t.text(tag.get("ConditionValue"))
        for d in ctx.builder.drafts.values():
            if d.type is CT.DYNAMODB and key is not None and d.facts.get("tags", {}).get(key) == value:
                chosen.setdefault(d.id, f"{where}.ListOfTags selects tag {key}")
    for table_id, why in chosen.items():
        table = ctx.builder.drafts[table_id]
        table.set("backup_plan", True, why)


# --- API Gateway ---------------------------------------------------------------


@dataclasses.dataclass
class Route:
    """One route of an API, as far as the template shows it."""

    method: str
    """HTTP method (``ANY`` for any)."""
    path: str
    """Resource path or route key."""
    auth: str | None
    """none, iam, cognito, jwt or lambda; None when unknown."""
    validated: bool
    """Whether a request validator checks it."""
    where: str
    """Where the template defines it."""


def routes(api: Draft) -> list[Route]:
    """The route notes of an API draft."""
    found = api.facts.setdefault("routes", [])
    assert isinstance(found, list)
    return found


def authorizer_kind(t: Template, name: str | None, authorizers: Mapping[str, Any]) -> str | None:
    """The kind of a SAM authorizer by name (``AWS_IAM``, ``NONE`` or a key of ``Auth.Authorizers``)."""
    if name is None:
        return None
    if name == "NONE":
        return "none"
    if name == "AWS_IAM":
        return "iam"
    definition = t.mapping(authorizers.get(name))
    if definition is None:
        return None
    if "UserPoolArn" in definition:
        return "cognito"
    if "JwtConfiguration" in definition:
        return "jwt"
    if "FunctionArn" in definition:
        return "lambda"
    return None


def read_api(ctx: Context, res: Resource, draft: Draft) -> None:
    """Endpoint type, default authorizer, logging, throttling, usage plan and stage variables of an API."""
    t, p = ctx.template, res.properties
    http = res.type in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api")
    endpoint = t.value(p.get("EndpointConfiguration"))
    types = [t.text(x) for x in t.items((t.mapping(endpoint) or {}).get("Types" if res.type == "AWS::ApiGateway::RestApi" else "Type"))] if isinstance(endpoint, Mapping) else [t.text(endpoint)]
    if "PRIVATE" in types:
        draft.set("public", False, f"{res.where('EndpointConfiguration')} is PRIVATE")
    if t.flag(p.get("DisableExecuteApiEndpoint")) is True:
        draft.set("public", False, f"{res.where('DisableExecuteApiEndpoint')} is true")
    auth = t.mapping(p.get("Auth")) or {}
    authorizers = t.mapping(auth.get("Authorizers")) or {}
    default = t.text(auth.get("DefaultAuthorizer"))
    draft.facts["authorizers"] = authorizers
    draft.facts["default_auth"] = (authorizer_kind(t, default, authorizers) if default else None, res.where("Auth", "DefaultAuthorizer"))
    plan = t.mapping(auth.get("UsagePlan")) or {}
    if (t.text(plan.get("CreateUsagePlan")) or "NONE") in ("PER_API", "SHARED"):
        draft.set("usage_plan", True, res.where("Auth", "UsagePlan", "CreateUsagePlan"))
    for pool in ctx.drafts(authorizers, "AWS::Cognito::UserPool"):
        ctx.flow_from(draft.id, pool.id, "validates tokens", "read", False, res, "Properties.Auth.Authorizers")
    for fn in ctx.drafts(authorizers, *FUNCTION_TYPES):
        authorize(ctx, draft, fn, res, "Properties.Auth.Authorizers")
    log_key = "AccessLogSettings" if http else "AccessLogSetting"
    _read_access_log(ctx, res, draft, t.mapping(p.get(log_key)), res.where(log_key), f"Properties.{log_key}")
    _read_method_settings(ctx, draft, p.get("MethodSettings"), res.where("MethodSettings"))
    for key in ("DefaultRouteSettings",):
        _read_route_settings(ctx, draft, t.mapping(p.get(key)), res.where(key))
    route_settings = t.mapping(p.get("RouteSettings")) or {}
    for key, settings in route_settings.items():
        _read_route_settings(ctx, draft, t.mapping(settings), res.where("RouteSettings", str(key)))
    variables_key = "StageVariables" if http else "Variables"
    if p.get(variables_key) is not None:
        found, why = secrets.scan(t, p.get(variables_key), res.where(variables_key))
        draft.set("stage_var_secrets", found, why)
    body_key = "Body" if res.type in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api") else "DefinitionBody"
    body = t.mapping(p.get(body_key))
    included = p.get(body_key)
    if isinstance(included, Mapping) and "Fn::Transform" in included:
        # ``Fn::Transform: AWS::Include`` pulls the definition from a file: its routes are as unknown as a DefinitionUri's.
        draft.facts["opaque"] = res.where(body_key, "Fn::Transform")
    elif body is not None:
        read_openapi(ctx, res, draft, body, res.where(body_key), f"Properties.{body_key}")
    elif any(p.get(k) is not None for k in ("DefinitionUri", "BodyS3Location")):
        draft.facts["opaque"] = res.where("DefinitionUri" if "DefinitionUri" in p else "BodyS3Location")
    if res.type == "AWS::ApiGatewayV2::Api" and p.get("Target") is not None:
        for fn in ctx.drafts(p.get("Target"), *FUNCTION_TYPES):
            ctx.flow_from(draft.id, fn.id, "$default", "invoke", False, res, "Properties.Target")
            routes(draft).append(Route("ANY", "$default", "none", False, res.where("Target")))


def _read_access_log(ctx: Context, res: Resource, api: Draft, setting: Mapping[str, Any] | None, where: str, path: str) -> None:
    if setting is None or setting.get("DestinationArn") is None:
        return
    api.set("access_logging", True, f"{where}.DestinationArn")
    for group in ctx.drafts(setting.get("DestinationArn")):
        ctx.flow_from(api.id, group.id, "access logs", "log", True, res, path)


def _read_method_settings(ctx: Context, api: Draft, node: Any, where: str) -> None:
    t = ctx.template
    for i, setting in enumerate(t.items(node)):
        setting = t.mapping(setting) or {}
        at = f"{where}[{i}]"
        if t.number(setting.get("ThrottlingRateLimit")) is not None or t.number(setting.get("ThrottlingBurstLimit")) is not None:
            api.set("throttling", True, f"{at} sets throttling limits")
        if t.flag(setting.get("DataTraceEnabled")) is True:
            api.set("data_trace", True, f"{at}.DataTraceEnabled is true")


def _read_route_settings(ctx: Context, api: Draft, setting: Mapping[str, Any] | None, where: str) -> None:
    t = ctx.template
    if setting is None:
        return
    if t.number(setting.get("ThrottlingRateLimit")) is not None or t.number(setting.get("ThrottlingBurstLimit")) is not None:
        api.set("throttling", True, f"{where} sets throttling limits")
    if t.flag(setting.get("DataTraceEnabled")) is True:
        api.set("data_trace", True, f"{where}.DataTraceEnabled is true")


_OPENAPI_METHODS: Final = ("get", "put", "post", "delete", "patch", "head", "options", "x-amazon-apigateway-any-method")


def read_openapi(ctx: Context, res: Resource, api: Draft, body: Mapping[str, Any], where: str, path_in_resource: str) -> None:
    """Routes, security and integrations of an inline OpenAPI definition."""
    t = ctx.template
    schemes: dict[str, str] = {}
    components = t.mapping(body.get("components")) or {}
    for group in (t.mapping(body.get("securityDefinitions")) or {}, t.mapping(components.get("securitySchemes")) or {}):
        for name, scheme in group.items():
            scheme = t.mapping(scheme) or {}
            auth_type = (t.text(scheme.get("x-amazon-apigateway-authtype")) or "").lower()
            authorizer = t.mapping(scheme.get("x-amazon-apigateway-authorizer")) or {}
            kind = (t.text(authorizer.get("type")) or "").lower()
            for fn in ctx.drafts(authorizer.get("authorizerUri"), *FUNCTION_TYPES):
                authorize(ctx, api, fn, res, path_in_resource)
            if auth_type == "cognito_user_pools" or kind == "cognito_user_pools":
                schemes[str(name)] = "cognito"
            elif auth_type == "awssigv4":
                schemes[str(name)] = "iam"
            elif kind == "jwt":
                schemes[str(name)] = "jwt"
            elif kind in ("token", "request") or auth_type == "custom":
                schemes[str(name)] = "lambda"
            else:
                schemes[str(name)] = "lambda" if authorizer else "iam" if auth_type else "none"
    default_security = t.items(body.get("security"))
    defaulted = res.type in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi") and api.facts.get("default_auth", (None,))[0] is not None
    sam_authorizers = api.facts.get("authorizers", {}) if res.type.startswith("AWS::Serverless::") else {}
    validators = t.mapping(body.get("x-amazon-apigateway-request-validators")) or {}
    default_validator = t.text(body.get("x-amazon-apigateway-request-validator"))
    paths = t.mapping(body.get("paths")) or {}
    for path, operations in paths.items():
        for method, operation in (t.mapping(operations) or {}).items():
            if str(method).lower() not in _OPENAPI_METHODS:
                continue
            operation = t.mapping(operation) or {}
            security = t.items(operation.get("security")) if "security" in operation else default_security
            names = [str(name) for req in security for name in (t.mapping(req) or {})]
            kinds = [schemes[n] if n in schemes else authorizer_kind(t, n, sam_authorizers) or "none" for n in names]
            if defaulted and not any(n == "NONE" or n in sam_authorizers for n in names):
                # SAM adds Auth.DefaultAuthorizer to every method of the body that names none of Auth's authorizers.
                auth = None
            else:
                auth = kinds[0] if kinds else "none"
            validator = t.text(operation.get("x-amazon-apigateway-request-validator")) or default_validator
            chosen = (t.mapping(validators.get(validator)) if validator else None) or {}
            validated = bool(t.flag(chosen.get("validateRequestBody")) or t.flag(chosen.get("validateRequestParameters")))
            verb = "ANY" if "any" in str(method) else str(method).upper()
            routes(api).append(Route(verb, str(path), auth, validated, f"{where}.paths.{path}.{method}"))
            integrate(ctx, api, operation.get("x-amazon-apigateway-integration"), verb, f"{verb} {path}", res, path_in_resource)


def _api_of(ctx: Context, node: Any) -> Draft | None:
    api = ctx.draft(node, *API_TYPES)
    if api is None:
        # A stage reference (``!Ref ApiStage``) stands for its API.
        for rid in ctx.template.targets(node):
            stage = ctx.template.resources.get(rid)
            if rid in ctx.stage_api:
                api = api or ctx.builder.get(ctx.stage_api[rid])
            elif stage is not None and stage.type in ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"):
                api = api or ctx.draft(stage.properties.get("RestApiId") or stage.properties.get("ApiId"), *API_TYPES)
    return api


def help_stage(ctx: Context, res: Resource) -> None:
    """``AWS::ApiGateway::Stage`` and ``AWS::ApiGatewayV2::Stage``: logging, throttling, tracing, variables."""
    t, p = ctx.template, res.properties
    api = _api_of(ctx, p.get("RestApiId") if "RestApiId" in p else p.get("ApiId"))
    if api is None:
        return
    at = f"Resources.{res.id}.Properties"
    v2 = res.type == "AWS::ApiGatewayV2::Stage"
    log_key = "AccessLogSettings" if v2 else "AccessLogSetting"
    _read_access_log(ctx, res, api, t.mapping(p.get(log_key)), f"{at}.{log_key}", f"Properties.{log_key}")
    _read_method_settings(ctx, api, p.get("MethodSettings"), f"{at}.MethodSettings")
    _read_route_settings(ctx, api, t.mapping(p.get("DefaultRouteSettings")), f"{at}.DefaultRouteSettings")
    for key, settings in (t.mapping(p.get("RouteSettings")) or {}).items():
        _read_route_settings(ctx, api, t.mapping(settings), f"{at}.RouteSettings.{key}")
    variables_key = "StageVariables" if v2 else "Variables"
    if p.get(variables_key) is not None:
        found, why = secrets.scan(t, p.get(variables_key), f"{at}.{variables_key}")
        if found or api.attributes.get("stage_var_secrets") is not True:
            api.set("stage_var_secrets", found, why)


_METHOD_AUTH: Final = {"NONE": "none", "AWS_IAM": "iam", "COGNITO_USER_POOLS": "cognito", "CUSTOM": "lambda", "JWT": "jwt"}


def help_method(ctx: Context, res: Resource) -> None:
    """``AWS::ApiGateway::Method``: its authorization, validator and backend."""
    t, p = ctx.template, res.properties
    api = _api_of(ctx, p.get("RestApiId"))
    if api is None:
        return
    method = t.text(p.get("HttpMethod")) or "ANY"
    path = "/"
    parent = t.target(p.get("ResourceId"), "AWS::ApiGateway::Resource")
    if parent is not None:
        path = "/" + (t.text(t.resources[parent].properties.get("PathPart")) or "?")
    kind = _METHOD_AUTH.get(t.text(p.get("AuthorizationType")) or "NONE")
    validated = False
    validator = t.target(p.get("RequestValidatorId"), "AWS::ApiGateway::RequestValidator")
    if validator is not None:
        vp = t.resources[validator].properties
        validated = bool(t.flag(vp.get("ValidateRequestBody")) or t.flag(vp.get("ValidateRequestParameters")))
    routes(api).append(Route(method, path, kind, validated, f"Resources.{res.id}.Properties"))
    integrate(ctx, api, p.get("Integration"), method, f"{method} {path}", res, "Properties.Integration")
    authorizer = t.target(p.get("AuthorizerId"), "AWS::ApiGateway::Authorizer")
    if authorizer is not None:
        for pool in ctx.drafts(t.resources[authorizer].properties.get("ProviderARNs"), "AWS::Cognito::UserPool"):
            ctx.flow_from(api.id, pool.id, "validates tokens", "read", False, res, "Properties.AuthorizerId")


def help_route(ctx: Context, res: Resource) -> None:
    """``AWS::ApiGatewayV2::Route``: its authorization and backend integration."""
    t, p = ctx.template, res.properties
    api = _api_of(ctx, p.get("ApiId"))
    if api is None:
        return
    key = t.text(p.get("RouteKey")) or "$default"
    method, _, path = key.partition(" ")
    kind = _METHOD_AUTH.get(t.text(p.get("AuthorizationType")) or "NONE")
    routes(api).append(Route(method if path else "ANY", path or key, kind, False, f"Resources.{res.id}.Properties"))
    for integration in t.targets(p.get("Target"), "AWS::ApiGatewayV2::Integration"):
        integrate(ctx, api, t.resources[integration].properties, method if path else "ANY", key, res, "Properties.Target")


_INTEGRATION_KINDS: Final = {CT.LAMBDA: "invoke", CT.STEP_FUNCTIONS: "invoke", CT.SQS: "write", CT.SNS: "write", CT.EVENTBRIDGE: "write"}


def integrate(ctx: Context, api: Draft, integration: Any, method: str, label: str, res: Resource, path: str) -> None:
    """Draw what a route's integration calls: a function, or a service API Gateway calls directly
    (``SQS-SendMessage``, ``arn:aws:apigateway:...:states:action/StartExecution``...), named anywhere in its URI,
    request parameters or mapping templates. When it names none (a table named by a literal in a mapping
    template), what its credentials role may use is what it calls."""
    named = ctx.drafts(integration)
    backends = [d for d in named if d.type not in (CT.IAM_ROLE, CT.LOG_GROUP, CT.API_GATEWAY)]
    service = _integration_service(integration)
    if not backends and service is not None:
        for role in (d for d in named if d.type is CT.IAM_ROLE):
            api.facts.setdefault("integration_roles", []).append((role.id, service, method, label, res, path))
    for target in backends:
        ctx.flow_from(api.id, target.id, label, _integration_kind(target, method), False, res, path)


_SERVICES: Final = {"dynamodb": CT.DYNAMODB, "sqs": CT.SQS, "sns": CT.SNS, "events": CT.EVENTBRIDGE, "eventbridge": CT.EVENTBRIDGE, "states": CT.STEP_FUNCTIONS, "stepfunctions": CT.STEP_FUNCTIONS, "s3": CT.S3}
_SERVICE_URI: Final = re.compile(r"apigateway:.*:([a-z0-9]+):(?:action|path)/")


def _integration_service(integration: Any) -> ComponentType | None:
    """The kind of service an AWS integration calls: ``...:dynamodb:action/Query``, ``SQS-SendMessage``."""
    if not isinstance(integration, Mapping):
        return None
    subtype = integration.get("IntegrationSubtype", integration.get("integrationSubtype"))
    if isinstance(subtype, str):
        return _SERVICES.get(subtype.partition("-")[0].lower())
    # The URI is usually a !Sub or !Join around the region: its text is still in the node.
    found = _SERVICE_URI.search(str(integration.get("Uri", integration.get("uri", ""))))
    return _SERVICES.get(found.group(1)) if found else None


def _integration_kind(target: Draft, method: str) -> str:
    if target.type in (CT.DYNAMODB, CT.S3):
        return "read" if method in ("GET", "HEAD") else "write"
    return _INTEGRATION_KINDS.get(target.type, "invoke")


def help_usage_plan(ctx: Context, res: Resource) -> None:
    """``AWS::ApiGateway::UsagePlan``: quotas and throttles on API stages."""
    t = ctx.template
    for i, stage in enumerate(t.items(res.properties.get("ApiStages"))):
        stage = t.mapping(stage) or {}
        api = _api_of(ctx, stage.get("ApiId"))
        if api is not None:
            api.set("usage_plan", True, f"Resources.{res.id}.Properties.ApiStages[{i}]")


def help_web_acl_association(ctx: Context, res: Resource) -> None:
    """``AWS::WAFv2::WebACLAssociation`` (or WAF Regional) on an API stage."""
    p = res.properties
    api = _api_of(ctx, p.get("ResourceArn"))
    if api is None:
        # ``arn:...:/restapis/${Api}/stages/${Stage}`` names the API and its stage in one string.
        for rid in ctx.template.targets(p.get("ResourceArn"), *API_TYPES):
            api = api or ctx.builder.get(rid)
    if api is not None:
        api.set("waf", True, f"Resources.{res.id}.Properties.ResourceArn")


def help_authorizer_v2(ctx: Context, res: Resource) -> None:
    """``AWS::ApiGatewayV2::Authorizer``: the user pool a JWT authorizer trusts."""
    p = res.properties
    api = _api_of(ctx, p.get("ApiId"))
    if api is not None:
        for pool in ctx.drafts(p.get("JwtConfiguration"), "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient"):
            if pool.type is CT.COGNITO:
                ctx.flow_from(api.id, pool.id, "validates tokens", "read", False, res, "Properties.JwtConfiguration")
        for fn in ctx.drafts(p.get("AuthorizerUri"), *FUNCTION_TYPES):
            authorize(ctx, api, fn, res, "Properties.AuthorizerUri")


def help_authorizer(ctx: Context, res: Resource) -> None:
    """``AWS::ApiGateway::Authorizer``: the function a token or request authorizer calls."""
    api = _api_of(ctx, res.properties.get("RestApiId"))
    if api is not None:
        for fn in ctx.drafts(res.properties.get("AuthorizerUri"), *FUNCTION_TYPES):
            authorize(ctx, api, fn, res, "Properties.AuthorizerUri")


def authorize(ctx: Context, api: Draft, fn: Draft, res: Resource, path: str) -> None:
    """The API calls a Lambda authorizer before every route it guards: the function that decides who gets in."""
    ctx.flow_from(api.id, fn.id, "authorizes requests", "invoke", False, res, path)


def finish_api(ctx: Context, api: Draft) -> None:
    """Decide the API's authorizer and request validation from its routes: the weakest route counts."""
    for role_id, service, method, label, res, path in api.facts.get("integration_roles", []):
        role = ctx.builder.get(role_id)
        for access in policy_facts(role).accesses if role is not None else []:
            target = ctx.builder.get(access.target)
            if target is not None and target.type is service:
                ctx.flow_from(api.id, target.id, label, _integration_kind(target, method), False, res, path)
    known = routes(api)
    default_kind, default_where = api.facts.get("default_auth", (None, ""))
    considered = [r for r in known if r.method != "OPTIONS"]
    if considered:
        kinds = [r.auth if r.auth is not None else default_kind for r in considered]
        open_routes = [r for r, k in zip(considered, kinds) if (k or "none") == "none"]
        if open_routes:
            r = open_routes[0]
            api.set("authorizer", "none", f"{r.where}: {r.method} {r.path} has no authorizer")
        elif all(k is not None for k in kinds):
            kind = max(set(kinds), key=kinds.count)
            r = next(r for r, k in zip(considered, kinds) if k == kind)
            via = r.where if r.auth is not None else default_where
            api.set("authorizer", str(kind), f"{via}: every route is authorised ({kind})")
        body_routes = [r for r in considered if r.method in ("POST", "PUT", "PATCH", "ANY")]
        unvalidated = [r for r in body_routes if not r.validated]
        any_validator = any(r.validated for r in considered)
        if unvalidated:
            r = unvalidated[0]
            api.set("request_validation", False, f"{r.where}: {r.method} {r.path} has no request validator")
        elif any_validator:
            r = next(r for r in considered if r.validated)
            api.set("request_validation", True, f"{r.where}: every route that takes a body is validated")
    elif default_kind is not None:
        api.set("authorizer", default_kind, default_where)
    elif "opaque" in api.facts:
        # The routes live in a file the template only points at.
        api.forget("authorizer")
        api.forget("request_validation")


# --- Cognito -------------------------------------------------------------------


def read_user_pool(ctx: Context, res: Resource, draft: Draft) -> None:
    """MFA and threat protection of a user pool."""
    t, p = ctx.template, res.properties
    mfa = t.text(p.get("MfaConfiguration"))
    if mfa in ("OFF", "OPTIONAL", "ON"):
        draft.set("mfa", mfa.lower(), f"Properties.MfaConfiguration is {mfa}")
    elif "MfaConfiguration" in p:
        draft.forget("mfa")
    addons = t.mapping(p.get("UserPoolAddOns")) or {}
    mode = t.text(addons.get("AdvancedSecurityMode"))
    if mode:
        draft.set("threat_protection", mode == "ENFORCED", f"Properties.UserPoolAddOns.AdvancedSecurityMode is {mode}")


def read_identity_pool(ctx: Context, res: Resource, draft: Draft) -> None:
    """Guest access of an identity pool."""
    guests = ctx.template.flag(res.properties.get("AllowUnauthenticatedIdentities"))
    if guests is not None:
        draft.set("guest_access", guests, "Properties.AllowUnauthenticatedIdentities")
    for pool in ctx.drafts(res.properties.get("CognitoIdentityProviders"), "AWS::Cognito::UserPool"):
        ctx.flow_from(draft.id, pool.id, "federates user pool tokens", "read", False, res, "Properties.CognitoIdentityProviders")


def help_user_pool_client(ctx: Context, res: Resource) -> None:
    """``AWS::Cognito::UserPoolClient``: whether sign-in errors reveal which users exist."""
    pool = ctx.draft(res.properties.get("UserPoolId"), "AWS::Cognito::UserPool")
    if pool is None:
        return
    setting = ctx.template.text(res.properties.get("PreventUserExistenceErrors")) or "LEGACY"
    clients: list[tuple[bool, str]] = pool.facts.setdefault("clients", [])
    clients.append((setting == "ENABLED", f"Resources.{res.id}.Properties.PreventUserExistenceErrors is {setting}"))


def finish_user_pool(ctx: Context, pool: Draft) -> None:
    """Every app client must hide unknown users for the pool to count as doing so."""
    clients: list[tuple[bool, str]] = pool.facts.get("clients", [])
    if clients:
        leaky = [why for ok, why in clients if not ok]
        pool.set("prevent_user_existence_errors", not leaky, leaky[0] if leaky else clients[0][1])


# --- Messaging -----------------------------------------------------------------


def read_queue(ctx: Context, res: Resource, draft: Draft) -> None:
    """Redrive and encryption of a queue."""
    t, p = ctx.template, res.properties
    redrive = t.value(p.get("RedrivePolicy"))
    if isinstance(redrive, str):
        try:
            redrive = json.loads(redrive)
        except ValueError:
            redrive = None
    if isinstance(redrive, Mapping) and redrive.get("deadLetterTargetArn") is not None:
        draft.set("redrive", True, "Properties.RedrivePolicy.deadLetterTargetArn")
        send_failures(ctx, draft, p.get("RedrivePolicy"), "messages received too often", res, "Properties.RedrivePolicy.deadLetterTargetArn")
    if p.get("KmsMasterKeyId") is not None:
        draft.set("kms", kms_kind(t, p.get("KmsMasterKeyId")), "Properties.KmsMasterKeyId")
    elif t.flag(p.get("SqsManagedSseEnabled")) is False:
        draft.set("kms", "none", "Properties.SqsManagedSseEnabled is false")


def read_topic(ctx: Context, res: Resource, draft: Draft) -> None:
    """Encryption and inline subscriptions of a topic."""
    t, p = ctx.template, res.properties
    if p.get("KmsMasterKeyId") is not None:
        draft.set("kms", kms_kind(t, p.get("KmsMasterKeyId")), "Properties.KmsMasterKeyId")
    for i, subscription in enumerate(t.items(p.get("Subscription"))):
        subscription = t.mapping(subscription) or {}
        for target in ctx.drafts(subscription.get("Endpoint")):
            ctx.flow_from(draft.id, target.id, "notifications", "event", True, res, f"Properties.Subscription[{i}]")
            draft.facts.setdefault("subscriptions", []).append((False, f"Properties.Subscription[{i}] cannot set a redrive policy"))


def help_subscription(ctx: Context, res: Resource) -> None:
    """``AWS::SNS::Subscription``: a flow from the topic, and whether it has a redrive policy."""
    t, p = ctx.template, res.properties
    topic = ctx.draft(p.get("TopicArn"), "AWS::SNS::Topic")
    if topic is None:
        return
    for target in ctx.drafts(p.get("Endpoint")):
        ctx.flow_from(topic.id, target.id, "notifications", "event", True, res, "Properties.Endpoint")
    has = p.get("RedrivePolicy") is not None
    if has:
        send_failures(ctx, topic, p.get("RedrivePolicy"), "undeliverable notifications", res, "Properties.RedrivePolicy.deadLetterTargetArn")
    topic.facts.setdefault("subscriptions", []).append((has, f"Resources.{res.id}.Properties.RedrivePolicy" + ("" if has else " is not set")))


def finish_topic(ctx: Context, topic: Draft) -> None:
    """A topic's subscriptions all need a redrive policy."""
    subscriptions: list[tuple[bool, str]] = topic.facts.get("subscriptions", [])
    if subscriptions:
        missing = [why for ok, why in subscriptions if not ok]
        topic.set("redrive", not missing, missing[0] if missing else subscriptions[0][1])


def _help_resource_policy(ctx: Context, res: Resource, key: str, types: tuple[str, ...], document: Any, document_key: str = "PolicyDocument") -> None:
    t = ctx.template
    for target in ctx.addressed(res.properties.get(key), *types):
        for _, path, anyone, foreign in open_statements(t, document, f"Resources.{res.id}.Properties.{document_key}"):
            if anyone:
                target.set("policy_any_principal", True, f"{path} allows Principal * with no limiting condition")
            if foreign:
                target.set("cross_account", True, f"{path} names another account")


def help_secret_policy(ctx: Context, res: Resource) -> None:
    """``AWS::SecretsManager::ResourcePolicy``."""
    _help_resource_policy(ctx, res, "SecretId", ("AWS::SecretsManager::Secret",), res.properties.get("ResourcePolicy"), "ResourcePolicy")


def help_queue_policy(ctx: Context, res: Resource) -> None:
    """``AWS::SQS::QueuePolicy``."""
    _help_resource_policy(ctx, res, "Queues", ("AWS::SQS::Queue",), res.properties.get("PolicyDocument"))


def help_topic_policy(ctx: Context, res: Resource) -> None:
    """``AWS::SNS::TopicPolicy``."""
    _help_resource_policy(ctx, res, "Topics", ("AWS::SNS::Topic",), res.properties.get("PolicyDocument"))


def help_queue_inline_policy(ctx: Context, res: Resource) -> None:
    """``AWS::SQS::QueueInlinePolicy``: the one policy of one queue, judged as a ``QueuePolicy`` is."""
    _help_resource_policy(ctx, res, "Queue", ("AWS::SQS::Queue",), res.properties.get("PolicyDocument"))


def help_topic_inline_policy(ctx: Context, res: Resource) -> None:
    """``AWS::SNS::TopicInlinePolicy``: the one policy of one topic, judged as a ``TopicPolicy`` is."""
    _help_resource_policy(ctx, res, "TopicArn", ("AWS::SNS::Topic",), res.properties.get("PolicyDocument"))


def help_event_bus_policy(ctx: Context, res: Resource) -> None:
    """``AWS::Events::EventBusPolicy``: a statement, or the older Principal/Action form."""
    t, p = ctx.template, res.properties
    bus = ctx.draft(p.get("EventBusName"), "AWS::Events::EventBus")
    if bus is None:
        return
    statement = t.mapping(p.get("Statement"))
    principal = t.text(p.get("Principal"))
    where = f"Resources.{res.id}.Properties"
    if statement is not None:
        for _, path, anyone, foreign in open_statements(t, {"Statement": [statement]}, where):
            if anyone:
                bus.set("policy_any_principal", True, f"{where}.Statement allows Principal *")
            if foreign:
                bus.set("cross_account", True, f"{where}.Statement names another account")
    elif principal == "*" and p.get("Condition") is None:
        bus.set("policy_any_principal", True, f"{where}.Principal is *")
    elif principal and ACCOUNT_PRINCIPAL.match(principal):
        bus.set("cross_account", True, f"{where}.Principal names another account")


def read_rule(ctx: Context, res: Resource, draft: Draft) -> None:
    """``AWS::Events::Rule``: the bus it listens to, its targets and their dead-letter queues."""
    t, p = ctx.template, res.properties
    bus = ctx.draft(p.get("EventBusName"), "AWS::Events::EventBus")
    if bus is not None:
        ctx.flow_from(bus.id, draft.id, "matching events", "event", True, res, "Properties.EventBusName")
    targets = t.items(p.get("Targets"))
    missing: list[str] = []
    for i, target in enumerate(targets):
        target = t.mapping(target) or {}
        for d in ctx.drafts(target.get("Arn")):
            ctx.flow_from(draft.id, d.id, "events", "event", True, res, f"Properties.Targets[{i}].Arn")
        dlq = (t.mapping(target.get("DeadLetterConfig")) or {}).get("Arn")
        if dlq is None:
            missing.append(f"Properties.Targets[{i}]")
        send_failures(ctx, draft, dlq, "undeliverable events", res, f"Properties.Targets[{i}].DeadLetterConfig.Arn")
    if targets:
        draft.set("dlq", not missing, f"{missing[0]} has no DeadLetterConfig" if missing else "Properties.Targets: every target has a DeadLetterConfig")


def read_schedule(ctx: Context, res: Resource, draft: Draft) -> None:
    """``AWS::Scheduler::Schedule``: its target and dead-letter queue."""
    t = ctx.template
    target = t.mapping(res.properties.get("Target")) or {}
    for d in ctx.drafts(target.get("Arn")):
        ctx.flow_from(draft.id, d.id, "scheduled events", "event", True, res, "Properties.Target.Arn")
    dlq = (t.mapping(target.get("DeadLetterConfig")) or {}).get("Arn")
    if dlq is not None:
        draft.set("dlq", True, "Properties.Target.DeadLetterConfig")
        send_failures(ctx, draft, dlq, "undeliverable events", res, "Properties.Target.DeadLetterConfig.Arn")


_PIPE_SYNC_TARGETS: Final = {
    CT.LAMBDA: "LambdaFunctionParameters",
    CT.STEP_FUNCTIONS: "StepFunctionStateMachineParameters",
}
"""Targets a pipe waits for unless their InvocationType is FIRE_AND_FORGET."""


def read_pipe(ctx: Context, res: Resource, draft: Draft) -> None:
    """``AWS::Pipes::Pipe``: it polls its source, may call an enrichment, then delivers to its target."""
    t, p = ctx.template, res.properties
    for rid, attribute in t.refs(p.get("Source")):
        source = ctx.builder.get(rid)
        if source is None or source.type is CT.IAM_ROLE:
            continue
        if source.type is CT.DYNAMODB and source.attributes.get("stream") is not True:
            source.set("stream", True, f"Resources.{res.id}.Properties.Source reads its stream")
        label = "messages" if source.type is CT.SQS else "stream records" if attribute == "StreamArn" else "records"
        # Polled like an event source mapping: the pipe reads, nobody pushes.
        ctx.flow_from(source.id, draft.id, label, "event", False, res, "Properties.Source")
    for enrichment in ctx.drafts(p.get("Enrichment")):
        ctx.flow_from(draft.id, enrichment.id, "records to enrich", "invoke", False, res, "Properties.Enrichment")
    target_parameters = t.mapping(p.get("TargetParameters")) or {}
    for target in ctx.drafts(p.get("Target")):
        key = _PIPE_SYNC_TARGETS.get(target.type)
        invocation = t.text((t.mapping(target_parameters.get(key)) or {}).get("InvocationType")) if key else None
        waits = key is not None and invocation != "FIRE_AND_FORGET"
        ctx.flow_from(draft.id, target.id, "records", "invoke" if waits else "event", not waits, res, "Properties.Target")
    logging = t.mapping(p.get("LogConfiguration")) or {}
    for group in ctx.drafts(logging.get("CloudwatchLogsLogDestination"), "AWS::Logs::LogGroup"):
        ctx.flow_from(draft.id, group.id, "pipe logs", "log", True, res, "Properties.LogConfiguration.CloudwatchLogsLogDestination")
    for name, parameters in (t.mapping(p.get("SourceParameters")) or {}).items():
        dlq = (t.mapping((t.mapping(parameters) or {}).get("DeadLetterConfig")) or {}).get("Arn")
        if dlq is not None:
            draft.set("dlq", True, f"{res.where('SourceParameters', str(name))}.DeadLetterConfig")
            send_failures(ctx, draft, dlq, "records that failed", res, f"Properties.SourceParameters.{name}.DeadLetterConfig.Arn")


# --- Step Functions ------------------------------------------------------------

_SFN_LEVELS: Final = {"ALL": "all", "ERROR": "error", "FATAL": "error", "OFF": "off"}
_SFN_TYPES: Final = {"STANDARD": "standard", "EXPRESS": "express"}


def read_state_machine(ctx: Context, res: Resource, draft: Draft) -> None:
    """Workflow type, logging, tracing, role, secrets in the definition, and the services it calls."""
    t, p = ctx.template, res.properties
    sam = res.type == "AWS::Serverless::StateMachine"
    type_key = "Type" if sam else "StateMachineType"
    if type_key in p:
        # An unresolvable or invalid value is no evidence for the STANDARD default: unknown.
        kind = t.text(p.get(type_key))
        if kind in _SFN_TYPES:
            draft.set("workflow_type", _SFN_TYPES[kind], f"{res.where(type_key)} is {kind}")
        else:
            draft.forget("workflow_type")
    logging = t.mapping(p.get("Logging" if sam else "LoggingConfiguration"))
    if logging is not None:
        level = t.text(logging.get("Level")) or "OFF"
        draft.set("logging", _SFN_LEVELS.get(level, "off"), f"{res.where('Logging' if sam else 'LoggingConfiguration', 'Level')} is {level}")
    tracing = t.mapping(p.get("Tracing" if sam else "TracingConfiguration"))
    if tracing is not None:
        draft.set("tracing", t.flag(tracing.get("Enabled")) is True, res.where("Tracing" if sam else "TracingConfiguration", "Enabled"))
    role = p.get("Role" if sam else "RoleArn")
    if role is not None:
        set_role(ctx, draft, role, res.where("Role" if sam else "RoleArn"), res)
    definition: Any = t.value(p.get("Definition"))
    key = "Definition"
    if "DefinitionString" in p:
        key = "DefinitionString"
        text = t.pattern(p.get("DefinitionString")) or ""
        try:
            definition = json.loads(text)
        except ValueError:
            definition = text
    if definition is not None and definition is not UNKNOWN:
        why = secrets.scan_document(definition if not isinstance(definition, str) else {"definition": definition})
        if why is not None:
            draft.set("definition_secrets", True, f"{res.where(key)}: {why}")
    substitutions = p.get("DefinitionSubstitutions")
    for target in ctx.drafts([p.get("Definition"), p.get("DefinitionString"), substitutions]):
        kind = "invoke" if target.type in (CT.LAMBDA, CT.STEP_FUNCTIONS) else "write"
        ctx.flow_from(draft.id, target.id, "task", kind, False, res, f"Properties.{'DefinitionSubstitutions' if substitutions is not None else key}")


# --- Secrets, parameters and logs ------------------------------------------------


def read_secret(ctx: Context, res: Resource, draft: Draft) -> None:
    """Encryption of a Secrets Manager secret."""
    if res.properties.get("KmsKeyId") is not None:
        draft.set("kms", kms_kind(ctx.template, res.properties.get("KmsKeyId")), "Properties.KmsKeyId")


def help_rotation(ctx: Context, res: Resource) -> None:
    """``AWS::SecretsManager::RotationSchedule``."""
    p = res.properties
    secret = ctx.draft(p.get("SecretId"), "AWS::SecretsManager::Secret")
    if secret is not None and any(p.get(k) is not None for k in ("RotationLambdaARN", "HostedRotationLambda", "RotationRules")):
        secret.set("rotation", True, f"Resources.{res.id}")


def read_parameter(ctx: Context, res: Resource, draft: Draft) -> None:
    """Type of a Systems Manager parameter."""
    kind = ctx.template.text(res.properties.get("Type"))
    if kind == "SecureString":
        draft.set("kind", "ssm_secure", "Properties.Type is SecureString")


def read_log_group(ctx: Context, res: Resource, draft: Draft) -> None:
    """Retention, data protection, encryption, and the function whose logs it holds."""
    t, p = ctx.template, res.properties
    days = t.number(p.get("RetentionInDays"))
    if days is not None and days >= 1:
        draft.set("retention_days", days, "Properties.RetentionInDays")
    elif "RetentionInDays" in p:
        draft.forget("retention_days")
    if p.get("DataProtectionPolicy") is not None:
        draft.set("data_protection_policy", True, "Properties.DataProtectionPolicy")
    if p.get("KmsKeyId") is not None:
        draft.set("kms", "cmk", "Properties.KmsKeyId")
    name = t.pattern(p.get("LogGroupName")) or ""
    for fn in ctx.drafts(p.get("LogGroupName"), *FUNCTION_TYPES):
        ctx.flow_from(fn.id, draft.id, "function logs", "log", True, res, "Properties.LogGroupName")
    match = re.fullmatch(r"/aws/lambda/([^${}]+)", name)
    if match and match.group(1) in ctx.by_name:
        ctx.flow_from(ctx.by_name[match.group(1)], draft.id, "function logs", "log", True, res, "Properties.LogGroupName")


def help_trail(ctx: Context, res: Resource) -> None:
    """``AWS::CloudTrail::Trail``: S3 data events for some or all buckets."""
    t = ctx.template
    for selector in t.items(res.properties.get("EventSelectors")):
        selector = t.mapping(selector) or {}
        for data in t.items(selector.get("DataResources")):
            data = t.mapping(data) or {}
            if t.text(data.get("Type")) != "AWS::S3::Object":
                continue
            values = data.get("Values")
            chosen = ctx.drafts(values, "AWS::S3::Bucket")
            if any(re.fullmatch(r"arn:[^:]*:s3(:::)?/?", (t.pattern(v) or "").replace("${AWS::Partition}", "aws")) for v in t.items(values)):
                chosen = [d for d in ctx.builder.drafts.values() if d.type is CT.S3]
            for bucket in chosen:
                bucket.set("data_events", True, f"Resources.{res.id}.Properties.EventSelectors")


def help_subscription_filter(ctx: Context, res: Resource) -> None:
    """``AWS::Logs::SubscriptionFilter``: log events streamed elsewhere."""
    group = ctx.draft(res.properties.get("LogGroupName"), "AWS::Logs::LogGroup")
    if group is None:
        return
    for target in ctx.drafts(res.properties.get("DestinationArn")):
        ctx.flow_from(group.id, target.id, "log events", "log", True, res, "Properties.DestinationArn")


# --- roles shared by readers -----------------------------------------------------


def set_role(ctx: Context, user: Draft, node: Any, where: str, res: Resource) -> None:
    """Point a function or state machine at its role: a role of the template, or one made for an ARN or parameter."""
    t = ctx.template
    rid = t.target(node, "AWS::IAM::Role")
    if rid is not None:
        user.set("role", rid, where)
        return
    parameter = t.parameter_ref(node)
    text = t.text(node) if parameter is None or parameter.default is not UNKNOWN else None
    if parameter is not None and text is None:
        role_id, name, described = parameter.name, f"role given by parameter {parameter.name}", f"Parameters.{parameter.name}"
    else:
        arn = text or t.pattern(node) or ""
        match = re.search(r":role/(?:.*/)?([^/]+)$", arn)
        if match is None:
            user.forget("role")
            return
        name = match.group(1)
        role_id = re.sub(r"[^A-Za-z0-9]", "", name) or "ExternalRole"
        described = f"{where} (an existing role outside the template)"
        existing = ctx.builder.get(role_id)
        if role_id in t.resources or role_id in t.parameters or (existing is not None and existing.resource_type != "external"):
            role_id = f"External{role_id}"
    if role_id not in ctx.builder.drafts:
        ctx.builder.add(
            Draft(role_id, CT.IAM_ROLE, name, "external", dataclasses.replace(res.location, path=described), description="Defined outside the template; its policies are not known.")
        )
    user.set("role", role_id, where)


READERS: Final[dict[str, Reader]] = {
    "AWS::Serverless::Function": read_function,
    "AWS::Lambda::Function": read_function,
    "AWS::Serverless::Api": read_api,
    "AWS::ApiGateway::RestApi": read_api,
    "AWS::Serverless::HttpApi": read_api,
    "AWS::ApiGatewayV2::Api": read_api,
    "AWS::DynamoDB::Table": read_table,
    "AWS::Serverless::SimpleTable": read_table,
    "AWS::S3::Bucket": read_bucket,
    "AWS::Cognito::UserPool": read_user_pool,
    "AWS::Cognito::IdentityPool": read_identity_pool,
    "AWS::SQS::Queue": read_queue,
    "AWS::SNS::Topic": read_topic,
    "AWS::Events::Rule": read_rule,
    "AWS::Scheduler::Schedule": read_schedule,
    "AWS::Pipes::Pipe": read_pipe,
    "AWS::Serverless::StateMachine": read_state_machine,
    "AWS::StepFunctions::StateMachine": read_state_machine,
    "AWS::SecretsManager::Secret": read_secret,
    "AWS::SSM::Parameter": read_parameter,
    "AWS::Logs::LogGroup": read_log_group,
    "AWS::IAM::Role": read_role,
}
"""Readers of component resources, by type."""

HELPERS: Final[dict[str, Helper | None]] = {
    "AWS::S3::BucketPolicy": help_bucket_policy,
    "AWS::SQS::QueuePolicy": help_queue_policy,
    "AWS::SNS::TopicPolicy": help_topic_policy,
    "AWS::SQS::QueueInlinePolicy": help_queue_inline_policy,
    "AWS::SNS::TopicInlinePolicy": help_topic_inline_policy,
    "AWS::SNS::Subscription": help_subscription,
    "AWS::Events::EventBusPolicy": help_event_bus_policy,
    "AWS::Lambda::Permission": help_permission,
    "AWS::Lambda::EventSourceMapping": help_event_source_mapping,
    "AWS::Lambda::EventInvokeConfig": help_event_invoke_config,
    "AWS::Lambda::Url": help_function_url,
    "AWS::Lambda::Version": None,
    "AWS::Lambda::Alias": None,
    "AWS::Lambda::LayerVersion": None,
    "AWS::Lambda::LayerVersionPermission": None,
    "AWS::Lambda::CodeSigningConfig": None,
    "AWS::Serverless::LayerVersion": None,
    "AWS::ApiGateway::Stage": help_stage,
    "AWS::ApiGateway::Method": help_method,
    "AWS::ApiGateway::UsagePlan": help_usage_plan,
    "AWS::ApiGateway::Deployment": None,
    "AWS::ApiGateway::Resource": None,
    "AWS::ApiGateway::Authorizer": help_authorizer,
    "AWS::ApiGateway::RequestValidator": None,
    "AWS::ApiGateway::Model": None,
    "AWS::ApiGateway::GatewayResponse": None,
    "AWS::ApiGateway::Account": None,
    "AWS::ApiGateway::ApiKey": None,
    "AWS::ApiGateway::UsagePlanKey": None,
    "AWS::ApiGateway::BasePathMapping": None,
    "AWS::ApiGatewayV2::Stage": help_stage,
    "AWS::ApiGatewayV2::Route": help_route,
    "AWS::ApiGatewayV2::Integration": None,
    "AWS::ApiGatewayV2::Authorizer": help_authorizer_v2,
    "AWS::ApiGatewayV2::Deployment": None,
    "AWS::ApiGatewayV2::ApiMapping": None,
    "AWS::WAFv2::WebACLAssociation": help_web_acl_association,
    "AWS::WAFRegional::WebACLAssociation": help_web_acl_association,
    "AWS::Cognito::UserPoolClient": help_user_pool_client,
    "AWS::Cognito::UserPoolDomain": None,
    "AWS::Cognito::UserPoolGroup": None,
    "AWS::Cognito::UserPoolUser": None,
    "AWS::Cognito::UserPoolUserToGroupAttachment": None,
    "AWS::Cognito::UserPoolResourceServer": None,
    "AWS::Cognito::UserPoolIdentityProvider": None,
    "AWS::Cognito::IdentityPoolRoleAttachment": None,
    "AWS::SecretsManager::RotationSchedule": help_rotation,
    "AWS::SecretsManager::SecretTargetAttachment": None,
    "AWS::SecretsManager::ResourcePolicy": help_secret_policy,
    "AWS::IAM::Policy": help_policy,
    "AWS::IAM::ManagedPolicy": help_policy,
    "AWS::IAM::RolePolicy": help_role_policy,
    # A person's or a group's policies: part of the user or group, whose permissions no card weighs (yet).
    "AWS::IAM::UserPolicy": None,
    "AWS::IAM::GroupPolicy": None,
    "AWS::IAM::UserToGroupAddition": None,
    "AWS::Backup::BackupSelection": help_backup_selection,
    "AWS::Backup::BackupPlan": None,
    "AWS::Backup::BackupVault": None,
    "AWS::AppConfig::Application": None,
    "AWS::AppConfig::Environment": None,
    "AWS::AppConfig::DeploymentStrategy": None,
    "AWS::AppConfig::Deployment": None,
    "AWS::AppConfig::HostedConfigurationVersion": None,
    "AWS::ApplicationAutoScaling::ScalableTarget": help_scalable_target,
    "AWS::ApplicationAutoScaling::ScalingPolicy": None,
    "AWS::CloudTrail::Trail": help_trail,
    "AWS::Logs::SubscriptionFilter": help_subscription_filter,
    "AWS::Logs::LogStream": None,
    "AWS::Logs::MetricFilter": None,
    "AWS::Logs::ResourcePolicy": None,  # which services may write to the account's log groups: no component's own
}
"""Helper resources folded into the component they configure (None: they change nothing the vocabulary holds)."""

FINISHERS: Final[dict[ComponentType, Callable[[Context, Draft], None]]] = {
    CT.S3: finish_bucket,
    CT.API_GATEWAY: finish_api,
    CT.COGNITO: finish_user_pool,
    CT.SNS: finish_topic,
}
"""Decisions taken once every resource has been read (roles are finished last, after SAM's generated ones)."""
