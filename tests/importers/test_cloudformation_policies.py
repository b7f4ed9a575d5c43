"""Policy resources are folded into what they protect, and a literal ARN names a resource the template names."""

from __future__ import annotations

import doctest
import textwrap

import pytest
from templatekit import SENDER, flows

from cards import load_deck
from game.architecture import Architecture
from game.importers import cloudformation_arns
from game.importers.cloudformation import parse_template
from game.importers.cloudformation_defaults import ARN_FORMATS, QUEUE_URL, TRANSIT
from game.predicates import Graph, Truth
from game.rules import judge


def parse(resources: str) -> Architecture:
    return parse_template("Resources:\n" + textwrap.indent(textwrap.dedent(resources), "  "), "t.yaml")


MESSAGING = SENDER + """Jobs:
  Type: AWS::SQS::Queue
  Properties: {QueueName: payslips, SqsManagedSseEnabled: false}
News:
  Type: AWS::SNS::Topic
  Properties: {TopicName: payslip-news}
"""

INLINE = """
JobsPolicy:
  Type: AWS::SQS::QueueInlinePolicy
  Properties:
    Queue: QUEUE
    PolicyDocument:
      Statement:
        - {Effect: Allow, Principal: "*", Action: "sqs:SendMessage", Resource: "*"}
NewsPolicy:
  Type: AWS::SNS::TopicInlinePolicy
  Properties:
    TopicArn: TOPIC
    PolicyDocument:
      Statement:
        - {Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:root"}, Action: "sns:Publish", Resource: "*"}
"""


def inline(queue: str = "!Ref Jobs", topic: str = "!Ref News") -> str:
    return INLINE.replace("QUEUE", queue).replace("TOPIC", topic)


# --- 1. policies are part of what they protect --------------------------------------


def test_inline_queue_and_topic_policies_are_no_components_but_say_who_they_let_in() -> None:
    arch = parse(MESSAGING + inline())
    assert [c.id for c in arch.components] == ["Sender", "Jobs", "News", "SenderRole"]
    jobs, news = arch.component("Jobs"), arch.component("News")
    assert jobs.attr("policy_any_principal") is True
    assert jobs.provenance["policy_any_principal"] == "Resources.JobsPolicy.Properties.PolicyDocument.Statement[0] allows Principal * with no limiting condition"
    assert jobs.attr("cross_account") is False  # the AWS default stands
    assert news.attr("cross_account") is True
    assert news.provenance["cross_account"] == "Resources.NewsPolicy.Properties.PolicyDocument.Statement[0] names another account"
    assert news.attr("policy_any_principal") is False


def test_a_condition_naming_the_caller_keeps_an_inline_policy_from_being_public() -> None:
    limited = inline().replace('Resource: "*"}', 'Resource: "*", Condition: {ArnEquals: {"aws:SourceArn": !Ref News}}}', 1)
    assert parse(MESSAGING + limited).component("Jobs").attr("policy_any_principal") is False


@pytest.mark.parametrize("policy_type", ["AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueueInlinePolicy",
                                         "AWS::SNS::TopicInlinePolicy", "AWS::Lambda::Permission", "AWS::IAM::Policy",
                                         "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy",
                                         "AWS::IAM::GroupPolicy", "AWS::IAM::UserToGroupAddition", "AWS::Logs::ResourcePolicy"])
def test_no_policy_resource_becomes_a_component(policy_type: str) -> None:
    arch = parse(MESSAGING + f"Thing: {{Type: {policy_type}, Properties: {{}}}}\n")
    assert not arch.has_component("Thing")


def test_a_role_policy_is_weighed_with_the_role() -> None:
    text = """
Role:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]}
Fn:
  Type: AWS::Lambda::Function
  Properties: {Runtime: python3.12, Handler: a.h, Code: {ZipFile: x}, Role: !GetAtt Role.Arn}
Jobs: {Type: AWS::SQS::Queue}
Extra:
  Type: AWS::IAM::RolePolicy
  Properties:
    RoleName: !Ref Role
    PolicyName: extra
    PolicyDocument: {Statement: [{Effect: Allow, Action: "sqs:*", Resource: !GetAtt Jobs.Arn}]}
"""
    arch = parse(text)
    assert not arch.has_component("Extra")
    role = arch.component("Role")
    assert role.attr("actions_wildcard") is True
    assert role.provenance["actions_wildcard"] == "Resources.Extra.Properties.PolicyDocument.Statement[0]"
    assert flows(arch)[("Fn", "Jobs")].kind == "write"


def test_s7_now_holds_on_a_queue_an_inline_policy_opens_and_says_which() -> None:
    card = load_deck().card("S7")
    arch = parse(MESSAGING + inline())
    verdict = judge(card, arch.component("Jobs"), Graph(arch))
    assert verdict.truth is Truth.HOLDS
    assert "Resources.JobsPolicy.Properties.PolicyDocument.Statement[0] allows Principal *" in verdict.reason
    closed = parse(MESSAGING)
    assert judge(card, closed.component("Jobs"), Graph(closed)).truth is Truth.DOES_NOT_HOLD


# --- 2. literal ARNs, URLs and names ------------------------------------------------


@pytest.mark.parametrize(
    ("queue", "topic"),
    [
        pytest.param("https://sqs.eu-west-1.amazonaws.com/123456789012/payslips", "arn:aws:sns:eu-west-1:123456789012:payslip-news", id="literal"),
        pytest.param("!Sub 'https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/payslips'",
                     "!Sub 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:payslip-news'", id="pseudo parameters"),
    ],
)
def test_a_policy_attached_by_a_literal_url_or_arn_is_attached(queue: str, topic: str) -> None:
    arch = parse(MESSAGING + inline(queue, topic))
    assert arch.component("Jobs").attr("policy_any_principal") is True
    assert arch.component("News").attr("cross_account") is True


@pytest.mark.parametrize(
    ("queue", "topic"),
    [
        pytest.param("https://sqs.eu-west-1.amazonaws.com/123456789012/other", "arn:aws:sns:eu-west-1:123456789012:other", id="another name"),
        pytest.param("https://sqs.eu-west-1.amazonaws.com/123456789012/payslips", "arn:aws:sqs:eu-west-1:123456789012:payslip-news", id="another service"),
        pytest.param("payslips", "payslip-news", id="a bare name where a URL or ARN is due"),
    ],
)
def test_a_literal_that_names_nothing_of_the_template_leaves_the_defaults(queue: str, topic: str) -> None:
    arch = parse(MESSAGING + inline(queue, topic).replace('Principal: "*"', 'Principal: "*" ', 1))
    assert arch.component("News").provenance["cross_account"].startswith("AWS default")
    if "other" in queue:
        assert arch.component("Jobs").provenance["policy_any_principal"].startswith("AWS default")


def test_a_generated_name_is_never_matched_by_a_literal() -> None:
    unnamed = MESSAGING.replace("QueueName: payslips, ", "").replace("Properties: {TopicName: payslip-news}", "Properties: {}")
    arch = parse(unnamed + inline("https://sqs.eu-west-1.amazonaws.com/123456789012/payslips", "arn:aws:sns:eu-west-1:123456789012:payslip-news"))
    assert arch.component("Jobs").provenance["policy_any_principal"].startswith("AWS default")
    assert arch.component("News").provenance["cross_account"].startswith("AWS default")


DENY = """
JobsPolicy:
  Type: AWS::SQS::QueuePolicy
  Properties:
    Queues: [QUEUE]
    PolicyDocument:
      Statement:
        - {Effect: Deny, Principal: "*", Action: "sqs:*", Resource: RESOURCE, Condition: {Bool: {"aws:SecureTransport": "false"}}}
"""


@pytest.mark.parametrize(
    ("queue", "resource", "expected"),
    [
        pytest.param("!Ref Jobs", "arn:aws:sqs:eu-west-1:123456789012:payslips", True, id="literal ARN, referenced queue"),
        pytest.param("https://sqs.eu-west-1.amazonaws.com/123456789012/payslips", "arn:aws:sqs:eu-west-1:123456789012:payslips", True, id="all literal"),
        pytest.param("!Ref Jobs", "!Sub 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:payslips'", True, id="pseudo parameters"),
        pytest.param("!Ref Jobs", "arn:aws:sqs:eu-west-1:123456789012:someone-elses", None, id="another queue"),
        pytest.param("!Ref Jobs", "arn:aws:sns:eu-west-1:123456789012:payslips", None, id="another service"),
        pytest.param("!Ref Jobs", "arn:aws:sqs:eu-west-1:123456789012:payslips-*", None, id="a pattern of other names"),
    ],
)
def test_a_literal_arn_with_region_and_account_proves_tls_for_the_queue_it_names(queue: str, resource: str, expected: bool | None) -> None:
    arch = parse(MESSAGING + DENY.replace("QUEUE", queue).replace("RESOURCE", resource))
    flow = flows(arch)[("Sender", "Jobs")]
    assert flow.attributes.get("encrypted") is expected
    if expected:
        assert flow.provenance["encrypted"] == (
            f"Resources.JobsPolicy.Properties.PolicyDocument.Statement[0] denies requests without TLS ({TRANSIT['sqs_secure_transport'].provenance})"
        )


def test_a_literal_arn_proves_nothing_for_a_queue_whose_name_is_generated() -> None:
    unnamed = MESSAGING.replace("QueueName: payslips, ", "")
    arch = parse(unnamed + DENY.replace("QUEUE", "!Ref Jobs").replace("RESOURCE", "arn:aws:sqs:eu-west-1:123456789012:payslips"))
    assert flows(arch)[("Sender", "Jobs")].attributes.get("encrypted") is None


def test_t9_changes_its_verdict_when_a_literal_arn_denies_plain_http() -> None:
    card = load_deck().card("T9")
    policy = DENY.replace("QUEUE", "!Ref Jobs").replace("RESOURCE", "arn:aws:sqs:eu-west-1:123456789012:payslips")
    before, after = parse(MESSAGING), parse(MESSAGING + policy)
    flow_before = flows(before)[("Sender", "Jobs")]
    flow_after = flows(after)[("Sender", "Jobs")]
    assert judge(card, flow_before, Graph(before)).truth is not Truth.DOES_NOT_HOLD
    verdict = judge(card, flow_after, Graph(after))
    assert verdict.truth is Truth.DOES_NOT_HOLD
    assert "Resources.JobsPolicy.Properties.PolicyDocument.Statement[0] denies requests without TLS" in verdict.reason


def test_an_identity_policy_naming_a_literal_arn_draws_the_access() -> None:
    text = MESSAGING.replace(
        "      - SQSSendMessagePolicy: {QueueName: !GetAtt Jobs.QueueName}\n      - SNSPublishMessagePolicy: {TopicName: !GetAtt News.TopicName}\n",
        "      - Statement:\n"
        "          - {Effect: Allow, Action: sqs:SendMessage, Resource: arn:aws:sqs:eu-west-1:123456789012:payslips}\n"
        "          - {Effect: Allow, Action: s3:GetObject, Resource: arn:aws:s3:::payslip-files/*}\n"
        "          - {Effect: Allow, Action: sns:Publish, Resource: arn:aws:sns:eu-west-1:123456789012:not-in-this-template}\n",
    )
    arch = parse(text + "Files: {Type: AWS::S3::Bucket, Properties: {BucketName: payslip-files}}\n")
    drawn = flows(arch)
    assert drawn[("Sender", "Jobs")].kind == "write"
    assert drawn[("Sender", "Files")].kind == "read"
    assert ("Sender", "News") not in drawn


def test_a_permission_from_a_literal_bucket_arn_draws_the_notification() -> None:
    text = """
Fn:
  Type: AWS::Serverless::Function
  Properties: {Runtime: python3.12, Handler: a.h, CodeUri: .}
Files: {Type: AWS::S3::Bucket, Properties: {BucketName: payslip-files}}
Invoke:
  Type: AWS::Lambda::Permission
  Properties: {FunctionName: !Ref Fn, Action: lambda:InvokeFunction, Principal: s3.amazonaws.com, SourceArn: "arn:aws:s3:::payslip-files", SourceAccount: "123456789012"}
"""
    assert flows(parse(text))[("Files", "Fn")].kind == "event"


def test_a_bucket_policy_names_a_bucket_not_a_function_of_the_same_name() -> None:
    text = """
Fn:
  Type: AWS::Serverless::Function
  Properties: {Runtime: python3.12, Handler: a.h, CodeUri: ., FunctionName: payslips}
Files: {Type: AWS::S3::Bucket, Properties: {BucketName: payslips}}
FilesPolicy:
  Type: AWS::S3::BucketPolicy
  Properties:
    Bucket: payslips
    PolicyDocument: {Statement: [{Effect: Allow, Principal: "*", Action: s3:GetObject, Resource: "arn:aws:s3:::payslips/*"}]}
"""
    files = parse(text).component("Files")
    assert files.attr("policy_any_principal") is True
    assert files.provenance["policy_any_principal"] == "Resources.FilesPolicy.Properties.PolicyDocument.Statement[0] allows Principal *"


def test_every_arn_format_cites_an_aws_page() -> None:
    assert all(f.reference.startswith("https://docs.aws.amazon.com/") for f in [*ARN_FORMATS.values(), QUEUE_URL])


def test_module_example() -> None:
    result = doctest.testmod(cloudformation_arns)
    assert result.attempted > 0 and result.failed == 0
