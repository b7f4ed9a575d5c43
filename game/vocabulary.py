"""The typed attributes each kind of component (and each flow) may carry.

This is the vocabulary the native format is validated against and the only
names a card rule may read, so a typo in a model or a card fails at load.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from game.architecture import AttrValue, ComponentType

MAX_INT = 2**53 - 1
"""Largest whole number an attribute may hold: what a browser's numbers carry exactly (and JSON stores take)."""


class AttrKind(StrEnum):
    """The type of an attribute's value."""

    BOOL = "bool"
    INT = "int"
    ENUM = "enum"
    TEXT = "text"
    LIST = "list"
    REF = "ref"


@dataclasses.dataclass(frozen=True)
class AttrSpec:
    """What one attribute means and which values it takes."""

    name: str
    """Attribute name, snake_case."""
    kind: AttrKind
    """Type of its value."""
    doc: str
    """One line for model authors and newcomers."""
    values: tuple[str, ...] = ()
    """Allowed values of an ENUM."""
    ref: tuple[ComponentType, ...] = ()
    """For a REF: the types of component it may name (by id)."""
    minimum: int | None = None
    """Smallest allowed INT."""
    words: tuple[str, ...] = ()
    """Words an INT may take instead of a number, for a setting known to be absent
    (``reserved_concurrency: unreserved``, ``retention_days: forever``): left out of
    a model, the attribute is unknown; set to the word, it is known to be unset."""

    def check(self, value: object) -> AttrValue:
        """Return ``value`` normalised, or raise ``ValueError`` saying what was expected."""
        if self.kind is AttrKind.BOOL:
            if isinstance(value, bool):
                return value
            raise ValueError("expected true or false")
        if self.kind is AttrKind.INT:
            if isinstance(value, str) and value in self.words:
                return value
            if isinstance(value, int) and not isinstance(value, bool):
                if self.minimum is not None and value < self.minimum:
                    raise ValueError(f"expected a whole number of at least {self.minimum}" + self._or_words())
                if abs(value) > MAX_INT:
                    raise ValueError(f"expected a whole number of at most {MAX_INT:,}" + self._or_words())
                return value
            raise ValueError("expected a whole number" + self._or_words())
        if self.kind is AttrKind.ENUM:
            if isinstance(value, str) and value in self.values:
                return value
            raise ValueError("expected one of " + ", ".join(self.values))
        if self.kind in (AttrKind.TEXT, AttrKind.REF):
            if isinstance(value, str) and 0 < len(value) <= 256:
                return value
            what = "a component id" if self.kind is AttrKind.REF else "a text of 1 to 256 characters"
            raise ValueError(f"expected {what}")
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) and len(v) <= 256 for v in value):
            if len(value) > 256:
                raise ValueError("expected at most 256 items")
            return tuple(value)
        raise ValueError("expected a list of texts")


    def _or_words(self) -> str:
        return "".join(f" or {w!r}" for w in self.words)


def _spec(
    name: str,
    kind: AttrKind,
    doc: str,
    *values: str,
    ref: Iterable[ComponentType] = (),
    minimum: int | None = None,
    words: tuple[str, ...] = (),
) -> AttrSpec:
    return AttrSpec(name, kind, doc, tuple(values), tuple(ref), minimum, words)


B, I, E, T, L, R = AttrKind.BOOL, AttrKind.INT, AttrKind.ENUM, AttrKind.TEXT, AttrKind.LIST, AttrKind.REF
CT = ComponentType
DATA_CLASSES = ("public", "internal", "pii", "secret")

COMMON: tuple[AttrSpec, ...] = (
    _spec("public", B, "reachable by anonymous principals from the internet"),
    _spec("policy_any_principal", B, "a resource policy grants access to any principal (*)"),
    _spec("cross_account", B, "a resource policy lets another AWS account in"),
    _spec("kms", E, "encryption at rest: none, an AWS-owned/managed key, or a customer-managed key", "none", "aws", "cmk"),
    _spec("data_class", E, "the most sensitive data it holds or handles", *DATA_CLASSES),
)

_ROLE_REF = (CT.IAM_ROLE,)

PER_TYPE: dict[ComponentType, tuple[AttrSpec, ...]] = {
    CT.ACTOR: (
        _spec("kind", E, "who the actor is", "end_user", "staff", "partner", "anonymous", "service"),
    ),
    CT.API_GATEWAY: (
        _spec("authorizer", E, "how callers are authenticated: none, IAM, Cognito, JWT or a Lambda authorizer",
              "none", "iam", "cognito", "jwt", "lambda"),
        _spec("request_validation", B, "requests are validated against a model before reaching the backend"),
        _spec("throttling", B, "stage or method throttling limits are set"),
        _spec("usage_plan", B, "a usage plan with quotas applies"),
        _spec("waf", B, "a WAF web ACL is associated"),
        _spec("access_logging", B, "stage access logging is on"),
        _spec("data_trace", B, "full request/response data tracing is on"),
        _spec("stage_var_secrets", B, "stage variables hold secret-looking literal values"),
        _spec("verbose_errors", B, "error responses expose internal details"),
    ),
    CT.LAMBDA: (
        _spec("role", R, "the IAM role the function runs as", ref=_ROLE_REF),
        _spec("runtime", T, "the runtime identifier, e.g. python3.12"),
        _spec("env_secrets", B, "environment variables hold secret-looking literal values"),
        _spec("code_secrets", B, "the deployment package contains secrets"),
        _spec("validates_input", B, "the handler validates event input against a schema"),
        _spec("implements_auth", B, "the function implements its own login or token checks"),
        _spec("authz_from_token", B, "authorisation uses verified token claims, not ids from the request"),
        _spec("logs_payload", B, "the handler logs whole events or payloads"),
        _spec("verbose_errors", B, "errors with stack traces are returned to callers"),
        _spec("reserved_concurrency", I, "reserved concurrent executions, or 'unreserved'", minimum=0, words=("unreserved",)),
        _spec("timeout_s", I, "timeout in seconds", minimum=1),
        _spec("on_failure", B, "asynchronous invocations have a dead-letter queue or on-failure destination"),
        _spec("tracing", B, "X-Ray active tracing is on"),
        _spec("function_url", B, "the function has a function URL"),
        _spec("function_url_auth", E, "auth type of its function URL", "none", "iam"),
        _spec("source_arn_condition", B, "every service permission to invoke it names a SourceArn or SourceAccount"),
        _spec("code_signing", B, "a code-signing configuration is enforced"),
        _spec("cross_account_layers", B, "it uses layers published by another account"),
        _spec("runtime_deprecated", B, "its runtime is deprecated"),
        _spec("last_invoked_days", I, "days since it was last invoked", minimum=0),
        _spec("audit_writer", B, "it writes an audit trail of the events it receives"),
    ),
    CT.DYNAMODB: (
        _spec("pitr", B, "point-in-time recovery is on"),
        _spec("backup_plan", B, "an AWS Backup plan covers the table"),
        _spec("deletion_protection", B, "deletion protection is on"),
        _spec("stream", B, "a DynamoDB stream is on"),
        _spec("autoscaling", B, "capacity scales with load (on-demand or auto scaling)"),
        _spec("audit_trail", B, "it is an append-only audit trail"),
    ),
    CT.S3: (
        _spec("block_public_access", B, "all four Block Public Access settings are on"),
        _spec("public_read", B, "objects can be read anonymously"),
        _spec("public_write", B, "objects can be written anonymously"),
        _spec("keys_guessable", B, "object keys follow a guessable pattern"),
        _spec("versioning", B, "versioning is enabled"),
        _spec("mfa_delete", B, "MFA delete is enabled"),
        _spec("object_lock", B, "Object Lock is enabled"),
        _spec("access_logging", B, "server access logging is on"),
        _spec("data_events", B, "CloudTrail data events are recorded for it"),
        _spec("audit_trail", B, "it is an append-only audit trail"),
    ),
    CT.COGNITO: (
        _spec("kind", E, "what does authentication", "cognito", "external_idp", "hand_rolled"),
        _spec("mfa", E, "multi-factor authentication", "off", "optional", "on"),
        _spec("threat_protection", B, "compromised-credential and adaptive-auth protection is on"),
        _spec("prevent_user_existence_errors", B, "sign-in errors do not reveal whether a user exists"),
        _spec("guest_access", B, "the identity pool allows unauthenticated identities"),
    ),
    CT.SQS: (_spec("redrive", B, "a redrive policy sends failing messages to a dead-letter queue"),),
    CT.SNS: (_spec("redrive", B, "subscriptions have a redrive policy to a dead-letter queue"),),
    CT.EVENTBRIDGE: (_spec("dlq", B, "rule targets have a dead-letter queue"),),
    CT.STEP_FUNCTIONS: (
        _spec("role", R, "the IAM role the state machine runs as", ref=_ROLE_REF),
        _spec("logging", E, "execution logging level", "off", "error", "all"),
        _spec("workflow_type", E, "standard (Step Functions keeps a run's history for 90 days after it ends) "
              "or express (no history of its runs unless logging is on)", "standard", "express"),
        _spec("definition_secrets", B, "the definition holds secret-looking literal values"),
        _spec("tracing", B, "X-Ray tracing is on"),
    ),
    CT.SECRETS_STORE: (
        _spec("kind", E, "where secrets are kept", "secretsmanager", "ssm_secure", "ssm_plain", "appconfig"),
        _spec("rotation", B, "automatic rotation is on"),
    ),
    CT.LOG_GROUP: (
        _spec("retention_days", I, "retention in days, or 'forever'", minimum=1, words=("forever",)),
        _spec("data_protection_policy", B, "a data-protection policy masks sensitive data"),
        _spec("readable_by_all_devs", B, "every developer can read it"),
        _spec("cloudtrail_validation", B, "CloudTrail log-file validation is on"),
        _spec("deletable_by_devs", B, "developers can delete it"),
        _spec("budget_alarm", B, "a budget or cost-anomaly alarm watches the account"),
        _spec("audit_trail", B, "it is an append-only audit trail"),
    ),
    CT.IAM_ROLE: (
        _spec("actions_wildcard", B, "a policy allows Action *"),
        _spec("resources_wildcard", B, "a policy allows Resource *"),
        _spec("admin", B, "it has administrator access"),
        _spec("privesc_actions", L, "actions that let it raise its own privileges (iam:PassRole, ...)"),
        _spec("unused_permissions", B, "it holds permissions it never uses"),
        _spec("trusted_services", L, "services allowed to assume it"),
    ),
    CT.CODE_REPO: (
        _spec("secrets_in_repo", B, "configuration secrets or keys are committed"),
        _spec("secret_scanning", B, "secret scanning runs on pushes"),
        _spec("branch_protection", B, "the deploy branch is protected and reviewed"),
        _spec("dependency_scanning", B, "dependencies are scanned for known vulnerabilities"),
        _spec("cloud_auth", E, "how CI authenticates to AWS", "static_keys", "oidc"),
        _spec("deploy_role", R, "the IAM role deployments use", ref=_ROLE_REF),
    ),
    CT.EXTERNAL_SERVICE: (
        _spec("autoscaling", B, "it scales with the load we send"),
    ),
    CT.PROCESS: (
        _spec("validates_input", B, "it validates its input"),
        _spec("implements_auth", B, "it implements its own authentication"),
        _spec("privilege_level", T, "the privilege it runs with, as the diagram says"),
        _spec("web_application", B, "it is a web application"),
    ),
    CT.STORE: (
        _spec("encrypted", B, "data at rest is encrypted"),
        _spec("signed", B, "stored data is signed"),
        _spec("is_log", B, "it is a log"),
        _spec("stores_credentials", B, "it stores credentials"),
        _spec("backup", B, "it is backed up"),
        _spec("audit_trail", B, "it is an append-only audit trail"),
    ),
    CT.GENERIC: (
        _spec("resource_type", T, "the CloudFormation resource type it was imported from"),
    ),
}

FLOW: tuple[AttrSpec, ...] = (
    _spec("encrypted", B, "the flow is encrypted in transit"),
    _spec("public_network", B, "the flow crosses a public network"),
    _spec("protocol", T, "the protocol, e.g. HTTPS"),
    _spec("authenticated", B, "the receiver authenticates the sender"),
)

FLOW_KINDS = ("invoke", "event", "read", "write", "log")


def _index(specs: Iterable[AttrSpec]) -> Mapping[str, AttrSpec]:
    return MappingProxyType({s.name: s for s in specs})


_BY_TYPE: Mapping[ComponentType, Mapping[str, AttrSpec]] = MappingProxyType(
    {t: _index(COMMON + PER_TYPE.get(t, ())) for t in ComponentType}
)
FLOW_ATTRIBUTES: Mapping[str, AttrSpec] = _index(FLOW)


def attributes_of(component_type: ComponentType) -> Mapping[str, AttrSpec]:
    """Every attribute a component of this type may carry, by name."""
    return _BY_TYPE[component_type]


def spec_for(component_type: ComponentType, name: str) -> AttrSpec | None:
    """The spec of one attribute of a type, or ``None`` if the type has no such attribute."""
    return _BY_TYPE[component_type].get(name)


def check_attributes(component_type: ComponentType, attributes: Mapping[str, object]) -> dict[str, AttrValue]:
    """Validate a component's attributes; raise ``KeyError``/``ValueError`` naming the attribute."""
    known = _BY_TYPE[component_type]
    out: dict[str, AttrValue] = {}
    for name, value in attributes.items():
        spec = known.get(name)
        if spec is None:
            raise KeyError(name)
        try:
            out[name] = spec.check(value)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return out
