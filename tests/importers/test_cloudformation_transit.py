"""Encryption in transit on flows imported from CloudFormation and SAM: what a template proves, and only that."""

from __future__ import annotations

import doctest
import json
import textwrap
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from templatekit import SENDER, flows

from cards import load_deck
from game.architecture import Architecture
from game.importers import ModelError, cloudformation_transit
from game.importers.cloudformation import parse_template
from game.importers.cloudformation_defaults import TRANSIT
from game.predicates import Graph, Truth
from game.rules import judge

ACTOR = """
Metadata:
  threatdeck:
    actors:
      - {id: User, name: User, kind: end_user}
    flows:
"""


def parse(resources: str, user_flows: tuple[str, ...] = ()) -> Architecture:
    head = ACTOR + "".join(f"      - {{source: User, target: {t}}}\n" for t in user_flows) if user_flows else ""
    return parse_template(head + "Resources:\n" + textwrap.indent(textwrap.dedent(resources), "  "), "t.yaml")


def encrypted(arch: Architecture, source: str, target: str) -> bool | None:
    value = flows(arch)[(source, target)].attributes.get("encrypted")
    assert value is None or isinstance(value, bool)
    return value


def why(arch: Architecture, source: str, target: str) -> str:
    return flows(arch)[(source, target)].provenance["encrypted"]


FUNCTION = """
Fn:
  Type: AWS::Serverless::Function
  Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: .}
"""


# --- receivers that take only TLS -------------------------------------------------


@pytest.mark.parametrize(
    "api",
    [
        "Api: {Type: AWS::Serverless::Api, Properties: {StageName: prod}}",
        "Api: {Type: AWS::Serverless::HttpApi}",
        "Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: a}}",
        "Api: {Type: AWS::ApiGatewayV2::Api, Properties: {Name: a, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}}",
    ],
)
def test_flows_into_api_gateway_are_encrypted(api: str) -> None:
    arch = parse(api, ("Api",))
    assert encrypted(arch, "User", "Api") is True
    assert why(arch, "User", "Api") == TRANSIT["api_gateway"].provenance


def test_flows_into_an_appsync_api_are_encrypted() -> None:
    arch = parse("Api: {Type: AWS::AppSync::GraphQLApi, Properties: {Name: a, AuthenticationType: AWS_IAM}}", ("Api",))
    assert encrypted(arch, "User", "Api") is True
    assert why(arch, "User", "Api") == TRANSIT["appsync"].provenance


def test_a_caller_reaches_a_function_url_over_https_but_a_function_without_one_stays_unknown() -> None:
    with_url = parse(FUNCTION + "Url: {Type: AWS::Lambda::Url, Properties: {TargetFunctionArn: !GetAtt Fn.Arn, AuthType: NONE}}", ("Fn",))
    assert encrypted(with_url, "User", "Fn") is True
    assert why(with_url, "User", "Fn").startswith(TRANSIT["function_url"].provenance)
    assert "Resources.Url.Properties.AuthType" in why(with_url, "User", "Fn")
    assert encrypted(parse(FUNCTION, ("Fn",)), "User", "Fn") is None


def test_hops_the_template_proves_nothing_about_stay_unknown() -> None:
    arch = parse(
        FUNCTION.replace("CodeUri: .}", "CodeUri: ., Policies: [DynamoDBCrudPolicy: {TableName: !Ref Table}],"
                         " Events: {Get: {Type: Api, Properties: {Path: /, Method: get}}}}")
        + "Table: {Type: AWS::DynamoDB::Table}\n"
    )
    assert encrypted(arch, "Fn", "Table") is None
    assert encrypted(arch, "ServerlessRestApi", "Fn") is None
    assert "encrypted" not in flows(arch)[("Fn", "Table")].provenance


def test_what_the_metadata_states_wins() -> None:
    text = """
Metadata:
  threatdeck:
    actors: [{id: User, name: User, kind: end_user}]
    flows:
      - {source: User, target: Api, attributes: {encrypted: false}}
Resources:
  Api: {Type: AWS::Serverless::HttpApi}
"""
    arch = parse_template(text, "t.yaml")
    assert encrypted(arch, "User", "Api") is False
    assert why(arch, "User", "Api") == "Metadata.threatdeck.flows[0].attributes.encrypted"


# --- S3: a bucket policy that denies requests without TLS --------------------------


BUCKET = """
Writer:
  Type: AWS::Serverless::Function
  Properties:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: .
    Policies: [S3WritePolicy: {BucketName: !Ref Files}]
Reader:
  Type: AWS::Serverless::Function
  Properties:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: .
    Policies: [S3ReadPolicy: {BucketName: !Ref Files}]
Files:
  Type: AWS::S3::Bucket
"""

STANDARD_DENY = """
FilesPolicy:
  Type: AWS::S3::BucketPolicy
  Properties:
    Bucket: !Ref Files
    PolicyDocument:
      Statement:
        - Effect: Deny
          Principal: {AWS: "*"}
          Action: "s3:*"
          Resource: [!GetAtt Files.Arn, !Sub "${Files.Arn}/*"]
          Condition: {Bool: {"aws:SecureTransport": "false"}}
"""


def with_statement(**changes: str) -> str:
    """The standard deny with some lines of its statement replaced."""
    text = STANDARD_DENY
    for key, value in changes.items():
        lines = text.splitlines()
        text = "\n".join(f"{line[: line.index(key)]}{key}: {value}" if line.strip().lstrip("- ").startswith(f"{key}:") else line for line in lines)
    return text


def test_a_bucket_without_a_secure_transport_policy_leaves_its_flows_unknown() -> None:
    arch = parse(BUCKET)
    assert encrypted(arch, "Writer", "Files") is None
    assert encrypted(arch, "Reader", "Files") is None


def test_a_bucket_policy_denying_requests_without_tls_encrypts_every_flow_into_the_bucket() -> None:
    arch = parse(BUCKET + STANDARD_DENY)
    assert encrypted(arch, "Writer", "Files") is True
    assert encrypted(arch, "Reader", "Files") is True
    assert why(arch, "Writer", "Files") == (
        "Resources.FilesPolicy.Properties.PolicyDocument.Statement[0] denies requests without TLS"
        f" ({TRANSIT['s3_secure_transport'].provenance})"
    )


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param(with_statement(Principal='"*"', Condition='{BoolIfExists: {"aws:securetransport": false}}', Resource="'*'"), id="star principal, BoolIfExists, any resource"),
        pytest.param(with_statement(Resource="!Sub 'arn:${AWS::Partition}:s3:::${Files}/*'"), id="objects by the bucket's name"),
        pytest.param(with_statement(Action='["s3:PutObject", "s3:GetObject"]'), id="the two object actions"),
        pytest.param(with_statement(Resource="!Join ['', [!GetAtt Files.Arn, '/*']]"), id="joined ARN"),
    ],
)
def test_other_shapes_of_the_same_denial(policy: str) -> None:
    arch = parse(BUCKET + policy)
    assert encrypted(arch, "Writer", "Files") is True


def test_a_literal_arn_matches_a_literal_bucket_name() -> None:
    named = BUCKET.replace("Type: AWS::S3::Bucket", "Type: AWS::S3::Bucket\n  Properties: {BucketName: payslips-prod}")
    assert encrypted(parse(named + with_statement(Resource="arn:aws:s3:::payslips-prod/*")), "Writer", "Files") is True
    # a generated name is unknown until deployment: a literal ARN cannot be shown to cover it
    assert encrypted(parse(BUCKET + with_statement(Resource="arn:aws:s3:::payslips-prod/*")), "Writer", "Files") is None


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param(with_statement(Resource="arn:aws:s3:::someone-elses-bucket/*"), id="another bucket's objects"),
        pytest.param(with_statement(Resource="!GetAtt Files.Arn"), id="the bucket but not its objects"),
        pytest.param(with_statement(Resource="!Sub '${Files.Arn}/public/*'"), id="only some objects"),
        pytest.param(with_statement(Condition='{Bool: {"aws:SecureTransport": "true"}}'), id="wrong condition value"),
        pytest.param(with_statement(Condition='{Bool: {"aws:SecureTransport": "false", "aws:ViaAWSService": "false"}}'), id="a second condition narrows it"),
        pytest.param(with_statement(Condition='{StringEquals: {"aws:SecureTransport": "false"}}'), id="not a Bool condition"),
        pytest.param(with_statement(Effect="Allow"), id="an Allow"),
        pytest.param(with_statement(Principal='{AWS: "arn:aws:iam::111122223333:root"}'), id="one account only"),
        pytest.param(with_statement(Action="s3:DeleteObject"), id="an action no flow uses"),
        pytest.param(with_statement(Resource="!ImportValue SharedBucketArn"), id="an imported value"),
        pytest.param(with_statement(Resource="!If [Undecidable, '*', 'arn:aws:s3:::x/*']"), id="an undecidable If"),
        pytest.param(with_statement(Condition="!If [Undecidable, {Bool: {'aws:SecureTransport': 'false'}}, {}]"), id="an undecidable If around the condition"),
    ],
)
def test_a_policy_that_does_not_prove_tls_leaves_the_flows_unknown(policy: str) -> None:
    head = "Parameters:\n  Stage: {Type: String}\nConditions:\n  Undecidable: !Equals [!Ref Stage, prod]\nResources:\n"
    arch = parse_template(head + textwrap.indent(textwrap.dedent(BUCKET + policy), "  "), "t.yaml")
    assert encrypted(arch, "Writer", "Files") is None
    assert encrypted(arch, "Reader", "Files") is None


def test_a_denial_of_one_action_decides_only_the_flows_that_use_it() -> None:
    arch = parse(BUCKET + with_statement(Action="s3:GetObject"))
    assert encrypted(arch, "Reader", "Files") is True
    assert encrypted(arch, "Writer", "Files") is None


def test_a_policy_under_a_condition_that_may_be_false_proves_nothing() -> None:
    policy = STANDARD_DENY.replace("Type: AWS::S3::BucketPolicy", "Type: AWS::S3::BucketPolicy\n  Condition: IsProd")
    head = "Parameters:\n  Stage: {Type: String, Default: dev}\nConditions:\n  IsProd: !Equals [!Ref Stage, prod]\nResources:\n"
    arch = parse_template(head + textwrap.indent(textwrap.dedent(BUCKET + policy), "  "), "t.yaml")
    assert encrypted(arch, "Writer", "Files") is None
    prod = parse_template(head.replace("Default: dev", "Default: prod") + textwrap.indent(textwrap.dedent(BUCKET + policy), "  "), "t.yaml")
    assert encrypted(prod, "Writer", "Files") is True


# --- SQS and SNS: resource policies and server-side encryption ---------------------


MESSAGING = SENDER + """Worker:
  Type: AWS::Serverless::Function
  Properties:
    Runtime: python3.12
    Handler: app.handler
    CodeUri: .
    Events: {Poll: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}}
Jobs:
  Type: AWS::SQS::Queue
  Properties:
    SqsManagedSseEnabled: false
    RedrivePolicy: {deadLetterTargetArn: !GetAtt JobsDlq.Arn, maxReceiveCount: 3}
JobsDlq:
  Type: AWS::SQS::Queue
News:
  Type: AWS::SNS::Topic
"""


def test_messaging_without_encryption_or_policy_stays_unknown() -> None:
    arch = parse(MESSAGING)
    assert encrypted(arch, "Sender", "Jobs") is None
    assert encrypted(arch, "Jobs", "Worker") is None
    assert encrypted(arch, "Sender", "News") is None


def test_a_queue_policy_denying_requests_without_tls() -> None:
    policy = """
JobsPolicy:
  Type: AWS::SQS::QueuePolicy
  Properties:
    Queues: [!Ref Jobs]
    PolicyDocument:
      Statement:
        - {Effect: Deny, Principal: "*", Action: "sqs:*", Resource: !GetAtt Jobs.Arn, Condition: {Bool: {"aws:SecureTransport": "false"}}}
"""
    arch = parse(MESSAGING + policy)
    assert encrypted(arch, "Sender", "Jobs") is True
    assert encrypted(arch, "Jobs", "Worker") is True  # the poller's ReceiveMessage goes to the queue
    assert why(arch, "Sender", "Jobs").startswith("Resources.JobsPolicy.Properties.PolicyDocument.Statement[0] denies requests without TLS")
    other = parse(MESSAGING + policy.replace("!GetAtt Jobs.Arn", "arn:aws:sqs:*:*:someone-elses-queue"))
    assert encrypted(other, "Sender", "Jobs") is None


def test_inline_queue_and_topic_policies_count_too() -> None:
    policies = """
JobsPolicy:
  Type: AWS::SQS::QueueInlinePolicy
  Properties:
    Queue: !Ref Jobs
    PolicyDocument:
      Statement: {Effect: Deny, Principal: "*", Action: "sqs:Send*", Resource: !GetAtt Jobs.Arn, Condition: {Bool: {"aws:SecureTransport": false}}}
NewsPolicy:
  Type: AWS::SNS::TopicInlinePolicy
  Properties:
    TopicArn: !Ref News
    PolicyDocument:
      Statement: [{Effect: Deny, Principal: "*", Action: "*", Resource: !Sub "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${News.TopicName}", Condition: {Bool: {"aws:SecureTransport": "false"}}}]
"""
    arch = parse(MESSAGING + policies)
    assert why(arch, "Sender", "Jobs") == f"Resources.JobsPolicy.Properties.PolicyDocument.Statement denies requests without TLS ({TRANSIT['sqs_secure_transport'].provenance})"
    assert encrypted(arch, "Jobs", "Worker") is None  # sqs:Send* says nothing of ReceiveMessage
    assert encrypted(arch, "Sender", "News") is True


def test_requests_to_an_encrypted_queue_use_https() -> None:
    arch = parse(MESSAGING.replace("SqsManagedSseEnabled: false", "KmsMasterKeyId: alias/aws/sqs"))
    assert encrypted(arch, "Sender", "Jobs") is True
    assert why(arch, "Sender", "Jobs") == f"{TRANSIT['sqs_sse'].provenance}; server-side encryption is on for Jobs (Properties.KmsMasterKeyId)"
    # the redrive is SQS moving messages itself: no request, nothing proved
    assert encrypted(arch, "Jobs", "JobsDlq") is None


def test_a_topic_policy_or_encryption_proves_publishing_over_https() -> None:
    policy = """
NewsPolicy:
  Type: AWS::SNS::TopicPolicy
  Properties:
    Topics: [!Ref News]
    PolicyDocument:
      Statement:
        - {Effect: Deny, Principal: "*", Action: "SNS:Publish", Resource: !Ref News, Condition: {Bool: {"aws:SecureTransport": "false"}}}
"""
    assert encrypted(parse(MESSAGING + policy), "Sender", "News") is True
    assert encrypted(parse(MESSAGING + policy.replace("SNS:Publish", "SNS:Subscribe")), "Sender", "News") is None
    sse = parse(MESSAGING.replace("Type: AWS::SNS::Topic", "Type: AWS::SNS::Topic\n  Properties: {KmsMasterKeyId: alias/aws/sns}"))
    assert encrypted(sse, "Sender", "News") is True
    assert why(sse, "Sender", "News").startswith(TRANSIT["sns_sse"].provenance)


# --- CloudFront -------------------------------------------------------------------


def distribution(default: str = "https-only", others: str = "", origins: str = "") -> str:
    return f"""
Site:
  Type: AWS::S3::Bucket
Cdn:
  Type: AWS::CloudFront::Distribution
  Properties:
    DistributionConfig:
      Enabled: true
      DefaultCacheBehavior: {{TargetOriginId: site, ViewerProtocolPolicy: {default}}}
      CacheBehaviors: [{others}]
      Origins:
        - {{Id: site, DomainName: !GetAtt Site.RegionalDomainName, S3OriginConfig: {{}}}}
{origins}"""


@pytest.mark.parametrize(("policy", "expected"), [("allow-all", False), ("https-only", True), ("redirect-to-https", True)])
def test_the_viewer_flow_follows_the_viewer_protocol_policy(policy: str, expected: bool) -> None:
    arch = parse(distribution(policy), ("Cdn",))
    assert encrypted(arch, "User", "Cdn") is expected
    assert why(arch, "User", "Cdn").startswith(f"Resources.Cdn.Properties.DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy is {policy}")


def test_cache_behaviours_must_agree() -> None:
    same = parse(distribution("redirect-to-https", "{PathPattern: /a/*, TargetOriginId: site, ViewerProtocolPolicy: https-only}"), ("Cdn",))
    assert encrypted(same, "User", "Cdn") is True
    assert "all 2 cache behaviours" in why(same, "User", "Cdn")
    mixed = parse(distribution("https-only", "{PathPattern: /old/*, TargetOriginId: site, ViewerProtocolPolicy: allow-all}"), ("Cdn",))
    assert encrypted(mixed, "User", "Cdn") is None


def test_an_unreadable_viewer_policy_leaves_the_viewer_flow_unknown() -> None:
    arch = parse(distribution("!ImportValue ViewerPolicy"), ("Cdn",))
    assert encrypted(arch, "User", "Cdn") is None


def test_an_s3_origin_gets_the_viewers_protocol_unless_the_bucket_refuses_http() -> None:
    plain = parse(distribution("allow-all"))
    assert encrypted(plain, "Cdn", "Site") is False
    assert TRANSIT["s3_origin"].provenance in why(plain, "Cdn", "Site")
    assert encrypted(parse(distribution("https-only")), "Cdn", "Site") is True
    refusing = parse(distribution("allow-all") + STANDARD_DENY.replace("Files", "Site"))
    assert encrypted(refusing, "Cdn", "Site") is True
    assert why(refusing, "Cdn", "Site").startswith("Resources.SitePolicy.Properties.PolicyDocument.Statement[0]")


@pytest.mark.parametrize(("policy", "viewer", "expected"), [
    ("http-only", "https-only", False),
    ("https-only", "allow-all", True),
    ("match-viewer", "redirect-to-https", True),
    ("match-viewer", "allow-all", False),
])
def test_a_custom_origin_follows_its_protocol_policy(policy: str, viewer: str, expected: bool) -> None:
    origins = f"        - {{Id: web, DomainName: !Select [1, !Split ['//', !GetAtt Web.WebsiteURL]], CustomOriginConfig: {{OriginProtocolPolicy: {policy}}}}}\n"
    text = distribution(viewer, "{PathPattern: /web/*, TargetOriginId: web, ViewerProtocolPolicy: " + viewer + "}", origins)
    arch = parse(text + "Web: {Type: AWS::S3::Bucket, Properties: {WebsiteConfiguration: {IndexDocument: index.html}}}\n")
    assert flows(arch)[("Cdn", "Web")].label == "origin web"
    assert encrypted(arch, "Cdn", "Web") is expected


def test_an_origin_served_through_an_origin_group_follows_the_behaviours_of_the_group() -> None:
    text = distribution("allow-all", "{PathPattern: /files/*, TargetOriginId: pair, ViewerProtocolPolicy: https-only}",
                        "        - {Id: spare, DomainName: !GetAtt Spare.RegionalDomainName, S3OriginConfig: {}}\n")
    text = text.replace("      Origins:", "      OriginGroups: {Quantity: 1, Items: [{Id: pair, Members: {Quantity: 1, Items: [{OriginId: spare}]}}]}\n      Origins:")
    arch = parse(text + "Spare: {Type: AWS::S3::Bucket}\n")
    assert encrypted(arch, "Cdn", "Spare") is True  # only the https-only behaviour reaches it, through the group
    assert encrypted(arch, "Cdn", "Site") is False


def test_an_api_or_function_url_origin_is_reached_over_https_whatever_the_origin_policy() -> None:
    origins = (
        "        - {Id: api, DomainName: !Sub '${Api}.execute-api.${AWS::Region}.amazonaws.com', CustomOriginConfig: {OriginProtocolPolicy: http-only}}\n"
        "        - {Id: fn, DomainName: !Select [2, !Split ['/', !GetAtt FnUrl.FunctionUrl]], CustomOriginConfig: {OriginProtocolPolicy: match-viewer}}\n"
    )
    sam_function = FUNCTION.replace("CodeUri: .}", "CodeUri: ., FunctionUrlConfig: {AuthType: AWS_IAM}}")
    arch = parse(distribution("allow-all", "", origins) + "Api: {Type: AWS::Serverless::Api, Properties: {StageName: prod}}\n" + sam_function)
    assert encrypted(arch, "Cdn", "Api") is True
    assert encrypted(arch, "Cdn", "Fn") is True
    assert flows(arch)[("Cdn", "Fn")].kind == "invoke"


# --- the cards that read it -------------------------------------------------------


JUDGED = """
Metadata:
  threatdeck:
    boundaries:
      - {id: internet, name: Internet, members: [User]}
      - {id: aws, name: AWS account}
    default_boundary: aws
    actors: [{id: User, name: User, kind: end_user}]
    flows:
      - {source: User, target: Cdn, label: payslips, data_class: pii}
      - {source: User, target: Api, label: login, data_class: secret}
Resources:
  Api: {Type: AWS::Serverless::HttpApi}
  Site: {Type: AWS::S3::Bucket}
  Cdn:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        DefaultCacheBehavior: {TargetOriginId: site, ViewerProtocolPolicy: POLICY}
        Origins: [{Id: site, DomainName: !GetAtt Site.RegionalDomainName, S3OriginConfig: {}}]
"""


def verdicts(policy: str, card_id: str) -> dict[str, tuple[Truth, str]]:
    arch = parse_template(JUDGED.replace("POLICY", policy), "t.yaml")
    graph, card = Graph(arch), load_deck().card(card_id)
    return {f.target: (v.truth, v.reason) for f in arch.flows if f.source == "User" for v in [judge(card, f, graph)]}


@pytest.mark.parametrize("card_id", ["T9", "I9"])
def test_t9_and_i9_hold_on_a_viewer_flow_that_may_be_plain_http(card_id: str) -> None:
    truth, reason = verdicts("allow-all", card_id)["Cdn"]
    assert truth is Truth.HOLDS
    assert "encrypted is false (Resources.Cdn.Properties.DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy is allow-all" in reason


@pytest.mark.parametrize("card_id", ["T9", "I9"])
def test_t9_and_i9_do_not_hold_on_encrypted_hops(card_id: str) -> None:
    judged = verdicts("https-only", card_id)
    assert judged["Cdn"][0] is Truth.DOES_NOT_HOLD
    assert "encrypted is true" in judged["Cdn"][1]
    assert judged["Api"][0] is Truth.DOES_NOT_HOLD
    assert TRANSIT["api_gateway"].provenance in judged["Api"][1]


def test_every_transit_fact_is_an_aws_page_and_decides_some_flow() -> None:
    assert all(f.reference.startswith(("https://docs.aws.amazon.com/", "https://aws.amazon.com/")) for f in TRANSIT.values())
    custom = "        - {{Id: {0}, DomainName: !GetAtt {0}.RegionalDomainName, CustomOriginConfig: {{OriginProtocolPolicy: {1}}}}}\n"
    origins = "".join(custom.format(b, p) for b, p in (("Plain", "http-only"), ("Tls", "https-only"), ("Match", "match-viewer")))
    buckets = "Plain: {Type: AWS::S3::Bucket}\nTls: {Type: AWS::S3::Bucket}\nMatch: {Type: AWS::S3::Bucket}\n"
    topic_policy = """
NewsPolicy:
  Type: AWS::SNS::TopicPolicy
  Properties:
    Topics: [!Ref News]
    PolicyDocument: {Statement: [{Effect: Deny, Principal: "*", Action: "sns:*", Resource: "*", Condition: {Bool: {"aws:SecureTransport": "false"}}}]}
"""
    queue_policy = topic_policy.replace("News", "Jobs").replace("SNS::TopicPolicy", "SQS::QueuePolicy").replace("Topics", "Queues").replace("sns:*", "sqs:*")
    architectures = [
        parse(distribution("allow-all", "{PathPattern: /m/*, TargetOriginId: Match, ViewerProtocolPolicy: allow-all}", origins) + buckets, ("Cdn",)),
        parse(distribution("https-only"), ("Cdn",)),
        parse("Api: {Type: AWS::Serverless::HttpApi}\nGql: {Type: AWS::AppSync::GraphQLApi, Properties: {Name: g, AuthenticationType: AWS_IAM}}\n"
              + FUNCTION.replace("CodeUri: .}", "CodeUri: ., FunctionUrlConfig: {AuthType: AWS_IAM}}"), ("Api", "Gql", "Fn")),
        parse(BUCKET + STANDARD_DENY),
        parse(MESSAGING + topic_policy + queue_policy),
        parse(MESSAGING.replace("SqsManagedSseEnabled: false", "KmsMasterKeyId: alias/aws/sqs")
              .replace("Type: AWS::SNS::Topic", "Type: AWS::SNS::Topic\n  Properties: {KmsMasterKeyId: alias/aws/sns}")),
    ]
    said = " | ".join(f.provenance.get("encrypted", "") for arch in architectures for f in arch.flows)
    assert [key for key, fact in TRANSIT.items() if fact.provenance not in said] == []


def test_module_example() -> None:
    result = doctest.testmod(cloudformation_transit)
    assert result.attempted > 0 and result.failed == 0


_SHAPES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["*", "Deny", "false", "allow-all", "https-only", "match-viewer", "s3:*", "site", "{\"Ref\": \"B\"}"])
    | st.just({"Fn::GetAtt": ["B", "Arn"]}) | st.just({"Fn::Sub": "${B.Arn}/*"}),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from([
        "Statement", "Effect", "Principal", "AWS", "Action", "Resource", "Condition", "Bool", "aws:SecureTransport",
        "DefaultCacheBehavior", "CacheBehaviors", "Origins", "OriginGroups", "Items", "Members", "OriginId", "Id",
        "TargetOriginId", "ViewerProtocolPolicy", "DomainName", "S3OriginConfig", "CustomOriginConfig",
        "OriginProtocolPolicy", "Ref", "Fn::If", "Fn::Join",
    ]), children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rtype=st.sampled_from(["AWS::CloudFront::Distribution", "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy",
                           "AWS::SNS::TopicPolicy", "AWS::SQS::QueueInlinePolicy", "AWS::SNS::TopicInlinePolicy"]),
    properties=st.dictionaries(st.sampled_from(["DistributionConfig", "PolicyDocument", "Bucket", "Queues", "Queue", "Topics", "TopicArn"]),
                               _SHAPES, max_size=4),
)
def test_any_shape_of_a_distribution_or_policy_gives_a_model_or_a_model_error(rtype: str, properties: dict[str, Any]) -> None:
    targets = ["B", "Thing"] if rtype == "AWS::CloudFront::Distribution" else ["B"]  # policies have no component
    document = {
        "Metadata": {"threatdeck": {"actors": [{"id": "User", "name": "User", "kind": "end_user"}],
                                    "flows": [{"source": "User", "target": t} for t in targets]}},
        "Resources": {"Thing": {"Type": rtype, "Properties": properties}, "B": {"Type": "AWS::S3::Bucket"},
                      "Q": {"Type": "AWS::SQS::Queue"}, "T": {"Type": "AWS::SNS::Topic"}},
    }
    try:
        arch = parse_template(json.dumps(document), "fuzz.json")
    except ModelError as exc:
        assert "\n" not in str(exc) and "no component has id" not in str(exc)
        return
    assert all(isinstance(f.attributes.get("encrypted", False), bool) for f in arch.flows)
