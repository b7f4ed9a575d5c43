"""What AWS does when a template says nothing: the defaults a resource starts from.

A template that leaves a setting out does not leave it unknown: AWS applies its
current default, and that default is what an attacker meets. Every component
read from a template starts from the rows of :data:`DEFAULTS` for its resource
type; the readers then overwrite what the template sets. Settings with no
AWS default that a template could express (MFA delete, keys being guessable,
whether a handler logs payloads) stay absent, i.e. *unknown*.

:data:`TRANSIT` holds the other kind of fact the importer relies on: what AWS
documents about how a hop travels (HTTPS only, or plain HTTP unless a policy
forbids it), each with the page that says so; :data:`ARN_FORMATS` and
:data:`QUEUE_URL` how AWS names a resource by ARN or URL, so that a policy
naming its resource by a literal ARN can be matched to it.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from game.architecture import AttrValue, ComponentType
from game.importers.cloudformation_model import Draft

CT = ComponentType

S3_BUCKET = ("AWS::S3::Bucket",)
DDB_TABLE = ("AWS::DynamoDB::Table",)
SAM_TABLE = ("AWS::Serverless::SimpleTable",)
FUNCTIONS = ("AWS::Lambda::Function", "AWS::Serverless::Function")
REST_APIS = ("AWS::ApiGateway::RestApi", "AWS::Serverless::Api")
HTTP_APIS = ("AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi")
GRAPHQL_APIS = ("AWS::AppSync::GraphQLApi", "AWS::Serverless::GraphQLApi")
USER_POOLS = ("AWS::Cognito::UserPool",)
IDENTITY_POOLS = ("AWS::Cognito::IdentityPool",)
QUEUES = ("AWS::SQS::Queue",)
TOPICS = ("AWS::SNS::Topic",)
EVENT_BUSES = ("AWS::Events::EventBus",)
EVENT_RULES = ("AWS::Events::Rule", "AWS::Scheduler::Schedule")
STATE_MACHINES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")
SECRETS = ("AWS::SecretsManager::Secret",)
PARAMETERS = ("AWS::SSM::Parameter",)
LOG_GROUPS = ("AWS::Logs::LogGroup",)
APPCONFIG = ("AWS::AppConfig::ConfigurationProfile",)


@dataclasses.dataclass(frozen=True)
class Default:
    """One AWS default: the value an attribute has when the template does not set it."""

    resource_types: tuple[str, ...]
    """The CloudFormation types it applies to."""
    attribute: str
    """Attribute name from :mod:`game.vocabulary`."""
    value: AttrValue
    """The value AWS gives it."""
    why: str
    """The AWS behaviour behind it, shown as provenance."""

    @property
    def provenance(self) -> str:
        """How the attribute's provenance reads."""
        return f"AWS default: {self.why}"


def _d(types: tuple[str, ...], attribute: str, value: AttrValue, why: str) -> Default:
    return Default(types, attribute, value, why)


DEFAULTS: Final[tuple[Default, ...]] = (
    # S3 -------------------------------------------------------------------------
    _d(S3_BUCKET, "block_public_access", True, "new buckets block all public access since April 2023"),
    _d(S3_BUCKET, "public_read", False, "objects are private unless a bucket policy or ACL grants access"),
    _d(S3_BUCKET, "public_write", False, "objects are private unless a bucket policy or ACL grants access"),
    _d(S3_BUCKET, "policy_any_principal", False, "a bucket has no bucket policy until one is attached"),
    _d(S3_BUCKET, "cross_account", False, "a bucket has no bucket policy until one is attached"),
    _d(S3_BUCKET, "versioning", False, "versioning is off until it is enabled"),
    _d(S3_BUCKET, "access_logging", False, "server access logging is off until it is configured"),
    _d(S3_BUCKET, "object_lock", False, "Object Lock is off unless enabled when the bucket is created"),
    _d(S3_BUCKET, "data_events", False, "CloudTrail records S3 data events only when a trail selects them"),
    _d(S3_BUCKET, "kms", "aws", "new objects are encrypted with S3-managed keys (SSE-S3) since January 2023"),
    # DynamoDB -------------------------------------------------------------------
    _d(DDB_TABLE + SAM_TABLE, "pitr", False, "point-in-time recovery is off until it is enabled"),
    _d(DDB_TABLE + SAM_TABLE, "deletion_protection", False, "deletion protection is off until it is enabled"),
    _d(DDB_TABLE + SAM_TABLE, "stream", False, "a table has no stream until StreamSpecification sets one"),
    _d(DDB_TABLE + SAM_TABLE, "backup_plan", False, "AWS Backup protects a table only when a backup plan selects it"),
    _d(DDB_TABLE + SAM_TABLE, "kms", "aws", "tables are encrypted at rest with an AWS owned key"),
    _d(DDB_TABLE + SAM_TABLE, "policy_any_principal", False, "a table has no resource policy until ResourcePolicy sets one"),
    _d(DDB_TABLE + SAM_TABLE, "cross_account", False, "a table has no resource policy until ResourcePolicy sets one"),
    _d(DDB_TABLE, "autoscaling", False, "BillingMode defaults to PROVISIONED, with no auto scaling unless configured"),
    _d(SAM_TABLE, "autoscaling", True, "SAM creates on-demand (PAY_PER_REQUEST) tables when no ProvisionedThroughput is given"),
    # Lambda ---------------------------------------------------------------------
    _d(FUNCTIONS, "reserved_concurrency", "unreserved", "a function draws on the account's unreserved concurrency until ReservedConcurrentExecutions is set"),
    _d(FUNCTIONS, "timeout_s", 3, "functions time out after 3 seconds"),
    _d(FUNCTIONS, "tracing", False, "X-Ray active tracing is off (PassThrough)"),
    _d(FUNCTIONS, "on_failure", False, "failed asynchronous invocations are dropped after two retries unless a DLQ or destination is set"),
    _d(FUNCTIONS, "function_url", False, "a function has no function URL until one is created"),
    _d(FUNCTIONS, "code_signing", False, "code signing is not enforced without a code-signing configuration"),
    _d(FUNCTIONS, "cross_account_layers", False, "a function uses no layers until Layers lists some"),
    _d(FUNCTIONS, "env_secrets", False, "a function has no environment variables until Variables sets some"),
    _d(FUNCTIONS, "policy_any_principal", False, "a function's resource policy allows no one until a permission is added"),
    _d(FUNCTIONS, "source_arn_condition", True, "a function's resource policy allows no service until a permission is added"),
    # API Gateway ----------------------------------------------------------------
    _d(REST_APIS + HTTP_APIS, "public", True, "APIs get a public execute-api endpoint unless the endpoint type is PRIVATE"),
    _d(REST_APIS + HTTP_APIS, "authorizer", "none", "routes are open (authorization NONE) unless an authorizer is attached"),
    _d(REST_APIS + HTTP_APIS, "access_logging", False, "stage access logging is off until a destination is set"),
    _d(REST_APIS + HTTP_APIS, "throttling", False, "only the account-level default throttle applies until the stage or route sets limits"),
    _d(REST_APIS + HTTP_APIS, "usage_plan", False, "no usage plan applies until one names the API stage"),
    _d(REST_APIS + HTTP_APIS, "waf", False, "no WAF web ACL is associated until one is"),
    _d(REST_APIS + HTTP_APIS, "request_validation", False, "requests reach the backend unvalidated unless a request validator is set"),
    _d(REST_APIS + HTTP_APIS, "data_trace", False, "full request/response data tracing is off"),
    _d(REST_APIS + HTTP_APIS, "stage_var_secrets", False, "a stage has no stage variables until some are set"),
    _d(GRAPHQL_APIS, "public", True, "GraphQL APIs are reachable from the internet unless Visibility is PRIVATE"),
    _d(GRAPHQL_APIS, "access_logging", False, "AppSync logs nothing until a log configuration is set"),
    _d(GRAPHQL_APIS, "throttling", False, "AppSync has no per-API throttling setting; only the account's request quota applies"),
    _d(GRAPHQL_APIS, "usage_plan", False, "AppSync has no usage plans"),
    _d(GRAPHQL_APIS, "waf", False, "no WAF web ACL is associated until one is"),
    _d(GRAPHQL_APIS, "request_validation", True, "AppSync checks every operation against the GraphQL schema before a resolver runs"),
    _d(GRAPHQL_APIS, "data_trace", False, "field-level logging is off until a log configuration sets it"),
    _d(GRAPHQL_APIS, "stage_var_secrets", False, "an API has no environment variables until some are set"),
    # Cognito --------------------------------------------------------------------
    _d(USER_POOLS + IDENTITY_POOLS, "kind", "cognito", "a Cognito user or identity pool"),
    _d(USER_POOLS, "mfa", "off", "MfaConfiguration defaults to OFF"),
    _d(USER_POOLS, "threat_protection", False, "threat protection (advanced security) is off unless AdvancedSecurityMode is ENFORCED"),
    _d(USER_POOLS, "prevent_user_existence_errors", False, "app clients created without PreventUserExistenceErrors reveal unknown users (LEGACY)"),
    _d(IDENTITY_POOLS, "guest_access", False, "AllowUnauthenticatedIdentities must be set true to allow guests"),
    # Messaging ------------------------------------------------------------------
    _d(QUEUES, "redrive", False, "a queue keeps failing messages until a RedrivePolicy names a dead-letter queue"),
    _d(QUEUES, "kms", "aws", "new queues are encrypted with SQS-managed keys (SSE-SQS) by default"),
    _d(QUEUES + TOPICS + EVENT_BUSES, "policy_any_principal", False, "only the owning account has access until a resource policy says otherwise"),
    _d(QUEUES + TOPICS + EVENT_BUSES, "cross_account", False, "only the owning account has access until a resource policy says otherwise"),
    _d(TOPICS, "redrive", False, "subscriptions have no redrive policy unless one is set"),
    _d(TOPICS, "kms", "none", "topics are not encrypted at rest unless KmsMasterKeyId is set"),
    _d(EVENT_RULES, "dlq", False, "rule targets have no dead-letter queue unless DeadLetterConfig is set"),
    # Step Functions -------------------------------------------------------------
    _d(STATE_MACHINES, "logging", "off", "execution logging is OFF until LoggingConfiguration sets a level"),
    _d(STATE_MACHINES, "workflow_type", "standard", "a state machine is a STANDARD workflow unless its type is EXPRESS"),
    _d(STATE_MACHINES, "tracing", False, "X-Ray tracing is off until TracingConfiguration enables it"),
    _d(STATE_MACHINES, "definition_secrets", False, "a definition holds only what the template writes into it"),
    # Secrets --------------------------------------------------------------------
    _d(SECRETS, "kind", "secretsmanager", "an AWS Secrets Manager secret"),
    _d(SECRETS, "rotation", False, "secrets are not rotated until a rotation schedule is set"),
    _d(SECRETS, "policy_any_principal", False, "a secret has no resource policy until one is attached"),
    _d(SECRETS, "cross_account", False, "a secret has no resource policy until one is attached"),
    _d(SECRETS, "kms", "aws", "secrets are encrypted with the AWS managed key aws/secretsmanager"),
    _d(PARAMETERS, "kind", "ssm_plain", "CloudFormation creates only String and StringList parameters, never SecureString"),
    _d(PARAMETERS, "rotation", False, "Parameter Store does not rotate parameters"),
    _d(PARAMETERS, "kms", "none", "String parameters are not encrypted with a KMS key"),
    _d(APPCONFIG, "kind", "appconfig", "an AWS AppConfig configuration profile"),
    # Logs -----------------------------------------------------------------------
    _d(LOG_GROUPS, "retention_days", "forever", "log events are kept forever until a retention period is set"),
    _d(LOG_GROUPS, "data_protection_policy", False, "log data is stored unmasked until a data-protection policy is attached"),
    _d(LOG_GROUPS, "kms", "aws", "CloudWatch Logs encrypts log data at rest with a service-owned key"),
)
"""Every AWS default the importer relies on, one row per (resource types, attribute).

Not listed, so unknown unless the template or its ``Metadata`` says:
``mfa_delete`` (CloudFormation cannot set it),
``keys_guessable`` and every code-level fact of a function.
"""

@dataclasses.dataclass(frozen=True)
class TransitFact:
    """What AWS documents about how a hop travels: the ground for a flow's ``encrypted``."""

    why: str
    """The AWS behaviour, shown in the flow's provenance."""
    reference: str
    """The AWS page that says so."""

    @property
    def provenance(self) -> str:
        """How the provenance of ``encrypted`` reads when the fact alone decides it."""
        return f"AWS: {self.why}"


TRANSIT: Final[dict[str, TransitFact]] = {
    "api_gateway": TransitFact(
        "API Gateway APIs (REST, HTTP, WebSocket) expose HTTPS endpoints only",
        "https://docs.aws.amazon.com/apigateway/latest/developerguide/data-protection-encryption.html",
    ),
    "appsync": TransitFact(
        "AppSync is reached only over TLS (1.2 or later)",
        "https://docs.aws.amazon.com/appsync/latest/devguide/infrastructure-security.html",
    ),
    "function_url": TransitFact(
        "a function URL is an HTTPS endpoint (https://<url-id>.lambda-url.<region>.on.aws)",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-urls.html",
    ),
    "viewer_http": TransitFact(
        "under ViewerProtocolPolicy allow-all viewers may use HTTP",
        "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CacheBehavior.html",
    ),
    "viewer_https": TransitFact(
        "https-only answers HTTP with 403 and redirect-to-https with a redirect to HTTPS: no request is served over HTTP",
        "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CacheBehavior.html",
    ),
    "s3_origin": TransitFact(
        "CloudFront forwards to an S3 bucket origin with the protocol the viewer used (Match Viewer, not changeable)",
        "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-cloudfront-to-s3-origin.html",
    ),
    "origin_http": TransitFact(
        "http-only: CloudFront always connects to the origin over HTTP",
        "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CustomOriginConfig.html",
    ),
    "origin_https": TransitFact(
        "https-only: CloudFront always connects to the origin over HTTPS",
        "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CustomOriginConfig.html",
    ),
    "origin_match_viewer": TransitFact(
        "match-viewer: CloudFront connects to the origin with the protocol the viewer used",
        "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CustomOriginConfig.html",
    ),
    "s3_secure_transport": TransitFact(
        "S3 accepts HTTP as well as HTTPS; a bucket policy denying requests where aws:SecureTransport is false"
        " leaves only HTTPS",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingEncryptionInTransit.html",
    ),
    "sqs_secure_transport": TransitFact(
        "SQS has a non-TLS endpoint; a queue policy denying requests where aws:SecureTransport is false leaves only HTTPS",
        "https://aws.amazon.com/blogs/compute/announcing-server-side-encryption-with-amazon-simple-queue-service-managed-encryption-keys-sse-sqs-by-default/",
    ),
    "sns_secure_transport": TransitFact(
        "SNS accepts publishing over HTTP; a topic policy denying sns:Publish where aws:SecureTransport is false"
        " leaves only HTTPS",
        "https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit",
    ),
    "sqs_sse": TransitFact(
        "all requests to a queue with server-side encryption must use HTTPS",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html",
    ),
    "sns_sse": TransitFact(
        "all requests to a topic with server-side encryption must use HTTPS",
        "https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
    ),
}
"""What a template can prove about a flow's encryption in transit, keyed by the fact's name.

Only these decide ``encrypted`` (:mod:`game.importers.cloudformation_transit`);
every other hop stays unknown.
"""

@dataclasses.dataclass(frozen=True)
class ArnFormat:
    """How AWS names one kind of resource in an ARN: ``arn:<partition>:<service>:<region>:<account>:<resource>``."""

    service: str
    """The ARN's service field, e.g. ``sqs``."""
    resource: str
    """The resource field, with ``{name}`` for the resource's physical name, e.g. ``table/{name}``."""
    within: str
    """What follows the name in an ARN of a part of the resource (an object, an index, a version), e.g. ``/``;
    empty when the resource has no parts a policy can name."""
    name_property: str
    """The template property that gives the physical name, e.g. ``QueueName``."""
    regional: bool
    """Whether the ARN has a region and an account (an S3 bucket's has neither: bucket names are global)."""
    reference: str
    """The AWS page that gives the format."""


_AUTHZ = "https://docs.aws.amazon.com/service-authorization/latest/reference"

ARN_FORMATS: Final[dict[str, ArnFormat]] = {
    "AWS::S3::Bucket": ArnFormat("s3", "{name}", "/", "BucketName", False, f"{_AUTHZ}/list_amazons3.html#amazons3-resources-for-iam-policies"),
    "AWS::SQS::Queue": ArnFormat("sqs", "{name}", "", "QueueName", True, f"{_AUTHZ}/list_amazonsqs.html#amazonsqs-resources-for-iam-policies"),
    "AWS::SNS::Topic": ArnFormat("sns", "{name}", "", "TopicName", True, f"{_AUTHZ}/list_amazonsns.html#amazonsns-resources-for-iam-policies"),
    "AWS::DynamoDB::Table": ArnFormat("dynamodb", "table/{name}", "/", "TableName", True, f"{_AUTHZ}/list_amazondynamodb.html#amazondynamodb-resources-for-iam-policies"),
    "AWS::Serverless::SimpleTable": ArnFormat("dynamodb", "table/{name}", "/", "TableName", True, f"{_AUTHZ}/list_amazondynamodb.html#amazondynamodb-resources-for-iam-policies"),
    "AWS::Lambda::Function": ArnFormat("lambda", "function:{name}", ":", "FunctionName", True, f"{_AUTHZ}/list_awslambda.html#awslambda-resources-for-iam-policies"),
    "AWS::Serverless::Function": ArnFormat("lambda", "function:{name}", ":", "FunctionName", True, f"{_AUTHZ}/list_awslambda.html#awslambda-resources-for-iam-policies"),
}
"""How the ARN of each resource type the importer matches by name is built, keyed by CloudFormation type.

A literal ARN names a resource of the template only when the template gives that resource its physical name
(:mod:`game.importers.cloudformation_arns`); a generated name is CloudFormation's to make at deployment.
"""

QUEUE_URL: Final = ArnFormat(
    "sqs", "https://sqs.{region}.amazonaws.com/{account}/{name}", "", "QueueName", True,
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html",
)
"""A queue's URL, which SQS (and ``AWS::SQS::QueuePolicy``'s ``Queues``) names a queue by, and ``!Ref`` of a queue gives."""

DEPRECATED_RUNTIMES: Final[dict[str, str]] = {
    "nodejs": "2016-08",
    "nodejs4.3": "2020-03",
    "nodejs4.3-edge": "2020-03",
    "nodejs6.10": "2019-08",
    "nodejs8.10": "2020-03",
    "nodejs10.x": "2021-07",
    "nodejs12.x": "2023-03",
    "nodejs14.x": "2023-12",
    "nodejs16.x": "2024-06",
    "nodejs18.x": "2025-09",
    "nodejs20.x": "2026-04",
    "python2.7": "2021-07",
    "python3.6": "2022-07",
    "python3.7": "2023-12",
    "python3.8": "2024-10",
    "python3.9": "2025-12",
    "python3.10": "2026-10",
    "dotnetcore1.0": "2019-06",
    "dotnetcore2.0": "2019-05",
    "dotnetcore2.1": "2022-01",
    "dotnetcore3.1": "2023-04",
    "dotnet6": "2024-12",
    "dotnet8": "2026-11",
    "dotnet9": "2026-11",
    "ruby2.5": "2021-07",
    "ruby2.7": "2023-12",
    "ruby3.2": "2026-03",
    "java8": "2024-01",
    "go1.x": "2024-01",
    "provided": "2024-01",
    "provided.al2": "2026-07",
}
"""Lambda runtimes past their deprecation date (year-month) as of November 2026.

``game`` has no clock, so this is a table to update as AWS deprecates more
(``java8.al2``, for one, is still supported).
"""


def apply_defaults(draft: Draft) -> None:
    """Give a new draft every default of its resource type."""
    for row in DEFAULTS:
        if draft.resource_type in row.resource_types:
            draft.set(row.attribute, row.value, row.provenance)
