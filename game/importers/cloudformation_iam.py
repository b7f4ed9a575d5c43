"""What an IAM role may do, read from the policies a template gives it.

The questions are the catalogue's elevation-of-privilege ones: does a policy
allow every action (``*``, a whole service such as ``s3:*``, or ``NotAction``),
every resource (``*``, ``NotResource`` or an ARN whose resource part is only a
wildcard), everything on everything (administrator), or one of the actions
that let a principal raise its own privileges. Statements are judged one by
one; ``Deny`` statements and ``Condition`` blocks are not weighed, so the
answers describe what the ``Allow`` statements grant.

Some actions cannot be limited to a resource (``xray:PutTraceSegments``,
``cloudwatch:PutMetricData``, VPC network interfaces...) and AWS's basic
Lambda execution policies grant them, or CloudWatch Logs writes, on ``*``;
those never count as a resource wildcard, or every function would look
over-privileged.

Besides the flags, every resource of the template that a policy names, by
reference or by a literal ARN (:mod:`~game.importers.cloudformation_arns`), is
recorded as an :class:`Access` (read, write or invoke), which the importer
turns into data flows from the role's users.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Mapping
from typing import Any, Final

from game.importers import cloudformation_arns as arns
from game.importers.cloudformation_template import ABSENT, UNKNOWN, Template, is_intrinsic

PRIVESC_ACTIONS: Final = (
    "iam:AddUserToGroup",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion",
    "iam:PassRole",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateLoginProfile",
    "lambda:UpdateFunctionCode",
    "sts:AssumeRole",
)
"""Actions that let a principal grant itself more (``sts:AssumeRole`` only on every role)."""

UNSCOPABLE_ACTIONS: Final = frozenset(
    a.lower()
    for a in (
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
        "cloudwatch:PutMetricData",
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:DetachNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
        "ssm:DescribeParameters",
        "secretsmanager:GetRandomPassword",
        "secretsmanager:ListSecrets",
        "kms:ListKeys",
        "kms:ListAliases",
        "s3:ListAllMyBuckets",
        "sts:GetCallerIdentity",
    )
)
"""Actions with no resource-level permissions: ``Resource: "*"`` is the only way to grant them."""

_ALL: Final = "*"

# AWS managed policies, summarised as the Allow statements that matter here.
# An empty tuple marks the basic execution, tracing and networking policies a
# function needs to run at all: they never make a role over-privileged.
MANAGED_POLICIES: Final[dict[str, tuple[dict[str, Any], ...]]] = {
    "AWSLambdaBasicExecutionRole": (),
    "AWSLambdaBasicDurableExecutionRolePolicy": (),
    "AWSLambdaVPCAccessExecutionRole": (),
    "AWSLambdaENIManagementAccess": (),
    "AWSXRayDaemonWriteAccess": (),
    "AWSXrayWriteOnlyAccess": (),
    "CloudWatchLambdaInsightsExecutionRolePolicy": (),
    "AdministratorAccess": ({"Action": "*", "Resource": "*"},),
    "PowerUserAccess": ({"NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},),
    "IAMFullAccess": ({"Action": "iam:*", "Resource": "*"},),
    "ReadOnlyAccess": ({"Action": ["s3:Get*", "s3:List*", "dynamodb:Get*", "dynamodb:Query", "dynamodb:Scan", "secretsmanager:Describe*"], "Resource": "*"},),
    "AmazonS3FullAccess": ({"Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"},),
    "AmazonS3ReadOnlyAccess": ({"Action": ["s3:Get*", "s3:List*", "s3:Describe*"], "Resource": "*"},),
    "AmazonDynamoDBFullAccess": ({"Action": ["dynamodb:*", "application-autoscaling:*"], "Resource": "*"},),
    "AmazonDynamoDBReadOnlyAccess": ({"Action": ["dynamodb:BatchGetItem", "dynamodb:Describe*", "dynamodb:List*", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"], "Resource": "*"},),
    "AmazonSQSFullAccess": ({"Action": "sqs:*", "Resource": "*"},),
    "AmazonSNSFullAccess": ({"Action": "sns:*", "Resource": "*"},),
    "AWSLambda_FullAccess": ({"Action": ["lambda:*", "iam:PassRole"], "Resource": "*"},),
    "AWSLambdaExecute": ({"Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::*"},),
    "AWSLambdaRole": ({"Action": "lambda:InvokeFunction", "Resource": "*"},),
    "AWSLambdaDynamoDBExecutionRole": ({"Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"], "Resource": "*"},),
    "AWSLambdaSQSQueueExecutionRole": ({"Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], "Resource": "*"},),
    "AWSLambdaKinesisExecutionRole": ({"Action": ["kinesis:DescribeStream", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListStreams"], "Resource": "*"},),
    "SecretsManagerReadWrite": ({"Action": "secretsmanager:*", "Resource": "*"},),
    "AmazonSSMFullAccess": ({"Action": "ssm:*", "Resource": "*"},),
    "AmazonSSMReadOnlyAccess": ({"Action": ["ssm:Describe*", "ssm:Get*", "ssm:List*"], "Resource": "*"},),
    "CloudWatchFullAccess": ({"Action": ["cloudwatch:*", "logs:*"], "Resource": "*"},),
    "CloudWatchLogsFullAccess": ({"Action": "logs:*", "Resource": "*"},),
    "AmazonEventBridgeFullAccess": ({"Action": "events:*", "Resource": "*"},),
    "AWSStepFunctionsFullAccess": ({"Action": "states:*", "Resource": "*"},),
    "AmazonKinesisFullAccess": ({"Action": "kinesis:*", "Resource": "*"},),
    "AmazonAPIGatewayAdministrator": ({"Action": "apigateway:*", "Resource": "*"},),
    "AmazonCognitoPowerUser": ({"Action": ["cognito-identity:*", "cognito-idp:*", "cognito-sync:*"], "Resource": "*"},),
}
"""AWS managed policies the importer knows, by name; others are reported as not analysed."""


@dataclasses.dataclass(frozen=True)
class PolicyTemplate:
    """What a SAM policy template grants, in brief."""

    access: str | None
    """How the named resource is used: read, write or invoke (None: nothing in the template)."""
    actions_wildcard: bool = False
    """Whether it allows a whole service (``textract:*``)."""
    resources_wildcard: bool = False
    """Whether it allows a scopable action on every resource of a kind."""


_R, _W, _X = PolicyTemplate("read"), PolicyTemplate("write"), PolicyTemplate("invoke")

POLICY_TEMPLATES: Final[dict[str, PolicyTemplate]] = {
    "DynamoDBCrudPolicy": _W,
    "DynamoDBReadPolicy": _R,
    "DynamoDBWritePolicy": _W,
    "DynamoDBStreamReadPolicy": _R,
    "DynamoDBBackupFullAccessPolicy": _W,
    "DynamoDBRestoreFromBackupPolicy": _W,
    "DynamoDBReconfigurePolicy": _W,
    "S3ReadPolicy": _R,
    "S3WritePolicy": _W,
    "S3CrudPolicy": _W,
    "S3FullAccessPolicy": _W,
    "SQSPollerPolicy": _R,
    "SQSSendMessagePolicy": _W,
    "SNSPublishMessagePolicy": _W,
    "SNSCrudPolicy": _W,
    "LambdaInvokePolicy": _X,
    "StepFunctionsExecutionPolicy": _X,
    "StepFunctionsCallbackPolicy": _X,
    "EventBridgePutEventsPolicy": _W,
    "SSMParameterReadPolicy": _R,
    "SSMParameterWithSlashPrefixReadPolicy": _R,
    "AWSSecretsManagerGetSecretValuePolicy": _R,
    "AWSSecretsManagerRotationPolicy": PolicyTemplate("write", resources_wildcard=True),
    "KMSDecryptPolicy": _R,
    "KMSEncryptPolicy": _W,
    "KinesisStreamReadPolicy": _R,
    "KinesisCrudPolicy": _W,
    "FirehoseWritePolicy": _W,
    "FirehoseCrudPolicy": _W,
    "FilterLogEventsPolicy": _R,
    "SESCrudPolicy": PolicyTemplate(None),
    "SESSendBouncePolicy": PolicyTemplate(None),
    "ElasticsearchHttpPostPolicy": _W,
    "CloudWatchPutMetricPolicy": PolicyTemplate(None),
    "VPCAccessPolicy": PolicyTemplate(None),
    "TextractPolicy": PolicyTemplate(None, actions_wildcard=True, resources_wildcard=True),
    "EcsRunTaskPolicy": _X,
}
"""The SAM policy templates the importer knows; parameters naming a template resource become accesses."""

_WRITE_VERB = re.compile(
    r"^(put|update|delete|batchwrite|create|send|publish|write|change|post|upload|restore|remove|tag|untag|set|modify|add|attach|detach|es:eshttp(post|put|delete))",
    re.IGNORECASE,
)
_WILDCARD_ARN = re.compile(r"^arn:[^:]*:[^:]*:[^:]*:[^:]*:(\*|[A-Za-z-]+[/:]\*)$")


@dataclasses.dataclass(frozen=True)
class Access:
    """A resource of the template a policy lets the role use."""

    target: str
    """Logical id of the resource."""
    kind: str
    """read, write or invoke."""
    label: str
    """What grants it, e.g. ``DynamoDBCrudPolicy``."""


@dataclasses.dataclass
class PolicyFacts:
    """What a role's policies add up to; each finding keeps the first place that shows it."""

    actions_wildcard: str | None = None
    """Where an Allow statement grants every action (of all or of one service)."""
    resources_wildcard: str | None = None
    """Where an Allow statement grants a scopable action on every resource."""
    admin: str | None = None
    """Where everything is allowed on everything."""
    privesc: dict[str, str] = dataclasses.field(default_factory=dict)
    """Escalation action → where it is granted."""
    accesses: list[Access] = dataclasses.field(default_factory=list)
    """Template resources the policies name."""
    unanalysed: list[str] = dataclasses.field(default_factory=list)
    """Policies that could not be read (customer managed ARNs, unknown templates, parameters)."""
    sources: list[str] = dataclasses.field(default_factory=list)
    """Every policy that was read, for provenance."""

    def note_access(self, access: Access) -> None:
        """Record an access once."""
        if access not in self.accesses:
            self.accesses.append(access)


def _as_list(value: Any) -> list[Any]:
    if value is None or value is ABSENT or value is UNKNOWN:
        return []
    return list(value) if isinstance(value, list) else [value]


def _known(template: Template, node: Any) -> Any:
    """The value of a node, or the node itself when it only resolves at deploy time (an ARN built with ``!Sub``)."""
    value = template.value(node)
    return node if value is UNKNOWN else value


def _matches(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def _is_action_wildcard(action: str) -> bool:
    return action == _ALL or action.endswith(":*")


def _is_resource_wildcard(pattern: str | None) -> bool:
    if pattern is None:
        return False
    if pattern.strip() == _ALL:
        return True
    # Placeholders for region/account/partition (``${AWS::Region}``) do not narrow anything.
    flattened = re.sub(r"\$\{[^}]*\}", "x", pattern)
    return bool(_WILDCARD_ARN.match(flattened))


def _access_kind(actions: list[str]) -> str:
    if any(a.lower().split(":", 1)[-1] == "invokefunction" or a.lower() == "states:startexecution" for a in actions):
        return "invoke"
    if any(a == _ALL or _WRITE_VERB.match(a.split(":", 1)[-1]) or a.endswith(":*") for a in actions):
        return "write"
    return "read"


def analyse_statement(template: Template, statement: Any, where: str, facts: PolicyFacts) -> None:
    """Weigh one policy statement."""
    statement = template.value(statement)
    if not isinstance(statement, Mapping):
        return
    effect = template.text(statement.get("Effect", "Allow"))
    if effect is not None and effect != "Allow":
        return
    actions = [a for a in (template.text(x) for x in _as_list(_known(template, statement.get("Action")))) if a]
    not_action = "NotAction" in statement
    excluded = [a for a in (template.text(x) for x in _as_list(_known(template, statement.get("NotAction")))) if a]
    resources = _as_list(_known(template, statement.get("Resource")))
    patterns = [template.pattern(r) for r in resources]
    every_resource = "NotResource" in statement or any(_is_resource_wildcard(p) for p in patterns)

    if not_action or any(_is_action_wildcard(a) for a in actions):
        facts.actions_wildcard = facts.actions_wildcard or where
    if (not_action and not excluded) or _ALL in actions or "*:*" in actions:
        if every_resource:
            facts.admin = facts.admin or where
    scopable = not_action or any(a.lower() not in UNSCOPABLE_ACTIONS for a in actions)
    if every_resource and scopable:
        facts.resources_wildcard = facts.resources_wildcard or where

    for privesc in PRIVESC_ACTIONS:
        if privesc == "sts:AssumeRole" and not every_resource:
            continue
        if not_action:
            granted = not any(_matches(p, privesc) for p in excluded)
        else:
            granted = any(_matches(p, privesc) for p in actions)
        if granted:
            facts.privesc.setdefault(privesc, where)

    if actions:
        kind = _access_kind(actions)
        named = [arns.named(template, r) for r in resources]  # literal ARNs of resources the template names
        for target in [*template.targets(resources), *(rid for rid in named if rid is not None)]:
            facts.note_access(Access(target, kind, "policy"))


def analyse_document(template: Template, document: Any, where: str, facts: PolicyFacts) -> None:
    """Weigh every statement of a policy document."""
    document = template.value(document)
    if not isinstance(document, Mapping):
        facts.unanalysed.append(where)
        return
    facts.sources.append(where)
    statements = template.value(document.get("Statement"))
    for i, statement in enumerate(_as_list(statements)):
        analyse_statement(template, statement, f"{where}.Statement[{i}]" if isinstance(statements, list) else f"{where}.Statement", facts)


def managed_policy_name(text: str) -> str:
    """The policy name in a managed policy ARN (``arn:aws:iam::aws:policy/service-role/X`` → ``X``)."""
    return text.rsplit("/", 1)[-1] if "policy/" in text else text


def analyse_managed(template: Template, value: Any, where: str, facts: PolicyFacts) -> None:
    """Weigh a managed policy given by name, ARN or reference to an ``AWS::IAM::ManagedPolicy``."""
    own = template.target(value, "AWS::IAM::ManagedPolicy")
    if own is not None:
        resource = template.resources[own]
        analyse_document(template, resource.properties.get("PolicyDocument"), f"Resources.{own}.Properties.PolicyDocument", facts)
        return
    text = template.pattern(value)
    if text is None:
        facts.unanalysed.append(where)
        return
    aws_managed = "iam::aws:policy/" in text or ":" not in text
    name = managed_policy_name(text)
    statements = MANAGED_POLICIES.get(name) if aws_managed else None
    if statements is None:
        facts.unanalysed.append(f"{where} ({name})")
        return
    facts.sources.append(f"{where} ({name})")
    for statement in statements:
        analyse_statement(template, statement, f"{where} (AWS managed policy {name})", facts)


def analyse_sam_policies(template: Template, policies: Any, where: str, facts: PolicyFacts) -> None:
    """Weigh a SAM ``Policies`` property: names/ARNs, policy templates and inline documents, alone or in a list."""
    value = template.value(policies)
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        at = f"{where}[{i}]" if isinstance(value, list) else where
        item_value = template.value(item)
        if item_value is ABSENT or item_value is None:
            continue
        if isinstance(item_value, Mapping) and not is_intrinsic(item_value):
            if "Statement" in item_value:
                analyse_document(template, item_value, at, facts)
            elif len(item_value) == 1:
                ((name, parameters),) = item_value.items()
                _analyse_policy_template(template, str(name), parameters, f"{at}.{name}", facts)
            else:
                facts.unanalysed.append(at)
        else:
            analyse_managed(template, item if item_value is UNKNOWN else item_value, at, facts)


def _analyse_policy_template(template: Template, name: str, parameters: Any, where: str, facts: PolicyFacts) -> None:
    known = POLICY_TEMPLATES.get(name)
    if known is None:
        facts.unanalysed.append(f"{where} (policy template not known to threatdeck)")
        return
    facts.sources.append(where)
    if known.actions_wildcard:
        facts.actions_wildcard = facts.actions_wildcard or f"{where} (grants a whole service)"
    if known.resources_wildcard:
        facts.resources_wildcard = facts.resources_wildcard or f"{where} (grants every resource of a kind)"
    parameters = template.value(parameters)
    if not isinstance(parameters, Mapping):
        return
    for key, raw in parameters.items():
        if template.text(raw) == _ALL:
            facts.resources_wildcard = facts.resources_wildcard or f"{where}.{key} is *"
        if known.access is not None:
            for target in template.targets(raw):
                facts.note_access(Access(target, known.access, name))


def trusted_services(template: Template, document: Any) -> list[str]:
    """The service principals an ``AssumeRolePolicyDocument`` lets assume the role."""
    document = template.value(document)
    services: list[str] = []
    if not isinstance(document, Mapping):
        return services
    for statement in _as_list(template.value(document.get("Statement"))):
        statement = template.value(statement)
        if not isinstance(statement, Mapping):
            continue
        principal = template.value(statement.get("Principal"))
        if isinstance(principal, Mapping):
            for service in _as_list(template.value(principal.get("Service"))):
                text = template.text(service)
                if text and text not in services:
                    services.append(text)
    return services
