"""The rule language of ``game.predicates``: operators, Kleene logic, paths, graphs and errors."""

from __future__ import annotations

import ast
import doctest
from collections.abc import Mapping
from pathlib import Path

import pytest

import game.predicates as predicates
from game.architecture import Architecture, AttrValue, Boundary, Component, ComponentType, Flow
from game.predicates import (
    MAX_DEPTH,
    MAX_NODES,
    OPERATORS,
    Gap,
    Graph,
    PredicateError,
    Subject,
    Truth,
    Verdict,
    compile_predicate,
    label,
)

CT = ComponentType
H, D, U = Truth.HOLDS, Truth.DOES_NOT_HOLD, Truth.UNKNOWN
ROOT = Path(__file__).resolve().parents[2]


def comp(cid: str, ctype: ComponentType, boundary: str | None = None, **attributes: AttrValue) -> Component:
    return Component(cid, ctype, cid, attributes, boundary=boundary)


def arch(*components: Component, flows: tuple[Flow, ...] = (), boundaries: tuple[str, ...] = ()) -> Architecture:
    return Architecture("test", components, flows, tuple(Boundary(b, b) for b in boundaries))


def flow(source: str, target: str, fid: str | None = None, **kwargs: object) -> Flow:
    return Flow(fid or f"{source}->{target}", source, target, **kwargs)  # type: ignore[arg-type]


def judge(rule: object, architecture: Architecture, subject_id: str, *types: ComponentType, on_flows: bool = False) -> Verdict:
    compiled = compile_predicate(rule, types=types or None, on_flows=on_flows)
    subject: Subject = architecture.flow(subject_id) if on_flows else architecture.component(subject_id)
    return compiled.evaluate(subject, Graph(architecture))


def compile_error(rule: object, *types: ComponentType, on_flows: bool = False) -> str:
    with pytest.raises(PredicateError) as info:
        compile_predicate(rule, types=types or None, on_flows=on_flows)
    return str(info.value)


# --- truth values ---------------------------------------------------------------


def test_truth_inverts_and_converts() -> None:
    assert ~H is D and ~D is H and ~U is U
    assert Truth.of(True) is H and Truth.of(False) is D
    assert Verdict(H, "x").holds and not Verdict(U, "x").holds


def test_module_doctest() -> None:
    result = doctest.testmod(predicates)
    assert result.attempted > 0 and result.failed == 0


def test_every_operator_is_listed() -> None:
    assert OPERATORS == {"attr", "all", "any", "not", "incoming", "outgoing", "reachable_from", "reaches", "shares", "referenced_by", "source", "target"}


# --- comparisons ------------------------------------------------------------------

BUCKET = arch(comp("B", CT.S3, versioning=False, mfa_delete=True))
FN = arch(comp("F", CT.LAMBDA, timeout_s=30, runtime="python3.12", function_url_auth="iam"))
ROLE = arch(comp("R", CT.IAM_ROLE, privesc_actions=("iam:PassRole", "s3:GetObject"), actions_wildcard=False))


@pytest.mark.parametrize(
    ("rule", "architecture", "subject", "truth", "reason"),
    [
        ({"attr": "versioning", "is": False}, BUCKET, "B", H, "B: versioning is false"),
        ({"attr": "versioning", "is": True}, BUCKET, "B", D, "B: versioning is false"),
        ({"attr": "object_lock", "is": True}, BUCKET, "B", U, "B: object_lock is not known"),
        ({"attr": "function_url_auth", "eq": "iam"}, FN, "F", H, "F: function_url_auth is iam"),
        ({"attr": "function_url_auth", "eq": "none"}, FN, "F", D, "F: function_url_auth is iam"),
        ({"attr": "function_url_auth", "ne": "none"}, FN, "F", H, "F: function_url_auth is iam"),
        ({"attr": "function_url_auth", "ne": "iam"}, FN, "F", D, "F: function_url_auth is iam"),
        ({"attr": "runtime", "eq": "python3.12"}, FN, "F", H, "F: runtime is python3.12"),
        ({"attr": "runtime", "in": ["python3.11", "python3.12"]}, FN, "F", H, "F: runtime is python3.12"),
        ({"attr": "runtime", "in": ["nodejs20.x"]}, FN, "F", D, "F: runtime is python3.12"),
        ({"attr": "runtime", "not_in": ["nodejs20.x"]}, FN, "F", H, "F: runtime is python3.12"),
        ({"attr": "runtime", "not_in": ["python3.12"]}, FN, "F", D, "F: runtime is python3.12"),
        ({"attr": "timeout_s", "lt": 31}, FN, "F", H, "F: timeout_s is 30 (< 31)"),
        ({"attr": "timeout_s", "lt": 30}, FN, "F", D, "F: timeout_s is 30 (not < 30)"),
        ({"attr": "timeout_s", "le": 30}, FN, "F", H, "F: timeout_s is 30 (<= 30)"),
        ({"attr": "timeout_s", "le": 29}, FN, "F", D, "F: timeout_s is 30 (not <= 29)"),
        ({"attr": "timeout_s", "gt": 29}, FN, "F", H, "F: timeout_s is 30 (> 29)"),
        ({"attr": "timeout_s", "gt": 30}, FN, "F", D, "F: timeout_s is 30 (not > 30)"),
        ({"attr": "timeout_s", "ge": 30}, FN, "F", H, "F: timeout_s is 30 (>= 30)"),
        ({"attr": "timeout_s", "ge": 31}, FN, "F", D, "F: timeout_s is 30 (not >= 31)"),
        ({"attr": "timeout_s", "eq": 30}, FN, "F", H, "F: timeout_s is 30"),
        ({"attr": "reserved_concurrency", "ge": 1}, FN, "F", U, "F: reserved_concurrency is not known"),
        ({"attr": "privesc_actions", "contains": "iam:PassRole"}, ROLE, "R", H, "R: privesc_actions includes iam:PassRole"),
        ({"attr": "privesc_actions", "contains": "iam:*"}, ROLE, "R", D, "R: privesc_actions does not include iam:*"),
        ({"attr": "trusted_services", "contains": "lambda.amazonaws.com"}, ROLE, "R", U, "R: trusted_services is not known"),
        ({"attr": "privesc_actions", "contains_any": ["iam:*", "iam:PassRole"]}, ROLE, "R", H, "R: privesc_actions includes iam:PassRole"),
        ({"attr": "privesc_actions", "contains_any": ["*", "iam:*"]}, ROLE, "R", D, "R: privesc_actions includes none of *, iam:*"),
        ({"attr": "trusted_services", "contains_any": ["lambda.amazonaws.com"]}, ROLE, "R", U, "R: trusted_services is not known"),
        ({"attr": "versioning", "known": True}, BUCKET, "B", H, "B: versioning is known"),
        ({"attr": "versioning", "known": False}, BUCKET, "B", D, "B: versioning is known"),
        ({"attr": "object_lock", "known": True}, BUCKET, "B", D, "B: object_lock is not known"),
        ({"attr": "object_lock", "known": False}, BUCKET, "B", H, "B: object_lock is not known"),
    ],
)
def test_comparison(rule: object, architecture: Architecture, subject: str, truth: Truth, reason: str) -> None:
    verdict = judge(rule, architecture, subject)
    assert verdict.truth is truth
    assert verdict.reason == reason


ESCALATIONS = ["*", "iam:*", "iam:PassRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:CreatePolicyVersion",
               "lambda:UpdateFunctionCode"]


def test_contains_any_names_every_value_that_matched() -> None:
    role = arch(comp("R", CT.IAM_ROLE, privesc_actions=("lambda:UpdateFunctionCode", "s3:GetObject", "iam:PassRole")))
    verdict = judge({"attr": "privesc_actions", "contains_any": ESCALATIONS}, role, "R")
    assert verdict.truth is H
    assert verdict.reason == "R: privesc_actions includes iam:PassRole, lambda:UpdateFunctionCode"  # in the rule's order


def test_contains_any_says_a_miss_in_one_clause() -> None:
    """E3's seven actions used to be seven `contains` leaves, and a clean role got a clause for each."""
    role = Component("R", CT.IAM_ROLE, "R", {"privesc_actions": ()}, provenance={"privesc_actions": "no policy allows one"})
    verdict = judge({"attr": "privesc_actions", "contains_any": ESCALATIONS}, arch(role), "R")
    assert verdict.truth is D
    assert verdict.reason == ("R: privesc_actions includes none of *, iam:*, iam:PassRole, iam:AttachRolePolicy, "
                              "iam:PutRolePolicy, iam:CreatePolicyVersion, lambda:UpdateFunctionCode (no policy allows one)")
    many = [f"svc:Action{i}" for i in range(predicates.MAX_SHOWN + 3)]
    verdict = judge({"attr": "privesc_actions", "contains_any": many}, arch(role), "R")
    assert verdict.reason.endswith("svc:Action7 and 3 more (no policy allows one)"), verdict.reason


def test_contains_any_through_a_reference_names_the_hop() -> None:
    fns = arch(comp("Fn", CT.LAMBDA, role="R"), comp("Vague", CT.LAMBDA, role="Missing"),
               comp("R", CT.IAM_ROLE, privesc_actions=("s3:GetObject",)))
    rule = {"attr": "role.privesc_actions", "contains_any": ["iam:PassRole", "iam:*"]}
    assert judge(rule, fns, "Fn", CT.LAMBDA).reason == "Fn.role (R): role.privesc_actions includes none of iam:PassRole, iam:*"
    unknown = judge(rule, fns, "Vague", CT.LAMBDA)
    assert unknown.truth is U and unknown.reason == "Vague: role.privesc_actions is not known"


def test_contains_any_answers_as_an_any_of_contains_leaves() -> None:
    """Same truth as the form it replaces, on every list (empty, missing, one match, several)."""
    one_leaf = compile_predicate({"attr": "privesc_actions", "contains_any": ESCALATIONS}, types=[CT.IAM_ROLE])
    leaves = compile_predicate({"any": [{"attr": "privesc_actions", "contains": a} for a in ESCALATIONS]}, types=[CT.IAM_ROLE])
    values: list[tuple[str, ...] | None] = [None, (), ("s3:GetObject",), ("iam:*",), ("*", "iam:PassRole"), ("iam:passrole",)]
    for value in values:
        role = Component("R", CT.IAM_ROLE, "R", {} if value is None else {"privesc_actions": value})
        graph = Graph(arch(role))
        assert one_leaf.evaluate(role, graph).truth is leaves.evaluate(role, graph).truth is one_leaf.truth(role, graph), value


# --- the subject's own type in reasons ------------------------------------------------

TYPED = arch(comp("F", CT.LAMBDA, code_signing=False, cross_account_layers=False),
             comp("Repo", CT.CODE_REPO, branch_protection=True), comp("Api", CT.API_GATEWAY))
T7_LIKE = {"any": [
    {"all": [{"attr": "branch_protection", "is": False}, {"attr": "type", "eq": "code_repo"}]},
    {"all": [{"attr": "code_signing", "is": False}, {"attr": "type", "eq": "lambda"}]},
]}


@pytest.mark.parametrize(
    ("rule", "subject", "truth", "reason"),
    [
        # a holding branch does not end with "F: type is lambda"
        (T7_LIKE, "F", H, "F: code_signing is false"),
        # a failing branch written for another type adds no "Repo: type is code_repo" clause
        (T7_LIKE, "Repo", D, "Repo: branch_protection is true"),
        ({"any": [{"all": [{"attr": "type", "eq": "code_repo"}, {"attr": "branch_protection", "is": False}]},
                  {"all": [{"attr": "cross_account_layers", "is": True}, {"attr": "type", "in": ["lambda", "step_functions"]}]}]},
         "F", D, "F: cross_account_layers is false"),
        ({"not": {"all": [{"attr": "type", "eq": "lambda"}, {"attr": "code_signing", "is": False}]}}, "F", D,
         "F: code_signing is false"),
        # with nothing else to say, the type is the reason
        (T7_LIKE, "Api", D, "Api: type is api_gateway"),
        ({"all": [{"attr": "type", "eq": "lambda"}, {"not": {"attr": "type", "eq": "s3"}}]}, "F", H, "F: type is lambda"),
        ({"attr": "type", "eq": "s3"}, "F", D, "F: type is lambda"),
    ],
)
def test_the_subjects_own_type_is_left_out_when_other_facts_explain(rule: object, subject: str, truth: Truth, reason: str) -> None:
    verdict = judge(rule, TYPED, subject, CT.LAMBDA, CT.CODE_REPO, CT.API_GATEWAY)
    assert (verdict.truth, verdict.reason) == (truth, reason)


def test_another_components_type_stays_in_the_reason() -> None:
    """Inside a graph operator the type says what the peer is: that is a fact, not a guard."""
    graph = arch(comp("Api", CT.API_GATEWAY), comp("F", CT.LAMBDA, authz_from_token=False), flows=(flow("Api", "F"),))
    rule = {"all": [{"attr": "authz_from_token", "is": False}, {"incoming": {"from": {"attr": "type", "eq": "api_gateway"}}},
                    {"attr": "type", "eq": "lambda"}]}
    assert judge(rule, graph, "F", CT.LAMBDA).reason == "F: authz_from_token is false; flow Api -> F (Api: type is api_gateway)"


def test_known_is_never_unknown() -> None:
    for rule in ({"attr": "object_lock", "known": True}, {"attr": "object_lock", "known": False}):
        assert judge(rule, BUCKET, "B").truth is not U


def test_reason_cites_provenance() -> None:
    bucket = Component("B", CT.S3, "B", {"versioning": False}, provenance={"versioning": "AWS default: versioning is off"})
    verdict = judge({"attr": "versioning", "is": False}, arch(bucket), "B")
    assert verdict.reason == "B: versioning is false (AWS default: versioning is off)"


def test_special_component_attributes() -> None:
    a = arch(comp("Fn", CT.LAMBDA, boundary="aws"), boundaries=("aws",))
    assert judge({"attr": "type", "eq": "lambda"}, a, "Fn").truth is H
    assert judge({"attr": "type", "in": ["s3", "sqs"]}, a, "Fn").truth is D
    assert judge({"attr": "id", "eq": "Fn"}, a, "Fn").truth is H
    assert judge({"attr": "name", "eq": "Fn"}, a, "Fn").truth is H
    assert judge({"attr": "boundary", "eq": "aws"}, a, "Fn").truth is H
    loose = arch(comp("Fn", CT.LAMBDA))
    assert judge({"attr": "boundary", "eq": "aws"}, loose, "Fn").truth is U


def test_attribute_absent_on_a_type_that_lacks_it_is_unknown() -> None:
    """A rule checked against several types reads nothing from the others: unknown, not false."""
    a = arch(comp("Api", CT.API_GATEWAY, authorizer="none"))
    verdict = judge({"attr": "versioning", "is": False}, a, "Api", CT.S3, CT.API_GATEWAY)
    assert verdict.truth is U


# --- Kleene logic -------------------------------------------------------------------

LOGIC = arch(comp("B", CT.S3, versioning=True, mfa_delete=False))
LEAF = {
    H: {"attr": "versioning", "is": True},
    D: {"attr": "mfa_delete", "is": True},
    U: {"attr": "object_lock", "is": True},
}


@pytest.mark.parametrize(("left", "right"), [(a, b) for a in Truth for b in Truth])
def test_all_and_any_follow_kleene(left: Truth, right: Truth) -> None:
    order = {D: 0, U: 1, H: 2}
    both = [LEAF[left], LEAF[right]]
    expected_all = min(left, right, key=order.__getitem__)
    expected_any = max(left, right, key=order.__getitem__)
    assert judge({"all": both}, LOGIC, "B").truth is expected_all
    assert judge({"any": both}, LOGIC, "B").truth is expected_any


@pytest.mark.parametrize("value", list(Truth))
def test_not_follows_kleene(value: Truth) -> None:
    assert judge({"not": LEAF[value]}, LOGIC, "B").truth is ~value
    assert judge({"not": {"not": LEAF[value]}}, LOGIC, "B").truth is value


def test_all_reasons() -> None:
    held = judge({"all": [LEAF[H], {"attr": "mfa_delete", "is": False}]}, LOGIC, "B")
    assert held.reason == "B: versioning is true; B: mfa_delete is false"
    failed = judge({"all": [LEAF[U], LEAF[D], LEAF[H]]}, LOGIC, "B")
    assert failed.truth is D and failed.reason == "B: mfa_delete is false"
    unknown = judge({"all": [LEAF[H], LEAF[U]]}, LOGIC, "B")
    assert unknown.reason == "B: object_lock is not known"


def test_any_reasons() -> None:
    held = judge({"any": [LEAF[D], LEAF[H]]}, LOGIC, "B")
    assert held.reason == "B: versioning is true"
    failed = judge({"any": [LEAF[D], {"attr": "versioning", "is": False}]}, LOGIC, "B")
    assert failed.reason == "B: mfa_delete is false; B: versioning is true"


def test_long_reasons_are_capped() -> None:
    a = arch(comp("F", CT.LAMBDA, tracing=False, on_failure=False, code_signing=False, env_secrets=False, logs_payload=False))
    names = ["tracing", "on_failure", "code_signing", "env_secrets", "logs_payload"]
    verdict = judge({"all": [{"attr": n, "is": False} for n in names]}, a, "F")
    assert verdict.truth is H
    assert verdict.reason.endswith("; and 2 more")
    assert verdict.reason.count(";") == 3


def test_not_keeps_the_reason() -> None:
    verdict = judge({"not": LEAF[D]}, LOGIC, "B")
    assert verdict.truth is H and verdict.reason == "B: mfa_delete is false"


# --- paths through references ---------------------------------------------------------


PATHS = arch(
    comp("AdminRole", CT.IAM_ROLE, admin=True),
    comp("PlainRole", CT.IAM_ROLE, admin=False),
    comp("VagueRole", CT.IAM_ROLE),
    comp("AdminFn", CT.LAMBDA, role="AdminRole"),
    comp("PlainFn", CT.LAMBDA, role="PlainRole"),
    comp("VagueFn", CT.LAMBDA, role="VagueRole"),
    comp("RolelessFn", CT.LAMBDA),
    comp("DanglingFn", CT.LAMBDA, role="Deleted"),
    comp("Repo", CT.CODE_REPO, deploy_role="AdminRole"),
)


@pytest.mark.parametrize(
    ("subject", "truth", "reason"),
    [
        ("AdminFn", H, "AdminFn.role (AdminRole): role.admin is true"),
        ("PlainFn", D, "PlainFn.role (PlainRole): role.admin is false"),
        ("VagueFn", U, "VagueFn.role (VagueRole): role.admin is not known"),
        ("RolelessFn", U, "RolelessFn: role.admin is not known"),
        ("DanglingFn", U, "DanglingFn: role.admin is not known"),
    ],
)
def test_path_follows_a_reference(subject: str, truth: Truth, reason: str) -> None:
    verdict = judge({"attr": "role.admin", "is": True}, PATHS, subject, CT.LAMBDA)
    assert (verdict.truth, verdict.reason) == (truth, reason)


@pytest.mark.parametrize(
    ("subject", "gap"),
    [
        ("AdminFn", None),
        ("VagueFn", Gap("component", "VagueRole", "admin")),  # the role is known; its admin flag is not
        ("RolelessFn", Gap("component", "RolelessFn", "role")),  # which role is not known
        ("DanglingFn", Gap("component", "DanglingFn", "role")),  # it names a role the model does not have
    ],
)
def test_an_unknown_path_gives_the_attribute_it_stopped_at(subject: str, gap: Gap | None) -> None:
    verdict = judge({"attr": "role.admin", "is": True}, PATHS, subject, CT.LAMBDA)
    assert verdict.gaps == (() if gap is None else (gap,))
    negated = judge({"not": {"attr": "role.admin", "is": True}}, PATHS, subject, CT.LAMBDA)
    assert (negated.reason, negated.gaps) == (verdict.reason, verdict.gaps)


def test_path_through_a_differently_named_reference() -> None:
    verdict = judge({"attr": "deploy_role.admin", "is": True}, PATHS, "Repo", CT.CODE_REPO)
    assert verdict.truth is H and "Repo.deploy_role (AdminRole)" in verdict.reason


def test_known_on_a_path() -> None:
    assert judge({"attr": "role.admin", "known": True}, PATHS, "AdminFn", CT.LAMBDA).truth is H
    assert judge({"attr": "role.admin", "known": True}, PATHS, "DanglingFn", CT.LAMBDA).truth is D


def test_path_errors() -> None:
    assert "does not name another component" in compile_error({"attr": "timeout_s.admin", "is": True}, CT.LAMBDA)
    assert "no attribute 'versioning' on iam_role" in compile_error({"attr": "role.versioning", "is": True}, CT.LAMBDA)
    assert "'type' has no attributes" in compile_error({"attr": "type.admin", "is": True}, CT.LAMBDA)


# --- flows ---------------------------------------------------------------------------


FLOWS = arch(
    comp("User", CT.ACTOR, boundary="internet", kind="end_user"),
    comp("Api", CT.API_GATEWAY, boundary="aws"),
    comp("Fn", CT.LAMBDA, boundary="aws"),
    comp("Loose", CT.GENERIC),
    flows=(
        flow("User", "Api", "in", data_class="pii", is_async=False, kind="invoke", label="GET /x", attributes={"encrypted": True}),
        flow("Api", "Fn", "hop", kind="invoke"),
        flow("Fn", "Loose", "out", is_async=True, attributes={"encrypted": False, "public_network": True}),
    ),
    boundaries=("internet", "aws"),
)


@pytest.mark.parametrize(
    ("rule", "subject", "truth"),
    [
        ({"attr": "crosses_boundary", "is": True}, "in", H),
        ({"attr": "crosses_boundary", "is": True}, "hop", D),
        ({"attr": "crosses_boundary", "is": True}, "out", H),
        ({"attr": "data_class", "in": ["pii", "secret"]}, "in", H),
        ({"attr": "data_class", "eq": "pii"}, "hop", U),
        ({"attr": "kind", "eq": "invoke"}, "hop", H),
        ({"attr": "kind", "eq": "invoke"}, "out", U),
        ({"attr": "is_async", "is": True}, "out", H),
        ({"attr": "is_async", "is": True}, "in", D),
        ({"attr": "is_async", "is": True}, "hop", U),
        ({"attr": "label", "eq": "GET /x"}, "in", H),
        ({"attr": "id", "eq": "hop"}, "hop", H),
        ({"attr": "encrypted", "is": False}, "out", H),
        ({"attr": "encrypted", "is": False}, "in", D),
        ({"attr": "encrypted", "is": False}, "hop", U),
        ({"source": {"attr": "type", "eq": "actor"}}, "in", H),
        ({"source": {"attr": "type", "eq": "actor"}}, "hop", D),
        ({"target": {"attr": "kind", "eq": "end_user"}}, "in", U),
        ({"attr": "source.kind", "eq": "end_user"}, "in", H),
        ({"attr": "target.type", "eq": "lambda"}, "hop", H),
        ({"all": [{"attr": "encrypted", "is": False}, {"target": {"attr": "type", "eq": "generic"}}]}, "out", H),
    ],
)
def test_flow_rules(rule: object, subject: str, truth: Truth) -> None:
    verdict = judge(rule, FLOWS, subject, on_flows=True)
    assert verdict.truth is truth, verdict.reason
    assert verdict.reason


def test_a_model_without_trust_boundaries_does_not_say_whether_a_flow_crosses_one() -> None:
    """I9 used to reject personal data sent unencrypted from the internet in a model that draws no boundaries:
    with none drawn, the flow was judged not to cross one."""
    bare = arch(comp("User", CT.ACTOR, kind="end_user"), comp("Api", CT.API_GATEWAY),
                flows=(flow("User", "Api", "in", data_class="pii", attributes={"encrypted": False}),))
    verdict = judge({"attr": "crosses_boundary", "is": True}, bare, "in", on_flows=True)
    assert verdict.truth is U and "crosses_boundary is not known" in verdict.reason, verdict.reason


def test_flow_reasons_name_both_ends() -> None:
    verdict = judge({"attr": "encrypted", "is": False}, FLOWS, "out", on_flows=True)
    assert verdict.reason == "flow Fn -> Loose: encrypted is false"
    assert label(FLOWS.flow("out")) == "flow Fn -> Loose"
    verdict = judge({"source": {"attr": "type", "eq": "actor"}}, FLOWS, "in", on_flows=True)
    assert verdict.reason == "flow User -> Api (User: type is actor)"
    verdict = judge({"attr": "source.type", "eq": "actor"}, FLOWS, "in", on_flows=True)
    assert verdict.reason == "flow User -> Api: source.type is actor"


@pytest.mark.parametrize(
    ("rule", "subject", "truth", "reason"),
    [
        # A clause about a flow's end, or read through it, names the flow, alone and under `not`.
        ({"source": {"attr": "type", "eq": "actor"}}, "in", H, "flow User -> Api (User: type is actor)"),
        ({"not": {"source": {"attr": "type", "eq": "actor"}}}, "in", D, "flow User -> Api (User: type is actor)"),
        ({"not": {"target": {"attr": "kind", "eq": "end_user"}}}, "in", U, "flow User -> Api (Api: kind is not known)"),
        ({"not": {"attr": "source.kind", "eq": "end_user"}}, "in", D, "flow User -> Api: source.kind is end_user"),
        ({"attr": "target.role.admin", "is": True}, "hop", U, "flow Api -> Fn: target.role.admin is not known"),
        ({"all": [{"attr": "encrypted", "is": False}, {"not": {"source": {"attr": "type", "eq": "actor"}}}]}, "out", H,
         "flow Fn -> Loose: encrypted is false; flow Fn -> Loose (Fn: type is lambda)"),
        ({"not": {"any": [{"attr": "encrypted", "is": True}, {"source": {"attr": "type", "eq": "actor"}}]}}, "out", H,
         "flow Fn -> Loose: encrypted is false; flow Fn -> Loose (Fn: type is lambda)"),
    ],
)
def test_a_flows_clauses_name_the_flow_under_not_too(rule: object, subject: str, truth: Truth, reason: str) -> None:
    verdict = judge(rule, FLOWS, subject, on_flows=True)
    assert (verdict.truth, verdict.reason) == (truth, reason)


@pytest.mark.parametrize(
    ("rule", "subject", "truth", "reason"),
    [
        # A peer's clauses are said from the subject's side: through the flow that links them.
        ({"incoming": {"from": {"attr": "kind", "eq": "end_user"}}}, "Api", H, "flow User -> Api (User: kind is end_user)"),
        ({"not": {"incoming": {"from": {"attr": "kind", "eq": "end_user"}}}}, "Api", D, "flow User -> Api (User: kind is end_user)"),
        ({"outgoing": {"to": {"all": [{"attr": "type", "eq": "generic"}, {"attr": "id", "eq": "Loose"}]}}}, "Fn", H,
         "flow Fn -> Loose (Loose: type is generic; Loose: id is Loose)"),
        ({"not": {"outgoing": {"to": {"any": [{"attr": "tracing", "is": True}, {"attr": "type", "eq": "s3"}]}}}}, "Api", U,
         "flow Api -> Fn (Fn: tracing is not known)"),
        ({"incoming": {"flow": {"attr": "kind", "eq": "invoke"}, "from": {"attr": "type", "eq": "actor"}}}, "Api", H,
         "flow User -> Api: kind is invoke; flow User -> Api (User: type is actor)"),
        ({"reaches": {"attr": "tracing", "is": True}}, "User", U, "User reaches Api, but Api: tracing is not known"),
    ],
)
def test_a_neighbours_clauses_name_the_subject(rule: object, subject: str, truth: Truth, reason: str) -> None:
    verdict = judge(rule, FLOWS, subject)
    assert (verdict.truth, verdict.reason) == (truth, reason)
    # An unknown waits on the tracing of the element its reason names, and says so as data too.
    witness = "Api" if subject == "User" else "Fn"
    assert verdict.gaps == ((Gap("component", witness, "tracing"),) if truth is U else ())


@pytest.mark.parametrize(
    ("rule", "subject", "gap"),
    [
        ({"attr": "encrypted", "is": True}, "hop", Gap("flow", "hop", "encrypted")),
        ({"attr": "kind", "eq": "invoke"}, "out", Gap("flow", "out", "kind")),
        ({"not": {"attr": "is_async", "is": True}}, "hop", Gap("flow", "hop", "is_async")),
        ({"attr": "target.kind", "eq": "end_user"}, "in", Gap("component", "Api", "kind")),
        ({"target": {"attr": "tracing", "is": True}}, "hop", Gap("component", "Fn", "tracing")),
        ({"attr": "target.role.admin", "is": True}, "hop", Gap("component", "Fn", "role")),
    ],
)
def test_an_unknown_flow_answer_gives_the_element_that_lacks_the_fact(rule: object, subject: str, gap: Gap) -> None:
    verdict = judge(rule, FLOWS, subject, on_flows=True)
    assert verdict.truth is U and verdict.gaps == (gap,), verdict.reason
    assert verdict.reason.startswith(label(FLOWS.flow(subject)))


def test_flow_rule_errors() -> None:
    assert "flows have no attribute 'versioning'" in compile_error({"attr": "versioning", "is": True}, on_flows=True)
    assert "components only" in compile_error({"incoming": {}}, on_flows=True)
    assert "components only" in compile_error({"shares": "role", "with": ["lambda"]}, on_flows=True)
    assert "'source' applies to flows only" in compile_error({"source": {"attr": "type", "eq": "actor"}}, CT.LAMBDA)
    assert "'kind' has no attributes" in compile_error({"attr": "kind.x", "eq": "invoke"}, on_flows=True)
    assert "not a value of kind" in compile_error({"attr": "kind", "eq": "teleport"}, on_flows=True)


def test_component_operator_on_a_flow_subject_does_not_hold() -> None:
    graph = Graph(FLOWS)
    rule = compile_predicate({"incoming": {"from": {"attr": "type", "eq": "actor"}}})
    verdict = rule.evaluate(FLOWS.flow("in"), graph)
    assert verdict.truth is D and "is a flow" in verdict.reason
    endpoint = compile_predicate({"source": {"attr": "type", "eq": "actor"}}, on_flows=True)
    verdict = endpoint.evaluate(FLOWS.component("Api"), graph)
    assert verdict.truth is D and "is a component" in verdict.reason


# --- incoming / outgoing -----------------------------------------------------------


def test_incoming_and_outgoing() -> None:
    from_actor = {"incoming": {"from": {"attr": "type", "eq": "actor"}}}
    assert judge(from_actor, FLOWS, "Api").truth is H
    assert judge(from_actor, FLOWS, "Fn").reason == "Fn: no matching flow into it"
    assert judge(from_actor, FLOWS, "User").reason == "User: no flow into it"
    to_generic = {"outgoing": {"to": {"attr": "type", "eq": "generic"}, "flow": {"attr": "is_async", "is": True}}}
    assert judge(to_generic, FLOWS, "Fn").truth is H
    assert judge(to_generic, FLOWS, "Loose").reason == "Loose: no flow out of it"
    any_flow: dict[str, object] = {"outgoing": {}}
    assert judge(any_flow, FLOWS, "User").reason == "User: flow User -> Api"


def test_adjacent_unknowns() -> None:
    # the only flow out of Api has no data class: unknown, not false
    verdict = judge({"outgoing": {"flow": {"attr": "data_class", "eq": "pii"}}}, FLOWS, "Api")
    assert verdict.truth is U and verdict.reason == "flow Api -> Fn: data_class is not known"
    # a peer whose attribute is not known
    verdict = judge({"outgoing": {"to": {"attr": "reserved_concurrency", "known": False}}}, FLOWS, "Api")
    assert verdict.truth is H
    verdict = judge({"outgoing": {"to": {"attr": "tracing", "is": True}}}, FLOWS, "Api")
    assert verdict.truth is U and verdict.reason == "flow Api -> Fn (Fn: tracing is not known)"
    assert verdict.gaps == (Gap("component", "Fn", "tracing"),)


def test_adjacent_errors() -> None:
    assert "unexpected key 'to'" in compile_error({"incoming": {"to": {"attr": "type", "eq": "s3"}}})
    assert "expected a mapping" in compile_error({"outgoing": ["x"]})


# --- shares / referenced_by -----------------------------------------------------------


ROLES = arch(
    comp("Shared", CT.IAM_ROLE),
    comp("Own", CT.IAM_ROLE),
    comp("A", CT.LAMBDA, role="Shared"),
    comp("B", CT.LAMBDA, role="Shared"),
    comp("M", CT.STEP_FUNCTIONS, role="Shared"),
    comp("C", CT.LAMBDA, role="Own"),
    comp("V", CT.LAMBDA),
)


@pytest.mark.parametrize(
    ("rule", "subject", "truth", "reason"),
    [
        ({"shares": "role", "with": ["lambda"], "min": 2}, "A", H, "A: role Shared is shared with B"),
        ({"shares": "role", "with": ["lambda", "step_functions"]}, "A", H, "A: role Shared is shared with B, M"),
        # V's might be Shared
        ({"shares": "role", "with": ["lambda"], "min": 3}, "A", U, "A: role Shared is shared by only 2, but V: role is not known"),
        ({"shares": "role", "with": ["lambda"]}, "C", U, "C: no other component shares role Own, but V: role is not known"),
        ({"shares": "role", "with": ["lambda"]}, "V", U, "V: role is not known"),
        ({"shares": "role", "with": ["step_functions"]}, "A", H, "A: role Shared is shared with M"),
        ({"referenced_by": "role", "types": ["lambda", "step_functions"], "min": 2}, "Shared", H, "Shared is the role of A, B, M"),
        ({"referenced_by": "role", "types": ["lambda"], "min": 3}, "Shared", U, "Shared is the role of only A, B, but V: role is not known"),
        ({"referenced_by": "role", "types": ["lambda"]}, "Own", U, "Own is the role of only C, but V: role is not known"),
        ({"referenced_by": "role", "types": ["step_functions"]}, "Own", D, "Own is the role of no component"),
    ],
)
def test_shares_and_referenced_by(rule: object, subject: str, truth: Truth, reason: str) -> None:
    verdict = judge(rule, ROLES, subject)
    assert (verdict.truth, verdict.reason) == (truth, reason)
    # An unknown here always waits on V's role, the one role the model does not give.
    assert verdict.gaps == ((Gap("component", "V", "role"),) if truth is U else ())


KNOWN_ROLES = arch(*(c for c in ROLES.components if c.id != "V"))


@pytest.mark.parametrize(
    ("rule", "subject", "reason"),
    [
        ({"shares": "role", "with": ["lambda"], "min": 3}, "A", "A: role Shared is shared by only 2"),
        ({"shares": "role", "with": ["lambda"]}, "C", "C: no other component shares role Own"),
        ({"referenced_by": "role", "types": ["lambda"], "min": 3}, "Shared", "Shared is the role of only A, B"),
        ({"referenced_by": "role", "types": ["lambda"]}, "Own", "Own is the role of only C"),
    ],
)
def test_shares_and_referenced_by_do_not_hold_only_when_every_candidate_is_known(
        rule: object, subject: str, reason: str) -> None:
    """A function whose role is not known might run as any role: until every candidate is known, too few
    sharers is unknown, not a fact (E1 used to reject a role whose other users were not all described)."""
    verdict = judge(rule, KNOWN_ROLES, subject)
    assert (verdict.truth, verdict.reason) == (D, reason)


def test_shares_counts_the_subject_even_if_its_type_is_not_listed() -> None:
    # M is a state machine; with only lambdas listed, M plus A and B still make three
    verdict = judge({"shares": "role", "with": ["lambda"], "min": 3}, ROLES, "M")
    assert verdict.truth is H and verdict.reason == "M: role Shared is shared with A, B"


def test_shares_lists_at_most_four_others() -> None:
    many = arch(*(comp(f"F{i}", CT.LAMBDA, role="R") for i in range(7)), comp("R", CT.IAM_ROLE))
    verdict = judge({"shares": "role", "with": ["lambda"]}, many, "F0")
    assert verdict.reason == "F0: role R is shared with F1, F2, F3, F4 and 2 more"


def test_graph_memo_is_reused_across_subjects() -> None:
    rule = compile_predicate({"shares": "role", "with": ["lambda"]})
    graph = Graph(ROLES)
    first = [rule.evaluate(c, graph).truth for c in ROLES.components]
    again = [rule.evaluate(c, graph).truth for c in ROLES.components]
    fresh = [rule.evaluate(c, Graph(ROLES)).truth for c in ROLES.components]
    assert first == again == fresh


def test_shares_errors() -> None:
    assert "unknown component type 'mainframe'" in compile_error({"shares": "role", "with": ["mainframe"]})
    assert "expected a non-empty list of component types" in compile_error({"shares": "role"})
    assert "expected a non-empty list of component types" in compile_error({"referenced_by": "role", "types": []})
    assert "no attribute 'versioning' on lambda" in compile_error({"shares": "versioning", "with": ["lambda"]})
    assert "expected an attribute name" in compile_error({"shares": ["role"], "with": ["lambda"]})
    assert "rule.min: expected a whole number of at least 1" in compile_error({"shares": "role", "with": ["lambda"], "min": 0})
    assert "rule.min" in compile_error({"shares": "role", "with": ["lambda"], "min": True})
    assert "unexpected key 'types'" in compile_error({"shares": "role", "with": ["lambda"], "types": ["s3"]})


# --- reachability ----------------------------------------------------------------------


def chain(*ids: str) -> tuple[Flow, ...]:
    return tuple(flow(a, b) for a, b in zip(ids, ids[1:]))


REACH = arch(
    comp("Anon", CT.ACTOR, kind="anonymous"),
    comp("Who", CT.ACTOR),
    comp("Api", CT.API_GATEWAY),
    comp("Fn", CT.LAMBDA),
    comp("Table", CT.DYNAMODB, audit_trail=True),
    comp("Island", CT.S3),
    comp("Ring1", CT.LAMBDA),
    comp("Ring2", CT.LAMBDA),
    comp("Ring3", CT.LAMBDA),
    comp("Tail", CT.SQS),
    comp("Hidden", CT.LAMBDA),
    flows=chain("Anon", "Api", "Fn", "Table") + chain("Ring1", "Ring2", "Ring3", "Ring1") + chain("Ring2", "Tail") + chain("Who", "Hidden"),
)
ANON = {"all": [{"attr": "type", "eq": "actor"}, {"attr": "kind", "eq": "anonymous"}]}


@pytest.mark.parametrize(
    ("rule", "subject", "truth", "reason"),
    [
        ({"reachable_from": ANON}, "Table", H, "Table is reachable from Anon (Anon: type is actor; Anon: kind is anonymous)"),
        ({"reachable_from": ANON}, "Api", H, "Api is reachable from Anon (Anon: type is actor; Anon: kind is anonymous)"),
        ({"reachable_from": ANON}, "Anon", D, "Anon: no matching component has a path to it"),
        ({"reachable_from": ANON}, "Island", D, "Island: no matching component has a path to it"),
        ({"reachable_from": ANON}, "Hidden", U, "Hidden is reachable from Who, but Who: kind is not known"),
        ({"reaches": {"attr": "audit_trail", "is": True}}, "Api", H, "Api reaches Table (Table: audit_trail is true)"),
        ({"reaches": {"attr": "type", "eq": "sqs"}}, "Ring3", H, "Ring3 reaches Tail (Tail: type is sqs)"),
        ({"reaches": {"attr": "type", "eq": "sqs"}}, "Tail", D, "Tail: it has no path to a matching component"),
        ({"reaches": {"attr": "id", "eq": "Ring1"}}, "Ring1", H, "Ring1 reaches Ring1 (Ring1: id is Ring1)"),
        ({"reaches": {"attr": "id", "eq": "Fn"}}, "Fn", D, "Fn: it has no path to a matching component"),
        ({"reachable_from": {"attr": "id", "eq": "Ring3"}}, "Ring2", H, "Ring2 is reachable from Ring3 (Ring3: id is Ring3)"),
    ],
)
def test_reachability(rule: object, subject: str, truth: Truth, reason: str) -> None:
    verdict = judge(rule, REACH, subject)
    assert (verdict.truth, verdict.reason) == (truth, reason)


def test_a_holding_witness_beats_an_unknown_one() -> None:
    both = arch(
        comp("Anon", CT.ACTOR, kind="anonymous"),
        comp("Who", CT.ACTOR),
        comp("Fn", CT.LAMBDA),
        flows=(flow("Who", "Fn"), flow("Anon", "Fn")),
    )
    assert judge({"reachable_from": ANON}, both, "Fn").truth is H
    assert judge({"not": {"reachable_from": ANON}}, both, "Fn").truth is D


def test_reachability_in_a_large_cycle_terminates() -> None:
    n = 300
    ring = arch(*(comp(f"N{i}", CT.LAMBDA) for i in range(n)), flows=tuple(flow(f"N{i}", f"N{(i + 1) % n}") for i in range(n)))
    graph = Graph(ring)
    rule = compile_predicate({"reaches": {"attr": "id", "eq": "N0"}})
    assert all(rule.evaluate(c, graph).truth is H for c in ring.components)


# --- compile errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"either": []}, "rule: unknown operator 'either'; expected one of all, any, attr, incoming"),
        ({"all": [], "any": []}, "rule: expected exactly one operator, got all, any"),
        ({"not": {"attr": "versioning", "is": True}, "why": "x"}, "rule: unexpected key 'why' beside 'not'"),
        ([{"attr": "versioning", "is": True}], "rule: expected a mapping with one operator"),
        ({}, "rule: expected a mapping with one operator"),
        ({1: "x"}, "rule: operator names must be text"),
        ({"all": []}, "rule.all: expected a non-empty list of rules"),
        ({"any": {"attr": "versioning", "is": True}}, "rule.any: expected a non-empty list of rules"),
        ({"all": [{"attr": "versioning", "is": True}, {"attr": "nope", "is": True}]}, "rule.all[1].attr: 'nope': no attribute 'nope' on s3"),
        ({"attr": "", "is": True}, "rule.attr: expected a dotted attribute path"),
        ({"attr": "versioning"}, "rule: expected 'attr' and exactly one comparison"),
        ({"attr": "versioning", "is": True, "eq": True}, "rule: expected 'attr' and exactly one comparison"),
        ({"attr": "versioning", "equals": True}, "rule: unknown comparison 'equals'"),
        ({"attr": "versioning", "is": "yes"}, "rule.is: 'is' compares with true or false; use 'eq' for other values"),
        ({"attr": "versioning", "eq": "yes"}, "rule.eq: versioning is true or false"),
        ({"attr": "versioning", "lt": 3}, "rule.lt: ordering comparisons need a whole-number attribute"),
        ({"attr": "versioning", "contains": "x"}, "rule.contains: 'contains' needs a list attribute"),
        ({"attr": "versioning", "in": []}, "rule.in: expected a non-empty list"),
        ({"attr": "versioning", "contains_any": ["x"]}, "rule.contains_any: 'contains_any' needs a list attribute"),
        ({"attr": "type", "contains_any": ["s3"]}, "rule.contains_any: 'contains_any' needs a list attribute"),
        ({"attr": "versioning", "in": True}, "rule.in: expected a non-empty list"),
        ({"attr": "kms", "eq": "rot13"}, "rule.eq: 'rot13' is not a value of kms (none, aws, cmk)"),
        ({"attr": "kms", "in": ["aws", "rot13"]}, "rule.in: 'rot13' is not a value of kms"),
        ({"attr": "versioning", "known": "yes"}, "rule.known: expected true or false"),
        ({"attr": "type", "eq": "mainframe"}, "rule.eq: 'mainframe' is not a value of type"),
        ({"reaches": {"attr": "nope", "is": True}}, "rule.reaches.attr: 'nope': no attribute 'nope' on"),
        ({"incoming": {"from": {"bogus": 1}}}, "rule.incoming.from: unknown operator 'bogus'"),
    ],
)
def test_compile_errors(rule: object, message: str) -> None:
    assert message in compile_error(rule, CT.S3)


def test_number_operands_must_be_whole_numbers() -> None:
    assert "timeout_s is a whole number" in compile_error({"attr": "timeout_s", "gt": True}, CT.LAMBDA)
    assert "timeout_s is a whole number" in compile_error({"attr": "timeout_s", "eq": "30"}, CT.LAMBDA)
    assert "runtime compares with text" in compile_error({"attr": "runtime", "eq": 3}, CT.LAMBDA)
    assert "privesc_actions compares with text" in compile_error({"attr": "privesc_actions", "contains": 1}, CT.IAM_ROLE)


@pytest.mark.parametrize(
    ("operand", "message"),
    [
        ([], "rule.contains_any: expected a non-empty list"),
        ("iam:PassRole", "rule.contains_any: expected a non-empty list"),
        ({"iam:PassRole": True}, "rule.contains_any: expected a non-empty list"),
        (["iam:PassRole", 3], "rule.contains_any: privesc_actions compares with text"),
        (["iam:PassRole", ["iam:*"]], "rule.contains_any: privesc_actions compares with text"),
        (["iam:PassRole", "iam:*", "iam:PassRole"], "rule.contains_any: 'iam:PassRole' is listed twice"),
    ],
)
def test_contains_any_operand_errors(operand: object, message: str) -> None:
    assert message in compile_error({"attr": "privesc_actions", "contains_any": operand}, CT.IAM_ROLE)


def test_too_deep() -> None:
    rule: Mapping[str, object] = {"attr": "versioning", "is": True}
    for _ in range(MAX_DEPTH + 1):
        rule = {"not": rule}
    assert f"nested deeper than {MAX_DEPTH} levels" in compile_error(rule, CT.S3)
    ok: Mapping[str, object] = {"attr": "versioning", "is": True}
    for _ in range(MAX_DEPTH):
        ok = {"not": ok}
    compile_predicate(ok, types=[CT.S3])


def test_too_many_nodes() -> None:
    leaf = {"attr": "versioning", "is": True}
    assert f"more than {MAX_NODES} nodes" in compile_error({"any": [leaf] * MAX_NODES}, CT.S3)
    compile_predicate({"any": [leaf] * (MAX_NODES - 1)}, types=[CT.S3])


def test_errors_carry_where_and_message() -> None:
    with pytest.raises(PredicateError) as info:
        compile_predicate({"not": {"x": 1}}, types=[CT.S3], where="card T4: rule")
    error = info.value
    assert isinstance(error, ValueError)
    assert error.where == "card T4: rule.not"
    assert error.message.startswith("unknown operator 'x'")
    assert str(error) == f"{error.where}: {error.message}"


def test_rules_are_checked_against_every_listed_type() -> None:
    # an attribute of any listed type is accepted; one of none of them is not
    compile_predicate({"attr": "authorizer", "eq": "none"}, types=[CT.S3, CT.API_GATEWAY])
    assert "on api_gateway, s3" in compile_error({"attr": "mfa", "eq": "on"}, CT.S3, CT.API_GATEWAY)


# --- no eval, no exec -----------------------------------------------------------------


FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}


def python_sources() -> list[Path]:
    return sorted(p for folder in ("game", "cards") for p in (ROOT / folder).rglob("*.py"))


def test_no_eval_or_exec_in_game_or_cards() -> None:
    offenders = []
    for path in python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.func.id}()")
            if isinstance(node, ast.Attribute) and node.attr in {"eval", "exec"} and isinstance(node.value, ast.Name) and node.value.id == "builtins":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: builtins.{node.attr}")
    assert python_sources(), "found no sources to check"
    assert offenders == []


def test_predicate_module_imports_nothing_dynamic() -> None:
    source = (ROOT / "game" / "predicates.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    modules = {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not ({"importlib", "pickle", "marshal", "subprocess", "os"} & (imported | modules))


def test_a_graph_answers_each_rule_for_itself_while_rules_come_and_go() -> None:
    # A graph outlives the rules judged with it (a scan, a test): a rule made after another was dropped may
    # land at the dropped one's address, and must not be given its cached traversal.
    graph = Graph(FLOWS)
    fn = FLOWS.component("Fn")
    answers = []
    for n in range(200):
        kind = "end_user" if n % 2 else "service"
        rule = compile_predicate({"reachable_from": {"attr": "kind", "eq": kind}})
        answers.append(rule.evaluate(fn, graph).truth)
        del rule
    assert answers == [U, H] * 100
