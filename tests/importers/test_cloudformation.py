"""The CloudFormation / SAM importer: defaults, SAM semantics, policies, secrets, metadata and bad input."""

from __future__ import annotations

import copy
import doctest
import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from templatekit import flows

from game.architecture import Architecture, Component, ComponentType
from game.importers import ModelError, cloudformation, load_architecture
from game.importers import cloudformation_sam as sam
from game.importers.cloudformation_defaults import DEFAULTS, DEPRECATED_RUNTIMES
from game.importers.cloudformation_secrets import secret_looking_value
from game.importers.cloudformation import HELPERS
from game.importers.cloudformation_services import COMPONENT_TYPES

FIXTURES = Path(__file__).parent / "fixtures" / "cfn"
ROOT = Path(__file__).resolve().parents[2]


def load(name: str) -> Architecture:
    return load_architecture((FIXTURES / name).read_text(encoding="utf-8"), name)


def parse(text: str, source: str = "t.yaml") -> Architecture:
    return cloudformation.parse_template(text, source)


def attrs(arch: Architecture, component_id: str) -> dict[str, Any]:
    return dict(arch.component(component_id).attributes)


def why(arch: Architecture, component_id: str, attribute: str) -> str:
    return arch.component(component_id).provenance[attribute]


def error_of(text: str, source: str = "bad.yaml") -> ModelError:
    with pytest.raises(ModelError) as info:
        load_architecture(text, source)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(source), message
    return info.value


# --- AWS defaults -------------------------------------------------------------------


def _default_cases() -> list[tuple[str, str, Any, str]]:
    return [(rtype, row.attribute, row.value, row.provenance) for row in DEFAULTS for rtype in row.resource_types]


@pytest.mark.parametrize(("resource_type", "attribute", "value", "provenance"), _default_cases())
def test_a_silent_template_gets_each_aws_default(resource_type: str, attribute: str, value: Any, provenance: str) -> None:
    arch = parse(f"Resources:\n  Thing:\n    Type: {resource_type}\n")
    thing = arch.component("Thing")
    assert thing.attr(attribute) == value
    assert thing.provenance[attribute] == provenance
    assert provenance.startswith("AWS default: ")


def test_every_defaulted_type_is_a_component_type() -> None:
    for row in DEFAULTS:
        for rtype in row.resource_types:
            assert rtype in COMPONENT_TYPES, rtype
            assert rtype not in HELPERS


def test_settings_without_an_aws_default_stay_unknown() -> None:
    arch = parse("Resources:\n  B: {Type: AWS::S3::Bucket}\n  F: {Type: AWS::Lambda::Function}\n  L: {Type: AWS::Logs::LogGroup}\n")
    assert arch.component("B").attr("mfa_delete") is None
    assert arch.component("B").attr("keys_guessable") is None
    assert arch.component("F").attr("implements_auth") is None


def test_absent_concurrency_and_retention_are_known_to_be_unset() -> None:
    arch = parse("Resources:\n  F: {Type: AWS::Lambda::Function}\n  L: {Type: AWS::Logs::LogGroup}\n")
    assert arch.component("F").attr("reserved_concurrency") == "unreserved"
    assert arch.component("L").attr("retention_days") == "forever"
    assert arch.component("L").provenance["retention_days"].startswith("AWS default:")
    set_ = parse(
        "Parameters:\n  N: {Type: Number}\nResources:\n"
        "  F: {Type: AWS::Lambda::Function, Properties: {ReservedConcurrentExecutions: 5}}\n"
        "  G: {Type: AWS::Lambda::Function, Properties: {ReservedConcurrentExecutions: !Ref N}}\n"
        "  L: {Type: AWS::Logs::LogGroup, Properties: {RetentionInDays: 30}}\n"
    )
    assert set_.component("F").attr("reserved_concurrency") == 5
    assert set_.component("G").attr("reserved_concurrency") is None  # a parameter with no default: unknown
    assert set_.component("L").attr("retention_days") == 30


def test_deprecated_runtimes() -> None:
    for runtime in ("python2.7", "python3.6", "python3.7", "python3.8", "nodejs10.x", "nodejs12.x", "nodejs14.x",
                    "nodejs16.x", "dotnetcore3.1", "ruby2.5", "ruby2.7", "java8", "go1.x", "provided"):
        assert runtime in DEPRECATED_RUNTIMES, runtime
    for runtime in ("java8.al2", "python3.12", "nodejs22.x", "provided.al2023"):
        assert runtime not in DEPRECATED_RUNTIMES, runtime


def test_module_example() -> None:
    result = doctest.testmod(cloudformation)
    assert result.attempted > 0 and result.failed == 0


# --- SAM: Globals, implicit APIs, generated roles -------------------------------------


def test_globals_merge_the_way_sam_does() -> None:
    merged = sam.merge(
        {"Timeout": 3, "Environment": {"Variables": {"A": "1", "B": "2"}}, "Layers": ["g"], "Role": {"Ref": "R"}},
        {"Timeout": 9, "Environment": {"Variables": {"B": "x"}}, "Layers": ["l"], "Role": {"Fn::GetAtt": ["S", "Arn"]}},
    )
    assert merged == {"Timeout": 9, "Environment": {"Variables": {"A": "1", "B": "x"}}, "Layers": ["g", "l"], "Role": {"Fn::GetAtt": ["S", "Arn"]}}


def test_sam_globals_fixture() -> None:
    arch = load("sam_globals.yaml")
    assert arch.source_format == "sam"
    assert arch.name == "Orders service"
    assert attrs(arch, "CreateOrder")["timeout_s"] == 30
    assert why(arch, "CreateOrder", "timeout_s") == "Properties.Timeout"
    assert attrs(arch, "ListOrders")["timeout_s"] == 15
    assert why(arch, "ListOrders", "timeout_s") == "Globals.Function.Timeout"
    assert attrs(arch, "ListOrders")["runtime"] == "python3.12"
    assert attrs(arch, "CreateOrder")["runtime_deprecated"] is True
    assert why(arch, "CreateOrder", "runtime_deprecated").startswith("Globals.Function.Runtime python3.8")
    # Layers: the global (own account) layer plus the resource's (another account's).
    assert attrs(arch, "CreateOrder")["cross_account_layers"] is True
    assert attrs(arch, "AdminFunction")["cross_account_layers"] is False
    # IgnoreGlobals drops the global Tracing for ListOrders only.
    assert attrs(arch, "CreateOrder")["tracing"] is True
    assert attrs(arch, "ListOrders")["tracing"] is False
    assert why(arch, "ListOrders", "tracing").startswith("AWS default")


def test_implicit_rest_api() -> None:
    arch = load("sam_globals.yaml")
    api = arch.component("ServerlessRestApi")
    assert api.type is ComponentType.API_GATEWAY
    assert api.attr("authorizer") == "none"
    assert api.attr("access_logging") is True
    assert api.provenance["access_logging"] == "Globals.Api.AccessLogSetting.DestinationArn"
    assert api.attr("throttling") is True
    found = flows(arch)
    assert found[("ServerlessRestApi", "CreateOrder")].label == "POST /orders"
    assert found[("ServerlessRestApi", "CreateOrder")].kind == "invoke"
    assert found[("ServerlessRestApi", "CreateOrder")].is_async is False
    assert ("ServerlessRestApi", "AdminFunction") not in found  # it names its own API
    assert found[("AdminApi", "AdminFunction")].label == "POST /admin"
    admin_api = attrs(arch, "AdminApi")
    assert admin_api["public"] is False and admin_api["authorizer"] == "iam"


def test_generated_roles_follow_the_policies() -> None:
    arch = load("sam_globals.yaml")
    assert attrs(arch, "CreateOrder")["role"] == "CreateOrderRole"
    create = attrs(arch, "CreateOrderRole")
    assert (create["admin"], create["actions_wildcard"], create["resources_wildcard"], create["privesc_actions"]) == (False, False, False, ())
    assert create["trusted_services"] == ("lambda.amazonaws.com",)
    assert attrs(arch, "ListOrdersRole")["resources_wildcard"] is True
    assert "AmazonDynamoDBReadOnlyAccess" in why(arch, "ListOrdersRole", "resources_wildcard")
    admin = attrs(arch, "AdminFunctionRole")
    assert admin["admin"] is True and admin["actions_wildcard"] is True
    assert "iam:PassRole" in admin["privesc_actions"] and "sts:AssumeRole" in admin["privesc_actions"]
    found = flows(arch)
    assert found[("CreateOrder", "OrdersTable")].kind == "write"
    assert found[("CreateOrder", "OrdersQueue")].kind == "write"


def test_a_function_with_no_policies_gets_basic_execution_only() -> None:
    arch = parse("Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: a.b, Runtime: python3.12, CodeUri: s3://b/k}\n")
    role = attrs(arch, "FnRole")
    assert (role["admin"], role["actions_wildcard"], role["resources_wildcard"], role["privesc_actions"]) == (False, False, False, ())
    assert "AWSLambdaBasicExecutionRole" in why(arch, "FnRole", "resources_wildcard")


def test_one_role_for_all_functions() -> None:
    arch = load("shared_role.yaml")
    assert attrs(arch, "First")["role"] == attrs(arch, "Second")["role"] == "SharedRole"
    assert why(arch, "First", "role") == "Globals.Function.Role"
    assert not arch.has_component("FirstRole")
    shared = attrs(arch, "SharedRole")
    assert shared["actions_wildcard"] is True and shared["resources_wildcard"] is True and shared["admin"] is False
    assert shared["privesc_actions"] == ("iam:PassRole", "lambda:UpdateFunctionCode")
    other = attrs(arch, "OtherRole")
    assert other["privesc_actions"] == ("iam:AttachRolePolicy", "iam:CreatePolicyVersion", "sts:AssumeRole")
    assert why(arch, "OtherRole", "privesc_actions").startswith("iam:AttachRolePolicy at Resources.EscalationPolicy.Properties.PolicyDocument.Statement[0]")


def test_a_literal_role_arn_becomes_one_shared_role_component() -> None:
    arch = load("shared_role.yaml")
    assert attrs(arch, "Third")["role"] == attrs(arch, "Fourth")["role"] == "legacylambdarole"
    role = arch.component("legacylambdarole")
    assert role.type is ComponentType.IAM_ROLE and role.name == "legacy-lambda-role"
    assert dict(role.attributes) == {}  # its policies live outside the template


def test_e1_fires_on_a_role_shared_through_globals() -> None:
    from cards import load_deck
    from game.rules import scan

    found = {(f.card.id, f.target) for f in scan(load("shared_role.yaml"), load_deck())}
    assert ("E1", "SharedRole") in found and ("E1", "First") in found
    assert ("E3", "First") in found or ("E2", "First") in found


# --- event sources ------------------------------------------------------------------


def test_event_sources_become_flows() -> None:
    arch = load("sam_events.yaml")
    found = flows(arch)
    stream = found[("Table", "Worker")]
    assert (stream.kind, stream.is_async) == ("event", False)
    assert attrs(arch, "Table")["stream"] is True
    assert why(arch, "Table", "stream") == "Properties.StreamSpecification.StreamViewType"
    assert (found[("Jobs", "Worker")].kind, found[("Jobs", "Worker")].is_async) == ("event", False)
    assert (found[("Uploads", "Worker")].is_async, found[("Uploads", "Worker")].label) == (True, "s3:ObjectCreated:*")
    assert found[("Alerts", "Worker")].is_async is True
    assert found[("WorkerNightly", "Worker")].is_async is True
    assert arch.component("WorkerNightly").type is ComponentType.EVENTBRIDGE
    assert attrs(arch, "WorkerNightly")["dlq"] is False
    assert found[("ServerlessHttpApi", "Worker")].label == "GET /jobs"
    assert attrs(arch, "Worker")["on_failure"] is True
    assert attrs(arch, "Jobs")["redrive"] is True and attrs(arch, "JobsDlq")["redrive"] is False
    assert attrs(arch, "Alerts")["redrive"] is False
    assert attrs(arch, "Table")["autoscaling"] is False


def test_a_stream_event_turns_the_table_stream_on() -> None:
    arch = parse(
        """
Resources:
  T: {Type: AWS::DynamoDB::Table}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        S: {Type: DynamoDB, Properties: {Stream: !GetAtt T.StreamArn}}
"""
    )
    assert attrs(arch, "T")["stream"] is True
    assert why(arch, "T", "stream") == "Resources.Fn.Properties.Events.S.Properties.Stream reads its stream"
    assert flows(arch)[("T", "Fn")].kind == "event"


def test_plain_cloudformation_json() -> None:
    arch = load_architecture((FIXTURES / "plain.json").read_text(), "plain.json")
    assert arch.source_format == "cloudformation"
    handler = arch.component("Handler")
    assert handler.location is not None and handler.location.line == 5 and handler.location.path == "Resources.Handler"
    a = dict(handler.attributes)
    assert a["timeout_s"] == 60 and a["reserved_concurrency"] == 5 and a["tracing"] is True
    assert a["on_failure"] is True and a["code_signing"] is True and a["runtime_deprecated"] is True
    assert a["source_arn_condition"] is False
    assert "LoosePermission" in handler.provenance["source_arn_condition"]
    api = attrs(arch, "Api")
    assert api["authorizer"] == "cognito"  # the OPTIONS preflight does not count
    assert api["request_validation"] is True and api["usage_plan"] is True and api["waf"] is True
    assert api["access_logging"] is True and api["data_trace"] is True and api["stage_var_secrets"] is True
    assert "ghp_" not in why(arch, "Api", "stage_var_secrets")
    found = flows(arch)
    assert found[("Api", "Handler")].label == "POST /items"
    assert found[("Queue", "Handler")].is_async is False  # event source mapping: polled
    assert found[("Rule", "Handler")].is_async is True
    assert found[("Topic", "Queue")].kind == "event"
    assert sum(1 for f in arch.flows if (f.source, f.target) == ("Api", "Handler")) == 1
    assert attrs(arch, "Queue")["policy_any_principal"] is True
    assert attrs(arch, "Queue")["kms"] == "aws"
    assert attrs(arch, "Pool")["mfa"] == "optional" and attrs(arch, "Pool")["threat_protection"] is False
    assert attrs(arch, "Pool")["prevent_user_existence_errors"] is False  # one client is LEGACY
    assert attrs(arch, "Identities")["guest_access"] is True
    machine = attrs(arch, "Machine")
    assert machine["logging"] == "error" and machine["tracing"] is True and machine["definition_secrets"] is True
    assert machine["role"] == "HandlerRole"
    assert attrs(arch, "Param")["kind"] == "ssm_plain"
    assert attrs(arch, "Logs")["retention_days"] == 30 and attrs(arch, "Logs")["kms"] == "cmk"
    assert attrs(arch, "Bus")["cross_account"] is True
    assert attrs(arch, "Topic")["redrive"] is True and attrs(arch, "Topic")["kms"] == "cmk"
    role = attrs(arch, "HandlerRole")
    assert role["actions_wildcard"] is True and role["resources_wildcard"] is True
    # A customer-managed policy might grant anything: no clean bill of health.
    assert "admin" not in role and "privesc_actions" not in role
    assert "custom" in arch.component("HandlerRole").description


def test_state_machines_know_their_workflow_type() -> None:
    """StateMachineType (SAM: Type) is STANDARD unless it says EXPRESS; R8's reason names it."""
    arch = parse(
        "Parameters:\n  Kind: {Type: String}\n"
        "Globals:\n  StateMachine:\n    Type: EXPRESS\n"
        "Resources:\n"
        "  Plain: {Type: AWS::StepFunctions::StateMachine}\n"
        "  Express: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineType: EXPRESS}}\n"
        "  Standard: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineType: STANDARD}}\n"
        "  Chosen: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineType: !Ref Kind}}\n"
        "  Lower: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineType: express}}\n"
        "  SamGlobal: {Type: AWS::Serverless::StateMachine}\n"
        "  SamStandard: {Type: AWS::Serverless::StateMachine, Properties: {Type: STANDARD}}\n"
        "  SamWrongKey: {Type: AWS::Serverless::StateMachine, Properties: {StateMachineType: STANDARD}}\n"
    )
    assert attrs(arch, "Plain")["workflow_type"] == "standard"
    assert why(arch, "Plain", "workflow_type") == "AWS default: a state machine is a STANDARD workflow unless its type is EXPRESS"
    assert (attrs(arch, "Express")["workflow_type"], why(arch, "Express", "workflow_type")) == ("express", "Properties.StateMachineType is EXPRESS")
    assert attrs(arch, "Standard")["workflow_type"] == "standard"
    assert "workflow_type" not in attrs(arch, "Chosen")  # a parameter without a default: unknown, not the default
    assert "workflow_type" not in attrs(arch, "Lower")  # AWS takes only STANDARD or EXPRESS
    assert (attrs(arch, "SamGlobal")["workflow_type"], why(arch, "SamGlobal", "workflow_type")) == ("express", "Globals.StateMachine.Type is EXPRESS")
    assert (attrs(arch, "SamStandard")["workflow_type"], why(arch, "SamStandard", "workflow_type")) == ("standard", "Properties.Type is STANDARD")
    assert attrs(arch, "SamWrongKey")["workflow_type"] == "express"  # SAM reads Type; StateMachineType is not its key
    sam_default = parse("Resources:\n  M: {Type: AWS::Serverless::StateMachine}\n")
    assert attrs(sam_default, "M")["workflow_type"] == "standard"


def test_unknown_resource_types_become_generic() -> None:
    arch = load("unknown.yaml")
    for rid, rtype in (("Cluster", "AWS::ECS::Cluster"), ("Custom", "Custom::SeedData"), ("Stream", "AWS::Kinesis::Stream")):
        c = arch.component(rid)
        assert c.type is ComponentType.GENERIC and c.attr("resource_type") == rtype
    assert flows(arch)[("Stream", "Seeder")].is_async is False
    assert attrs(arch, "Seeder")["role"] == "seeder"


# --- S3 -------------------------------------------------------------------------------


def test_buckets() -> None:
    arch = load("buckets.yaml")
    private = attrs(arch, "PrivateByDefault")
    assert (private["block_public_access"], private["public_read"], private["public_write"]) == (True, False, False)
    assert why(arch, "PrivateByDefault", "public_read").startswith("AWS default")
    site = arch.component("PublicWebsite")
    assert site.name == "example-public-site"
    assert site.attr("block_public_access") is False
    assert site.provenance["block_public_access"] == "Properties.PublicAccessBlockConfiguration.BlockPublicPolicy is false"
    assert site.attr("public_read") is True and site.attr("public_write") is False
    assert site.provenance["public_read"].startswith("Resources.PublicWebsitePolicy.Properties.PolicyDocument.Statement[0]")
    assert site.attr("policy_any_principal") is True
    assert site.attr("versioning") is True and site.attr("access_logging") is True
    assert flows(arch)[("PublicWebsite", "Logs")].kind == "log"
    blocked = attrs(arch, "BlockedPolicy")
    assert blocked["policy_any_principal"] is True and blocked["public_read"] is False and blocked["public_write"] is False
    assert "Block Public Access" in why(arch, "BlockedPolicy", "public_read")
    partly = attrs(arch, "PartlyOpen")
    assert partly["block_public_access"] is False and partly["public_read"] is False
    assert why(arch, "PartlyOpen", "block_public_access") == "Properties.PublicAccessBlockConfiguration.IgnorePublicAcls is false"
    assert attrs(arch, "AclOwnerEnforced")["public_read"] is False  # ACLs are disabled by default
    acl = attrs(arch, "AclInForce")
    assert acl["public_read"] is True and acl["public_write"] is True
    assert "ObjectWriter" in why(arch, "AclInForce", "public_write")
    vpc = attrs(arch, "VpcOnly")
    assert vpc["policy_any_principal"] is False and vpc["public_read"] is False
    locked = attrs(arch, "Locked")
    assert locked["object_lock"] is True and locked["versioning"] is False and locked["kms"] == "cmk"
    assert "mfa_delete" not in locked


# --- secrets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "secret", "mentions"),
    [
        ("Leaky", True, "DB_PASSWORD"),
        ("LeakyKeyId", True, "access key id"),
        ("LeakyUrl", True, "password"),
        ("LeakyDefault", True, "parameter ApiToken"),
        ("Careful", False, "no literal secret-looking value"),
    ],
)
def test_environment_secrets(function: str, secret: bool, mentions: str) -> None:
    arch = load("env_secrets.yaml")
    assert attrs(arch, function)["env_secrets"] is secret
    assert mentions in why(arch, function, "env_secrets")


def test_secret_values_never_reach_the_model() -> None:
    arch = load("env_secrets.yaml")
    text = json.dumps([[c.name, c.description, dict(c.provenance)] for c in arch.components])
    for value in ("correct-horse-battery", "AKIAABCDEFGHIJKLMNOP", "s3cr3tpass", "tok-9f8e7d6c5b4a"):
        assert value not in text


def test_secret_looking_values() -> None:
    assert secret_looking_value("AKIAIOSFODNN7EXAMPLE") == "an AWS access key id"
    assert secret_looking_value("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY") == "a long high-entropy string"
    assert secret_looking_value("-----BEGIN RSA PRIVATE KEY-----") == "a private key"
    assert secret_looking_value("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod") is None
    assert secret_looking_value("my-orders-table-prod") is None
    assert secret_looking_value("d41d8cd98f00b204e9800998ecf8427ed41d8cd9") is None  # hex digests are not keys


def test_rotation_schedule() -> None:
    arch = load("env_secrets.yaml")
    assert attrs(arch, "AppSecret")["rotation"] is True
    assert why(arch, "AppSecret", "rotation") == "Resources.AppSecretRotation"


# --- intrinsic functions ----------------------------------------------------------------


def test_intrinsics_everywhere() -> None:
    arch = load("intrinsics.yaml")
    data = arch.component("Data")
    assert data.name == "orders-prod"  # !Join with a parameter default
    assert data.attr("autoscaling") is True  # !If decided by the parameter default
    assert data.attr("pitr") is True  # !If on !Not !Condition
    assert data.attr("deletion_protection") is None  # undecidable !If with different branches
    fn = attrs(arch, "Fn")
    assert fn["runtime"] == "python3.12"  # !Select
    assert fn["timeout_s"] == 20  # !FindInMap
    assert fn["tracing"] is True  # !And of a condition and a mapping lookup
    assert fn["role"] == "LocalRole"  # references take every branch of an undecidable !If
    assert attrs(arch, "Other")["role"] == "LocalRole"  # !Sub "${X.Arn}"
    assert attrs(arch, "Logs")["retention_days"] == 14  # !Ref of a Number parameter
    found = flows(arch)
    assert found[("Fn", "Logs")].kind == "log"  # LogGroupName !Sub /aws/lambda/${Fn}
    kinds = {f.kind for f in arch.flows if (f.source, f.target) == ("Fn", "Data")}
    assert kinds == {"read", "write"}  # !Join and !Sub-with-variables resources


# --- the threatdeck metadata extension ---------------------------------------------------


def test_metadata_extension() -> None:
    arch = load("metadata.yaml")
    assert arch.name == "Metadata demo" and arch.description == "What a template cannot say."
    assert {b.id for b in arch.boundaries} == {"internet", "cloud"}
    customer = arch.component("Customer")
    assert customer.type is ComponentType.ACTOR and customer.attr("kind") == "end_user" and customer.boundary == "internet"
    repo = arch.component("Repo")
    assert repo.type is ComponentType.CODE_REPO and repo.attr("cloud_auth") == "static_keys"
    login = arch.component("Login")
    assert login.attr("implements_auth") is True and login.description == "Home-made login."
    assert login.attr("timeout_s") == 5
    assert login.provenance["timeout_s"] == "Metadata.threatdeck.attributes.timeout_s"
    assert login.boundary == "cloud"
    assert arch.component("ServerlessRestApi").attr("verbose_errors") is True
    found = flows(arch)
    assert found[("ServerlessRestApi", "Login")].data_class == "secret"  # annotates the derived flow
    assert sum(1 for f in arch.flows if (f.source, f.target) == ("ServerlessRestApi", "Login")) == 1
    inbound = found[("Customer", "ServerlessRestApi")]
    assert inbound.attributes["public_network"] is True and inbound.location is not None and inbound.location.line is not None


BASE = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        (BASE + "    Metadata: {threatdeck: {attributes: {nonsense: true}}}\n", "Resources.Fn.Metadata.threatdeck.attributes.nonsense", "no attribute"),
        (BASE + "    Metadata: {threatdeck: {attributes: {timeout_s: soon}}}\n", "Resources.Fn.Metadata.threatdeck.attributes.timeout_s", "whole number"),
        (BASE + "    Metadata: {threatdeck: {colour: red}}\n", "Resources.Fn.Metadata.threatdeck.colour", "unknown field"),
        (BASE + "    Metadata: {threatdeck: {attributes: {role: Nobody}}}\n", "Metadata.threatdeck.attributes.role", "must name a iam_role"),
        (BASE + "  P:\n    Type: AWS::Lambda::Permission\n    Metadata: {threatdeck: {attributes: {public: true}}}\n", "Resources.P.Metadata.threatdeck", "folded"),
        ("Metadata: {threatdeck: {flows: [{source: Fn, target: Ghost}]}}\n" + BASE, "Metadata.threatdeck.flows[0].target", "Ghost"),
        ("Metadata: {threatdeck: {actors: [{id: A, kind: alien}]}}\n" + BASE, "Metadata.threatdeck.actors[0].kind", "Must be one of"),
        ("Metadata: {threatdeck: {actors: [{id: Fn, kind: staff}]}}\n" + BASE, "Metadata.threatdeck.actors[0].id", "already used"),
        ("Metadata: {threatdeck: {components: [{id: X}]}}\n" + BASE, "Metadata.threatdeck.components[0].type", "needs a type"),
        ("Metadata: {threatdeck: {components: [{id: Fn, type: s3}]}}\n" + BASE, "Metadata.threatdeck.components[0].type", "not a s3"),
        ("Metadata: {threatdeck: {components: [{id: R, type: code_repo, attributes: {cloud_auth: ftp}}]}}\n" + BASE,
         "Metadata.threatdeck.components[0].attributes.cloud_auth", "static_keys"),
        ("Metadata: {threatdeck: {boundaries: [{id: b, members: [Ghost]}]}}\n" + BASE, "Metadata.threatdeck.boundaries[0].members[0]", "Ghost"),
        ("Metadata: {threatdeck: {default_boundary: nowhere}}\n" + BASE, "Metadata.threatdeck.default_boundary", "nowhere"),
        ("Metadata: {threatdeck: [1, 2]}\n" + BASE, "Metadata.threatdeck", "expected a mapping"),
    ],
)
def test_bad_metadata_names_the_path(text: str, path: str, words: str) -> None:
    err = error_of(text)
    assert path in str(err), str(err)
    assert words in str(err), str(err)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("AWSTemplateFormatVersion: '2010-09-09'\n", "Resources: required"),
        ("Resources: {}\n", "Resources: expected at least one resource"),
        ("Resources:\n  B: {Properties: {}}\n", "Resources.B.Type: expected a resource type"),
        ("Resources:\n  B: {Type: AWS::S3::Bucket, Properties: [1]}\n", "Resources.B.Properties: expected a mapping"),
        ("Resources:\n  my-bucket: {Type: AWS::S3::Bucket}\n", "Resources.my-bucket: expected a logical id"),
        ("Resources:\n  B: {Type: AWS::S3::Bucket}\n  B: {Type: AWS::S3::Bucket}\n", "Resources.B: the key 'B' is given twice"),
        ("Parameters: 3\nResources:\n  B: {Type: AWS::S3::Bucket}\n", "Parameters: expected a mapping"),
        ('{"Resources": {"B": {"Type": "AWS::S3::Bucket",}}}', "not valid JSON"),
        ("Transform: AWS::LanguageExtensions\nResources:\n  Fn::ForEach::Buckets:\n    - B\n    - [x, y]\n    - Bucket${B}:\n        Type: AWS::S3::Bucket\n", "Fn::ForEach"),
    ],
)
def test_bad_templates(text: str, words: str) -> None:
    err = error_of(text)
    assert words in str(err), str(err)


def test_a_template_must_be_a_mapping() -> None:
    with pytest.raises(ModelError, match="expected a mapping at the top level"):
        parse("- just\n- a list\n", "list.yaml")


def test_malformed_yaml() -> None:
    err = error_of((FIXTURES / "malformed.yaml").read_text(), "malformed.yaml")
    assert "not valid YAML" in str(err) and "line 5" in str(err)


def error_and_peak_memory(text: str, name: str) -> tuple[ModelError, int]:
    """The importer's refusal of ``text`` and the most memory Python held while it was made."""
    tracemalloc.start()
    try:
        err = error_of(text, name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return err, peak


def test_alias_bomb_is_refused_in_bounded_memory() -> None:
    err, peak = error_and_peak_memory((FIXTURES / "alias_bomb.yaml").read_text(), "alias_bomb.yaml")
    assert "alias bomb" in str(err)
    assert peak < 20_000_000


def test_a_json_template_is_held_to_the_node_limit_of_a_yaml_one() -> None:
    """cfn-lint's JSON decoder keeps a line for every node: a 10 MB template of empty objects took scan 2.4 GB
    and 41 s, where the same nodes in YAML are refused as too many before anything is built."""
    from game.importers.documents import MAX_NODES

    text = '{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Metadata": {"pad": [' + "{}, " * MAX_NODES + "{}]}}}}"
    err, peak = error_and_peak_memory(text, "many.json")
    assert str(err) == "many.json: has more than 500,000 nodes (values and keys)"
    assert peak < 100_000_000
    assert parse(text.replace("{}, " * MAX_NODES, "{}, " * 1_000), "fewer.json").components


def test_python_tags_are_refused_and_never_run(tmp_path: Path) -> None:
    marker = Path("/tmp/threatdeck-owned")
    marker.unlink(missing_ok=True)
    err = error_of((FIXTURES / "python_tag.yaml").read_text(), "python_tag.yaml")
    assert "unsupported YAML tag !!python/object/apply:os.system" in str(err)
    assert not marker.exists()


def test_fifty_megabyte_template_is_refused_up_front() -> None:
    padding = "#" + "x" * 1022 + "\n"
    text = "Resources:\n  B: {Type: AWS::S3::Bucket}\n" + padding * (50 * 1024)
    assert len(text) > 50_000_000
    err, peak = error_and_peak_memory(text, "huge.yaml")
    assert "limit" in str(err)
    assert peak < 60_000_000  # one encoded copy to measure it, nothing parsed


def test_deeply_nested_json_is_refused() -> None:
    text = '{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": ' + "[" * 5000 + "]" * 5000 + "}}}"
    err = error_of(text, "deep.json")
    assert "nested too deeply" in str(err)


def test_deeply_nested_yaml_is_refused() -> None:
    text = "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n      X: " + "[" * 200 + "]" * 200 + "\n"
    err = error_of(text, "deep.yaml")
    assert "nested deeper" in str(err)


def test_unsupported_constructs_do_not_crash() -> None:
    arch = parse(
        """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Role: !ImportValue shared-role
      Timeout: !GetAtt Other.Timeout
      Environment: !If [Nope, {Variables: {A: b}}, !Ref AWS::NoValue]
      Events: [not, a, mapping]
      Policies: !Ref AWS::NoValue
  Other:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration: !Ref Nothing
      NotificationConfiguration: {LambdaConfigurations: "oops"}
"""
    )
    assert arch.component("Fn").attr("timeout_s") is None


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from(["*", "Enabled", "NONE", "PRIVATE", "arn:aws:iam::aws:policy/AdministratorAccess"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Statement", "Effect", "Action", "Resource", "Principal",
                                       "Variables", "Status", "Type", "Properties", "Auth", "Rules", "Events", "Stream", "Queue"]) | st.text(max_size=8),
                      children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rtype=st.sampled_from(sorted(COMPONENT_TYPES) + sorted(t for t, h in HELPERS.items() if h is not None)),
    properties=st.dictionaries(st.text(min_size=1, max_size=20) | st.sampled_from(
        ["Role", "Policies", "Events", "Environment", "PolicyDocument", "Bucket", "FunctionName", "RestApiId", "Auth",
         "PublicAccessBlockConfiguration", "MethodSettings", "Targets", "DefinitionBody", "Layers", "Timeout"]), _JSONISH, max_size=5),
)
def test_any_property_shape_gives_a_model_or_a_model_error(rtype: str, properties: dict[str, Any]) -> None:
    document = {"Resources": {"Thing": {"Type": rtype, "Properties": properties}, "Fn": {"Type": "AWS::Lambda::Function"}, "B": {"Type": "AWS::S3::Bucket"}}}
    try:
        parse(json.dumps(document), "fuzz.json")
    except ModelError as exc:
        assert "\n" not in str(exc)


# --- cross-check against the SAM translator ---------------------------------------------------

MANAGED = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for name, path in {
        "AWSLambdaBasicExecutionRole": "service-role/",
        "AWSXrayWriteOnlyAccess": "",
        "AWSXRayDaemonWriteAccess": "",
        "AWSLambdaVPCAccessExecutionRole": "service-role/",
        "AmazonDynamoDBReadOnlyAccess": "",
        "AdministratorAccess": "",
        "AWSLambdaDynamoDBExecutionRole": "service-role/",
        "AWSLambdaSQSQueueExecutionRole": "service-role/",
    }.items()
}


def _translate(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    samtranslator = pytest.importorskip("samtranslator")
    from cfnlint.decode import cfn_yaml
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    assert samtranslator is not None
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    template = json.loads(json.dumps(cfn_yaml.loads(path.read_text(), str(path))))
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = "s3://example-artifacts/code.zip"
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    translator = Translator(managed_policy_map=copy.deepcopy(MANAGED), sam_parser=Parser())
    result: dict[str, Any] = translator.translate(sam_template=template, parameter_values={})
    return result


@pytest.mark.parametrize("path", [FIXTURES / "sam_globals.yaml", FIXTURES / "sam_events.yaml", ROOT / "examples" / "leejames-hr" / "after.sam.yaml"],
                         ids=lambda p: p.name)
def test_logical_ids_match_the_sam_translator(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    translated = _translate(path, monkeypatch)["Resources"]
    arch = load_architecture(path.read_text(), path.name)
    ours_functions = {c.id for c in arch.of_type(ComponentType.LAMBDA)}
    theirs_functions = {rid for rid, r in translated.items() if r["Type"] == "AWS::Lambda::Function"}
    assert ours_functions == theirs_functions
    theirs_roles = {rid for rid, r in translated.items() if r["Type"] == "AWS::IAM::Role"}
    ours_roles = {c.id for c in arch.of_type(ComponentType.IAM_ROLE)}
    assert ours_roles == theirs_roles
    for fn in ours_functions:
        role = arch.component(fn).attr("role")
        assert translated[fn]["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}
    ours_apis = {c.id for c in arch.of_type(ComponentType.API_GATEWAY)}
    theirs_apis = {rid for rid, r in translated.items() if r["Type"] in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")}
    assert ours_apis == theirs_apis
    ours_rules = {c.id for c in arch.of_type(ComponentType.EVENTBRIDGE)}
    theirs_rules = {rid for rid, r in translated.items() if r["Type"] in ("AWS::Events::Rule", "AWS::Scheduler::Schedule")}
    assert ours_rules == theirs_rules
    # Every event source SAM wires up is a flow of ours.
    for rid, r in translated.items():
        if r["Type"] == "AWS::Lambda::EventSourceMapping":
            fn = r["Properties"]["FunctionName"]["Ref"]
            source = r["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
            assert (source, fn) in {(f.source, f.target) for f in arch.flows}, rid


def test_component_ids_are_unique_and_located() -> None:
    for name in ("sam_globals.yaml", "sam_events.yaml", "buckets.yaml", "env_secrets.yaml", "intrinsics.yaml", "metadata.yaml", "shared_role.yaml", "unknown.yaml"):
        arch = load(name)
        for c in arch.components:
            assert isinstance(c, Component)
            assert c.location is not None and c.location.file == name
            if c.type is not ComponentType.ACTOR and c.location.path.startswith("Resources."):
                assert c.location.line is not None
            for attribute in c.attributes:
                assert c.provenance.get(attribute), (c.id, attribute)


def test_os_environment_is_untouched() -> None:
    before = dict(os.environ)
    load("sam_globals.yaml")
    assert dict(os.environ) == before
